//! The stage's view model and geometry, tested natively: the picture must tell the story.

use crate::i18n::Lang;
use crate::sim::state::{Action, AppState};
use crate::stage::from_sim::stage_of;
use crate::stage::layout::{layout, Layer, Rect};
use crate::stage::model::*;
use crate::stage::window::Slot;

fn s1_at(t: i64) -> (AppState, Stage) {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(t));
    let stage = stage_of(&s);
    (s, stage)
}

#[test]
fn s1_at_38_s_committed_95_a_died_at_101_and_b_waits_on_the_bench() {
    let (_, stage) = s1_at(38_000);
    assert_eq!(stage.bands.len(), 1);
    let band = &stage.bands[0];
    let log = band.log("user-events", 0).unwrap();
    assert_eq!(log.committed, Some(95));
    assert_eq!(log.high_watermark, 101);
    let a = log.cursors.iter().find(|c| c.member == "A").unwrap();
    assert_eq!(
        (a.offset, a.ghost),
        (101, true),
        "A's memory reached 101 before it died"
    );
    assert_eq!(
        log.uncommitted,
        Some((95, 101)),
        "95..100 would be read again"
    );
    let edge = log.edge.as_ref().unwrap();
    assert_eq!(edge.member, "A", "the coordinator still thinks A owns p0");
    assert_eq!(edge.kind, EdgeKind::Stale);
    assert_eq!(band.member("A").unwrap().state, MemberKind::Crashed);
    let session = band.member("A").unwrap().session.unwrap();
    assert!(
        session.0 > 0 && session.0 <= 3_000,
        "{session:?}: about 2 s left"
    );
    let b = band.member("B").unwrap();
    assert_eq!(b.state, MemberKind::Standby);
    assert!(b.state.on_bench());
    assert!(log.duplicates.is_empty());
}

#[test]
fn s1_at_50_s_b_owns_the_partition_and_95_to_100_were_read_twice() {
    let (_, stage) = s1_at(50_000);
    let band = &stage.bands[0];
    let log = band.log("user-events", 0).unwrap();
    let edge = log.edge.as_ref().unwrap();
    assert_eq!((edge.member.as_str(), edge.kind), ("B", EdgeKind::Owned));
    assert_eq!(log.duplicates, (95..=100).collect::<Vec<_>>());
    assert_eq!(band.member("B").unwrap().state, MemberKind::Active);
    assert_eq!(band.member("A").unwrap().state, MemberKind::Crashed);
    assert_eq!(
        band.member("A").unwrap().session,
        None,
        "the coordinator removed A"
    );
}

#[test]
fn s1_geometry_the_flag_stands_on_offset_95s_cell_and_labels_fit() {
    let (_, stage) = s1_at(38_000);
    let laid = layout(&stage, Lang::En);
    let log = &laid.bands[0].logs[0];
    let cell_95 = log
        .slots
        .iter()
        .find_map(|(s, x, w)| matches!(s, Slot::Cell(95)).then_some((*x, *w)))
        .expect("offset 95 has a cell");
    let flag = log
        .markers
        .iter()
        .find(|m| m.layer == Layer::Committed)
        .unwrap();
    assert!(flag.x >= cell_95.0 && flag.x < cell_95.0 + cell_95.1);
    assert!(flag.text.contains("95") && flag.text.contains("next owner"));
    assert!(log.slots.len() <= 24, "readable on a projector");
    // Nothing drawn past the stage's width, and the whole stage fits the height budget.
    for m in &log.markers {
        assert!(m.x < crate::stage::layout::WIDTH);
    }
    assert!(
        laid.height <= crate::stage::layout::HEIGHT_BUDGET,
        "{}",
        laid.height
    );
    // Labels on one row never overlap: cursors of A (dead, 101) and the HW are apart.
    assert!(!laid.bands[0].compact);
}

#[test]
fn presenter_mode_draws_s1_larger_and_it_still_tells_the_story() {
    use crate::stage::layout::{layout_for, PRESENT_HEIGHT_BUDGET, WIDTH};
    let (_, stage) = s1_at(38_000);
    let page = layout(&stage, Lang::En);
    let present = layout_for(&stage, Lang::En, true);
    // A narrower drawing on the same screen width: larger type for the back of the room.
    assert!(
        present.width < page.width,
        "{} vs {}",
        present.width,
        page.width
    );
    // It fits the taller presenter budget, scaled to its zoom.
    assert!(present.height <= PRESENT_HEIGHT_BUDGET * present.width / WIDTH);
    // Still on the picture: committed 95 over its cell, and the high watermark 101.
    let log = &present.bands[0].logs[0];
    let cell = |o: i64| {
        log.slots
            .iter()
            .find_map(|(s, x, w)| matches!(s, Slot::Cell(n) if *n == o).then_some((*x, *w)))
    };
    let flag = log
        .markers
        .iter()
        .find(|m| m.layer == Layer::Committed)
        .unwrap();
    let (x, w) = cell(95).expect("offset 95 has a cell");
    assert!(flag.x >= x && flag.x < x + w && flag.text.contains("95"));
    assert!(log
        .markers
        .iter()
        .any(|m| m.layer == Layer::HighWatermark && m.offset == 101));
}

#[test]
fn every_scenario_fits_the_projector_and_names_every_member_once() {
    for scenario in minikafka::sim::scenarios::all() {
        let mut s = AppState::new(&scenario.id, 1, Lang::Zh);
        for t in [scenario.duration / 3, scenario.duration] {
            s.apply(Action::JumpTo(t));
            let stage = stage_of(&s);
            let laid = layout(&stage, Lang::Zh);
            assert!(
                laid.height * crate::stage::layout::WIDTH / laid.width
                    <= crate::stage::layout::HEIGHT_BUDGET + 80.0,
                "{} at {t}: stage {} high",
                scenario.id,
                laid.height
            );
            let members: usize = stage
                .bands
                .iter()
                .filter_map(|b| b.group.as_ref())
                .map(|g| g.members.len())
                .sum();
            assert_eq!(members, s.world().consumers.len(), "{}", scenario.id);
        }
    }
}

#[test]
fn s7_eager_members_drop_their_lines_on_rejoin_cooperative_keeps_four_of_six() {
    // After the third member joins: an eager member revokes all its partitions when it
    // rejoins (its lines go), the cooperative group keeps the 4 partitions that do not
    // move throughout. (Eager's stop is short in simulated time here, a few ms between the
    // last rejoin and the assignment: the members heartbeat in step. Sampled every 5 ms.)
    let mut s = AppState::new("S7", 1, Lang::En);
    let mut seen_eager_empty = false;
    let mut min_cooperative = usize::MAX;
    for t in (20_000..26_000).step_by(5) {
        s.apply(Action::JumpTo(t));
        let stage = stage_of(&s);
        let owned = |g: &str| {
            stage
                .band(g)
                .unwrap()
                .logs
                .iter()
                .filter(|l| l.edge.is_some())
                .count()
        };
        if owned("eager") <= 3 {
            seen_eager_empty = true;
        }
        min_cooperative = min_cooperative.min(owned("cooperative"));
    }
    assert!(
        seen_eager_empty,
        "eager: a rejoining member's lines retract"
    );
    assert!(
        min_cooperative >= 4,
        "cooperative: at most 2 lines move, got {min_cooperative}"
    );
}

#[test]
fn a_transactional_log_shows_its_lso_its_markers_and_the_lag_a_marker_leaves() {
    use crate::stage::layout::NoteKind;
    use crate::stage::txn::{TxnEnd, TxnSpan};
    // Offsets 0..2 committed by producer 7 (marker at 3), 4..5 aborted by producer 9
    // (marker at 6), 7 open by producer 7: the LSO is 7, the high watermark 8.
    let txns = vec![
        TxnSpan {
            producer_id: 7,
            batches: vec![(0, 2)],
            end: TxnEnd::Committed(3),
        },
        TxnSpan {
            producer_id: 9,
            batches: vec![(4, 5)],
            end: TxnEnd::Aborted(6),
        },
        TxnSpan {
            producer_id: 7,
            batches: vec![(7, 7)],
            end: TxnEnd::Open,
        },
    ];
    let log = Log {
        topic: "invoices".into(),
        partition: 0,
        log_start: 0,
        high_watermark: 8,
        committed: None,
        cursors: Vec::new(),
        uncommitted: None,
        duplicates: Vec::new(),
        lost: Vec::new(),
        fresh: Vec::new(),
        edge: None,
        stopped: None,
        retracting: None,
        fetching: false,
        last_stable: 7,
        txns,
        leader: None,
    };
    let mut stage = Stage {
        now: 0,
        producers: Vec::new(),
        bands: vec![Band {
            group: None,
            logs: vec![log],
        }],
    };
    let laid = layout(&stage, Lang::En);
    let lso = laid.bands[0].logs[0]
        .markers
        .iter()
        .find(|m| m.layer == Layer::LastStable)
        .expect("an LSO marker");
    assert_eq!(lso.offset, 7);
    assert!(
        lso.text.contains("read_committed waits here"),
        "{}",
        lso.text
    );
    // Every transaction decided and the group read up to the commit marker: lag 1, said.
    let log = &mut stage.bands[0].logs[0];
    log.txns.pop();
    log.txns.push(TxnSpan {
        producer_id: 7,
        batches: vec![(7, 7)],
        end: TxnEnd::Committed(8),
    });
    log.high_watermark = 9;
    log.last_stable = 9;
    log.committed = Some(8);
    let laid = layout(&stage, Lang::En);
    let ll = &laid.bands[0].logs[0];
    let lso = ll
        .markers
        .iter()
        .find(|m| m.layer == Layer::LastStable)
        .unwrap();
    assert_eq!(lso.text, "LSO 9");
    let note = ll
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::MarkerLag)
        .unwrap();
    assert_eq!(note.range, (8, 9));
    assert!(note.text.contains("transaction marker"));
}

#[test]
fn a_long_logs_edge_starts_at_the_same_x_while_records_arrive() {
    // An edge whose start moved with the window of cells restarted its CSS transition on
    // every frame: a crowded stage lost a third of its frames to it. Checked frame by
    // frame (100 ms) through S7 and S11, wherever the band kept its place and size.
    for id in ["S7", "S11"] {
        let mut s = AppState::new(id, 1, Lang::En);
        let mut last: Option<Vec<(Rect, bool, f64)>> = None;
        let mut compared = 0;
        for t in (0..s.scenario.duration).step_by(100) {
            s.apply(Action::JumpTo(t));
            let stage = stage_of(&s);
            let laid = layout(&stage, Lang::En);
            let now: Vec<(Rect, bool, f64)> = stage
                .bands
                .iter()
                .zip(&laid.bands)
                .flat_map(|(band, b)| {
                    band.logs.iter().zip(&b.logs).map(move |(log, l)| {
                        let long = log.high_watermark - log.log_start >= 40;
                        (b.area, long, l.edge_from.0)
                    })
                })
                .collect();
            if let Some(prev) = &last {
                if prev.len() == now.len() {
                    for (a, b) in prev.iter().zip(&now) {
                        if a.0 == b.0 && a.1 && b.1 {
                            compared += 1;
                            assert_eq!(a.2, b.2, "{id} at {t} ms: a long log's edge moved");
                        }
                    }
                }
            }
            last = Some(now);
        }
        assert!(compared > 1000, "{id}: only {compared} frames compared");
    }
}

fn delivery_at(id: &str, t: i64) -> Vec<(String, Option<Delivery>)> {
    let mut s = AppState::new(id, 1, Lang::En);
    s.apply(Action::JumpTo(t));
    stage_of(&s)
        .bands
        .into_iter()
        .filter_map(|b| b.group.map(|g| (g.id, g.delivery)))
        .collect()
}

#[test]
fn s12_at_its_end_counts_what_each_reader_was_handed() {
    let groups = delivery_at("S12", 1_000_000);
    let of = |g: &str| {
        groups
            .iter()
            .find(|(id, _)| id == g)
            .and_then(|(_, d)| *d)
            .unwrap_or_else(|| panic!("no delivery line for {g}: {groups:?}"))
    };
    let rc = of("audit-rc");
    assert_eq!((rc.twice, rc.lost, rc.aborted), (0, 0, Some((0, true))));
    let ru = of("audit-ru");
    assert!(
        ru.twice > 0,
        "{ru:?}: the aborted first copies and their retries"
    );
    assert!(matches!(ru.aborted, Some((n, false)) if n > 0), "{ru:?}");
    let alo = of("audit-alo");
    assert!(
        alo.twice > 0 && alo.lost == 0,
        "{alo:?}: at-least-once duplicates"
    );
    assert_eq!(alo.aborted, None, "no transaction on invoices-alo");
}

#[test]
fn s5_counts_lost_records_against_duplicates() {
    let groups = delivery_at("S5", 1_000_000);
    let of = |g: &str| {
        groups
            .iter()
            .find(|(id, _)| id == g)
            .and_then(|(_, d)| *d)
            .unwrap()
    };
    let most = of("at-most-once");
    let least = of("at-least-once");
    assert!(most.lost > 0 && most.twice == 0, "{most:?}");
    assert!(least.twice > 0 && least.lost == 0, "{least:?}");
}

#[test]
fn a_group_handed_every_record_once_has_no_delivery_line() {
    // S1 before the crash: nothing to count, no line.
    assert!(delivery_at("S1", 20_000).iter().all(|(_, d)| d.is_none()));
}

#[test]
fn s13_draws_the_transaction_coordinator_and_the_frozen_zombie() {
    let at = |t: i64| {
        let mut s = AppState::new("S13", 1, Lang::En);
        s.apply(Action::JumpTo(t));
        stage_of(&s)
    };
    // 12 s: billing-1 is frozen; its transaction is open and its timeout runs.
    let stage = at(12_000);
    let billing = stage.band("billing").unwrap();
    assert_eq!(
        billing.member("billing-1").unwrap().state,
        MemberKind::Frozen
    );
    let txn = billing.group.as_ref().unwrap().txn.as_ref().unwrap();
    assert_eq!(
        (txn.id.as_str(), txn.state, txn.epoch),
        ("billing", "Ongoing", 0)
    );
    let (open, timeout) = txn.open.unwrap();
    assert!(open > 0 && open < i64::from(timeout), "{open} of {timeout}");
    // 40 s: the replacement bumped the epoch, which fenced the zombie.
    let stage = at(40_000);
    let txn = stage
        .band("billing")
        .unwrap()
        .group
        .as_ref()
        .unwrap()
        .txn
        .clone()
        .unwrap();
    assert!(txn.epoch >= 1, "{txn:?}");
    // A group without a transactional.id has no transaction coordinator box.
    assert!(stage
        .band("audit-rc")
        .unwrap()
        .group
        .as_ref()
        .unwrap()
        .txn
        .is_none());
}

#[test]
fn a_partition_given_up_in_a_rebalance_remembers_whose_line_retracts() {
    let mut s = AppState::new("S7", 1, Lang::En);
    let mut seen = 0;
    for t in (0..s.scenario.duration).step_by(100) {
        s.apply(Action::JumpTo(t));
        let stage = stage_of(&s);
        let band = stage.band("eager").unwrap();
        for log in &band.logs {
            assert_eq!(
                log.stopped.is_some(),
                log.retracting.is_some(),
                "{t}: {log:?}"
            );
            if let Some(from) = &log.retracting {
                assert!(log.edge.is_none());
                assert!(band.member(from).is_some(), "{from} is a member of eager");
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "eager stops partitions in S7");
}

#[test]
fn records_travel_to_a_reading_owner_and_not_to_a_dead_one() {
    // S1: A reads while the producer writes; after A's crash nobody fetches p0 until B.
    let log_at = |t: i64| {
        let mut s = AppState::new("S1", 1, Lang::En);
        s.apply(Action::JumpTo(t));
        stage_of(&s).bands[0].log("user-events", 0).unwrap().clone()
    };
    let fetching: Vec<bool> = (10_000..20_000)
        .step_by(500)
        .map(|t| log_at(t).fetching)
        .collect();
    assert!(
        fetching.iter().any(|f| *f),
        "A fetches records while it reads: {fetching:?}"
    );
    assert!(
        !log_at(38_000).fetching,
        "at 38 s A is dead and B not assigned yet"
    );
}

#[test]
fn the_legend_explains_every_mark_the_stage_draws_in_both_languages() {
    // The legend lives in index.html, one <template> per language.
    let page = include_str!("../../../index.html");
    let template = |id: &str| {
        let open = format!("<template id=\"{id}\">");
        let from = page.find(&open).expect("the legend's template") + open.len();
        &page[from..from + page[from..].find("</template>").unwrap()]
    };
    let (legend_en, legend_zh) = (template("legend-en"), template("legend-zh"));
    // Every class the stage's SVG is drawn with (read from its source, so a new mark
    // without a legend entry fails here), but for the structure and the text that says
    // itself (headings, names, numbers, the tallies written in words).
    let source = include_str!("view.rs");
    let drawing = source;
    const SAYS_ITSELF: [&str; 19] = [
        "band",
        "group",
        "log",
        "bench",
        "crowded",
        "cursor-node",
        "cursor-stem",
        "delivery",
        "group-box",
        "heading",
        "label",
        "legend",
        "name",
        "num",
        "panel",
        "plabel",
        "producer-node",
        "small",
        "stage-wrap",
    ];
    let mut marks: Vec<&str> = drawing
        .split("class=\"")
        .skip(1)
        .flat_map(|rest| rest.split('"').next().unwrap_or("").split_whitespace())
        .filter(|w| !w.contains('{') && !SAYS_ITSELF.contains(w) && *w != "tally")
        .collect();
    marks.sort();
    marks.dedup();
    assert!(marks.len() > 20, "{marks:?}");
    for legend in [legend_en, legend_zh] {
        for mark in &marks {
            let shown = legend.contains(&format!("class=\"{mark}\""))
                || legend.contains(&format!("class=\"{mark} "))
                || legend.contains(&format!(" {mark}\""))
                || legend.contains(&format!(" {mark} "));
            assert!(shown, "no legend entry draws a {mark:?}");
        }
    }
    // The same entries in both languages.
    assert_eq!(
        legend_en.matches("<li>").count(),
        legend_zh.matches("<li>").count()
    );
}

#[test]
fn a_watched_cluster_of_several_brokers_shows_each_partitions_leader() {
    use crate::live::page::{live_view_model, LiveAction, LivePage};
    let snapshot = |brokers: &str| {
        format!(
            r#"{{"type":"snapshot","at":1000,{brokers}"topics":[{{"name":"orders","partitions":[{{"partition":0,"log_start_offset":0,"high_watermark":5,"log_end_offset":5,"leader":2}},{{"partition":1,"log_start_offset":0,"high_watermark":3,"log_end_offset":3,"leader":3}}]}}],"groups":[]}}"#
        )
    };
    let stage_of = |text: String| {
        let mut page = LivePage::new("ws://x/live".into(), Lang::En);
        page.apply(LiveAction::Messages {
            texts: vec![text],
            local_ms: 0,
        });
        let vm = live_view_model(&page);
        crate::stage::from_live::stage_of_live(&page, &vm)
    };
    let cluster = stage_of(snapshot(
        r#""brokers":[{"node_id":2,"address":"b2:9092"},{"node_id":3,"address":"b3:9092"}],"#,
    ));
    let leaders: Vec<Option<i32>> = cluster.bands[0].logs.iter().map(|l| l.leader).collect();
    assert_eq!(leaders, [Some(2), Some(3)]);
    let one = stage_of(snapshot(
        r#""brokers":[{"node_id":2,"address":"b2:9092"}],"#,
    ));
    assert!(
        one.bands[0].logs.iter().all(|l| l.leader.is_none()),
        "one broker leads everything: nothing to draw"
    );
}

// --- S14: a consumer-protocol group ------------------------------------------------------

fn s14_at(s: &mut AppState, t: i64) -> Stage {
    s.apply(Action::JumpTo(t));
    stage_of(s)
}

fn kip848_of<'a>(stage: &'a Stage, group: &str) -> Option<&'a crate::stage::kip848::Kip848View> {
    stage.band(group)?.group.as_ref()?.kip848.as_ref()
}

fn chips_of(stage: &Stage, name: &str) -> Vec<crate::stage::kip848::Chip> {
    kip848_of(stage, "consumer")
        .and_then(|k| k.members.iter().find(|m| m.name == name))
        .map(|m| m.chips.clone())
        .unwrap_or_default()
}

#[test]
fn s14_the_consumer_group_shows_its_epochs_and_each_member_s_target_the_classic_one_does_not() {
    use crate::stage::kip848::ChipKind;
    let mut s = AppState::new("S14", 1, Lang::En);
    let stage = s14_at(&mut s, 19_000);
    assert!(kip848_of(&stage, "classic").is_none());
    let k = kip848_of(&stage, "consumer").unwrap();
    assert!(k.group_epoch >= 2, "A and B joined: {}", k.group_epoch);
    for name in ["consumer-A", "consumer-B"] {
        let chips = chips_of(&stage, name);
        assert_eq!(chips.len(), 3, "{name}: {chips:?}");
        assert!(chips.iter().all(|c| c.kind == ChipKind::Owned), "{name}");
        let m = k.members.iter().find(|m| m.name == name).unwrap();
        assert!(m.epoch >= 1);
    }
    let epoch_before = k.group_epoch;
    // While C comes in: somewhere a member must revoke (struck) before C gets it, C waits
    // for a partition (outlined), and A never owns fewer than the 2 it keeps.
    let (mut struck, mut outlined, mut carried) = (false, false, false);
    for t in (20_000..32_000).step_by(100) {
        let stage = s14_at(&mut s, t);
        let a = chips_of(&stage, "consumer-A");
        let owned = a.iter().filter(|c| c.kind != ChipKind::Target).count();
        assert!(owned >= 2, "at {t}: A stopped reading what it keeps: {a:?}");
        for name in ["consumer-A", "consumer-B"] {
            struck |= chips_of(&stage, name)
                .iter()
                .any(|c| c.kind == ChipKind::Revoke);
        }
        outlined |= chips_of(&stage, "consumer-C")
            .iter()
            .any(|c| c.kind == ChipKind::Target);
        carried |= kip848_of(&stage, "consumer")
            .unwrap()
            .members
            .iter()
            .any(|m| m.carried.is_some());
    }
    assert!(
        struck && outlined && carried,
        "{struck} {outlined} {carried}"
    );
    let stage = s14_at(&mut s, 32_000);
    let k = kip848_of(&stage, "consumer").unwrap();
    assert!(k.group_epoch > epoch_before);
    for name in ["consumer-A", "consumer-B", "consumer-C"] {
        let chips = chips_of(&stage, name);
        assert_eq!(chips.len(), 2, "{name}: {chips:?}");
        assert!(chips.iter().all(|c| c.kind == ChipKind::Owned), "{name}");
    }
    // The cards are taller in the consumer group only: the chips sit inside them.
    let laid = layout(&stage, Lang::En);
    let h = |group: &str| {
        let i = stage
            .bands
            .iter()
            .position(|b| b.group.as_ref().is_some_and(|g| g.id == group))
            .unwrap();
        laid.bands[i].group.as_ref().unwrap().members[0].h
    };
    assert!(h("consumer") >= h("classic") + 14.0);
}

/// S14's end: each group's tally has a line per phase, in full words in both languages (the
/// two groups' lines are read side by side, so neither may fall back to the short form).
#[test]
fn s14_the_phase_tallies_fit_in_full_in_both_groups() {
    let mut s = AppState::new("S14", 1, Lang::En);
    let end = s.scenario.duration;
    let stage = s14_at(&mut s, end);
    for lang in [Lang::En, Lang::Zh] {
        let laid = layout(&stage, lang);
        for (band, l) in stage.bands.iter().zip(&laid.bands) {
            let g = band.group.as_ref().unwrap();
            let t = g.tally.as_ref().unwrap();
            assert_eq!(t.phases.len(), 2, "{}", g.id);
            let (_, y, room) = l.tally.unwrap();
            for p in &t.phases {
                let line = crate::stage::text::phase_tally(p, g.reads, false, lang);
                let w = crate::stage::layout::text_width(&line) + 18.0;
                assert!(
                    w <= room,
                    "{} {lang:?}: {line:?} is {w} wide, room {room}",
                    g.id
                );
            }
            // Both lines are inside the band, above the next one.
            let last = y + crate::stage::layout::TALLY_LINE;
            assert!(last <= l.area.y + l.area.h, "{}: {last} {:?}", g.id, l.area);
        }
    }
    // The slow B: busy with its batch most of the time, in both groups.
    let busy = (0..40)
        .filter(|k| {
            let stage = s14_at(&mut s, 60_000 + k * 500);
            stage
                .band("classic")
                .and_then(|b| b.member("classic-B"))
                .is_some_and(|m| m.state == MemberKind::Busy)
        })
        .count();
    assert!(busy > 30, "{busy} of 40");
}

#[test]
fn chips_are_owned_target_or_revoke() {
    use crate::stage::kip848::{chips, ChipKind};
    let owned = [0, 1, 2].into_iter().collect();
    let target = [0, 2, 4].into_iter().collect();
    let kinds: Vec<(i32, ChipKind)> = chips(&owned, &target)
        .into_iter()
        .map(|c| (c.partition, c.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, ChipKind::Owned),
            (1, ChipKind::Revoke),
            (2, ChipKind::Owned),
            (4, ChipKind::Target)
        ]
    );
}
