//! The one write path for every generated file.
//!
//! Regeneration and `--check` go through [`ensure_files`]: it normalises newlines, compares
//! with what is on disk, writes only what changed and deletes generated files that are no
//! longer produced. In check mode it changes nothing and fails, naming the command to run.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// One file to keep on disk: a path relative to the workspace root and its contents.
pub struct Output {
    pub path: String,
    pub contents: String,
}

/// Whether to write or only compare.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// The workspace root of the checkout this command runs in, found at run time: the nearest
/// directory with a `Cargo.toml` holding `[workspace]`, from `CARGO_MANIFEST_DIR` when cargo
/// set it (`cargo xtask`, `cargo test`), else from the current directory.
///
/// Never the directory xtask was compiled in: two checkouts sharing a target directory share
/// one xtask binary, which would then read and write the other checkout's files.
pub fn workspace_root() -> anyhow::Result<PathBuf> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let (start, from) = match manifest_dir {
        Some(dir) => (dir, "CARGO_MANIFEST_DIR"),
        None => (
            std::env::current_dir().context("cannot read the current directory")?,
            "the current directory",
        ),
    };
    find_workspace_root(&start).with_context(|| {
        format!(
            "no workspace Cargo.toml (one with `[workspace]`) in {} or above it ({from}); \
             run `cargo xtask` inside the graph-phone checkout",
            start.display()
        )
    })
}

/// The nearest of `start` and its ancestors whose `Cargo.toml` has a `[workspace]` table.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|l| l.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

/// `p` as a path relative to `root` with `/` separators (absolute paths outside `root` stay
/// as they are): how the commands name files in messages and reports.
pub fn relative(root: &Path, p: &Path) -> String {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    abs.strip_prefix(root)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| abs.to_string_lossy().into_owned())
}

/// The text of `path` (relative to `root`); the error names the path.
pub fn read(root: &Path, path: &str) -> anyhow::Result<String> {
    fs::read_to_string(root.join(path)).with_context(|| format!("cannot read {path}"))
}

/// The text of `path` below `root`, `None` if it does not exist.
pub fn read_optional(root: &Path, path: &str) -> anyhow::Result<Option<String>> {
    match fs::read_to_string(root.join(path)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {path}")),
    }
}

/// Bring `outputs` onto disk below `root`. `owned_dirs` are directories whose every file is
/// generated: files in them that `outputs` does not name are stale and removed.
///
/// `command` is what a user runs to regenerate; check mode names it in its error.
pub fn ensure_files(
    root: &Path,
    outputs: &[Output],
    owned_dirs: &[&str],
    mode: Mode,
    command: &str,
) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    let mut wanted = BTreeSet::new();
    for out in outputs {
        let contents = normalize(&out.contents);
        let path = root.join(&out.path);
        wanted.insert(path.clone());
        let on_disk = match fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if on_disk.as_deref() == Some(contents.as_bytes()) {
            continue;
        }
        changed.push(out.path.clone());
        if mode == Mode::Write {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            fs::write(&path, contents.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    for dir in owned_dirs {
        let dir = root.join(dir);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut stale: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !wanted.contains(p))
            .collect();
        stale.sort();
        for path in stale {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            changed.push(format!("{rel} (no longer generated)"));
            if mode == Mode::Write {
                fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    if mode == Mode::Check && !changed.is_empty() {
        bail!(
            "generated files are out of date:\n  {}\nrun `{command}` and commit the result",
            changed.join("\n  ")
        );
    }
    Ok(changed)
}

/// The library's newline rule ([`graph_codegen::written::normalize_newlines`]): the generator
/// checks its Rust files as this writes them.
fn normalize(text: &str) -> String {
    graph_codegen::written::normalize_newlines(text)
}

/// Every slice of the repository, relative to `root`: the project's `spec/slice.toml`, then
/// `examples/slices/*/slice.toml` in name order.
pub fn slices(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = vec!["spec/slice.toml".to_string()];
    let dir = root.join("examples/slices");
    if dir.is_dir() {
        let mut names: Vec<String> = fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("slice.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        out.extend(
            names
                .into_iter()
                .map(|n| format!("examples/slices/{n}/slice.toml")),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn out(path: &str, contents: &str) -> Output {
        Output {
            path: path.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn writes_only_on_change_and_check_names_the_command() {
        let root = scratch("change");
        let outputs = [out("gen/a.rs", "a\r\n")];
        let changed = ensure_files(
            &root,
            &outputs,
            &["gen"],
            Mode::Write,
            "cargo xtask codegen",
        )
        .unwrap();
        assert_eq!(changed, ["gen/a.rs"]);
        assert_eq!(fs::read_to_string(root.join("gen/a.rs")).unwrap(), "a\n");
        let mtime = fs::metadata(root.join("gen/a.rs"))
            .unwrap()
            .modified()
            .unwrap();
        let again = ensure_files(&root, &outputs, &["gen"], Mode::Write, "x").unwrap();
        assert!(again.is_empty());
        assert_eq!(
            fs::metadata(root.join("gen/a.rs"))
                .unwrap()
                .modified()
                .unwrap(),
            mtime
        );
        ensure_files(&root, &outputs, &["gen"], Mode::Check, "x").unwrap();

        fs::write(root.join("gen/a.rs"), "edited by hand\n").unwrap();
        let err = ensure_files(
            &root,
            &outputs,
            &["gen"],
            Mode::Check,
            "cargo xtask codegen",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("gen/a.rs"), "{err}");
        assert!(err.contains("run `cargo xtask codegen`"), "{err}");
        assert_eq!(
            fs::read_to_string(root.join("gen/a.rs")).unwrap(),
            "edited by hand\n",
            "check mode must not write"
        );
    }

    #[test]
    fn stale_generated_files_are_reported_and_removed() {
        let root = scratch("stale");
        fs::create_dir_all(root.join("gen")).unwrap();
        fs::write(root.join("gen/old.rs"), "old\n").unwrap();
        let outputs = [out("gen/new.rs", "new\n")];
        let err = ensure_files(&root, &outputs, &["gen"], Mode::Check, "cmd")
            .unwrap_err()
            .to_string();
        assert!(err.contains("old.rs (no longer generated)"), "{err}");
        ensure_files(&root, &outputs, &["gen"], Mode::Write, "cmd").unwrap();
        assert!(!root.join("gen/old.rs").exists());
        assert!(root.join("gen/new.rs").exists());
    }
}
