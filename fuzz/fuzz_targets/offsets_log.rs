//! Any bytes as an offsets-log or transaction-log record through every decoder of those
//! logs: commit keys (versions 0 and 1) and values, group metadata keys (version 2) and
//! values (`GroupMetadataValue` v3), and the transaction log's key and value. The first
//! byte is the key's length; the key follows, the value is the rest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minikafka::offsets::{decode_group_key, GroupMetadataRecord, OffsetAndMetadata, OffsetKey};
use minikafka::txn::txn_log;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (key, value) = rest.split_at(usize::from(n).min(rest.len()));
    let _ = OffsetKey::decode(key);
    let _ = OffsetAndMetadata::decode(value);
    let group = decode_group_key(key).unwrap_or_default();
    let _ = GroupMetadataRecord::decode(group, value);
    let id = txn_log::decode_key(key).unwrap_or_default();
    let _ = txn_log::decode_value(&id, value);
});
