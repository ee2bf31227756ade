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
    /// Change nothing; fail if a generated file differs from what would be generated.
    #[arg(long)]
    check: bool,
    /// Generate one slice [default: every slice of the repository: spec/slice.toml and
    /// examples/slices/*/slice.toml].
    #[arg(long)]
    slice: Option<std::path::PathBuf>,
}

pub fn run(args: CodegenArgs) -> anyhow::Result<()> {
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let root = files::workspace_root()?;
    let slices = match &args.slice {
        Some(path) => vec![files::relative(&root, path)],
        None => files::slices(&root)?,
    };
    let mut changed = Vec::new();
    for slice in &slices {
        changed.extend(generate_slice_in(&root, slice, mode)?);
    }
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

/// Generates one slice: the project's (`spec/slice.toml`, [`generate_in`]) or one with an
/// `[output]` table, whose outputs are its OpenAPI document, its types crate and, with
/// `[output] client`, its client crate.
pub fn generate_slice_in(
    root: &std::path::Path,
    slice_path: &str,
    mode: Mode,
) -> anyhow::Result<Vec<String>> {
    if slice_path == "spec/slice.toml" {
        return generate_in(root, mode);
    }
    let read = |rel: &str| files::read(root, rel);
    let slice_text = read(slice_path)?;
    let slice = graph_codegen::Slice::parse(slice_path, &slice_text)?;
    let output = slice.output.as_ref().with_context(|| {
        format!("{slice_path} has no [output] table naming the crates to generate")
    })?;
    let dir = slice.output_dir.trim_end_matches('/');
    let csdl_path = format!("{dir}/{}.csdl", slice.name);
    let clouds = slice
        .clouds
        .iter()
        .map(|c| {
            let path = slice.cloud_spec(&c.name);
            Ok((path.clone(), read(&path)?))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let inputs = graph_codegen::SpecInputs {
        csdl: read(&csdl_path)?,
        csdl_path,
        slice_path: slice_path.to_owned(),
        slice: slice_text,
        overlay: files::read_optional(root, &format!("{dir}/overlay.toml"))?.unwrap_or_default(),
        overlay_path: format!("{dir}/overlay.toml"),
        permissions_path: slice
            .permissions
            .as_ref()
            .map_or_else(String::new, |p| p.file.clone()),
        permissions: match &slice.permissions {
            Some(p) => read(&p.file)?,
            None => String::new(),
        },
        clouds,
    };
    print_warnings(&inputs)?;
    let outputs: Vec<Output> = graph_codegen::generate_slice(&inputs)?
        .into_iter()
        .map(|f| Output {
            path: f.path,
            contents: f.contents,
        })
        .collect();
    let mut owned = vec![format!("{}/src/generated", output.types_dir)];
    if let Some(client) = &output.client {
        owned.push(format!("{}/src/generated", client.dir));
    }
    let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
    files::ensure_files(root, &outputs, &owned, mode, COMMAND)
}

/// Generates the project's slice (`spec/slice.toml`: the project's crates) in the workspace
/// at `root`.
pub fn generate_in(root: &std::path::Path, mode: Mode) -> anyhow::Result<Vec<String>> {
    let read = |rel: &str| files::read(root, rel);
    let slice_text = read("spec/slice.toml")?;
    // The permission file the slice declares (`permissions = { file = ... }`), if any.
    let declared = graph_codegen::Slice::parse("spec/slice.toml", &slice_text)?
        .permissions
        .map(|p| p.file);
    let inputs = graph_codegen::SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl")?,
        slice_path: "spec/slice.toml".into(),
        slice: slice_text,
        overlay_path: "spec/overlay.toml".into(),
        overlay: read("spec/overlay.toml")?,
        permissions: match &declared {
            Some(file) => read(file)?,
            None => String::new(),
        },
        permissions_path: declared.unwrap_or_default(),
        clouds: cloud_specs(root)?,
    };
    print_warnings(&inputs)?;
    let outputs: Vec<Output> = graph_codegen::generate(&inputs)?
        .into_iter()
        .map(|f| Output {
            path: f.path,
            contents: f.contents,
        })
        .collect();
    files::ensure_files(root, &outputs, OWNED_DIRS, mode, COMMAND)
}

/// Prints what the slice's author should decide (`warning: ...` lines on stderr); they do
/// not fail the command.
fn print_warnings(inputs: &graph_codegen::SpecInputs) -> anyhow::Result<()> {
    for warning in graph_codegen::warnings(inputs)? {
        eprintln!("warning: {warning}");
    }
    Ok(())
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
    /// The same check as `cargo xtask codegen --check`, over every slice of the repository.
    #[test]
    fn generated_files_are_fresh() {
        let root = crate::files::workspace_root().unwrap();
        for slice in crate::files::slices(&root).unwrap() {
            if let Err(e) = super::generate_slice_in(&root, &slice, crate::files::Mode::Check) {
                panic!("{slice}: {e:#}");
            }
        }
    }

    /// A copy of the checked-in `spec/` in a fresh directory, as a workspace root.
    pub(crate) fn spec_copy(name: &str) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(
            &crate::files::workspace_root().unwrap().join("spec"),
            &root.join("spec"),
        );
        root
    }

    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }

    fn edit(root: &std::path::Path, rel: &str, from: &str, to: &str) {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(from).count(), 1, "{from} in {rel}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// A carriage return in a description (`&#13;` in the metadata) or a permission note
    /// must stay documentation through `trim` and `codegen` to the files as written: the
    /// text after it was code at module level in the types crate and in an `impl` of
    /// `api.rs`.
    #[test]
    fn carriage_returns_in_descriptions_stay_documentation() {
        let root = spec_copy("inject");
        let described = "spec/upstream/v1.0-described-2023-05.xml";
        edit(
            &root,
            described,
            "String=\"The phone number to text or call for authentication. ",
            "String=\"The phone number.&#13;pub fn injected_type() {}&#13;",
        );
        edit(
            &root,
            described,
            "String=\"The phone numbers registered to a user for authentication.\"",
            "String=\"The phones.&#13;pub fn injected_api() {}\"",
        );
        edit(
            &root,
            "spec/permissions.toml",
            "    \"one phone per phoneType; a mobile is required before an alternateMobile\"",
            "    \"x\\r}\\rpub fn injected_note() {}\\rfn f() {\",\n    \"one phone per phoneType; a mobile is required before an alternateMobile\"",
        );
        crate::trim::run_in(&root, crate::trim::TrimArgs::slice_defaults(false)).unwrap();
        super::generate_in(&root, crate::files::Mode::Write).unwrap();
        let mut seen = 0;
        for dir in super::OWNED_DIRS {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                seen += text.matches("injected_").count();
                let items = graph_codegen::written::skeleton_of(&path.display().to_string(), &text)
                    .unwrap_or_else(|e| panic!("{e}"));
                let injected: Vec<_> = items.iter().filter(|i| i.contains("injected_")).collect();
                assert!(
                    injected.is_empty(),
                    "{}: description text written as code: {injected:?}",
                    path.display()
                );
            }
        }
        assert!(
            seen >= 3,
            "the injected descriptions must reach the generated files"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
