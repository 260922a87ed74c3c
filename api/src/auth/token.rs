//! Random tokens for magic links and sessions, and the hashes under which
//! they are stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The maximum token length accepted for lookup. Real tokens are 43 characters.
pub const MAX_TOKEN_LENGTH: usize = 512;

/// Generates 32 bytes from the operating system's CSPRNG (through the
/// thread-local generator that `rand` seeds from it), as URL-safe base64.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hashes a token with SHA-256, hex-encoded, the form the database stores.
///
/// A plain hash suffices because the tokens carry 256 random bits, so
/// there is nothing to guess. A slow password hash would only slow down
/// every request.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let first = generate();
        let second = generate();

        assert_eq!(first.len(), 43);
        assert_ne!(first, second);
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
