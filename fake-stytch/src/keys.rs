//! RS256 signing keys and the JSON Web Key Set that publishes them.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde::Serialize;

use crate::ids::new_id;

/// Modulus size of generated keys. 2048 bits is the common size for RS256
/// JWKS keys and generates in well under a second even in debug builds.
pub const RSA_KEY_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("failed to generate an RSA key: {0}")]
    Generate(#[from] rsa::Error),

    #[error("failed to encode the RSA key as PKCS#1 DER: {0}")]
    Encode(#[from] rsa::pkcs1::Error),
}

/// A public key in the shape of Stytch's JWKS entries.
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub key_use: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
    pub key_ops: Vec<&'static str>,
    /// Always empty because the fake issues no certificates.
    pub x5c: Vec<String>,
    /// Always empty because the fake issues no certificates.
    #[serde(rename = "x5tS256")]
    pub x5t_s256: String,
}

/// One RSA key pair with its key id.
pub struct SigningKey {
    pub kid: String,
    pub encoding_key: EncodingKey,
    pub decoding_key: DecodingKey,
    pub jwk: Jwk,
}

impl SigningKey {
    /// Generates a new key pair with a fresh `jwk-test-<uuid>` key id.
    ///
    /// This takes a noticeable fraction of a second, so async callers should
    /// run it on a blocking thread.
    pub fn generate() -> Result<Self, KeyError> {
        let private_key = rsa::PrivateKey::new(&mut rand::rng(), RSA_KEY_BITS)?;
        let der = private_key.to_pkcs1_der()?;
        let modulus = private_key.n_bytes();
        let exponent = private_key.e_bytes();
        let kid = new_id("jwk");

        let jwk = Jwk {
            kty: "RSA",
            alg: "RS256",
            key_use: "sig",
            kid: kid.clone(),
            n: URL_SAFE_NO_PAD.encode(&modulus),
            e: URL_SAFE_NO_PAD.encode(&exponent),
            key_ops: vec!["verify"],
            x5c: Vec::new(),
            x5t_s256: String::new(),
        };

        Ok(Self {
            kid,
            encoding_key: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding_key: DecodingKey::from_rsa_raw_components(&modulus, &exponent),
            jwk,
        })
    }
}

/// The published keys: the current signing key first, then older keys that
/// still verify JWTs signed before a rotation.
pub struct KeySet {
    current: Arc<SigningKey>,
    previous: Vec<Arc<SigningKey>>,
}

impl KeySet {
    pub fn new(current: SigningKey) -> Self {
        Self {
            current: Arc::new(current),
            previous: Vec::new(),
        }
    }

    /// Returns the key that signs new JWTs.
    pub fn current(&self) -> Arc<SigningKey> {
        Arc::clone(&self.current)
    }

    /// Finds a published key by key id.
    pub fn find(&self, kid: &str) -> Option<Arc<SigningKey>> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.kid == kid)
            .cloned()
    }

    /// Makes `key` the signing key. The old keys stay published unless
    /// `retire_old` is set, as Stytch keeps serving the old key for a while
    /// after a rotation.
    pub fn rotate(&mut self, key: SigningKey, retire_old: bool) {
        let old = std::mem::replace(&mut self.current, Arc::new(key));
        if retire_old {
            self.previous.clear();
        } else {
            self.previous.insert(0, old);
        }
    }

    /// Returns the public keys in JWKS order, newest first.
    pub fn jwks(&self) -> Vec<Jwk> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|key| key.jwk.clone())
            .collect()
    }
}
