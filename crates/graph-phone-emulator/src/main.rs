//! `graph-phone-emulator`: serves the local Graph emulator until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use graph_phone_emulator::{Cloud, Emulator, FaultPlan, Tenant, Throttle};

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
    /// Seconds a connection has to send a complete request head (and the longest a
    /// keep-alive connection may stay idle); more than 0, at most 86400.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    header_timeout: Duration,
    /// Connections served at once; further ones wait until one closes.
    #[arg(long, value_name = "N", default_value_t = graph_phone_emulator::DEFAULT_MAX_CONNECTIONS,
          value_parser = at_least_one)]
    max_connections: usize,
    /// Request records kept for the log (oldest dropped first; 0 keeps none).
    #[arg(long, value_name = "N", default_value_t = graph_phone_emulator::DEFAULT_REQUEST_LOG_CAPACITY)]
    request_log_capacity: usize,
    /// Throttle as Graph does: `identity-and-access` (Graph's documented identity and access
    /// limits) or limits such as "rate=1000 burst=100; writes rate=20 burst=3000".
    #[arg(long, value_name = "SPEC")]
    throttle: Option<String>,
    /// Service latency added to every request, in seconds (e.g. 0.02), to model Graph's
    /// round-trip time; at most 600.
    #[arg(long, value_name = "SECONDS", value_parser = latency)]
    latency: Option<Duration>,
    /// Debug logs (phone numbers appear masked, tokens never).
    #[arg(long, short)]
    verbose: bool,
}

/// A number of seconds, more than 0 and at most a day: `0.5`, `30`.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| "expected a number of seconds, more than 0 and at most 86400".into())
}

/// A number of seconds from 0 to 600: `0.02`.
fn latency(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| (0.0..=600.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| "expected a number of seconds from 0 to 600".into())
}

/// A whole number from 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| "expected a whole number, at least 1".into())
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
        .body_limit(args.body_limit)
        .header_timeout(args.header_timeout)
        .max_connections(args.max_connections)
        .request_log_capacity(args.request_log_capacity);
    if let Some(spec) = &args.faults {
        builder = builder.faults(FaultPlan::parse(spec)?);
    }
    if let Some(spec) = &args.throttle {
        builder = builder.throttle(Throttle::parse(spec)?);
    }
    if let Some(latency) = args.latency {
        builder = builder.latency(latency);
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
