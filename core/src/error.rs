//! Errors as values, with Kafka's own names and numeric codes.
//!
//! A Kafka broker never throws at a client: every response carries an `error_code` per
//! topic, partition or member, and the client decides what to do (retry, rejoin, reset its
//! position...). We keep that shape: broker calls return `Result<_, KafkaError>`, and the
//! wire adapter turns a `KafkaError` into its code with [`KafkaError::code`].
//!
//! The codes are the ones in Kafka's `org.apache.kafka.common.protocol.Errors`; a test in
//! this module pins every one so a typo cannot slip through.

use serde::{Deserialize, Serialize};

/// A Kafka protocol error. The variant names follow Kafka's `UPPER_SNAKE_CASE` names
/// (see [`KafkaError::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KafkaError {
    /// Something went wrong that has no better code (Kafka's catch-all, code -1).
    #[error("UNKNOWN_SERVER_ERROR: the server experienced an unexpected error")]
    UnknownServerError,
    /// The requested offset is below the log start offset or above the log end offset.
    /// The *consumer* then applies `auto.offset.reset`: the broker never moves a position.
    #[error("OFFSET_OUT_OF_RANGE: the requested offset is not within the range of offsets kept by the broker")]
    OffsetOutOfRange,
    /// A record batch failed its CRC or could not be parsed.
    #[error("CORRUPT_MESSAGE: the message contents do not match its CRC or could not be parsed")]
    CorruptMessage,
    /// The topic or the partition does not exist on this broker.
    #[error("UNKNOWN_TOPIC_OR_PARTITION: this server does not host this topic-partition")]
    UnknownTopicOrPartition,
    /// A fetch asked for a negative or otherwise impossible size.
    #[error("INVALID_FETCH_SIZE: the requested fetch size is invalid")]
    InvalidFetchSize,
    /// A single batch is bigger than the topic's `max.message.bytes`.
    #[error("MESSAGE_TOO_LARGE: the request included a message larger than the max message size the server will accept")]
    MessageTooLarge,
    /// The commit's metadata string is longer than `offset.metadata.max.bytes` (4096).
    #[error("OFFSET_METADATA_TOO_LARGE: the metadata field of the offset request was too large")]
    OffsetMetadataTooLarge,
    /// The group coordinator is not available (for example, the group is `Dead`).
    #[error("COORDINATOR_NOT_AVAILABLE: the coordinator is not available")]
    CoordinatorNotAvailable,
    /// The topic name is empty, too long, uses illegal characters or is reserved.
    #[serde(rename = "INVALID_TOPIC_EXCEPTION")]
    #[error("INVALID_TOPIC_EXCEPTION: the request attempted to perform an operation on an invalid topic")]
    InvalidTopic,
    /// The member's generation is not the group's current generation: it missed a rebalance
    /// and must rejoin before it may commit or heartbeat.
    #[error("ILLEGAL_GENERATION: the generation id provided in the request is not the current generation")]
    IllegalGeneration,
    /// The member's protocol type or protocols do not match the group's.
    #[error("INCONSISTENT_GROUP_PROTOCOL: the group member's supported protocols are incompatible with those of existing members")]
    InconsistentGroupProtocol,
    /// The group id is empty.
    #[error("INVALID_GROUP_ID: the configured groupId is invalid")]
    InvalidGroupId,
    /// The coordinator does not know this member id (it was never a member, or it was
    /// removed, for example after its session timed out).
    #[error("UNKNOWN_MEMBER_ID: the coordinator is not aware of this member")]
    UnknownMemberId,
    /// The session timeout is outside the broker's `group.min/max.session.timeout.ms`.
    #[error("INVALID_SESSION_TIMEOUT: the session timeout is not within the range allowed by the broker")]
    InvalidSessionTimeout,
    /// The group is rebalancing: the member must rejoin.
    #[error("REBALANCE_IN_PROGRESS: the group is rebalancing, so a rejoin is needed")]
    RebalanceInProgress,
    /// A timestamp in a record or a request is invalid.
    #[error("INVALID_TIMESTAMP: the timestamp of the message is out of acceptable range")]
    InvalidTimestamp,
    /// The broker does not support this API version.
    #[error("UNSUPPORTED_VERSION: the version of API is not supported")]
    UnsupportedVersion,
    /// `CreateTopics` for a name that is already taken.
    #[error("TOPIC_ALREADY_EXISTS: topic with this name already exists")]
    TopicAlreadyExists,
    /// Zero or negative partitions, or a partition count that would shrink a topic.
    #[error("INVALID_PARTITIONS: number of partitions is below 1 or would decrease")]
    InvalidPartitions,
    /// A replication factor other than 1 on a single broker.
    #[error("INVALID_REPLICATION_FACTOR: replication-factor is invalid")]
    InvalidReplicationFactor,
    /// A topic configuration value is invalid.
    #[error("INVALID_CONFIG: configuration is invalid")]
    InvalidConfig,
    /// The request is malformed in a way no other code describes.
    #[error("INVALID_REQUEST: this most likely occurs because of a request being malformed")]
    InvalidRequest,
    /// `DeleteGroups` on a group that still has members.
    #[error("NON_EMPTY_GROUP: the group is not empty")]
    NonEmptyGroup,
    /// The group does not exist.
    #[error("GROUP_ID_NOT_FOUND: the group id does not exist")]
    GroupIdNotFound,
    /// OffsetDelete of a partition whose topic the group's live members subscribe to: their
    /// next commit would bring the offset back.
    #[error("GROUP_SUBSCRIBED_TO_TOPIC: the consumer group is actively subscribed to the topic")]
    GroupSubscribedToTopic,
    /// A record inside a batch is invalid (for example a null key on a compacted topic).
    #[error("INVALID_RECORD: this record has failed the validation on the broker and hence will be rejected")]
    InvalidRecord,
    /// JoinGroup v4+: a first join without a member id is answered with a freshly generated
    /// member id and this code; the client joins again with that id (KIP-394).
    #[error("MEMBER_ID_REQUIRED: the group member needs to have a valid member id before actually entering a consumer group")]
    MemberIdRequired,
    /// The group already has `group.max.size` members.
    #[error("GROUP_MAX_SIZE_REACHED: the consumer group has reached its max size")]
    GroupMaxSizeReached,
    /// A static member (`group.instance.id`) was replaced by a newer instance with the same
    /// id: the old one is fenced off.
    #[error("FENCED_INSTANCE_ID: the broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id")]
    FencedInstanceId,
    /// A Produce asked for an `acks` other than -1 (all), 0 or 1.
    #[error("INVALID_REQUIRED_ACKS: produce request specified an invalid value for required acks")]
    InvalidRequiredAcks,
    /// Reading or writing a log on disk failed; the request may be retried.
    #[error("KAFKA_STORAGE_ERROR: disk error when trying to access log file on the disk")]
    KafkaStorageError,
    /// A request named a topic by an id this broker does not know.
    #[error("UNKNOWN_TOPIC_ID: this server does not host this topic ID")]
    UnknownTopicId,
    /// An idempotent producer's batch skipped sequence numbers: an earlier batch is missing.
    #[error("OUT_OF_ORDER_SEQUENCE_NUMBER: the broker received an out of order sequence number")]
    OutOfOrderSequenceNumber,
    /// An idempotent producer's epoch is older than the one the broker knows: it was fenced.
    #[error("INVALID_PRODUCER_EPOCH: producer attempted to produce with an old epoch")]
    InvalidProducerEpoch,
    /// A transactional call that the transaction's state does not allow (EndTxn with nothing
    /// begun, a commit after an abort, TxnOffsetCommit for a group not added to the transaction).
    #[error(
        "INVALID_TXN_STATE: the producer attempted a transactional operation in an invalid state"
    )]
    InvalidTxnState,
    /// The producer id is not the one the coordinator gave this `transactional.id` (or the
    /// transactional id is unknown): the producer must call InitProducerId.
    #[error("INVALID_PRODUCER_ID_MAPPING: the producer attempted to use a producer id which is not currently assigned to its transactional id")]
    InvalidProducerIdMapping,
    /// `transaction.timeout.ms` is not positive or above the broker's
    /// `transaction.max.timeout.ms` (900000).
    #[error("INVALID_TRANSACTION_TIMEOUT: the transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms)")]
    InvalidTransactionTimeout,
    /// The previous transaction of this `transactional.id` is still being completed (its
    /// markers are being written): retry after a short back-off.
    #[error("CONCURRENT_TRANSACTIONS: the producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing")]
    ConcurrentTransactions,
    /// Another item of the same request failed, so this one was not tried (AddPartitionsToTxn
    /// with one unknown partition adds none of them).
    #[error("OPERATION_NOT_ATTEMPTED: the broker did not attempt to execute this operation")]
    OperationNotAttempted,
    /// OffsetFetch with `require_stable`: a transaction has staged an offset for this
    /// partition and has not ended yet; the consumer retries until it has.
    #[error("UNSTABLE_OFFSET_COMMIT: there are unstable offsets that need to be cleared")]
    UnstableOffsetCommit,
    /// A newer instance with the same `transactional.id` called InitProducerId (or the
    /// transaction timed out and the coordinator bumped the epoch): this one is a zombie.
    #[error("PRODUCER_FENCED: there is a newer producer with the same transactionalId which fences the current one")]
    ProducerFenced,
    /// Consumer protocol (KIP-848): the member's epoch is not one the coordinator gave it
    /// (it was removed, or it is a zombie). It must drop its partitions and join again
    /// with epoch 0.
    #[error("FENCED_MEMBER_EPOCH: the member epoch is fenced by the group coordinator; the member must abandon all its partitions and rejoin")]
    FencedMemberEpoch,
    /// Consumer protocol: a static member with this `group.instance.id` is still in the
    /// group and has not left (epoch -2): a second instance cannot take its place yet.
    #[error("UNRELEASED_INSTANCE_ID: the instance ID is still used by another member in the consumer group; that member must leave first")]
    UnreleasedInstanceId,
    /// Consumer protocol: the `group.remote.assignor` is not one the broker has.
    #[error("UNSUPPORTED_ASSIGNOR: the assignor or its version range is not supported by the consumer group")]
    UnsupportedAssignor,
    /// Consumer protocol: an OffsetCommit with a member epoch older than the member's
    /// current one; the client retries after its next heartbeat.
    #[error("STALE_MEMBER_EPOCH: the member epoch is stale; the member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API")]
    StaleMemberEpoch,
    /// Consumer protocol: a heartbeat's `subscribed_topic_regex` does not compile. The
    /// member is not admitted (or keeps its old subscription); the client reports it.
    #[error("INVALID_REGULAR_EXPRESSION: the regular expression is not valid")]
    InvalidRegularExpression,
}

impl KafkaError {
    /// Every error (in code order, then the ones added for the wire adapter); handy for tests and for documentation tables.
    pub const ALL: [KafkaError; 46] = [
        KafkaError::UnknownServerError,
        KafkaError::OffsetOutOfRange,
        KafkaError::CorruptMessage,
        KafkaError::UnknownTopicOrPartition,
        KafkaError::InvalidFetchSize,
        KafkaError::MessageTooLarge,
        KafkaError::OffsetMetadataTooLarge,
        KafkaError::CoordinatorNotAvailable,
        KafkaError::InvalidTopic,
        KafkaError::IllegalGeneration,
        KafkaError::InconsistentGroupProtocol,
        KafkaError::InvalidGroupId,
        KafkaError::UnknownMemberId,
        KafkaError::InvalidSessionTimeout,
        KafkaError::RebalanceInProgress,
        KafkaError::InvalidTimestamp,
        KafkaError::UnsupportedVersion,
        KafkaError::TopicAlreadyExists,
        KafkaError::InvalidPartitions,
        KafkaError::InvalidReplicationFactor,
        KafkaError::InvalidConfig,
        KafkaError::InvalidRequest,
        KafkaError::NonEmptyGroup,
        KafkaError::GroupIdNotFound,
        KafkaError::GroupSubscribedToTopic,
        KafkaError::InvalidRecord,
        KafkaError::MemberIdRequired,
        KafkaError::GroupMaxSizeReached,
        KafkaError::FencedInstanceId,
        KafkaError::InvalidRequiredAcks,
        KafkaError::KafkaStorageError,
        KafkaError::UnknownTopicId,
        KafkaError::OutOfOrderSequenceNumber,
        KafkaError::InvalidProducerEpoch,
        KafkaError::InvalidTxnState,
        KafkaError::InvalidProducerIdMapping,
        KafkaError::InvalidTransactionTimeout,
        KafkaError::ConcurrentTransactions,
        KafkaError::OperationNotAttempted,
        KafkaError::UnstableOffsetCommit,
        KafkaError::ProducerFenced,
        KafkaError::FencedMemberEpoch,
        KafkaError::UnreleasedInstanceId,
        KafkaError::UnsupportedAssignor,
        KafkaError::StaleMemberEpoch,
        KafkaError::InvalidRegularExpression,
    ];

    /// The numeric code sent on the wire (`error_code` fields).
    pub const fn code(self) -> i16 {
        match self {
            KafkaError::UnknownServerError => -1,
            KafkaError::OffsetOutOfRange => 1,
            KafkaError::CorruptMessage => 2,
            KafkaError::UnknownTopicOrPartition => 3,
            KafkaError::InvalidFetchSize => 4,
            KafkaError::MessageTooLarge => 10,
            KafkaError::OffsetMetadataTooLarge => 12,
            KafkaError::CoordinatorNotAvailable => 15,
            KafkaError::InvalidTopic => 17,
            KafkaError::IllegalGeneration => 22,
            KafkaError::InconsistentGroupProtocol => 23,
            KafkaError::InvalidGroupId => 24,
            KafkaError::UnknownMemberId => 25,
            KafkaError::InvalidSessionTimeout => 26,
            KafkaError::RebalanceInProgress => 27,
            KafkaError::InvalidTimestamp => 32,
            KafkaError::UnsupportedVersion => 35,
            KafkaError::TopicAlreadyExists => 36,
            KafkaError::InvalidPartitions => 37,
            KafkaError::InvalidReplicationFactor => 38,
            KafkaError::InvalidConfig => 40,
            KafkaError::InvalidRequest => 42,
            KafkaError::NonEmptyGroup => 68,
            KafkaError::GroupIdNotFound => 69,
            KafkaError::GroupSubscribedToTopic => 86,
            KafkaError::InvalidRecord => 87,
            KafkaError::MemberIdRequired => 79,
            KafkaError::GroupMaxSizeReached => 81,
            KafkaError::FencedInstanceId => 82,
            KafkaError::InvalidRequiredAcks => 21,
            KafkaError::KafkaStorageError => 56,
            KafkaError::UnknownTopicId => 100,
            KafkaError::OutOfOrderSequenceNumber => 45,
            KafkaError::InvalidProducerEpoch => 47,
            KafkaError::InvalidTxnState => 48,
            KafkaError::InvalidProducerIdMapping => 49,
            KafkaError::InvalidTransactionTimeout => 50,
            KafkaError::ConcurrentTransactions => 51,
            KafkaError::OperationNotAttempted => 55,
            KafkaError::UnstableOffsetCommit => 88,
            KafkaError::ProducerFenced => 90,
            KafkaError::FencedMemberEpoch => 110,
            KafkaError::UnreleasedInstanceId => 111,
            KafkaError::UnsupportedAssignor => 112,
            KafkaError::StaleMemberEpoch => 113,
            KafkaError::InvalidRegularExpression => 128,
        }
    }

    /// Kafka's name for the error, as printed by Kafka's own tools.
    pub fn name(self) -> &'static str {
        match self {
            KafkaError::UnknownServerError => "UNKNOWN_SERVER_ERROR",
            KafkaError::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            KafkaError::CorruptMessage => "CORRUPT_MESSAGE",
            KafkaError::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            KafkaError::InvalidFetchSize => "INVALID_FETCH_SIZE",
            KafkaError::MessageTooLarge => "MESSAGE_TOO_LARGE",
            KafkaError::OffsetMetadataTooLarge => "OFFSET_METADATA_TOO_LARGE",
            KafkaError::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            KafkaError::InvalidTopic => "INVALID_TOPIC_EXCEPTION",
            KafkaError::IllegalGeneration => "ILLEGAL_GENERATION",
            KafkaError::InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            KafkaError::InvalidGroupId => "INVALID_GROUP_ID",
            KafkaError::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            KafkaError::InvalidSessionTimeout => "INVALID_SESSION_TIMEOUT",
            KafkaError::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            KafkaError::InvalidTimestamp => "INVALID_TIMESTAMP",
            KafkaError::UnsupportedVersion => "UNSUPPORTED_VERSION",
            KafkaError::TopicAlreadyExists => "TOPIC_ALREADY_EXISTS",
            KafkaError::InvalidPartitions => "INVALID_PARTITIONS",
            KafkaError::InvalidReplicationFactor => "INVALID_REPLICATION_FACTOR",
            KafkaError::InvalidConfig => "INVALID_CONFIG",
            KafkaError::InvalidRequest => "INVALID_REQUEST",
            KafkaError::NonEmptyGroup => "NON_EMPTY_GROUP",
            KafkaError::GroupIdNotFound => "GROUP_ID_NOT_FOUND",
            KafkaError::GroupSubscribedToTopic => "GROUP_SUBSCRIBED_TO_TOPIC",
            KafkaError::InvalidRecord => "INVALID_RECORD",
            KafkaError::MemberIdRequired => "MEMBER_ID_REQUIRED",
            KafkaError::GroupMaxSizeReached => "GROUP_MAX_SIZE_REACHED",
            KafkaError::FencedInstanceId => "FENCED_INSTANCE_ID",
            KafkaError::InvalidRequiredAcks => "INVALID_REQUIRED_ACKS",
            KafkaError::KafkaStorageError => "KAFKA_STORAGE_ERROR",
            KafkaError::UnknownTopicId => "UNKNOWN_TOPIC_ID",
            KafkaError::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            KafkaError::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            KafkaError::InvalidTxnState => "INVALID_TXN_STATE",
            KafkaError::InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            KafkaError::InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            KafkaError::ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            KafkaError::OperationNotAttempted => "OPERATION_NOT_ATTEMPTED",
            KafkaError::UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
            KafkaError::ProducerFenced => "PRODUCER_FENCED",
            KafkaError::FencedMemberEpoch => "FENCED_MEMBER_EPOCH",
            KafkaError::UnreleasedInstanceId => "UNRELEASED_INSTANCE_ID",
            KafkaError::UnsupportedAssignor => "UNSUPPORTED_ASSIGNOR",
            KafkaError::StaleMemberEpoch => "STALE_MEMBER_EPOCH",
            KafkaError::InvalidRegularExpression => "INVALID_REGULAR_EXPRESSION",
        }
    }

    /// The error for a wire code, if we know it. Code 0 (`NONE`) is not an error.
    pub fn from_code(code: i16) -> Option<KafkaError> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

/// Shorthand for results that fail with a Kafka error code.
pub type KafkaResult<T> = Result<T, KafkaError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned against Kafka's `Errors.java`: these numbers are the protocol.
    #[test]
    fn codes_match_kafka() {
        let expected: &[(&str, i16)] = &[
            ("UNKNOWN_SERVER_ERROR", -1),
            ("OFFSET_OUT_OF_RANGE", 1),
            ("CORRUPT_MESSAGE", 2),
            ("UNKNOWN_TOPIC_OR_PARTITION", 3),
            ("INVALID_FETCH_SIZE", 4),
            ("MESSAGE_TOO_LARGE", 10),
            ("OFFSET_METADATA_TOO_LARGE", 12),
            ("COORDINATOR_NOT_AVAILABLE", 15),
            ("INVALID_TOPIC_EXCEPTION", 17),
            ("ILLEGAL_GENERATION", 22),
            ("INCONSISTENT_GROUP_PROTOCOL", 23),
            ("INVALID_GROUP_ID", 24),
            ("UNKNOWN_MEMBER_ID", 25),
            ("INVALID_SESSION_TIMEOUT", 26),
            ("REBALANCE_IN_PROGRESS", 27),
            ("INVALID_TIMESTAMP", 32),
            ("UNSUPPORTED_VERSION", 35),
            ("TOPIC_ALREADY_EXISTS", 36),
            ("INVALID_PARTITIONS", 37),
            ("INVALID_REPLICATION_FACTOR", 38),
            ("INVALID_CONFIG", 40),
            ("INVALID_REQUEST", 42),
            ("NON_EMPTY_GROUP", 68),
            ("GROUP_ID_NOT_FOUND", 69),
            ("GROUP_SUBSCRIBED_TO_TOPIC", 86),
            ("INVALID_RECORD", 87),
            ("MEMBER_ID_REQUIRED", 79),
            ("GROUP_MAX_SIZE_REACHED", 81),
            ("FENCED_INSTANCE_ID", 82),
            ("INVALID_REQUIRED_ACKS", 21),
            ("KAFKA_STORAGE_ERROR", 56),
            ("UNKNOWN_TOPIC_ID", 100),
            ("OUT_OF_ORDER_SEQUENCE_NUMBER", 45),
            ("INVALID_PRODUCER_EPOCH", 47),
            ("INVALID_TXN_STATE", 48),
            ("INVALID_PRODUCER_ID_MAPPING", 49),
            ("INVALID_TRANSACTION_TIMEOUT", 50),
            ("CONCURRENT_TRANSACTIONS", 51),
            ("OPERATION_NOT_ATTEMPTED", 55),
            ("UNSTABLE_OFFSET_COMMIT", 88),
            ("PRODUCER_FENCED", 90),
            ("FENCED_MEMBER_EPOCH", 110),
            ("UNRELEASED_INSTANCE_ID", 111),
            ("UNSUPPORTED_ASSIGNOR", 112),
            ("STALE_MEMBER_EPOCH", 113),
            ("INVALID_REGULAR_EXPRESSION", 128),
        ];
        assert_eq!(expected.len(), KafkaError::ALL.len());
        for (e, (name, code)) in KafkaError::ALL.iter().zip(expected) {
            assert_eq!(e.name(), *name);
            assert_eq!(e.code(), *code, "{name}");
            assert_eq!(KafkaError::from_code(*code), Some(*e));
            assert!(e.to_string().starts_with(name), "{e}");
        }
        assert_eq!(KafkaError::from_code(0), None);
    }

    #[test]
    fn serializes_with_kafka_names() {
        let json = serde_json::to_string(&KafkaError::MemberIdRequired).unwrap();
        assert_eq!(json, "\"MEMBER_ID_REQUIRED\"");
    }
}
