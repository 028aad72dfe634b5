//! Frames: the request header in, the response header and body out.
//!
//! Every Kafka request is `[length: i32][header][body]`. The header starts with the same
//! eight bytes in every version (`api_key: i16`, `api_version: i16`, `correlation_id: i32`),
//! then the client id and, from the "flexible" versions on, tagged fields. The net layer
//! strips the length of a request; this module reads the rest, and writes whole responses.
//!
//! The response is `[length][correlation_id][tagged fields if flexible][body]`. One
//! exception every Kafka implementation trips over once: the ApiVersions response header is
//! always version 0 (no tagged fields), even for a flexible request, because the client
//! cannot know yet whether the broker speaks flexible versions.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{Decodable, Encodable};

use crate::record::StoredBatch;

/// Why a frame cannot be served. The net layer logs it and closes that one connection;
/// every other connection goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Shorter than the fixed part of a request header.
    #[error("frame of {0} bytes is too short for a request header")]
    TooShort(usize),
    /// An API key Kafka does not define, or that minikafka does not serve.
    #[error("unknown or unsupported API key {api_key} (version {api_version}, correlation id {correlation_id})")]
    UnknownApiKey {
        /// The key sent.
        api_key: i16,
        /// The version sent.
        api_version: i16,
        /// The correlation id, to find the request in the client's log.
        correlation_id: i32,
    },
    /// A version outside our range, for an API whose response cannot carry the error.
    #[error("{api} version {version} is not supported (supported: {min}..={max})")]
    UnsupportedVersion {
        /// The API's name.
        api: &'static str,
        /// The version sent.
        version: i16,
        /// Lowest supported version.
        min: i16,
        /// Highest supported version.
        max: i16,
    },
    /// SASL is on and the connection broke its rules: a request other than ApiVersions,
    /// SaslHandshake or SaslAuthenticate before authentication, a refused login without
    /// SaslAuthenticate framing (nothing to answer with), a handshake after it.
    #[error("SASL: {0}")]
    Sasl(String),
    /// The header or body does not decode.
    #[error("malformed {api} v{version} request: {reason}")]
    Malformed {
        /// The API's name.
        api: &'static str,
        /// The version sent.
        version: i16,
        /// What the decoder said.
        reason: String,
    },
}

/// The fixed first eight bytes of every request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderPrefix {
    /// Which API.
    pub api_key: i16,
    /// Which version of it.
    pub api_version: i16,
    /// Echoed in the response so the client can match it.
    pub correlation_id: i32,
}

/// Read the first eight bytes without consuming them.
pub fn peek_prefix(frame: &[u8]) -> Result<HeaderPrefix, FrameError> {
    if frame.len() < 8 {
        return Err(FrameError::TooShort(frame.len()));
    }
    let mut b = frame;
    Ok(HeaderPrefix {
        api_key: b.get_i16(),
        api_version: b.get_i16(),
        correlation_id: b.get_i32(),
    })
}

/// Decode the whole request header, leaving `frame` at the start of the body.
pub fn decode_header(
    frame: &mut Bytes,
    api_key: ApiKey,
    version: i16,
) -> Result<RequestHeader, FrameError> {
    let header_version = api_key.request_header_version(version);
    RequestHeader::decode(frame, header_version).map_err(|e| FrameError::Malformed {
        api: api_name(api_key),
        version,
        reason: format!("header: {e}"),
    })
}

/// Decode a request body at `version`.
pub fn decode_body<T: Decodable>(
    body: &mut Bytes,
    api_key: ApiKey,
    version: i16,
) -> Result<T, FrameError> {
    T::decode(body, version).map_err(|e| FrameError::Malformed {
        api: api_name(api_key),
        version,
        reason: e.to_string(),
    })
}

/// A whole response frame, length prefix included, as the driver writes it: in order, its
/// parts. Usually one part of bytes. A Fetch answer also has [`FramePart::Stored`] parts,
/// the record batches that stayed in their segment files, so that the driver can send them
/// from the file (`sendfile`) instead of through the broker's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFrame {
    /// The frame's parts, in the order they go out.
    pub parts: Vec<FramePart>,
}

/// One part of a [`ResponseFrame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramePart {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A byte range of a stored log (consecutive batches of one segment file).
    Stored(StoredBatch),
}

impl ResponseFrame {
    /// Bytes of the whole frame.
    pub fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                FramePart::Bytes(b) => b.len(),
                FramePart::Stored(s) => s.len as usize,
            })
            .sum()
    }

    /// Whether the frame is empty (never, for a real response).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame as one buffer, stored parts read from their files: for tests, and for
    /// drivers that cannot send from a file.
    pub fn to_bytes(&self) -> std::io::Result<Bytes> {
        if let [FramePart::Bytes(only)] = self.parts.as_slice() {
            return Ok(only.clone());
        }
        let mut out = BytesMut::with_capacity(self.len());
        for part in &self.parts {
            match part {
                FramePart::Bytes(b) => out.extend_from_slice(b),
                FramePart::Stored(s) => out.extend_from_slice(&s.load()?),
            }
        }
        Ok(out.freeze())
    }
}

impl From<Bytes> for ResponseFrame {
    fn from(bytes: Bytes) -> ResponseFrame {
        ResponseFrame {
            parts: vec![FramePart::Bytes(bytes)],
        }
    }
}

/// Encode a response, length prefix included: the bytes go to the socket as they are.
pub fn encode_response(
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
    response: &ResponseKind,
) -> Result<Bytes, String> {
    let mut out = BytesMut::with_capacity(64);
    out.put_i32(0); // length, filled in below
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    header
        .encode(&mut out, api_key.response_header_version(version))
        .map_err(|e| e.to_string())?;
    response
        .encode(&mut out, version)
        .map_err(|e| format!("{} v{version} response: {e}", api_name(api_key)))?;
    let len = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&len.to_be_bytes());
    Ok(out.freeze())
}

/// Kafka's name for an API key, for logs.
pub fn api_name(api_key: ApiKey) -> &'static str {
    match api_key {
        ApiKey::Produce => "Produce",
        ApiKey::Fetch => "Fetch",
        ApiKey::ListOffsets => "ListOffsets",
        ApiKey::Metadata => "Metadata",
        ApiKey::OffsetCommit => "OffsetCommit",
        ApiKey::OffsetFetch => "OffsetFetch",
        ApiKey::FindCoordinator => "FindCoordinator",
        ApiKey::JoinGroup => "JoinGroup",
        ApiKey::Heartbeat => "Heartbeat",
        ApiKey::LeaveGroup => "LeaveGroup",
        ApiKey::SyncGroup => "SyncGroup",
        ApiKey::DescribeGroups => "DescribeGroups",
        ApiKey::ListGroups => "ListGroups",
        ApiKey::ApiVersions => "ApiVersions",
        ApiKey::CreateTopics => "CreateTopics",
        ApiKey::DeleteTopics => "DeleteTopics",
        ApiKey::DeleteRecords => "DeleteRecords",
        ApiKey::InitProducerId => "InitProducerId",
        ApiKey::DescribeConfigs => "DescribeConfigs",
        ApiKey::CreatePartitions => "CreatePartitions",
        ApiKey::AlterConfigs => "AlterConfigs",
        ApiKey::IncrementalAlterConfigs => "IncrementalAlterConfigs",
        ApiKey::DeleteGroups => "DeleteGroups",
        ApiKey::OffsetDelete => "OffsetDelete",
        ApiKey::DescribeCluster => "DescribeCluster",
        ApiKey::ConsumerGroupHeartbeat => "ConsumerGroupHeartbeat",
        ApiKey::ConsumerGroupDescribe => "ConsumerGroupDescribe",
        ApiKey::SaslHandshake => "SaslHandshake",
        ApiKey::SaslAuthenticate => "SaslAuthenticate",
        _ => "(unsupported API)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ApiVersionsResponse;

    #[test]
    fn short_frames_have_no_prefix() {
        assert_eq!(peek_prefix(&[0, 18, 0]), Err(FrameError::TooShort(3)));
        let p = peek_prefix(&[0, 18, 0, 3, 0, 0, 0, 7]).unwrap();
        assert_eq!((p.api_key, p.api_version, p.correlation_id), (18, 3, 7));
    }

    #[test]
    fn api_versions_response_header_is_always_v0() {
        let body = ResponseKind::ApiVersions(ApiVersionsResponse::default());
        let bytes = encode_response(ApiKey::ApiVersions, 3, 9, &body).unwrap();
        // length, correlation id, then the body's error code straight away (no tag byte).
        assert_eq!(&bytes[4..8], &9i32.to_be_bytes());
        assert_eq!(&bytes[8..10], &0i16.to_be_bytes());
        let len = i32::from_be_bytes(bytes[..4].try_into().unwrap());
        assert_eq!(len as usize, bytes.len() - 4);
    }
}
