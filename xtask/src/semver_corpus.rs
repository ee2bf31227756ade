//! `cargo xtask semver-corpus`: the change corpus, each case judged by the spec diff and by
//! cargo-semver-checks, the verdicts recorded in a checked-in file.
//!
//! The corpus is data: `xtask/tests/spec-changes/cases.toml`, one `[[case]]` per change, each
//! an edit of a copy of `spec/` (`edit`: the head side; `base_edit`: the base side, for a
//! change whose old version is the one to build, like the real 2023-05 metadata). For every
//! case the command copies the workspace (without `target/`) below `target/semver-corpus/`,
//! applies the edits, runs the built xtask there (`trim` when a slice or metadata input
//! changed, then `codegen`), runs `spec-diff` between the two sides' `spec/` (JSON) and
//! cargo-semver-checks between the two sides' crates, and writes
//! `xtask/tests/spec-changes/verdicts.toml`: both verdicts, the lints, whether they agree and a
//! hash of each side's generated sources.
//!
//! The always-on test (`corpus_verdicts_are_current`, no cargo-semver-checks) regenerates
//! each side in memory through the same library calls, and fails when a hash or a spec-diff
//! verdict is no longer the recorded one, or when a disagreement has no written explanation.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use graph_codegen::diff::Class;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::{self, Mode};
use crate::semver::{self, Bump};

/// The cases, relative to the workspace root.
pub const CASES: &str = "xtask/tests/spec-changes/cases.toml";
/// The recorded verdicts.
pub const VERDICTS: &str = "xtask/tests/spec-changes/verdicts.toml";
/// The command that refreshes [`VERDICTS`].
pub const COMMAND: &str = "cargo xtask semver-corpus";

#[derive(clap::Args)]
pub struct CorpusArgs {
    /// Run only this case (repeatable); the other cases' recorded verdicts are kept.
    #[arg(long = "case", value_name = "ID")]
    cases: Vec<String>,
    /// Keep the case directories below `target/semver-corpus/` for inspection.
    #[arg(long)]
    keep: bool,
}

/// The corpus file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    case: Vec<Case>,
}

/// One change of the corpus.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A short name, unique in the corpus.
    pub id: String,
    /// What the change is, for the table.
    pub description: String,
    /// Edits of the head side (the new version).
    #[serde(default)]
    pub edit: Vec<Edit>,
    /// Edits of the base side (the old version); without them, the base is the checked-in spec.
    #[serde(default)]
    pub base_edit: Vec<Edit>,
    /// Trim with `--allow-missing` (an older document lacks some slice entries).
    #[serde(default)]
    pub allow_missing: bool,
    /// Why the two tools disagree and which one is wrong; required when they do.
    #[serde(default)]
    pub disagreement: Option<String>,
}

/// One edit of a file below `spec/`: replace the one occurrence of `find` by `replace`, or
/// remove the TOML tables whose header starts with `remove_tables`.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// The file, relative to the workspace root (`spec/...`).
    pub file: String,
    /// The text to replace; it must occur exactly once.
    #[serde(default)]
    pub find: Option<String>,
    /// Its replacement.
    #[serde(default)]
    pub replace: Option<String>,
    /// A TOML table header prefix (`[operations."platformCredentialMethods.`): every table
    /// whose header line starts with it is removed, up to the next header.
    #[serde(default)]
    pub remove_tables: Option<String>,
}

/// The recorded verdicts file.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct VerdictsFile {
    #[serde(default)]
    case: Vec<Recorded>,
}

/// The recorded result of one case.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// The case id.
    pub id: String,
    /// The spec diff's overall verdict: breaking, additive, documentation or none.
    pub spec_diff: String,
    /// cargo-semver-checks' verdict over both crates: major, minor or none.
    pub semver_checks: String,
    /// The lints that fired, as `crate: lint`.
    pub lints: Vec<String>,
    /// Whether the verdicts agree ([`semver::agree`]).
    pub agree: bool,
    /// SHA-256 of the base side's generated sources.
    pub base_hash: String,
    /// SHA-256 of the head side's generated sources.
    pub head_hash: String,
}

/// The corpus, checked: unique ids, every edit well formed and below `spec/`.
pub fn load_cases(root: &Path) -> anyhow::Result<Vec<Case>> {
    let text = files::read(root, CASES)?;
    let file: CorpusFile = toml::from_str(&text).with_context(|| format!("{CASES} is invalid"))?;
    let mut ids = BTreeSet::new();
    for case in &file.case {
        if !ids.insert(case.id.as_str()) {
            bail!("{CASES}: case `{}` is defined twice", case.id);
        }
        if case.edit.is_empty() && case.base_edit.is_empty() {
            bail!("{CASES}: case `{}` has no edit and no base_edit", case.id);
        }
        for e in case.edit.iter().chain(&case.base_edit) {
            if !e.file.starts_with("spec/") || e.file.contains("..") {
                bail!(
                    "{CASES}: case `{}` edits `{}`: only files below spec/ may be edited",
                    case.id,
                    e.file
                );
            }
            match (&e.find, &e.replace, &e.remove_tables) {
                (Some(_), Some(_), None) | (None, None, Some(_)) => {}
                _ => bail!(
                    "{CASES}: case `{}`, edit of `{}`: give `find` and `replace`, or \
                     `remove_tables` alone",
                    case.id,
                    e.file
                ),
            }
        }
    }
    Ok(file.case)
}

/// Applies `edits` to the files below `dir`; errors name the case, the file and the text.
pub fn apply_edits(dir: &Path, case: &str, edits: &[Edit]) -> anyhow::Result<()> {
    for e in edits {
        let path = dir.join(&e.file);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("case `{case}`: cannot read {}", e.file))?;
        let new = match (&e.find, &e.replace, &e.remove_tables) {
            (Some(find), Some(replace), _) => {
                let n = text.matches(find.as_str()).count();
                if n != 1 {
                    bail!(
                        "case `{case}`: `{}` occurs {n} times in {} (it must occur once); \
                         update the case in {CASES}",
                        find.lines().next().unwrap_or_default(),
                        e.file
                    );
                }
                text.replacen(find.as_str(), replace, 1)
            }
            (_, _, Some(prefix)) => remove_tables(&text, prefix).with_context(|| {
                format!(
                    "case `{case}`: no table of {} starts with `{prefix}`",
                    e.file
                )
            })?,
            _ => bail!("case `{case}`: an edit of {} does nothing", e.file),
        };
        fs::write(&path, new).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `text` without the TOML tables whose header line starts with `prefix` (each up to the
/// next header line); `None` if there is none.
fn remove_tables(text: &str, prefix: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let (mut removing, mut removed) = (false, false);
    for line in text.split_inclusive('\n') {
        if line.starts_with('[') {
            removing = line.starts_with(prefix);
            removed |= removing;
        }
        if !removing {
            out.push_str(line);
        }
    }
    removed.then_some(out)
}

/// Whether the edits change an input of `cargo xtask trim` (the slice or a metadata document).
pub fn needs_trim(edits: &[Edit]) -> bool {
    edits
        .iter()
        .any(|e| e.file == "spec/slice.toml" || e.file.starts_with("spec/upstream/"))
}

/// SHA-256 over the generated sources below `dir` (every file of
/// [`crate::codegen::OWNED_DIRS`], by sorted path), as hex.
pub fn generated_hash(dir: &Path) -> anyhow::Result<String> {
    let mut found: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for owned in crate::codegen::OWNED_DIRS {
        let d = dir.join(owned);
        for entry in fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))? {
            let path = entry?.path();
            let bytes =
                fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            found.insert(format!("{owned}/{name}"), bytes);
        }
    }
    let mut hasher = Sha256::new();
    for (path, bytes) in &found {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The arguments of `cargo xtask spec-diff` (after the subcommand) comparing the `spec/` of
/// the checkouts `old` and `new`, as JSON written to `out`. The one place that knows the
/// command's flags: the corpus runner passes them to the binary, the test parses them.
pub fn spec_diff_args(old: &Path, new: &Path, out: &Path) -> Vec<OsString> {
    vec![
        "--old-spec".into(),
        old.join("spec").into_os_string(),
        "--new-spec".into(),
        new.join("spec").into_os_string(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        out.as_os_str().to_owned(),
    ]
}

/// The overall verdict of a JSON report: its `worst` field, else the most severe class with
/// a non-zero count.
pub fn worst_of(json: &str) -> anyhow::Result<Option<Class>> {
    let v: serde_json::Value =
        serde_json::from_str(json).context("the spec diff's JSON report does not parse")?;
    let class = |name: &str| Class::ALL.into_iter().find(|c| c.as_str() == name);
    if let Some(w) = v.get("worst") {
        return match w {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(s) => class(s)
                .map(Some)
                .with_context(|| format!("unknown `worst`: {s}")),
            other => bail!("unexpected `worst`: {other}"),
        };
    }
    let counts = v
        .get("counts")
        .context("the spec diff's JSON report has no `counts`")?;
    Ok(Class::ALL
        .into_iter()
        .find(|c| counts.get(c.as_str()).and_then(|n| n.as_u64()).unwrap_or(0) > 0))
}

/// Copies the tree `from` to `to`, leaving out every `target` and `.git` directory.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if name == "target" || name == ".git" {
                continue;
            }
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            fs::copy(&src, &dst).with_context(|| format!("cannot copy {}", src.display()))?;
        }
    }
    Ok(())
}

/// Runs the built xtask in `dir` (a copy of the workspace, found at run time from the
/// current directory).
fn xtask(exe: &Path, dir: &Path, args: &[OsString]) -> anyhow::Result<()> {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        let shown: Vec<String> = args.iter().map(|a| a.to_string_lossy().into()).collect();
        bail!(
            "`cargo xtask {}` in {} failed ({}): {}",
            shown.join(" "),
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A side of a case on disk: a copy of `orig` with `edits`, trimmed (if they change a trim
/// input) and regenerated by the built xtask.
fn prepare(exe: &Path, orig: &Path, dir: &Path, case: &Case, edits: &[Edit]) -> anyhow::Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    copy_tree(orig, dir)?;
    apply_edits(dir, &case.id, edits)?;
    if needs_trim(edits) {
        let mut args: Vec<OsString> = vec!["trim".into()];
        if case.allow_missing {
            args.push("--allow-missing".into());
        }
        xtask(exe, dir, &args)?;
    }
    xtask(exe, dir, &["codegen".into()])
}

/// The command.
pub fn run(args: CorpusArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let root = files::workspace_root()?;
    semver::ensure_installed()?;
    crate::codegen::generate_in(&root, Mode::Check).context(
        "the corpus starts from the working tree, whose generated code is stale: run \
         `cargo xtask codegen` first",
    )?;
    let cases = load_cases(&root)?;
    for id in &args.cases {
        if !cases.iter().any(|c| &c.id == id) {
            bail!("no case `{id}` in {CASES}");
        }
    }
    let exe = std::env::current_exe().context("cannot find the running xtask binary")?;
    let work = root.join("target/semver-corpus");
    let target_dir = work.join("target");
    let orig = work.join("orig");
    if orig.exists() {
        fs::remove_dir_all(&orig).with_context(|| format!("cannot remove {}", orig.display()))?;
    }
    copy_tree(&root, &orig)?;
    let orig_hash = generated_hash(&orig)?;

    let mut recorded: BTreeMap<String, Recorded> = read_verdicts(&root)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    for case in &cases {
        if !args.cases.is_empty() && !args.cases.contains(&case.id) {
            continue;
        }
        let case_started = Instant::now();
        let dir = work.join("cases").join(&case.id);
        let side = |name: &str, edits: &[Edit]| -> anyhow::Result<PathBuf> {
            if edits.is_empty() {
                return Ok(orig.clone());
            }
            let d = dir.join(name);
            prepare(&exe, &orig, &d, case, edits)?;
            Ok(d)
        };
        let base = side("base", &case.base_edit)?;
        let head = side("head", &case.edit)?;
        let out = dir.join("spec-diff.json");
        fs::create_dir_all(&dir)?;
        let mut diff_args: Vec<OsString> = vec!["spec-diff".into()];
        diff_args.extend(spec_diff_args(&base, &head, &out));
        xtask(&exe, &head, &diff_args)?;
        let worst = worst_of(&fs::read_to_string(&out).context("no spec diff report")?)?;
        let verdict = semver::check(&base, &head, &target_dir)
            .with_context(|| format!("case `{}`", case.id))?;
        let hash = |d: &Path| {
            if d == orig {
                Ok(orig_hash.clone())
            } else {
                generated_hash(d)
            }
        };
        let r = Recorded {
            id: case.id.clone(),
            spec_diff: semver::class_name(worst).into(),
            semver_checks: verdict.bump().as_str().into(),
            lints: verdict.lints(),
            agree: semver::agree(worst, verdict.bump()),
            base_hash: hash(&base)?,
            head_hash: hash(&head)?,
        };
        eprintln!(
            "{:<28} spec diff {:<13} semver-checks {:<5} {} ({:.0} s)",
            r.id,
            r.spec_diff,
            r.semver_checks,
            if r.agree { "agree" } else { "DISAGREE" },
            case_started.elapsed().as_secs_f64()
        );
        recorded.insert(r.id.clone(), r);
        if !args.keep {
            let _ = fs::remove_dir_all(&dir);
        }
    }
    // Keep the corpus order; drop verdicts of removed cases.
    let ordered: Vec<Recorded> = cases
        .iter()
        .filter_map(|c| recorded.get(&c.id).cloned())
        .collect();
    write_verdicts(&root, &ordered)?;
    println!("{}", table(&cases, &ordered));
    println!(
        "{} case(s) run in {:.0} s; verdicts written to {VERDICTS}",
        if args.cases.is_empty() {
            cases.len()
        } else {
            args.cases.len()
        },
        started.elapsed().as_secs_f64()
    );
    let unexplained: Vec<&str> = ordered
        .iter()
        .filter(|r| !r.agree)
        .filter(|r| {
            cases.iter().find(|c| c.id == r.id).is_none_or(|c| {
                c.disagreement
                    .as_deref()
                    .is_none_or(|d| d.trim().is_empty())
            })
        })
        .map(|r| r.id.as_str())
        .collect();
    if !unexplained.is_empty() {
        bail!(
            "the tools disagree on {} without an explanation: find which tool is wrong, fix \
             ours or write `disagreement = \"...\"` on the case in {CASES}",
            unexplained.join(", ")
        );
    }
    Ok(())
}

/// The Markdown table of the verdicts (case, both verdicts, agreement).
pub fn table(cases: &[Case], recorded: &[Recorded]) -> String {
    let mut out = String::from(
        "| Case | Change | Spec diff | cargo-semver-checks | Agree |\n|---|---|---|---|---|\n",
    );
    for r in recorded {
        let description = cases
            .iter()
            .find(|c| c.id == r.id)
            .map_or("", |c| c.description.as_str());
        let lints = if r.lints.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.lints.join(", "))
        };
        out.push_str(&format!(
            "| {} | {description} | {} | {}{lints} | {} |\n",
            r.id,
            r.spec_diff,
            r.semver_checks,
            if r.agree { "yes" } else { "**no**" }
        ));
    }
    out
}

fn read_verdicts(root: &Path) -> anyhow::Result<Vec<Recorded>> {
    let Some(text) = files::read_optional(root, VERDICTS)? else {
        return Ok(Vec::new());
    };
    let file: VerdictsFile =
        toml::from_str(&text).with_context(|| format!("{VERDICTS} is invalid; run {COMMAND}"))?;
    for r in &file.case {
        if Bump::parse(&r.semver_checks).is_none() {
            bail!(
                "{VERDICTS}: case `{}`: unknown semver_checks `{}`",
                r.id,
                r.semver_checks
            );
        }
    }
    Ok(file.case)
}

fn write_verdicts(root: &Path, recorded: &[Recorded]) -> anyhow::Result<()> {
    let body = toml::to_string(&VerdictsFile {
        case: recorded.to_vec(),
    })
    .context("cannot serialise the verdicts")?;
    let text = format!(
        "# @generated by `{COMMAND}` (cases: {CASES}); do not edit by hand.\n\
         # spec_diff: the spec diff's overall verdict; semver_checks: the version bump\n\
         # cargo-semver-checks {} requires over graph-phone-types and graph-phone-client\n\
         # (0.x: \"major\" is a new 0.y release); lints: those that fired (\"(warning)\": a\n\
         # warn-level lint, which suggests a bump without requiring it); the hashes are\n\
         # SHA-256 of each side's generated sources. The test `corpus_verdicts_are_current`\n\
         # checks them.\n\n{body}",
        semver::VERSION
    );
    let path = root.join(VERDICTS);
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SpecDiffArgs` parsed from the same arguments the runner gives the binary.
    #[derive(clap::Parser)]
    struct SpecDiffCli {
        #[command(flatten)]
        args: crate::spec_diff::SpecDiffArgs,
    }

    /// One side of a case, generated in a fresh directory through the library calls behind
    /// `cargo xtask trim` and `cargo xtask codegen` (only `spec/` is copied).
    fn side(root: &Path, tmp: &Path, case: &Case, edits: &[Edit]) -> PathBuf {
        let _ = fs::remove_dir_all(tmp);
        copy_tree(&root.join("spec"), &tmp.join("spec")).unwrap();
        apply_edits(tmp, &case.id, edits).unwrap_or_else(|e| panic!("{e:#}"));
        if needs_trim(edits) {
            crate::trim::run_in(
                tmp,
                crate::trim::TrimArgs::slice_defaults(case.allow_missing),
            )
            .unwrap_or_else(|e| panic!("case `{}`: trim: {e:#}", case.id));
        }
        crate::codegen::generate_in(tmp, Mode::Write)
            .unwrap_or_else(|e| panic!("case `{}`: codegen: {e:#}", case.id));
        tmp.to_path_buf()
    }

    /// The recorded verdicts are those of the current generator, spec diff and corpus: every
    /// case is recorded, each side's generated sources hash as recorded, the spec diff gives
    /// the recorded verdict, the agreement follows from the two verdicts, and every
    /// disagreement is explained in the corpus. cargo-semver-checks' verdicts are not rerun
    /// (it is minutes of rustdoc builds): they stay valid as long as the hashes match.
    #[test]
    fn corpus_verdicts_are_current() {
        use clap::Parser;
        let root = files::workspace_root().unwrap();
        let cases = load_cases(&root).unwrap_or_else(|e| panic!("{e:#}"));
        let recorded = read_verdicts(&root).unwrap_or_else(|e| panic!("{e:#}"));
        let stale = |why: String| -> String { format!("{why}; run `{COMMAND}`") };
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        let recorded_ids: Vec<&str> = recorded.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            recorded_ids,
            "{}",
            stale(format!("{VERDICTS} does not record the cases of {CASES}"))
        );
        let tmp = std::env::temp_dir().join(format!("xtask-semver-corpus-{}", std::process::id()));
        let orig = side(&root, &tmp.join("orig"), &cases[0], &[]);
        let orig_hash = generated_hash(&orig).unwrap();
        let mut problems = Vec::new();
        for (case, r) in cases.iter().zip(&recorded) {
            let dir = tmp.join(&case.id);
            let make = |name: &str, edits: &[Edit]| {
                if edits.is_empty() {
                    orig.clone()
                } else {
                    side(&root, &dir.join(name), case, edits)
                }
            };
            let (base, head) = (make("base", &case.base_edit), make("head", &case.edit));
            for (name, d, want) in [("base", &base, &r.base_hash), ("head", &head, &r.head_hash)] {
                let got = if *d == orig {
                    orig_hash.clone()
                } else {
                    generated_hash(d).unwrap()
                };
                if &got != want {
                    problems.push(stale(format!(
                        "case `{}`: the {name} side's generated sources changed",
                        case.id
                    )));
                }
            }
            let out = dir.join("spec-diff.json");
            fs::create_dir_all(&dir).unwrap();
            let mut argv: Vec<OsString> = vec!["spec-diff".into()];
            argv.extend(spec_diff_args(&base, &head, &out));
            let cli = SpecDiffCli::try_parse_from(argv).unwrap_or_else(|e| panic!("{e}"));
            crate::spec_diff::run_in(&head, &cli.args)
                .unwrap_or_else(|e| panic!("case `{}`: spec diff: {e:#}", case.id));
            let worst = worst_of(&fs::read_to_string(&out).unwrap()).unwrap();
            if semver::class_name(worst) != r.spec_diff {
                problems.push(stale(format!(
                    "case `{}`: the spec diff now says {}, recorded {}",
                    case.id,
                    semver::class_name(worst),
                    r.spec_diff
                )));
            }
            let bump = Bump::parse(&r.semver_checks).unwrap();
            if semver::agree(worst, bump) != r.agree {
                problems.push(stale(format!(
                    "case `{}`: the recorded agreement does not follow from the verdicts",
                    case.id
                )));
            }
            if !r.agree
                && case
                    .disagreement
                    .as_deref()
                    .is_none_or(|d| d.trim().is_empty())
            {
                problems.push(format!(
                    "case `{}`: spec diff {} but cargo-semver-checks {}, with no \
                     `disagreement` in {CASES} saying which tool is wrong",
                    case.id, r.spec_diff, r.semver_checks
                ));
            }
        }
        let _ = fs::remove_dir_all(&tmp);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn an_edit_that_does_not_match_once_names_the_case_and_file() {
        let tmp = std::env::temp_dir().join(format!("xtask-semver-edit-{}", std::process::id()));
        fs::create_dir_all(tmp.join("spec")).unwrap();
        fs::write(tmp.join("spec/x.toml"), "a = 1\na = 1\n").unwrap();
        let edit = Edit {
            file: "spec/x.toml".into(),
            find: Some("a = 1".into()),
            replace: Some("b = 2".into()),
            remove_tables: None,
        };
        let e = apply_edits(&tmp, "dup", &[edit]).unwrap_err().to_string();
        let _ = fs::remove_dir_all(&tmp);
        assert!(
            e.contains("case `dup`") && e.contains("occurs 2 times in spec/x.toml"),
            "{e}"
        );
    }

    #[test]
    fn remove_tables_drops_each_matching_table_and_its_subtables() {
        let text = "# head\n[operations.\"a.list\"]\nx = 1\n[operations.\"a.list\".fine]\ny = 2\n\
                    [operations.\"b.list\"]\nz = 3\n";
        assert_eq!(
            remove_tables(text, "[operations.\"a.").unwrap(),
            "# head\n[operations.\"b.list\"]\nz = 3\n"
        );
        assert_eq!(remove_tables(text, "[operations.\"c."), None);
    }

    #[test]
    fn worst_comes_from_the_field_or_the_counts() {
        assert_eq!(
            worst_of(r#"{"worst": "additive", "counts": {"breaking": 1}}"#).unwrap(),
            Some(Class::Additive)
        );
        assert_eq!(
            worst_of(r#"{"counts": {"breaking": 0, "additive": 2, "documentation": 1}}"#).unwrap(),
            Some(Class::Additive)
        );
        assert_eq!(worst_of(r#"{"worst": null}"#).unwrap(), None);
    }
}
