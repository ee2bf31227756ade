//! `cargo xtask soak`: the full fault and load run (`--batch`: its batch mode).
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
    /// Users in the generated tenant (default 200; with `--batch`, 20 per task so that
    /// batches fill).
    #[arg(long)]
    users: Option<u64>,
    /// The batch mode: every operation a batch item through the bulk path (JSON batches,
    /// per-item retries, adaptive concurrency), checked the same way.
    #[arg(long)]
    batch: bool,
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
            if args.batch {
                "soak_batch_full"
            } else {
                "soak_full"
            },
            "--nocapture",
        ])
        .env("GRAPH_PHONE_SOAK_OPS", args.ops.to_string())
        .env("GRAPH_PHONE_SOAK_TASKS", args.tasks.to_string())
        .env(
            "GRAPH_PHONE_SOAK_USERS",
            args.users
                .unwrap_or(if args.batch { 20 * args.tasks } else { 200 })
                .to_string(),
        )
        .env("GRAPH_PHONE_SOAK_SEED", args.seed.to_string())
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("the soak failed ({status})");
    }
    Ok(())
}
