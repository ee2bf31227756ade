//! `cargo xtask bench [GROUP...]`: every benchmark of the project, one table at the end.
//!
//! Thin, like the rest of xtask: the measurements are the crates' own bench binaries
//! (`crates/graph-codegen/benches/{pipeline,full_types}.rs`, `crates/graph-phone-client/benches/
//! {client,paging_memory,bulk}.rs`), run with `cargo bench`; each prints its own table and one
//! `BENCH {json}` line per figure, which this collects. The build-cost group and the
//! compile half of `full-types` are measured here, because they time cargo itself: cold
//! builds in fresh target directories and the rebuild after `cargo xtask codegen`.
//!
//! Every figure comes with a baseline measured in the same run, where one exists, and the
//! issue's target; a missed target is reported, never an error: a slow machine is not a
//! failure.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::files;

#[derive(Args)]
pub struct BenchArgs {
    /// Groups to run (default: all). `build` takes several minutes: three cold builds.
    #[arg(value_enum)]
    groups: Vec<Group>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Group {
    /// The generator pipeline on the real global metadata vs a bare quick-xml scan.
    Codegen,
    /// Per-request and 1000-item-page cost vs hand-written reqwest + serde_json.
    Client,
    /// Peak RSS while streaming 10,000 and 100,000 items through nextLink pages.
    Paging,
    /// Consumers' build cost: cold build against graph-rs-sdk and a hand-written baseline,
    /// and rebuild after `cargo xtask codegen`.
    Build,
    /// Phones registered for 10,000 users under the emulator's throttle, as a ratio of its
    /// rate: single calls at concurrency 8 and 64, and the bulk path (about a minute).
    Bulk,
    /// The generator's scale test, not in the default set (about 15 minutes on 2 cores):
    /// the types of the whole v1.0 metadata (`cargo xtask full-types`): generator stages,
    /// generated size, and `cargo check` and `cargo build` of the generated crate.
    FullTypes,
}

/// One figure, as a bench's `BENCH` line gives it.
#[derive(Debug)]
struct Row {
    bench: String,
    name: String,
    unit: String,
    value: f64,
    baseline: Option<(String, f64)>,
    max_ratio: Option<f64>,
    /// A floor on the ratio (a throughput that must reach a share of its baseline).
    min_ratio: Option<f64>,
    max_value: Option<f64>,
}

impl Row {
    fn parse(json: &str) -> anyhow::Result<Row> {
        let v: serde_json::Value = serde_json::from_str(json)?;
        let text = |key: &str| -> anyhow::Result<String> {
            v[key]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("field `{key}` missing or not a string"))
        };
        let number = |key: &str| v.get(key).and_then(serde_json::Value::as_f64);
        let baseline = match (v.get("baseline"), number("baseline_value")) {
            (Some(serde_json::Value::String(name)), Some(value)) => Some((name.clone(), value)),
            (None, None) => None,
            _ => bail!("`baseline` and `baseline_value` must come together"),
        };
        Ok(Row {
            bench: text("bench")?,
            name: text("name")?,
            unit: text("unit")?,
            value: number("value").context("field `value` missing or not a number")?,
            baseline,
            max_ratio: number("max_ratio"),
            min_ratio: number("min_ratio"),
            max_value: number("max_value"),
        })
    }

    fn ratio(&self) -> Option<f64> {
        self.baseline.as_ref().map(|(_, b)| self.value / b)
    }

    /// `met` / `missed` against the targets the row carries, or empty without one.
    fn verdict(&self) -> &'static str {
        let ratio_ok = match (self.max_ratio, self.ratio()) {
            (Some(max), Some(r)) => Some(r <= max),
            _ => None,
        };
        let floor_ok = match (self.min_ratio, self.ratio()) {
            (Some(min), Some(r)) => Some(r >= min),
            _ => None,
        };
        let value_ok = self.max_value.map(|max| self.value <= max);
        match (ratio_ok, floor_ok, value_ok) {
            (None, None, None) => "",
            (Some(false), _, _) | (_, Some(false), _) | (_, _, Some(false)) => "missed",
            _ => "met",
        }
    }

    fn target(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.max_ratio {
            parts.push(format!("<= {r}x"));
        }
        if let Some(r) = self.min_ratio {
            parts.push(format!(">= {r}x"));
        }
        if let Some(v) = self.max_value {
            parts.push(format!("<= {v} {}", self.unit));
        }
        parts.join(", ")
    }
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let root = files::workspace_root()?;
    let groups = if args.groups.is_empty() {
        vec![
            Group::Codegen,
            Group::Client,
            Group::Paging,
            Group::Build,
            Group::Bulk,
        ]
    } else {
        args.groups
    };
    let mut rows = Vec::new();
    for group in groups {
        match group {
            Group::Codegen => rows.extend(cargo_bench(&root, "graph-codegen", "pipeline", &[])?),
            Group::Client => rows.extend(cargo_bench(
                &root,
                "graph-phone-client",
                "client",
                &["--no-default-features"],
            )?),
            Group::Paging => rows.extend(cargo_bench(
                &root,
                "graph-phone-client",
                "paging_memory",
                &["--no-default-features"],
            )?),
            Group::Build => rows.extend(build_cost(&root)?),
            Group::Bulk => rows.extend(cargo_bench(
                &root,
                "graph-phone-client",
                "bulk",
                &["--no-default-features"],
            )?),
            Group::FullTypes => {
                rows.extend(cargo_bench(&root, "graph-codegen", "full_types", &[])?);
                rows.extend(full_types_compile(&root)?);
            }
        }
    }
    println!();
    print!("{}", machine());
    print!("{}", table(&rows));
    Ok(())
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Runs one bench binary, echoing its output, and collects its `BENCH` lines.
fn cargo_bench(
    root: &Path,
    package: &str,
    bench: &str,
    extra: &[&str],
) -> anyhow::Result<Vec<Row>> {
    let command = format!(
        "cargo bench -p {package} --bench {bench} {}",
        extra.join(" ")
    );
    eprintln!("\n== {}", command.trim_end());
    let mut child = Command::new(cargo())
        .current_dir(root)
        .args(["bench", "-p", package, "--bench", bench])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{command}`"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut rows = Vec::new();
    for (n, line) in BufReader::new(stdout).lines().enumerate() {
        let line = line.with_context(|| format!("reading the output of `{command}`"))?;
        match line.strip_prefix("BENCH ") {
            Some(json) => rows.push(Row::parse(json).with_context(|| {
                format!(
                    "line {} of the output of `{command}` is not a valid BENCH line: {json}",
                    n + 1
                )
            })?),
            None => println!("{line}"),
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{command}` failed ({status}); its output is above");
    }
    if rows.is_empty() {
        bail!("`{command}` printed no BENCH lines; is the bench binary up to date?");
    }
    Ok(rows)
}

/// Consumers' build cost, in fresh target directories under `target/xtask-build-cost/`
/// (removed afterwards). Three scratch crates, each a fresh project outside the workspace
/// with cargo's default dev profile and the workspace's Cargo.lock, are built cold back to
/// back: a consumer of graph-phone-client (path dependency, default features), graph-rs-sdk
/// 3.0.1 (`default-features = false`, `rustls-tls`: the general Graph SDK for Rust), and
/// what a hand-written client compiles anyway (reqwest with rustls, serde, serde_json,
/// tokio). Each reports wall time, CPU time (user + system of cargo and everything it ran)
/// and the number of crates compiled. Then the consumer's rebuild after `cargo xtask
/// codegen` with the spec unchanged (nothing is written, so nothing rebuilds) and after the
/// generated code changed (both generated crates rebuild).
///
/// Dependencies are downloaded first (`cargo fetch`, not timed). Every build runs with
/// `CARGO_INCREMENTAL=0`, as a consumer's build of a dependency does; with incremental
/// compilation a bumped mtime over unchanged text would rebuild almost nothing, which no
/// real spec change gives.
fn build_cost(root: &Path) -> anyhow::Result<Vec<Row>> {
    let work = root.join("target/xtask-build-cost");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot clear {}", work.display()))?;
    }
    let client_path = root.join("crates/graph-phone-client");
    let client_dep = format!(
        "graph-phone-client = {{ path = {:?} }}\n",
        client_path.display().to_string()
    );
    let crates = [
        ("consumer", client_dep.as_str(), CONSUMER_MAIN),
        ("graph-rs-sdk", GRAPH_RS_SDK_DEPS, GRAPH_RS_SDK_MAIN),
        ("baseline", BASELINE_DEPS, BASELINE_MAIN),
    ];
    for (name, deps, main) in crates {
        let dir = work.join(name);
        write_scratch_crate(root, &dir, name, deps, main)?;
        eprintln!("\n== cargo fetch ({name}, not timed)");
        cargo_in(&dir, &work.join(format!("target-{name}")), "fetch")?;
    }
    let mut builds = Vec::new();
    for (name, _, _) in crates {
        eprintln!(
            "\n== cold dev build: {name} (load average {})",
            load_average()
        );
        let build = timed_build(&work.join(name), &work.join(format!("target-{name}")))?;
        eprintln!(
            "   {name}: {:.1} s wall, {:.1} s CPU, {} crates",
            build.wall.as_secs_f64(),
            build.cpu.as_secs_f64(),
            build.crates
        );
        builds.push(build);
    }
    let [client, sdk, baseline] = [&builds[0], &builds[1], &builds[2]];
    let consumer = work.join("consumer");
    let client_target = work.join("target-consumer");

    eprintln!("\n== cargo xtask codegen (spec unchanged), then rebuild");
    let started = Instant::now();
    let changed = crate::codegen::generate_in(root, files::Mode::Write)?;
    if !changed.is_empty() {
        bail!(
            "cargo xtask codegen changed {} file(s) ({}); commit or revert them, then measure again",
            changed.len(),
            changed.join(", ")
        );
    }
    let unchanged = started.elapsed() + timed_build(&consumer, &client_target)?.wall;

    eprintln!("\n== rebuild after the generated code changed (mtimes bumped)");
    touch_generated(root)?;
    let rebuild = timed_build(&consumer, &client_target)?.wall;

    std::fs::remove_dir_all(&work).with_context(|| format!("cannot remove {}", work.display()))?;
    let secs = |d: Duration| (d.as_secs_f64() * 10.0).round() / 10.0;
    let row = |name: &str, unit: &str, value: f64, baseline: Option<(&str, f64)>| Row {
        bench: "build".to_owned(),
        name: name.to_owned(),
        unit: unit.to_owned(),
        value,
        baseline: baseline.map(|(n, v)| (n.to_owned(), v)),
        max_ratio: None,
        min_ratio: None,
        max_value: None,
    };
    let sdk_name = "graph-rs-sdk 3.0.1 (rustls-tls)";
    let base_name = "reqwest (rustls) + serde + serde_json + tokio";
    let target = |mut r: Row| {
        r.max_ratio = Some(0.5);
        r
    };
    Ok(vec![
        target(row(
            "cold dev build of graph-phone-client: wall",
            "s",
            secs(client.wall),
            Some((sdk_name, secs(sdk.wall))),
        )),
        target(row(
            "cold dev build of graph-phone-client: CPU (user + sys)",
            "s",
            secs(client.cpu),
            Some((sdk_name, secs(sdk.cpu))),
        )),
        row(
            "cold dev build of graph-phone-client: crates compiled",
            "crates",
            client.crates as f64,
            Some((sdk_name, sdk.crates as f64)),
        ),
        row(
            "cold dev build of graph-phone-client: wall",
            "s",
            secs(client.wall),
            Some((base_name, secs(baseline.wall))),
        ),
        row(
            "cold dev build of graph-phone-client: CPU (user + sys)",
            "s",
            secs(client.cpu),
            Some((base_name, secs(baseline.cpu))),
        ),
        row(
            "cold dev build of graph-phone-client: crates compiled",
            "crates",
            client.crates as f64,
            Some((base_name, baseline.crates as f64)),
        ),
        row(
            "cargo xtask codegen + rebuild, spec unchanged",
            "s",
            secs(unchanged),
            None,
        ),
        row(
            "rebuild after the generated code changed (both generated crates)",
            "s",
            secs(rebuild),
            None,
        ),
    ])
}

/// The compile cost of the whole v1.0 metadata's types (`cargo xtask full-types`), in a
/// fresh crate under `target/xtask-full-types/` (removed afterwards): `cargo check` and a
/// debug `cargo build`, each in its own fresh target directory, `CARGO_INCREMENTAL=0`.
/// Each first compiles the dependencies alone (graph-phone-types' support module, serde,
/// schemars, jiff, uuid: the same-run baseline), then the generated crate over them, so the
/// generated crate's figure is its own.
fn full_types_compile(root: &Path) -> anyhow::Result<Vec<Row>> {
    let work = root.join("target/xtask-full-types");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot clear {}", work.display()))?;
    }
    crate::full_types::generate(root, &work)?;
    eprintln!("\n== cargo fetch (full-types, not timed)");
    cargo_in(&work, &work.join("target-fetch"), "fetch")?;
    let secs = |d: Duration| (d.as_secs_f64() * 10.0).round() / 10.0;
    let mut rows = Vec::new();
    for subcommand in ["check", "build"] {
        let target = work.join(format!("target-{subcommand}"));
        crate::full_types::write_lib(&work, false)?;
        eprintln!(
            "\n== cargo {subcommand}: dependencies alone (load average {})",
            load_average()
        );
        let deps = timed_cargo(&work, &target, subcommand)?;
        crate::full_types::write_lib(&work, true)?;
        eprintln!(
            "\n== cargo {subcommand}: the generated crate (load average {})",
            load_average()
        );
        let full = timed_cargo(&work, &target, subcommand)?;
        eprintln!(
            "   cargo {subcommand}: dependencies {:.1} s wall, {:.1} s CPU; generated crate {:.1} s wall, {:.1} s CPU",
            deps.wall.as_secs_f64(),
            deps.cpu.as_secs_f64(),
            full.wall.as_secs_f64(),
            full.cpu.as_secs_f64()
        );
        let baseline = format!("cargo {subcommand} of its dependencies alone");
        for (what, value, base) in [
            ("wall", full.wall, deps.wall),
            ("CPU (user + sys)", full.cpu, deps.cpu),
        ] {
            rows.push(Row {
                bench: "full-types".to_owned(),
                name: format!("cargo {subcommand} (debug) of the generated crate: {what}"),
                unit: "s".to_owned(),
                value: secs(value),
                baseline: Some((baseline.clone(), secs(base))),
                max_ratio: None,
                min_ratio: None,
                max_value: None,
            });
        }
    }
    std::fs::remove_dir_all(&work).with_context(|| format!("cannot remove {}", work.display()))?;
    Ok(rows)
}

/// A consumer of graph-phone-client, and of graph-rs-sdk: each names one item of its crate.
const CONSUMER_MAIN: &str =
    "fn main() {\n    println!(\"{}\", graph_phone_client::OPERATIONS.len());\n}\n";
const GRAPH_RS_SDK_MAIN: &str = "fn main() {\n    println!(\"{}\", graph_rs_sdk::GRAPH_URL);\n}\n";

/// graph-rs-sdk as its README adds it, with rustls instead of the default native-tls.
const GRAPH_RS_SDK_DEPS: &str = r#"graph-rs-sdk = { version = "=3.0.1", default-features = false, features = ["rustls-tls"] }
"#;

/// What a hand-written Graph client would depend on.
const BASELINE_DEPS: &str = r#"reqwest = { version = "0.13", default-features = false, features = ["json", "rustls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread", "net", "time", "sync"] }
"#;

const BASELINE_MAIN: &str = "fn main() {\n    let _ = reqwest::Client::new();\n    let _: serde_json::Value = serde_json::json!({});\n}\n";

/// A fresh binary crate outside the workspace with `deps` as its dependencies, cargo's
/// default dev profile, and the workspace's Cargo.lock (so shared dependencies are the
/// versions the workspace builds; cargo adds what the lock lacks).
fn write_scratch_crate(
    root: &Path,
    dir: &Path,
    name: &str,
    deps: &str,
    main: &str,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"build-cost-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}\n# Not a member of the graph-phone workspace it sits under.\n[workspace]\n"
        ),
    )?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .with_context(|| format!("copying Cargo.lock into {}", dir.display()))?;
    Ok(())
}

/// Runs `cargo <subcommand>` in `dir` with `target` as the target directory.
fn cargo_in(dir: &Path, target: &Path, subcommand: &str) -> anyhow::Result<()> {
    let status = Command::new(cargo())
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .arg(subcommand)
        .arg("--quiet")
        .status()
        .with_context(|| format!("cannot run cargo {subcommand} in {}", dir.display()))?;
    if !status.success() {
        bail!("cargo {subcommand} in {} failed ({status})", dir.display());
    }
    Ok(())
}

/// What one `cargo build` cost.
struct Build {
    wall: Duration,
    /// User + system time of cargo and every process it ran (rustc, build scripts, cc).
    cpu: Duration,
    /// Packages compiled (`Compiling` lines).
    crates: usize,
}

/// `cargo build` in `dir` with `target` as the target directory, its output echoed.
fn timed_build(dir: &Path, target: &Path) -> anyhow::Result<Build> {
    timed_cargo(dir, target, "build")
}

/// `cargo <subcommand>` (`build`, `check`) in `dir` with `target` as the target directory,
/// its output echoed.
fn timed_cargo(dir: &Path, target: &Path, subcommand: &str) -> anyhow::Result<Build> {
    let cpu_before = children_cpu_time();
    let started = Instant::now();
    let mut child = Command::new(cargo())
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .arg(subcommand)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run cargo {subcommand} in {}", dir.display()))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut crates = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line
            .with_context(|| format!("reading cargo {subcommand}'s output in {}", dir.display()))?;
        if line.trim_start().starts_with("Compiling ") || line.trim_start().starts_with("Checking ")
        {
            crates += 1;
        }
        eprintln!("{line}");
    }
    let status = child.wait()?;
    let wall = started.elapsed();
    if !status.success() {
        bail!("cargo {subcommand} in {} failed ({status})", dir.display());
    }
    Ok(Build {
        wall,
        cpu: children_cpu_time().saturating_sub(cpu_before),
        crates,
    })
}

/// User + system CPU time of every child process waited for so far (and of their waited-for
/// descendants), from `getrusage(RUSAGE_CHILDREN)`; zero where that does not exist.
fn children_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: getrusage writes one `rusage` into the zeroed struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
            return Duration::ZERO;
        }
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
    #[cfg(not(unix))]
    {
        Duration::ZERO
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Bumps the modification time of every generated Rust file, as a real spec change would.
fn touch_generated(root: &Path) -> anyhow::Result<()> {
    let now = SystemTime::now();
    for dir in crate::codegen::OWNED_DIRS {
        let dir: PathBuf = root.join(dir);
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            std::fs::File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(now))
                .with_context(|| format!("cannot touch {}", path.display()))?;
        }
    }
    Ok(())
}

/// Date, toolchain, CPU, cores, memory and load: what a figure needs to be compared.
fn machine() -> String {
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    let proc_field = |file: &str, key: &str| {
        std::fs::read_to_string(file).ok().and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let mut out = String::new();
    let _ = writeln!(out, "date: {}", httpdate::fmt_http_date(SystemTime::now()));
    let _ = writeln!(out, "rustc: {}", rustc.trim());
    let _ = writeln!(
        out,
        "cpu: {} ({cores} cores available)",
        proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into())
    );
    if let Some(mem) = proc_field("/proc/meminfo", "MemTotal") {
        let _ = writeln!(out, "memory: {mem}");
    }
    if let Some(load) = load {
        let _ = writeln!(out, "load average at the end: {load}");
    }
    out.push('\n');
    out
}

/// The Markdown table of every figure.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| bench | figure | value | baseline (same run) | ratio | target | verdict |\n|---|---|---:|---|---:|---|---|\n",
    );
    for row in rows {
        let (baseline, ratio) = match (&row.baseline, row.ratio()) {
            (Some((name, value)), Some(r)) => {
                (format!("{name}: {value} {}", row.unit), format!("{r:.2}x"))
            }
            _ => ("-".to_owned(), "-".to_owned()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {baseline} | {ratio} | {} | {} |",
            row.bench,
            row.name,
            row.value,
            row.unit,
            row.target(),
            row.verdict()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_lines_parse_and_judge_against_their_targets() {
        let row = Row::parse(
            r#"{"bench":"codegen","name":"whole pipeline","unit":"ms","value":96.0,"baseline":"bare scan","baseline_value":6.0,"max_ratio":3.0,"max_value":150.0}"#,
        )
        .unwrap();
        assert_eq!(row.ratio(), Some(16.0));
        assert_eq!(row.verdict(), "missed");
        assert_eq!(row.target(), "<= 3x, <= 150 ms");
        let met = Row::parse(
            r#"{"bench":"client","name":"page","unit":"us","value":100.0,"baseline":"serde_json","baseline_value":98.0,"max_ratio":1.1}"#,
        )
        .unwrap();
        assert_eq!(met.verdict(), "met");
        let floor = Row::parse(
            r#"{"bench":"bulk","name":"bulk path","unit":"ops/s","value":850.0,"baseline":"throttle rate 1000 requests/s","baseline_value":1000.0,"min_ratio":0.9}"#,
        )
        .unwrap();
        assert_eq!(
            (floor.verdict(), floor.target()),
            ("missed", ">= 0.9x".to_owned())
        );
        let reached = Row::parse(
            r#"{"bench":"bulk","name":"bulk path","unit":"ops/s","value":950.0,"baseline":"throttle","baseline_value":1000.0,"min_ratio":0.9}"#,
        )
        .unwrap();
        assert_eq!(reached.verdict(), "met");
        let plain =
            Row::parse(r#"{"bench":"build","name":"rebuild","unit":"s","value":12.5}"#).unwrap();
        assert_eq!((plain.ratio(), plain.verdict()), (None, ""));
        let table = table(&[row, met, plain]);
        assert!(table.contains("| codegen | whole pipeline | 96 ms | bare scan: 6 ms | 16.00x | <= 3x, <= 150 ms | missed |"), "{table}");
        assert!(
            table.contains("| build | rebuild | 12.5 s | - | - |  |  |"),
            "{table}"
        );
    }

    #[test]
    fn malformed_bench_lines_say_what_is_wrong() {
        let err = Row::parse(r#"{"bench":"x","name":"y","unit":"ms"}"#).unwrap_err();
        assert!(err.to_string().contains("`value`"), "{err}");
        let err = Row::parse(r#"{"bench":"x","name":"y","unit":"ms","value":1,"baseline":"b"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("`baseline_value`"), "{err}");
        assert!(Row::parse("not json").is_err());
    }
}
