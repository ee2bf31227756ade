//! The cross-check of the spec diff with an independent tool: cargo-semver-checks compares
//! the public API of two versions of the generated crates (`graph-phone-types`,
//! `graph-phone-client`), and its verdict is set beside the spec diff's.
//!
//! `cargo xtask spec-diff --base REV --semver-checks` materialises the revision's checkout
//! (`git archive REV`) under `target/semver/`, refuses a working tree whose generated code is
//! stale, runs `cargo semver-checks check-release` on both crates (the revision as the
//! baseline, the working tree as the current version) and appends both verdicts to the
//! report, flagging a disagreement.
//!
//! How the verdicts map. The spec diff's "breaking" means code that compiled may stop
//! compiling (or a call stop working); cargo-semver-checks' "major" means a lint that
//! requires a new major version fired. The crates are `0.x`: cargo's convention (and
//! cargo-semver-checks, following it) treats a `0.y` -> `0.(y+1)` release as major, so for
//! `0.1.0` "major" is the `0.2.0` the version policy asks for on a breaking change, and the
//! minor-level lints are not run at all (any `0.1.z` release is already minor-level). So:
//! spec diff "breaking" agrees with "major"; "additive", "documentation" and no change agree
//! with anything else. A disagreement is a bug in one of the two tools or a change one of them
//! cannot see (a permission or a wire string changes no Rust signature).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use graph_codegen::diff::{Class, SpecDiff};

use crate::files::Mode;

/// The crates whose public API is compared.
pub const CRATES: [&str; 2] = ["graph-phone-types", "graph-phone-client"];

/// The version CI installs and this module's output parsing was written against.
pub const VERSION: &str = "0.51.0";

/// How to install the tool, for error messages.
pub const INSTALL: &str = "cargo install --locked cargo-semver-checks@0.51.0";

/// cargo-semver-checks' verdict on one crate or on both: the version bump its failed lints
/// require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// A lint requiring a new major version fired (for `0.y.z`: a new `0.(y+1).0`).
    Major,
    /// Only lints requiring a new minor version fired.
    Minor,
    /// No lint fired.
    None,
}

impl Bump {
    /// The name in reports and in the verdict file.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::None => "none",
        }
    }

    /// The inverse of [`Bump::as_str`].
    pub fn parse(s: &str) -> Option<Bump> {
        match s {
            "major" => Some(Bump::Major),
            "minor" => Some(Bump::Minor),
            "none" => Some(Bump::None),
            _ => None,
        }
    }
}

/// cargo-semver-checks' result on one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateVerdict {
    /// The package name.
    pub name: String,
    /// The bump its failed lints require.
    pub bump: Bump,
    /// The lints that fired (their ids, a warn-level one followed by ` (warning)`: it
    /// suggests a bump but does not require it), in the order reported, each once.
    pub lints: Vec<String>,
}

/// cargo-semver-checks' result on every crate of [`CRATES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// One per crate, in [`CRATES`] order.
    pub crates: Vec<CrateVerdict>,
}

impl Verdict {
    /// The largest bump over the crates.
    pub fn bump(&self) -> Bump {
        self.crates
            .iter()
            .map(|c| c.bump)
            .min()
            .unwrap_or(Bump::None)
    }

    /// Every lint that fired, as `crate: lint`.
    pub fn lints(&self) -> Vec<String> {
        self.crates
            .iter()
            .flat_map(|c| c.lints.iter().map(move |l| format!("{}: {l}", c.name)))
            .collect()
    }
}

/// The spec diff's overall verdict as reports name it (`"breaking"`, ..., `"none"`).
pub fn class_name(worst: Option<Class>) -> &'static str {
    worst.map_or("none", Class::as_str)
}

/// Whether the two verdicts agree: "breaking" exactly when cargo-semver-checks requires a
/// major version (see the module documentation for why 0.x needs no special case here).
pub fn agree(spec_diff: Option<Class>, semver_checks: Bump) -> bool {
    (spec_diff == Some(Class::Breaking)) == (semver_checks == Bump::Major)
}

/// Fails, saying how to install it, if `cargo semver-checks` cannot be run.
pub fn ensure_installed() -> anyhow::Result<()> {
    let out = Command::new("cargo")
        .args(["semver-checks", "--version"])
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo (is it on PATH?)")?;
    if !out.status.success() {
        bail!(
            "cargo-semver-checks is not installed (`cargo semver-checks --version` failed: {}); \
             install it with `{INSTALL}`",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
        );
    }
    Ok(())
}

/// The target directory every cargo-semver-checks run of `root` shares (below `target/`),
/// so the dependencies' builds are made once for both sides.
pub fn target_dir(root: &Path) -> PathBuf {
    root.join("target/semver/target")
}

/// Runs `cargo semver-checks check-release` on each crate of [`CRATES`]: `baseline` and
/// `current` are workspace roots (checkouts with the generated code on disk).
pub fn check(baseline: &Path, current: &Path, target_dir: &Path) -> anyhow::Result<Verdict> {
    let crates = CRATES
        .iter()
        .map(|name| check_crate(baseline, current, target_dir, name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Verdict { crates })
}

fn check_crate(
    baseline: &Path,
    current: &Path,
    target_dir: &Path,
    name: &str,
) -> anyhow::Result<CrateVerdict> {
    let out = Command::new("cargo")
        .arg("semver-checks")
        .arg("check-release")
        .arg("--manifest-path")
        .arg(current.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(baseline)
        .args(["--package", name])
        // The features change no generated item; without them the client's build needs no
        // TLS stack.
        .arg("--only-explicit-features")
        .args(["--color", "never"])
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo semver-checks")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    parse_output(name, &stdout, &stderr).with_context(|| {
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "cargo semver-checks check-release --package {name} (baseline {}, current {}) \
             failed with {}; the end of its output:\n{}",
            baseline.display(),
            current.display(),
            out.status,
            tail.join("\n")
        )
    })
}

/// Reads one `check-release` run: the `Summary` line of standard error gives the bump,
/// the `--- failure ID: ... ---` and `--- warning ID: ... ---` lines of standard output the
/// lints. No summary line means the run failed before checking (a build error, an
/// unsupported rustdoc format).
pub fn parse_output(name: &str, stdout: &str, stderr: &str) -> anyhow::Result<CrateVerdict> {
    let mut bump = None;
    for line in stderr.lines() {
        let Some(rest) = line.trim_start().strip_prefix("Summary ") else {
            continue;
        };
        bump = Some(if rest.starts_with("no semver update required") {
            Bump::None
        } else if rest.starts_with("semver requires new major version") {
            Bump::Major
        } else if rest.starts_with("semver requires new minor version") {
            Bump::Minor
        } else {
            bail!(
                "unrecognised summary from cargo-semver-checks: `{}`",
                line.trim()
            );
        });
    }
    let Some(bump) = bump else {
        bail!("no `Summary` line in the output of cargo-semver-checks");
    };
    let mut lints: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let (rest, suffix) = match line.strip_prefix("--- failure ") {
            Some(rest) => (rest, ""),
            None => match line.strip_prefix("--- warning ") {
                Some(rest) => (rest, " (warning)"),
                None => continue,
            },
        };
        if let Some(id) = rest.split(':').next() {
            let id = format!("{}{suffix}", id.trim());
            if !lints.contains(&id) {
                lints.push(id);
            }
        }
    }
    if bump != Bump::None && lints.is_empty() {
        bail!(
            "cargo-semver-checks requires a {} version but named no lint",
            bump.as_str()
        );
    }
    Ok(CrateVerdict {
        name: name.to_string(),
        bump,
        lints,
    })
}

/// `git archive REV` of the repository at `root`, unpacked into a fresh directory below
/// `target/semver/` (returned).
pub fn materialise(root: &Path, rev: &str) -> anyhow::Result<PathBuf> {
    let slug: String = rev
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = root.join("target/semver/base").join(slug);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove the old {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut git = Command::new("git")
        .args(["archive", "--format=tar", rev])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run git (is it installed and on PATH?)")?;
    let tar = Command::new("tar")
        .arg("-x")
        .current_dir(&dir)
        .stdin(git.stdout.take().context("no pipe from git archive")?)
        .output()
        .context("cannot run tar (is it installed and on PATH?)")?;
    let git_out = git
        .wait_with_output()
        .context("git archive did not finish")?;
    if !git_out.status.success() {
        bail!(
            "git archive {rev} failed: {}",
            String::from_utf8_lossy(&git_out.stderr).trim()
        );
    }
    if !tar.status.success() {
        bail!(
            "unpacking git archive {rev} into {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&tar.stderr).trim()
        );
    }
    Ok(dir)
}

/// The `--semver-checks` part of `cargo xtask spec-diff --base REV`: checks the working
/// tree's generated code is current, runs cargo-semver-checks between the revision and the
/// working tree, and returns `text` (the report) with both verdicts added: a section at the
/// end of the Markdown, a `semver_checks` object in the JSON.
pub fn cross_check(
    root: &Path,
    rev: &str,
    report: &SpecDiff,
    json: bool,
    text: String,
) -> anyhow::Result<String> {
    ensure_installed()?;
    crate::codegen::generate_in(root, Mode::Check).context(
        "--semver-checks compares the generated crates, and the working tree's are stale: \
         run `cargo xtask codegen` first",
    )?;
    let base = materialise(root, rev)?;
    eprintln!(
        "spec diff: running cargo-semver-checks on {} ({rev} -> working tree)",
        CRATES.join(", ")
    );
    let verdict = check(&base, root, &target_dir(root))?;
    let worst = report.worst();
    if json {
        let mut value: serde_json::Value =
            serde_json::from_str(&text).context("the spec diff's JSON report does not parse")?;
        let object = value
            .as_object_mut()
            .context("the spec diff's JSON report is not an object")?;
        object.insert("semver_checks".into(), to_json(worst, &verdict));
        let mut out = serde_json::to_string_pretty(&value)?;
        out.push('\n');
        Ok(out)
    } else {
        Ok(text + &to_markdown(worst, &verdict))
    }
}

/// The `semver_checks` object of the JSON report.
pub fn to_json(worst: Option<Class>, verdict: &Verdict) -> serde_json::Value {
    let crates: Vec<serde_json::Value> = verdict
        .crates
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "verdict": c.bump.as_str(),
                "lints": c.lints,
            })
        })
        .collect();
    serde_json::json!({
        "tool": format!("cargo-semver-checks {VERSION}"),
        "verdict": verdict.bump().as_str(),
        "spec_diff": class_name(worst),
        "agree": agree(worst, verdict.bump()),
        "crates": crates,
    })
}

/// The Markdown section: both verdicts side by side and whether they agree.
pub fn to_markdown(worst: Option<Class>, verdict: &Verdict) -> String {
    let mut out = String::from("\n### Cross-check with cargo-semver-checks\n\n");
    out.push_str("| Tool | Verdict | Details |\n|---|---|---|\n");
    let _ = writeln!(
        out,
        "| spec diff | {} | the classification above |",
        class_name(worst)
    );
    for c in &verdict.crates {
        let lints = if c.lints.is_empty() {
            "no lint fired".to_string()
        } else {
            c.lints
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| cargo-semver-checks, `{}` | {} | {lints} |",
            c.name,
            c.bump.as_str()
        );
    }
    out.push('\n');
    let bump = verdict.bump();
    if agree(worst, bump) {
        let _ = writeln!(
            out,
            "The verdicts agree (spec diff {}, cargo-semver-checks {}; for 0.x crates \
             \"major\" is a new 0.y release).",
            class_name(worst),
            bump.as_str()
        );
    } else {
        let _ = writeln!(
            out,
            "**The verdicts disagree**: the spec diff says {}, cargo-semver-checks requires \
             {}. One of the two tools is wrong, or the change is one cargo-semver-checks cannot \
             see (a permission, a wire string): check the changes above against the lints \
             before merging.",
            class_name(worst),
            match bump {
                Bump::Major => "a major version (for 0.x, a new 0.y release)",
                Bump::Minor => "a minor version",
                Bump::None => "no new version",
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The output of cargo-semver-checks 0.51 on a removed public field (trimmed).
    const BREAKING_STDERR: &str = "     Checking graph-phone-types v0.1.0 -> v0.1.0 (no change; assume minor)\n\
         \x20    Checked [   0.020s] 196 checks: 195 pass, 1 fail, 0 warn, 59 skip\n\n\
         \x20    Summary semver requires new major version: 1 major and 0 minor checks failed\n\
         \x20    Finished [   2.000s] graph-phone-types\n";
    const BREAKING_STDOUT: &str = "\n--- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---\n\n\
         Description:\nA publicly-visible struct has at least one public field that is no longer available\n";

    #[test]
    fn a_failed_major_lint_is_major_with_its_id() {
        let v = parse_output("graph-phone-types", BREAKING_STDOUT, BREAKING_STDERR).unwrap();
        assert_eq!(v.bump, Bump::Major);
        assert_eq!(v.lints, vec!["struct_pub_field_missing".to_string()]);
    }

    #[test]
    fn no_update_required_is_none() {
        let stderr = "     Checked [   0.020s] 196 checks: 196 pass, 59 skip\n\
                      \x20    Summary no semver update required\n";
        let v = parse_output("graph-phone-client", "", stderr).unwrap();
        assert_eq!(v.bump, Bump::None);
        assert!(v.lints.is_empty());
    }

    #[test]
    fn a_warning_is_named_as_such_and_requires_nothing() {
        let stdout =
            "\n--- warning partial_ord_enum_variants_reordered: enum variants reordered ---\n";
        let stderr = "     Summary no semver update required\n     Warning produced 1 major and 0 minor level warnings\n";
        let v = parse_output("graph-phone-types", stdout, stderr).unwrap();
        assert_eq!(v.bump, Bump::None);
        assert_eq!(
            v.lints,
            vec!["partial_ord_enum_variants_reordered (warning)".to_string()]
        );
    }

    #[test]
    fn a_run_without_summary_is_an_error_not_a_verdict() {
        let stderr = "error: running cargo-doc on crate 'graph-phone-types' failed\n";
        let e = parse_output("graph-phone-types", "", stderr).unwrap_err();
        assert!(e.to_string().contains("no `Summary` line"), "{e}");
    }

    /// The base side is the revision's tree, not the working tree's.
    #[test]
    fn materialise_unpacks_the_revision_not_the_working_tree() {
        let repo = std::env::temp_dir().join(format!("xtask-semver-git-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&repo);
        std::fs::create_dir_all(repo.join("spec")).unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
                .args(args)
                .current_dir(&repo)
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        std::fs::write(repo.join("spec/a.txt"), "committed\n").unwrap();
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "base"]);
        std::fs::write(repo.join("spec/a.txt"), "edited\n").unwrap();
        let dir = materialise(&repo, "HEAD").unwrap();
        let text = std::fs::read_to_string(dir.join("spec/a.txt")).unwrap();
        let bad = materialise(&repo, "no-such-rev").unwrap_err().to_string();
        let _ = std::fs::remove_dir_all(&repo);
        assert_eq!(text, "committed\n");
        assert!(bad.contains("git archive no-such-rev failed"), "{bad}");
    }

    #[test]
    fn breaking_agrees_with_major_only() {
        assert!(agree(Some(Class::Breaking), Bump::Major));
        assert!(agree(Some(Class::Additive), Bump::None));
        assert!(agree(Some(Class::Additive), Bump::Minor));
        assert!(agree(None, Bump::None));
        assert!(!agree(Some(Class::Additive), Bump::Major));
        assert!(!agree(Some(Class::Breaking), Bump::None));
        assert!(!agree(Some(Class::Documentation), Bump::Major));
    }
}
