//! xtask works on the checkout it runs in, found at run time, never on the directory it was
//! compiled in (two checkouts sharing a target directory share one binary).

use std::path::{Path, PathBuf};
use std::process::Command;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn this_checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
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

/// Another checkout: a workspace manifest and a copy of `spec/` (clouds included).
fn other_checkout(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("xtask-root-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&this_checkout().join("spec"), &root.join("spec"));
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"xtask\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("xtask/src")).unwrap();
    root
}

const TYPES: &str = "crates/graph-phone-types/src/generated/mod.rs";

#[test]
fn codegen_writes_in_the_checkout_of_the_current_directory() {
    let root = other_checkout("cwd");
    let out = Command::new(XTASK)
        .arg("codegen")
        .current_dir(root.join("spec/clouds"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(root.join(TYPES)).expect("codegen wrote elsewhere");
    assert_eq!(
        written,
        std::fs::read_to_string(this_checkout().join(TYPES)).unwrap()
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn codegen_follows_cargo_manifest_dir_set_at_run_time() {
    let root = other_checkout("manifest");
    let out = Command::new(XTASK)
        .args(["codegen", "--check"])
        .current_dir(this_checkout())
        .env("CARGO_MANIFEST_DIR", root.join("xtask"))
        .output()
        .unwrap();
    // Nothing is generated in the other checkout yet: the check must fail there.
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(TYPES), "{stderr}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn outside_any_workspace_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("xtask-root-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    if this_checkout().starts_with(&dir) || dir.ancestors().any(|d| d.join("Cargo.toml").exists()) {
        return; // the temporary directory sits inside a workspace: nothing to test here
    }
    let out = Command::new(XTASK)
        .args(["codegen", "--check"])
        .current_dir(&dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no workspace Cargo.toml"), "{stderr}");
    assert!(stderr.contains("the current directory"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
