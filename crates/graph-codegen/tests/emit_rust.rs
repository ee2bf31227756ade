//! The Rust model emitter on the CSDL fixtures (`tests/fixtures/*.xml`, one concept each):
//! read -> lower -> emit, snapshot the Rust, and compile all of it.
//!
//! Add a case by adding a fixture. Paths are requested for every containment chain from the
//! container (up to three hops); `user` and `authentication` are path containers,
//! `phoneNumber`, `emailAddress` and `password` are sensitive wherever a fixture has them, and
//! `phoneNumber` is required on create (`create_required`).

use std::path::{Path, PathBuf};
use std::process::Command;

use graph_codegen::csdl;
use graph_codegen::emit::rust::emit_types_source;
use graph_codegen::emit::{CreateRequired, Overlay};
use graph_codegen::ir::{self, Model, PathRequest};

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

/// Every chain of containment navigation from a root, up to three hops.
fn requests(model: &Model) -> Vec<PathRequest> {
    fn walk(
        model: &Model,
        root: &str,
        ty: &str,
        segments: &mut Vec<String>,
        out: &mut Vec<PathRequest>,
    ) {
        let Some(def) = model.types.get(ty) else {
            return;
        };
        for nav in def.navigation.iter().filter(|n| n.contains_target) {
            if segments.len() == 3 || segments.contains(&nav.name) {
                continue;
            }
            segments.push(nav.name.clone());
            let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
            out.push(PathRequest::new(root, &parts));
            walk(model, root, &nav.target, segments, out);
            segments.pop();
        }
    }
    let mut out = Vec::new();
    for root in model.roots.values() {
        out.push(PathRequest::new(root.name.as_str(), &[]));
        walk(
            model,
            &root.name,
            &root.entity_type,
            &mut Vec::new(),
            &mut out,
        );
    }
    out
}

/// The create page the fixtures' `create_required` entries cite.
const CREATE_PAGE: &str = "https://learn.microsoft.com/graph/api/authentication-post-phonemethods";

fn overlay(model: &Model) -> Overlay {
    let mut overlay = Overlay::default();
    for container in ["microsoft.graph.user", "microsoft.graph.authentication"] {
        if model.types.contains_key(container) {
            overlay.path_containers.insert(container.to_owned());
        }
    }
    for def in model.types.values() {
        for prop in &def.own_properties {
            if ["phoneNumber", "emailAddress", "password"].contains(&prop.name.as_str()) {
                overlay
                    .sensitive
                    .entry(def.name.clone())
                    .or_default()
                    .insert(prop.name.clone());
            }
            if prop.name == "phoneNumber" {
                overlay
                    .create_required
                    .entry(def.name.clone())
                    .or_insert_with(|| CreateRequired {
                        page: CREATE_PAGE.to_owned(),
                        ..Default::default()
                    })
                    .properties
                    .insert(prop.name.clone());
            }
        }
    }
    overlay
}

/// Read, lower and emit one fixture.
fn check(name: &str, text: &str) -> String {
    let file = format!("{name}.xml");
    let doc = csdl::read(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let first = ir::lower(&doc, &[]).unwrap_or_else(|e| panic!("{e}"));
    let model = ir::lower(&doc, &requests(&first)).unwrap_or_else(|e| panic!("{e}"));
    emit_types_source(&model, &overlay(&model)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn emitted_rust_matches_snapshots() {
    for (name, text) in fixtures() {
        let source = check(&name, &text);
        assert_eq!(
            source,
            check(&name, &text),
            "{name}: output differs between runs"
        );
        insta::assert_snapshot!(name.as_str(), source);
    }
}

#[test]
fn emitted_rust_compiles() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("emit_rust_fixtures");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let types = manifest_dir
        .join("../graph-phone-types")
        .canonicalize()
        .unwrap();
    let workspace_lock = manifest_dir.join("../../Cargo.lock");
    let manifest = format!(
        r#"[package]
name = "emit-rust-fixtures"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

# The emitted code's `#[cfg_attr(feature = "schemars", ...)]`, compiled with it on.
[features]
default = ["schemars"]
schemars = []

[dependencies]
graph-phone-types = {{ path = {types:?} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
schemars = {{ version = "1.2", features = ["jiff02", "uuid1"] }}
# The workspace's jiff features (Cargo.toml): with jiff's defaults the offline check needs
# jiff-tzdb-platform, which the workspace lock does not hold (fails on a fresh cargo home).
jiff = {{ version = "0.2", default-features = false, features = ["std", "serde"] }}
uuid = {{ version = "1", features = ["serde"] }}
"#
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(&workspace_lock, dir.join("Cargo.lock")).unwrap();
    }
    let mut lib = String::from(
        "//! Emitted fixture code, compiled by `tests/emit_rust.rs`.\n\
         #![deny(warnings, missing_docs)]\n\
         /// The support module the generated code calls.\n\
         pub mod support {\n    pub use graph_phone_types::support::*;\n}\n",
    );
    for (name, text) in fixtures() {
        write_if_changed(&src.join(format!("{name}.rs")), &check(&name, &text));
        lib.push_str(&format!("pub mod {name};\n"));
    }
    write_if_changed(&src.join("lib.rs"), &lib);

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--lib"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "emitted fixture code does not compile ({}):\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).unwrap();
    }
}

/// A type, a property and an enum member described by `description` (XML-escaped here),
/// from `described.csdl` (the `doc_text` fuzz target uses the same document).
fn described(description: &str) -> String {
    let d = description
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('\r', "&#13;")
        .replace('\n', "&#10;")
        .replace('\t', "&#9;");
    include_str!("described.csdl").replace("{d}", &d)
}

/// Descriptions with every line terminator stay documentation in the file as written: it
/// parses and declares exactly the items of a plain description.
#[test]
fn descriptions_with_line_terminators_add_no_item() {
    use graph_codegen::written::{normalize_newlines, skeleton_of};
    let plain = check("described", &described("Plain."));
    let want = skeleton_of("plain", &plain).unwrap();
    assert!(
        want.contains(&"struct Thing / field color".to_owned()),
        "{want:?}"
    );
    for sep in [
        "\r", "\r\n", "\n", "\u{85}", "\u{2028}", "\u{2029}", "\u{0B}", "\u{0C}",
    ] {
        let text = format!("x{sep}}}{sep}pub fn injected() {{}}{sep}#[derive(Clone)]{sep}/// y");
        let source = check("described", &described(&text));
        let written = normalize_newlines(&source);
        let got = skeleton_of("described", &written).unwrap_or_else(|e| panic!("{sep:?}: {e}"));
        assert_eq!(got, want, "{sep:?}");
        assert!(
            written.contains("injected"),
            "{sep:?}: the description is kept"
        );
    }
}
