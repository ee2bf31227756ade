//! `cargo xtask spec-diff`: the Graph-aware semantic diff of two versions of the spec, as
//! Markdown for a pull request or JSON for tools.
//!
//! ```text
//! cargo xtask spec-diff --base origin/main --format markdown --out diff.md --fail-on breaking
//! cargo xtask spec-diff --old-spec old/spec --new-spec spec --format json
//! cargo xtask spec-diff --old old.csdl --new new.csdl
//! cargo xtask spec-diff --old old.csdl --new new.csdl --old-clouds old/clouds \
//!     --new-clouds spec/clouds --old-permissions old/permissions.toml
//! ```
//!
//! With `--old-spec DIR --new-spec DIR` (two whole spec directories: `slice.toml`,
//! `overlay.toml`, `permissions.toml`, the trimmed `<name>.csdl`, `clouds/*.csdl`) and with
//! `--base REV` (the revision's `spec/`, read with git, against the working tree's), every
//! input of `cargo xtask codegen` is compared: code generation runs on both sides and
//! [`graph_codegen::diff::diff_generated`] compares what it makes. An error says which side
//! it is in. A revision that lacks `spec/slice.toml`, `spec/overlay.toml` or
//! `spec/permissions.toml` (an older layout) is compared as in two-file mode, with a note on
//! standard error.
//!
//! Two-file mode (`--old FILE --new FILE`) compares two trimmed specs alone, both lowered
//! with this checkout's slice; besides, per-cloud availability changes (the national clouds'
//! trimmed specs) and permission changes are compared when `--old-clouds` or
//! `--old-permissions` are given.
//!
//! The JSON report has the overall verdict at the top (`worst`: `"breaking"`, `"additive"`,
//! `"documentation"` or `null`).
//!
//! The Markdown report ends with the release the diff asks for under the version policy
//! (README, "Versioning"): the next version of the published crates, from
//! `[workspace.package] version` in `Cargo.toml`, and the proposed changelog entry
//! ([`graph_codegen::diff::release`]).
//!
//! Exit codes: 0 when the diff was produced and `--fail-on` is not met, 1 when there are
//! changes of the `--fail-on` class or a more severe one, 2 on any error (unreadable file,
//! invalid CSDL with its `file:line:column`, unknown git revision).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use graph_codegen::diff::release::{self, Version};
use graph_codegen::diff::{self, Class, SpecDiff};
use graph_codegen::emit::Overlay;
use graph_codegen::permissions::Permissions;
use graph_codegen::{PathRequest, Slice, csdl};

use crate::files;

/// The spec directory, relative to the workspace root.
const SPEC_DIR: &str = "spec";
/// The trimmed spec, relative to the workspace root.
const SPEC: &str = "spec/graph-phone.csdl";
/// The slice definition.
const SLICE: &str = "spec/slice.toml";
/// The national clouds' trimmed specs.
const CLOUDS: &str = "spec/clouds";
/// The permissions and documented availability.
const PERMISSIONS: &str = "spec/permissions.toml";

#[derive(clap::Args, Debug)]
pub struct SpecDiffArgs {
    /// The old version of the trimmed spec (a CSDL file), compared on its own (see
    /// `--old-spec` to compare every input). Relative paths are relative to the workspace
    /// root.
    #[arg(
        long,
        required_unless_present_any = ["base", "old_spec"],
        conflicts_with_all = ["base", "old_spec"]
    )]
    old: Option<PathBuf>,
    /// The old version of a whole spec directory (like `spec/`: `slice.toml`, `overlay.toml`,
    /// `permissions.toml`, the trimmed CSDL `<name>.csdl` and `clouds/*.csdl`): every input of
    /// `cargo xtask codegen` is compared with `--new-spec`'s, on what code generation makes of
    /// each.
    #[arg(long, conflicts_with = "base")]
    old_spec: Option<PathBuf>,
    /// The new version of a whole spec directory, for `--old-spec`.
    #[arg(long, requires = "old_spec", default_value = SPEC_DIR)]
    new_spec: PathBuf,
    /// The new version of the trimmed spec.
    #[arg(long, default_value = SPEC)]
    new: PathBuf,
    /// A git revision (`origin/main`): every input of code generation at that revision
    /// (`git show REV:spec/...`) is compared with the working tree's `spec/`, like
    /// `--old-spec`. A revision without `spec/slice.toml`, `spec/overlay.toml` and
    /// `spec/permissions.toml` (an older layout) is compared on the trimmed spec (`--new`'s
    /// path), the clouds and the permissions it has.
    #[arg(long)]
    base: Option<String>,
    /// The slice definition whose navigation paths are compared.
    #[arg(long, default_value = SLICE)]
    slice: PathBuf,
    /// The old national clouds' trimmed specs (a directory of `<cloud>.csdl`), to compare
    /// availability with `--new-clouds` in two-file mode. With `--base`, the old ones are
    /// those of the revision.
    #[arg(long, conflicts_with = "base")]
    old_clouds: Option<PathBuf>,
    /// The new national clouds' trimmed specs.
    #[arg(long, default_value = CLOUDS)]
    new_clouds: PathBuf,
    /// The old `spec/permissions.toml`, to compare permissions in two-file mode. With
    /// `--base`, the old one is that of the revision.
    #[arg(long, conflicts_with = "base")]
    old_permissions: Option<PathBuf>,
    /// The new permissions file (skipped if it does not exist).
    #[arg(long, default_value = PERMISSIONS)]
    permissions: PathBuf,
    /// The spec overlay, used to name the generated items exactly (skipped if the file does
    /// not exist).
    #[arg(long, default_value = "spec/overlay.toml")]
    overlay: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit with code 1 when there are changes of this class or a more severe one.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    fail_on: FailOn,
    /// Also compare the generated crates' public API with cargo-semver-checks (the revision
    /// of `--base` against the working tree) and report both verdicts side by side.
    #[arg(long, requires = "base")]
    semver_checks: bool,
}

/// Report formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For humans and pull request comments.
    Markdown,
    /// For tools (stable field names).
    Json,
}

/// When to fail.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Breaking changes.
    Breaking,
    /// Additive or breaking changes.
    Additive,
    /// Any change, documentation included.
    Documentation,
    /// Never (the default).
    Never,
}

impl FailOn {
    fn class(self) -> Option<Class> {
        match self {
            FailOn::Breaking => Some(Class::Breaking),
            FailOn::Additive => Some(Class::Additive),
            FailOn::Documentation => Some(Class::Documentation),
            FailOn::Never => None,
        }
    }
}

/// How a successful run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The report was produced; `--fail-on` is not met. Exit code 0.
    Clean,
    /// There are changes of the `--fail-on` class or worse. Exit code 1.
    Failed,
}

/// The exit code of an error, distinct from [`Status::Failed`].
pub const ERROR_CODE: i32 = 2;

impl Status {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Status::Clean => 0,
            Status::Failed => 1,
        }
    }
}

/// Runs the command from the workspace root.
pub fn run(args: SpecDiffArgs) -> anyhow::Result<Status> {
    run_in(&files::workspace_root()?, &args)
}

/// Ends the process with the code of `result`, printing an error to standard error.
pub fn exit(result: anyhow::Result<Status>) -> ! {
    let code = match result {
        Ok(status) => status.code(),
        Err(e) => {
            eprintln!("error: {e:#}");
            ERROR_CODE
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// One side of the comparison: a spec text, where it came from, its slice (if known), and
/// the inputs of the availability and permission changes (compared only when both sides
/// have them).
pub struct Side {
    /// Where the spec came from (`spec/graph-phone.csdl`, `origin/main:spec/graph-phone.csdl`).
    pub source: String,
    /// The trimmed spec.
    pub text: String,
    /// The slice definition, as `(source, text)`.
    pub slice: Option<(String, String)>,
    /// The national clouds' trimmed specs, as `(cloud name, source, text)`.
    pub clouds: Option<Vec<(String, String, String)>>,
    /// `spec/permissions.toml`, as `(source, text)`.
    pub permissions: Option<(String, String)>,
}

impl Side {
    /// The spec, slice, clouds (`spec/clouds/*.csdl`) and permissions as they are on disk
    /// below `root` (the clouds and permissions only if they exist).
    pub fn working_tree(root: &Path) -> anyhow::Result<Side> {
        let read = |path: &str| files::read(root, path);
        Ok(Side {
            source: SPEC.into(),
            text: read(SPEC)?,
            slice: Some((SLICE.into(), read(SLICE)?)),
            clouds: read_clouds_dir(root, CLOUDS)?,
            permissions: files::read_optional(root, PERMISSIONS)?
                .map(|t| (PERMISSIONS.to_string(), t)),
        })
    }
}

/// The command, with relative paths resolved against `root`.
pub fn run_in(root: &Path, args: &SpecDiffArgs) -> anyhow::Result<Status> {
    let whole = match (&args.old_spec, &args.base) {
        (Some(old), _) => Some((
            SpecSource::Dir(root.join(old)),
            SpecSource::Dir(root.join(&args.new_spec)),
        )),
        (None, Some(rev)) if has_every_input(root, rev) => Some((
            SpecSource::Git {
                root,
                rev,
                dir: SPEC_DIR,
            },
            SpecSource::Dir(root.join(SPEC_DIR)),
        )),
        (None, Some(rev)) => {
            eprintln!(
                "note: {rev} lacks {SLICE}, spec/overlay.toml or {PERMISSIONS}: comparing the \
                 trimmed spec, the clouds and the permissions only"
            );
            None
        }
        (None, None) => None,
    };
    if let Some((old, new)) = whole {
        let report = compare_specs(root, &old, &new)?;
        return finish(root, args, &report);
    }
    let rel = |p: &Path| files::relative(root, p);
    let read = |path: &str| files::read(root, path);

    let slice_path = rel(&args.slice);
    let slice_text = read(&slice_path)?;
    let new_path = rel(&args.new);
    let new_clouds = rel(&args.new_clouds);
    let new_permissions = rel(&args.permissions);
    let mut new = Side {
        text: read(&new_path)?,
        source: new_path.clone(),
        slice: Some((slice_path.clone(), slice_text)),
        clouds: None,
        permissions: files::read_optional(root, &new_permissions)?
            .map(|t| (new_permissions.clone(), t)),
    };
    let old = match (&args.old, &args.base) {
        (Some(old), _) => {
            let path = rel(old);
            let clouds = match &args.old_clouds {
                Some(dir) => {
                    new.clouds = Some(read_clouds_dir(root, &new_clouds)?.with_context(|| {
                        format!("cannot list {new_clouds} (give --new-clouds DIR)")
                    })?);
                    let dir = rel(dir);
                    Some(
                        read_clouds_dir(root, &dir)?
                            .with_context(|| format!("cannot list {dir}"))?,
                    )
                }
                None => None,
            };
            let permissions = args
                .old_permissions
                .as_deref()
                .map(|p| {
                    let p = rel(p);
                    read(&p).map(|t| (p, t))
                })
                .transpose()?;
            Side {
                text: read(&path)?,
                source: path,
                slice: None,
                clouds,
                permissions,
            }
        }
        (None, Some(rev)) => {
            new.clouds = read_clouds_dir(root, &new_clouds)?;
            Side {
                text: git_show(root, rev, &new_path)?,
                source: format!("{rev}:{new_path}"),
                slice: git_show(root, rev, &slice_path)
                    .ok()
                    .map(|text| (format!("{rev}:{slice_path}"), text)),
                clouds: git_clouds(root, rev, &new_clouds)?,
                permissions: git_show(root, rev, &new_permissions)
                    .ok()
                    .map(|text| (format!("{rev}:{new_permissions}"), text)),
            }
        }
        (None, None) => bail!("give --old FILE or --base REVISION"),
    };

    let overlay_path = rel(&args.overlay);
    let overlay = files::read_optional(root, &overlay_path)?
        .map(|text| Overlay::parse(&text, &overlay_path))
        .transpose()?;

    let report = compare(&old, &new, overlay.as_ref())?;
    finish(root, args, &report)
}

/// Writes the report where `args` says, in its format, and applies `--fail-on`.
fn finish(root: &Path, args: &SpecDiffArgs, report: &SpecDiff) -> anyhow::Result<Status> {
    let text = match args.format {
        Format::Markdown => report.to_markdown() + &release_markdown(report, current_version(root)),
        Format::Json => report.to_json(),
    };
    let text = match (&args.base, args.semver_checks) {
        (Some(rev), true) => {
            crate::semver::cross_check(root, rev, report, args.format == Format::Json, text)?
        }
        _ => text,
    };
    match &args.out {
        Some(out) => {
            let path = root.join(out);
            fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "spec diff: {} breaking, {} additive, {} documentation; written to {}",
                report.counts.breaking,
                report.counts.additive,
                report.counts.documentation,
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write the report to standard output")?;
        }
    }
    match args.fail_on.class() {
        Some(threshold) if report.has_at_least(threshold) => {
            let counts: Vec<String> = Class::ALL
                .iter()
                .filter(|c| c.is_at_least(threshold))
                .map(|c| format!("{} {}", report.counts.get(*c), c.as_str()))
                .collect();
            eprintln!(
                "spec diff: {} change(s); failing because of --fail-on {}",
                counts.join(", "),
                threshold.as_str()
            );
            Ok(Status::Failed)
        }
        _ => Ok(Status::Clean),
    }
}

/// Where a whole spec directory is read from.
pub enum SpecSource<'a> {
    /// A directory on disk.
    Dir(PathBuf),
    /// A directory of a git revision (`git show REV:DIR/...`) in the repository at `root`.
    Git {
        /// The repository.
        root: &'a Path,
        /// The revision.
        rev: &'a str,
        /// The directory in it, `spec`.
        dir: &'a str,
    },
}

impl SpecSource<'_> {
    /// How the report names it: `spec/`, `origin/main:spec/`.
    pub fn label(&self, root: &Path) -> String {
        match self {
            SpecSource::Dir(dir) => format!("{}/", files::relative(root, dir)),
            SpecSource::Git { rev, dir, .. } => format!("{rev}:{dir}/"),
        }
    }

    fn read(&self, name: &str) -> anyhow::Result<String> {
        match self {
            SpecSource::Dir(dir) => {
                let path = dir.join(name);
                fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
            }
            SpecSource::Git { root, rev, dir } => git_show(root, rev, &format!("{dir}/{name}")),
        }
    }

    /// `clouds/*.csdl` as `(cloud name, text)`, sorted; none if there is no such directory.
    fn clouds(&self) -> anyhow::Result<Vec<(String, String)>> {
        let listed = match self {
            SpecSource::Dir(dir) => {
                let rel = dir.join("clouds");
                let root = rel.parent().map(Path::to_path_buf).unwrap_or_default();
                read_clouds_dir(&root, "clouds")?
            }
            SpecSource::Git { root, rev, dir } => git_clouds(root, rev, &format!("{dir}/clouds"))?,
        };
        Ok(listed
            .unwrap_or_default()
            .into_iter()
            .map(|(name, _, text)| (name, text))
            .collect())
    }

    /// Every input of code generation, with the paths code generation reads them from
    /// (`spec/slice.toml`, `spec/clouds/usgov.csdl`), so that errors and the clouds' specs
    /// are named as in the repository.
    pub fn inputs(&self) -> anyhow::Result<graph_codegen::SpecInputs> {
        let mut slice = self.read("slice.toml")?;
        let mut parsed = Slice::parse(SLICE, &slice)?;
        if parsed.permissions.is_none() {
            // Revisions from before the slice declared its permission file had this one,
            // required: compare them as they were generated.
            slice =
                format!("permissions = {{ file = \"{PERMISSIONS}\", required = true }}\n{slice}");
            parsed = Slice::parse(SLICE, &slice)?;
        }
        let name = parsed.name.clone();
        Ok(graph_codegen::SpecInputs {
            csdl_path: format!("{SPEC_DIR}/{name}.csdl"),
            csdl: self.read(&format!("{name}.csdl"))?,
            slice_path: SLICE.into(),
            slice,
            overlay_path: "spec/overlay.toml".into(),
            overlay: self.read("overlay.toml")?,
            permissions_path: PERMISSIONS.into(),
            permissions: self.read("permissions.toml")?,
            clouds: self
                .clouds()?
                .into_iter()
                .map(|(name, text)| (parsed.cloud_spec(&name), text))
                .collect(),
        })
    }
}

/// True if `rev` has every input of code generation besides the CSDL (the slice, overlay
/// and permissions).
fn has_every_input(root: &Path, rev: &str) -> bool {
    [SLICE, "spec/overlay.toml", PERMISSIONS]
        .iter()
        .all(|p| git_show(root, rev, p).is_ok())
}

/// Runs code generation on both spec directories and compares what it made
/// ([`diff::diff_generated`]). An error names the side.
/// Labels are relative to `root`.
pub fn compare_specs(
    root: &Path,
    old: &SpecSource<'_>,
    new: &SpecSource<'_>,
) -> anyhow::Result<SpecDiff> {
    let side = |source: &SpecSource<'_>, which: &str| -> anyhow::Result<diff::GeneratedSide> {
        let label = source.label(root);
        let inputs = source
            .inputs()
            .with_context(|| format!("reading the {which} spec ({label})"))?;
        diff::GeneratedSide::build(label.clone(), &inputs)
            .with_context(|| format!("generating code from the {which} spec ({label})"))
    };
    Ok(diff::diff_generated(&side(old, "old")?, &side(new, "new")?))
}

/// The version the published crates share: `[workspace.package] version` of the workspace's
/// `Cargo.toml`.
pub fn current_version(root: &Path) -> anyhow::Result<Version> {
    let manifest = files::read(root, "Cargo.toml")?;
    Ok(release::workspace_version(&manifest, "Cargo.toml")?)
}

/// The end of the Markdown report: the release the diff asks for from `current` and the
/// proposed changelog entry, for `## [Unreleased]` of CHANGELOG.md. A version that cannot be
/// read is said, not guessed.
pub fn release_markdown(report: &SpecDiff, current: anyhow::Result<Version>) -> String {
    let mut out = String::from("\n### Proposed release\n\n");
    let current = match current {
        Ok(v) => v,
        Err(e) => {
            out.push_str(&format!("No proposal: {e:#}.\n"));
            return out;
        }
    };
    let proposal = report.propose_release(current);
    let entry = report.changelog_entry();
    if entry.is_empty() {
        out.push_str(&format!(
            "`{current}`: no change, no release (version policy: README, \"Versioning\").\n"
        ));
        return out;
    }
    out.push_str(&format!(
        "{} (version policy: README, \"Versioning\"). The changelog entry for \
         `## [Unreleased]` of CHANGELOG.md (`cargo xtask update-spec --changelog` adds it), \
         to review and edit:\n\n~~~markdown\n{entry}~~~\n",
        proposal.summary()
    ));
    out
}

/// Reads, lowers and diffs both sides: the spec (the paths compared are those of both slice
/// definitions, each side lowered with those it has), then the national clouds'
/// availability and the permissions where both sides have them. An old slice definition
/// this version cannot read is skipped with a warning (its format may have changed since).
pub fn compare(old: &Side, new: &Side, overlay: Option<&Overlay>) -> anyhow::Result<SpecDiff> {
    let new_slice = new
        .slice
        .as_ref()
        .map(|(path, text)| Slice::parse(path, text))
        .transpose()?;
    let old_slice = old.slice.as_ref().and_then(|(path, text)| {
        Slice::parse(path, text)
            .map_err(|e| eprintln!("warning: skipping the old slice definition: {e}"))
            .ok()
    });
    let mut requests: BTreeSet<PathRequest> = BTreeSet::new();
    for slice in new_slice.iter().chain(&old_slice) {
        requests.extend(slice.path_requests());
    }
    let requests: Vec<PathRequest> = requests.into_iter().collect();
    // Each side narrowed to what its slice offers (the new one's if the old is unknown), as
    // code generation narrows it, so that the payloads and client operations named are
    // those generated.
    let lower = |side: &Side, slice: Option<&Slice>| -> anyhow::Result<graph_codegen::ir::Model> {
        let doc = csdl::read(&side.source, &side.text)?;
        let mut model = diff::lower_available(&doc, &requests)?.0;
        if let Some(slice) = slice {
            slice.restrict(&mut model);
        }
        Ok(model)
    };
    let (old_model, new_model) = (
        lower(old, old_slice.as_ref().or(new_slice.as_ref()))?,
        lower(new, new_slice.as_ref())?,
    );
    let mut report = match overlay {
        Some(o) => diff::diff_with(&old_model, &new_model, o),
        None => diff::diff(&old_model, &new_model),
    };

    // Availability: each cloud narrowed by its side's slice (the new one if the old is
    // unknown), as code generation narrows it.
    if let (Some(old_clouds), Some(new_clouds)) = (&old.clouds, &new.clouds) {
        let Some(new_slice) = &new_slice else {
            bail!("comparing cloud availability needs the new slice definition");
        };
        let old_slice = old_slice.as_ref().unwrap_or(new_slice);
        let models = |clouds: &[(String, String, String)], slice: &Slice| {
            clouds
                .iter()
                .map(|(name, source, text)| {
                    let doc = csdl::read(source, text)?;
                    Ok((name.clone(), diff::lower_offered(&doc, slice)?))
                })
                .collect::<anyhow::Result<BTreeMap<_, _>>>()
        };
        report.extend(diff::availability(
            new_slice,
            &models(old_clouds, old_slice)?,
            &models(new_clouds, new_slice)?,
        ));
    }
    if let (Some((old_path, old_text)), Some((new_path, new_text))) =
        (&old.permissions, &new.permissions)
    {
        report.extend(diff::permissions(
            &Permissions::parse(old_path, old_text)?,
            &Permissions::parse(new_path, new_text)?,
        ));
    }
    Ok(report)
}

/// The `*.csdl` files of `dir` below `root` as `(cloud name, path, text)`, sorted; `None`
/// if the directory does not exist.
fn read_clouds_dir(
    root: &Path,
    dir: &str,
) -> anyhow::Result<Option<Vec<(String, String, String)>>> {
    let entries = match fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot list {dir}")),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".csdl"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            let text = fs::read_to_string(root.join(&path))
                .with_context(|| format!("cannot read {path}"))?;
            Ok((name.trim_end_matches(".csdl").to_string(), path, text))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// The `*.csdl` files of `dir` at `rev`, like [`read_clouds_dir`]; `None` if the revision
/// has no such directory.
fn git_clouds(
    root: &Path,
    rev: &str,
    dir: &str,
) -> anyhow::Result<Option<Vec<(String, String, String)>>> {
    let dir = dir.trim_end_matches('/');
    let out = Command::new("git")
        .args(["ls-tree", "--name-only", rev, &format!("{dir}/")])
        .current_dir(root)
        .output()
        .context("cannot run git (is it installed and on PATH?)")?;
    if !out.status.success() {
        bail!(
            "git ls-tree {rev} {dir}/ failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    let mut paths: Vec<&str> = listing.lines().filter(|l| l.ends_with(".csdl")).collect();
    if paths.is_empty() {
        return Ok(None);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.rsplit('/').next().unwrap_or(path);
            let text = git_show(root, rev, path)?;
            Ok((
                name.trim_end_matches(".csdl").to_string(),
                format!("{rev}:{path}"),
                text,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// `git show REV:PATH` in `root`.
fn git_show(root: &Path, rev: &str, path: &str) -> anyhow::Result<String> {
    let spec = format!("{rev}:{path}");
    let out = Command::new("git")
        .arg("show")
        .arg(&spec)
        .current_dir(root)
        .output()
        .context("cannot run git (is it installed and on PATH?)")?;
    if !out.status.success() {
        bail!(
            "git show {spec} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("git show {spec}: not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = "crates/graph-codegen/tests/diff_fixtures";

    fn args(
        old: &str,
        new: &str,
        fail_on: FailOn,
        format: Format,
        out: Option<PathBuf>,
    ) -> SpecDiffArgs {
        SpecDiffArgs {
            old: Some(PathBuf::from(format!("{FIXTURES}/{old}"))),
            old_spec: None,
            new_spec: PathBuf::from(SPEC_DIR),
            new: PathBuf::from(format!("{FIXTURES}/{new}")),
            base: None,
            slice: PathBuf::from("spec/slice.toml"),
            old_clouds: None,
            new_clouds: PathBuf::from(CLOUDS),
            old_permissions: None,
            permissions: PathBuf::from(PERMISSIONS),
            overlay: PathBuf::from("spec/overlay.toml"),
            format,
            out,
            fail_on,
            semver_checks: false,
        }
    }

    fn run_case(case: &str, fail_on: FailOn) -> anyhow::Result<Status> {
        let out = std::env::temp_dir().join(format!(
            "spec-diff-{case}-{fail_on:?}-{}.md",
            std::process::id()
        ));
        let a = args(
            &format!("{case}/old.xml"),
            &format!("{case}/new.xml"),
            fail_on,
            Format::Markdown,
            Some(out.clone()),
        );
        let status = run_in(&files::workspace_root().unwrap(), &a);
        let _ = fs::remove_file(out);
        status
    }

    #[test]
    fn fail_on_sets_the_exit_code() {
        // nullability_changed is breaking; enum_member_added additive; description_changed
        // documentation only.
        let cases = [
            ("nullability_changed", FailOn::Breaking, Status::Failed),
            ("nullability_changed", FailOn::Never, Status::Clean),
            ("enum_member_added", FailOn::Breaking, Status::Clean),
            ("enum_member_added", FailOn::Additive, Status::Failed),
            ("description_changed", FailOn::Additive, Status::Clean),
            ("description_changed", FailOn::Documentation, Status::Failed),
            ("reordered", FailOn::Documentation, Status::Clean),
        ];
        for (case, fail_on, expected) in cases {
            let status = run_case(case, fail_on).unwrap_or_else(|e| panic!("{case}: {e:#}"));
            assert_eq!(status, expected, "{case} --fail-on {fail_on:?}");
        }
        assert_eq!(Status::Clean.code(), 0);
        assert_eq!(Status::Failed.code(), 1);
        assert_ne!(ERROR_CODE, Status::Failed.code());
    }

    /// The Markdown report ends with the release the diff asks for, from the workspace's
    /// version, and the changelog entry.
    #[test]
    fn markdown_report_proposes_the_release() {
        let root = files::workspace_root().unwrap();
        let out = std::env::temp_dir().join(format!("spec-diff-release-{}.md", std::process::id()));
        let a = args(
            "description_changed/old.xml",
            "description_changed/new.xml",
            FailOn::Never,
            Format::Markdown,
            Some(out.clone()),
        );
        run_in(&root, &a).unwrap();
        let text = fs::read_to_string(&out).unwrap();
        let _ = fs::remove_file(&out);
        let current = current_version(&root).unwrap();
        let next = Version {
            patch: current.patch + 1,
            ..current
        };
        assert!(
            text.contains(&format!(
                "\n### Proposed release\n\n{current} -> {next} (patch: documentation changes only)"
            )),
            "{text}"
        );
        assert!(
            text.contains("~~~markdown\n### Fixed\n\n- Documentation: type `microsoft.graph.phoneAuthenticationMethod` description changed"),
            "{text}"
        );

        let empty = SpecDiff::new("a", "b", Vec::new());
        let v = Version {
            major: 1,
            minor: 2,
            patch: 3,
        };
        assert_eq!(
            release_markdown(&empty, Ok(v)),
            "\n### Proposed release\n\n`1.2.3`: no change, no release (version policy: README, \"Versioning\").\n"
        );
        let missing = release_markdown(&empty, Err(anyhow::anyhow!("Cargo.toml: no `version`")));
        assert!(
            missing.ends_with("No proposal: Cargo.toml: no `version`.\n"),
            "{missing}"
        );
    }

    #[test]
    fn json_report_is_written_to_the_out_file() {
        let out = std::env::temp_dir().join(format!("spec-diff-json-{}.json", std::process::id()));
        let a = args(
            "navigation_capability_lost/old.xml",
            "navigation_capability_lost/new.xml",
            FailOn::Never,
            Format::Json,
            Some(out.clone()),
        );
        assert_eq!(
            run_in(&files::workspace_root().unwrap(), &a).unwrap(),
            Status::Clean
        );
        let text = fs::read_to_string(&out).unwrap();
        let _ = fs::remove_file(&out);
        assert!(
            text.contains("\"change\": \"capability_changed\""),
            "{text}"
        );
        assert!(text.contains("\"aspect\": \"insertable\""), "{text}");
        assert!(text.contains("\"breaking\": 1"), "{text}");
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let dir = std::env::temp_dir().join(format!("spec-diff-bad-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.xml");
        fs::write(
            &bad,
            "<?xml version=\"1.0\"?>\n<edmx:Edmx Version=\"4.0\">\n  <oops\n",
        )
        .unwrap();
        let mut a = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Never,
            Format::Json,
            None,
        );
        a.old = Some(bad.clone());
        let e = format!(
            "{:#}",
            run_in(&files::workspace_root().unwrap(), &a).unwrap_err()
        );
        let _ = fs::remove_dir_all(&dir);
        assert!(e.contains("bad.xml:"), "{e}");
        assert!(
            e.split("bad.xml:")
                .nth(1)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())),
            "{e}"
        );

        let mut missing = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Never,
            Format::Json,
            None,
        );
        missing.old = Some(PathBuf::from("no/such/file.csdl"));
        let e = format!(
            "{:#}",
            run_in(&files::workspace_root().unwrap(), &missing).unwrap_err()
        );
        assert!(e.contains("cannot read no/such/file.csdl"), "{e}");
    }

    #[test]
    fn unknown_base_revision_is_an_error() {
        let mut a = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Never,
            Format::Json,
            None,
        );
        a.old = None;
        a.base = Some("no-such-revision-xyz".into());
        a.new = PathBuf::from(SPEC);
        let e = format!(
            "{:#}",
            run_in(&files::workspace_root().unwrap(), &a).unwrap_err()
        );
        assert!(e.contains("git"), "{e}");
        assert!(e.contains("no-such-revision-xyz"), "{e}");
    }

    /// `--base REV` reads the spec at that revision of a real git repository and compares it
    /// with the working tree.
    /// Runs git in `repo` with a throwaway identity; panics with git's stderr on failure.
    fn run_git(repo: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(repo)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn base_revision_against_the_working_tree() {
        let repo = std::env::temp_dir().join(format!("spec-diff-git-{}", std::process::id()));
        let _ = fs::remove_dir_all(&repo);
        fs::create_dir_all(repo.join("spec")).unwrap();
        let fixtures = files::workspace_root()
            .unwrap()
            .join(FIXTURES)
            .join("property_removed");
        let git = |args: &[&str]| run_git(&repo, args);
        git(&["init", "-q"]);
        fs::copy(fixtures.join("old.xml"), repo.join(SPEC)).unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "old spec"]);
        fs::copy(fixtures.join("new.xml"), repo.join(SPEC)).unwrap();

        let out = repo.join("diff.json");
        let a = SpecDiffArgs {
            old: None,
            old_spec: None,
            new_spec: PathBuf::from(SPEC_DIR),
            new: PathBuf::from(SPEC),
            base: Some("HEAD".into()),
            slice: files::workspace_root().unwrap().join("spec/slice.toml"),
            old_clouds: None,
            new_clouds: PathBuf::from(CLOUDS),
            old_permissions: None,
            permissions: PathBuf::from(PERMISSIONS),
            overlay: PathBuf::from("spec/overlay.toml"),
            format: Format::Json,
            out: Some(out.clone()),
            fail_on: FailOn::Breaking,
            semver_checks: false,
        };
        let status = run_in(&repo, &a);
        let text = fs::read_to_string(&out).unwrap_or_default();
        let _ = fs::remove_dir_all(&repo);
        assert_eq!(status.unwrap(), Status::Failed);
        assert!(
            text.contains("\"old\": \"HEAD:spec/graph-phone.csdl\""),
            "{text}"
        );
        assert!(text.contains("\"name\": \"phoneType\""), "{text}");
        assert!(text.contains("\"change\": \"removed\""), "{text}");
    }

    /// `--base REV` also compares the national clouds and the permissions at that revision
    /// with the working tree's; two-file mode only with `--old-clouds`/`--old-permissions`.
    #[test]
    fn base_revision_compares_clouds_and_permissions() {
        let ws = files::workspace_root().unwrap();
        let repo =
            std::env::temp_dir().join(format!("spec-diff-git-extras-{}", std::process::id()));
        let _ = fs::remove_dir_all(&repo);
        fs::create_dir_all(repo.join("spec/clouds")).unwrap();
        let perms = ws.join("crates/graph-codegen/tests/diff_extras/permissions");
        let git = |args: &[&str]| run_git(&repo, args);
        git(&["init", "-q"]);
        fs::copy(ws.join(SPEC), repo.join(SPEC)).unwrap();
        fs::copy(
            ws.join("spec/clouds/china.csdl"),
            repo.join("spec/clouds/china.csdl"),
        )
        .unwrap();
        fs::copy(perms.join("base.toml"), repo.join(PERMISSIONS)).unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "old spec"]);
        // China gains what the US Government cloud has; a permission asks for more.
        fs::copy(
            ws.join("spec/clouds/usgov.csdl"),
            repo.join("spec/clouds/china.csdl"),
        )
        .unwrap();
        fs::copy(
            perms.join("least_privileged_asks_for_more/new.toml"),
            repo.join(PERMISSIONS),
        )
        .unwrap();

        let out = repo.join("diff.json");
        let mut a = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Breaking,
            Format::Json,
            Some(out.clone()),
        );
        a.old = None;
        a.base = Some("HEAD".into());
        a.new = PathBuf::from(SPEC);
        a.slice = ws.join("spec/slice.toml");
        let status = run_in(&repo, &a);
        let text = fs::read_to_string(&out).unwrap_or_default();

        // Two-file mode without --old-clouds/--old-permissions: the spec only.
        let mut two = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Documentation,
            Format::Json,
            Some(out.clone()),
        );
        two.old = Some(ws.join(SPEC));
        two.new = PathBuf::from(SPEC);
        two.slice = ws.join("spec/slice.toml");
        let two_status = run_in(&repo, &two);
        // With them: the same changes as --base.
        fs::create_dir_all(repo.join("old-clouds")).unwrap();
        fs::copy(
            ws.join("spec/clouds/china.csdl"),
            repo.join("old-clouds/china.csdl"),
        )
        .unwrap();
        two.old_clouds = Some(PathBuf::from("old-clouds"));
        two.new_clouds = repo.join("spec/clouds");
        two.old_permissions = Some(perms.join("base.toml"));
        let with_status = run_in(&repo, &two);
        let with_text = fs::read_to_string(&out).unwrap_or_default();
        let _ = fs::remove_dir_all(&repo);

        assert_eq!(status.unwrap(), Status::Failed, "{text}");
        for needle in [
            "\"change\": \"availability_changed\"",
            "\"name\": \"phoneMethods.enableSmsSignIn\"",
            "\"change\": \"permission_changed\"",
            "\"aspect\": \"delegated, self\"",
            "\"new\": \"UserAuthenticationMethod.ReadWrite\"",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        // The permission asks for more (the only breaking change); China's gains are additive.
        assert!(text.contains("\"breaking\": 1,"), "{text}");
        assert!(
            text.contains("\"group\": \"spec/clouds/china.csdl\""),
            "{text}"
        );
        assert!(
            text.contains("\"old\": \"HEAD:spec/graph-phone.csdl\""),
            "{text}"
        );

        assert_eq!(two_status.unwrap(), Status::Clean);
        assert_eq!(with_status.unwrap(), Status::Failed);
        let changes = |t: &str| t.split("\"changes\":").nth(1).map(str::to_string);
        assert!(
            changes(&with_text) == changes(&text),
            "two-file mode differs from --base"
        );
        assert!(changes(&text).is_some());
    }

    /// A copy of the repository's spec inputs (not `spec/upstream/`) in `dir`.
    fn copy_spec(dir: &Path) {
        let ws = files::workspace_root().unwrap();
        fs::create_dir_all(dir.join("clouds")).unwrap();
        for name in [
            "graph-phone.csdl",
            "slice.toml",
            "overlay.toml",
            "permissions.toml",
            "clouds/usgov.csdl",
            "clouds/china.csdl",
        ] {
            fs::copy(ws.join(SPEC_DIR).join(name), dir.join(name)).unwrap();
        }
    }

    /// Issue 13's slice edit in a spec directory: emailMethods offers create and delete,
    /// with the permission entries code generation requires.
    fn offer_email_writes(dir: &Path) {
        let ws = files::workspace_root().unwrap();
        let slice = fs::read_to_string(dir.join("slice.toml")).unwrap();
        let offered = slice.replacen(
            "path = \"authentication/emailMethods\"\noperations = [\"list\", \"get\"]",
            "path = \"authentication/emailMethods\"\noperations = [\"list\", \"get\", \"create\", \"delete\"]",
            1,
        );
        assert_ne!(slice, offered);
        fs::write(dir.join("slice.toml"), offered).unwrap();
        let extra = fs::read_to_string(
            ws.join("crates/graph-codegen/tests/diff_extras/specs/email_write_permissions.toml"),
        )
        .unwrap();
        let perms = fs::read_to_string(dir.join("permissions.toml")).unwrap() + &extra;
        fs::write(dir.join("permissions.toml"), perms).unwrap();
    }

    fn spec_args(old: &Path, new: &Path, fail_on: FailOn, out: &Path) -> SpecDiffArgs {
        let mut a = args(
            "reordered/old.xml",
            "reordered/new.xml",
            fail_on,
            Format::Json,
            Some(out.to_path_buf()),
        );
        a.old = None;
        a.old_spec = Some(old.to_path_buf());
        a.new_spec = new.to_path_buf();
        a
    }

    /// `--old-spec`/`--new-spec`: offering emailMethods create and delete in the slice is
    /// additive, under the clouds it reaches, with the item path of the delete and the
    /// generated methods; withdrawing them is breaking, and `--fail-on breaking` exits 1.
    #[test]
    fn whole_spec_directories_see_a_slice_edit() {
        let tmp = std::env::temp_dir().join(format!("spec-diff-dirs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let (base, head) = (tmp.join("base"), tmp.join("head"));
        copy_spec(&base);
        copy_spec(&head);
        offer_email_writes(&head);
        let out = tmp.join("diff.json");
        let root = files::workspace_root().unwrap();

        let offered = run_in(&root, &spec_args(&base, &head, FailOn::Breaking, &out));
        let offered_text = fs::read_to_string(&out).unwrap_or_default();
        let withdrawn = run_in(&root, &spec_args(&head, &base, FailOn::Breaking, &out));
        let withdrawn_text = fs::read_to_string(&out).unwrap_or_default();
        let _ = fs::remove_dir_all(&tmp);

        assert_eq!(offered.unwrap(), Status::Clean, "{offered_text}");
        let json: serde_json::Value = serde_json::from_str(&offered_text).unwrap();
        assert_eq!(json["worst"], "additive", "{offered_text}");
        let delete = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "emailMethods.delete")
            .unwrap_or_else(|| panic!("{offered_text}"));
        assert_eq!(delete["class"], "additive");
        assert_eq!(
            delete["reason"],
            "operation added (offered in spec/slice.toml): the client now sends it"
        );
        assert_eq!(
            delete["clouds"],
            serde_json::json!(["global", "usGovL4", "usGovL5Dod"])
        );
        assert!(
            delete["paths"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(
                    "DELETE /users/{user-id}/authentication/emailMethods/{emailAuthenticationMethod-id}"
                )),
            "{offered_text}"
        );
        assert!(
            delete["rust_items"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("api::EmailMethods::delete")),
            "{offered_text}"
        );

        assert_eq!(withdrawn.unwrap(), Status::Failed, "{withdrawn_text}");
        let json: serde_json::Value = serde_json::from_str(&withdrawn_text).unwrap();
        assert_eq!(json["worst"], "breaking");
        assert_eq!(json["counts"]["breaking"], 2, "{withdrawn_text}");
        for c in json["changes"].as_array().unwrap() {
            assert_eq!(
                c["reason"],
                "operation removed (withdrawn from spec/slice.toml): its client methods and payload go away"
            );
        }
        assert_eq!(Status::Failed.code(), 1);
    }

    /// `--base REV` compares every input at the revision with the working tree: the slice
    /// edit alone (no CSDL change) is seen, and an error in the old side names it.
    #[test]
    fn base_revision_compares_every_input() {
        let repo = std::env::temp_dir().join(format!("spec-diff-git-whole-{}", std::process::id()));
        let _ = fs::remove_dir_all(&repo);
        copy_spec(&repo.join(SPEC_DIR));
        fs::write(
            repo.join("Cargo.toml"),
            "[workspace]\n[workspace.package]\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        let git = |args: &[&str]| run_git(&repo, args);
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "base"]);
        offer_email_writes(&repo.join(SPEC_DIR));

        let out = repo.join("diff.md");
        let mut a = args(
            "reordered/old.xml",
            "reordered/new.xml",
            FailOn::Additive,
            Format::Markdown,
            Some(out.clone()),
        );
        a.old = None;
        a.base = Some("HEAD".into());
        let status = run_in(&repo, &a);
        let text = fs::read_to_string(&out).unwrap_or_default();
        let _ = fs::remove_dir_all(&repo);

        assert_eq!(status.unwrap(), Status::Failed, "{text}");
        assert!(text.contains("`HEAD:spec/` → `spec/`"), "{text}");
        assert!(
            text.contains("#### In `global`, `usGovL4`, `usGovL5Dod`"),
            "{text}"
        );
        assert!(
            text.contains("- **endpoint `emailMethods.delete`** added"),
            "{text}"
        );
        assert!(
            text.contains("`DELETE /users/{user-id}/authentication/emailMethods/{emailAuthenticationMethod-id}`"),
            "{text}"
        );
        assert!(
            text.contains("### Proposed release\n\n0.1.0 -> 0.2.0"),
            "{text}"
        );
    }

    /// An error in one side's inputs names the side and the file.
    #[test]
    fn whole_spec_errors_name_the_side() {
        let tmp = std::env::temp_dir().join(format!("spec-diff-bad-dirs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let (ok, bad, no_overlay) = (tmp.join("ok"), tmp.join("bad"), tmp.join("no-overlay"));
        for dir in [&ok, &bad, &no_overlay] {
            copy_spec(dir);
        }
        let slice = fs::read_to_string(bad.join("slice.toml")).unwrap();
        fs::write(
            bad.join("slice.toml"),
            slice.replacen("roots =", "rootz =", 1),
        )
        .unwrap();
        fs::remove_file(no_overlay.join("overlay.toml")).unwrap();
        let out = tmp.join("diff.json");
        let root = files::workspace_root().unwrap();
        let bad_slice = run_in(&root, &spec_args(&bad, &ok, FailOn::Never, &out));
        let missing = run_in(&root, &spec_args(&ok, &no_overlay, FailOn::Never, &out));
        let _ = fs::remove_dir_all(&tmp);
        let e = format!("{:#}", bad_slice.unwrap_err());
        assert!(e.contains("the old spec"), "{e}");
        assert!(e.contains("spec/slice.toml"), "{e}");
        assert!(e.contains("rootz"), "{e}");
        let e = format!("{:#}", missing.unwrap_err());
        assert!(e.contains("the new spec"), "{e}");
        assert!(e.contains("overlay.toml"), "{e}");
    }

    #[test]
    fn cli_requires_old_or_base() {
        use clap::Parser;
        #[derive(clap::Parser, Debug)]
        struct Cli {
            #[command(flatten)]
            args: SpecDiffArgs,
        }
        assert!(Cli::try_parse_from(["x"]).is_err());
        assert!(Cli::try_parse_from(["x", "--old", "a", "--base", "main"]).is_err());
        let ok =
            Cli::try_parse_from(["x", "--base", "origin/main", "--fail-on", "breaking"]).unwrap();
        assert_eq!(ok.args.fail_on, FailOn::Breaking);
        assert_eq!(ok.args.new, PathBuf::from(SPEC));
        assert!(Cli::try_parse_from(["x", "--old", "a", "--format", "yaml"]).is_err());
        let dirs = Cli::try_parse_from(["x", "--old-spec", "old/spec"]).unwrap();
        assert_eq!(dirs.args.old_spec, Some(PathBuf::from("old/spec")));
        assert_eq!(dirs.args.new_spec, PathBuf::from(SPEC_DIR));
        assert!(Cli::try_parse_from(["x", "--old-spec", "a", "--base", "main"]).is_err());
        assert!(Cli::try_parse_from(["x", "--old-spec", "a", "--old", "b"]).is_err());
    }
}
