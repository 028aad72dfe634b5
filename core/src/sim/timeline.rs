//! A world with a past: automatic checkpoints, so a caller (the visualiser's time slider)
//! can jump back to any earlier moment and replay from there, exactly.
//!
//! Jumping back restores the newest checkpoint at or before the target and runs forward
//! to it; the run is deterministic, so this reproduces the past event for event. A command
//! given after jumping back starts a new future: later checkpoints are dropped.

use crate::record::Millis;
use crate::sim::command::Command;
use crate::sim::world::{World, WorldEvent};

/// A world plus checkpoints of its past.
#[derive(Debug, Clone)]
pub struct Timeline {
    world: World,
    /// Checkpoints, oldest first, one per `interval` of simulated time.
    checkpoints: Vec<World>,
    interval: Millis,
}

impl Timeline {
    /// Keep a checkpoint every `interval` ms of simulated time (at least 1).
    pub fn new(world: World, interval: Millis) -> Timeline {
        let first = world.checkpoint();
        Timeline {
            world,
            checkpoints: vec![first],
            interval: interval.max(1),
        }
    }

    /// The world now.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Simulated time now.
    pub fn now(&self) -> Millis {
        self.world.now()
    }

    /// How many checkpoints are kept.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The time of the checkpoint a jump back to `t` restores (the events up to it are the
    /// same as before the jump; [`Timeline::jump_to`] returns the ones after it).
    pub fn checkpoint_before(&self, t: Millis) -> Millis {
        self.checkpoints
            .iter()
            .rev()
            .find(|c| c.now() <= t)
            .map_or(0, World::now)
    }

    /// Apply a command now. If we are in the past (after a jump back), the old future is
    /// forgotten.
    pub fn apply(&mut self, command: Command) {
        let now = self.world.now();
        self.checkpoints.retain(|c| c.now() <= now);
        self.world.apply(command);
    }

    /// Advance by `ms`, checkpointing at every interval boundary crossed.
    pub fn step(&mut self, ms: Millis) -> Vec<WorldEvent> {
        let target = self.world.now() + ms.max(0);
        let mut events = Vec::new();
        loop {
            let last = self.checkpoints.last().map_or(0, World::now);
            let next_checkpoint = last + self.interval;
            if next_checkpoint > target {
                break;
            }
            self.world.run_until(next_checkpoint);
            events.extend(self.world.take_events());
            self.checkpoints.retain(|c| c.now() < next_checkpoint);
            self.checkpoints.push(self.world.checkpoint());
        }
        self.world.run_until(target);
        events.extend(self.world.take_events());
        events
    }

    /// Go to time `t`: back (restore a checkpoint and replay) or forward (run). Returns the
    /// events from the restored checkpoint up to `t` (the visualiser rebuilds its view from
    /// them).
    pub fn jump_to(&mut self, t: Millis) -> Vec<WorldEvent> {
        if t >= self.world.now() {
            return self.step(t - self.world.now());
        }
        let base = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.now() <= t)
            .cloned()
            .unwrap_or_else(|| self.checkpoints[0].clone());
        // The checkpoint's log is the log up to then; commands given later in the old
        // future are replayed from the full script.
        let script = self.world.script();
        self.world = base;
        let from = self.world.now();
        for (at, command) in script
            .commands
            .iter()
            .filter(|(at, _)| *at > from && *at <= t)
        {
            self.world.run_until(*at);
            self.world.apply(command.clone());
        }
        self.world.run_until(t);
        self.world.take_events()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenarios;

    #[test]
    fn jumping_back_replays_the_same_events() {
        let s = scenarios::by_id("S1").unwrap();
        let mut live = Timeline::new(World::new(5), 5_000);
        let mut all = Vec::new();
        for (at, command) in &s.script {
            all.extend(live.jump_to(*at));
            live.apply(command.clone());
        }
        all.extend(live.step(50_000 - live.now()));
        assert!(live.checkpoints() >= 10);
        let final_duplicates = live.world().duplicates();

        // Back to 20 s, then forward again: the same events from 20 s to 50 s.
        live.jump_to(20_000);
        assert_eq!(live.now(), 20_000);
        let again = live.step(30_000);
        let original: Vec<_> = all.iter().filter(|e| e.at > 20_000).cloned().collect();
        let replayed: Vec<_> = again.iter().filter(|e| e.at > 20_000).cloned().collect();
        assert_eq!(original, replayed);
        assert_eq!(live.world().duplicates(), final_duplicates);
    }

    #[test]
    fn a_command_after_jumping_back_starts_a_new_future() {
        let s = scenarios::by_id("S1").unwrap();
        let mut t = Timeline::new(World::new(1), 5_000);
        for (at, command) in &s.script {
            t.jump_to(*at);
            t.apply(command.clone());
        }
        t.step(40_000);
        // Back before the crash; this time A stops cleanly instead.
        t.jump_to(11_000);
        t.apply(Command::StopConsumer { name: "A".into() });
        t.step(40_000);
        assert_eq!(t.world().duplicates(), 0);
        assert!(t
            .world()
            .script()
            .commands
            .iter()
            .all(|(_, c)| !matches!(c, Command::CrashConsumer { .. })));
    }
}
