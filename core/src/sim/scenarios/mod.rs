//! The teaching scenarios: scripted worlds with a narration, each reproducing one lesson
//! (the table in the README's "Scenarios" section). Every scenario runs the real clients and broker; the
//! script only decides *when* things happen (a crash, a burst of records, a new member).
//! Its stated outcome holds for every seed (tests run many).

pub mod lesson;
mod s01_pod_restart;
mod s02_seek;
mod s03_three_layers;
mod s04_commit_strategies;
mod s05_at_most_once;
mod s06_scale_out;
mod s07_eager_vs_cooperative;
mod s08_static_membership;
mod s09_slow_consumer;
mod s10_retention;
mod s11_assignors;
mod s12_exactly_once;
mod s13_zombie_fencing;
mod s14_consumer_protocol;

use serde::{Deserialize, Serialize};

use crate::record::Millis;
use crate::sim::command::{Command, ProducerSpec};
use crate::sim::world::World;

/// One line of narration, shown when the run reaches `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narration {
    /// Simulated time.
    pub at: Millis,
    /// The line in English.
    pub en: String,
    /// The line in Chinese.
    pub zh: String,
}

/// A scripted teaching scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// `S1`, `S1b`, ...
    pub id: String,
    /// Title in English.
    pub title_en: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// How long the scenario runs (simulated ms).
    pub duration: Millis,
    /// The commands, with their times.
    pub script: Vec<(Millis, Command)>,
    /// What to watch, and why it happens.
    pub narration: Vec<Narration>,
}

impl Scenario {
    /// A world at time 0, ready to run this scenario with `seed`.
    pub fn world(&self, seed: u64) -> World {
        let mut world = World::new(seed);
        // Scenarios are small: measuring paused partitions costs little (S14 reports it).
        world.meter_pauses_in(pause_phases(&self.id));
        world
    }

    /// Run the whole scenario and return the world at its end.
    pub fn run(&self, seed: u64) -> World {
        let mut world = self.world(seed);
        for (at, command) in &self.script {
            world.run_until(*at);
            world.apply(command.clone());
        }
        world.run_until(self.duration);
        world
    }
}

pub(crate) fn say(at: Millis, en: &str, zh: &str) -> Narration {
    Narration {
        at,
        en: en.to_string(),
        zh: zh.to_string(),
    }
}

/// `CreateTopic` with the default log settings.
pub(crate) fn create_topic(topic: &str, partitions: i32) -> Command {
    Command::CreateTopic {
        topic: topic.into(),
        partitions,
        retention_ms: None,
        segment_bytes: None,
    }
}

/// `AddProducer` writing to `topic` at `rate_per_sec`, keys cycling over `distinct_keys`.
pub(crate) fn add_producer(
    name: &str,
    topic: &str,
    rate_per_sec: u32,
    distinct_keys: u32,
) -> Command {
    Command::AddProducer(ProducerSpec {
        name: name.into(),
        topic: topic.into(),
        rate_per_sec,
        distinct_keys,
        ..ProducerSpec::default()
    })
}

/// `ProduceBurst`.
pub(crate) fn burst(name: &str, count: u32) -> Command {
    Command::ProduceBurst {
        name: name.into(),
        count,
    }
}

/// Every scenario, in teaching order.
pub fn all() -> Vec<Scenario> {
    vec![
        s01_pod_restart::s1(),
        s01_pod_restart::s1b(),
        s02_seek::s2(),
        s03_three_layers::s3(),
        s04_commit_strategies::s4(),
        s05_at_most_once::s5(),
        s06_scale_out::s6(),
        s07_eager_vs_cooperative::s7(),
        s08_static_membership::s8(),
        s09_slow_consumer::s9(),
        s10_retention::s10(),
        s11_assignors::s11(),
        s12_exactly_once::s12(),
        s13_zombie_fencing::s13(),
        s14_consumer_protocol::s14(),
    ]
}

/// The phases a scenario's pauses are counted in (see `sim/pauses.rs`): S14 counts what
/// C's join costs apart from what A's crash costs, and nothing before C joins (each group
/// forms its own way: the classic one waits `group.initial.rebalance.delay.ms` first).
/// Empty for the others: their whole run is one.
pub fn pause_phases(id: &str) -> Vec<crate::sim::pauses::Phase> {
    if id.eq_ignore_ascii_case("S14") {
        s14_consumer_protocol::phases()
    } else {
        Vec::new()
    }
}

/// The scenario with this id (case-insensitive), if any.
pub fn by_id(id: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests;
