//! `cargo xtask codegen [--check]`: regenerate everything generated from `spec/`.

use std::fs;

use anyhow::Context;

use crate::files::{self, Mode, Output};

/// The command users run; check mode names it when something is stale.
pub const COMMAND: &str = "cargo xtask codegen";

/// Directories whose every file is generated (stale files in them are removed).
pub const OWNED_DIRS: &[&str] = &[
    "crates/graph-phone-types/src/generated",
    "crates/graph-phone-client/src/generated",
    "crates/graph-phone-emulator/src/generated",
];

#[derive(clap::Args)]
pub struct CodegenArgs {
    /// Change nothing; fail if any checked-in generated file differs from what codegen produces.
    #[arg(long)]
    check: bool,
}

pub fn run(args: CodegenArgs) -> anyhow::Result<()> {
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let changed = generate(mode)?;
    match (mode, changed.is_empty()) {
        (Mode::Check, _) => println!("generated files are up to date"),
        (Mode::Write, true) => println!("generated files were already up to date"),
        (Mode::Write, false) => {
            for path in &changed {
                println!("updated {path}");
            }
        }
    }
    Ok(())
}

/// Read the spec, run the generator, and bring the outputs onto disk (or compare them).
pub fn generate(mode: Mode) -> anyhow::Result<Vec<String>> {
    generate_in(&files::workspace_root(), mode)
}

/// [`generate`] for the workspace at `root`.
pub fn generate_in(root: &std::path::Path, mode: Mode) -> anyhow::Result<Vec<String>> {
    let read = |rel: &str| files::read(root, rel);
    let inputs = graph_codegen::SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl")?,
        slice_path: "spec/slice.toml".into(),
        slice: read("spec/slice.toml")?,
        overlay_path: "spec/overlay.toml".into(),
        overlay: read("spec/overlay.toml")?,
        permissions_path: "spec/permissions.toml".into(),
        permissions: read("spec/permissions.toml")?,
        clouds: cloud_specs(root)?,
    };
    let outputs: Vec<Output> = graph_codegen::generate(&inputs)?
        .into_iter()
        .map(|f| Output {
            path: f.path,
            contents: f.contents,
        })
        .collect();
    files::ensure_files(root, &outputs, OWNED_DIRS, mode, COMMAND)
}

/// `spec/clouds/*.csdl` as `(path, text)`, sorted by path.
fn cloud_specs(root: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let dir = root.join("spec/clouds");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csdl"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let rel = format!("spec/clouds/{name}");
            let text = fs::read_to_string(&p).with_context(|| format!("cannot read {rel}"))?;
            Ok((rel, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// The same check CI runs: a stale checkout fails `cargo test` too.
    #[test]
    fn generated_files_are_fresh() {
        if let Err(e) = super::generate(crate::files::Mode::Check) {
            panic!("{e:#}");
        }
    }
}
