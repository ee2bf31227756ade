//! The fault and load run ("soak"): many concurrent tasks drive the client against the
//! emulator while it injects about 20 % faults (429 with fractional `Retry-After`, 503 with
//! and without `Retry-After`, 504 after applying, latency, connections dropped before and
//! after applying); then every operation must have ended in success or an expected typed
//! error, the emulator's state must equal a model of the operations (those that succeeded
//! and those the request log shows applied although the client saw an error), creates are
//! never repeated, retries are bounded per fault, and the wall time is bounded.
//!
//! - `cargo test -p graph-phone-client --test soak`: the normal-suite size (64 tasks, 600
//!   operations, 200 users; a few seconds in debug).
//! - `cargo xtask soak`: the full size (64 tasks, 10,000 operations) in release; it runs
//!   the ignored `soak_full` test below. Its size comes from the environment:
//!   `GRAPH_PHONE_SOAK_OPS`, `GRAPH_PHONE_SOAK_TASKS`, `GRAPH_PHONE_SOAK_USERS`,
//!   `GRAPH_PHONE_SOAK_SEED`, `GRAPH_PHONE_SOAK_FAULT_PERCENT` (20),
//!   `GRAPH_PHONE_SOAK_PAGE_SIZE` (2; 0 for no server paging).
//!
//! The logic is in `harness.rs`; `correlate.rs` maps each operation to the
//! `client-request-id`s the emulator logged for it.

mod correlate;
mod harness;

use std::time::Duration;

use harness::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_small() {
    let figures = harness::run(Config {
        tasks: 64,
        ops: 600,
        users: 200,
        seed: 6,
        fault_rate: 0.2,
        page_size: Some(2),
        time_limit: Duration::from_secs(120),
        batch: false,
    })
    .await;
    println!("soak (normal suite)\n{figures}");
    // The faults really happened, and of every kind.
    for kind in [
        "latency",
        "429",
        "503",
        "504-after",
        "drop-before",
        "drop-after",
    ] {
        assert!(
            figures.faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault was injected: {figures}"
        );
    }
}

fn env(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

/// The full run, behind `cargo xtask soak`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the full soak: run it with `cargo xtask soak`"]
async fn soak_full() {
    let ops = env("GRAPH_PHONE_SOAK_OPS", 10_000) as usize;
    let figures = harness::run(Config {
        tasks: env("GRAPH_PHONE_SOAK_TASKS", 64) as usize,
        ops,
        users: env("GRAPH_PHONE_SOAK_USERS", 200) as usize,
        seed: env("GRAPH_PHONE_SOAK_SEED", 2026),
        fault_rate: env("GRAPH_PHONE_SOAK_FAULT_PERCENT", 20) as f64 / 100.0,
        page_size: Some(env("GRAPH_PHONE_SOAK_PAGE_SIZE", 2) as usize).filter(|n| *n > 0),
        // Generous: about 10 ms per operation, at least 5 minutes.
        time_limit: Duration::from_secs(300).max(Duration::from_millis(10 * ops as u64)),
        batch: false,
    })
    .await;
    println!("soak (full)\n{figures}");
}

/// The batch mode at the normal-suite size: the same workload as batch items through the
/// bulk path, 20 users per task so that batches fill, no server paging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_batch_small() {
    let figures = harness::run(Config {
        tasks: 16,
        ops: 800,
        users: 320,
        seed: 8,
        fault_rate: 0.2,
        page_size: None,
        time_limit: Duration::from_secs(120),
        batch: true,
    })
    .await;
    println!("soak, batch mode (normal suite)\n{figures}");
    for kind in ["429", "503", "504-after", "drop-before", "drop-after"] {
        assert!(
            figures.faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault was injected: {figures}"
        );
    }
    assert!(figures.batches > 0 && figures.batches < figures.operations);
}

/// The full batch mode, behind `cargo xtask soak --batch`: 64 tasks, 10,000 operations,
/// 20 % faults, 20 users per task unless `GRAPH_PHONE_SOAK_USERS` says otherwise.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the full soak in batch mode: run it with `cargo xtask soak --batch`"]
async fn soak_batch_full() {
    let ops = env("GRAPH_PHONE_SOAK_OPS", 10_000) as usize;
    let tasks = env("GRAPH_PHONE_SOAK_TASKS", 64) as usize;
    let figures = harness::run(Config {
        tasks,
        ops,
        users: env("GRAPH_PHONE_SOAK_USERS", 20 * tasks as u64) as usize,
        seed: env("GRAPH_PHONE_SOAK_SEED", 2026),
        fault_rate: env("GRAPH_PHONE_SOAK_FAULT_PERCENT", 20) as f64 / 100.0,
        page_size: None,
        time_limit: Duration::from_secs(300).max(Duration::from_millis(10 * ops as u64)),
        batch: true,
    })
    .await;
    println!("soak, batch mode (full)\n{figures}");
}
