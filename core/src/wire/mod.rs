//! The Kafka wire protocol adapter: request bytes in, broker calls, response bytes out.
//!
//! This is what lets kcat, confluent-kafka, kafka-python and kafkajs talk to minikafka
//! unchanged. It is still sans-IO: [`WireBroker`] is fed frames with
//! [`WireBroker::handle_frame`] and the time, and hands back the bytes to send with
//! [`WireBroker::poll_transmit`]. The tokio server in `net/` only moves bytes and time.
//!
//! How a request goes through:
//! 1. `frame.rs` reads the header (API key, version, correlation id, client id). An API we
//!    do not serve, or a version outside the supported range, is answered or refused here.
//! 2. The API's own file (one per API key: `produce.rs`, `join_group.rs`, ...) decodes the
//!    body with the `kafka-protocol` crate, calls the [`Broker`], and builds the response.
//! 3. Some answers cannot be given at once. A JoinGroup waits for the rebalance (the
//!    coordinator answers later through [`Broker::poll_output`]); a Fetch with
//!    `max_wait_ms` waits until `min_bytes` of records arrive or the time is up. Both are
//!    *parked* here and completed when the core says so: nobody polls in a loop.
//! 4. `response_order.rs` releases answers in request order, per connection, as Kafka promises.
//!
//! Supported versions are chosen to cover the clients `make test` runs against the server:
//! old non-flexible versions (kafkajs 2.x, Debian's kcat 1.7 with librdkafka 2.0) and newer
//! flexible ones (confluent-kafka 2.x, kafka-python). Clients negotiate with ApiVersions and
//! use the highest version both sides know; each API's file says its range and why.

mod batch;
mod bounds;
pub mod client_codec;
mod frame;
mod response_order;

mod add_offsets_to_txn;
mod add_partitions_to_txn;
mod alter_configs;
mod api_versions;
mod consumer_group_describe;
mod consumer_group_heartbeat;
mod create_partitions;
mod create_topics;
mod delete_groups;
mod delete_records;
mod delete_topics;
mod describe_cluster;
mod describe_configs;
mod describe_groups;
mod end_txn;
mod fetch;
mod fetch_frame;
mod find_coordinator;
mod heartbeat;
mod incremental_alter_configs;
mod init_producer_id;
mod join_group;
mod leave_group;
mod list_groups;
mod list_offsets;
mod metadata;
mod offset_commit;
mod offset_delete;
mod offset_fetch;
mod produce;
mod sasl_authenticate;
mod sasl_handshake;
mod sync_group;
mod topic_config;
mod txn_offset_commit;

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod consumer_group_tests;
#[cfg(test)]
mod sasl_tests;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::{ApiKey, FetchRequest, ResponseKind};
use kafka_protocol::protocol::{StrBytes, VersionRange};

pub use batch::{
    encode_batch, encode_records, parse_header, read_header, record_from_wire, split_record_set,
    BatchError, BatchHeader, BATCH_HEADER_BYTES,
};
pub use frame::{api_name, FrameError, FramePart, ResponseFrame};

use crate::broker::Broker;
use crate::event::Event;
use crate::group::{GroupOutput, RequestId};
use crate::log::{MemoryProvider, StorageProvider};
use crate::record::Millis;
use crate::sasl::{Credentials, Mechanism, ServerSession};
use response_order::ResponseOrder;

/// SASL on a listener (`serve --sasl-users`): who may log in, and with which mechanisms.
#[derive(Clone)]
pub struct SaslConfig {
    /// The users and their derived credentials.
    pub credentials: Credentials,
    /// The mechanisms a client may choose in its SaslHandshake, in the order announced.
    pub mechanisms: Vec<Mechanism>,
    /// Where SCRAM's server nonces come from (the driver's CSPRNG).
    pub random: crate::sasl::Random,
}

impl std::fmt::Debug for SaslConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslConfig")
            .field("credentials", &self.credentials)
            .field("mechanisms", &self.mechanisms)
            .finish_non_exhaustive()
    }
}

/// Where a connection stands with SASL (Kafka's `SaslServerAuthenticator` states, minus
/// re-authentication).
#[derive(Debug)]
enum Auth {
    /// Served as usual: SASL is off, or the client has authenticated.
    Open,
    /// Before the SaslHandshake: only ApiVersions and SaslHandshake are served.
    Handshake,
    /// After the handshake: only the chosen mechanism's tokens. `raw` after a v0 handshake:
    /// the tokens come as bare length-prefixed frames, without SaslAuthenticate headers.
    Authenticate {
        mechanism: Mechanism,
        session: ServerSession,
        raw: bool,
    },
}

/// The net layer's name for a connection. Any unique number will do.
pub type ConnectionId = u64;

/// Bytes to write to a connection, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Which connection.
    pub connection: ConnectionId,
    /// A whole response frame, length prefix included. `None` when a request finished
    /// without an answer (Produce with acks=0): the net layer only counts it as done.
    pub response: Option<ResponseFrame>,
}

/// Every API served, with its version range. ApiVersions answers with this list.
pub const SUPPORTED: &[(ApiKey, VersionRange)] = &[
    (ApiKey::Produce, produce::VERSIONS),
    (ApiKey::Fetch, fetch::VERSIONS),
    (ApiKey::ListOffsets, list_offsets::VERSIONS),
    (ApiKey::Metadata, metadata::VERSIONS),
    (ApiKey::OffsetCommit, offset_commit::VERSIONS),
    (ApiKey::OffsetFetch, offset_fetch::VERSIONS),
    (ApiKey::FindCoordinator, find_coordinator::VERSIONS),
    (ApiKey::JoinGroup, join_group::VERSIONS),
    (ApiKey::Heartbeat, heartbeat::VERSIONS),
    (ApiKey::LeaveGroup, leave_group::VERSIONS),
    (ApiKey::SyncGroup, sync_group::VERSIONS),
    (ApiKey::DescribeGroups, describe_groups::VERSIONS),
    (ApiKey::ListGroups, list_groups::VERSIONS),
    (ApiKey::ApiVersions, api_versions::VERSIONS),
    (ApiKey::CreateTopics, create_topics::VERSIONS),
    (ApiKey::DeleteTopics, delete_topics::VERSIONS),
    (ApiKey::DeleteRecords, delete_records::VERSIONS),
    (ApiKey::InitProducerId, init_producer_id::VERSIONS),
    (ApiKey::AddPartitionsToTxn, add_partitions_to_txn::VERSIONS),
    (ApiKey::AddOffsetsToTxn, add_offsets_to_txn::VERSIONS),
    (ApiKey::EndTxn, end_txn::VERSIONS),
    (ApiKey::TxnOffsetCommit, txn_offset_commit::VERSIONS),
    (ApiKey::DescribeConfigs, describe_configs::VERSIONS),
    (ApiKey::CreatePartitions, create_partitions::VERSIONS),
    (ApiKey::AlterConfigs, alter_configs::VERSIONS),
    (
        ApiKey::IncrementalAlterConfigs,
        incremental_alter_configs::VERSIONS,
    ),
    (ApiKey::DeleteGroups, delete_groups::VERSIONS),
    (ApiKey::OffsetDelete, offset_delete::VERSIONS),
    (ApiKey::DescribeCluster, describe_cluster::VERSIONS),
    (
        ApiKey::ConsumerGroupHeartbeat,
        consumer_group_heartbeat::VERSIONS,
    ),
    (
        ApiKey::ConsumerGroupDescribe,
        consumer_group_describe::VERSIONS,
    ),
];

/// The version range served for `api_key`, `None` if the API is not served.
pub fn supported_versions(api_key: ApiKey) -> Option<VersionRange> {
    SUPPORTED
        .iter()
        .find(|(key, _)| *key == api_key)
        .map(|(_, range)| *range)
}

/// What an API handler decided.
// Short-lived and moved once per request: boxing the common `Now` case would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Reply {
    /// Answer now.
    Now(ResponseKind),
    /// Answer a Fetch now, its records apart (see `fetch_frame`).
    Fetched(fetch::Fetched),
    /// No answer at all (Produce with acks=0).
    Nothing,
    /// The coordinator parked the request under this id; the answer comes from
    /// [`Broker::poll_output`].
    Parked(RequestId),
    /// A Fetch with nothing (or not enough) to return yet: wait until `deadline`.
    Wait {
        /// The request, re-run when records arrive or at the deadline.
        request: Box<FetchRequest>,
        /// `now + max_wait_ms`.
        deadline: Millis,
    },
}

/// What a handler gets to work with.
pub(crate) struct Ctx<'a, P: StorageProvider> {
    pub broker: &'a mut Broker<P>,
    pub now: Millis,
    pub client_id: &'a str,
    pub client_host: &'a str,
    /// A fresh id, for requests the coordinator may park.
    pub request_id: RequestId,
    /// Whether SASL is on (ApiVersions then lists SaslHandshake and SaslAuthenticate).
    pub sasl: bool,
}

/// Where a parked answer must go.
#[derive(Debug, Clone, Copy)]
struct Pending {
    connection: ConnectionId,
    seq: u64,
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
}

/// A Fetch waiting for records.
struct ParkedFetch {
    pending: Pending,
    request: Box<FetchRequest>,
    deadline: Millis,
    client_id: String,
}

/// What the wire layer keeps of one open connection.
struct Peer {
    /// The client's address, reported as the member's `client.host`.
    host: String,
    /// Its answers, released in request order.
    answers: ResponseOrder,
    /// Its SASL state.
    auth: Auth,
}

/// The broker behind the Kafka protocol, for any number of connections.
pub struct WireBroker<P: StorageProvider = MemoryProvider> {
    broker: Broker<P>,
    connections: HashMap<ConnectionId, Peer>,
    parked_groups: HashMap<RequestId, Pending>,
    parked_fetches: Vec<ParkedFetch>,
    next_request_id: RequestId,
    transmit: VecDeque<Transmit>,
    sasl: Option<Arc<SaslConfig>>,
    /// Connections to close once their queued answers are written (a refused login).
    closing: VecDeque<ConnectionId>,
    /// Connections that have just logged in.
    authenticated: VecDeque<ConnectionId>,
}

impl<P: StorageProvider> WireBroker<P> {
    /// Serve `broker` over the wire protocol.
    pub fn new(broker: Broker<P>) -> Self {
        WireBroker {
            broker,
            connections: HashMap::new(),
            parked_groups: HashMap::new(),
            parked_fetches: Vec::new(),
            next_request_id: 1,
            transmit: VecDeque::new(),
            sasl: None,
            closing: VecDeque::new(),
            authenticated: VecDeque::new(),
        }
    }

    /// Require SASL authentication on every connection opened from now on.
    pub fn with_sasl(mut self, config: SaslConfig) -> Self {
        self.sasl = Some(Arc::new(config));
        self
    }

    /// The next connection to close after writing what was sent to it (a refused login,
    /// answered with its error first, as Kafka does).
    pub fn poll_close(&mut self) -> Option<ConnectionId> {
        self.closing.pop_front()
    }

    /// The next connection that has logged in since the last call (the net layer then
    /// accepts frames up to its usual limit from it).
    pub fn poll_authenticated(&mut self) -> Option<ConnectionId> {
        self.authenticated.pop_front()
    }

    /// The broker, read-only.
    pub fn broker(&self) -> &Broker<P> {
        &self.broker
    }

    /// The broker, for calls that do not come over the wire (admin tools, shutdown).
    pub fn broker_mut(&mut self) -> &mut Broker<P> {
        &mut self.broker
    }

    /// Stop serving; the broker, for a final flush.
    pub fn into_broker(self) -> Broker<P> {
        self.broker
    }

    /// A client connected from `client_host`.
    pub fn connection_opened(&mut self, connection: ConnectionId, client_host: &str) {
        self.connections.insert(
            connection,
            Peer {
                host: client_host.to_string(),
                answers: ResponseOrder::default(),
                auth: match self.sasl {
                    Some(_) => Auth::Handshake,
                    None => Auth::Open,
                },
            },
        );
    }

    /// A connection is gone (closed by either side). Its waiting fetches are dropped; a
    /// group member on it is *not* removed: like Kafka, the coordinator notices only when
    /// its session times out. That is the delay a learner sees after a `kill -9`.
    pub fn connection_closed(&mut self, connection: ConnectionId) {
        self.connections.remove(&connection);
        self.parked_fetches
            .retain(|f| f.pending.connection != connection);
        self.parked_groups.retain(|_, p| p.connection != connection);
    }

    /// Requests of `connection` not answered yet.
    pub fn in_flight(&self, connection: ConnectionId) -> u64 {
        self.connections
            .get(&connection)
            .map_or(0, |peer| peer.answers.in_flight())
    }

    /// Handle one request frame (the bytes after the length prefix). An error means the
    /// frame cannot be served and the connection should be closed; the error says why,
    /// for the log.
    pub fn handle_frame(
        &mut self,
        connection: ConnectionId,
        frame: Bytes,
        now: Millis,
    ) -> Result<(), FrameError> {
        let Some(peer) = self.connections.get(&connection) else {
            // A frame for a connection we were not told about: treat it as new.
            self.connection_opened(connection, "unknown");
            return self.handle_frame(connection, frame, now);
        };
        match (&peer.auth, &self.sasl) {
            (Auth::Open, None) => self.serve_frame(connection, frame, now),
            (Auth::Open, Some(_)) => {
                let prefix = frame::peek_prefix(&frame)?;
                if prefix.api_key == ApiKey::SaslHandshake as i16
                    || prefix.api_key == ApiKey::SaslAuthenticate as i16
                {
                    // Kafka would re-authenticate (KIP-368) when it set a session
                    // lifetime; minikafka sets none.
                    return Err(FrameError::Sasl(
                        "a SASL request after authentication (re-authentication is not supported)"
                            .into(),
                    ));
                }
                self.serve_frame(connection, frame, now)
            }
            (Auth::Authenticate { raw: true, .. }, _) => {
                sasl_authenticate::raw_token(self, connection, frame)
            }
            (Auth::Handshake, _) | (Auth::Authenticate { .. }, _) => {
                let prefix = frame::peek_prefix(&frame)?;
                let api_key = ApiKey::try_from(prefix.api_key).ok();
                let handshake = matches!(peer.auth, Auth::Handshake);
                match api_key {
                    Some(ApiKey::ApiVersions) if handshake => {
                        self.serve_frame(connection, frame, now)
                    }
                    Some(ApiKey::SaslHandshake) if handshake => {
                        sasl_handshake::handle(self, connection, prefix, frame)
                    }
                    Some(ApiKey::SaslAuthenticate) if !handshake => {
                        sasl_authenticate::handle(self, connection, prefix, frame)
                    }
                    _ => Err(FrameError::Sasl(format!(
                        "{} request (API key {}) before authentication; only ApiVersions, \
                         SaslHandshake and SaslAuthenticate are served first",
                        api_key.map_or("unknown", api_name),
                        prefix.api_key
                    ))),
                }
            }
        }
    }

    /// A frame of an authenticated (or SASL-free) connection, or an ApiVersions before the
    /// SASL handshake.
    fn serve_frame(
        &mut self,
        connection: ConnectionId,
        mut frame: Bytes,
        now: Millis,
    ) -> Result<(), FrameError> {
        let prefix = frame::peek_prefix(&frame)?;
        let unknown = FrameError::UnknownApiKey {
            api_key: prefix.api_key,
            api_version: prefix.api_version,
            correlation_id: prefix.correlation_id,
        };
        let api_key = ApiKey::try_from(prefix.api_key).map_err(|_| unknown.clone())?;
        let range = supported_versions(api_key).ok_or(unknown)?;
        let version = prefix.api_version;
        let Some(conn) = self.connections.get_mut(&connection) else {
            // A frame for a connection we were not told about: treat it as new.
            self.connection_opened(connection, "unknown");
            return self.handle_frame(connection, frame, now);
        };
        if version < range.min || version > range.max {
            let sasl = self.sasl.is_some();
            let Some((response, answer_version)) = unsupported_version(api_key, version, sasl)
            else {
                return Err(FrameError::UnsupportedVersion {
                    api: api_name(api_key),
                    version,
                    min: range.min,
                    max: range.max,
                });
            };
            tracing::warn!(
                api = api_name(api_key),
                version,
                "unsupported version: answered UNSUPPORTED_VERSION"
            );
            let seq = conn.answers.begin();
            let pending = Pending {
                connection,
                seq,
                api_key,
                version: answer_version,
                correlation_id: prefix.correlation_id,
            };
            self.answer(pending, &response);
            return Ok(());
        }
        let header = frame::decode_header(&mut frame, api_key, version)?;
        if let Err(impossible) = bounds::check(api_key, version, &frame) {
            return Err(FrameError::Malformed {
                api: api_name(api_key),
                version,
                reason: format!(
                    "an array claims {} elements with {} bytes left",
                    impossible.count, impossible.remaining
                ),
            });
        }
        let client_id = header
            .client_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        // `RUST_LOG=minikafka::requests=trace`: who asked for what (the test that
        // `minikafka watch` only reads checks it).
        tracing::trace!(target: "minikafka::requests", api = api_name(api_key), version, client_id = %client_id, "request");
        let client_host = conn.host.clone();
        let seq = conn.answers.begin();
        let pending = Pending {
            connection,
            seq,
            api_key,
            version,
            correlation_id: prefix.correlation_id,
        };
        let request_id = self.next_request_id;
        self.next_request_id += 1;
        let mut ctx = Ctx {
            broker: &mut self.broker,
            now,
            client_id: &client_id,
            client_host: &client_host,
            request_id,
            sasl: self.sasl.is_some(),
        };
        let reply = dispatch(&mut ctx, api_key, &mut frame, version)?;
        match reply {
            Reply::Now(response) => self.answer(pending, &response),
            Reply::Fetched(fetched) => self.answer_fetch(pending, fetched),
            Reply::Nothing => self.finish(pending, None),
            Reply::Parked(id) => {
                self.parked_groups.insert(id, pending);
            }
            Reply::Wait { request, deadline } => self.parked_fetches.push(ParkedFetch {
                pending,
                request,
                deadline,
                client_id,
            }),
        }
        // New records, or a transaction marker that moves the last stable offset for the
        // read_committed fetches waiting at it (EndTxn; InitProducerId may abort).
        if matches!(
            api_key,
            ApiKey::Produce | ApiKey::EndTxn | ApiKey::InitProducerId
        ) {
            self.wake_fetches(now, false);
        }
        self.drain_group_outputs();
        Ok(())
    }

    /// The next bytes to write, in order per connection.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmit.pop_front()
    }

    /// The next broker event (for logs and the live visualiser). Drain it regularly: the
    /// broker queues every event until it is polled.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.broker.poll_event()
    }

    /// When [`WireBroker::handle_timeout`] next has work: a group timer, retention, or a
    /// parked Fetch reaching its `max_wait_ms`.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let fetch = self.parked_fetches.iter().map(|f| f.deadline).min();
        self.broker.poll_timeout().into_iter().chain(fetch).min()
    }

    /// Fire timers due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.broker.handle_timeout(now);
        self.wake_fetches(now, true);
        self.drain_group_outputs();
    }

    /// Answer the parked fetches that have enough records, and (with `expire`) those whose
    /// wait is over.
    fn wake_fetches(&mut self, now: Millis, expire: bool) {
        if self.parked_fetches.is_empty() {
            return;
        }
        let parked = std::mem::take(&mut self.parked_fetches);
        for f in parked {
            let due = expire && f.deadline <= now;
            if due || fetch::ready(&self.broker, &f.request) {
                let mut ctx = Ctx {
                    broker: &mut self.broker,
                    now,
                    client_id: &f.client_id,
                    client_host: "",
                    request_id: 0,
                    sasl: false,
                };
                let fetched = fetch::respond(&mut ctx, &f.request, f.pending.version);
                self.answer_fetch(f.pending, fetched);
            } else {
                self.parked_fetches.push(f);
            }
        }
    }

    /// Deliver the coordinator's delayed JoinGroup and SyncGroup answers.
    fn drain_group_outputs(&mut self) {
        while let Some(output) = self.broker.poll_output() {
            let (request, response) = match output {
                GroupOutput::Join { request, response } => (request, Ok(response)),
                GroupOutput::Sync { request, response } => (request, Err(response)),
            };
            let Some(pending) = self.parked_groups.remove(&request) else {
                continue; // the connection closed meanwhile
            };
            let response = match response {
                Ok(join) => ResponseKind::JoinGroup(join_group::response(join, pending.version)),
                Err(sync) => ResponseKind::SyncGroup(sync_group::response(sync)),
            };
            self.answer(pending, &response);
        }
    }

    fn answer(&mut self, pending: Pending, response: &ResponseKind) {
        match frame::encode_response(
            pending.api_key,
            pending.version,
            pending.correlation_id,
            response,
        ) {
            Ok(bytes) => self.finish(pending, Some(bytes.into())),
            Err(error) => {
                // A bug on our side (a field the version cannot carry). The client will
                // time out on this request; say loudly why.
                tracing::error!(%error, "could not encode a response");
                self.finish(pending, None);
            }
        }
    }

    /// A Fetch answer as frame parts, its stored batches left in their files. Should the
    /// answer hold something the frame writer does not lay out, kafka-protocol encodes it
    /// with the records read in.
    fn answer_fetch(&mut self, pending: Pending, fetched: fetch::Fetched) {
        match fetch_frame::encode(
            pending.version,
            pending.correlation_id,
            &fetched.response,
            &fetched.records,
        ) {
            Ok(frame) => self.finish(pending, Some(frame)),
            Err(why) => {
                tracing::debug!(%why, "Fetch answer encoded with its records read in");
                match fetched.into_response() {
                    Ok(response) => self.answer(pending, &ResponseKind::Fetch(response)),
                    Err(error) => {
                        tracing::error!(%error, "could not read stored batches for a Fetch");
                        self.finish(pending, None);
                    }
                }
            }
        }
    }

    fn finish(&mut self, pending: Pending, bytes: Option<ResponseFrame>) {
        if let Some(conn) = self.connections.get_mut(&pending.connection) {
            conn.answers
                .complete(pending.connection, pending.seq, bytes, &mut self.transmit);
        }
    }
}

/// Decode the body and run the API's handler.
fn dispatch<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    api_key: ApiKey,
    body: &mut Bytes,
    version: i16,
) -> Result<Reply, FrameError> {
    use frame::decode_body as d;
    Ok(match api_key {
        ApiKey::ApiVersions => api_versions::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::Metadata => metadata::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::Produce => produce::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::Fetch => fetch::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::ListOffsets => list_offsets::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::FindCoordinator => {
            find_coordinator::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::JoinGroup => join_group::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::SyncGroup => sync_group::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::Heartbeat => heartbeat::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::LeaveGroup => leave_group::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::OffsetCommit => offset_commit::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::OffsetFetch => offset_fetch::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::DescribeGroups => describe_groups::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::ListGroups => list_groups::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::ConsumerGroupHeartbeat => {
            consumer_group_heartbeat::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::ConsumerGroupDescribe => {
            consumer_group_describe::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::CreateTopics => create_topics::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::DeleteTopics => delete_topics::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::DeleteRecords => delete_records::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::InitProducerId => {
            init_producer_id::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::AddPartitionsToTxn => {
            add_partitions_to_txn::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::AddOffsetsToTxn => {
            add_offsets_to_txn::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::EndTxn => end_txn::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::TxnOffsetCommit => {
            txn_offset_commit::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::DescribeConfigs => {
            describe_configs::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::CreatePartitions => {
            create_partitions::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::AlterConfigs => alter_configs::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::IncrementalAlterConfigs => {
            incremental_alter_configs::handle(ctx, d(body, api_key, version)?, version)
        }
        ApiKey::DeleteGroups => delete_groups::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::OffsetDelete => offset_delete::handle(ctx, d(body, api_key, version)?, version),
        ApiKey::DescribeCluster => {
            describe_cluster::handle(ctx, d(body, api_key, version)?, version)
        }
        other => {
            return Err(FrameError::UnsupportedVersion {
                api: api_name(other),
                version,
                min: 0,
                max: -1,
            })
        }
    })
}

/// The answer to a version we do not serve, for the APIs whose response can say so
/// without knowing the request body: `(response, version to encode it at)`.
///
/// ApiVersions is the important one: a client that starts too high (kafka-python sends v4,
/// librdkafka v3) gets a v0 answer with `UNSUPPORTED_VERSION` and our whole list, and then
/// retries with a version we serve. For the other APIs a top-level error code is enough,
/// where the response has one in that version; any other case closes the connection (with
/// a log line), since Kafka clients never send versions that ApiVersions did not offer.
fn unsupported_version(api_key: ApiKey, version: i16, sasl: bool) -> Option<(ResponseKind, i16)> {
    use kafka_protocol::messages::{
        HeartbeatResponse, JoinGroupResponse, LeaveGroupResponse, SyncGroupResponse,
    };
    let code = crate::KafkaError::UnsupportedVersion.code();
    let crate_range = api_key.valid_versions();
    let encodable = version >= crate_range.min && version <= crate_range.max;
    match api_key {
        ApiKey::ApiVersions => Some((api_versions::unsupported(sasl), 0)),
        _ if !encodable => None,
        ApiKey::JoinGroup => Some((
            ResponseKind::JoinGroup(JoinGroupResponse::default().with_error_code(code)),
            version,
        )),
        ApiKey::SyncGroup => Some((
            ResponseKind::SyncGroup(SyncGroupResponse::default().with_error_code(code)),
            version,
        )),
        ApiKey::Heartbeat => Some((
            ResponseKind::Heartbeat(HeartbeatResponse::default().with_error_code(code)),
            version,
        )),
        ApiKey::LeaveGroup => Some((
            ResponseKind::LeaveGroup(LeaveGroupResponse::default().with_error_code(code)),
            version,
        )),
        ApiKey::Fetch if version >= 7 => Some((
            ResponseKind::Fetch(
                kafka_protocol::messages::FetchResponse::default().with_error_code(code),
            ),
            version,
        )),
        _ => None,
    }
}

/// A `StrBytes` from a `&str` (the crate's string type shares its buffer with the frame).
pub(crate) fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// The wire code of a result, for an API that learnt `PRODUCER_FENCED` (KIP-588) in
/// version `knows_fenced`: older versions hear `INVALID_PRODUCER_EPOCH`, which their
/// clients take for the same fatal fencing.
pub(crate) fn fenced_before<T>(
    knows_fenced: i16,
    version: i16,
    result: &Result<T, crate::KafkaError>,
) -> i16 {
    match result {
        Err(crate::KafkaError::ProducerFenced) if version < knows_fenced => {
            crate::KafkaError::InvalidProducerEpoch.code()
        }
        other => code(other),
    }
}

/// The wire code of a result: 0 for success.
pub(crate) fn code<T>(result: &Result<T, crate::KafkaError>) -> i16 {
    match result {
        Ok(_) => 0,
        Err(e) => e.code(),
    }
}
