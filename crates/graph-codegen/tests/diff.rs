//! Spec diff tests: the real 2023 -> 2026 pair of Graph v1.0 documents trimmed with the
//! project's slice, and one small fixture per change kind under `tests/diff_fixtures/`.

use std::path::{Path, PathBuf};

use graph_codegen::PathRequest;
use graph_codegen::csdl;
use graph_codegen::diff::release::{Version, insert_unreleased};
use graph_codegen::diff::{
    Change, ChangeKind, Class, ElementKind, SpecDiff, diff, diff_with, lower_available,
};
use graph_codegen::emit::Overlay;
use graph_codegen::trim::{Slice, TrimOptions, trim_with};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn doc(rel: &str) -> csdl::Document {
    let name = rel.rsplit('/').next().unwrap();
    csdl::read(name, &read(&repo_root().join(rel))).unwrap_or_else(|e| panic!("{e}"))
}

/// The slice trimmed from the 2023 document (which lacks some entries) and from the 2026 one
/// (with descriptions merged from 2023, as `spec/slice.toml` says), lowered and diffed.
fn real_pair() -> (SpecDiff, Vec<PathRequest>) {
    let slice = Slice::parse(
        "spec/slice.toml",
        &read(&repo_root().join("spec/slice.toml")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let allow = TrimOptions {
        allow_missing: true,
    };
    let described = doc("spec/upstream/v1.0-described-2023-05.xml");
    let old = trim_with(&described, None, &slice, &allow).unwrap_or_else(|e| panic!("{e}"));
    let prod = doc("spec/upstream/v1.0-Prod.csdl");
    let new = trim_with(&prod, Some(&described), &slice, &TrimOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let requests = slice.path_requests();
    let (mut old_model, dropped) =
        lower_available(&old.document, &requests).unwrap_or_else(|e| panic!("{e}"));
    let (mut new_model, none) =
        lower_available(&new.document, &requests).unwrap_or_else(|e| panic!("{e}"));
    // Narrowed to what the project offers, as code generation narrows them: the payloads
    // and client operations named are those generated.
    slice.restrict(&mut old_model);
    slice.restrict(&mut new_model);
    assert!(none.is_empty(), "{none:?}");
    (diff_with(&old_model, &new_model, &overlay()), dropped)
}

fn overlay() -> Overlay {
    Overlay::parse(
        &read(&repo_root().join("spec/overlay.toml")),
        "spec/overlay.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn find<'d>(
    d: &'d SpecDiff,
    element: ElementKind,
    name: &str,
    change: ChangeKind,
) -> Option<&'d Change> {
    d.changes
        .iter()
        .find(|c| c.element == element && c.name == name && c.change == change)
}

fn requests(list: &[&str]) -> Vec<PathRequest> {
    list.iter().map(|p| PathRequest::parse(p)).collect()
}

#[test]
fn real_2023_to_2026() {
    let (d, dropped) = real_pair();
    insta::with_settings!({ snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("real_2023_05_to_2026_08", d.to_markdown());
    });

    // The 2026 side is the checked-in spec: every item named for something it has exists
    // in the checked-in generated crates (issue 13 found payloads named that do not).
    let files: Vec<graph_codegen::GeneratedFile> = [
        "crates/graph-phone-types/src/generated/mod.rs",
        "crates/graph-phone-client/src/generated/api.rs",
        "crates/graph-phone-client/src/generated/progenitor.rs",
    ]
    .iter()
    .map(|p| graph_codegen::GeneratedFile {
        path: p.to_string(),
        contents: read(&repo_root().join(p)),
    })
    .collect();
    let items = graph_codegen::diff::Items::read(&files).unwrap_or_else(|e| panic!("{e}"));
    for c in d.changes.iter().filter(|c| c.change != ChangeKind::Removed) {
        for item in &c.rust_items {
            assert!(items.contains(item), "{item} of {c:?} is not generated");
        }
    }

    // The 2023 document lacks two navigation properties of the slice; they are left out of
    // its lowering and show up as added.
    assert_eq!(
        dropped,
        requests(&[
            "users/authentication/platformCredentialMethods",
            "me/authentication/platformCredentialMethods",
            "users/authentication/externalAuthenticationMethods",
            "me/authentication/externalAuthenticationMethods",
        ])
    );
    // Nothing in the slice broke between 2023-05 and 2026-08.
    assert_eq!(d.counts.breaking, 0, "{}", d.to_markdown());
    assert_eq!(d.worst(), Some(Class::Additive));

    // New authentication methods, each a new navigation property under `authentication`...
    for (nav, variant) in [
        (
            "platformCredentialMethods",
            "AuthenticationMethod::PlatformCredential",
        ),
        (
            "externalAuthenticationMethods",
            "AuthenticationMethod::External",
        ),
    ] {
        let c = find(&d, ElementKind::NavigationProperty, nav, ChangeKind::Added)
            .unwrap_or_else(|| panic!("{nav} not reported as added"));
        assert_eq!(c.class, Class::Additive);
        assert_eq!(c.group, "microsoft.graph.authentication");
        assert_eq!(
            c.paths,
            [
                format!("me/authentication/{nav}"),
                format!("users/{{user-id}}/authentication/{nav}"),
            ]
        );
        assert!(c.rust_items.iter().any(|i| i == variant), "{c:?}");
    }
    // ...platform credentials cannot be registered through Graph...
    let platform = find(
        &d,
        ElementKind::NavigationProperty,
        "platformCredentialMethods",
        ChangeKind::Added,
    )
    .unwrap();
    assert!(
        platform.new.as_deref().unwrap().contains("not insertable"),
        "{platform:?}"
    );
    // ...and their types are new derived types of the polymorphic authenticationMethod,
    // including qrCodePin, reachable through `methods` only.
    for ty in [
        "platformCredentialAuthenticationMethod",
        "externalAuthenticationMethod",
        "qrCodePinAuthenticationMethod",
    ] {
        let name = format!("microsoft.graph.{ty}");
        let c = find(&d, ElementKind::Type, &name, ChangeKind::Added)
            .unwrap_or_else(|| panic!("{ty} not reported as added"));
        assert_eq!(c.class, Class::Additive);
        assert!(c.reason.contains("AuthenticationMethod::"), "{c:?}");
    }
    let platform_enum = find(
        &d,
        ElementKind::EnumType,
        "microsoft.graph.authenticationMethodPlatform",
        ChangeKind::Added,
    )
    .unwrap();
    assert!(platform_enum.new.as_deref().unwrap().contains("macOS"));

    // Passkeys: fido2 methods gained their type and the WebAuthn credential.
    for prop in ["passkeyType", "publicKeyCredential"] {
        let c = find(&d, ElementKind::Property, prop, ChangeKind::Added).unwrap();
        assert_eq!(c.group, "microsoft.graph.fido2AuthenticationMethod");
        assert_eq!(c.class, Class::Additive);
    }
    assert!(
        find(
            &d,
            ElementKind::EnumType,
            "microsoft.graph.passkeyType",
            ChangeKind::Added
        )
        .is_some()
    );

    // createdDateTime moved from some method types up to authenticationMethod: the types that
    // lacked it gain it (reported once, on the declaring type), the others are unchanged.
    let created = find(
        &d,
        ElementKind::Property,
        "createdDateTime",
        ChangeKind::Added,
    )
    .unwrap();
    assert_eq!(created.group, "microsoft.graph.authenticationMethod");
    for item in [
        "PhoneAuthenticationMethod::created_date_time",
        "EmailAuthenticationMethod::created_date_time",
        "SoftwareOathAuthenticationMethod::created_date_time",
    ] {
        assert!(created.rust_items.iter().any(|i| i == item), "{created:?}");
    }
    assert!(
        !created
            .rust_items
            .iter()
            .any(|i| i.starts_with("Fido2AuthenticationMethod::")),
        "{created:?}"
    );

    // Deleting through `methods` became allowed.
    let deletable = d
        .changes
        .iter()
        .find(|c| c.name == "methods" && c.aspect.as_deref() == Some("deletable"))
        .unwrap();
    assert_eq!(deletable.class, Class::Additive);
    assert_eq!(
        (deletable.old.as_deref(), deletable.new.as_deref()),
        (Some("not allowed"), Some("allowed"))
    );

    // Deterministic: the same inputs give the same report, already sorted.
    let (again, _) = real_pair();
    assert_eq!(again, d);
    let mut sorted = d.changes.clone();
    sorted.sort();
    assert_eq!(sorted, d.changes);
    assert!(d.changes.windows(2).all(|w| w[0].class <= w[1].class));
}

/// The checked-in spec is the 2026 slice: diffing it against a fresh trim finds nothing,
/// although the two documents differ in every byte of their source.
#[test]
fn checked_in_spec_has_no_changes_against_a_fresh_trim() {
    let slice = Slice::parse(
        "spec/slice.toml",
        &read(&repo_root().join("spec/slice.toml")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let requests = slice.path_requests();
    let described = doc("spec/upstream/v1.0-described-2023-05.xml");
    let prod = doc("spec/upstream/v1.0-Prod.csdl");
    let fresh = trim_with(&prod, Some(&described), &slice, &TrimOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let (fresh, _) = lower_available(&fresh.document, &requests).unwrap();
    let (spec, _) = lower_available(&doc("spec/graph-phone.csdl"), &requests).unwrap();
    let d = diff(&spec, &fresh);
    assert!(d.is_empty(), "{}", d.to_markdown());
    assert_eq!(d.worst(), None);
    assert!(d.to_markdown().contains("No changes to the slice."));
}

/// The requests the fixtures are lowered with: both roots, to both navigation properties.
const FIXTURE_PATHS: &[&str] = &[
    "users/authentication/phoneMethods",
    "users/authentication/methods",
    "me/authentication/phoneMethods",
    "me/authentication/methods",
];

/// One fixture directory: lower `old.xml` and `new.xml`, diff, snapshot the Markdown, and
/// check that the changes are exactly those of `expected.txt`, one per line as
/// `<class> <element> <change> <name>` (the JSON names).
fn check(dir: &Path) -> String {
    let case = dir.file_name().unwrap().to_str().unwrap();
    let load = |file: &str| {
        let path = dir.join(file);
        let source = format!("{case}/{file}");
        let doc = csdl::read(&source, &read(&path)).unwrap_or_else(|e| panic!("{e}"));
        // A side lacking a navigation property (navigation_added) is lowered without its paths.
        let (model, _dropped) =
            lower_available(&doc, &requests(FIXTURE_PATHS)).unwrap_or_else(|e| panic!("{e}"));
        model
    };
    let d = diff(&load("old.xml"), &load("new.xml"));
    let md = d.to_markdown();
    insta::with_settings!({ snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(case, md);
    });

    let name = |v: serde_json::Value| v.as_str().unwrap().to_string();
    let mut actual: Vec<String> = d
        .changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                name(serde_json::to_value(c.class).unwrap()),
                name(serde_json::to_value(c.element).unwrap()),
                name(serde_json::to_value(c.change).unwrap()),
                c.name
            )
        })
        .collect();
    actual.sort();
    let mut expected: Vec<String> = read(&dir.join("expected.txt"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    expected.sort();
    assert_eq!(actual, expected, "{case}:\n{md}");

    // The JSON report carries the same changes under stable names.
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["changes"].as_array().unwrap().len(), d.changes.len());
    assert_eq!(json["counts"]["breaking"], d.counts.breaking);

    check_release(case, &d)
}

/// The release proposal and changelog entry of a fixture's diff: the level of its most
/// severe change (before and after 1.0), one bullet per change under the section of its
/// class, naming its generated Rust items. Returns the entry.
fn check_release(case: &str, d: &SpecDiff) -> String {
    let v = |s: &str| s.parse::<Version>().unwrap();
    let (zero, one) = (d.propose_release(v("0.4.2")), d.propose_release(v("1.4.2")));
    let (expected_zero, expected_one) = match d.worst() {
        Some(Class::Breaking) => ("0.5.0", "2.0.0"),
        Some(Class::Additive) => ("0.5.0", "1.5.0"),
        Some(Class::Documentation) => ("0.4.3", "1.4.3"),
        None => ("0.4.2", "1.4.2"),
    };
    assert_eq!(
        (zero.next, one.next),
        (v(expected_zero), v(expected_one)),
        "{case}"
    );
    let entry = d.changelog_entry();
    let bullets: Vec<&str> = entry.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(bullets.len(), d.changes.len(), "{case}:\n{entry}");
    for (class, section) in [
        (Class::Breaking, "### Changed"),
        (Class::Additive, "### Added"),
    ] {
        assert_eq!(
            entry.lines().any(|l| l == section),
            d.counts.get(class) > 0,
            "{case}: {section}\n{entry}"
        );
    }
    assert_eq!(
        entry.matches("**Breaking**").count(),
        d.counts.breaking,
        "{case}:\n{entry}"
    );
    for c in &d.changes {
        for item in &c.rust_items {
            assert!(
                entry.contains(&format!("`{item}`")),
                "{case}: {item}\n{entry}"
            );
        }
    }
    // The entry merges into a changelog's Unreleased section as it is.
    let changelog = "# Changelog\n\n## [Unreleased]\n\n## [0.4.2] - 2026-01-01\n";
    let merged = insert_unreleased(changelog, "CHANGELOG.md", &entry).unwrap();
    assert_eq!(
        merged,
        format!(
            "# Changelog\n\n## [Unreleased]\n\n{}## [0.4.2] - 2026-01-01\n",
            if entry.is_empty() {
                String::new()
            } else {
                format!("{entry}\n")
            }
        ),
        "{case}"
    );
    format!("## {case}: {}\n\n{entry}", zero.summary())
}

#[test]
fn fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff_fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 17, "{dirs:?}");
    let mut entries = String::new();
    for dir in &dirs {
        entries.push_str(&check(dir));
        entries.push('\n');
    }
    // The proposed release and changelog entry of every fixture, for review.
    insta::with_settings!({ snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("release_entries", entries);
    });
}

fn sample(class: Class, group: &str, name: &str, change: ChangeKind) -> Change {
    Change {
        class,
        clouds: Vec::new(),
        group: group.into(),
        element: ElementKind::Property,
        name: name.into(),
        change,
        aspect: None,
        old: None,
        new: None,
        reason: "because".into(),
        rust_items: Vec::new(),
        paths: Vec::new(),
    }
}

/// Changes computed elsewhere (availability, permissions) join a report through `extend`,
/// which keeps it sorted, without duplicates, and its counts right.
#[test]
fn extend_keeps_order_and_counts() {
    let doc_change = sample(
        Class::Documentation,
        "t.a",
        "x",
        ChangeKind::DescriptionChanged,
    );
    let breaking = sample(Class::Breaking, "t.b", "y", ChangeKind::Removed);
    let mut d = SpecDiff::new("old", "new", vec![doc_change.clone(), breaking.clone()]);
    assert_eq!(d.changes, [breaking.clone(), doc_change.clone()]);
    assert!(d.has_at_least(Class::Breaking));
    d.extend([
        sample(Class::Additive, "t.a", "z", ChangeKind::Added),
        breaking.clone(),
    ]);
    assert_eq!(d.changes.len(), 3);
    assert_eq!(d.changes[1].class, Class::Additive);
    assert_eq!(
        (d.counts.breaking, d.counts.additive, d.counts.documentation),
        (1, 1, 1)
    );

    let only_docs = SpecDiff::new("old", "new", vec![doc_change]);
    assert!(!only_docs.has_at_least(Class::Additive));
    assert!(only_docs.has_at_least(Class::Documentation));
}

/// The JSON field names are a contract with tools (the spec review workflow reads them).
#[test]
fn json_field_names_are_stable() {
    let d = SpecDiff::new(
        "old",
        "new",
        vec![sample(
            Class::Breaking,
            "microsoft.graph.x",
            "p",
            ChangeKind::NullabilityChanged,
        )],
    );
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&json),
        ["changes", "counts", "new", "old", "version", "worst"]
    );
    // The overall verdict tools read: the most severe class, null when nothing changed.
    assert_eq!(json["worst"], "breaking");
    let empty: serde_json::Value =
        serde_json::from_str(&SpecDiff::new("a", "b", Vec::new()).to_json()).unwrap();
    assert!(empty["worst"].is_null(), "{empty}");
    assert_eq!(
        keys(&json["counts"]),
        ["additive", "breaking", "documentation"]
    );
    assert_eq!(
        keys(&json["changes"][0]),
        [
            "aspect",
            "change",
            "class",
            "element",
            "group",
            "name",
            "new",
            "old",
            "paths",
            "reason",
            "rust_items"
        ]
    );
    assert_eq!(json["changes"][0]["class"], "breaking");
    assert_eq!(json["changes"][0]["element"], "property");
    assert_eq!(json["changes"][0]["change"], "nullability_changed");
}
