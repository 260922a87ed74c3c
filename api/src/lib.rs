//! The user-administration dashboard's API: users, magic-link sign-in and
//! sessions over SQLite or MySQL.

pub mod auth;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod users;
