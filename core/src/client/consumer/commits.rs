//! Committing offsets, and reading them back.
//!
//! A commit stores "the next offset to read" for (group, topic, partition) at the broker.
//! It is the only progress that survives the consumer: after a crash or a rebalance, the
//! new owner starts from the committed offset, so everything consumed after the last
//! commit is read again. How often to commit is a trade between speed and duplicates:
//! after every record (`commit_sync` per record), after every `poll` batch, or every
//! `auto.commit.interval.ms` from inside `poll` (the default).

use crate::broker::{OffsetCommit, OffsetCommitRequest};
use crate::client::consumer::{CommitId, Consumer, ConsumerEvent, InFlight, MemberState};
use crate::client::protocol::{Request, TopicPartition};
use crate::error::KafkaError;
use crate::offsets::OffsetAndMetadata;
use crate::record::{Millis, Offset};

impl Consumer {
    /// `commitSync()`: commit `offsets` (`None`: every owned partition's position). The
    /// answer arrives as [`ConsumerEvent::CommitCompleted`] with this id; a synchronous
    /// caller waits for it before going on (the simulation's consumers do).
    pub fn commit_sync(
        &mut self,
        offsets: Option<Vec<(TopicPartition, Offset)>>,
        now: Millis,
    ) -> Result<CommitId, KafkaError> {
        self.commit(offsets, now)
    }

    /// `commitAsync()`: the same request; the caller does not wait. A failed async commit
    /// is not retried (a later commit may already have gone through).
    pub fn commit_async(
        &mut self,
        offsets: Option<Vec<(TopicPartition, Offset)>>,
        now: Millis,
    ) -> Result<CommitId, KafkaError> {
        self.commit(offsets, now)
    }

    fn commit(
        &mut self,
        offsets: Option<Vec<(TopicPartition, Offset)>>,
        now: Millis,
    ) -> Result<CommitId, KafkaError> {
        if self.group_id().is_none() {
            return Err(KafkaError::InvalidGroupId);
        }
        if self.state == MemberState::Closed {
            return Err(KafkaError::UnknownMemberId);
        }
        let offsets = offsets.unwrap_or_else(|| self.consumed_offsets());
        Ok(self.send_commit(offsets, now))
    }

    /// Positions of owned partitions: what auto-commit commits.
    pub(crate) fn consumed_offsets(&self) -> Vec<(TopicPartition, Offset)> {
        self.partitions
            .iter()
            .filter_map(|(tp, p)| p.position.map(|o| (tp.clone(), o)))
            .collect()
    }

    /// Send an OffsetCommit. Inside a group it carries the generation and member id, so
    /// the coordinator can refuse it from a member that missed a rebalance.
    pub(crate) fn send_commit(
        &mut self,
        offsets: Vec<(TopicPartition, Offset)>,
        _now: Millis,
    ) -> CommitId {
        self.next_commit += 1;
        let id = self.next_commit;
        if !self.manual && self.generation < 0 {
            // A subscribed consumer that is not in the group right now (it left after
            // max.poll.interval.ms, or was fenced) must not commit: sent as a standalone
            // commit it would be accepted and could rewind the progress of the member
            // that owns the partition now. Java throws CommitFailedException here.
            self.events.push_back(ConsumerEvent::CommitCompleted {
                id,
                offsets,
                error: Some(KafkaError::UnknownMemberId),
            });
            return id;
        }
        let (generation_id, member_id) = if self.manual {
            (-1, String::new())
        } else {
            (self.generation, self.member_id.clone())
        };
        let request = OffsetCommitRequest {
            group_id: self.group_id().unwrap_or_default().to_string(),
            generation_id,
            member_id,
            group_instance_id: self.config.group_instance_id.clone(),
            offsets: offsets
                .iter()
                .map(|(tp, offset)| OffsetCommit {
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    offset: *offset,
                    leader_epoch: None,
                    metadata: String::new(),
                })
                .collect(),
        };
        self.send(
            Request::OffsetCommit(request),
            InFlight::Commit(id, offsets),
        );
        id
    }

    /// Auto-commit runs inside `poll`, never in the background: so it only ever commits
    /// positions of records `poll` already returned, but it may commit them before the
    /// application finished processing them.
    pub(crate) fn maybe_auto_commit(&mut self, now: Millis) {
        if !self.config.enable_auto_commit
            || self.group_id().is_none()
            || now < self.next_auto_commit
        {
            return;
        }
        self.next_auto_commit = now + self.config.auto_commit_interval_ms;
        let offsets = self.consumed_offsets();
        let changed: Vec<_> = offsets
            .into_iter()
            .filter(|(tp, o)| self.partitions.get(tp).and_then(|p| p.committed) != Some(*o))
            .collect();
        if !changed.is_empty() && (self.manual || self.state == MemberState::Stable) {
            self.send_commit(changed, now);
        }
    }

    pub(crate) fn on_commit(
        &mut self,
        id: CommitId,
        offsets: Vec<(TopicPartition, Offset)>,
        results: Vec<(TopicPartition, Result<(), KafkaError>)>,
        _now: Millis,
    ) {
        let mut error = None;
        for (tp, result) in results {
            match result {
                Ok(()) => {
                    if let Some(offset) = offsets.iter().find(|(t, _)| *t == tp).map(|(_, o)| *o) {
                        if let Some(p) = self.partitions.get_mut(&tp) {
                            p.committed = Some(offset);
                        }
                    }
                }
                Err(e) => error = Some(e),
            }
        }
        if matches!(
            error,
            Some(KafkaError::IllegalGeneration)
                | Some(KafkaError::UnknownMemberId)
                | Some(KafkaError::RebalanceInProgress)
        ) {
            // Java's CommitFailedException: the group moved on without us.
            self.rejoin_needed = true;
        }
        self.events
            .push_back(ConsumerEvent::CommitCompleted { id, offsets, error });
        self.on_revocation_commit(id);
        if self.join_after_commit == Some(id) {
            self.join_after_commit = None;
            self.send_join();
        }
    }

    pub(crate) fn on_offset_fetch(
        &mut self,
        results: Vec<(
            TopicPartition,
            Result<Option<OffsetAndMetadata>, KafkaError>,
        )>,
        now: Millis,
    ) {
        for (tp, committed) in results {
            let Some(p) = self.partitions.get_mut(&tp) else {
                continue;
            };
            p.lookup_in_flight = false;
            let committed = match committed {
                Ok(committed) => committed,
                // UNSTABLE_OFFSET_COMMIT: a transaction is about to replace this offset
                // (KIP-447). Starting from the old one would read again what that
                // transaction's output already covers: wait and ask again.
                Err(_) => {
                    p.lookup_retry_at = Some(now + self.config.retry_backoff_ms);
                    continue;
                }
            };
            match committed {
                Some(c) => {
                    p.committed = Some(c.offset);
                    if p.position.is_none() && p.pending_reset.is_none() {
                        p.position = Some(c.offset);
                    }
                }
                // No commit: `auto.offset.reset` decides where to start.
                None => {
                    if p.position.is_none() && p.pending_reset.is_none() {
                        p.pending_reset = Some((self.config.auto_offset_reset, false));
                    }
                }
            }
        }
    }
}
