//! Unit tests of the transaction coordinator: each API's rules and errors, fencing, time,
//! and the rebuild from its log. Time is passed in; nothing here waits.

use super::*;
use crate::error::KafkaError;
use crate::group::{CoordinatorConfig, GroupCoordinator, JoinGroupRequest, JoinProtocol};
use crate::offsets::{OffsetAndMetadata, OffsetKey};
use crate::record::{ControlType, Millis};

const TIMEOUT: i32 = 60_000;

/// A coordinator, a group coordinator, a clock and a producer id source.
struct Bench {
    c: TransactionCoordinator,
    groups: GroupCoordinator,
    now: Millis,
    next_id: i64,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            c: TransactionCoordinator::new(TxnConfig::default()),
            groups: GroupCoordinator::new(CoordinatorConfig::default()),
            now: 1_000,
            next_id: 100,
        }
    }

    fn init_with(&mut self, id: &str, existing: (i64, i16)) -> Result<(i64, i16), KafkaError> {
        let next_id = &mut self.next_id;
        let req = InitProducerIdRequest {
            transactional_id: id.into(),
            transaction_timeout_ms: TIMEOUT,
            producer_id: existing.0,
            producer_epoch: existing.1,
        };
        self.c.init_producer_id(req, self.now, &mut || {
            *next_id += 1;
            *next_id - 1
        })
    }

    fn init(&mut self, id: &str) -> Result<(i64, i16), KafkaError> {
        self.init_with(id, (-1, -1))
    }

    fn add(&mut self, id: &str, (pid, epoch): (i64, i16), topic: &str) -> Result<(), KafkaError> {
        let req = AddPartitionsToTxnRequest {
            transactional_id: id.into(),
            producer_id: pid,
            producer_epoch: epoch,
            partitions: vec![(topic.into(), 0)],
        };
        self.c.add_partitions_to_txn(req, self.now)
    }

    fn add_offsets(&mut self, id: &str, (pid, epoch): (i64, i16)) -> Result<(), KafkaError> {
        let req = AddOffsetsToTxnRequest {
            transactional_id: id.into(),
            producer_id: pid,
            producer_epoch: epoch,
            group_id: "g".into(),
        };
        self.c.add_offsets_to_txn(req, self.now)
    }

    fn commit_offset(
        &mut self,
        id: &str,
        (pid, epoch): (i64, i16),
        offset: i64,
    ) -> Result<(), KafkaError> {
        self.commit_offset_as(id, (pid, epoch), offset, -1, "")
    }

    fn commit_offset_as(
        &mut self,
        id: &str,
        (pid, epoch): (i64, i16),
        offset: i64,
        generation_id: i32,
        member_id: &str,
    ) -> Result<(), KafkaError> {
        let req = TxnOffsetCommitRequest {
            transactional_id: id.into(),
            group_id: "g".into(),
            producer_id: pid,
            producer_epoch: epoch,
            generation_id,
            member_id: member_id.into(),
            group_instance_id: None,
            offsets: vec![TxnOffsetCommit {
                topic: "in".into(),
                partition: 0,
                offset,
                leader_epoch: None,
                metadata: String::new(),
            }],
        };
        let exists = |t: &str, p: i32| t == "in" && p == 0;
        let mut results = self
            .c
            .txn_offset_commit(req, &mut self.groups, &exists, self.now);
        results.pop().unwrap().2
    }

    fn end(&mut self, id: &str, (pid, epoch): (i64, i16), commit: bool) -> Result<(), KafkaError> {
        let req = EndTxnRequest {
            transactional_id: id.into(),
            producer_id: pid,
            producer_epoch: epoch,
            commit,
        };
        self.c.end_txn(req, self.now)
    }

    /// What the broker does: take the markers, report them written.
    fn write_markers(&mut self) -> Vec<MarkerRequest> {
        let markers: Vec<_> = std::iter::from_fn(|| self.c.poll_markers()).collect();
        for m in &markers {
            self.c.markers_written(&m.transactional_id, self.now);
        }
        markers
    }

    fn state(&self, id: &str) -> TxnState {
        self.c.transaction(id).unwrap().state
    }

    fn transitions(&mut self) -> Vec<(TxnState, TxnState)> {
        std::iter::from_fn(|| self.c.poll_transition())
            .map(|t| (t.from, t.to))
            .collect()
    }

    fn rebuilt(&self) -> TransactionCoordinator {
        TransactionCoordinator::rebuild(TxnConfig::default(), self.c.log().clone()).unwrap()
    }
}

#[test]
fn a_transaction_commits_through_prepare_and_complete() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    assert_eq!(p, (100, 0));
    assert_eq!(b.state("app"), TxnState::Empty);
    b.add("app", p, "out").unwrap();
    assert_eq!(b.state("app"), TxnState::Ongoing);
    b.add_offsets("app", p).unwrap();
    b.commit_offset("app", p, 42).unwrap();
    b.end("app", p, true).unwrap();
    assert_eq!(b.state("app"), TxnState::PrepareCommit);
    // While markers are being written, a new transaction must wait.
    assert_eq!(
        b.add("app", p, "out"),
        Err(KafkaError::ConcurrentTransactions)
    );
    assert_eq!(
        b.end("app", p, true),
        Err(KafkaError::ConcurrentTransactions)
    );
    let markers = b.write_markers();
    assert_eq!(markers.len(), 1);
    assert_eq!(markers[0].result, ControlType::Commit);
    assert_eq!(markers[0].partitions, vec![("out".to_string(), 0)]);
    assert_eq!(
        markers[0].offsets,
        vec![(
            OffsetKey::new("g", "in", 0),
            OffsetAndMetadata::new(42, 1_000)
        )]
    );
    assert_eq!(b.state("app"), TxnState::CompleteCommit);
    // A retried EndTxn(commit) succeeds again; the opposite result is refused.
    assert_eq!(b.end("app", p, true), Ok(()));
    assert_eq!(b.end("app", p, false), Err(KafkaError::InvalidTxnState));
    use TxnState::*;
    assert_eq!(
        b.transitions(),
        vec![
            (Empty, Ongoing),
            (Ongoing, PrepareCommit),
            (PrepareCommit, CompleteCommit)
        ]
    );
}

#[test]
fn ending_a_transaction_that_never_began_is_invalid() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    assert_eq!(b.end("app", p, true), Err(KafkaError::InvalidTxnState));
    assert_eq!(
        b.end("nobody", p, true),
        Err(KafkaError::InvalidProducerIdMapping)
    );
    assert_eq!(
        b.end("app", (p.0 + 1, p.1), false),
        Err(KafkaError::InvalidProducerIdMapping)
    );
}

#[test]
fn an_offsets_only_transaction_begins_and_commits() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    b.add_offsets("app", p).unwrap();
    assert_eq!(
        b.state("app"),
        TxnState::Ongoing,
        "AddOffsetsToTxn begins it"
    );
    assert!(b.c.transaction("app").unwrap().deadline().is_some());
    b.commit_offset("app", p, 7).unwrap();
    b.end("app", p, true).unwrap();
    let markers = b.write_markers();
    assert!(markers[0].partitions.is_empty());
    assert_eq!(markers[0].offsets.len(), 1);
    assert_eq!(b.state("app"), TxnState::CompleteCommit);
}

#[test]
fn a_new_instance_fences_the_old_one_and_aborts_its_transaction() {
    let mut b = Bench::new();
    let old = b.init("app").unwrap();
    b.add("app", old, "out").unwrap();
    b.transitions();
    // The replacement starts: the open transaction is aborted under a new epoch, and the
    // replacement is told to retry.
    assert_eq!(b.init("app"), Err(KafkaError::ConcurrentTransactions));
    use TxnState::*;
    assert_eq!(
        b.transitions(),
        vec![
            (Ongoing, PrepareEpochFence),
            (PrepareEpochFence, PrepareAbort)
        ]
    );
    let markers = b.write_markers();
    assert_eq!(markers[0].result, ControlType::Abort);
    assert_eq!(
        markers[0].producer_epoch, 1,
        "the markers carry the new epoch"
    );
    let new = b.init("app").unwrap();
    assert_eq!(
        new,
        (old.0, 2),
        "bumped once by the fence, once by the retry"
    );
    // The zombie is refused everywhere.
    assert_eq!(b.add("app", old, "out"), Err(KafkaError::ProducerFenced));
    assert_eq!(b.end("app", old, true), Err(KafkaError::ProducerFenced));
    assert_eq!(b.add_offsets("app", old), Err(KafkaError::ProducerFenced));
    assert_eq!(
        b.commit_offset("app", old, 1),
        Err(KafkaError::InvalidProducerEpoch)
    );
    assert_eq!(
        b.c.verify_partition(old.0, old.1, "out", 0),
        Err(KafkaError::InvalidProducerEpoch)
    );
    // KIP-360 with a fenced epoch is refused too.
    assert_eq!(b.init_with("app", old), Err(KafkaError::ProducerFenced));
}

#[test]
fn kip_360_bumps_the_epoch_of_the_same_producer_and_a_retry_gets_the_same_answer() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    b.add("app", p, "out").unwrap();
    b.end("app", p, false).unwrap();
    b.write_markers();
    let bumped = b.init_with("app", p).unwrap();
    assert_eq!(bumped, (p.0, p.1 + 1), "same producer id, next epoch");
    // The answer was lost; the producer asks again with what it had.
    assert_eq!(b.init_with("app", p), Ok(bumped));
    // A pair that is neither current nor last is a fenced instance.
    assert_eq!(
        b.init_with("app", (p.0, 7)),
        Err(KafkaError::ProducerFenced)
    );
    assert_eq!(
        b.init_with("app", (999, 0)),
        Err(KafkaError::ProducerFenced)
    );
    assert_eq!(b.init_with("app", (5, -1)), Err(KafkaError::InvalidRequest));
}

#[test]
fn an_exhausted_epoch_gets_a_new_producer_id() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    let mut m = b.c.transaction("app").unwrap().clone();
    m.producer_epoch = i16::MAX - 1;
    b.c.transactions.insert("app".into(), m);
    let rotated = b.init_with("app", (p.0, i16::MAX - 1)).unwrap();
    assert_eq!(rotated, (101, 0));
    let m = b.c.transaction("app").unwrap();
    assert_eq!(
        (m.last_producer_id, m.last_producer_epoch),
        (p.0, i16::MAX - 1)
    );
    // The retry with the old pair is recognised, not fenced.
    assert_eq!(b.init_with("app", (p.0, i16::MAX - 1)), Ok(rotated));
    assert_eq!(
        b.end("app", p, true),
        Err(KafkaError::InvalidProducerIdMapping)
    );
}

#[test]
fn the_timeout_is_bounded_and_expired_transactions_are_aborted_by_the_coordinator() {
    let mut b = Bench::new();
    let req = |ms| InitProducerIdRequest {
        transactional_id: "app".into(),
        transaction_timeout_ms: ms,
        producer_id: -1,
        producer_epoch: -1,
    };
    for bad in [0, 900_001] {
        assert_eq!(
            b.c.init_producer_id(req(bad), 0, &mut || 1),
            Err(KafkaError::InvalidTransactionTimeout)
        );
    }
    assert!(b.c.init_producer_id(req(900_000), 0, &mut || 1).is_ok());
    let mut empty = req(1_000);
    empty.transactional_id.clear();
    assert_eq!(
        b.c.init_producer_id(empty, 0, &mut || 1),
        Err(KafkaError::InvalidRequest)
    );

    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    b.add("app", p, "out").unwrap();
    let deadline = b.now + Millis::from(TIMEOUT);
    assert_eq!(b.c.poll_timeout(), Some(deadline));
    b.c.handle_timeout(deadline - 1);
    assert_eq!(b.state("app"), TxnState::Ongoing);
    b.c.handle_timeout(deadline);
    assert_eq!(b.state("app"), TxnState::PrepareAbort);
    b.now = deadline;
    let markers = b.write_markers();
    assert_eq!(
        (markers[0].result, markers[0].producer_epoch),
        (ControlType::Abort, 1)
    );
    assert_eq!(b.state("app"), TxnState::CompleteAbort);
    // The paused producer wakes up and tries to commit: fenced.
    assert_eq!(b.end("app", p, true), Err(KafkaError::ProducerFenced));
}

#[test]
fn idle_transactional_ids_expire() {
    let mut b = Bench::new();
    b.init("app").unwrap();
    let expiry = b.now + TxnConfig::default().transactional_id_expiration_ms;
    assert_eq!(b.c.poll_timeout(), Some(expiry));
    b.c.handle_timeout(expiry);
    assert!(b.c.transaction("app").is_none());
    assert!(
        b.rebuilt().transaction("app").is_none(),
        "a tombstone was written"
    );
}

#[test]
fn txn_offset_commit_validates_before_staging_and_the_latest_offset_wins() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    // No AddOffsetsToTxn yet: refused, and nothing staged.
    assert_eq!(
        b.commit_offset("app", p, 5),
        Err(KafkaError::InvalidTxnState)
    );
    assert!(b.c.transaction("app").unwrap().pending_offsets.is_empty());
    b.add_offsets("app", p).unwrap();
    // A stale epoch is refused before anything is staged.
    assert_eq!(
        b.commit_offset("app", (p.0, p.1 + 1), 5),
        Err(KafkaError::InvalidProducerEpoch)
    );
    assert!(!b.c.has_pending_offset("g", "in", 0));
    b.commit_offset("app", p, 5).unwrap();
    assert!(b.c.has_pending_offset("g", "in", 0));
    b.commit_offset("app", p, 9).unwrap(); // a retry, or the next batch: the latest wins
    let staged = &b.c.transaction("app").unwrap().pending_offsets;
    assert_eq!(staged[&OffsetKey::new("g", "in", 0)].offset, 9);
    b.end("app", p, true).unwrap();
    assert_eq!(
        b.commit_offset("app", p, 11),
        Err(KafkaError::ConcurrentTransactions)
    );
    let markers = b.write_markers();
    assert_eq!(markers[0].offsets[0].1.offset, 9);
    assert!(!b.c.has_pending_offset("g", "in", 0));
}

#[test]
fn txn_offset_commit_v3_fences_a_stale_group_member() {
    let mut b = Bench::new();
    let join = JoinGroupRequest {
        group_id: "g".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        member_id: String::new(),
        group_instance_id: Some("i".into()),
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: Default::default(),
        }],
        client_id: "c".into(),
        client_host: "h".into(),
        require_known_member_id: false,
    };
    // The group's first member waits out the initial rebalance delay.
    assert_eq!(b.groups.join_group(1, join, b.now), None);
    b.groups.handle_timeout(b.now + 3_000);
    let Some(crate::group::GroupOutput::Join { response, .. }) = b.groups.poll_output() else {
        panic!("the join completes after the initial delay")
    };
    let (member, generation) = (response.member_id.clone(), response.generation_id);
    let p = b.init("app").unwrap();
    b.add_offsets("app", p).unwrap();
    assert_eq!(
        b.commit_offset_as("app", p, 3, generation + 1, &member),
        Err(KafkaError::IllegalGeneration)
    );
    assert_eq!(
        b.commit_offset_as("app", p, 3, generation, "ghost"),
        Err(KafkaError::UnknownMemberId)
    );
    assert!(b.c.transaction("app").unwrap().pending_offsets.is_empty());
    assert_eq!(b.commit_offset_as("app", p, 3, generation, &member), Ok(()));
    // v0..v2 send no member information: accepted even though the group has members.
    assert_eq!(b.commit_offset("app", p, 4), Ok(()));
}

#[test]
fn a_rebuilt_coordinator_finishes_prepared_transactions_and_keeps_open_ones() {
    let mut b = Bench::new();
    let a = b.init("a").unwrap();
    b.add("a", a, "out").unwrap();
    b.add_offsets("a", a).unwrap();
    b.commit_offset("a", a, 8).unwrap();
    b.end("a", a, true).unwrap(); // PrepareCommit written, markers not yet: a crash here
    let o = b.init("open").unwrap();
    b.add("open", o, "out").unwrap();

    let mut again = b.rebuilt();
    assert_eq!(again.transaction("a"), b.c.transaction("a"));
    assert_eq!(again.transaction("open"), b.c.transaction("open"));
    let redo = again
        .poll_markers()
        .expect("the decision is carried out again");
    assert_eq!((redo.result, redo.offsets.len()), (ControlType::Commit, 1));
    assert_eq!(again.poll_markers(), None, "the open one just stays open");
    again.markers_written("a", 2_000);
    assert_eq!(
        again.transaction("a").unwrap().state,
        TxnState::CompleteCommit
    );
    assert!(!again.has_pending_offset("g", "in", 0));
    // The open transaction keeps its timeout, counted from when it began.
    assert_eq!(again.poll_timeout(), Some(1_000 + Millis::from(TIMEOUT)));
    assert_eq!(again.verify_partition(o.0, o.1, "out", 0), Ok(()));
}

#[test]
fn produce_is_verified_against_the_transaction() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    assert_eq!(
        b.c.verify_partition(p.0, p.1, "out", 0),
        Err(KafkaError::InvalidTxnState),
        "no transaction: a batch would hang"
    );
    b.add("app", p, "out").unwrap();
    assert_eq!(b.c.verify_partition(p.0, p.1, "out", 0), Ok(()));
    assert_eq!(
        b.c.verify_partition(p.0, p.1, "other", 0),
        Err(KafkaError::InvalidTxnState)
    );
    assert_eq!(
        b.c.verify_partition(12345, 0, "out", 0),
        Err(KafkaError::InvalidProducerIdMapping)
    );
}

#[test]
fn the_log_codec_round_trips_and_refuses_garbage() {
    let mut b = Bench::new();
    let p = b.init("app").unwrap();
    b.add("app", p, "out").unwrap();
    b.add_offsets("app", p).unwrap();
    b.commit_offset("app", p, 5).unwrap();
    let m = b.c.transaction("app").unwrap();
    let bytes = txn_log::encode_value(m).unwrap();
    assert_eq!(txn_log::decode_value("app", &bytes).as_ref(), Ok(m));
    for cut in 0..bytes.len() {
        assert!(txn_log::decode_value("app", &bytes[..cut]).is_err());
    }
    assert_eq!(
        txn_log::decode_key(&txn_log::encode_key("app").unwrap()),
        Ok("app".to_string())
    );
}
