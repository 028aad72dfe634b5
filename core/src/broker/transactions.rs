//! Transactions at the broker: the five APIs, the markers, and OffsetFetch's
//! `require_stable`.
//!
//! The transaction coordinator decides; the broker carries the decision out, as Kafka's
//! partition leaders do when the coordinator sends them WriteTxnMarkers. After every call
//! that may end a transaction, [`Broker::write_pending_markers`] takes the coordinator's
//! [`MarkerRequest`]s and, for each: appends a control batch (COMMIT or ABORT) to every
//! partition of the transaction, commits the staged offsets (COMMIT) or drops them
//! (ABORT), and tells the coordinator, which writes `CompleteCommit` or `CompleteAbort`.
//! In one process this all happens inside the call; the states in between exist in the
//! coordinator's log, which is what a restart in the middle would find.

use crate::broker::Broker;
use crate::error::KafkaError;
use crate::event::{Event, TxnAppend};
use crate::log::StorageProvider;
use crate::offsets::OffsetAndMetadata;
use crate::record::{ControlType, Millis, RecordBatch};
use crate::txn::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest,
    MarkerRequest, TxnOffsetCommitRequest,
};

impl<P: StorageProvider> Broker<P> {
    /// InitProducerId for a producer with a `transactional.id`: its producer id and epoch.
    /// `CONCURRENT_TRANSACTIONS` means the previous instance's open transaction was just
    /// aborted: retry (the retry succeeds, with the epoch bumped again).
    pub fn init_transactional_producer_id(
        &mut self,
        req: InitProducerIdRequest,
        now: Millis,
    ) -> Result<(i64, i16), KafkaError> {
        let producers = &mut self.producers;
        let answer = self
            .transactions
            .init_producer_id(req, now, &mut || producers.allocate_id());
        self.write_pending_markers(now);
        answer
    }

    /// AddPartitionsToTxn: one answer per partition, in request order. If one partition
    /// does not exist, none is added: it gets `UNKNOWN_TOPIC_OR_PARTITION` and the others
    /// `OPERATION_NOT_ATTEMPTED`, as in Kafka.
    pub fn add_partitions_to_txn(
        &mut self,
        req: AddPartitionsToTxnRequest,
        now: Millis,
    ) -> Vec<(String, i32, Result<(), KafkaError>)> {
        let exists = |(t, p): &(String, i32)| self.partition_exists(t, *p);
        if !req.partitions.iter().all(exists) {
            return req
                .partitions
                .iter()
                .map(|tp| {
                    let error = if exists(tp) {
                        KafkaError::OperationNotAttempted
                    } else {
                        KafkaError::UnknownTopicOrPartition
                    };
                    (tp.0.clone(), tp.1, Err(error))
                })
                .collect();
        }
        let partitions = req.partitions.clone();
        let result = self.transactions.add_partitions_to_txn(req, now);
        partitions
            .into_iter()
            .map(|(t, p)| (t, p, result))
            .collect()
    }

    /// AddOffsetsToTxn: add a consumer group's offsets to the open transaction.
    pub fn add_offsets_to_txn(
        &mut self,
        req: AddOffsetsToTxnRequest,
        now: Millis,
    ) -> Result<(), KafkaError> {
        self.transactions.add_offsets_to_txn(req, now)
    }

    /// TxnOffsetCommit: stage offsets in the transaction; one answer per partition.
    pub fn txn_offset_commit(
        &mut self,
        req: TxnOffsetCommitRequest,
        now: Millis,
    ) -> Vec<(String, i32, Result<(), KafkaError>)> {
        let topics = &self.topics;
        let exists = |t: &str, p: i32| {
            topics
                .get(t)
                .is_some_and(|topic| topic.partition(p).is_ok())
        };
        let results = self
            .transactions
            .txn_offset_commit(req, &mut self.coordinator, &exists, now);
        self.absorb_coordinator_events();
        results
    }

    /// EndTxn: commit or abort. The markers are written before this returns.
    pub fn end_txn(&mut self, req: EndTxnRequest, now: Millis) -> Result<(), KafkaError> {
        let answer = self.transactions.end_txn(req, now);
        self.write_pending_markers(now);
        answer
    }

    /// OffsetFetch with `require_stable` (KIP-447): like [`Broker::fetch_offsets`], but a
    /// partition for which an unfinished transaction staged an offset answers
    /// `UNSTABLE_OFFSET_COMMIT`. A consumer taking over a partition asks this way so that it
    /// does not resume from the offset a transaction is about to replace; it retries until
    /// the transaction ends.
    pub fn fetch_offsets_stable(
        &self,
        group_id: &str,
        partitions: Option<&[(String, i32)]>,
        require_stable: bool,
    ) -> Vec<(String, i32, Result<Option<OffsetAndMetadata>, KafkaError>)> {
        self.fetch_offsets(group_id, partitions)
            .into_iter()
            .map(|(topic, partition, committed)| {
                let unstable = require_stable
                    && self
                        .transactions
                        .has_pending_offset(group_id, &topic, partition);
                let answer = if unstable {
                    Err(KafkaError::UnstableOffsetCommit)
                } else {
                    Ok(committed)
                };
                (topic, partition, answer)
            })
            .collect()
    }

    /// Carry out every decision the transaction coordinator has queued: markers, offsets,
    /// completion. Called after each call that can end a transaction, and at startup.
    pub(crate) fn write_pending_markers(&mut self, now: Millis) {
        while let Some(request) = self.transactions.poll_markers() {
            self.write_markers(&request, now);
            self.transactions
                .markers_written(&request.transactional_id, now);
        }
        // The visualiser will draw these; nothing reads them yet.
        while self.transactions.poll_transition().is_some() {}
    }

    fn write_markers(&mut self, request: &MarkerRequest, now: Millis) {
        let outcomes = self
            .txn_outcomes
            .entry(request.transactional_id.clone())
            .or_default();
        if request.result == ControlType::Commit {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
        }
        for (topic, partition) in &request.partitions {
            let marker = RecordBatch::control_marker(
                request.result,
                request.producer_id,
                request.producer_epoch,
                request.coordinator_epoch,
                now,
            );
            // A partition deleted since it was added gets no marker (Kafka skips it too).
            let Some(log) = self
                .topics
                .get_mut(topic)
                .and_then(|t| t.partition_mut(*partition).ok())
            else {
                continue;
            };
            let Ok(base_offset) = log.append(marker, now) else {
                continue;
            };
            let log_end_offset = log.log_end_offset();
            let last_stable_offset = Some(log.last_stable_offset()).filter(|o| *o < log_end_offset);
            self.producers.marker_written(
                topic,
                *partition,
                request.producer_id,
                request.producer_epoch,
            );
            self.events.push_back(Event::RecordsAppended {
                at: now,
                topic: topic.clone(),
                partition: *partition,
                base_offset,
                count: 1,
                log_end_offset,
                client_id: None,
                txn: Some(TxnAppend {
                    producer_id: request.producer_id,
                    marker: Some(request.result),
                }),
                last_stable_offset,
            });
        }
        if request.result != ControlType::Commit || request.offsets.is_empty() {
            return; // aborted: the staged offsets are simply forgotten
        }
        let results = self.offsets.commit_many(request.offsets.clone(), now);
        for ((key, value), result) in request.offsets.iter().zip(results) {
            if result.is_ok() {
                self.events.push_back(Event::OffsetCommitted {
                    at: now,
                    group: key.group.clone(),
                    topic: key.topic.clone(),
                    partition: key.partition,
                    offset: value.offset,
                    member_id: request.transactional_id.clone(),
                    generation: -1,
                });
            }
        }
    }

    fn partition_exists(&self, topic: &str, partition: i32) -> bool {
        self.topics
            .get(topic)
            .is_some_and(|t| t.partition(partition).is_ok())
    }
}
