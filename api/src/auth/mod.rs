//! Sign-in and sessions: the identity providers behind one trait, the
//! session cookies, and the guard over the protected routes.

pub mod builtin;
pub mod cookies;
pub mod guard;
pub mod origin;
mod provider;
pub mod stytch;
pub mod token;

pub use provider::{IdentityProvider, LinkFailure, NewSession, Session, SessionCredentials};
