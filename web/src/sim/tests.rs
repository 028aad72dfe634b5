//! Native tests of the app: actions in, state and view model out.

use minikafka::sim::{Command, CommitMode, Semantics};

use crate::i18n::{Key, Lang};
use crate::sim::controls::{MemberButton, Setting, Try};
use crate::sim::model::view_model;
use crate::sim::state::{Action, AppState};

fn member<'a>(
    vm: &'a crate::sim::model::ViewModel,
    name: &str,
) -> &'a crate::sim::model::MemberView {
    vm.members.iter().find(|m| m.name == name).unwrap()
}

#[test]
fn s1_opens_paused_and_runs_to_its_outcome() {
    let mut s = AppState::new("S1", 1, Lang::En);
    assert!(!s.playing);
    assert_eq!(s.now(), 0);
    assert!(
        !view_model(&s).partitions.is_empty(),
        "the topic exists at time 0"
    );
    s.apply(Action::ToEnd);
    let vm = view_model(&s);
    assert_eq!(vm.duplicates, 6);
    assert_eq!(vm.lost, 0);
    assert_eq!(member(&vm, "A").state, "dead");
    assert_eq!(member(&vm, "B").state, "active");
    assert_eq!(vm.partitions[0].committed, Some(101));
    assert_eq!(vm.partitions[0].duplicates, (95..=100).collect::<Vec<_>>());
}

#[test]
fn s6_shows_a_standby_member() {
    let mut s = AppState::new("S6", 3, Lang::Zh);
    s.apply(Action::ToEnd);
    let vm = view_model(&s);
    assert_eq!(
        vm.members.iter().filter(|m| m.state == "standby").count(),
        1
    );
    assert_eq!(vm.members.iter().filter(|m| m.state == "active").count(), 4);
}

#[test]
fn playing_advances_by_real_time_times_speed_and_stops_at_the_end() {
    let mut s = AppState::new("S1", 1, Lang::En);
    // Free play: the lesson's question would stop the clock at 38 s (tested below).
    s.apply(Action::SetLesson(false));
    s.apply(Action::SetSpeed(10.0));
    s.apply(Action::Play);
    s.apply(Action::Tick { real_ms: 100.0 });
    assert_eq!(s.now(), 1_000);
    s.apply(Action::Tick { real_ms: 10_000.0 });
    assert_eq!(
        s.now(),
        3_500,
        "a long pause of the tab is capped at 250 ms"
    );
    s.apply(Action::SetSpeed(1e9));
    assert_eq!(s.speed, 50.0);
    for _ in 0..100 {
        s.apply(Action::Tick { real_ms: 250.0 });
    }
    assert!(s.at_end());
    assert!(!s.playing);
    s.apply(Action::Step);
    assert_eq!(s.now(), 60_100);
}

#[test]
fn jumping_back_and_forth_replays_the_same_moment() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::ToEnd);
    let end = view_model(&s);
    s.apply(Action::JumpTo(11_000));
    let mid = view_model(&s);
    assert_eq!(mid.now, 11_000);
    assert_eq!(mid.duplicates, 0);
    assert_eq!(member(&mid, "A").state, "active");
    s.apply(Action::ToEnd);
    assert_eq!(view_model(&s), end);
}

#[test]
fn acting_in_the_past_forks_a_new_future() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(11_000));
    s.apply(Action::Do(Command::StopConsumer { name: "A".into() }));
    s.apply(Action::ToEnd);
    let vm = view_model(&s);
    assert_eq!(
        vm.duplicates, 0,
        "A stopped cleanly before the scripted crash"
    );
    assert!(s.notice.is_none() || s.notice.as_deref() == Some("that command does not apply now"));
    s.apply(Action::Do(Command::RestartConsumer {
        name: "nobody".into(),
    }));
    assert!(s.notice.is_some(), "a rejected command is reported");
}

#[test]
fn a_link_reopens_the_same_moment() {
    let mut s = AppState::new("S1", 4, Lang::En);
    s.apply(Action::JumpTo(30_000));
    s.apply(Action::Do(Command::AddConsumer(
        minikafka::sim::ConsumerSpec {
            name: "C".into(),
            group: "group-1".into(),
            topics: vec!["user-events".into()],
            ..Default::default()
        },
    )));
    s.apply(Action::JumpTo(45_000));
    let run = s.run_string();
    let reopened = AppState::restore("S1", &run, 45_000, Lang::Zh).unwrap();
    assert_eq!(view_model(&reopened), view_model(&s));
    assert!(AppState::restore("S1", "garbage", 0, Lang::En).is_err());
}

#[test]
fn the_try_it_buttons_become_commands() {
    let mut s = AppState::new("S6", 1, Lang::En);
    s.apply(Action::ToEnd);
    let before = view_model(&s).members.len();
    s.apply(Action::Try(Try::AddConsumer));
    assert_eq!(view_model(&s).members.len(), before + 1);
    let partitions = view_model(&s).partitions.len();
    s.apply(Action::Try(Try::AddPartition));
    assert_eq!(view_model(&s).partitions.len(), partitions + 1);
    s.apply(Action::Member {
        name: "nobody".into(),
        what: MemberButton::Crash,
    });
    assert!(s.notice.is_some(), "a member that does not exist");
    s.notice = None;
    s.apply(Action::Member {
        name: "c1".into(),
        what: MemberButton::Crash,
    });
    assert_eq!(
        view_model(&s)
            .members
            .iter()
            .find(|m| m.name == "c1")
            .unwrap()
            .state,
        "dead"
    );
}

#[test]
fn seeking_moves_the_owner_position_not_the_committed_offset() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(11_500));
    let before = view_model(&s).partitions[0].clone();
    s.apply(Action::Seek {
        topic: "user-events".into(),
        partition: 0,
        offset: 50,
    });
    assert!(s.notice.is_none(), "{:?}", s.notice);
    let after = view_model(&s).partitions[0].clone();
    assert_eq!(after.committed, before.committed);
    assert_eq!(after.owner.as_ref().unwrap().1, Some(50));
}

#[test]
fn a_crashed_member_shows_its_session_running_out_and_the_rebalance_steps() {
    use crate::stage::steps::RebalanceStep;
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(20_000));
    let vm = view_model(&s);
    let a = member(&vm, "A");
    assert_eq!(a.state, "dead");
    let left = a
        .session_left_ms
        .expect("the coordinator still counts A's session");
    assert!(left > 15_000 && left <= 30_000, "{left}");
    assert!(vm.rebalance_step.is_none() || vm.rebalance_step == Some(RebalanceStep::Resume));
    s.apply(Action::JumpTo(40_200));
    assert_eq!(view_model(&s).rebalance_step, Some(RebalanceStep::Detect));
    s.apply(Action::JumpTo(42_250));
    let step = view_model(&s).rebalance_step;
    assert!(step >= Some(RebalanceStep::Commit), "{step:?}");
    s.apply(Action::JumpTo(43_000));
    assert_eq!(view_model(&s).rebalance_step, Some(RebalanceStep::Resume));
    // Back to the middle of it: the banner comes back with the same step.
    s.apply(Action::ToEnd);
    s.apply(Action::JumpTo(42_250));
    assert!(view_model(&s).rebalance_step >= Some(RebalanceStep::Commit));
    assert_eq!(
        member(&view_model(&s), "A").session_left_ms,
        None,
        "A is gone"
    );
}

#[test]
fn settings_change_the_consumer_and_take_effect_at_restart() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(7_000));
    s.apply(Action::Configure {
        name: "A".into(),
        field: Setting::Assignor,
        value: "roundrobin".into(),
    });
    s.apply(Action::Configure {
        name: "A".into(),
        field: Setting::Session,
        value: "10000".into(),
    });
    s.apply(Action::Configure {
        name: "A".into(),
        field: Setting::Static,
        value: "on".into(),
    });
    assert!(s.notice.is_none(), "{:?}", s.notice);
    let a = member(&view_model(&s), "A").settings.clone();
    assert_eq!(a.assignor, "roundrobin");
    assert_eq!(a.session_ms, 10_000);
    assert!(a.static_member);
    s.apply(Action::Configure {
        name: "A".into(),
        field: Setting::Session,
        value: "soon".into(),
    });
    assert!(s.notice.is_some());
    s.apply(Action::Configure {
        name: "A".into(),
        field: Setting::Assignor,
        value: "magic".into(),
    });
    assert!(s.notice.is_some());
}

#[test]
fn new_records_flash_in_their_producer_colour() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(7_050));
    let vm = view_model(&s);
    assert_eq!(vm.producers.len(), 1);
    assert_eq!(vm.partitions[0].fresh, vec![(0, 95, 0)]);
    s.apply(Action::JumpTo(9_000));
    assert!(view_model(&s).partitions[0].fresh.is_empty());
}

#[test]
fn a_producer_can_be_added_and_lag_is_sampled_per_partition() {
    let mut s = AppState::new("S6", 2, Lang::En);
    s.apply(Action::JumpTo(5_000));
    s.apply(Action::Try(Try::AddProducer));
    assert!(s.notice.is_none(), "{:?}", s.notice);
    s.apply(Action::JumpTo(8_000));
    let vm = view_model(&s);
    assert_eq!(vm.producers.len(), 2);
    assert!(vm.producers[1].sent > 0);
    let (_, total, per_partition) = s.lag.last().unwrap().clone();
    assert_eq!(per_partition.len(), 4);
    assert_eq!(total, per_partition.iter().sum::<i64>());
}

#[test]
fn a_members_commit_mode_is_written_in_the_page_language() {
    let s = AppState::new("S1", 1, Lang::En);
    let vm = view_model(&s);
    let a = member(&vm, "A");
    let en = crate::sim::view::mode_line(a, Lang::En);
    let zh = crate::sim::view::mode_line(a, Lang::Zh);
    assert!(
        en.contains("At-least-once") && en.contains("ms/record"),
        "{en}"
    );
    assert!(zh.contains("至少一次") && zh.contains("毫秒/条"), "{zh}");
    assert!(
        !zh.contains("AtLeastOnce"),
        "no Rust names in the page: {zh}"
    );
}

#[test]
fn the_commit_mode_buttons_show_the_members_mode_pressed() {
    let pressed = |s: &AppState| -> Vec<&'static str> {
        let vm = view_model(s);
        let a = member(&vm, "A");
        MemberButton::ALIVE
            .into_iter()
            .filter(|b| b.selected(a.commit_mode, a.semantics) == Some(true))
            .map(MemberButton::id)
            .collect()
    };
    let mut s = AppState::new("S1", 1, Lang::En);
    assert_eq!(pressed(&s), ["mode-auto"], "one mode, the member's");
    s.apply(Action::Member {
        name: "A".into(),
        what: MemberButton::Mode(CommitMode::PerRecord),
    });
    assert_eq!(pressed(&s), ["mode-record"]);
    s.apply(Action::Member {
        name: "A".into(),
        what: MemberButton::AtMostOnce,
    });
    assert_eq!(pressed(&s), ["mode-at-most-once"]);
    // Crash and stop are actions, not modes: never pressed.
    assert_eq!(
        MemberButton::Crash.selected(CommitMode::Auto, Semantics::AtLeastOnce),
        None
    );
}

#[test]
fn s1_lesson_pauses_at_its_question_and_plays_on_once_answered() {
    let mut s = AppState::new("S1", 1, Lang::En);
    s.apply(Action::JumpTo(37_000));
    s.apply(Action::SetSpeed(10.0));
    s.apply(Action::Play);
    for _ in 0..10 {
        s.apply(Action::Tick { real_ms: 100.0 });
    }
    assert_eq!(s.now(), 38_000, "the clock stops at the question");
    assert!(!s.playing);
    assert_eq!(s.asking, Some(0));
    s.apply(Action::Answer(1));
    assert!(s.playing, "answering plays on");
    assert_eq!(s.recent_answer(), Some((0, 1)));
    s.apply(Action::Tick { real_ms: 250.0 });
    assert!(s.now() > 38_000);
    // Jumping back before it asks it again; free play never asks.
    s.apply(Action::JumpTo(30_000));
    assert!(s.answers.is_empty());
    s.apply(Action::SetLesson(false));
    s.apply(Action::Play);
    for _ in 0..10 {
        s.apply(Action::Tick { real_ms: 250.0 });
    }
    assert!(s.now() > 40_000 && s.asking.is_none());
}

#[test]
fn s7_the_stage_shows_eager_stopping_every_partition_while_cooperative_reads_on() {
    // The group waits for its slow member 2; eager-1 gave everything up before waiting,
    // cooperative-1 keeps its partitions and reads them.
    let mut s = AppState::new("S7", 1, Lang::En);
    s.apply(Action::JumpTo(22_500));
    let stage = crate::stage::from_sim::stage_of(&s);
    let eager = stage.band("eager").unwrap();
    let cooperative = stage.band("cooperative").unwrap();
    let stopped: Vec<i32> = eager
        .logs
        .iter()
        .filter(|l| l.stopped.is_some())
        .map(|l| l.partition)
        .collect();
    assert_eq!(stopped.len(), 3, "eager-1's three partitions: {stopped:?}");
    assert!(eager
        .logs
        .iter()
        .all(|l| l.stopped.is_some() != l.edge.is_some()));
    assert!(cooperative
        .logs
        .iter()
        .all(|l| l.edge.is_some() && l.stopped.is_none()));
    // Afterwards each group's box says what the rebalance stopped.
    s.apply(Action::JumpTo(30_000));
    let stage = crate::stage::from_sim::stage_of(&s);
    let tally = |g: &str| {
        stage
            .band(g)
            .unwrap()
            .group
            .as_ref()
            .unwrap()
            .tally
            .clone()
            .unwrap()
    };
    assert_eq!(tally("eager").stopped, 6);
    assert_eq!(tally("cooperative").stopped, 2);
    assert!(tally("eager").longest_ms >= 1_000);
    assert!(stage
        .bands
        .iter()
        .all(|b| b.logs.iter().all(|l| l.stopped.is_none())));
}

/// S14's tally counts the same thing for both groups, phase by phase, from the core's pause
/// meter: the figures `minikafka scenario S14 --json` prints.
#[test]
fn s14_the_tally_counts_each_phase_the_same_way_for_both_groups() {
    use crate::stage::model::PhaseTally;
    let mut s = AppState::new("S14", 1, Lang::En);
    let phases_at = |s: &mut AppState, t: i64| -> (Vec<PhaseTally>, Vec<PhaseTally>) {
        s.apply(Action::JumpTo(t));
        let stage = crate::stage::from_sim::stage_of(s);
        let of = |g: &str| {
            let b = stage.band(g).unwrap().group.as_ref().unwrap();
            b.tally
                .as_ref()
                .map(|t| t.phases.clone())
                .unwrap_or_default()
        };
        (of("classic"), of("consumer"))
    };
    // Before C joins nothing is counted: each group formed its own way.
    let (classic, consumer) = phases_at(&mut s, 15_000);
    assert!(classic.is_empty() && consumer.is_empty());
    // While the classic group waits for the slow B: A has stopped there, nobody here.
    let (classic, consumer) = phases_at(&mut s, 23_000);
    assert_eq!(classic.len(), 1);
    assert_eq!(classic[0].phase, "join");
    assert_eq!(classic[0].stopped_members, ["A"]);
    assert!(consumer[0].stopped_members.is_empty());
    assert!(consumer[0].paused_ms < classic[0].paused_ms);
    // At the end: both phases, classic worse in each, by the same measure.
    let end = s.scenario.duration;
    let (classic, consumer) = phases_at(&mut s, end);
    let names = |p: &[PhaseTally]| p.iter().map(|x| x.phase.clone()).collect::<Vec<_>>();
    assert_eq!(names(&classic), ["join", "crash"]);
    assert_eq!(names(&consumer), ["join", "crash"]);
    assert_eq!(classic[0].stopped_members, ["A", "B"]);
    assert_eq!(classic[1].stopped_members, ["C", "B"]);
    for (c, k) in classic.iter().zip(&consumer) {
        assert!(k.stopped_members.is_empty(), "{k:?}");
        assert_eq!((c.stopped_partitions, k.stopped_partitions), (6, 2));
        assert!(k.paused_ms < c.paused_ms, "{c:?} {k:?}");
    }
    // The same figures as the CLI's (the core's summary of the same run).
    let p = minikafka::sim::summary::ProtocolsSummary::of(s.world()).unwrap();
    let ms = |x: f64| (x * 1000.0).round() as i64;
    assert_eq!(
        classic[0].paused_ms,
        ms(p.classic.phases["join"].paused_partition_seconds)
    );
    assert_eq!(
        consumer[1].paused_ms,
        ms(p.consumer.phases["crash"].paused_partition_seconds)
    );
    // Jumping back gives the figures of that moment (the meter travels in checkpoints).
    let (classic, _) = phases_at(&mut s, 23_000);
    assert_eq!(classic.len(), 1);
    assert_eq!(classic[0].stopped_members, ["A"]);
    // In words: the classic line names who stopped, the consumer line says nobody did.
    let line = |p: &PhaseTally, lang| crate::stage::text::phase_tally(p, 6, false, lang);
    let (classic, consumer) = phases_at(&mut s, end);
    assert!(line(&consumer[0], Lang::En).starts_with("C joins · stopped: nobody · 2 of 6"));
    assert!(line(&classic[0], Lang::En).starts_with("C joins · stopped: A, B · 6 of 6"));
    assert!(line(&consumer[1], Lang::Zh).starts_with("A 崩溃 · 停下：没有人"));
}

#[test]
fn a_lesson_plays_rebalance_beats_in_slow_motion() {
    // What takes a few simulated ms (a generation formed, assignments handed out) is held
    // on screen for real time in a lesson, and not in free play.
    let frames = |lesson: bool| {
        let mut s = AppState::new("S7", 1, Lang::En);
        s.apply(Action::JumpTo(23_000));
        s.apply(Action::SetLesson(lesson));
        s.apply(Action::Play);
        let mut frames = 0;
        while s.now() < 24_000 {
            s.apply(Action::Tick { real_ms: 33.0 });
            frames += 1;
        }
        frames
    };
    let (slow, free) = (frames(true), frames(false));
    assert!(slow >= free + 15, "slow {slow}, free {free}");
}

#[test]
fn a_crashed_member_and_one_that_left_cleanly_are_told_apart_in_both_languages() {
    let mut crash = AppState::new("S1", 1, Lang::Zh);
    crash.apply(Action::JumpTo(20_000));
    let mut leave = AppState::new("S1b", 1, Lang::Zh);
    leave.apply(Action::JumpTo(20_000));
    assert_eq!(member(&view_model(&crash), "A").state, "dead");
    assert_eq!(member(&view_model(&leave), "A").state, "stopped");
    use crate::i18n::t;
    assert_ne!(t(Lang::Zh, Key::Dead), t(Lang::Zh, Key::Stopped));
    assert_ne!(t(Lang::En, Key::Dead), t(Lang::En, Key::Stopped));
}

#[test]
fn a_panel_folds_and_unfolds() {
    use crate::panels::Panel;
    let mut s = AppState::new("S1", 1, Lang::En);
    assert!(s.folded.is_empty(), "every panel starts open");
    s.apply(Action::TogglePanel(Panel::Events));
    assert!(s.folded.contains(&Panel::Events));
    s.apply(Action::TogglePanel(Panel::Events));
    assert!(s.folded.is_empty());
}

#[test]
fn s3_question_numbers_are_the_pictures_numbers() {
    // The lesson's S3 question quotes the five numbers of partition 0 at its moment.
    let q = &minikafka::sim::scenarios::lesson::questions("S3")[0];
    let mut s = AppState::new("S3", 1, Lang::En);
    s.apply(Action::SetLesson(false));
    s.apply(Action::JumpTo(q.at));
    let stage = crate::stage::from_sim::stage_of(&s);
    let log = &stage.bands[0].logs[0];
    let (done, position) = (
        log.uncommitted.map(|(_, to)| to),
        log.cursors.first().map(|c| c.offset),
    );
    let quoted = format!(
        "log start {}, committed {}, processed {}, position {}, high watermark {}",
        log.log_start,
        log.committed.unwrap_or(-1),
        done.unwrap_or(-1),
        position.unwrap_or(-1),
        log.high_watermark
    );
    assert!(q.ask.0.contains(&quoted), "{quoted}");
}

#[test]
fn a_member_before_its_first_generation_reads_as_joining() {
    use crate::i18n::Lang;
    assert_eq!(crate::panels::cards::generation(-1, Lang::En), "joining");
    assert_eq!(crate::panels::cards::generation(0, Lang::Zh), "加入中");
    assert_eq!(crate::panels::cards::generation(3, Lang::En), "3");
}
