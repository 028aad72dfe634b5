//! README.md as it is written (issue 20): every command in its ```sh blocks runs against a
//! server this test starts, and the S1 excerpt is what `scenario S1` prints.
//!
//! Commands run with `sh -c` in a scratch directory, with `minikafka` on the PATH (this
//! build's binary), `cargo run --release -p minikafka [--bin minikafka] --` read as
//! `minikafka`, and `127.0.0.1:9092` read as the test server's address (`minikafka`'s
//! client commands get `-b` with it). Each must exit 0 within a minute.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Server;

/// Commands not run, by their start, and why.
const NOT_RUN: &[(&str, &str)] = &[
    ("make demo", "builds the web page and serves until Ctrl-C"),
    ("make test", "every test, browser tests included"),
    (
        "cargo run --release -p minikafka -- serve",
        "serves until Ctrl-C (this test starts its own server)",
    ),
    (
        "kcat -b 127.0.0.1:9092 -G",
        "a group member that reads until Ctrl-C",
    ),
    (
        "tests/clients/.venv/bin/python tests/clients/live_demo.py group",
        "a producer and a group that run until Ctrl-C",
    ),
];

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(path).expect("README.md")
}

/// The lines of every block fenced with ```sh, without comments and blank lines.
fn sh_commands(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh";
            continue;
        }
        let line = line.trim();
        if inside && !line.is_empty() && !line.starts_with('#') {
            commands.push(line.to_string());
        }
    }
    commands
}

/// Runs each command as the README writes it against `server` (see the module doc);
/// returns how many ran. `skip_kcat`: kcat is not installed here.
fn run_as_written(commands: &[String], server: &Server, work: &Path, skip_kcat: bool) -> usize {
    let bin = Path::new(env!("CARGO_BIN_EXE_minikafka"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Client commands get the server's address; other commands are left alone.
    let prelude = format!(
        "minikafka() {{ case \"$1\" in produce|consume|topics|groups|offsets) \
         command minikafka \"$@\" -b {addr};; *) command minikafka \"$@\";; esac; }}",
        addr = server.addr
    );
    // The repository's root, for the commands that name files in it (tests/clients/...).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut ran = 0;
    for command in commands {
        if let Some((_, why)) = NOT_RUN.iter().find(|(start, _)| command.starts_with(start)) {
            eprintln!("not run ({why}): {command}");
            continue;
        }
        if command.contains("kcat") && skip_kcat {
            eprintln!("not run (no kcat here): {command}");
            continue;
        }
        let line = command
            .replace(
                "cargo run --release -p minikafka --bin minikafka --",
                "minikafka",
            )
            .replace("cargo run --release -p minikafka --", "minikafka")
            .replace("127.0.0.1:9092", &server.addr)
            .replace(
                "tests/clients/",
                &format!("{}/tests/clients/", root.display()),
            );
        let mut child = Command::new("sh")
            .args(["-c", &format!("{prelude}\n{line}")])
            .current_dir(work)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drain its output on threads, so a chatty command cannot block on a full pipe.
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut out, &mut s);
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut s);
            s
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("README command still running after 60 s: {command}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        assert!(
            status.success(),
            "README command failed ({status}): {command}\nstdout: {out}\nstderr: {err}"
        );
        assert!(!err.contains("panicked"), "{command}: {err}");
        ran += 1;
    }
    ran
}

/// A server and a scratch directory for one test; both removed at the end.
fn scratch(name: &str) -> (Server, std::path::PathBuf, std::path::PathBuf) {
    let data = std::env::temp_dir().join(format!("minikafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let work = data.with_extension("cwd");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    (server, data, work)
}

#[test]
fn every_readme_command_runs_as_written() {
    let text = readme();
    let commands = sh_commands(&text);
    assert!(commands.len() >= 20, "{commands:?}");
    let (server, data, work) = scratch("readme");
    let have_kcat = Command::new("sh")
        .args(["-c", "command -v kcat"])
        .output()
        .is_ok_and(|o| o.status.success());
    let ran = run_as_written(&commands, &server, &work, !have_kcat);
    assert!(ran >= 20, "only {ran} commands ran");
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&work);
}

/// The commands `make demo` prints in the quick start (kcat, confluent-kafka, the live
/// demo's story), as written, from the block after "prints:".
fn quick_start_commands(text: &str) -> Vec<String> {
    let at = text
        .find("and prints:")
        .expect("the quick start's make demo output");
    let block = &text[at..];
    let start = block.find("```\n").unwrap() + 4;
    let end = start + block[start..].find("```").unwrap();
    block[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| {
            ["printf ", "kcat ", "tests/clients/.venv/bin/python "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs kcat and tests/clients/.venv: `make clients` runs it after installing them"]
fn the_quick_start_commands_run_as_written() {
    let commands = quick_start_commands(&readme());
    assert!(commands.len() >= 4, "{commands:?}");
    let (server, data, work) = scratch("quick-start");
    let ran = run_as_written(&commands, &server, &work, false);
    // The producers and the live demo's story; the two that read until Ctrl-C are not run.
    assert!(ran >= 3, "only {ran} commands ran: {commands:?}");
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_s1_excerpt_is_what_scenario_s1_prints() {
    let text = readme();
    let at = text.find("Excerpt:").expect("the S1 excerpt");
    let block = &text[at..];
    let start = block.find("```\n").unwrap() + 4;
    let end = start + block[start..].find("```").unwrap();
    let excerpt: Vec<&str> = block[start..end].lines().collect();
    assert!(excerpt.len() >= 5, "{excerpt:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(["scenario", "S1", "--speed", "0"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    // "..." and "…" in the excerpt stand for text left out.
    let matches = |line: &str, pattern: &str| {
        let mut rest = line;
        for piece in pattern.split("...").flat_map(|p| p.split('…')) {
            match rest.find(piece) {
                Some(i) => rest = &rest[i + piece.len()..],
                None => return false,
            }
        }
        true
    };
    let mut lines = printed.lines();
    for pattern in excerpt {
        assert!(
            lines.any(|line| matches(line, pattern)),
            "the README's S1 excerpt line is not printed (in order): {pattern}\n{printed}"
        );
    }
}
