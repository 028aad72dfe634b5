//! The core must stay sans-IO: no clock, no threads, no sockets, no tokio, no unseeded
//! randomness, and it must keep building for `wasm32-unknown-unknown` (the browser runs
//! the same code). Only the native adapter (`core/src/net/`, `core/src/bin/`) may do IO.
//!
//! This is a source scan rather than a type-level guarantee, so it errs on the strict
//! side: a comment that *mentions* `Instant::now` in code position would trip it too.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Paths (relative to `core/src`) allowed to do IO: the native server and CLI.
const NATIVE_ONLY: &[&str] = &["net/", "bin/"];

/// What the core must never use, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    ("Instant::now", "reads the clock: take `now` as an argument"),
    ("SystemTime", "reads the clock: take `now` as an argument"),
    (
        "std::time::Instant",
        "reads the clock: take `now` as an argument",
    ),
    (
        "thread::spawn",
        "spawns a thread: return work to the driver instead",
    ),
    (
        "std::thread",
        "uses threads: the core is a single-threaded state machine",
    ),
    ("tokio", "uses tokio: only the native adapter may"),
    (
        "thread_rng",
        "unseeded randomness: use the seeded generator in rng.rs",
    ),
    (
        "getrandom",
        "unseeded randomness: use the seeded generator in rng.rs",
    ),
    ("std::net", "opens sockets: only the native adapter may"),
    (
        "std::fs",
        "touches files: storage goes through the log's storage trait",
    ),
    (
        "std::env",
        "reads the environment: take settings as arguments",
    ),
    (
        "std::process",
        "starts or ends processes: only the command line may",
    ),
];

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("core/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_never_reads_a_clock_spawns_a_thread_or_opens_a_socket() {
    let src = core_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 10,
        "found the core's sources in {}",
        src.display()
    );
    let mut violations = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if NATIVE_ONLY.iter().any(|p| relative.starts_with(p)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (pattern, why) in FORBIDDEN {
                if code.contains(pattern) {
                    violations.push(format!("core/src/{relative}:{}: `{pattern}` {why}", n + 1));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "the core must stay sans-IO:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_scan_would_catch_a_clock_read() {
    // Guard against the scan above silently matching nothing.
    let line = "let t = std::time::Instant::now();";
    assert!(FORBIDDEN.iter().any(|(p, _)| line.contains(p)));
}

#[test]
fn the_core_builds_for_wasm32() {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    assert!(
        installed,
        "the wasm32-unknown-unknown target is missing: run `rustup target add \
         wasm32-unknown-unknown` (`make test` does it for you)"
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm-check");
    let output = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "minikafka",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(core_dir())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the core no longer builds for wasm32:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
