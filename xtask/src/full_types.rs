//! `cargo xtask full-types [--out DIR] [--check | --build] [--no-schemars]`: the types of the whole Graph v1.0
//! metadata, the generator's scale test.
//!
//! Reads `spec/upstream/v1.0-Prod.csdl` and runs it through the pipeline's own pieces:
//! `csdl::read` -> `ir::lower` (a navigation path for every entity set and singleton, so
//! their types get create and update payloads) -> `emit::rust::emit_types_source` with an
//! empty overlay; no trim, so every entity type, complex type, enum and type definition of
//! the document is in scope. The result is a throwaway crate, `target/full-v1/` by default:
//! `src/generated.rs` and a `lib.rs` that mounts it next to graph-phone-types' support
//! module (a path dependency), with the workspace's `Cargo.lock`. Nothing in the repository
//! changes.
//!
//! `--check` then runs `cargo check` on it, `--build` a debug `cargo build`, both offline
//! with `CARGO_INCREMENTAL=0` in `target/full-v1/target` (with the `schemars` feature unless
//! `--no-schemars`), and print the wall time. The crate denies warnings and missing docs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use graph_codegen::emit::Overlay;
use graph_codegen::ir::PathRequest;

use crate::files;

/// The document the command generates from.
pub const METADATA: &str = "spec/upstream/v1.0-Prod.csdl";

#[derive(clap::Args)]
pub struct FullTypesArgs {
    /// Where to write the crate (default: `target/full-v1` in the checkout).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Then `cargo check` the crate.
    #[arg(long, conflicts_with = "build")]
    check: bool,
    /// Then `cargo build` (debug) the crate.
    #[arg(long)]
    build: bool,
    /// Compile without the `schemars` feature (the generated `JsonSchema` derives and impls
    /// are then not checked; about 40 % less compile time).
    #[arg(long)]
    no_schemars: bool,
}

/// What generating the crate cost and made.
pub struct Generated {
    /// `csdl::read` of the metadata.
    pub read: Duration,
    /// `ir::lower`.
    pub lower: Duration,
    /// `emit_types_source` (quote, syn, prettyplease).
    pub emit: Duration,
    /// Size of `src/generated.rs`.
    pub bytes: usize,
    /// Lines of `src/generated.rs`.
    pub lines: usize,
    /// Types of the document: entity and complex types, enums, type definitions.
    pub document_types: usize,
    /// Top-level `struct`, `enum` and `type` items emitted.
    pub items: usize,
}

pub fn run(args: FullTypesArgs) -> anyhow::Result<()> {
    let root = files::workspace_root()?;
    let dir = args.out.unwrap_or_else(|| root.join("target/full-v1"));
    let made = generate(&root, &dir)?;
    println!(
        "{}: {} bytes, {} lines, {} items (structs, enums, aliases) for {} types of {METADATA}",
        dir.join("src/generated.rs").display(),
        made.bytes,
        made.lines,
        made.items,
        made.document_types
    );
    println!(
        "read {:.0} ms, lower {:.0} ms, emit {:.0} ms",
        ms(made.read),
        ms(made.lower),
        ms(made.emit)
    );
    if args.check || args.build {
        let subcommand = if args.check { "check" } else { "build" };
        let started = Instant::now();
        cargo(&dir, subcommand, !args.no_schemars)?;
        println!(
            "cargo {subcommand} (debug, CARGO_INCREMENTAL=0{}): {:.1} s wall",
            if args.no_schemars {
                ", without schemars"
            } else {
                ""
            },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Generates the crate into `dir` (files written only when changed, so a second `cargo
/// check` rebuilds nothing).
pub fn generate(root: &Path, dir: &Path) -> anyhow::Result<Generated> {
    let text = files::read(root, METADATA)?;
    let started = Instant::now();
    let doc = graph_codegen::csdl::read(METADATA, &text)?;
    let read = started.elapsed();
    let started = Instant::now();
    let model = graph_codegen::lower(&doc, &[])?;
    let requests: Vec<PathRequest> = model
        .roots
        .keys()
        .map(|root| PathRequest::new(root.as_str(), &[]))
        .collect();
    let model = graph_codegen::lower(&doc, &requests)?;
    let lower = started.elapsed();
    let started = Instant::now();
    let source = graph_codegen::emit::rust::emit_types_source(&model, &Overlay::default())?;
    let emit = started.elapsed();
    let items = source
        .lines()
        .filter(|l| {
            l.starts_with("pub struct ") || l.starts_with("pub enum ") || l.starts_with("pub type ")
        })
        .count();

    let support = root.join("crates/graph-phone-types");
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest(&support))?;
    write_lib(dir, true)?;
    write_if_changed(&dir.join("src/generated.rs"), &source)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(root.join("Cargo.lock"), &lock)
            .with_context(|| format!("cannot copy Cargo.lock to {}", lock.display()))?;
    }
    Ok(Generated {
        read,
        lower,
        emit,
        bytes: source.len(),
        lines: source.lines().count(),
        document_types: model.types.len() + model.enums.len() + model.type_definitions.len(),
        items,
    })
}

/// Writes the crate's `lib.rs`: with the generated module, or (`false`) the support module
/// alone, so that a build compiles the dependencies only.
pub fn write_lib(dir: &Path, with_generated: bool) -> anyhow::Result<()> {
    let lib = if with_generated { LIB } else { DEPS_ONLY_LIB };
    write_if_changed(&dir.join("src/lib.rs"), lib)
}

const DEPS_ONLY_LIB: &str = "//! The dependencies of the full v1.0 types crate, without its generated module.\n\
#![deny(warnings, missing_docs)]\n\
/// The support module the generated code calls.\n\
pub mod support {\n    pub use graph_phone_types::support::*;\n}\n";

const LIB: &str = "//! Types of the whole Microsoft Graph v1.0 metadata, generated by `cargo xtask full-types`.\n\
#![deny(warnings, missing_docs)]\n\
/// The support module the generated code calls.\n\
pub mod support {\n    pub use graph_phone_types::support::*;\n}\n\
#[rustfmt::skip]\n\
mod generated;\n\
pub use generated::*;\n";

fn manifest(types: &Path) -> String {
    format!(
        r#"[package]
name = "graph-full-v1-types"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the graph-phone workspace it sits under.
[workspace]

[features]
default = ["schemars"]
schemars = []

[dependencies]
graph-phone-types = {{ path = {types:?} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
schemars = {{ version = "1.2", features = ["jiff02", "uuid1"] }}
jiff = {{ version = "0.2", default-features = false, features = ["std", "serde"] }}
uuid = {{ version = "1", features = ["serde"] }}
"#,
        types = types.display().to_string()
    )
}

fn write_if_changed(path: &Path, contents: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `cargo <subcommand>` of the crate in `dir`, offline, its own target directory, with or
/// without the `schemars` feature.
pub fn cargo(dir: &Path, subcommand: &str, schemars: bool) -> anyhow::Result<()> {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .args([subcommand, "--offline", "--lib"]);
    if !schemars {
        command.arg("--no-default-features");
    }
    let status = command
        .status()
        .with_context(|| format!("cannot run cargo {subcommand} in {}", dir.display()))?;
    if !status.success() {
        bail!("cargo {subcommand} in {} failed ({status})", dir.display());
    }
    Ok(())
}
