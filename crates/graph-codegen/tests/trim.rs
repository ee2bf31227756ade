//! Trimming tests on the real metadata in `spec/upstream/`: the checked-in trimmed spec is
//! what `cargo xtask trim` produces, trimming is idempotent, and slice mistakes are explained.

use std::path::{Path, PathBuf};

use graph_codegen::csdl;
use graph_codegen::trim::{
    Input, NoteKind, Slice, TrimOptions, render, trim, trim_files, trim_with,
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    let path = repo_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn doc(rel: &str) -> csdl::Document {
    let name = rel.rsplit('/').next().unwrap();
    csdl::read(name, &read(rel)).unwrap_or_else(|e| panic!("{e}"))
}

const SLICE: &str = "spec/slice.toml";

fn slice() -> Slice {
    Slice::parse(SLICE, &read(SLICE)).unwrap_or_else(|e| panic!("{e}"))
}

/// The same call `cargo xtask trim` makes, with the slice's default inputs.
fn trim_default(options: &TrimOptions) -> graph_codegen::trim::TrimOutput {
    let s = slice();
    let slice_text = read(SLICE);
    let metadata = read(&s.metadata);
    let descriptions = read(s.descriptions.as_deref().unwrap());
    trim_files(
        Input {
            path: SLICE,
            text: &slice_text,
        },
        Input {
            path: &s.metadata,
            text: &metadata,
        },
        Some(Input {
            path: s.descriptions.as_deref().unwrap(),
            text: &descriptions,
        }),
        options,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn checked_in_spec_is_up_to_date() {
    let out = trim_default(&TrimOptions::default());
    assert_eq!(out.files.len(), 2);
    for f in &out.files {
        let on_disk = read(&f.path);
        assert!(
            on_disk == f.contents,
            "{} is stale: run `cargo xtask trim` and commit the result",
            f.path
        );
    }
    assert!(out.lock.counts.descriptions_merged > 0);
    assert!(out.lock.missing.is_empty());
}

#[test]
fn trimming_the_trimmed_spec_is_byte_identical() {
    let s = slice();
    let spec = read("spec/graph-phone.csdl");
    let trimmed = csdl::read("graph-phone.csdl", &spec).unwrap_or_else(|e| panic!("{e}"));
    let desc = doc(s.descriptions.as_deref().unwrap());
    let again = trim(&trimmed, Some(&desc), &s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.report.descriptions_merged, 0);
    pretty_assertions::assert_eq!(render(&again.document), spec);
}

#[test]
fn trimmed_spec_holds_the_closure() {
    let spec = doc("spec/graph-phone.csdl");
    let schema = spec
        .schemas
        .iter()
        .find(|s| s.namespace == "microsoft.graph")
        .unwrap();
    let entity_names: Vec<&str> = schema
        .entity_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    for t in [
        "entity",
        "directoryObject",
        "user",
        "authentication",
        "authenticationMethod",
        "phoneAuthenticationMethod",
        "qrCodePinAuthenticationMethod",
        "longRunningOperation",
    ] {
        assert!(
            entity_names.contains(&t),
            "{t} missing from {entity_names:?}"
        );
    }
    let mut sorted = entity_names.clone();
    sorted.sort();
    assert_eq!(entity_names, sorted, "entity types are sorted by name");
    let user = schema
        .entity_types
        .iter()
        .find(|t| t.name == "user")
        .unwrap();
    assert!(user.properties.is_empty());
    let navs: Vec<&str> = user
        .navigation_properties
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(navs, ["authentication"]);
    let ms = schema
        .entity_types
        .iter()
        .find(|t| t.name == "microsoftAuthenticatorAuthenticationMethod")
        .unwrap();
    // `expand = ["device"]` keeps the navigation and the device type (with its base and its
    // properties' types), but none of the device's own navigation properties.
    let navs: Vec<&str> = ms
        .navigation_properties
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(navs, ["device"]);
    let device = schema
        .entity_types
        .iter()
        .find(|t| t.name == "device")
        .expect("the device type is kept");
    assert!(device.navigation_properties.is_empty());
    assert!(device.properties.iter().any(|p| p.name == "displayName"));
    assert!(
        schema
            .complex_types
            .iter()
            .any(|t| t.name == "alternativeSecurityId")
    );
    let actions: Vec<&str> = schema.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        actions,
        ["disableSmsSignIn", "enableSmsSignIn", "resetPassword"]
    );
    assert!(
        schema
            .enum_types
            .iter()
            .any(|e| e.name == "authenticationPhoneType")
    );
    let c = schema.entity_container.as_ref().unwrap();
    assert_eq!(c.entity_sets.len(), 1);
    assert_eq!(c.entity_sets[0].name, "users");
    assert_eq!(c.singletons.len(), 1);
    assert_eq!(c.singletons[0].name, "me");
    // The capability restrictions survive the trim.
    // (Graph keeps its out-of-line annotations in another schema; the trim keeps them there.)
    assert!(
        spec.schemas
            .iter()
            .flat_map(|s| &s.annotations)
            .any(|b| b.target == "microsoft.graph.authentication/passwordMethods")
    );
    // A description merged from the 2023 document.
    let phone = schema
        .entity_types
        .iter()
        .find(|t| t.name == "phoneAuthenticationMethod")
        .unwrap();
    let number = phone
        .properties
        .iter()
        .find(|p| p.name == "phoneNumber")
        .unwrap();
    assert!(
        number
            .annotations
            .iter()
            .any(|a| a.term == "Org.OData.Core.V1.Description"
                && a.value
                    .as_str()
                    .is_some_and(|d| d.starts_with("The phone number to text or call"))),
        "{:?}",
        number.annotations
    );
}

#[test]
fn report_lists_decisions_and_what_is_left_out() {
    let out = trim_default(&TrimOptions::default());
    let notes: Vec<String> = out.report.notes.iter().map(|n| n.to_string()).collect();
    let has = |kind: NoteKind, needle: &str| {
        out.report
            .notes
            .iter()
            .any(|n| n.kind == kind && n.message.contains(needle))
    };
    assert!(
        has(
            NoteKind::Decision,
            "passwordlessMicrosoftAuthenticatorMethods: not in spec/upstream/v1.0-Prod.csdl"
        ),
        "{notes:#?}"
    );
    // The slice keeps resetPassword (on `methods`): not reported as left out.
    assert!(
        !has(
            NoteKind::UnselectedOperation,
            "microsoft.graph.resetPassword"
        ),
        "{notes:#?}"
    );
    assert!(
        has(
            NoteKind::UnselectedOperation,
            "microsoft.graph.creationOptions"
        ),
        "{notes:#?}"
    );
    assert!(
        has(
            NoteKind::DroppedNavigation,
            "microsoft.graph.device/memberOf"
        ),
        "{notes:#?}"
    );
    assert!(
        !has(
            NoteKind::DroppedNavigation,
            "microsoftAuthenticatorAuthenticationMethod/device"
        ),
        "{notes:#?}"
    );
}

/// An `expand` entry the metadata lacks is an error with close matches, like a navigation.
#[test]
fn missing_expand_is_an_error_with_close_matches() {
    let text = read(SLICE).replacen("expand = [\"device\"]", "expand = [\"devices\"]", 1);
    let s = Slice::parse(SLICE, &text).unwrap();
    let full = doc("spec/upstream/v1.0-Prod.csdl");
    let err = trim(&full, None, &s).unwrap_err().to_string();
    assert!(err.contains("/devices: "), "{err}");
    assert!(err.contains("close matches: device"), "{err}");
}

#[test]
fn missing_navigation_is_an_error_with_close_matches() {
    let text = read(SLICE).replace(
        "path = \"authentication/phoneMethods\"",
        "path = \"authentication/phoneMethodz\"",
    );
    let s = Slice::parse(SLICE, &text).unwrap();
    let full = doc("spec/upstream/v1.0-Prod.csdl");
    let err = trim(&full, None, &s).unwrap_err().to_string();
    assert_eq!(
        err,
        "spec/slice.toml: path entry authentication/phoneMethodz: microsoft.graph.authentication in v1.0-Prod.csdl has no navigation property phoneMethodz; close matches: phoneMethods; fix the slice, record a [[decision]] for it, or allow missing entries (`cargo xtask trim --allow-missing`)"
    );
}

#[test]
fn missing_action_is_an_error_with_close_matches() {
    let text = read(SLICE).replace("\"enableSmsSignIn\"", "\"enableSmsSignon\"");
    let s = Slice::parse(SLICE, &text).unwrap();
    let full = doc("spec/upstream/v1.0-Prod.csdl");
    let err = trim(&full, None, &s).unwrap_err().to_string();
    assert!(
        err.contains("path entry authentication/phoneMethods/enableSmsSignon"),
        "{err}"
    );
    assert!(err.contains("close matches: enableSmsSignIn"), "{err}");
}

#[test]
fn older_document_trims_with_missing_entries_allowed() {
    let s = slice();
    let old = doc("spec/upstream/v1.0-described-2023-05.xml");
    // Strict: the 2023 document lacks navigation properties added since.
    let err = trim(&old, None, &s).unwrap_err().to_string();
    assert!(err.contains("path entry "), "{err}");
    let t = trim_with(
        &old,
        None,
        &s,
        &TrimOptions {
            allow_missing: true,
        },
    )
    .unwrap();
    assert_eq!(
        t.report.missing,
        [
            "authentication/platformCredentialMethods",
            "authentication/externalAuthenticationMethods"
        ]
    );
    let schema = &t.document.schemas[0];
    assert!(
        schema
            .entity_types
            .iter()
            .any(|e| e.name == "phoneAuthenticationMethod")
    );
}

#[test]
fn national_clouds_record_what_they_lack() {
    let s = slice();
    let mooncake = doc("spec/upstream/v1.0-Mooncake.csdl");
    let t = trim_with(
        &mooncake,
        None,
        &s,
        &TrimOptions {
            allow_missing: true,
        },
    )
    .unwrap();
    assert!(
        t.report
            .missing
            .iter()
            .any(|m| m == "authentication/phoneMethods/enableSmsSignIn"),
        "{:?}",
        t.report.missing
    );
    assert!(
        t.report
            .missing
            .iter()
            .any(|m| m == "authentication/phoneMethods/disableSmsSignIn")
    );
    assert!(
        !t.report
            .missing
            .iter()
            .any(|m| m == "authentication/phoneMethods")
    );
    let fairfax = doc("spec/upstream/v1.0-Fairfax.csdl");
    trim_with(
        &fairfax,
        None,
        &s,
        &TrimOptions {
            allow_missing: true,
        },
    )
    .unwrap();
}

#[test]
fn trimmed_spec_lowers_with_every_slice_path() {
    let s = slice();
    let spec = doc("spec/graph-phone.csdl");
    let requests = s.path_requests();
    assert_eq!(requests.len(), 2 * s.paths.len());
    let model = graph_codegen::lower(&spec, &requests).unwrap_or_else(|e| panic!("{e}"));
    let pw = &model.paths["me/authentication/passwordMethods"];
    assert!(!pw.capabilities.updatable && !pw.capabilities.deletable);
    let phone = &model.paths["users/{user-id}/authentication/phoneMethods"];
    let ops: Vec<&str> = phone.operations.iter().map(|o| o.name.as_str()).collect();
    // Before `Slice::restrict`, resetPassword (bound to the base authenticationMethod)
    // reaches the phone methods too; the slice keeps it on `methods` only.
    assert_eq!(
        ops,
        ["disableSmsSignIn", "enableSmsSignIn", "resetPassword"]
    );
    assert_eq!(
        phone.doc.description.as_deref(),
        Some("The phone numbers registered to a user for authentication.")
    );
    assert_eq!(
        model.types["microsoft.graph.authenticationMethod"]
            .derived
            .len(),
        11
    );
}

/// `name`, `output_dir` and every path of the slice stay inside the repository: the
/// commands write `<output_dir>/<name>.csdl` and read the metadata files it names.
#[test]
fn slice_paths_outside_the_repository_are_errors_with_their_position() {
    let slice = read(SLICE);
    let line_of = |needle: &str| {
        let at = slice.find(needle).unwrap_or_else(|| panic!("{needle}"));
        slice[..at].matches('\n').count() + 1
    };
    let cases = [
        (
            "name = \"graph-phone\"",
            "name = \"../graph-phone\"",
            "name `../graph-phone` contains a path separator",
            8,
        ),
        (
            "name = \"graph-phone\"",
            "name = \"..\"",
            "name `..` is not a file name",
            8,
        ),
        (
            "output_dir = \"spec\"",
            "output_dir = \"../elsewhere\"",
            "output_dir `../elsewhere` leaves the repository (`..`)",
            14,
        ),
        (
            "output_dir = \"spec\"",
            "output_dir = \"/tmp\"",
            "output_dir `/tmp` is absolute",
            14,
        ),
        (
            "output_dir = \"spec\"",
            "output_dir = \"spec/../..\"",
            "leaves the repository",
            14,
        ),
        (
            "metadata = \"spec/upstream/v1.0-Prod.csdl\"",
            "metadata = \"C:/x.csdl\"",
            "source.metadata `C:/x.csdl` is absolute",
            12,
        ),
        (
            "descriptions = \"spec/upstream/v1.0-described-2023-05.xml\"",
            "descriptions = \"spec\\\\x.xml\"",
            "source.descriptions `spec\\\\x.xml` contains `\\`",
            16,
        ),
        (
            "metadata = \"spec/upstream/v1.0-Fairfax.csdl\"",
            "metadata = \"../../etc/passwd\"",
            "cloud.metadata `../../etc/passwd` leaves",
            12,
        ),
    ];
    for (from, to, message, column) in cases {
        assert_eq!(slice.matches(from).count(), 1, "{from}");
        let line = line_of(from);
        let text = slice.replace(from, to);
        let err = Slice::parse(SLICE, &text).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{SLICE}: {line}:{column}: ")),
            "{to}: {err}"
        );
        assert!(err.contains(message), "{to}: {err}");
    }
}

/// A cloud whose metadata lacks a hop of a path (not only its last navigation property)
/// records the whole entry as missing instead of failing the trim.
#[test]
fn a_missing_hop_is_a_missing_entry() {
    let text = read(SLICE)
        .replace(
            "path = \"authentication/operations\"",
            "path = \"authenticationz/operations\"",
        )
        .replace(
            "resetPassword = \"authentication/operations\"",
            "resetPassword = \"authenticationz/operations\"",
        );
    let s = Slice::parse(SLICE, &text).unwrap();
    let full = doc("spec/upstream/v1.0-Prod.csdl");
    let err = trim(&full, None, &s).unwrap_err().to_string();
    assert!(
        err.contains(
            "path entry authenticationz/operations: microsoft.graph.user in v1.0-Prod.csdl has \
             no navigation property authenticationz; close matches: authentication"
        ),
        "{err}"
    );
    let t = trim_with(
        &full,
        None,
        &s,
        &TrimOptions {
            allow_missing: true,
        },
    )
    .unwrap();
    assert_eq!(t.report.missing, ["authenticationz/operations"]);
}

/// Paths at any depth, through a collection-valued navigation, from a singleton: the
/// types before the target keep their key and the path's navigation properties only.
#[test]
fn nested_paths_through_collections_trim() {
    let text = r#"
name = "todo"
[source]
metadata = "spec/upstream/v1.0-Prod.csdl"
[scope]
namespace = "microsoft.graph"
[[path]]
roots = ["me"]
path = "todo/lists"
[[path]]
roots = ["me"]
path = "todo/lists/tasks"
"#;
    let s = Slice::parse("todo.toml", text).unwrap();
    let full = doc("spec/upstream/v1.0-Prod.csdl");
    let t = trim(&full, None, &s).unwrap_or_else(|e| panic!("{e}"));
    let schema = &t.document.schemas[0];
    let ty = |n: &str| schema.entity_types.iter().find(|e| e.name == n);
    let user = ty("user").expect("the root type is kept as a shell");
    let navs: Vec<&str> = user
        .navigation_properties
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(navs, ["todo"]);
    assert!(user.properties.iter().all(|p| user.key.contains(&p.name)));
    let list = ty("todoTaskList").expect("the list type is reached");
    let navs: Vec<&str> = list
        .navigation_properties
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(
        navs,
        ["tasks"],
        "only the slice's navigation of a reached type"
    );
    assert!(list.properties.iter().any(|p| p.name == "displayName"));
    assert!(ty("todoTask").is_some_and(|t| t.properties.iter().any(|p| p.name == "title")));
}
