//! Identifiers and opaque secrets in the shapes Stytch uses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Random bytes per token: 33 bytes encode to 44 base64url characters, the
/// length of Stytch's magic link and session tokens.
const TOKEN_BYTES: usize = 33;

/// Returns a new id such as `user-test-<uuid>`.
///
/// Every id carries the `test` marker, as ids of a Stytch test project do.
pub fn new_id(kind: &str) -> String {
    format!("{kind}-test-{}", Uuid::new_v4())
}

/// Returns a new request id, `request-id-test-<uuid>`.
pub fn new_request_id() -> String {
    new_id("request-id")
}

/// Returns a new unguessable base64url token for magic links and sessions.
pub fn new_opaque_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
