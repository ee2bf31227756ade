//! `cargo xtask update-spec`: take new upstream metadata and produce the whole pull request.
//!
//! ```text
//! cargo xtask update-spec --metadata ~/Downloads/v1.0-Prod.csdl \
//!     [--descriptions FILE] [--fairfax FILE] [--mooncake FILE] \
//!     [--upstream-commit SHA] [--upstream-date YYYY-MM-DD] [--allow-missing] \
//!     [--format markdown|json] [--out diff.md] [--changelog]
//! ```
//!
//! 1. Captures the current spec (trimmed spec, slice, national clouds, permissions) in memory.
//! 2. Copies each given document byte for byte over the upstream file the slice names for it
//!    (`source.metadata`, `source.descriptions`, the `usgov` and `china` clouds' `metadata`)
//!    and updates that file's row in `spec/upstream/README.md` (commit, date, SHA-256, and
//!    "updated by cargo xtask update-spec"). These copies are not generated files, so they
//!    do not go through the newline-normalising write path.
//! 3. Re-trims exactly as `cargo xtask trim` does ([`crate::trim::run_in`]).
//! 4. Regenerates exactly as `cargo xtask codegen` does ([`crate::codegen::generate_in`]).
//! 5. Prints the spec diff (also when regeneration failed, before its error) of the new spec against the captured one
//!    ([`crate::spec_diff::compare`]), availability and permissions included, and the
//!    release it asks for: the next version by the version policy (README, "Versioning")
//!    and the proposed changelog entry ([`graph_codegen::diff::release`]).
//! 6. With `--changelog`, and when regeneration succeeded, merges that entry into the
//!    `## [Unreleased]` section of `CHANGELOG.md`: a proposal, reviewed and edited in the pull
//!    request like the rest. The version in `Cargo.toml` is left to the release.
//!
//! Relative paths are relative to the workspace root, as for `cargo xtask trim`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use graph_codegen::Slice;
use graph_codegen::diff::release;
use graph_codegen::emit::Overlay;
use graph_codegen::trim::FileStamp;

use crate::codegen;
use crate::files::{self, Mode};
use crate::spec_diff::{self, Format, Side};
use crate::trim::{self, TrimArgs};

/// The note written into `spec/upstream/README.md` for an updated file.
pub const NOTE: &str = "updated by cargo xtask update-spec";

const UPSTREAM_README: &str = "spec/upstream/README.md";

#[derive(clap::Args, Debug)]
pub struct UpdateSpecArgs {
    /// The new full metadata of the global cloud (`v1.0-Prod.csdl` of msgraph-metadata).
    #[arg(long)]
    metadata: PathBuf,
    /// A new document to take descriptions from (replaces the slice's `source.descriptions`).
    #[arg(long)]
    descriptions: Option<PathBuf>,
    /// The new US Government metadata (`v1.0-Fairfax.csdl`), for the `usgov` cloud.
    #[arg(long)]
    fairfax: Option<PathBuf>,
    /// The new China metadata (`v1.0-Mooncake.csdl`), for the `china` cloud.
    #[arg(long)]
    mooncake: Option<PathBuf>,
    /// The msgraph-metadata commit the documents come from, for spec/upstream/README.md.
    #[arg(long)]
    upstream_commit: Option<String>,
    /// The date of that commit (YYYY-MM-DD), for spec/upstream/README.md.
    #[arg(long)]
    upstream_date: Option<String>,
    /// Skip slice entries the new metadata lacks (listed in the trim report and the lock)
    /// instead of failing; the spec diff then reports them as removed.
    #[arg(long)]
    allow_missing: bool,
    /// Format of the spec diff.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// Write the spec diff to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Add the proposed changelog entry to the `## [Unreleased]` section of CHANGELOG.md
    /// (when regeneration succeeded).
    #[arg(long)]
    changelog: bool,
}

const CHANGELOG: &str = "CHANGELOG.md";

pub fn run(args: UpdateSpecArgs) -> anyhow::Result<()> {
    run_in(&files::workspace_root()?, &args)
}

/// The command on the workspace at `root`.
pub fn run_in(root: &Path, args: &UpdateSpecArgs) -> anyhow::Result<()> {
    let slice_text =
        fs::read_to_string(root.join("spec/slice.toml")).context("cannot read spec/slice.toml")?;
    let slice = Slice::parse("spec/slice.toml", &slice_text)?;

    // Where each given document goes.
    let mut copies: Vec<(&Path, String)> = vec![(args.metadata.as_path(), slice.metadata.clone())];
    if let Some(d) = &args.descriptions {
        let Some(dest) = &slice.descriptions else {
            bail!("--descriptions given, but spec/slice.toml has no `source.descriptions`");
        };
        copies.push((d.as_path(), dest.clone()));
    }
    for (flag, file, cloud) in [
        ("--fairfax", &args.fairfax, "usgov"),
        ("--mooncake", &args.mooncake, "china"),
    ] {
        if let Some(file) = file {
            let Some(c) = slice.clouds.iter().find(|c| c.name == cloud) else {
                bail!("{flag} given, but spec/slice.toml has no [[cloud]] named `{cloud}`");
            };
            copies.push((file.as_path(), c.metadata.clone()));
        }
    }
    // Read every input before changing anything.
    let inputs: Vec<(Vec<u8>, String)> = copies
        .iter()
        .map(|(src, dest)| {
            let path = root.join(src);
            let bytes =
                fs::read(&path).with_context(|| format!("cannot read {}", src.display()))?;
            Ok((bytes, dest.clone()))
        })
        .collect::<anyhow::Result<_>>()?;

    // With --changelog, the version and the changelog must be usable before anything changes.
    if args.changelog {
        spec_diff::current_version(root)?;
        release::insert_unreleased(&files::read(root, CHANGELOG)?, CHANGELOG, "")?;
    }

    let before = Side::working_tree(root)?;
    let before = Side {
        source: format!("{} ({})", before.source, lock_source(root)?),
        ..before
    };

    let mut readme = fs::read_to_string(root.join(UPSTREAM_README))
        .with_context(|| format!("cannot read {UPSTREAM_README}"))?;
    for (bytes, dest) in &inputs {
        let path = root.join(dest);
        if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            fs::write(&path, bytes).with_context(|| format!("cannot write {dest}"))?;
            eprintln!("updated {dest}");
        }
        let stamp = FileStamp::of(dest, bytes);
        readme = readme_row(
            &readme,
            &stamp,
            args.upstream_commit.as_deref(),
            args.upstream_date.as_deref(),
        );
    }
    fs::write(root.join(UPSTREAM_README), &readme)
        .with_context(|| format!("cannot write {UPSTREAM_README}"))?;

    trim::run_in(root, TrimArgs::slice_defaults(args.allow_missing))
        .context("re-trimming (cargo xtask trim)")?;
    // A regeneration failure (the slice names something the new metadata lacks) comes after
    // the diff, which shows why.
    let generated = codegen::generate_in(root, Mode::Write);
    if let Ok(changed) = &generated {
        for path in changed {
            eprintln!("updated {path}");
        }
    }

    let after = Side::working_tree(root)?;
    let after = Side {
        source: format!("{} ({})", after.source, lock_source(root)?),
        ..after
    };
    let overlay = files::read_optional(root, "spec/overlay.toml")?
        .map(|text| Overlay::parse(&text, "spec/overlay.toml"))
        .transpose()?;
    let report = spec_diff::compare(&before, &after, overlay.as_ref())?;
    let current = spec_diff::current_version(root);
    let proposal = current.as_ref().ok().map(|v| report.propose_release(*v));
    let text = match args.format {
        Format::Markdown => report.to_markdown() + &spec_diff::release_markdown(&report, current),
        Format::Json => report.to_json(),
    };
    match &args.out {
        Some(out) => {
            let path = root.join(out);
            fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("spec diff written to {}", path.display());
        }
        None => print!("{text}"),
    }
    eprintln!(
        "spec diff: {} breaking, {} additive, {} documentation",
        report.counts.breaking, report.counts.additive, report.counts.documentation
    );
    if let Some(proposal) = &proposal {
        eprintln!("proposed release: {}", proposal.summary());
    }
    if args.changelog {
        if generated.is_ok() {
            let changelog = files::read(root, CHANGELOG)?;
            let merged =
                release::insert_unreleased(&changelog, CHANGELOG, &report.changelog_entry())?;
            if merged != changelog {
                fs::write(root.join(CHANGELOG), merged)
                    .with_context(|| format!("cannot write {CHANGELOG}"))?;
                eprintln!("updated {CHANGELOG} (Unreleased): review and edit the entry");
            }
        } else {
            eprintln!(
                "{CHANGELOG} not changed: regeneration failed; once fixed, `cargo xtask spec-diff --base HEAD` prints the entry"
            );
        }
    }
    generated
        .map(drop)
        .context("regenerating (cargo xtask codegen) failed; edit spec/slice.toml (the diff shows what the new metadata lacks) and run `cargo xtask codegen`")
}

/// What `spec/slice.lock` says the spec was cut from: `v1.0-Prod.csdl a9d32d361174`.
fn lock_source(root: &Path) -> anyhow::Result<String> {
    let lock =
        fs::read_to_string(root.join("spec/slice.lock")).context("cannot read spec/slice.lock")?;
    let value = |key: &str| {
        lock.split("[source]")
            .nth(1)
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix(key)))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    let file = value("file =").unwrap_or_else(|| "?".into());
    let sha = value("sha256 =").unwrap_or_default();
    Ok(format!("{file} {}", &sha[..sha.len().min(12)]))
}

/// `readme` with the table row of `stamp.file` updated: its commit and date columns (or
/// `unknown`), and the note with the SHA-256 after its description. A file without a row
/// gets one after the table's last row.
fn readme_row(readme: &str, stamp: &FileStamp, commit: Option<&str>, date: Option<&str>) -> String {
    let prefix = format!("| {} |", stamp.file);
    let note = format!("{NOTE}, sha256 {}", stamp.sha256);
    let commit = commit.unwrap_or("unknown");
    let date = date.unwrap_or("unknown");
    let mut lines: Vec<String> = readme.lines().map(str::to_string).collect();
    match lines.iter().position(|l| l.starts_with(&prefix)) {
        Some(i) => {
            let cells: Vec<&str> = lines[i]
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let source = cells.get(1).copied().unwrap_or("");
            let what = cells.get(4).copied().unwrap_or("");
            let what = what.split(&format!("; {NOTE}")).next().unwrap_or(what);
            lines[i] = format!(
                "| {} | {source} | {commit} | {date} | {what}; {note} |",
                stamp.file
            );
        }
        None => {
            let last = lines.iter().rposition(|l| l.starts_with('|'));
            let row = format!("| {} | ? | {commit} | {date} | {note} |", stamp.file);
            match last {
                Some(i) => lines.insert(i + 1, row),
                None => lines.push(row),
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_row_is_updated_once() {
        let readme = "# x\n\n| file | source | commit | date | what |\n|---|---|---|---|---|\n\
                      | a.csdl | schemas/a.csdl | 123 | 2026-01-01 | global |\n\
                      | b.csdl | schemas/b.csdl | 123 | 2026-01-01 | china |\n\ntext\n";
        let stamp = FileStamp::of("spec/upstream/a.csdl", b"new");
        let once = readme_row(readme, &stamp, Some("abc"), None);
        assert!(
            once.contains(&format!(
                "| a.csdl | schemas/a.csdl | abc | unknown | global; {NOTE}, sha256 {} |",
                stamp.sha256
            )),
            "{once}"
        );
        assert!(once.contains("| b.csdl | schemas/b.csdl | 123 | 2026-01-01 | china |"));
        let twice = readme_row(&once, &FileStamp::of("a.csdl", b"newer"), Some("def"), None);
        assert_eq!(twice.matches(NOTE).count(), 1, "{twice}");
        assert!(!twice.contains(&stamp.sha256), "{twice}");
        let added = readme_row(readme, &FileStamp::of("c.csdl", b"c"), None, None);
        let lines: Vec<&str> = added.lines().collect();
        assert!(
            lines[6].starts_with("| c.csdl | ? | unknown | unknown |"),
            "{added}"
        );
    }

    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.is_file() {
                fs::copy(&path, to.join(entry.file_name())).unwrap();
            }
        }
    }

    /// A temporary copy of spec/, with `edit` applied to its slice, permissions and overlay.
    fn scratch_repo(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let repo = files::workspace_root().unwrap();
        let root = std::env::temp_dir().join(format!("update-spec-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        copy_dir(&repo.join("spec"), &root.join("spec"));
        copy_dir(&repo.join("spec/clouds"), &root.join("spec/clouds"));
        copy_dir(&repo.join("spec/upstream"), &root.join("spec/upstream"));
        for file in [
            "spec/slice.toml",
            "spec/permissions.toml",
            "spec/overlay.toml",
        ] {
            let text = fs::read_to_string(root.join(file)).unwrap();
            fs::write(root.join(file), edit(&text)).unwrap();
        }
        root
    }

    fn args_2023(out: &Path) -> UpdateSpecArgs {
        let repo = files::workspace_root().unwrap();
        UpdateSpecArgs {
            metadata: repo.join("spec/upstream/v1.0-described-2023-05.xml"),
            descriptions: None,
            fairfax: Some(repo.join("spec/upstream/v1.0-Mooncake.csdl")),
            mooncake: None,
            upstream_commit: Some("2cfb1efab2d7".into()),
            upstream_date: Some("2023-05-09".into()),
            allow_missing: true,
            format: Format::Markdown,
            out: Some(out.to_path_buf()),
            changelog: true,
        }
    }

    /// A changelog with a hand-written entry under Unreleased, and a workspace manifest at
    /// version 0.3.1, in the scratch copy.
    const SCRATCH_CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n\
        - A hand-written fix.\n\n## [0.3.1] - 2026-01-01\n\n### Added\n\n- Things.\n";

    fn with_release_files(root: &Path) {
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.3.1\"\n",
        )
        .unwrap();
        fs::write(root.join(CHANGELOG), SCRATCH_CHANGELOG).unwrap();
    }

    /// The slice without the two navigation properties the 2023 metadata lacks, the
    /// permissions without their entries, the overlay without what 2023 lacks: what a user
    /// edits when Graph drops something.
    fn without_2026_navigations(text: &str) -> String {
        let text = text
            .replace(
                "\"microsoft.graph.authenticationMethod\" = [\"createdDateTime\"]\n",
                "",
            )
            .replace("    \"passkeyType\",\n", "")
            .replace(
                "\"microsoft.graph.fido2AuthenticationMethod\" = [\"displayName\", \"publicKeyCredential\"]\n",
                "\"microsoft.graph.fido2AuthenticationMethod\" = [\"displayName\"]\n",
            )
            .replace(
                "\"microsoft.graph.platformCredentialAuthenticationMethod\" = [\"displayName\"]\n",
                "",
            )
            .replace(
                "\"microsoft.graph.platformCredentialAuthenticationMethod\" = [\n    \
                 \"displayName\",\n    \"keyStrength\",\n    \"platform\",\n]\n",
                "",
            );
        let mut out = String::new();
        for block in text.split_inclusive("\n\n") {
            let drop = ["platformCredentialMethods", "externalAuthenticationMethods"]
                .iter()
                .any(|n| {
                    block.contains(&format!("path = \"authentication/{n}\""))
                        || block.contains(&format!("[operations.\"{n}."))
                });
            if !drop {
                out.push_str(block);
            }
        }
        out
    }

    /// On a temporary copy of spec/: the real 2023 document as the "new" global metadata and
    /// the China document as the "new" US Government one. One command copies them, re-trims,
    /// regenerates and reports the real differences.
    #[test]
    fn update_spec_on_a_copy_reports_the_real_diff() {
        let repo = files::workspace_root().unwrap();
        let root = scratch_repo("edited", without_2026_navigations);
        with_release_files(&root);
        let out = root.join("diff.md");
        let args = args_2023(&out);
        let result = run_in(&root, &args);
        let report = fs::read_to_string(&out).unwrap_or_default();
        let changelog = fs::read_to_string(root.join(CHANGELOG)).unwrap();
        let prod = fs::read(root.join("spec/upstream/v1.0-Prod.csdl")).unwrap();
        let fairfax = fs::read(root.join("spec/upstream/v1.0-Fairfax.csdl")).unwrap();
        let readme = fs::read_to_string(root.join(UPSTREAM_README)).unwrap();
        let lock = fs::read_to_string(root.join("spec/slice.lock")).unwrap();
        let generated = root.join("crates/graph-phone-types/src/generated").is_dir();
        let _ = fs::remove_dir_all(&root);
        result.unwrap();

        // The documents were copied byte for byte and recorded.
        assert_eq!(prod, fs::read(&args.metadata).unwrap());
        assert_eq!(fairfax, fs::read(args.fairfax.as_ref().unwrap()).unwrap());
        let stamp = FileStamp::of("v1.0-Prod.csdl", &prod);
        assert!(
            readme.contains(
                "| v1.0-Prod.csdl | schemas/v1.0-Prod.csdl | 2cfb1efab2d7 | 2023-05-09 |"
            ),
            "{readme}"
        );
        assert!(readme.contains(&format!("{NOTE}, sha256 {}", stamp.sha256)));
        // Re-trimmed and regenerated.
        assert!(lock.contains(&stamp.sha256), "{lock}");
        assert!(generated);
        assert!(repo.join("spec/upstream/v1.0-Prod.csdl").exists());

        // The diff: old spec (2026, with its lock's hash) against the new one (2023).
        assert!(
            report.contains("`spec/graph-phone.csdl (v1.0-Prod.csdl a9d32d361174)`"),
            "{report}"
        );
        // The authentication methods added since 2023 are removed by going back to it...
        assert!(
            report.contains("**navigation property `platformCredentialMethods`** removed"),
            "{report}"
        );
        // (their permission entries were removed by hand before, so both sides agree)...
        assert!(!report.contains("#### `spec/permissions.toml`"), "{report}");
        // ...and the usgov cloud, now cut from the China metadata, loses the phone actions.
        assert!(
            report.contains(
                "**endpoint `phoneMethods.enableSmsSignIn`** availability changed (usgov): \
                 `available` → `not available`"
            ),
            "{report}"
        );
        assert!(report.contains("#### `spec/clouds/usgov.csdl`"), "{report}");

        // The release it asks for (breaking, at 0.x: a new minor), and the entry, merged into
        // Unreleased next to the hand-written one.
        assert!(
            report.contains(
                "### Proposed release\n\n0.3.1 -> 0.4.0 (minor: breaking changes, while at 0.x)"
            ),
            "{report}"
        );
        let (unreleased, released) = changelog.split_once("## [0.3.1]").unwrap();
        assert_eq!(
            released,
            SCRATCH_CHANGELOG.split_once("## [0.3.1]").unwrap().1,
            "released entries are untouched"
        );
        let breaking = "- **Breaking**: navigation property `platformCredentialMethods` of \
                        `microsoft.graph.authentication` removed";
        assert!(unreleased.contains(breaking), "{changelog}");
        assert!(
            unreleased.contains("### Changed\n\n- **Breaking**: "),
            "{changelog}"
        );
        assert!(
            unreleased.contains("### Fixed\n\n- A hand-written fix.\n"),
            "{changelog}"
        );
        // The entry is the one the report shows.
        assert!(report.contains(breaking), "{report}");
    }

    /// When the slice names what the new metadata lacks, regeneration fails, after the diff
    /// that shows why.
    #[test]
    fn update_spec_prints_the_diff_before_a_regeneration_error() {
        let root = scratch_repo("unedited", str::to_string);
        with_release_files(&root);
        let out = root.join("diff.md");
        let result = run_in(&root, &args_2023(&out));
        let report = fs::read_to_string(&out).unwrap_or_default();
        let changelog = fs::read_to_string(root.join(CHANGELOG)).unwrap();
        // Not merged: the regeneration the entry describes did not happen.
        assert_eq!(changelog, SCRATCH_CHANGELOG);
        let _ = fs::remove_dir_all(&root);
        let e = format!("{:#}", result.unwrap_err());
        assert!(e.contains("edit spec/slice.toml"), "{e}");
        assert!(e.contains("platformCredentialMethods"), "{e}");
        assert!(
            report.contains("**navigation property `platformCredentialMethods`** removed"),
            "{report}"
        );
    }
}
