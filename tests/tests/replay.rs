//! Checkpoints and replays of a simulated world:
//!
//! - `restore()` of a checkpoint taken at t, run on to t2: the same events and the same
//!   final state as the first time from t to t2;
//! - `World::replay(&world.script(), Some(t2))` rebuilds the state of the live run;
//! - `Script::encode`/`decode` round-trip, and `decode` refuses garbage with an error.

use minikafka::client::assignor::AssignorKind;
use minikafka::client::consumer::AutoOffsetReset;
use minikafka::client::Acks;
use minikafka::sim::scenarios;
use minikafka::sim::{
    Command, CommitMode, ConsumerSpec, ProducerSpec, Script, Semantics, World, WorldEvent,
};
use minikafka::Millis;

/// Everything observable about a world, as one JSON value: the tracker, each group as the
/// coordinator describes it and its committed offsets, the logs' bounds, and each client's
/// state as the visualiser would show it.
fn snapshot(world: &World) -> serde_json::Value {
    let mut groups = Vec::new();
    for group in world.broker.offsets().groups() {
        let description = world.broker.describe_group(&group);
        let offsets: Vec<_> = world
            .broker
            .offsets()
            .fetch_group(&group)
            .into_iter()
            .map(|(topic, partition, o)| (topic.to_string(), partition, o.offset))
            .collect();
        groups.push(serde_json::json!({
            "group": group,
            "description": description,
            "offsets": offsets,
        }));
    }
    for c in &world.consumers {
        // Groups without commits yet are described too.
        let description = world.broker.describe_group(&c.spec.group);
        groups.push(serde_json::json!({ "group": c.spec.group, "description": description }));
    }
    let mut logs = Vec::new();
    for topic in ["events", "audit"] {
        if let Some(t) = world.broker.topic(topic) {
            for p in 0..t.partition_count() {
                let log = t.partition(p).expect("partition");
                logs.push((
                    topic,
                    p,
                    log.log_start_offset(),
                    log.log_end_offset(),
                    log.high_watermark(),
                ));
            }
        }
    }
    let consumers: Vec<_> = world
        .consumers
        .iter()
        .map(|c| {
            let tps = c.consumer.assignment();
            let offsets: Vec<_> = tps.iter().map(|tp| c.consumer.offsets(tp)).collect();
            serde_json::json!({
                "name": c.spec.name,
                "spec": c.spec,
                "status": c.status,
                "incarnation": c.incarnation,
                "processed": c.processed,
                "next_wake": c.next_wake,
                "batch": c.batch.len(),
                "state": c.consumer.member_state(),
                "generation": c.consumer.generation(),
                "member_id": c.consumer.member_id(),
                "leader": c.consumer.is_leader(),
                "assignment": tps,
                "offsets": offsets,
                "buffered": c.consumer.buffered_records(),
                "in_flight": c.consumer.requests_in_flight(),
            })
        })
        .collect();
    let producers: Vec<_> = world
        .producers
        .iter()
        .map(|p| serde_json::json!({ "spec": p.spec, "sent": p.sent }))
        .collect();
    serde_json::json!({
        "now": world.now(),
        // (group, partition) keys are not JSON object keys: a list of entries instead.
        "tracker": world.tracker.iter().collect::<Vec<_>>(),
        "duplicates": world.duplicates(),
        "lost": world.lost(),
        "groups": groups,
        "logs": logs,
        "consumers": consumers,
        "producers": producers,
    })
}

fn consumer(name: &str, group: &str, assignors: Vec<AssignorKind>, mode: CommitMode) -> Command {
    Command::AddConsumer(ConsumerSpec {
        name: name.into(),
        group: group.into(),
        topics: vec!["events".into(), "audit".into()],
        session_timeout_ms: 10_000,
        heartbeat_interval_ms: 3_000,
        max_poll_interval_ms: 15_000,
        max_poll_records: 20,
        auto_commit_interval_ms: 2_000,
        auto_offset_reset: AutoOffsetReset::Earliest,
        assignors,
        processing_ms: 3,
        commit_mode: mode,
        semantics: Semantics::AtLeastOnce,
        ..ConsumerSpec::default()
    })
}

/// A busy run: two topics, two producers, two groups (eager and cooperative), a crash,
/// a restart, a slow consumer, a graceful stop, added partitions.
fn busy_commands() -> Vec<(Millis, Command)> {
    let topic = |name: &str, partitions| Command::CreateTopic {
        topic: name.into(),
        partitions,
        retention_ms: None,
        segment_bytes: None,
    };
    let producer = |name: &str, topic: &str, rate, keys| {
        Command::AddProducer(ProducerSpec {
            name: name.into(),
            topic: topic.into(),
            rate_per_sec: rate,
            distinct_keys: keys,
            acks: Acks::All,
            linger_ms: 5,
        })
    };
    let eager = vec![AssignorKind::Range];
    let coop = vec![AssignorKind::CooperativeSticky];
    vec![
        (0, topic("events", 4)),
        (0, topic("audit", 2)),
        (0, producer("p1", "events", 40, 8)),
        (0, producer("p2", "audit", 15, 0)),
        (0, consumer("a", "g1", eager.clone(), CommitMode::Auto)),
        (
            500,
            consumer("b", "g1", eager.clone(), CommitMode::PerBatch),
        ),
        (
            800,
            consumer("x", "g2", coop.clone(), CommitMode::PerRecord),
        ),
        (1_200, consumer("y", "g2", coop.clone(), CommitMode::Auto)),
        (6_000, consumer("c", "g1", eager, CommitMode::PerRecord)),
        (
            9_000,
            Command::ProduceBurst {
                name: "p1".into(),
                count: 300,
            },
        ),
        (12_000, Command::CrashConsumer { name: "a".into() }),
        (
            14_000,
            Command::SetProcessingTime {
                name: "y".into(),
                processing_ms: 400,
            },
        ),
        (
            18_000,
            Command::AddPartitions {
                topic: "audit".into(),
                total: 3,
            },
        ),
        (21_000, Command::RestartConsumer { name: "a".into() }),
        (24_000, Command::StopConsumer { name: "b".into() }),
        (
            26_000,
            Command::SetProduceRate {
                name: "p2".into(),
                rate_per_sec: 60,
            },
        ),
        (28_000, consumer("z", "g2", coop, CommitMode::PerBatch)),
    ]
}

/// Run `commands` (each at its time) until `until`, stepping at most `frame` ms at a time
/// (as a visualiser would), and return the events.
fn drive(
    world: &mut World,
    commands: &[(Millis, Command)],
    until: Millis,
    frame: Millis,
) -> Vec<WorldEvent> {
    let mut events = Vec::new();
    let start = world.now();
    let mut pending = commands.iter().filter(|(at, _)| *at >= start).peekable();
    // Commands already due at the start are applied first (a fresh world at 0).
    loop {
        while let Some((at, command)) = pending.peek() {
            if *at > world.now() {
                break;
            }
            world.apply(command.clone());
            pending.next();
        }
        if world.now() >= until {
            break;
        }
        let mut next = (world.now() + frame).min(until);
        if let Some((at, _)) = pending.peek() {
            next = next.min(*at);
        }
        events.extend(world.step(next - world.now()));
    }
    events.extend(world.take_events());
    events
}

fn json(events: &[WorldEvent]) -> String {
    serde_json::to_string(events).expect("serializable")
}

#[test]
fn restore_replays_the_same_events_and_state() {
    let commands = busy_commands();
    for (t, t2) in [(7_000, 30_000), (12_000, 40_000), (25_000, 45_000)] {
        let mut world = World::new(42);
        let before: Vec<_> = commands.iter().filter(|(at, _)| *at < t).cloned().collect();
        drive(&mut world, &before, t, 16);
        let checkpoint = world.checkpoint();
        let rest: Vec<_> = commands
            .iter()
            .filter(|(at, _)| *at >= t)
            .cloned()
            .collect();
        let first = drive(&mut world, &rest, t2, 16);
        let first_state = snapshot(&world);
        assert!(
            first.len() > 100,
            "the run should be busy: {} events",
            first.len()
        );

        world.restore(&checkpoint);
        assert_eq!(world.now(), t);
        let second = drive(&mut world, &rest, t2, 16);
        assert_eq!(first.len(), second.len(), "checkpoint at {t}");
        assert!(first == second, "checkpoint at {t}: events differ");
        assert_eq!(json(&first), json(&second));
        assert_eq!(first_state, snapshot(&world), "checkpoint at {t}");

        // The checkpoint itself was not touched by running on.
        let mut again = checkpoint.clone();
        let third = drive(&mut again, &rest, t2, 16);
        assert!(
            first == third,
            "checkpoint at {t}: a second restore differs"
        );
    }
}

#[test]
fn a_world_replays_from_its_script() {
    let commands = busy_commands();
    let t2 = 45_000;
    // Applied with the same stepping as a replay: run to each command's time, apply it.
    let mut live = World::new(7);
    for (at, command) in &commands {
        live.run_until(*at);
        live.apply(command.clone());
    }
    live.run_until(t2);
    let live_events = live.take_events();
    let script = live.script();
    assert_eq!(script.seed, 7);
    assert_eq!(script.commands, commands, "every command is logged");

    let mut replayed = World::replay(&script, Some(t2));
    assert_eq!(replayed.now(), t2);
    assert!(live_events == replayed.take_events());
    assert_eq!(snapshot(&live), snapshot(&replayed));

    // Through the string form as well, and to a time before the end.
    let decoded = Script::decode(&script.encode()).expect("round trip");
    assert_eq!(decoded, script);
    let mut to_20s = World::replay(&decoded, Some(20_000));
    let mut live_20s = World::new(7);
    for (at, command) in commands.iter().filter(|(at, _)| *at <= 20_000) {
        live_20s.run_until(*at);
        live_20s.apply(command.clone());
    }
    live_20s.run_until(20_000);
    assert_eq!(snapshot(&to_20s), snapshot(&live_20s));
    assert!(to_20s.take_events() == live_20s.take_events());
}

/// A world driven frame by frame (16 ms, as the visualiser draws) ends where the replay of
/// its script does: how time is cut into steps must not change what happens.
#[test]
fn frame_stepping_and_replay_agree() {
    let commands = busy_commands();
    let t2 = 45_000;
    let mut live = World::new(3);
    let live_events = drive(&mut live, &commands, t2, 16);
    let mut replayed = World::replay(&live.script(), Some(t2));
    let replay_events = replayed.take_events();
    assert_eq!(live_events.len(), replay_events.len());
    assert!(live_events == replay_events);
    assert_eq!(snapshot(&live), snapshot(&replayed));
}

#[test]
fn every_scenario_replays_from_its_script() {
    for scenario in scenarios::all() {
        for seed in [0, 1, 99] {
            let mut world = scenario.run(seed);
            let events = world.take_events();
            let mut replayed = World::replay(&world.script(), Some(scenario.duration));
            assert!(
                events == replayed.take_events(),
                "{} seed {seed}",
                scenario.id
            );
            assert_eq!(
                snapshot(&world),
                snapshot(&replayed),
                "{} seed {seed}",
                scenario.id
            );
        }
    }
}

#[test]
fn scripts_round_trip_and_garbage_is_refused() {
    let script = Script {
        seed: u64::MAX,
        commands: busy_commands(),
    };
    let encoded = script.encode();
    assert!(encoded.starts_with("mk1."));
    assert!(encoded[4..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(Script::decode(&encoded), Ok(script.clone()));
    let empty = Script {
        seed: 0,
        commands: Vec::new(),
    };
    assert_eq!(Script::decode(&empty.encode()), Ok(empty));

    let json_not_a_script = {
        use std::fmt::Write;
        // base64url of `{"seed":"x"}` and of `[1,2]`, built by encoding real scripts'
        // neighbours: a valid prefix with a broken body.
        let mut s = String::from("mk1.");
        write!(s, "{}", &encoded[4..encoded.len() / 2]).unwrap();
        s
    };
    let garbage = [
        "",
        "mk1.",
        "mk1",
        "mk2.eyJzZWVkIjowLCJjb21tYW5kcyI6W119",
        "mk1.!!!not base64!!!",
        "mk1.eyJzZWVkIjoiYSJ9", // {"seed":"a"}
        "mk1.W10",              // []
        "mk1.eyJzZWVkIjowfQ",   // {"seed":0}: no commands
        "mk1.eyJzZWVkIjowLCJjb21tYW5kcyI6W1swLHsiY21kIjoibm9wZSJ9XV19", // unknown command
        "mk1.AAAA",
        "mk1.////",
        "mk1.eyJzZWVkIjowLCJjb21tYW5kcyI6W119=", // padding is not URL-safe-no-pad
        "mk1.eyJzZWVkIjowLCJjb21tYW5kcyI6W119 ",
        "\u{1F600}",
        json_not_a_script.as_str(),
    ];
    for g in garbage {
        let result = std::panic::catch_unwind(|| Script::decode(g));
        let result = result.unwrap_or_else(|_| panic!("decode panicked on {g:?}"));
        assert!(result.is_err(), "{g:?} decoded to {result:?}");
        let message = result.unwrap_err().to_string();
        assert!(
            message.starts_with("not a minikafka run string"),
            "{message}"
        );
    }
    // Flipping any one character of a real string never panics.
    for i in 4..encoded.len() {
        let mut bytes = encoded.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'-' } else { b'A' };
        let s = String::from_utf8(bytes).expect("ascii");
        let _ = Script::decode(&s);
    }
}

#[test]
fn a_run_string_holds_each_command_as_one_flat_object_named_by_cmd() {
    use base64::Engine;
    // Written by hand the way links and bench/web.mjs write them: the decoder must read it.
    let json = r#"{"seed":3,"commands":[[0,{"cmd":"create_topic","topic":"t","partitions":2,"retention_ms":null,"segment_bytes":null}],[5,{"cmd":"add_producer","name":"p","topic":"t","rate_per_sec":10}],[9,{"cmd":"crash_consumer","name":"A"}]]}"#;
    let run = format!(
        "mk1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    );
    let script = Script::decode(&run).expect("a hand-written run string");
    assert_eq!(script.seed, 3);
    assert_eq!(
        script.commands[2],
        (9, Command::CrashConsumer { name: "A".into() })
    );
    match &script.commands[1].1 {
        Command::AddProducer(spec) => {
            assert_eq!((spec.topic.as_str(), spec.rate_per_sec), ("t", 10))
        }
        other => panic!("not a producer: {other:?}"),
    }
    // And it writes the same flat form back.
    let encoded = script.encode();
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix("mk1.").unwrap())
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["commands"][2][1]["cmd"], "crash_consumer");
    assert_eq!(value["commands"][2][1]["name"], "A");
    assert_eq!(value["commands"][1][1]["topic"], "t");
}
