//! `cargo xtask trim [--check]`: cut the slice of `spec/slice.toml` out of the full Graph
//! metadata into `spec/graph-phone.csdl` and `spec/slice.lock`, and out of each national
//! cloud's metadata (the slice's `[[cloud]]` entries) into `spec/clouds/<name>.csdl` and
//! `spec/clouds/<name>.lock`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use graph_codegen::trim::{Input, Slice, TrimOptions, trim_files};

use crate::files::{self, Mode, Output};

/// The command users run; check mode names it when the trimmed spec is stale.
pub const COMMAND: &str = "cargo xtask trim";

#[derive(clap::Args)]
pub struct TrimArgs {
    /// The full metadata document [default: `source.metadata` of the slice].
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// The document descriptions are taken from [default: `source.descriptions` of the slice].
    #[arg(long)]
    descriptions: Option<PathBuf>,
    /// Take no descriptions from a second document.
    #[arg(long, conflicts_with = "descriptions")]
    no_descriptions: bool,
    /// The slice definition [default: every slice of the repository: spec/slice.toml and
    /// examples/slices/*/slice.toml].
    #[arg(long)]
    slice: Option<PathBuf>,
    /// Where to write the trimmed spec and the lock [default: `output_dir` of the slice].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip slice entries the metadata lacks (older documents, national clouds) and list them
    /// in the report and the lock, instead of failing.
    #[arg(long)]
    allow_missing: bool,
    /// Change nothing; fail if the checked-in trimmed spec or lock differs.
    #[arg(long)]
    check: bool,
}

impl TrimArgs {
    /// What a plain `cargo xtask trim` runs with (the slice's own sources, written to spec/).
    pub fn slice_defaults(allow_missing: bool) -> TrimArgs {
        TrimArgs {
            metadata: None,
            descriptions: None,
            no_descriptions: false,
            slice: Some(PathBuf::from("spec/slice.toml")),
            out: None,
            allow_missing,
            check: false,
        }
    }
}

pub fn run(args: TrimArgs) -> anyhow::Result<()> {
    run_in(&files::workspace_root()?, args)
}

/// The command, with relative paths resolved against `root`.
pub fn run_in(root: &Path, args: TrimArgs) -> anyhow::Result<()> {
    let Some(slice) = args.slice.clone() else {
        // Every slice of the repository, each into its own output directory.
        anyhow::ensure!(
            args.metadata.is_none() && args.out.is_none(),
            "--metadata and --out apply to one slice; name it with --slice FILE"
        );
        for slice in files::slices(root)? {
            println!("== {slice}");
            run_in(
                root,
                TrimArgs {
                    slice: Some(PathBuf::from(slice)),
                    metadata: None,
                    descriptions: args.descriptions.clone(),
                    no_descriptions: args.no_descriptions,
                    out: None,
                    allow_missing: args.allow_missing,
                    check: args.check,
                },
            )?;
        }
        return Ok(());
    };
    let root = root.to_path_buf();
    let rel = |p: &Path| files::relative(&root, p);
    let read = |path: &str| files::read(&root, path);

    let slice_path = rel(&slice);
    let slice_text = read(&slice_path)?;
    let slice = Slice::parse(&slice_path, &slice_text)?;
    let metadata_path = args.metadata.as_deref().map_or(slice.metadata.clone(), rel);
    let descriptions_path = if args.no_descriptions {
        None
    } else {
        args.descriptions
            .as_deref()
            .map(rel)
            .or(slice.descriptions.clone())
    };
    let metadata_text = read(&metadata_path)?;
    let descriptions_text = descriptions_path.as_deref().map(read).transpose()?;

    let out = trim_files(
        Input {
            path: &slice_path,
            text: &slice_text,
        },
        Input {
            path: &metadata_path,
            text: &metadata_text,
        },
        descriptions_path
            .as_deref()
            .zip(descriptions_text.as_deref())
            .map(|(path, text)| Input { path, text }),
        &TrimOptions {
            allow_missing: args.allow_missing,
        },
    )?;

    let out_dir = args.out.as_deref().map(rel);
    let outputs: Vec<Output> = out
        .files
        .into_iter()
        .map(|f| {
            let path = match &out_dir {
                Some(dir) => {
                    let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
                    format!("{}/{name}", dir.trim_end_matches('/'))
                }
                None => f.path,
            };
            Output {
                path,
                contents: f.contents,
            }
        })
        .collect();

    println!("{}", out.report);
    let mut outputs = outputs;
    // The national clouds, when trimming the slice's own source (not an override).
    if args.metadata.is_none() && args.out.is_none() {
        for cloud in &slice.clouds {
            let text = read(&cloud.metadata)?;
            let trimmed = trim_files(
                Input {
                    path: &slice_path,
                    text: &slice_text,
                },
                Input {
                    path: &cloud.metadata,
                    text: &text,
                },
                None,
                &TrimOptions {
                    allow_missing: true,
                },
            )
            .with_context(|| format!("trimming the {} cloud's metadata", cloud.name))?;
            let spec = slice.cloud_spec(&cloud.name);
            let lock = spec.replace(".csdl", ".lock");
            // What the cloud lacks is no failure: its operations are unavailable there
            // (the client refuses them before sending; `x-graph-phone-clouds` omits it).
            if trimmed.report.missing.is_empty() {
                println!("cloud {}: has every entry of the slice", cloud.name);
            } else {
                println!(
                    "cloud {} ({}): its metadata lacks {} entr{} of the slice; their operations \
                     are marked unavailable there:",
                    cloud.name,
                    cloud.serves.join(", "),
                    trimmed.report.missing.len(),
                    if trimmed.report.missing.len() == 1 {
                        "y"
                    } else {
                        "ies"
                    }
                );
                for entry in &trimmed.report.missing {
                    println!("  - {entry}");
                }
            }
            for f in trimmed.files {
                let path = if f.path.ends_with(".csdl") {
                    &spec
                } else {
                    &lock
                };
                outputs.push(Output {
                    path: path.clone(),
                    contents: f.contents,
                });
            }
        }
    }
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let changed = files::ensure_files(&root, &outputs, &[], mode, COMMAND)?;
    match (mode, changed.is_empty()) {
        (Mode::Check, _) => println!("trimmed spec is up to date"),
        (Mode::Write, true) => println!("trimmed spec was already up to date"),
        (Mode::Write, false) => {
            for path in &changed {
                println!("updated {path}");
            }
        }
    }
    Ok(())
}
