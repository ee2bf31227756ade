//! National clouds whose metadata lacks part of a slice: `trim` reports what each cloud
//! lacks instead of failing, and code generation marks those operations unavailable there
//! (`x-graph-phone-clouds`); a cloud the slice has no trimmed spec for is unknown
//! (`x-graph-phone-clouds-unknown`), never available. Small fixture clouds cut from
//! `tests/fixtures/roots_and_nesting.xml`.

use std::path::Path;

use graph_codegen::trim::{Input, TrimOptions, trim_files};
use graph_codegen::{SpecInputs, generate_slice};
use serde_json::Value;

fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots_and_nesting.xml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` without its line containing `needle` (which must be there once).
fn without_line(text: &str, needle: &str) -> String {
    assert_eq!(text.matches(needle).count(), 1, "{needle}");
    text.lines()
        .filter(|l| !l.contains(needle))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The slice: groups' settings, me's To Do lists and tasks; `[[cloud]]` entries as given.
fn slice(clouds: &str) -> String {
    format!(
        r#"name = "roots"
output_dir = "out/spec"
[source]
metadata = "global.xml"
[scope]
namespace = "microsoft.graph"
[[path]]
roots = ["groups"]
path = "settings"
[[path]]
roots = ["me"]
path = "todo/lists"
[[path]]
roots = ["me"]
path = "todo/lists/tasks"
{clouds}
[output]
types = "out/types"
types_package = "roots-types"
"#
    )
}

/// Trims `metadata` with `slice_text` as `cargo xtask trim` does for a national cloud
/// (missing entries allowed): the trimmed text and the missing entries.
fn trim_cloud(slice_text: &str, name: &str, metadata: &str) -> (String, Vec<String>) {
    let out = trim_files(
        Input {
            path: "out/slice.toml",
            text: slice_text,
        },
        Input {
            path: name,
            text: metadata,
        },
        None,
        &TrimOptions {
            allow_missing: true,
        },
    )
    .unwrap_or_else(|e| panic!("trimming {name}: {e}"));
    let csdl = out
        .files
        .into_iter()
        .find(|f| f.path.ends_with(".csdl"))
        .unwrap()
        .contents;
    (csdl, out.report.missing)
}

/// The operations' `(path, method) -> (clouds, unknown clouds)` of the generated OpenAPI.
fn availability(files: &[graph_codegen::GeneratedFile]) -> Vec<(String, Vec<String>, Vec<String>)> {
    let doc: Value = serde_json::from_str(
        &files
            .iter()
            .find(|f| f.path == "out/spec/openapi.json")
            .unwrap()
            .contents,
    )
    .unwrap();
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((
                format!("{} {path}", method.to_uppercase()),
                names(&op["x-graph-phone-clouds"]),
                names(&op["x-graph-phone-clouds-unknown"]),
            ));
        }
    }
    out
}

fn inputs(slice_text: &str, clouds: Vec<(String, String)>) -> SpecInputs {
    let global = fixture();
    let (csdl, missing) = trim_cloud(slice_text, "global.xml", &global);
    assert!(missing.is_empty(), "{missing:?}");
    SpecInputs {
        csdl_path: "out/spec/roots.csdl".into(),
        csdl,
        slice_path: "out/slice.toml".into(),
        slice: slice_text.into(),
        overlay_path: "out/overlay.toml".into(),
        clouds,
        ..Default::default()
    }
}

#[test]
fn a_cloud_lacking_a_base_segment_or_a_root_marks_those_operations_unavailable() {
    let clouds = r#"
[[cloud]]
name = "notodo"
serves = ["usGovL4", "usGovL5Dod"]
metadata = "notodo.xml"

[[cloud]]
name = "nogroups"
serves = ["china"]
metadata = "nogroups.xml"
"#;
    let slice_text = slice(clouds);
    // usgov: user has no `todo` (the base segment of two paths); china: no `groups` set.
    let notodo = without_line(&fixture(), r#"<NavigationProperty Name="todo""#);
    let nogroups = without_line(&fixture(), r#"<EntitySet Name="groups""#);
    let (notodo_csdl, notodo_missing) = trim_cloud(&slice_text, "notodo.xml", &notodo);
    let (nogroups_csdl, nogroups_missing) = trim_cloud(&slice_text, "nogroups.xml", &nogroups);
    // The trim reports what each cloud lacks, by slice entry, instead of failing.
    assert!(
        notodo_missing.iter().any(|m| m.contains("todo/lists")),
        "{notodo_missing:?}"
    );
    assert!(
        !notodo_missing.iter().any(|m| m.contains("settings")),
        "{notodo_missing:?}"
    );
    assert!(
        nogroups_missing.iter().any(|m| m.contains("settings")),
        "{nogroups_missing:?}"
    );
    assert!(
        !nogroups_missing.iter().any(|m| m.contains("todo")),
        "{nogroups_missing:?}"
    );

    let files = generate_slice(&inputs(
        &slice_text,
        vec![
            ("out/spec/clouds/notodo.csdl".into(), notodo_csdl),
            ("out/spec/clouds/nogroups.csdl".into(), nogroups_csdl),
        ],
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let ops = availability(&files);
    assert!(!ops.is_empty());
    for (op, clouds, unknown) in &ops {
        // Every cloud has a trimmed spec: nothing is unknown.
        assert!(unknown.is_empty(), "{op}: {unknown:?}");
        let expected: &[&str] = if op.contains("/todo/") {
            &["global", "china"]
        } else if op.contains("/groups/") {
            &["global", "usGovL4", "usGovL5Dod"]
        } else {
            panic!("unexpected operation {op}")
        };
        assert_eq!(clouds, expected, "{op}");
    }
}

#[test]
fn a_cloud_without_a_trimmed_spec_is_unknown_never_available() {
    let clouds = r#"
[[cloud]]
name = "notodo"
serves = ["usGovL4"]
metadata = "notodo.xml"
"#;
    let slice_text = slice(clouds);
    let notodo = without_line(&fixture(), r#"<NavigationProperty Name="todo""#);
    let (notodo_csdl, _) = trim_cloud(&slice_text, "notodo.xml", &notodo);
    let files = generate_slice(&inputs(
        &slice_text,
        vec![("out/spec/clouds/notodo.csdl".into(), notodo_csdl)],
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    for (op, clouds, unknown) in availability(&files) {
        assert_eq!(unknown, ["usGovL5Dod", "china"], "{op}");
        if op.contains("/todo/") {
            assert_eq!(clouds, ["global"], "{op}");
        } else {
            assert_eq!(clouds, ["global", "usGovL4"], "{op}");
        }
    }
    // A slice with no [[cloud]] at all: every national cloud is unknown.
    let bare = slice("");
    let files = generate_slice(&inputs(&bare, vec![])).unwrap();
    for (op, clouds, unknown) in availability(&files) {
        assert_eq!(clouds, ["global"], "{op}");
        assert_eq!(unknown, ["usGovL4", "usGovL5Dod", "china"], "{op}");
    }
    // Without a permission file every operation needs a token, names no permission, and
    // says its permissions are not recorded.
    let doc: Value = serde_json::from_str(
        &files
            .iter()
            .find(|f| f.path == "out/spec/openapi.json")
            .unwrap()
            .contents,
    )
    .unwrap();
    let mut seen = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            seen += 1;
            assert_eq!(op["security"], serde_json::json!([{ "azureaadv2": [] }]));
            assert!(
                op["description"]
                    .as_str()
                    .unwrap()
                    .contains(graph_codegen::emit::openapi::NOT_RECORDED),
                "{op}"
            );
        }
    }
    assert!(seen > 0);
}
