//! The app's state and everything that changes it: actions in, state out (Yew's
//! `Reducible`). No browser API is touched here, so all of it is tested natively.

use std::collections::VecDeque;

use minikafka::record::Millis;
use minikafka::sim::scenarios::{self, Scenario};
use minikafka::sim::timeline::Timeline;
use minikafka::sim::{Command, Script, World, WorldEvent};

use crate::i18n::Lang;
use crate::panels::cards::LagSample;
use crate::panels::{Folded, Panel};
use crate::sim::controls::{MemberButton, Setting, Try};
use crate::sim::stops::Stops;

/// Checkpoint spacing for the time slider (simulated ms).
pub const CHECKPOINT_EVERY: Millis = 2_000;
/// One press of "step" (simulated ms).
pub const STEP_MS: Millis = 100;
/// How many recent events the log keeps.
pub const LOG_LEN: usize = 300;
/// Slowest and fastest play speed (simulated seconds per real second).
pub const SPEEDS: [f64; 8] = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0];
/// The speeds as the page writes them.
pub const SPEED_LABELS: [&str; 8] = ["0.25", "0.5", "1", "2", "5", "10", "20", "50"];

/// Where a command came from: the scenario's script, or the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Scripted by the scenario.
    Scenario,
    /// Done by the learner in the page.
    User,
}

/// What the page can ask for.
// `Do` carries a whole command (a consumer's settings among them): an action is built,
// applied once and dropped, never stored in bulk, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Start a scenario from the beginning, paused.
    Load {
        /// Scenario id.
        scenario: String,
        /// Seed.
        seed: u64,
    },
    /// Rebuild an exact moment from a shared link.
    Restore {
        /// Scenario id.
        scenario: String,
        /// The run string (`mk1.`...).
        run: String,
        /// The moment (simulated ms).
        t: Millis,
    },
    /// Start playing.
    Play,
    /// Stop playing.
    Pause,
    /// Advance one step.
    Step,
    /// Real time passed while playing.
    Tick {
        /// Real milliseconds since the last tick.
        real_ms: f64,
    },
    /// Run to the scenario's end.
    ToEnd,
    /// Jump to a moment (back: replay from a checkpoint; forward: run).
    JumpTo(Millis),
    /// Set the play speed.
    SetSpeed(f64),
    /// Switch language.
    SetLang(Lang),
    /// Do something to the world now (the learner's command).
    Do(Command),
    /// A button of the "try it" panel.
    Try(Try),
    /// A button on a member card.
    Member {
        /// Consumer name.
        name: String,
        /// Which button.
        what: MemberButton,
    },
    /// Change a consumer's settings: client settings take effect when it restarts, like a
    /// real consumer's configuration.
    Configure {
        /// Consumer name.
        name: String,
        /// Which setting.
        field: Setting,
        /// The new value, as the page's select gives it.
        value: String,
    },
    /// Select a partition (again: unselect).
    Select(String, i32),
    /// The learner answered the lesson's question with this option: the answer is shown
    /// and the scenario plays on to show why.
    Answer(usize),
    /// Guided lesson on or off (off: free play, no pauses for questions).
    SetLesson(bool),
    /// Presenter mode on or off: the stage and the narration full screen, large type.
    TogglePresent,
    /// Fold or unfold a panel below the stage.
    TogglePanel(Panel),
    /// Seek the owner of a partition.
    Seek {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// Offset.
        offset: Millis,
    },
}

/// The whole app state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Page language.
    pub lang: Lang,
    /// The running scenario.
    pub scenario: Scenario,
    /// Its seed.
    pub seed: u64,
    /// The world with its past.
    pub timeline: Timeline,
    /// Commands still to apply, in time order (scripted ones, and the learner's own after a
    /// jump back).
    pub pending: Vec<(Millis, Command, Origin)>,
    /// Playing or paused.
    pub playing: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Recent events, newest last.
    pub log: VecDeque<WorldEvent>,
    /// Lag of the scenario's main group over time.
    pub lag: Vec<LagSample>,
    /// A message for the learner (a rejected command, a bad link).
    pub notice: Option<String>,
    /// The partition the learner selected (its seek controls are shown).
    pub selected: Option<(String, i32)>,
    /// Guided lesson: playing pauses at the scenario's questions.
    pub lesson: bool,
    /// The question being asked now (an index into the scenario's questions).
    pub asking: Option<usize>,
    /// Questions answered: (question index, the option chosen).
    pub answers: Vec<(usize, usize)>,
    /// Presenter mode: side panels hidden, large type.
    pub present: bool,
    /// Rebalance beats seen so far (a rebalance started, a member gave partitions up or
    /// got them, a generation formed, an assignment was handed out).
    pub beats: u64,
    /// Real milliseconds of slow motion left: in a lesson, each beat of a rebalance plays
    /// slowly, so that what takes a few simulated milliseconds (an eager member giving up
    /// all its partitions, then getting them back) can be seen.
    pub slow_ms: f64,
    /// Partitions rebalances stopped (nobody of the group reads them), and for how long.
    pub stops: Stops,
    /// Panels below the stage the learner folded away.
    pub folded: Folded,
}

/// Real time a rebalance beat is shown in slow motion, and the slow-motion speed.
const BEAT_REAL_MS: f64 = 700.0;
const SLOW_MOTION: f64 = 0.04;

/// Does this event move a rebalance on (one of the seed's five steps)?
fn is_beat(e: &WorldEvent) -> bool {
    use minikafka::client::consumer::ConsumerEvent;
    use minikafka::sim::WorldEventKind;
    use minikafka::Event;
    matches!(
        &e.kind,
        WorldEventKind::Broker {
            event: Event::RebalanceStarted { .. }
                | Event::GenerationStarted { .. }
                | Event::AssignmentCompleted { .. }
        } | WorldEventKind::Consumer {
            event: ConsumerEvent::PartitionsRevoked(_)
                | ConsumerEvent::PartitionsAssigned(_)
                | ConsumerEvent::PartitionsLost(_),
            ..
        }
    )
}

/// An empty world for `scenario`: one that compares its groups phase by phase (S14) has
/// the core's pause meter on, so its tally shows the figures `minikafka scenario --json`
/// prints. The meter travels with the world into every checkpoint, so jumping back in time
/// gives the figures of that moment.
fn fresh_world(scenario: &Scenario, seed: u64) -> World {
    let mut world = World::new(seed);
    let phases = scenarios::pause_phases(&scenario.id);
    if !phases.is_empty() {
        world.meter_pauses_in(phases);
    }
    world
}

impl AppState {
    /// A scenario at its start, paused.
    pub fn new(scenario_id: &str, seed: u64, lang: Lang) -> AppState {
        let scenario = scenarios::by_id(scenario_id)
            .or_else(|| scenarios::by_id("S1"))
            .expect("S1 exists");
        let pending = scenario
            .script
            .iter()
            .map(|(at, c)| (*at, c.clone(), Origin::Scenario))
            .collect();
        let mut state = AppState {
            lang,
            timeline: Timeline::new(fresh_world(&scenario, seed), CHECKPOINT_EVERY),
            scenario,
            seed,
            pending,
            playing: false,
            speed: 1.0,
            log: VecDeque::new(),
            lag: Vec::new(),
            notice: None,
            selected: None,
            lesson: true,
            asking: None,
            answers: Vec::new(),
            present: false,
            beats: 0,
            slow_ms: 0.0,
            stops: Stops::default(),
            folded: Folded::default(),
        };
        // Commands at time 0 (topics, first members) are applied at once, so the page
        // opens on a world that exists.
        state.advance_to(0);
        state
    }

    /// Rebuild a shared moment: the run's commands, plus the scenario's commands after it.
    pub fn restore(
        scenario_id: &str,
        run: &str,
        t: Millis,
        lang: Lang,
    ) -> Result<AppState, String> {
        let script = Script::decode(run).map_err(|e| e.to_string())?;
        let mut state = AppState::new(scenario_id, script.seed, lang);
        let last = script.commands.last().map_or(0, |(at, _)| *at);
        let scripted = state.scenario.script.clone();
        let mut pending: Vec<(Millis, Command, Origin)> = script
            .commands
            .iter()
            .map(|(at, c)| {
                let origin = if scripted.iter().any(|(a, s)| a == at && s == c) {
                    Origin::Scenario
                } else {
                    Origin::User
                };
                (*at, c.clone(), origin)
            })
            .collect();
        pending.extend(
            scripted
                .into_iter()
                .filter(|(at, _)| *at > last)
                .map(|(at, c)| (at, c, Origin::Scenario)),
        );
        // Start over from an empty world with exactly that history.
        state.timeline = Timeline::new(fresh_world(&state.scenario, script.seed), CHECKPOINT_EVERY);
        state.pending = pending;
        state.log.clear();
        state.lag.clear();
        state.advance_to(t.max(0));
        Ok(state)
    }

    /// The world now.
    pub fn world(&self) -> &World {
        self.timeline.world()
    }

    /// Simulated time now.
    pub fn now(&self) -> Millis {
        self.timeline.now()
    }

    /// The run so far as a string, for links.
    pub fn run_string(&self) -> String {
        self.world().script().encode()
    }

    /// Has the scenario reached its end?
    pub fn at_end(&self) -> bool {
        self.now() >= self.scenario.duration
    }

    /// Run forward to `target`, applying pending commands on the way.
    pub fn advance_to(&mut self, target: Millis) {
        while let Some((at, _, _)) = self.pending.first() {
            if *at > target {
                break;
            }
            let (at, command, _) = self.pending.remove(0);
            let events = self.timeline.jump_to(at.max(self.now()));
            self.record(events);
            self.timeline.apply(command);
        }
        let events = self.timeline.jump_to(target.max(self.now()));
        self.record(events);
        self.record(Vec::new());
    }

    /// Go back to `t`: the world is rebuilt from a checkpoint; what was done after `t`
    /// (scripted or by the learner) is pending again, so playing on replays it, unless the
    /// learner acts first (which forks a new future).
    pub fn jump_back(&mut self, t: Millis) {
        let t = t.max(0);
        let history = self.world().script().commands;
        let scripted = &self.scenario.script;
        let mut pending: Vec<(Millis, Command, Origin)> = history
            .into_iter()
            .filter(|(at, _)| *at > t)
            .map(|(at, c)| {
                let origin = if scripted.iter().any(|(a, s)| *a == at && *s == c) {
                    Origin::Scenario
                } else {
                    Origin::User
                };
                (at, c, origin)
            })
            .collect();
        pending.append(&mut self.pending);
        self.pending = pending;
        // Events up to the restored checkpoint are the same past: keep them.
        let checkpoint = self.timeline.checkpoint_before(t);
        let events = self.timeline.jump_to(t);
        self.log.retain(|e| e.at <= checkpoint);
        self.lag.retain(|(at, _, _)| *at <= t);
        self.stops.rewind(checkpoint);
        self.record(events);
    }

    fn record(&mut self, events: Vec<WorldEvent>) {
        for e in events {
            if let minikafka::sim::WorldEventKind::Command {
                command: Command::CrashConsumer { name },
            } = &e.kind
            {
                // A dead owner's partitions: nobody reads them until they are handed out.
                if let Some(c) = self.timeline.world().consumer(name) {
                    let (group, owned) = (c.spec.group.clone(), c.consumer.assignment());
                    self.stops.crashed(e.at, &group, name, &owned);
                }
            }
            if is_beat(&e) {
                self.beats += 1;
                let world = self.timeline.world();
                self.stops.record(&e, |name| {
                    world.consumer(name).map(|c| c.spec.group.clone())
                });
            }
            if self.log.len() == LOG_LEN {
                self.log.pop_front();
            }
            self.log.push_back(e);
        }
        let now = self.now();
        if self.lag.last().is_none_or(|(at, _, _)| now - at >= 250) {
            let per_partition = partition_lags(self.world());
            let total = per_partition.iter().sum();
            self.lag.push((now, total, per_partition));
        }
    }

    /// Apply an action (the reducer, in place).
    pub fn apply(&mut self, action: Action) {
        self.notice = None;
        match action {
            Action::Load { scenario, seed } => {
                let (lang, lesson, present) = (self.lang, self.lesson, self.present);
                *self = AppState::new(&scenario, seed, lang);
                self.lesson = lesson;
                self.present = present;
            }
            Action::Restore { scenario, run, t } => {
                match AppState::restore(&scenario, &run, t, self.lang) {
                    Ok(state) => *self = state,
                    Err(e) => self.notice = Some(format!("the link could not be read: {e}")),
                }
            }
            Action::Play => {
                self.playing = !self.at_end();
                // Playing past a question skips it (it can be asked again after a jump back).
                if let Some(i) = self.asking.take() {
                    self.answers.retain(|(q, _)| *q != i);
                    self.answers.push((i, usize::MAX));
                }
            }
            Action::Answer(choice) => {
                if let Some(i) = self.asking.take() {
                    self.answers.retain(|(q, _)| *q != i);
                    self.answers.push((i, choice));
                    self.playing = !self.at_end();
                }
            }
            Action::SetLesson(on) => {
                self.lesson = on;
                if !on {
                    self.asking = None;
                }
            }
            Action::TogglePresent => self.present = !self.present,
            Action::TogglePanel(panel) => {
                self.folded.toggle(panel);
            }
            Action::Pause => self.playing = false,
            Action::Step => {
                self.playing = false;
                let target = self.now() + STEP_MS;
                self.advance_to(target);
            }
            Action::Tick { real_ms } => {
                if self.playing {
                    let sim_ms = (real_ms.clamp(0.0, 250.0) * self.speed).round() as Millis;
                    let target = (self.now() + sim_ms.max(1)).min(self.scenario.duration);
                    // A lesson stops at its next question, wherever the clock would go.
                    if let Some((i, at)) = self.next_question(target) {
                        self.advance_to(at);
                        self.playing = false;
                        self.asking = Some(i);
                        return;
                    }
                    if self.lesson && self.speed <= 2.0 {
                        self.play_with_beats(real_ms, target);
                    } else {
                        self.advance_to(target);
                    }
                    if self.at_end() {
                        self.playing = false;
                    }
                }
            }
            Action::ToEnd => {
                self.playing = false;
                let end = self.scenario.duration;
                if self.now() < end {
                    self.advance_to(end);
                }
            }
            Action::JumpTo(t) => {
                // A link's `t` past the end is the end (the clock read "40.0s / 31.1s").
                let t = t.clamp(0, self.scenario.duration);
                self.asking = None;
                if t < self.now() {
                    self.jump_back(t);
                    // Back before a question: it will be asked again.
                    let questions = self.questions();
                    self.answers
                        .retain(|(i, _)| questions.get(*i).is_some_and(|q| q.at <= t));
                } else {
                    self.advance_to(t);
                }
            }
            Action::SetSpeed(speed) => {
                if speed.is_finite() {
                    self.speed = speed.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]);
                }
            }
            Action::SetLang(lang) => self.lang = lang,
            Action::Try(what) => match what.command(self.world()) {
                Some(command) => self.apply(Action::Do(command)),
                None => self.notice = Some(format!("{}: nothing to do here", what.id())),
            },
            Action::Member { name, what } => match what.command(self.world(), &name) {
                Some(command) => self.apply(Action::Do(command)),
                None => self.notice = Some(format!("{}: no consumer {name}", what.id())),
            },
            Action::Select(topic, partition) => {
                let key = (topic, partition);
                self.selected = if self.selected.as_ref() == Some(&key) {
                    None
                } else {
                    Some(key)
                };
            }
            Action::Configure { name, field, value } => {
                match field.command(self.world(), &name, &value) {
                    Ok(command) => self.apply(Action::Do(command)),
                    Err(e) => self.notice = Some(e),
                }
            }
            Action::Seek {
                topic,
                partition,
                offset,
            } => match self.seek_command(&topic, partition, offset) {
                Some(command) => self.apply(Action::Do(command)),
                None => self.notice = Some(format!("nobody owns {topic}-{partition} now")),
            },
            Action::Do(command) => {
                // Acting forks a new future: the learner's old future actions are dropped;
                // the scenario's own script goes on.
                self.pending
                    .retain(|(_, _, origin)| *origin == Origin::Scenario);
                let before = self.world().script().commands.len();
                self.timeline.apply(command);
                let events = self.timeline.jump_to(self.now());
                if self.world().script().commands.len() == before {
                    self.notice = Some("that command does not apply now".into());
                }
                self.record(events);
            }
        }
    }
}

impl AppState {
    /// Play towards `target` in small steps, stopping at a rebalance beat: the next
    /// `BEAT_REAL_MS` of real time then run in slow motion.
    fn play_with_beats(&mut self, real_ms: f64, target: Millis) {
        let real_ms = real_ms.clamp(0.0, 250.0);
        let target = if self.slow_ms > 0.0 {
            self.slow_ms -= real_ms;
            (self.now() + (real_ms * SLOW_MOTION).round().max(1.0) as Millis).min(target)
        } else {
            target
        };
        let beats = self.beats;
        while self.now() < target {
            let step = (self.now() + 5).min(target);
            self.advance_to(step);
            if self.beats > beats {
                self.slow_ms = BEAT_REAL_MS;
                break;
            }
        }
    }

    /// The scenario's questions.
    pub fn questions(&self) -> Vec<minikafka::sim::scenarios::lesson::Question> {
        minikafka::sim::scenarios::lesson::questions(&self.scenario.id)
    }

    /// The first question not yet answered that falls in `(now, target]`, if the lesson is
    /// on: (its index, its time).
    fn next_question(&self, target: Millis) -> Option<(usize, Millis)> {
        if !self.lesson {
            return None;
        }
        let now = self.now();
        self.questions()
            .iter()
            .enumerate()
            .find(|(i, q)| {
                q.at > now && q.at <= target && !self.answers.iter().any(|(a, _)| a == i)
            })
            .map(|(i, q)| (i, q.at))
    }

    /// The latest answer whose explanation is still worth showing (for 15 simulated
    /// seconds after its question): (question index, chosen option).
    pub fn recent_answer(&self) -> Option<(usize, usize)> {
        let questions = self.questions();
        self.answers
            .iter()
            .rev()
            .find(|(i, choice)| {
                *choice != usize::MAX
                    && questions
                        .get(*i)
                        .is_some_and(|q| self.now() >= q.at && self.now() - q.at <= 15_000)
            })
            .copied()
    }
}

impl AppState {
    /// Seek a partition in the consumer that owns it.
    pub fn seek_command(&self, topic: &str, partition: i32, offset: Millis) -> Option<Command> {
        let tp = minikafka::client::TopicPartition::new(topic, partition);
        let owner = self
            .world()
            .consumers
            .iter()
            .filter(|c| c.is_live())
            .find(|c| c.consumer.assignment().contains(&tp))?;
        Some(Command::Seek {
            name: owner.spec.name.clone(),
            topic: topic.to_string(),
            partition,
            offset,
        })
    }
}

/// High watermark minus committed offset, summed over the main group's partitions.
pub fn total_lag(world: &World) -> i64 {
    partition_lags(world).iter().sum()
}

/// High watermark minus committed offset of each partition the main group reads, in topic
/// then partition order.
pub fn partition_lags(world: &World) -> Vec<i64> {
    let Some(group) = world.consumers.first().map(|c| c.spec.group.clone()) else {
        return Vec::new();
    };
    let topics: Vec<String> = world
        .consumers
        .iter()
        .filter(|c| c.spec.group == group)
        .flat_map(|c| c.spec.topics.clone())
        .collect();
    let mut lags = Vec::new();
    for name in world.broker.topic_names() {
        if !topics.contains(&name) {
            continue;
        }
        let Some(topic) = world.broker.topic(&name) else {
            continue;
        };
        for (partition, log) in topic.partitions.iter().enumerate() {
            let committed = world
                .broker
                .offsets()
                .fetch(&group, &name, partition as i32)
                .map_or(log.log_start_offset(), |o| o.offset);
            lags.push((log.high_watermark() - committed.max(log.log_start_offset())).max(0));
        }
    }
    lags
}

impl crate::store::Apply for AppState {
    type Action = Action;
    fn apply(&mut self, action: Action) {
        AppState::apply(self, action)
    }
}
