//! `cargo xtask soak`: the full fault and load run.
//!
//! Thin on purpose: the run itself is the ignored `soak_full` test of graph-phone-client
//! (`crates/graph-phone-client/tests/soak/`), so xtask does not depend on the client, the
//! emulator or tokio. This runs it in release (without TLS: the emulator is plain HTTP on
//! loopback) with the size passed through the environment, and forwards its exit status.

use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;

#[derive(Args)]
pub struct SoakArgs {
    /// Operations in total.
    #[arg(long, default_value_t = 10_000)]
    ops: u64,
    /// Concurrent tasks.
    #[arg(long, default_value_t = 64)]
    tasks: u64,
    /// Users in the generated tenant.
    #[arg(long, default_value_t = 200)]
    users: u64,
    /// Seed of the workload and of the injected faults.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

pub fn run(args: SoakArgs) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "test",
            "-p",
            "graph-phone-client",
            "--no-default-features",
            "--release",
            "--test",
            "soak",
            "--",
            "--ignored",
            "--exact",
            "soak_full",
            "--nocapture",
        ])
        .env("GRAPH_PHONE_SOAK_OPS", args.ops.to_string())
        .env("GRAPH_PHONE_SOAK_TASKS", args.tasks.to_string())
        .env("GRAPH_PHONE_SOAK_USERS", args.users.to_string())
        .env("GRAPH_PHONE_SOAK_SEED", args.seed.to_string())
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("the soak failed ({status})");
    }
    Ok(())
}
