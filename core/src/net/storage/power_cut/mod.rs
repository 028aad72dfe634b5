//! Power cuts, measured: the sans-IO `Broker` over the real `FileProvider` (segments,
//! indexes, the offsets and transaction logs, the `Flusher`) on a `SimDisk` (`sim_disk.rs`),
//! under a seeded load (`load.rs`), with the power cut at a random moment and the directory
//! reopened as `minikafka serve` reopens it after a reboot (`reopen.rs`).
//!
//! The load is what `serve` sees: produce steps (acks=all), offset commits, and a
//! transactional producer (InitProducerId, AddPartitionsToTxn, produce, EndTxn). A *step*
//! is one turn of the server's core loop; it ends as `CoreHooks::after_step` ends it in
//! `serve`: under `always` the flusher syncs before the answers leave, so a step's
//! acknowledgements are given after the sync; under `interval=N` and `never` they are given
//! right after the step. Simulated time advances between steps; under `interval=N` the
//! flusher syncs every N ms of it, as the background thread does, and under every policy
//! the simulated kernel writes back files dirty for 30 s, every 5 s (Linux's
//! `dirty_expire_centisecs` and `dirty_writeback_centisecs`).
//!
//! After each cut the test reads every partition back through the storage's read path
//! (what Fetch serves) and counts, against what was acknowledged: acknowledged records and
//! commits lost, and for how many milliseconds before the cut they had been acknowledged;
//! anything that survived an earlier reboot and is gone now (moved backwards); any record
//! not byte-identical to what was produced at its offset (torn data served); any gap.

mod load;
mod reopen;

use super::FsyncPolicy;
use crate::record::Millis;
use load::{Run, SLACK_MS};

/// The figures of one policy over many seeds and cuts.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct Figures {
    pub policy: String,
    pub seeds: u64,
    pub cuts: u64,
    pub steps: u64,
    pub acked_records: u64,
    pub acked_commits: u64,
    pub records_lost: u64,
    pub commits_lost: u64,
    pub moved_backwards: u64,
    pub torn_served: u64,
    pub gaps: u64,
    pub reopen_errors: u64,
    /// Cuts after which something acknowledged was lost.
    pub cuts_with_loss: u64,
    /// The oldest lost acknowledgement, in ms before its cut.
    pub max_ms_lost: Option<Millis>,
    /// Transactions whose data survived but whose coordinator state did not, holding the
    /// last stable offset back after the producer restarted.
    pub hanging_transactions: u64,
    pub syncs: u64,
    pub failures: Vec<String>,
}

impl Figures {
    /// Why these figures fail the test, if they do.
    pub fn verdict(&self, policy: FsyncPolicy) -> Vec<String> {
        let mut why = self.failures.clone();
        let mut check = |bad: bool, what: String| {
            if bad {
                why.push(what);
            }
        };
        check(
            self.torn_served > 0,
            format!("{} torn records served", self.torn_served),
        );
        check(self.gaps > 0, format!("{} gaps", self.gaps));
        check(
            self.moved_backwards > 0,
            format!("{} moved backwards", self.moved_backwards),
        );
        check(
            self.reopen_errors > 0,
            format!("{} reopen errors", self.reopen_errors),
        );
        match policy {
            FsyncPolicy::Always => check(
                self.records_lost + self.commits_lost > 0,
                format!(
                    "always lost {} records and {} commits",
                    self.records_lost, self.commits_lost
                ),
            ),
            FsyncPolicy::Interval(every) => {
                let bound = every.as_millis() as Millis + SLACK_MS;
                check(
                    self.max_ms_lost.is_some_and(|ms| ms > bound),
                    format!(
                        "lost {:?} ms of acknowledgements (bound {bound})",
                        self.max_ms_lost
                    ),
                )
            }
            FsyncPolicy::Never => {}
        }
        why
    }
}

/// Run `seeds` seeds from `first_seed` under `policy`, `cuts` power cuts each.
pub(crate) fn measure(policy: FsyncPolicy, first_seed: u64, seeds: u64, cuts: u64) -> Figures {
    let mut figures = Figures {
        policy: policy.to_string(),
        ..Figures::default()
    };
    for seed in first_seed..first_seed + seeds {
        figures.seeds += 1;
        let result = Run::new(seed, policy, &mut figures).and_then(|mut run| {
            for _ in 0..cuts {
                run.until_cut();
                run.cut_and_reopen()?;
            }
            run.figures.syncs += run.disk.syncs();
            Ok(())
        });
        if let Err(e) = result {
            figures.failures.push(e);
        }
    }
    figures
}

fn policies() -> [FsyncPolicy; 3] {
    [
        FsyncPolicy::Always,
        FsyncPolicy::Interval(std::time::Duration::from_millis(5)),
        FsyncPolicy::Never,
    ]
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every policy's figures, and why they fail, if they do.
fn run_all(first_seed: u64, seeds: u64, cuts: u64) -> (Vec<Figures>, Vec<String>) {
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for policy in policies() {
        let figures = measure(policy, first_seed, seeds, cuts);
        eprintln!("{figures:?}");
        for why in figures.verdict(policy) {
            failures.push(format!("{policy}: {why}"));
        }
        all.push(figures);
    }
    (all, failures)
}

/// The short run of `cargo test`: a few seeds, the same every time.
#[test]
fn power_cuts_lose_nothing_acknowledged_under_always_and_at_most_the_interval_otherwise() {
    let (figures, failures) = run_all(0, 4, 6);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(figures[0].acked_records > 1_000, "a real load ran");
    assert!(
        figures[2].records_lost > 0,
        "never loses acknowledged records on a power cut: the simulation cuts for real"
    );
}

/// The long run (`make crash-long`, release build): `MINIKAFKA_POWER_CUT_SEEDS` seeds from
/// `MINIKAFKA_POWER_CUT_FIRST_SEED`, `MINIKAFKA_POWER_CUT_CUTS` cuts each; the figures go
/// as JSON to `MINIKAFKA_POWER_CUT_JSON` (tests/crash/power_cut.py writes them into
/// bench/RESULTS.md).
#[test]
#[ignore = "long: make crash-long"]
fn power_cuts_long() {
    let first = env("MINIKAFKA_POWER_CUT_FIRST_SEED", 0);
    let seeds = env("MINIKAFKA_POWER_CUT_SEEDS", 200);
    let cuts = env("MINIKAFKA_POWER_CUT_CUTS", 20);
    let started = std::time::Instant::now();
    let (figures, failures) = run_all(first, seeds, cuts);
    if let Ok(path) = std::env::var("MINIKAFKA_POWER_CUT_JSON") {
        let report = serde_json::json!({
            "first_seed": first,
            "seeds": seeds,
            "cuts_per_seed": cuts,
            "seconds": started.elapsed().as_secs_f64(),
            "slack_ms": SLACK_MS,
            "policies": figures,
            "failures": failures,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report).expect("json"))
            .expect("write the figures");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
