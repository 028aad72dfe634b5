//! The only requests a watch sends, and their answers.
//!
//! Read-only by design: [`ReadRequest`] has one variant per *read* API and nothing else,
//! so no code path of the sampler can build a write (no Produce, no OffsetCommit, no
//! JoinGroup: a watch never joins the groups it watches, which would rebalance them). The
//! connection itself also sends ApiVersions and, with SASL, SaslHandshake and
//! SaslAuthenticate; [`READ_APIS`] is the whole list, and the tests hold the sampler and a
//! real `minikafka serve` to it.
//!
//! Versions are fixed, the oldest that carry what the watch needs, so one sampler speaks
//! to Kafka 2.4 and later, Redpanda and minikafka alike. ListGroups is the exception: v5
//! (Kafka 3.8+, KIP-848) adds the group type, and the driver uses it where the broker
//! serves it; the request is the same at both versions.

use kafka_protocol::messages::{
    ApiKey, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, DescribeGroupsRequest,
    DescribeGroupsResponse, FindCoordinatorRequest, FindCoordinatorResponse, ListGroupsRequest,
    ListGroupsResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse,
    OffsetFetchRequest, OffsetFetchResponse,
};

/// Every API a watch's connection may send: the reads below, and the connection's own
/// handshake (ApiVersions, SaslHandshake, SaslAuthenticate).
pub const READ_APIS: &[ApiKey] = &[
    ApiKey::ApiVersions,
    ApiKey::SaslHandshake,
    ApiKey::SaslAuthenticate,
    ApiKey::Metadata,
    ApiKey::FindCoordinator,
    ApiKey::ListGroups,
    ApiKey::DescribeGroups,
    ApiKey::ConsumerGroupDescribe,
    ApiKey::OffsetFetch,
    ApiKey::ListOffsets,
];

/// A read request, as the sampler asks the driver to send it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadRequest {
    /// Brokers, topics, partitions and their leaders.
    Metadata(MetadataRequest),
    /// Which broker coordinates a group.
    FindCoordinator(FindCoordinatorRequest),
    /// The groups one broker coordinates.
    ListGroups(ListGroupsRequest),
    /// Classic groups: state, protocol, members and their assignments.
    DescribeGroups(DescribeGroupsRequest),
    /// KIP-848 groups: state, epochs, members and their assignments.
    ConsumerGroupDescribe(ConsumerGroupDescribeRequest),
    /// One group's committed offsets.
    OffsetFetch(OffsetFetchRequest),
    /// Log start or high watermark of the partitions one broker leads.
    ListOffsets(ListOffsetsRequest),
}

/// The decoded answer to a [`ReadRequest`] of the same variant.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadResponse {
    /// Answer to [`ReadRequest::Metadata`].
    Metadata(MetadataResponse),
    /// Answer to [`ReadRequest::FindCoordinator`].
    FindCoordinator(FindCoordinatorResponse),
    /// Answer to [`ReadRequest::ListGroups`].
    ListGroups(ListGroupsResponse),
    /// Answer to [`ReadRequest::DescribeGroups`].
    DescribeGroups(DescribeGroupsResponse),
    /// Answer to [`ReadRequest::ConsumerGroupDescribe`].
    ConsumerGroupDescribe(ConsumerGroupDescribeResponse),
    /// Answer to [`ReadRequest::OffsetFetch`].
    OffsetFetch(OffsetFetchResponse),
    /// Answer to [`ReadRequest::ListOffsets`].
    ListOffsets(ListOffsetsResponse),
}

impl ReadRequest {
    /// The Kafka API it is.
    pub fn api_key(&self) -> ApiKey {
        match self {
            ReadRequest::Metadata(_) => ApiKey::Metadata,
            ReadRequest::FindCoordinator(_) => ApiKey::FindCoordinator,
            ReadRequest::ListGroups(_) => ApiKey::ListGroups,
            ReadRequest::DescribeGroups(_) => ApiKey::DescribeGroups,
            ReadRequest::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
            ReadRequest::OffsetFetch(_) => ApiKey::OffsetFetch,
            ReadRequest::ListOffsets(_) => ApiKey::ListOffsets,
        }
    }

    /// The version it is built for (ListGroups: the lowest; see the module doc).
    pub fn version(&self) -> i16 {
        match self {
            // v9: flexible versions, leaders and brokers (Kafka 2.4).
            ReadRequest::Metadata(_) => 9,
            // v3: one key per request (v4's batches need Kafka 3.0).
            ReadRequest::FindCoordinator(_) => 3,
            // v4: the state of each group (Kafka 2.6); v5 where served.
            ReadRequest::ListGroups(_) => 4,
            // v5: flexible (Kafka 2.4).
            ReadRequest::DescribeGroups(_) => 5,
            ReadRequest::ConsumerGroupDescribe(_) => 0,
            // v7: one group, every topic with `topics: null` (Kafka 2.5).
            ReadRequest::OffsetFetch(_) => 7,
            // v4: timestamps -1 and -2 with the leader epoch (Kafka 2.1).
            ReadRequest::ListOffsets(_) => 4,
        }
    }
}

impl ReadResponse {
    /// The Kafka API it answers.
    pub fn api_key(&self) -> ApiKey {
        match self {
            ReadResponse::Metadata(_) => ApiKey::Metadata,
            ReadResponse::FindCoordinator(_) => ApiKey::FindCoordinator,
            ReadResponse::ListGroups(_) => ApiKey::ListGroups,
            ReadResponse::DescribeGroups(_) => ApiKey::DescribeGroups,
            ReadResponse::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
            ReadResponse::OffsetFetch(_) => ApiKey::OffsetFetch,
            ReadResponse::ListOffsets(_) => ApiKey::ListOffsets,
        }
    }
}
