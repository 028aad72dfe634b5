//! One connection's response order: answers released in request order.
//!
//! Kafka promises that responses on a connection come back in the order of their requests:
//! clients match them by correlation id but many (librdkafka among them) treat an
//! out-of-order response as a protocol error. Yet a JoinGroup may wait seconds for the
//! rebalance while a Heartbeat sent after it on the same connection is answered at once.
//! So every request takes a sequence number when it arrives, answers are held back until
//! all earlier ones are out, and then released in order.

use std::collections::{BTreeMap, VecDeque};

use super::{ConnectionId, ResponseFrame, Transmit};

/// The answers of one connection, released in the order of their requests.
#[derive(Debug, Default)]
pub(crate) struct ResponseOrder {
    /// Sequence number of the next request to arrive.
    next_seq: u64,
    /// Sequence number of the next response to release.
    next_out: u64,
    /// Answers that are ready but wait for an earlier one. `None`: the request needs no
    /// answer (Produce with acks=0), but still holds its place.
    ready: BTreeMap<u64, Option<ResponseFrame>>,
}

impl ResponseOrder {
    /// A request arrived: its place in the answer order.
    pub fn begin(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// The answer to request `seq` is ready; release every answer that may now go out.
    pub fn complete(
        &mut self,
        id: ConnectionId,
        seq: u64,
        response: Option<ResponseFrame>,
        out: &mut VecDeque<Transmit>,
    ) {
        self.ready.insert(seq, response);
        while let Some(response) = self.ready.remove(&self.next_out) {
            out.push_back(Transmit {
                connection: id,
                response,
            });
            self.next_out += 1;
        }
    }

    /// Requests that arrived and are not answered yet.
    pub fn in_flight(&self) -> u64 {
        self.next_seq - self.next_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn frame(bytes: &'static [u8]) -> Option<ResponseFrame> {
        Some(Bytes::from_static(bytes).into())
    }

    #[test]
    fn answers_leave_in_request_order() {
        let mut c = ResponseOrder::default();
        let mut out = VecDeque::new();
        let join = c.begin();
        let heartbeat = c.begin();
        let produce_acks0 = c.begin();
        c.complete(7, heartbeat, frame(b"hb"), &mut out);
        c.complete(7, produce_acks0, None, &mut out);
        assert!(out.is_empty(), "held back behind the JoinGroup");
        assert_eq!(c.in_flight(), 3);
        c.complete(7, join, frame(b"join"), &mut out);
        let order: Vec<_> = out.iter().map(|t| t.response.clone()).collect();
        assert_eq!(order, vec![frame(b"join"), frame(b"hb"), None]);
        assert_eq!(c.in_flight(), 0);
    }
}
