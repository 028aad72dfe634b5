//! The world: a simulated clock, one broker, producers and consumers, and the network
//! between them.
//!
//! Time only moves in [`World::step`]. Inside a step the world jumps from one due moment to
//! the next (a network delivery, a client timer, an application finishing a record, the
//! broker's timers), handling everything due at that moment in a fixed order. Nothing
//! depends on wall-clock time or on hash order, so the same seed and commands replay
//! the same run, event for event.

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::broker::{Broker, BrokerConfig};
use crate::client::consumer::ConsumerEvent;
use crate::client::producer::ProducerEvent;
use crate::client::protocol::{dispatch, output_response, Request, Response};
use crate::client::TopicPartition;
use crate::event::Event;
use crate::group::modern::ConsumerGroupConfig;
use crate::group::{CoordinatorConfig, RequestId};
use crate::log::IsolationLevel;
use crate::log::LogConfig;
use crate::record::{Millis, Offset};
use crate::sim::actors::{ActorStatus, AppStep, ConsumerActor, ProducerActor};
use crate::sim::command::{Command, Script};
use crate::sim::pauses::PauseMeter;
use crate::sim::tracker::{PartitionTrack, RecordTracker};

/// Something that happened in the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldEvent {
    /// Simulated time.
    pub at: Millis,
    /// What happened, and where it came from.
    pub kind: WorldEventKind,
}

/// The kinds of world events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source")]
pub enum WorldEventKind {
    /// From the broker.
    Broker {
        /// The event.
        event: Event,
    },
    /// From a consumer client.
    Consumer {
        /// Consumer name.
        name: String,
        /// The event.
        event: ConsumerEvent,
    },
    /// From a producer client.
    Producer {
        /// Producer name.
        name: String,
        /// The event.
        event: ProducerEvent,
    },
    /// A consumer application finished processing a record.
    Processed {
        /// Consumer name.
        name: String,
        /// Its group.
        group: String,
        /// Topic-partition of the record.
        tp: TopicPartition,
        /// Which record.
        offset: Offset,
        /// How many times the group has processed it now; 2 or more is a duplicate.
        times: u32,
    },
    /// A command was applied.
    Command {
        /// The command.
        command: Command,
    },
    /// A command could not be applied.
    CommandRejected {
        /// The command.
        command: Command,
        /// Why it was refused, for the log.
        reason: String,
    },
}

/// Who sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ClientRef {
    Producer(usize),
    Consumer(usize),
    /// The output producer of a read-process-write consumer application.
    Output(usize),
}

/// A message on the wire.
#[derive(Debug, Clone)]
enum Delivery {
    ToBroker {
        client: ClientRef,
        incarnation: u32,
        correlation: u64,
        request: Request,
    },
    ToClient {
        client: ClientRef,
        incarnation: u32,
        correlation: u64,
        response: Response,
    },
}

/// The simulated world.
#[derive(Debug, Clone)]
pub struct World {
    seed: u64,
    now: Millis,
    network_delay_ms: Millis,
    /// The broker.
    pub broker: Broker,
    /// Producer applications.
    pub producers: Vec<ProducerActor>,
    /// Consumer applications.
    pub consumers: Vec<ConsumerActor>,
    /// Per-record processing counts.
    pub tracker: RecordTracker,
    network: BTreeMap<(Millis, u64), Delivery>,
    next_seq: u64,
    parked: BTreeMap<RequestId, (ClientRef, u32, u64)>,
    events: Vec<WorldEvent>,
    log: Vec<(Millis, Command)>,
    /// Paused partition-time per group, when metered ([`World::meter_pauses`]).
    pauses: Option<PauseMeter>,
}

/// The broker settings of a simulated world: Kafka's, except that retention is checked
/// every second so that a learner can watch it act, and that consumer-protocol members
/// heartbeat every 3 s (`group.consumer.heartbeat.interval.ms`; Kafka's broker says 5 s):
/// the classic client's `heartbeat.interval.ms`, so that S14 compares the two protocols
/// and not two heartbeat settings. Every move of a partition waits for heartbeats.
pub fn sim_broker_config(seed: u64) -> BrokerConfig {
    BrokerConfig {
        retention_check_interval_ms: 1_000,
        coordinator: CoordinatorConfig {
            member_id_seed: seed,
            ..CoordinatorConfig::default()
        },
        consumer_groups: ConsumerGroupConfig {
            heartbeat_interval_ms: 3_000,
            member_id_seed: seed,
            ..ConsumerGroupConfig::default()
        },
        topic_id_seed: seed,
        auto_create_topics: false,
        ..BrokerConfig::default()
    }
}

impl World {
    /// An empty world at time 0.
    pub fn new(seed: u64) -> World {
        World {
            seed,
            now: 0,
            network_delay_ms: 0,
            broker: Broker::new(sim_broker_config(seed), 0),
            producers: Vec::new(),
            consumers: Vec::new(),
            tracker: RecordTracker::default(),
            network: BTreeMap::new(),
            next_seq: 0,
            parked: BTreeMap::new(),
            events: Vec::new(),
            log: Vec::new(),
            pauses: None,
        }
    }

    /// Rebuild a run from its script, up to time `until` (the whole script if `None`).
    pub fn replay(script: &Script, until: Option<Millis>) -> World {
        let mut world = World::new(script.seed);
        for (at, command) in &script.commands {
            if until.is_some_and(|u| *at > u) {
                break;
            }
            world.run_until(*at);
            world.apply(command.clone());
        }
        if let Some(u) = until {
            world.run_until(u);
        }
        world
    }

    /// From now on, integrate every group's paused partitions over time (see
    /// `sim/pauses.rs`). Off by default: it looks at every partition at every tick.
    pub fn meter_pauses(&mut self) {
        self.pauses.get_or_insert_with(PauseMeter::default);
    }

    /// The same, counting each of `phases` apart and nothing before the first (S14: C
    /// joins, then A crashes; see [`crate::sim::scenarios::pause_phases`]).
    pub fn meter_pauses_in(&mut self, phases: Vec<crate::sim::pauses::Phase>) {
        self.pauses = Some(PauseMeter::new(phases));
    }

    /// The pauses measured since [`World::meter_pauses`], if it was called.
    pub fn pauses(&self) -> Option<&PauseMeter> {
        self.pauses.as_ref()
    }

    /// The clock is about to move to `to`: charge the paused partitions for the gap.
    fn charge_pauses(&mut self, to: Millis) {
        if let Some(mut meter) = self.pauses.take() {
            meter.advance(self, to);
            self.pauses = Some(meter);
        }
    }

    /// Simulated time now.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The run so far as a script: seed and commands.
    pub fn script(&self) -> Script {
        Script {
            seed: self.seed,
            commands: self.log.clone(),
        }
    }

    /// A copy of the whole world to come back to later (see [`World::restore`]).
    pub fn checkpoint(&self) -> World {
        self.clone()
    }

    /// Go back to a checkpoint. Running on from it replays exactly what happened.
    pub fn restore(&mut self, checkpoint: &World) {
        *self = checkpoint.clone();
    }

    /// The one-way network delay (ms); change it with [`Command::SetNetworkDelay`] so
    /// that the run stays replayable.
    pub fn network_delay(&self) -> Millis {
        self.network_delay_ms
    }

    /// A consumer application by name.
    pub fn consumer(&self, name: &str) -> Option<&ConsumerActor> {
        self.consumers.iter().find(|c| c.spec.name == name)
    }

    /// A producer application by name.
    pub fn producer(&self, name: &str) -> Option<&ProducerActor> {
        self.producers.iter().find(|p| p.spec.name == name)
    }

    /// Apply a command now. It is logged (so the run can be replayed) and reported as an
    /// event; a command that makes no sense (unknown consumer...) is reported as rejected.
    pub fn apply(&mut self, command: Command) {
        match self.try_apply(&command) {
            Ok(()) => {
                self.log.push((self.now, command.clone()));
                self.push(WorldEventKind::Command { command });
            }
            Err(reason) => self.push(WorldEventKind::CommandRejected { command, reason }),
        }
        self.drain_broker_events();
        self.settle();
    }

    fn consumer_index(&self, name: &str) -> Result<usize, String> {
        self.consumers
            .iter()
            .position(|c| c.spec.name == name)
            .ok_or_else(|| format!("no consumer named {name}"))
    }

    fn producer_index(&self, name: &str) -> Result<usize, String> {
        self.producers
            .iter()
            .position(|p| p.spec.name == name)
            .ok_or_else(|| format!("no producer named {name}"))
    }

    fn try_apply(&mut self, command: &Command) -> Result<(), String> {
        let now = self.now;
        match command.clone() {
            Command::CreateTopic {
                topic,
                partitions,
                retention_ms,
                segment_bytes,
            } => {
                let mut config = LogConfig::default();
                if let Some(ms) = retention_ms {
                    config.retention_ms = Some(ms);
                }
                if let Some(bytes) = segment_bytes {
                    config.segment_bytes = bytes;
                }
                self.broker
                    .create_topic(&topic, partitions, Some(config), now)
                    .map_err(|e| e.name().to_string())
            }
            Command::AddPartitions { topic, total } => self
                .broker
                .create_partitions(&topic, total, now)
                .map_err(|e| e.name().to_string()),
            Command::AddProducer(spec) => {
                if self.producer_index(&spec.name).is_ok() {
                    return Err(format!("a producer named {} exists", spec.name));
                }
                let seed = self.seed ^ (self.producers.len() as u64 + 1).wrapping_mul(0x9E37);
                self.producers.push(ProducerActor::new(spec, seed, now));
                Ok(())
            }
            Command::SetProduceRate { name, rate_per_sec } => {
                let i = self.producer_index(&name)?;
                self.producers[i].set_rate(rate_per_sec, now);
                Ok(())
            }
            Command::ProduceBurst { name, count } => {
                let i = self.producer_index(&name)?;
                for _ in 0..count {
                    self.producers[i].send_one(now);
                }
                self.producers[i].producer.flush();
                Ok(())
            }
            Command::AddConsumer(spec) => {
                if self.consumer_index(&spec.name).is_ok() {
                    return Err(format!("a consumer named {} exists", spec.name));
                }
                self.consumers.push(ConsumerActor::new(spec, now));
                Ok(())
            }
            Command::CrashConsumer { name } => {
                let i = self.consumer_index(&name)?;
                self.consumers[i].crash();
                Ok(())
            }
            Command::PauseConsumer { name, ms } => {
                let i = self.consumer_index(&name)?;
                if !self.consumers[i].is_live() || !(1..=600_000).contains(&ms) {
                    return Err(format!(
                        "{name} is not running, or {ms} ms is not 1..=600000"
                    ));
                }
                self.consumers[i].paused_until = Some(now + ms);
                Ok(())
            }
            Command::StopConsumer { name } => {
                let i = self.consumer_index(&name)?;
                self.consumers[i].stop();
                Ok(())
            }
            Command::RestartConsumer { name } => {
                let i = self.consumer_index(&name)?;
                if self.consumers[i].is_live() {
                    return Err(format!("{name} is running"));
                }
                self.consumers[i].restart(now);
                if let Some(meter) = self.pauses.as_mut() {
                    meter.forget_member(&name);
                }
                Ok(())
            }
            Command::Seek {
                name,
                topic,
                partition,
                offset,
            } => {
                let i = self.consumer_index(&name)?;
                let tp = TopicPartition::new(topic, partition);
                let actor = &mut self.consumers[i];
                actor.batch.retain(|r| r.tp != tp);
                actor
                    .consumer
                    .seek(&tp, offset)
                    .map_err(|e| format!("{name} does not own {tp}: {}", e.name()))
            }
            Command::SetProcessingTime {
                name,
                processing_ms,
            } => {
                let i = self.consumer_index(&name)?;
                self.consumers[i].spec.processing_ms = processing_ms.max(0);
                Ok(())
            }
            Command::UpdateConsumer { name, mut spec } => {
                let i = self.consumer_index(&name)?;
                spec.name = name;
                spec.processing_ms = spec.processing_ms.max(0);
                self.consumers[i].spec = spec;
                Ok(())
            }
            Command::SetNetworkDelay { ms } => {
                if !(0..=60_000).contains(&ms) {
                    return Err(format!("network delay {ms} ms is not within 0..=60000"));
                }
                self.network_delay_ms = ms;
                Ok(())
            }
            Command::SetCommitMode {
                name,
                mode,
                semantics,
            } => {
                let i = self.consumer_index(&name)?;
                self.consumers[i].spec.commit_mode = mode;
                self.consumers[i].spec.semantics = semantics;
                Ok(())
            }
        }
    }

    /// Advance simulated time by `ms` and return what happened.
    pub fn step(&mut self, ms: Millis) -> Vec<WorldEvent> {
        let target = self.now + ms.max(0);
        self.run_until(target);
        std::mem::take(&mut self.events)
    }

    /// Take the events gathered so far.
    pub fn take_events(&mut self) -> Vec<WorldEvent> {
        std::mem::take(&mut self.events)
    }

    /// Advance to `target`, keeping the events for [`World::take_events`].
    pub fn run_until(&mut self, target: Millis) {
        let mut settled_at = None;
        while let Some(mut next) = self.next_due() {
            // Everything due at a moment is handled when it is settled; a timer that still
            // claims to be due then is retried a millisecond later rather than spun on.
            if settled_at == Some(self.now) && next <= self.now {
                next = self.now + 1;
            }
            if next > target {
                break;
            }
            self.charge_pauses(next);
            self.now = next;
            self.settle();
            settled_at = Some(self.now);
        }
        self.charge_pauses(target);
        self.now = self.now.max(target);
    }

    /// The next moment something is due.
    fn next_due(&self) -> Option<Millis> {
        fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        let mut next = self.network.keys().next().map(|(at, _)| *at);
        next = earliest(next, self.broker.poll_timeout());
        for p in &self.producers {
            next = earliest(next, p.producer.poll_timeout());
            next = earliest(next, p.next_send());
        }
        for c in self.consumers.iter().filter(|c| c.is_live()) {
            if let Some(until) = c.paused_until.filter(|u| *u > self.now) {
                next = earliest(next, Some(until));
                continue;
            }
            if let Some(p) = &c.pipeline {
                next = earliest(next, p.producer.poll_timeout());
            }
            next = earliest(next, c.consumer.poll_timeout());
            let waiting = c.pipeline.as_ref().is_some_and(|p| p.waiting);
            if c.waiting_commit.is_none() && !waiting {
                next = earliest(next, Some(c.next_wake));
            }
        }
        // Something already due is handled now, not in the past.
        next.map(|t| t.max(self.now))
    }

    /// Handle everything due at `now`, until nothing more is.
    fn settle(&mut self) {
        let now = self.now;
        for _round in 0..10_000 {
            let mut moved = false;
            if self.broker.poll_timeout().is_some_and(|t| t <= now) {
                self.broker.handle_timeout(now);
                moved = true;
            }
            self.drain_broker_events();
            for i in 0..self.producers.len() {
                if self.producers[i].next_send().is_some_and(|t| t <= now) {
                    self.producers[i].tick(now);
                    moved = true;
                }
                if self.producers[i]
                    .producer
                    .poll_timeout()
                    .is_some_and(|t| t <= now)
                {
                    self.producers[i].producer.handle_timeout(now);
                }
                moved |= self.transmit(ClientRef::Producer(i));
            }
            for i in 0..self.consumers.len() {
                if !self.consumers[i].is_live() || self.consumers[i].is_paused(now) {
                    continue;
                }
                if self.consumers[i]
                    .consumer
                    .poll_timeout()
                    .is_some_and(|t| t <= now)
                {
                    self.consumers[i].consumer.handle_timeout(now);
                }
                if let Some(p) = self.consumers[i].pipeline.as_mut() {
                    if p.producer.poll_timeout().is_some_and(|t| t <= now) {
                        p.producer.handle_timeout(now);
                    }
                }
                moved |= self.wake_app(i);
                moved |= self.transmit(ClientRef::Consumer(i));
                moved |= self.transmit(ClientRef::Output(i));
            }
            moved |= self.deliver_due();
            while let Some(output) = self.broker.poll_output() {
                moved = true;
                let (id, response) = output_response(output);
                if let Some((client, incarnation, correlation)) = self.parked.remove(&id) {
                    self.send_to_client(client, incarnation, correlation, response);
                }
            }
            self.drain_client_events();
            if !moved {
                return;
            }
        }
    }

    /// Let a consumer application do everything it can at this instant (with zero
    /// processing time that can be a whole batch).
    fn wake_app(&mut self, i: usize) -> bool {
        let now = self.now;
        let mut moved = false;
        for _ in 0..1_000_000 {
            let actor = &mut self.consumers[i];
            if !actor.is_live()
                || actor.waiting_commit.is_some()
                || actor.next_wake > now
                || actor.pipeline.as_ref().is_some_and(|p| p.waiting)
            {
                break;
            }
            match actor.wake(now) {
                AppStep::Processed(tp, offset, source) => {
                    let times = self.tracker.processed(&actor.spec.group, &tp, offset);
                    if let Some(source) = source {
                        let group = actor.spec.group.clone();
                        let aborted = self.is_aborted(&tp, offset);
                        self.tracker.output_read(&group, &source, aborted);
                    }
                    let actor = &self.consumers[i];
                    let group = actor.spec.group.clone();
                    let name = actor.spec.name.clone();
                    self.push(WorldEventKind::Processed {
                        name,
                        group,
                        tp,
                        offset,
                        times,
                    });
                    moved = true;
                }
                AppStep::Polled(n) => {
                    if n == 0 && self.consumers[i].status != ActorStatus::Stopped {
                        break;
                    }
                    moved = true;
                }
                AppStep::Idle => {
                    if self.consumers[i].next_wake > now {
                        break;
                    }
                    moved = true;
                }
            }
        }
        moved
    }

    /// Move a client's outgoing requests onto the network.
    fn transmit(&mut self, client: ClientRef) -> bool {
        let now = self.now;
        let mut moved = false;
        loop {
            let (incarnation, next) = match client {
                ClientRef::Producer(i) => (0, self.producers[i].producer.poll_transmit(now)),
                ClientRef::Consumer(i) => {
                    let c = &mut self.consumers[i];
                    if !c.is_live() && c.status != ActorStatus::Stopped {
                        return moved;
                    }
                    (c.incarnation, c.consumer.poll_transmit(now))
                }
                ClientRef::Output(i) => {
                    let c = &mut self.consumers[i];
                    let live = c.is_live();
                    let Some(p) = c.pipeline.as_mut().filter(|_| live) else {
                        return moved;
                    };
                    (c.incarnation, p.producer.poll_transmit(now))
                }
            };
            let Some((correlation, request)) = next else {
                return moved;
            };
            moved = true;
            let delivery = Delivery::ToBroker {
                client,
                incarnation,
                correlation,
                request,
            };
            self.enqueue(now + self.network_delay_ms, delivery);
        }
    }

    fn enqueue(&mut self, at: Millis, delivery: Delivery) {
        self.next_seq += 1;
        self.network.insert((at, self.next_seq), delivery);
    }

    fn send_to_client(
        &mut self,
        client: ClientRef,
        incarnation: u32,
        correlation: u64,
        response: Response,
    ) {
        let at = self.now + self.network_delay_ms;
        self.enqueue(
            at,
            Delivery::ToClient {
                client,
                incarnation,
                correlation,
                response,
            },
        );
    }

    fn client_name(&self, client: ClientRef) -> String {
        match client {
            ClientRef::Producer(i) => self.producers[i].spec.name.clone(),
            ClientRef::Consumer(i) => self.consumers[i].spec.name.clone(),
            ClientRef::Output(i) => format!("{}-producer", self.consumers[i].spec.name),
        }
    }

    /// Deliver every message due now.
    fn deliver_due(&mut self) -> bool {
        let now = self.now;
        let mut moved = false;
        while let Some(entry) = self.network.first_entry() {
            if entry.key().0 > now {
                break;
            }
            moved = true;
            match entry.remove() {
                Delivery::ToBroker {
                    client,
                    incarnation,
                    correlation,
                    request,
                } => {
                    self.next_seq += 1;
                    let id = self.next_seq;
                    let name = self.client_name(client);
                    match dispatch(&mut self.broker, id, &name, request, now) {
                        Some(response) => {
                            self.send_to_client(client, incarnation, correlation, response)
                        }
                        None => {
                            self.parked.insert(id, (client, incarnation, correlation));
                        }
                    }
                    self.drain_broker_events();
                }
                Delivery::ToClient {
                    client,
                    incarnation,
                    correlation,
                    response,
                } => match client {
                    ClientRef::Consumer(i) | ClientRef::Output(i)
                        if self.consumers[i].is_paused(now) =>
                    {
                        // A frozen process reads its socket when it wakes up.
                        let until = self.consumers[i].paused_until.unwrap_or(now);
                        self.enqueue(
                            until,
                            Delivery::ToClient {
                                client,
                                incarnation,
                                correlation,
                                response,
                            },
                        );
                    }
                    ClientRef::Output(i) => {
                        let c = &mut self.consumers[i];
                        if c.incarnation == incarnation && c.status != ActorStatus::Crashed {
                            if let Some(p) = c.pipeline.as_mut() {
                                p.producer.handle_response(correlation, response, now);
                            }
                        }
                    }
                    ClientRef::Producer(i) => {
                        self.producers[i]
                            .producer
                            .handle_response(correlation, response, now)
                    }
                    ClientRef::Consumer(i) => {
                        let c = &mut self.consumers[i];
                        // A crashed process, or an older incarnation, hears nothing.
                        if c.incarnation == incarnation && c.status != ActorStatus::Crashed {
                            c.consumer.handle_response(correlation, response, now);
                        }
                    }
                },
            }
        }
        moved
    }

    fn push(&mut self, kind: WorldEventKind) {
        self.events.push(WorldEvent { at: self.now, kind });
    }

    fn drain_broker_events(&mut self) {
        while let Some(event) = self.broker.poll_event() {
            if let Some(meter) = self.pauses.as_mut() {
                meter.observe(&event, self.now);
            }
            self.push(WorldEventKind::Broker { event });
        }
    }

    fn drain_client_events(&mut self) {
        for i in 0..self.producers.len() {
            while let Some(event) = self.producers[i].producer.poll_event() {
                let name = self.producers[i].spec.name.clone();
                self.push(WorldEventKind::Producer { name, event });
            }
        }
        for i in 0..self.consumers.len() {
            if self.consumers[i].status == ActorStatus::Crashed {
                continue;
            }
            if let Some(p) = self.consumers[i].pipeline.as_mut() {
                while p.producer.poll_event().is_some() {}
            }
            self.consumers[i].transaction_events(self.now);
            while let Some(event) = self.consumers[i].consumer.poll_event() {
                if let ConsumerEvent::CommitCompleted { id, error, .. } = &event {
                    self.consumers[i].commit_done(*id, error.is_some());
                }
                let name = self.consumers[i].spec.name.clone();
                if let Some(meter) = self.pauses.as_mut() {
                    let c = &self.consumers[i];
                    // Only a running application is stopped by a rebalance: one shutting
                    // down gives its partitions up because it leaves.
                    let running = c.status == ActorStatus::Running;
                    meter.observe_consumer(&name, &c.spec.group, &event, running, self.now);
                }
                self.push(WorldEventKind::Consumer { name, event });
            }
        }
    }

    /// Whether the record at `offset` of `tp` belongs to an aborted transaction (so no
    /// `read_committed` consumer may return it).
    pub fn is_aborted(&self, tp: &TopicPartition, offset: Offset) -> bool {
        let Some(log) = self
            .broker
            .topic(&tp.topic)
            .and_then(|t| t.partition(tp.partition).ok())
        else {
            return false;
        };
        let Ok(read) = log.read(offset, 1, 1) else {
            return false;
        };
        let Some(batch) = read.batches.iter().find(|b| b.info.contains(offset)) else {
            return false;
        };
        let producer = batch.info.producer;
        producer.transactional
            && log.transactions().aborted_transactions().iter().any(|a| {
                a.producer_id == producer.producer_id
                    && a.first_offset <= offset
                    && offset < a.last_offset
            })
    }

    /// The inputs whose output should be in `output`: every input record below the
    /// committed offset of each application writing there, as `topic-partition@offset`.
    pub fn committed_inputs(&self, output: &str) -> Vec<String> {
        let mut sources = Vec::new();
        let writers = self
            .consumers
            .iter()
            .filter(|c| c.spec.output.as_ref().is_some_and(|o| o.topic == output));
        for c in writers {
            for (topic, partition, o) in self.broker.offsets().fetch_group(&c.spec.group) {
                if !c.spec.topics.iter().any(|t| t == topic) {
                    continue;
                }
                let tp = TopicPartition::new(topic, partition);
                sources.extend((0..o.offset).map(|offset| format!("{tp}@{offset}")));
            }
        }
        crate::sort::sort(&mut sources);
        sources.dedup();
        sources
    }

    /// Records processed more than once, over all groups.
    pub fn duplicates(&self) -> usize {
        self.tracker.duplicates()
    }

    /// Records a group moved past without processing (see [`RecordTracker`]): below its
    /// committed offset or the log start, and not held by a live member that will still
    /// process them (a record being processed, polled, or fetched into memory is not lost
    /// yet, even if its commit went ahead of it or retention deleted it from the log).
    /// Offsets no consumer is ever handed (transaction markers) and, for a
    /// `read_committed` group, records of aborted transactions are not lost.
    pub fn lost(&self) -> usize {
        self.tracker
            .iter()
            .map(|(g, tp, track)| self.lost_of(g, tp, track))
            .sum()
    }

    /// [`World::lost`] for one group.
    pub fn lost_in(&self, group: &str) -> usize {
        self.tracker
            .iter()
            .filter(|(g, _, _)| *g == group)
            .map(|(g, tp, track)| self.lost_of(g, tp, track))
            .sum()
    }

    fn lost_of(&self, group: &str, tp: &TopicPartition, track: &PartitionTrack) -> usize {
        let lost = track.lost(self.moved_past(group, tp));
        if lost.is_empty() {
            return 0;
        }
        let Some(log) = self
            .broker
            .topic(&tp.topic)
            .and_then(|t| t.partition(tp.partition).ok())
        else {
            return lost.len();
        };
        if log.transactions().aborted_transactions().is_empty()
            && log.transactions().open_transactions().next().is_none()
            && !self.has_markers(tp)
        {
            return lost.len();
        }
        let read_committed = self.consumers.iter().any(|c| {
            c.spec.group == group && c.spec.isolation_level == IsolationLevel::ReadCommitted
        });
        lost.into_iter()
            .filter(|o| !(self.is_marker(tp, *o) || read_committed && self.is_aborted(tp, *o)))
            .count()
    }

    fn has_markers(&self, tp: &TopicPartition) -> bool {
        self.broker
            .topic(&tp.topic)
            .and_then(|t| t.partition(tp.partition).ok())
            .and_then(|log| log.read(log.log_start_offset(), u32::MAX, u32::MAX).ok())
            .is_some_and(|read| read.batches.iter().any(|b| b.is_control()))
    }

    /// Whether `offset` of `tp` is a transaction marker.
    pub fn is_marker(&self, tp: &TopicPartition, offset: Offset) -> bool {
        self.broker
            .topic(&tp.topic)
            .and_then(|t| t.partition(tp.partition).ok())
            .and_then(|log| log.read(offset, 1, 1).ok())
            .and_then(|read| read.batches.into_iter().find(|b| b.info.contains(offset)))
            .is_some_and(|b| b.is_control())
    }

    /// [`World::duplicates`] for one group.
    pub fn duplicates_in(&self, group: &str) -> usize {
        self.tracker
            .iter()
            .filter(|(g, _, _)| *g == group)
            .map(|(_, _, track)| track.duplicated_records())
            .sum()
    }

    /// Where `group` has moved past in `tp`: the larger of its committed offset and the log
    /// start, but no further than what a live member of the group still holds.
    fn moved_past(&self, group: &str, tp: &TopicPartition) -> Offset {
        let committed = self
            .broker
            .offsets()
            .fetch(group, &tp.topic, tp.partition)
            .map_or(0, |o| o.offset);
        let log_start = self
            .broker
            .topic(&tp.topic)
            .and_then(|t| t.partition(tp.partition).ok())
            .map_or(0, |l| l.log_start_offset());
        let moved_past = committed.max(log_start);
        self.consumers
            .iter()
            .filter(|c| c.spec.group == group)
            .filter_map(|c| c.held_from(tp, log_start))
            .min()
            .map_or(moved_past, |held| moved_past.min(held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assignor::AssignorKind;
    use crate::error::KafkaError;
    use crate::sim::command::{CommitMode, ConsumerSpec, ProducerSpec, Semantics};

    /// Regression: records an at-most-once consumer committed ahead of processing are lost
    /// only once it can no longer process them (it crashed), not while it still holds them.
    #[test]
    fn records_still_held_by_a_live_member_are_not_lost_yet() {
        let mut w = world_with(
            3,
            ConsumerSpec {
                name: "c".into(),
                topics: vec!["t".into()],
                max_poll_records: 50,
                processing_ms: 10,
                commit_mode: CommitMode::PerBatch,
                semantics: Semantics::AtMostOnce,
                ..ConsumerSpec::default()
            },
        );
        w.apply(Command::ProduceBurst {
            name: "producer".into(),
            count: 100,
        });
        w.run_until(5_250);
        // Mid-batch: the batch's end is committed, the rest of it is still to be processed.
        let committed = w.broker.offsets().fetch("group-1", "t", 0).unwrap().offset;
        assert_eq!(committed, 50);
        assert!(
            w.tracker
                .times_processed("group-1", &TopicPartition::new("t", 0), 30)
                == 0
        );
        assert_eq!(w.lost(), 0);
        w.apply(Command::CrashConsumer { name: "c".into() });
        assert!(w.lost() > 0);
        assert_eq!(w.lost(), w.lost_in("group-1"));
    }

    /// Regression (campaign seed 7341036): a consumer's last commit failed because the
    /// group was rebalancing, and the application never committed again. A (cooperative,
    /// commits after each batch) learns of a rebalance from its heartbeat while it
    /// processes a batch; its next `poll` sends JoinGroup *and* returns the records still
    /// buffered, which it processes at once, so their commit goes out behind the JoinGroup
    /// with the ending generation. The JoinGroup completes the join phase (B is waiting),
    /// the commit arrives in CompletingRebalance and is answered `REBALANCE_IN_PROGRESS`. A
    /// keeps its partition in the new generation, but no record ever comes again, so no
    /// batch commits again: the group's committed offset stayed at 5 with 10 processed,
    /// for good. Kafka's contract for that error is that the application completes the
    /// rebalance with `poll` and reconsiders the commit; the simulated application now
    /// does (`ConsumerActor::recommit`), for `commitSync` and `commitAsync` alike.
    #[test]
    fn regression_a_commit_refused_during_a_rebalance_is_made_again_once_stable() {
        for mode in [CommitMode::PerBatchAsync, CommitMode::PerBatch] {
            let mut w = World::new(9);
            w.apply(Command::CreateTopic {
                topic: "t".into(),
                partitions: 1,
                retention_ms: None,
                segment_bytes: None,
            });
            w.apply(Command::AddProducer(ProducerSpec {
                topic: "t".into(),
                ..ProducerSpec::default()
            }));
            let spec = |name: &str| ConsumerSpec {
                name: name.into(),
                topics: vec!["t".into()],
                session_timeout_ms: 30_000,
                heartbeat_interval_ms: 1_000,
                max_poll_interval_ms: 30_000,
                max_poll_records: 5,
                assignors: vec![AssignorKind::CooperativeSticky],
                processing_ms: 1_000,
                commit_mode: mode,
                ..ConsumerSpec::default()
            };
            w.apply(Command::AddConsumer(spec("A")));
            w.run_until(4_000);
            // Ten records in one batch: A polls 0..4 (5 s of work), 5..9 wait in its buffer.
            w.apply(Command::ProduceBurst {
                name: "producer".into(),
                count: 10,
            });
            w.run_until(5_000);
            // B joins; A hears of the rebalance from a heartbeat, mid-batch.
            w.apply(Command::AddConsumer(spec("B")));
            // A's work becomes instant before its batch ends: 5..9 are processed and their
            // commit sent in the very poll that sends A's JoinGroup.
            w.run_until(8_500);
            w.apply(Command::SetProcessingTime {
                name: "A".into(),
                processing_ms: 0,
            });
            w.run_until(60_000);
            let refused = w.take_events().iter().any(|e| {
                matches!(
                    &e.kind,
                    WorldEventKind::Consumer {
                        name,
                        event: ConsumerEvent::CommitCompleted {
                            offsets,
                            error: Some(KafkaError::RebalanceInProgress),
                            ..
                        },
                    } if name == "A" && offsets.iter().any(|(_, o)| *o == 10)
                )
            });
            assert!(
                refused,
                "{mode:?}: the commit of 10 was not refused, nothing is tested"
            );
            // A kept the partition and processed everything; B never had anything to do.
            let a = w.consumer("A").unwrap();
            assert_eq!(a.consumer.assignment(), vec![TopicPartition::new("t", 0)]);
            assert_eq!((a.processed, w.consumer("B").unwrap().processed), (10, 0));
            let committed = w
                .broker
                .offsets()
                .fetch("group-1", "t", 0)
                .map(|o| o.offset);
            assert_eq!(
                committed,
                Some(10),
                "{mode:?}: run string {}",
                w.script().encode()
            );
        }
    }

    /// A topic `t`, a producer and one consumer, run for 5 s.
    fn world_with(seed: u64, consumer: ConsumerSpec) -> World {
        let mut w = World::new(seed);
        w.apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            retention_ms: None,
            segment_bytes: None,
        });
        w.apply(Command::AddProducer(ProducerSpec {
            topic: "t".into(),
            ..ProducerSpec::default()
        }));
        w.apply(Command::AddConsumer(consumer));
        w.run_until(5_000);
        w
    }

    fn small_world(seed: u64) -> World {
        world_with(
            seed,
            ConsumerSpec {
                name: "c".into(),
                topics: vec!["t".into()],
                ..ConsumerSpec::default()
            },
        )
    }

    fn first_processed_at(events: &[WorldEvent]) -> Option<Millis> {
        events.iter().find_map(|e| match e.kind {
            WorldEventKind::Processed { .. } => Some(e.at),
            _ => None,
        })
    }

    #[test]
    fn network_delay_slows_every_round_trip_and_replays() {
        let mut fast = small_world(1);
        fast.take_events();
        fast.apply(Command::ProduceBurst {
            name: "producer".into(),
            count: 1,
        });
        fast.run_until(10_000);
        let fast_at = first_processed_at(&fast.take_events()).unwrap();

        let mut slow = small_world(1);
        slow.apply(Command::SetNetworkDelay { ms: 200 });
        slow.take_events();
        slow.apply(Command::ProduceBurst {
            name: "producer".into(),
            count: 1,
        });
        slow.run_until(10_000);
        let slow_at = first_processed_at(&slow.take_events()).unwrap();
        // Produce and fetch each cross the network twice.
        assert!(slow_at >= fast_at + 400, "{fast_at} vs {slow_at}");
        assert_eq!(slow.network_delay(), 200);

        let replayed = World::replay(&slow.script(), Some(10_000));
        assert_eq!(replayed.duplicates(), slow.duplicates());
        assert_eq!(
            replayed.consumer("c").unwrap().processed,
            slow.consumer("c").unwrap().processed
        );
        let mut bad = small_world(1);
        bad.take_events();
        bad.apply(Command::SetNetworkDelay { ms: -5 });
        assert!(matches!(
            bad.take_events()[0].kind,
            WorldEventKind::CommandRejected { .. }
        ));
    }

    #[test]
    fn update_consumer_changes_the_application_at_once() {
        let mut w = small_world(2);
        let mut spec = w.consumer("c").unwrap().spec.clone();
        spec.processing_ms = 1_000;
        w.apply(Command::UpdateConsumer {
            name: "c".into(),
            spec,
        });
        w.apply(Command::ProduceBurst {
            name: "producer".into(),
            count: 3,
        });
        w.take_events();
        w.run_until(7_500);
        let processed = w
            .take_events()
            .iter()
            .filter(|e| matches!(e.kind, WorldEventKind::Processed { .. }))
            .count();
        assert!(processed <= 2, "1 s per record: {processed} in 2.5 s");
        assert_eq!(w.consumer("c").unwrap().spec.processing_ms, 1_000);
    }

    #[test]
    fn async_commits_per_batch_do_not_block_and_still_commit_everything() {
        let mut w = small_world(4);
        let mut spec = w.consumer("c").unwrap().spec.clone();
        spec.commit_mode = CommitMode::PerBatchAsync;
        spec.max_poll_records = 10;
        spec.processing_ms = 1;
        w.apply(Command::UpdateConsumer {
            name: "c".into(),
            spec,
        });
        w.apply(Command::ProduceBurst {
            name: "producer".into(),
            count: 45,
        });
        w.run_until(10_000);
        assert_eq!(
            w.broker.offsets().fetch("group-1", "t", 0).unwrap().offset,
            45
        );
        assert_eq!(w.duplicates(), 0);
        assert_eq!(w.lost(), 0);
        assert!(w.consumer("c").unwrap().waiting_commit.is_none());
    }
}
