//! An in-memory fake of the part of the Stytch consumer API that the
//! dashboard uses: email magic links, sessions, session JWTs and the JWKS.
//!
//! The binary `fake-stytch` serves it on a loopback port, and tests can start
//! it in-process with [`server::start`]. Besides the `/v1` API it serves
//! test-only control endpoints under `/_fake` (outbox, request counts,
//! fault injection, key rotation, arbitrary JWT signing).

pub mod config;
pub mod errors;
pub mod faults;
pub mod ids;
pub mod jwt;
pub mod keys;
pub mod middleware;
pub mod model;
pub mod response;
pub mod routes;
pub mod server;
pub mod state;
pub mod stats;
pub mod store;
pub mod validation;
