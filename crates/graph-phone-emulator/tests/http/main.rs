//! Integration tests: every test starts its own emulator on an ephemeral loopback port and
//! talks to it over real HTTP with reqwest.

mod auth;
mod common;
mod concurrency;
mod errors;
mod faults;
mod methods;
mod phone;
mod query;
mod reset;
mod server;
mod shapes;
mod state;
#[path = "../support/mod.rs"]
mod support;
