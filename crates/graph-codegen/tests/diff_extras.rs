//! Spec diff tests for the changes computed beside the trimmed spec: per-cloud availability
//! (the real national clouds' trimmed specs in `spec/clouds/`) and permissions (one small
//! fixture per change kind under `tests/diff_extras/permissions/`, each a `new.toml` against
//! the shared `base.toml`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graph_codegen::csdl;
use graph_codegen::diff::{
    Change, ChangeKind, Class, ElementKind, SpecDiff, availability, lower_offered, permissions,
};
use graph_codegen::ir::Model;
use graph_codegen::permissions::Permissions;
use graph_codegen::trim::Slice;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn slice() -> Slice {
    Slice::parse(
        "spec/slice.toml",
        &read(&repo_root().join("spec/slice.toml")),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A checked-in cloud spec (`usgov`, `china`), lowered and narrowed as codegen does.
fn cloud(name: &str) -> Model {
    let rel = format!("spec/clouds/{name}.csdl");
    let doc = csdl::read(&rel, &read(&repo_root().join(&rel))).unwrap_or_else(|e| panic!("{e}"));
    lower_offered(&doc, &slice()).unwrap_or_else(|e| panic!("{e}"))
}

fn clouds(list: &[(&str, &str)]) -> BTreeMap<String, Model> {
    list.iter()
        .map(|(name, spec)| (name.to_string(), cloud(spec)))
        .collect()
}

/// `<class> <element> <change> <name> <aspect or ->`, the JSON names, sorted.
fn lines(changes: &[Change]) -> Vec<String> {
    let name = |v: serde_json::Value| v.as_str().unwrap().to_string();
    let mut out: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {} {}",
                name(serde_json::to_value(c.class).unwrap()),
                name(serde_json::to_value(c.element).unwrap()),
                name(serde_json::to_value(c.change).unwrap()),
                c.name,
                c.aspect.as_deref().unwrap_or("-")
            )
        })
        .collect();
    out.sort();
    out
}

fn find<'c>(changes: &'c [Change], name: &str, aspect: &str) -> &'c Change {
    changes
        .iter()
        .find(|c| c.name == name && c.aspect.as_deref() == Some(aspect))
        .unwrap_or_else(|| panic!("no change of {name} ({aspect}) in {changes:#?}"))
}

/// The real clouds: the China metadata lacks the phone actions and most method kinds that
/// the US Government metadata has. Cutting `china` from the US Government spec is a gain of
/// exactly those; the way back loses them, and losing is breaking.
#[test]
fn availability_between_the_real_clouds() {
    let china = clouds(&[("china", "china")]);
    let china_as_usgov = clouds(&[("china", "usgov")]);

    let gained = availability(&slice(), &china, &china_as_usgov);
    let lost = availability(&slice(), &china_as_usgov, &china);
    assert!(!gained.is_empty());
    assert_eq!(gained.len(), lost.len());
    for c in &gained {
        assert_eq!(c.class, Class::Additive, "{c:?}");
        assert_eq!(c.change, ChangeKind::AvailabilityChanged);
        assert_eq!(c.element, ElementKind::Endpoint);
        assert_eq!(c.group, "spec/clouds/china.csdl");
        assert_eq!(
            (c.old.as_deref(), c.new.as_deref()),
            (Some("not available"), Some("available"))
        );
    }
    assert!(lost.iter().all(|c| c.class == Class::Breaking));

    let enable = find(&lost, "phoneMethods.enableSmsSignIn", "china");
    assert_eq!(
        enable.paths,
        [
            "me/authentication/phoneMethods/{id}/enableSmsSignIn",
            "users/{user-id}/authentication/phoneMethods/{id}/enableSmsSignIn",
        ]
    );
    find(&lost, "phoneMethods.disableSmsSignIn", "china");
    find(&lost, "fido2Methods.list", "china");
    // phoneMethods itself is in both clouds' metadata: its reads are no change.
    assert!(
        !lost.iter().any(|c| c.name == "phoneMethods.get"),
        "{lost:#?}"
    );

    let report = SpecDiff::new("old", "new", lost);
    assert!(report.has_at_least(Class::Breaking));
    insta::with_settings!({ snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("availability_china_loses_usgov_operations", report.to_markdown());
    });

    // The same clouds on both sides: nothing. A cloud on one side only: all its operations.
    let both = clouds(&[("usgov", "usgov"), ("china", "china")]);
    assert!(availability(&slice(), &both, &both).is_empty());
    let added_cloud = availability(&slice(), &clouds(&[("usgov", "usgov")]), &both);
    assert!(!added_cloud.is_empty());
    assert!(
        added_cloud
            .iter()
            .all(|c| c.aspect.as_deref() == Some("china") && c.class == Class::Additive)
    );
    find(&added_cloud, "phoneMethods.list", "china");

    // Another slice's clouds are grouped under its own trimmed specs, not the project's.
    let elsewhere = Slice::parse(
        "examples/slices/x/slice.toml",
        &read(&repo_root().join("spec/slice.toml")).replace(
            "output_dir = \"spec\"",
            "output_dir = \"examples/slices/x/spec\"",
        ),
    )
    .unwrap();
    let moved = availability(&elsewhere, &clouds(&[("usgov", "usgov")]), &both);
    assert_eq!(moved.len(), added_cloud.len());
    assert!(
        moved
            .iter()
            .all(|c| c.group == "examples/slices/x/spec/clouds/china.csdl"),
        "{moved:#?}"
    );
}

fn permissions_file(path: &Path) -> Permissions {
    Permissions::parse("spec/permissions.toml", &read(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// One fixture: `base.toml` against `<case>/new.toml`; the changes are exactly those of
/// `<case>/expected.txt`.
fn check_permissions(dir: &Path, base: &Permissions) -> Vec<Change> {
    let case = dir.file_name().unwrap().to_str().unwrap();
    let new = permissions_file(&dir.join("new.toml"));
    let changes = permissions(base, &new);
    let expected: Vec<String> = {
        let mut e: Vec<String> = read(&dir.join("expected.txt"))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        e.sort();
        e
    };
    assert_eq!(lines(&changes), expected, "{case}");
    for c in &changes {
        assert_eq!(c.group, "spec/permissions.toml", "{case}");
        assert!(!c.reason.is_empty(), "{case}");
    }
    changes
}

#[test]
fn permission_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff_extras/permissions");
    let base = permissions_file(&root.join("base.toml"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 12, "{dirs:?}");
    let mut all = Vec::new();
    for dir in &dirs {
        all.extend(check_permissions(dir, &base));
    }
    let report = SpecDiff::new("base.toml", "fixtures", all);
    insta::with_settings!({ snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("permission_fixtures", report.to_markdown());
    });
}

/// The values a reviewer reads: the least privileged permission before and after.
#[test]
fn permission_values_name_the_least_privileged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff_extras/permissions");
    let base = permissions_file(&root.join("base.toml"));

    let more = check_permissions(&root.join("least_privileged_asks_for_more"), &base);
    let c = find(&more, "phoneMethods.get", "delegated, self");
    assert_eq!(
        (c.old.as_deref(), c.new.as_deref()),
        (
            Some("UserAuthenticationMethod.Read"),
            Some("UserAuthenticationMethod.ReadWrite")
        )
    );
    assert!(c.reason.contains("asks for more"), "{c:?}");
    assert!(
        c.reason.contains("`UserAuthenticationMethod.Read`"),
        "{c:?}"
    );

    let gone = check_permissions(&root.join("kind_not_supported"), &base);
    let c = find(&gone, "phoneMethods.get", "application");
    assert_eq!(c.new.as_deref(), Some("not supported"));
    assert!(c.reason.contains("not supported"), "{c:?}");

    let cloud = check_permissions(&root.join("documented_cloud_lost_and_gained"), &base);
    let c = find(&cloud, "phoneMethods.get", "usgov-l5-dod");
    assert_eq!(
        (c.old.as_deref(), c.new.as_deref()),
        (Some("available"), Some("not available"))
    );
}

/// The checked-in file against itself: no change; against a copy without one entry: that
/// entry removed, breaking.
#[test]
fn checked_in_permissions() {
    let text = read(&repo_root().join("spec/permissions.toml"));
    let spec = Permissions::parse("spec/permissions.toml", &text).unwrap();
    assert!(permissions(&spec, &spec).is_empty());
    // Drop the entry's table and its subtables.
    let mut dropping = false;
    let without: String = text
        .split_inclusive('\n')
        .filter(|line| {
            if line.starts_with("[operations.\"") {
                dropping = line.starts_with("[operations.\"phoneMethods.delete\"");
            }
            !dropping
        })
        .collect();
    let smaller = Permissions::parse("spec/permissions.toml", &without).unwrap();
    let changes = permissions(&spec, &smaller);
    assert_eq!(
        lines(&changes),
        ["breaking endpoint removed phoneMethods.delete -"]
    );
}
