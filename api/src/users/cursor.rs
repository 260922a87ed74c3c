//! The opaque cursor of `GET /users`: the last id of a page and a check
//! value, so that an edited or truncated cursor is rejected instead of
//! silently starting somewhere else.
//!
//! The check value is a hash, not a signature: a cursor is not a secret and
//! grants nothing, so only accidental or careless edits need detecting.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const LABEL: &[u8] = b"users-cursor-v1";

pub fn encode(last_id: i64) -> String {
    let id = last_id.to_be_bytes();

    let mut bytes = Vec::with_capacity(16);
    bytes.extend_from_slice(&id);
    bytes.extend_from_slice(&check_value(&id));

    URL_SAFE_NO_PAD.encode(bytes)
}

/// Returns the id after which the next page starts, or `None` when the
/// cursor was not made by [`encode`].
pub fn decode(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (id, check) = bytes.split_at_checked(8)?;

    if check != check_value(id) {
        return None;
    }

    let id = i64::from_be_bytes(id.try_into().ok()?);
    (id > 0).then_some(id)
}

fn check_value(id: &[u8]) -> [u8; 8] {
    let digest = Sha256::new()
        .chain_update(LABEL)
        .chain_update(id)
        .finalize();

    let mut check = [0; 8];
    check.copy_from_slice(&digest[..8]);
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for id in [1, 42, i64::MAX] {
            assert_eq!(decode(&encode(id)), Some(id));
        }
    }

    #[test]
    fn rejects_any_changed_character() {
        let cursor = encode(1234);

        for position in 0..cursor.len() {
            let mut tampered: Vec<char> = cursor.chars().collect();
            tampered[position] = if tampered[position] == 'A' { 'B' } else { 'A' };
            let tampered: String = tampered.into_iter().collect();

            assert_eq!(decode(&tampered), None, "{tampered}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for cursor in ["", "abc", "!!!!", &encode(5)[1..]] {
            assert_eq!(decode(cursor), None, "{cursor}");
        }
    }
}
