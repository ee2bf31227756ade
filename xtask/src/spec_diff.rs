//! `cargo xtask spec-diff`: the Graph-aware semantic diff of two versions of the slice, as
//! Markdown for a pull request or JSON for tools.
//!
//! ```text
//! cargo xtask spec-diff --old old.csdl --new new.csdl
//! cargo xtask spec-diff --base origin/main --format markdown --out diff.md --fail-on breaking
//! ```
//!
//! Exit codes: 0 when the diff was produced and `--fail-on` is not met, 1 when there are
//! changes of the `--fail-on` class or a more severe one, 2 on any error (unreadable file,
//! invalid CSDL with its `file:line:column`, unknown git revision).

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use graph_codegen::diff::{self, Class, SpecDiff};
use graph_codegen::emit::Overlay;
use graph_codegen::{PathRequest, Slice, csdl};

use crate::files;

/// The trimmed spec, relative to the workspace root.
const SPEC: &str = "spec/graph-phone.csdl";

#[derive(clap::Args, Debug)]
pub struct SpecDiffArgs {
    /// The old version of the trimmed spec (a CSDL file). Relative paths are relative to the
    /// workspace root.
    #[arg(long, required_unless_present = "base", conflicts_with = "base")]
    old: Option<PathBuf>,
    /// The new version of the trimmed spec.
    #[arg(long, default_value = SPEC)]
    new: PathBuf,
    /// A git revision (`origin/main`): the old version is the new file's path at that revision
    /// (`git show REV:spec/graph-phone.csdl`), its slice definition too if it has one.
    #[arg(long)]
    base: Option<String>,
    /// The slice definition whose navigation paths are compared.
    #[arg(long, default_value = "spec/slice.toml")]
    slice: PathBuf,
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
    run_in(&files::workspace_root(), &args)
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

/// One side of the comparison: a spec text, where it came from, and its slice (if known).
struct Side {
    source: String,
    text: String,
    slice: Option<(String, String)>,
}

/// The command, with relative paths resolved against `root`.
pub fn run_in(root: &Path, args: &SpecDiffArgs) -> anyhow::Result<Status> {
    let rel = |p: &Path| -> String {
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        };
        abs.strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| abs.to_string_lossy().into_owned())
    };
    let read = |path: &str| -> anyhow::Result<String> {
        fs::read_to_string(root.join(path)).with_context(|| format!("cannot read {path}"))
    };

    let slice_path = rel(&args.slice);
    let slice_text = read(&slice_path)?;
    let new_path = rel(&args.new);
    let new = Side {
        text: read(&new_path)?,
        source: new_path.clone(),
        slice: Some((slice_path.clone(), slice_text)),
    };
    let old = match (&args.old, &args.base) {
        (Some(old), _) => {
            let path = rel(old);
            Side {
                text: read(&path)?,
                source: path,
                slice: None,
            }
        }
        (None, Some(rev)) => Side {
            text: git_show(root, rev, &new_path)?,
            source: format!("{rev}:{new_path}"),
            slice: git_show(root, rev, &slice_path)
                .ok()
                .map(|text| (format!("{rev}:{slice_path}"), text)),
        },
        (None, None) => bail!("give --old FILE or --base REVISION"),
    };

    let overlay_path = rel(&args.overlay);
    let overlay = match fs::read_to_string(root.join(&overlay_path)) {
        Ok(text) => Some(Overlay::parse(&text, &overlay_path)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {overlay_path}")),
    };

    let report = compare(&old, &new, overlay.as_ref())?;
    let text = match args.format {
        Format::Markdown => report.to_markdown(),
        Format::Json => report.to_json(),
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

/// Reads, lowers and diffs both sides. The paths compared are those of both slice
/// definitions, each side lowered with those it has. An old slice definition this version
/// cannot read is skipped with a warning (its format may have changed since).
fn compare(old: &Side, new: &Side, overlay: Option<&Overlay>) -> anyhow::Result<SpecDiff> {
    let mut requests: BTreeSet<PathRequest> = BTreeSet::new();
    if let Some((path, text)) = &new.slice {
        requests.extend(Slice::parse(path, text)?.path_requests());
    }
    if let Some((path, text)) = &old.slice {
        match Slice::parse(path, text) {
            Ok(slice) => requests.extend(slice.path_requests()),
            Err(e) => eprintln!("warning: skipping the old slice definition: {e}"),
        }
    }
    let requests: Vec<PathRequest> = requests.into_iter().collect();
    let lower = |side: &Side| -> anyhow::Result<graph_codegen::ir::Model> {
        let doc = csdl::read(&side.source, &side.text)?;
        Ok(diff::lower_available(&doc, &requests)?.0)
    };
    let (old, new) = (lower(old)?, lower(new)?);
    Ok(match overlay {
        Some(o) => diff::diff_with(&old, &new, o),
        None => diff::diff(&old, &new),
    })
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
            new: PathBuf::from(format!("{FIXTURES}/{new}")),
            base: None,
            slice: PathBuf::from("spec/slice.toml"),
            overlay: PathBuf::from("spec/overlay.toml"),
            format,
            out,
            fail_on,
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
        let status = run_in(&files::workspace_root(), &a);
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
        assert_eq!(run_in(&files::workspace_root(), &a).unwrap(), Status::Clean);
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
        let e = format!("{:#}", run_in(&files::workspace_root(), &a).unwrap_err());
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
            run_in(&files::workspace_root(), &missing).unwrap_err()
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
        let e = format!("{:#}", run_in(&files::workspace_root(), &a).unwrap_err());
        assert!(e.contains("git"), "{e}");
        assert!(e.contains("no-such-revision-xyz"), "{e}");
    }

    /// `--base REV` reads the spec at that revision of a real git repository and compares it
    /// with the working tree.
    #[test]
    fn base_revision_against_the_working_tree() {
        let repo = std::env::temp_dir().join(format!("spec-diff-git-{}", std::process::id()));
        let _ = fs::remove_dir_all(&repo);
        fs::create_dir_all(repo.join("spec")).unwrap();
        let fixtures = files::workspace_root()
            .join(FIXTURES)
            .join("property_removed");
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
                .args(args)
                .current_dir(&repo)
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        git(&["init", "-q"]);
        fs::copy(fixtures.join("old.xml"), repo.join(SPEC)).unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "old spec"]);
        fs::copy(fixtures.join("new.xml"), repo.join(SPEC)).unwrap();

        let out = repo.join("diff.json");
        let a = SpecDiffArgs {
            old: None,
            new: PathBuf::from(SPEC),
            base: Some("HEAD".into()),
            slice: files::workspace_root().join("spec/slice.toml"),
            overlay: PathBuf::from("spec/overlay.toml"),
            format: Format::Json,
            out: Some(out.clone()),
            fail_on: FailOn::Breaking,
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
    }
}
