//! The `minikafka` command line, run as a user would.

use std::process::Command;

fn minikafka(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn scenario_s1_json_reports_the_outcome() {
    let out = minikafka(&["scenario", "S1", "--seed", "3", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert_eq!(json["scenario"], "S1");
    assert_eq!(json["seed"], 3);
    assert_eq!(json["duplicates"], 6);
    assert_eq!(json["lost"], 0);
    assert_eq!(json["generation"], 2);
    assert_eq!(json["committed"]["user-events"]["0"], 101);
    let members = json["members"].as_array().unwrap();
    let state = |name: &str| {
        members
            .iter()
            .find(|m| m["name"] == name)
            .map(|m| m["state"].as_str().unwrap().to_string())
    };
    assert_eq!(state("A").as_deref(), Some("dead"));
    assert_eq!(state("B").as_deref(), Some("active"));
    assert!(json["script"].as_str().unwrap().starts_with("mk1."));
}

/// S14's `protocols` block: the consumer protocol pauses strictly less than the classic one
/// in all and in each phase, stops no member where classic stops every one, and the text
/// mode prints the same figures.
#[test]
fn scenario_s14_compares_the_protocols_phase_by_phase_in_json_and_in_text() {
    let out = minikafka(&["scenario", "S14", "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &json["protocols"];
    let paused = |x: &serde_json::Value| x["paused_partition_seconds"].as_f64().unwrap();
    let (classic, consumer) = (&p["classic"], &p["consumer"]);
    assert!(paused(consumer) < paused(classic), "{p}");
    assert_eq!(p["phases"][0]["name"], "join");
    assert_eq!(p["phases"][1]["name"], "crash");
    for phase in ["join", "crash"] {
        let (c, k) = (&classic["phases"][phase], &consumer["phases"][phase]);
        assert!(paused(k) < paused(c), "{phase}: {p}");
        assert_eq!(c["members_stopped"], 2, "{phase}");
        assert_eq!(k["members_stopped"], 0, "{phase}");
        assert_eq!(c["partitions_stopped"], 6, "{phase}");
        assert_eq!(k["partitions_stopped"], 2, "{phase}");
    }
    let text = minikafka(&["scenario", "S14", "--speed", "0"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (name, x) in [("classic", classic), ("consumer", consumer)] {
        let total = format!(
            "group.protocol={name:<8} paused partition-seconds: {:.1}   partitions stopped: {}   members stopped: {}   rebalances: {}",
            paused(x),
            x["partitions_stopped"],
            x["members_stopped"],
            x["rebalances"]
        );
        let at = lines
            .iter()
            .position(|l| *l == total)
            .unwrap_or_else(|| panic!("{total:?} not in {text}"));
        // Its phases under it, in time order.
        for (i, phase) in ["join", "crash"].iter().enumerate() {
            let y = &x["phases"][phase];
            assert!(
                lines[at + 1 + i].starts_with(phase)
                    && lines[at + 1 + i].ends_with(&format!(
                        "paused partition-seconds: {:.1}   partitions stopped: {}   members stopped: {}   rebalances: {}",
                        paused(y),
                        y["partitions_stopped"],
                        y["members_stopped"],
                        y["rebalances"]
                    )),
                "{}",
                lines[at + 1 + i]
            );
        }
    }
    assert!(text.contains("counted from 20.0 s on, by phase (join 20.0 s, crash 40.0 s):"));
}

#[test]
fn scenario_narrates_in_english_and_chinese() {
    let en = minikafka(&["scenario", "s1", "--speed", "0"]);
    assert!(en.status.success());
    let text = String::from_utf8_lossy(&en.stdout);
    assert!(text.contains("Pod restart"));
    assert!(text.contains("6 DUPLICATES"), "{text}");
    let zh = minikafka(&["scenario", "S1", "--speed", "0", "--lang", "zh"]);
    assert!(String::from_utf8_lossy(&zh.stdout).contains("至少一次"));
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let out = minikafka(&["scenario", "S99"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown scenario") && err.contains("S1"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let out = minikafka(&["scenario", "S1", "--speed", "-1"]);
    assert_eq!(out.status.code(), Some(2));
    let out = minikafka(&["scenario", "--list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("S1b"));
    let out = minikafka(&["--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("scenario"));
}

#[test]
fn a_scenario_replays_from_its_run_string() {
    let out = minikafka(&["scenario", "S1", "--seed", "5", "--json"]);
    let original: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = original["script"].as_str().unwrap().to_string();
    let out = minikafka(&["replay", &run, "--until", "60000", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "duplicates",
        "lost",
        "generation",
        "committed",
        "members",
        "script",
    ] {
        assert_eq!(replayed[field], original[field], "{field}");
    }
    let bad = minikafka(&["replay", "mk1.not-base64!"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a minikafka run string"));
}

/// `minikafka <args> | head`: the reader closes the pipe before the command writes its
/// first line (it takes milliseconds to start), so every line it prints meets a closed
/// pipe. It must end quietly: no panic, no exit 101.
fn ends_quietly_into_a_closed_pipe(args: &[&str]) {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_ne!(out.status.code(), Some(101), "{args:?}: no panic exit");
}

#[test]
fn scenario_piped_into_head_ends_quietly_and_prints_the_whole_replay_string() {
    ends_quietly_into_a_closed_pipe(&["scenario", "S1"]);
    // The summary's replay string is whole: it replays as printed.
    let out = minikafka(&["scenario", "S1", "--seed", "3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let run = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: "))
        .expect("a replay line");
    assert!(!run.ends_with("..."), "{run}");
    let replayed = minikafka(&["replay", run, "--json"]);
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    // `minikafka replay <run> | head`: the same closed pipe, the same quiet end.
    ends_quietly_into_a_closed_pipe(&["replay", run]);
}

#[test]
fn scenario_without_an_id_lists_the_scenarios_and_errors_say_error() {
    let out = minikafka(&["scenario"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.lines().any(|l| l.starts_with("S1 ")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("S11")), "{list}");
    let bad = minikafka(&["scenario", "S99"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: unknown scenario"));
}

#[test]
fn replay_recognises_the_scenario_a_run_begins_with_and_narrates_it() {
    use minikafka::sim::{scenarios, Command as SimCommand, Script};
    let s1 = scenarios::by_id("S1").unwrap();
    // S1's commands, then one of the user's own (B crashes too, at 45 s).
    let mut commands = s1.script.clone();
    commands.push((45_000, SimCommand::CrashConsumer { name: "B".into() }));
    let run = Script { seed: 4, commands }.encode();
    let out = minikafka(&["replay", &run]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.starts_with(
            "recognised scenario S1 and 1 command(s) of your own after it: narrated as \
             `minikafka scenario S1`"
        ),
        "{text}"
    );
    // In Chinese, the same note in Chinese.
    let zh = minikafka(&["replay", &run, "--lang", "zh"]);
    let zh = String::from_utf8_lossy(&zh.stdout).to_string();
    assert!(
        zh.starts_with("识别出场景 S1，其后还有你自己的 1 条命令"),
        "{zh}"
    );
    // Every line of S1's narration, in order.
    let mut rest = text.as_str();
    for n in &s1.narration {
        let at = rest
            .find(n.en.as_str())
            .unwrap_or_else(|| panic!("narration {:?} missing or out of order:\n{text}", n.en));
        rest = &rest[at + n.en.len()..];
    }
    // The user's command ran (B is dead too), and the run stopped at S1's end (60 s), not
    // 60 s after the last command.
    let json = minikafka(&["replay", &run, "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(summary["scenario"], "S1");
    assert_eq!(summary["time_ms"], s1.duration);
    let states: Vec<&str> = summary["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["dead", "dead"], "{summary}");
    assert_eq!(
        summary["script"],
        run.as_str(),
        "the same run, the same string"
    );

    // A run that does not begin with any scenario's script: no narration, and said so.
    let mut commands = s1.script.clone();
    commands.remove(0);
    let run = Script { seed: 4, commands }.encode();
    let out = minikafka(&["replay", &run]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.starts_with("no scenario's script begins this run: replayed without narration"),
        "{text}"
    );
    assert!(!text.contains(s1.narration[0].en.as_str()), "{text}");
    let json = minikafka(&["replay", &run, "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        summary["time_ms"],
        12_000 + 60_000,
        "60 s after the last command"
    );
}
