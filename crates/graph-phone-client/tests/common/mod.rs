//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use graph_phone_client::{Cloud, Error, GraphClient, GraphClientBuilder, RetryPolicy, StaticToken};
use graph_phone_emulator::{Emulator, RequestRecord, RunningEmulator, Tenant};

pub const ALICE: &str = "alice@contoso.com";
pub const ALICE_ID: &str = "11111111-1111-1111-1111-111111111111";
pub const ALICE_MOBILE: &str = "+1 2065550100";

pub async fn emulator(page_size: Option<usize>) -> RunningEmulator {
    let mut builder = Emulator::builder().tenant(Tenant::example());
    if let Some(n) = page_size {
        builder = builder.page_size(n);
    }
    builder.start().await.expect("emulator starts")
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::default()
    }
}

pub fn builder(emu: &RunningEmulator, token: &str) -> GraphClientBuilder {
    GraphClient::builder(Cloud::Custom {
        base_url: emu.base_url(),
    })
    .token_provider(StaticToken::new(token))
    .retry_policy(fast_retries())
}

pub fn client(emu: &RunningEmulator, token: &str) -> GraphClient {
    builder(emu, token).build().expect("client builds")
}

pub fn requests(emu: &RunningEmulator) -> Vec<RequestRecord> {
    emu.handle().requests()
}

pub fn graph_status(err: &Error) -> Option<(u16, String)> {
    err.graph().map(|g| (g.status, g.code.clone()))
}
