//! `graph-phone-emulator`: serves the local Graph emulator until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use graph_phone_emulator::{Cloud, Emulator, FaultPlan, Tenant};

/// A local, stateful emulator of the Microsoft Graph v1.0 authentication method endpoints.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Tenant file (JSON); the built-in example tenant when absent.
    #[arg(long)]
    tenant: Option<PathBuf>,
    /// National cloud to behave as.
    #[arg(long, default_value = "global")]
    cloud: Cloud,
    /// Fault rules in the fault language, e.g. "seed=7; POST phoneMethods 429 retry-after=0.25 times=2".
    #[arg(long)]
    faults: Option<String>,
    /// Server-side page size for every collection.
    #[arg(long)]
    page_size: Option<usize>,
    /// State file: loaded at start when it exists, saved after every applied change.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Request body limit in bytes.
    #[arg(long, default_value_t = graph_phone_emulator::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Debug logs (phone numbers appear masked, tokens never).
    #[arg(long, short)]
    verbose: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_max_level(if args.verbose {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        })
        .init();
    let tenant = match &args.tenant {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Tenant::from_json(&text)
                .with_context(|| format!("invalid tenant file {}", path.display()))?
        }
        None => Tenant::example(),
    };
    let mut builder = Emulator::builder()
        .listen(args.listen)
        .tenant(tenant)
        .cloud(args.cloud)
        .body_limit(args.body_limit);
    if let Some(spec) = &args.faults {
        builder = builder.faults(FaultPlan::parse(spec)?);
    }
    if let Some(n) = args.page_size {
        builder = builder.page_size(n);
    }
    if let Some(path) = args.state {
        builder = builder.state_file(path);
    }
    let emulator = builder.start().await?;
    println!("{}", emulator.base_url());
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}
