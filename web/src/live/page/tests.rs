//! Tests of live mode's page state and view model, natively (no DOM): scenarios' broker
//! events fed as the server sends them, compared with the simulation's picture.

use super::*;
use minikafka::live::{epochs_of, EpochsSent};
use minikafka::sim::{scenarios, WorldEventKind};

use crate::sim::model::view_model;
use crate::sim::state::{Action, AppState};

/// A live page fed a scenario's broker events as the server would send them (JSON text,
/// a snapshot first), ticking every 100 ms like the component.
fn live_run(id: &str, seed: u64) -> LivePage {
    let scenario = scenarios::by_id(id).unwrap();
    let mut world = scenario.world(seed);
    let mut page = LivePage::new("ws://test/live".into(), Lang::En);
    page.apply(LiveAction::Opened);
    let snapshot = LiveMessage::Snapshot(Snapshot::of(&world.broker, world.now()));
    page.apply(LiveAction::Messages {
        texts: vec![serde_json::to_string(&snapshot).unwrap()],
        local_ms: 0,
    });
    let mut epochs = EpochsSent::default();
    epochs.changes(epochs_of(&world.broker));
    let mut script = scenario.script.iter().peekable();
    let mut now = 0;
    while now < scenario.duration {
        now += 100;
        while let Some((at, command)) = script.peek() {
            if *at > now {
                break;
            }
            world.run_until(*at);
            world.apply(command.clone());
            script.next();
        }
        world.run_until(now);
        let mut texts: Vec<String> = world
            .take_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                WorldEventKind::Broker { event } => {
                    Some(serde_json::to_string(&LiveMessage::Event { event }).unwrap())
                }
                _ => None,
            })
            .collect();
        // As `serve` does after its steps: the consumer-protocol epochs that changed.
        texts.extend(
            epochs
                .changes(epochs_of(&world.broker))
                .iter()
                .map(|m| serde_json::to_string(m).unwrap()),
        );
        page.apply(LiveAction::Messages {
            texts,
            local_ms: now,
        });
        page.apply(LiveAction::Tick(now));
    }
    page
}

#[test]
fn live_mode_draws_the_transactions_of_s12_as_the_simulation_does() {
    let mut page = live_run("S12", 1);
    page.group = Some("audit-rc".into());
    let vm = live_view_model(&page);
    // Only audit-rc's own topic is listed (orders is billing's): no lag it does not have.
    assert!(!vm.partitions.is_empty());
    assert!(vm.partitions.iter().all(|p| p.topic == "invoices"));
    let live = crate::stage::from_live::stage_of_live(&page, &vm);
    let mut sim = AppState::new("S12", 1, Lang::En);
    sim.apply(Action::ToEnd);
    let sim = crate::stage::from_sim::stage_of(&sim);
    let sim_logs: Vec<_> = sim.bands.iter().flat_map(|b| &b.logs).collect();
    let logs = &live.bands[0].logs;
    assert!(
        logs.iter().any(|l| l.topic == "invoices"),
        "audit-rc reads invoices"
    );
    let mut markers = 0;
    for log in logs.iter().filter(|l| l.topic == "invoices") {
        let twin = sim_logs
            .iter()
            .find(|l| l.topic == log.topic && l.partition == log.partition)
            .expect("the simulation draws the same partition");
        assert_eq!(log.txns, twin.txns, "{}-{}", log.topic, log.partition);
        assert_eq!(log.last_stable, twin.last_stable);
        markers += log
            .txns
            .iter()
            .filter(|t| matches!(t.end, crate::stage::txn::TxnEnd::Committed(_)))
            .count();
    }
    assert!(markers > 0, "committed transactions are drawn");
    // A marker is a line of its own in the events, in words.
    let said = |lang| {
        event_lines(&page.live, 40, lang)
            .into_iter()
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
    };
    assert!(
        said(Lang::En)
            .iter()
            .any(|l| l.contains("COMMIT marker of producer")),
        "{:?}",
        said(Lang::En)
    );
    assert!(said(Lang::Zh)
        .iter()
        .any(|l| l.contains("COMMIT（提交） 标记")));
}

#[test]
fn live_views_of_s6_agree_with_the_simulation_one_standby_member() {
    let page = live_run("S6", 3);
    let live = live_view_model(&page);
    let mut sim = AppState::new("S6", 3, Lang::En);
    sim.apply(Action::ToEnd);
    let sim = view_model(&sim);
    let alive = |members: Vec<(String, MemberKind, Vec<TopicPartition>)>| {
        let mut m: Vec<_> = members.into_iter().filter(|m| m.1 != "dead").collect();
        m.sort_by(|a, b| a.0.cmp(&b.0));
        m
    };
    assert_eq!(
        alive(
            live.members
                .iter()
                .map(|m| (m.name.clone(), m.state, m.partitions.clone()))
                .collect()
        ),
        alive(
            sim.members
                .iter()
                .map(|m| (m.name.clone(), m.state, m.partitions.clone()))
                .collect()
        ),
    );
    assert_eq!(
        live.members.iter().filter(|m| m.state == "standby").count(),
        1
    );
    assert_eq!(live.generation, sim.generation);
    let committed = |ps: &[PartitionView]| {
        ps.iter()
            .map(|p| (p.topic.clone(), p.partition, p.committed, p.high_watermark))
            .collect::<Vec<_>>()
    };
    assert_eq!(committed(&live.partitions), committed(&sim.partitions));
    assert!(!page.lag.is_empty());
}

#[test]
fn live_views_of_s1_show_the_crashed_member_removed_and_b_taking_over() {
    let page = live_run("S1", 1);
    let vm = live_view_model(&page);
    let b = vm.members.iter().find(|m| m.name == "B").unwrap();
    assert_eq!(b.state, "active");
    assert_eq!(vm.partitions[0].committed, Some(101));
    assert_eq!(
        vm.partitions[0].owner.as_ref().map(|o| o.0.as_str()),
        Some("B")
    );
    assert!(vm.generation >= 2);
    // The rebalance after A's session timeout went through all five steps.
    let live = &page.live;
    assert!(live.recent.iter().any(|e| matches!(
        e,
        Event::MemberRemoved {
            reason: minikafka::event::RemovalReason::SessionTimeout,
            ..
        }
    )));
    assert_eq!(vm.producers.len(), 1);
    assert!(vm.producers[0].sent >= 101);
}

#[test]
fn record_by_record_appends_read_as_one_line_per_run() {
    let mut live = LiveState::default();
    let append = |at, partition, base_offset, client: &str| Event::RecordsAppended {
        at,
        topic: "t".into(),
        partition,
        base_offset,
        count: 1,
        log_end_offset: base_offset + 1,
        client_id: Some(client.into()),
        txn: None,
        last_stable_offset: None,
    };
    for e in [
        append(1, 0, 0, "p"),
        append(2, 0, 1, "p"),
        append(3, 0, 2, "p"),
        Event::Heartbeat {
            at: 3,
            group: "g".into(),
            member_id: "m".into(),
            error: None,
        },
        append(4, 0, 3, "q"),
        append(5, 1, 0, "q"),
    ] {
        live.apply(LiveMessage::Event { event: e });
    }
    let lines: Vec<String> = event_lines(&live, 40, Lang::En)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("t-1: appended 1 record(s) at offset 0 by q"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("t-0: appended 1 record(s) at offset 3 by q"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "t-0: appended 3 records at offsets 0..2 by p");
    assert_eq!(event_lines(&live, 2, Lang::En).len(), 2);
    let zh = event_lines(&live, 40, Lang::Zh);
    assert_eq!(zh[2].1, "t-0：在 offset 0..2 追加 3 条记录，来自 p");
    assert!(
        zh[0]
            .1
            .starts_with("t-1：在 offset 0 追加 1 条记录，来自 q"),
        "{zh:?}"
    );
}

#[test]
fn a_watch_says_how_old_its_picture_is_and_lists_rebalances() {
    let mut page = LivePage::new("ws://x/live".into(), Lang::En);
    assert_eq!(page.sample_age(), None, "not a watch");
    page.apply(LiveAction::Messages {
        texts: vec![
            r#"{"type":"snapshot","at":10000,"topics":[],"groups":[]}"#.into(),
            r#"{"type":"watch","sampled_at":9000,"took_ms":30,"interval_ms":1000,"rebalances":[{"group":"g","at":8000,"reason":"session_timeout","removed":["m2"],"not_stable_ms":2500,"ongoing":false}],"lag":[{"group":"g","points":[[1000,5],[9000,0]]}]}"#.into(),
        ],
        local_ms: 0,
    });
    assert_eq!(page.sample_age(), Some(1_000));
    assert!(page.hour_of_lag().is_empty(), "no group shown, no lag");
    page.apply(LiveAction::Messages {
        texts: vec![r#"{"type":"snapshot","at":10000,"topics":[],"groups":[{"group_id":"g","state":"Stable","protocol_type":"consumer","protocol":"range","generation":1,"leader":null,"members":[],"committed":[]}]}"#.into()],
        local_ms: 0,
    });
    assert_eq!(
        page.hour_of_lag(),
        [(1_000, 5, Vec::new()), (9_000, 0, Vec::new())]
    );
    page.apply(LiveAction::Tick(3_000));
    assert_eq!(page.sample_age(), Some(4_000), "ages between messages");
    let w = page.watch.as_ref().unwrap();
    assert_eq!(
        rebalance_line(&w.rebalances[0], Lang::En, |m| m.to_string()),
        "g: session timeout (inferred) -m2 · not Stable for 2.5 s"
    );
    assert!(rebalance_line(&w.rebalances[0], Lang::Zh, |m| m.to_string()).contains("推断"));
    page.apply(LiveAction::Messages {
        texts: vec![r#"{"type":"event","event":{"type":"RecordsAppended","at":10500,"topic":"t","partition":0,"base_offset":0,"count":3,"log_end_offset":3,"client_id":null}}"#.into()],
        local_ms: 0,
    });
    assert_eq!(live_view_model(&page).producers[0].name, "(any producer)");
}

#[test]
fn a_bad_message_is_reported_and_the_rest_of_the_batch_still_applies() {
    let mut page = LivePage::new("ws://x/live".into(), Lang::Zh);
    page.apply(LiveAction::Messages {
        texts: vec![
            "{not json".into(),
            r#"{"type":"event","event":{"type":"TopicCreated","at":5,"topic":"t","partitions":2}}"#
                .into(),
        ],
        local_ms: 0,
    });
    assert!(page
        .notice
        .as_deref()
        .unwrap()
        .contains("could not be read"));
    assert_eq!(live_view_model(&page).partitions.len(), 2);
    page.apply(LiveAction::Closed("code 1006".into()));
    assert_eq!(page.connection.word(), "disconnected");
    page.apply(LiveAction::Opened);
    assert!(page.notice.is_none());
    assert!(!page.admin, "read-only until the server says otherwise");
    page.apply(LiveAction::Messages {
        texts: vec![
            r#"{"type":"hello","admin":true,"bootstrap":"10.0.0.5:9092"}"#.into(),
            r#"{"type":"admin_result","ok":false,"message":"group g has 1 member(s)"}"#.into(),
        ],
        local_ms: 0,
    });
    assert!(page.admin);
    assert_eq!(page.bootstrap.as_deref(), Some("10.0.0.5:9092"));
    assert_eq!(
        page.admin_result,
        Some((false, "group g has 1 member(s)".into()))
    );
}

#[test]
fn the_shown_group_follows_the_choice_and_falls_back_when_it_disappears() {
    let mut page = LivePage::new("ws://x/live".into(), Lang::En);
    let event = |text: &str| LiveAction::Messages {
        texts: vec![text.to_string()],
        local_ms: 0,
    };
    page.apply(event(r#"{"type":"event","event":{"type":"OffsetCommitted","at":1,"group":"a","topic":"t","partition":0,"offset":3,"member_id":"","generation":-1}}"#));
    page.apply(event(r#"{"type":"event","event":{"type":"MemberJoined","at":2,"group":"b","member_id":"m1","group_instance_id":null,"client_id":"c1","client_host":"/127.0.0.1","session_timeout_ms":6000,"rebalance_timeout_ms":30000}}"#));
    assert_eq!(
        page.shown_group().as_deref(),
        Some("b"),
        "the first group with members"
    );
    page.apply(LiveAction::SelectGroup("a".into()));
    assert_eq!(live_view_model(&page).group.as_deref(), Some("a"));
    page.apply(event(
        r#"{"type":"event","event":{"type":"GroupDeleted","at":3,"group":"a"}}"#,
    ));
    assert_eq!(page.shown_group().as_deref(), Some("b"));
    let vm = live_view_model(&page);
    assert_eq!(vm.members[0].name, "c1");
    assert_eq!(
        vm.members[0].state, "rebalancing",
        "joined, no assignment yet"
    );
}

/// A `history` message with frames of group g at these times, member ids listed.
fn frames(frames: &[(Millis, &[&str])]) -> String {
    let samples: Vec<String> = frames
        .iter()
        .map(|(at, members)| {
            let members: Vec<String> = members
                .iter()
                .map(|m| format!(r#"{{"member_id":"{m}","group_instance_id":null,"client_id":"{m}-app","client_host":"/10.0.0.1","assignment":[{{"topic":"t","partitions":[0]}}]}}"#))
                .collect();
            format!(
                r#"{{"at":{at},"topics":[{{"name":"t","partitions":[{{"partition":0,"log_start_offset":0,"high_watermark":{at},"log_end_offset":{at}}}]}}],"groups":[{{"group_id":"g","state":"Stable","protocol_type":"consumer","protocol":"range","generation":1,"leader":null,"members":[{}],"committed":[]}}]}}"#,
                members.join(",")
            )
        })
        .collect();
    format!(r#"{{"type":"history","samples":[{}]}}"#, samples.join(","))
}

#[test]
fn scrubbing_the_hour_shows_the_frame_under_the_cursor_while_samples_keep_arriving() {
    let mut page = LivePage::new("ws://x/live".into(), Lang::En);
    let texts = vec![
        r#"{"type":"snapshot","at":3000,"topics":[],"groups":[]}"#.to_string(),
        r#"{"type":"watch","sampled_at":3000,"took_ms":5,"interval_ms":1000,"rebalances":[{"group":"g","at":2000,"reason":"member_added","added":["b"],"not_stable_ms":0,"ongoing":false}]}"#.to_string(),
        frames(&[(1_000, &["a"]), (2_000, &["a", "b"]), (3_000, &["a", "b", "c"])]),
        // Sent on connecting and in the stream: kept once.
        frames(&[(3_000, &["a", "b", "c"])]),
    ];
    page.apply(LiveAction::Messages {
        texts,
        local_ms: 3_000,
    });
    assert_eq!(page.frames.len(), 3);
    assert_eq!(
        page.frame_index(),
        2,
        "live: the slider at the newest frame"
    );
    assert_eq!(page.viewing(), None);

    page.apply(LiveAction::ScrubTo(1_500));
    assert_eq!(page.frame_index(), 0);
    assert_eq!(
        page.viewing(),
        Some((1_000, 2_000)),
        "sampled at 1 s, 2 s ago"
    );
    let vm = live_view_model(&page);
    assert_eq!(vm.now, 1_000);
    assert_eq!(vm.members.len(), 1, "the picture as it was: a alone");
    assert_eq!(vm.partitions[0].high_watermark, 1_000);
    assert!(page.rebalances_at_cursor().is_empty(), "b joined later");
    let stage = crate::stage::from_live::stage_of_live(&page, &vm);
    assert_eq!(stage.bands[0].group.as_ref().unwrap().members.len(), 1);

    page.apply(LiveAction::ScrubTo(2_000));
    assert_eq!(page.frame_index(), 1);
    assert_eq!(live_view_model(&page).members.len(), 2);
    assert_eq!(
        page.rebalances_at_cursor(),
        [0],
        "the rebalance b's joining made"
    );

    // A new sample arrives: kept, the page stays where the viewer put it.
    page.apply(LiveAction::Messages {
        texts: vec![frames(&[(4_000, &["a", "b", "c", "d"])])],
        local_ms: 4_000,
    });
    page.apply(LiveAction::Tick(4_000));
    assert_eq!(page.frames.len(), 4);
    assert_eq!(page.viewing(), Some((2_000, 2_000)));
    assert_eq!(live_view_model(&page).members.len(), 2);
    assert!(page.live.groups.is_empty(), "the live picture is untouched");

    page.apply(LiveAction::BackToLive);
    assert_eq!(page.viewing(), None);
    assert_eq!(page.frame_index(), 3);
    page.apply(LiveAction::ScrubTo(0));
    assert_eq!(page.frame_index(), 0, "before the first frame: the first");
    page.apply(LiveAction::ScrubTo(4_000));
    assert_eq!(page.viewing(), None, "the newest frame is live");
}

#[test]
fn a_consumer_protocol_groups_epochs_reach_the_stage_as_in_the_simulation() {
    // One member owns 0 and 1 but must give 1 up; the other waits for 1 (target, not
    // owned) and owns nothing yet: rebalancing, not on the bench.
    let mut page = LivePage::new("ws://x/live".into(), Lang::En);
    page.apply(LiveAction::Messages {
        texts: vec![
            r#"{"type":"snapshot","at":10,"topics":[{"name":"t","partitions":[{"partition":0,"log_start_offset":0,"high_watermark":5,"log_end_offset":5},{"partition":1,"log_start_offset":0,"high_watermark":5,"log_end_offset":5}]}],"groups":[{"group_id":"g","state":"Stable","protocol_type":"consumer","protocol":"uniform","generation":3,"leader":null,"members":[{"member_id":"m1","group_instance_id":null,"client_id":"a","client_host":"/h","assignment":[{"topic":"t","partitions":[0]}]},{"member_id":"m2","group_instance_id":null,"client_id":"b","client_host":"/h","assignment":[]}],"committed":[]}]}"#.into(),
            r#"{"type":"epochs","group":"g","epochs":{"group_epoch":4,"members":[{"member_id":"m1","member_epoch":4,"owned":[{"topic":"t","partitions":[0,1]}],"target":[{"topic":"t","partitions":[0]}]},{"member_id":"m2","member_epoch":3,"owned":[],"target":[{"topic":"t","partitions":[1]}]}]}}"#.into(),
        ],
        local_ms: 0,
    });
    let vm = live_view_model(&page);
    let stage = crate::stage::from_live::stage_of_live(&page, &vm);
    let g = stage.bands[0].group.as_ref().unwrap();
    let k = g.kip848.as_ref().expect("a consumer-protocol group");
    assert_eq!(k.group_epoch, 4);
    use crate::stage::kip848::{Chip, ChipKind};
    let a = k.members.iter().find(|m| m.name == "a").unwrap();
    assert_eq!(a.epoch, 4);
    assert_eq!(
        a.chips,
        [
            Chip {
                partition: 0,
                kind: ChipKind::Owned
            },
            Chip {
                partition: 1,
                kind: ChipKind::Revoke
            }
        ]
    );
    let b = k.members.iter().find(|m| m.name == "b").unwrap();
    assert_eq!(
        (b.epoch, b.chips.clone()),
        (
            3,
            vec![Chip {
                partition: 1,
                kind: ChipKind::Target
            }]
        )
    );
    let card = g.members.iter().find(|m| m.name == "b").unwrap();
    assert_eq!(
        card.state,
        MemberKind::Rebalancing,
        "waiting for partition 1"
    );
    // The group goes back to classic (or away): no epochs drawn.
    page.apply(LiveAction::Messages {
        texts: vec![r#"{"type":"epochs","group":"g","epochs":null}"#.into()],
        local_ms: 0,
    });
    let vm = live_view_model(&page);
    let stage = crate::stage::from_live::stage_of_live(&page, &vm);
    assert!(stage.bands[0].group.as_ref().unwrap().kip848.is_none());
}

#[test]
fn live_mode_draws_s14s_consumer_protocol_group_with_the_simulations_epochs() {
    let mut page = live_run("S14", 1);
    let mut sim = AppState::new("S14", 1, Lang::En);
    sim.apply(Action::ToEnd);
    let sim_stage = crate::stage::from_sim::stage_of(&sim);
    let sim_k = sim_stage
        .bands
        .iter()
        .filter_map(|b| b.group.as_ref())
        .find_map(|g| Some((g.id.clone(), g.kip848.clone()?)))
        .expect("S14 has a consumer-protocol group");
    page.group = Some(sim_k.0.clone());
    let vm = live_view_model(&page);
    let stage = crate::stage::from_live::stage_of_live(&page, &vm);
    let live_k = stage.bands[0]
        .group
        .as_ref()
        .unwrap()
        .kip848
        .clone()
        .unwrap();
    assert_eq!(live_k.group_epoch, sim_k.1.group_epoch);
    let by_name = |k: &crate::stage::kip848::Kip848View| {
        let mut m: Vec<(String, i32, Vec<crate::stage::kip848::Chip>)> = k
            .members
            .iter()
            .map(|m| (m.name.clone(), m.epoch, m.chips.clone()))
            .collect();
        m.sort_by(|a, b| a.0.cmp(&b.0));
        m
    };
    assert!(!live_k.members.is_empty());
    assert_eq!(by_name(&live_k), by_name(&sim_k.1));
}
