//! What publishing needs and a release could let drift: the licence copies in the published
//! crates, their metadata, the versions of the internal dependencies and the changelog entry of
//! the current version. `scripts/package.sh` runs the publish dry-run itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The crates users depend on, and the command-line tool over them; they share one version
/// (see "Versioning" in CHANGELOG.md).
const PUBLISHED: [&str; 5] = [
    "graph-phone",
    "graph-phone-client",
    "graph-phone-emulator",
    "graph-phone-runtime",
    "graph-phone-types",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `cargo metadata` of the workspace's own packages.
fn packages() -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"].as_array().unwrap().clone()
}

fn publishable(p: &Value) -> bool {
    // `publish = false` is an empty list of registries; absent means any.
    p["publish"] != Value::Array(vec![])
}

fn published() -> Vec<Value> {
    packages().into_iter().filter(publishable).collect()
}

#[test]
fn exactly_the_five_crates_are_publishable() {
    let mut names: Vec<String> = packages()
        .iter()
        .filter(|p| publishable(p))
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, PUBLISHED, "graph-codegen and xtask stay unpublished");
}

#[test]
fn each_published_crate_carries_the_root_licence() {
    let licence = std::fs::read_to_string(root().join("LICENSE")).unwrap();
    assert!(licence.starts_with("MIT License"));
    for p in published() {
        let dir = Path::new(p["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap();
        let copy = std::fs::read_to_string(dir.join("LICENSE")).unwrap_or_default();
        assert!(
            copy == licence,
            "{}/LICENSE differs from the root LICENSE (or is missing): copy the root file",
            dir.display()
        );
    }
}

#[test]
fn published_crates_have_complete_metadata() {
    for p in published() {
        let name = p["name"].as_str().unwrap();
        for field in [
            "description",
            "license",
            "readme",
            "documentation",
            "rust_version",
        ] {
            assert!(p[field].is_string(), "{name}: no `{field}`");
        }
        assert_eq!(p["license"], "MIT", "{name}");
        for field in ["keywords", "categories"] {
            let n = p[field].as_array().map_or(0, Vec::len);
            assert!(
                (1..=5).contains(&n),
                "{name}: {n} {field} (crates.io takes 1 to 5)"
            );
        }
        assert_eq!(
            // `docs.rs` is a dotted key: the table `docs`, then `rs`.
            p["metadata"]["docs"]["rs"]["all-features"],
            true,
            "{name}: [package.metadata.docs.rs] all-features = true"
        );
        // No placeholder: the field comes back when the project has a public home.
        let repository = p["repository"].as_str().unwrap_or("");
        assert!(!repository.contains(".invalid"), "{name}: {repository}");
    }
}

/// The published crates share one version, and every dependency of one on another asks for
/// it (a release that bumps the version must bump these lines too).
#[test]
fn internal_dependencies_ask_for_the_shared_version() {
    let published = published();
    let version = published[0]["version"].as_str().unwrap().to_owned();
    for p in &published {
        let name = p["name"].as_str().unwrap();
        assert_eq!(
            p["version"],
            version.as_str(),
            "{name}: not the shared version"
        );
        for dep in p["dependencies"].as_array().unwrap() {
            if dep["path"].is_null() {
                continue;
            }
            let dep_name = dep["name"].as_str().unwrap();
            // A crate's dev-dependency on itself (the emulator's, with its `cli` feature for
            // the tests that run its binary) has no version: cargo then leaves it out of the
            // package, where a version would make the package depend on itself.
            if dep_name == name && dep["kind"] == "dev" {
                assert_eq!(
                    dep["req"], "*",
                    "{name}: its dev-dependency on itself has a version"
                );
                continue;
            }
            assert_eq!(
                dep["req"],
                format!("^{version}"),
                "{name} -> {dep_name}: `version = \"{version}\"` on the path dependency"
            );
        }
    }
}

#[test]
fn the_changelog_has_the_current_version() {
    let version = published()[0]["version"].as_str().unwrap().to_owned();
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.contains("\n## [Unreleased]\n"),
        "no Unreleased section"
    );
    assert!(
        changelog.contains(&format!("\n## [{version}] - ")),
        "CHANGELOG.md has no `## [{version}] - DATE` entry for the current version"
    );
}
