//! `spec/permissions.toml`: the checked-in file parses and covers exactly the operations of
//! the slice (so a navigation added to spec/slice.toml without permissions fails here), the
//! error messages, and the query helpers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use graph_codegen::ir::Model;
use graph_codegen::permissions::{OperationKey, Permissions, PrincipalKind, operation_keys};
use graph_codegen::{SpecInputs, load_model, naming};

const FILE: &str = "spec/permissions.toml";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    let p = repo_root().join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The model of the checked-in spec, lowered with the slice's paths.
fn model() -> Model {
    let inputs = SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl"),
        slice_path: "spec/slice.toml".into(),
        slice: read("spec/slice.toml"),
        ..Default::default()
    };
    load_model(&inputs).unwrap_or_else(|e| panic!("{e}")).1
}

fn checked_in() -> Permissions {
    Permissions::parse(FILE, &read(FILE)).unwrap_or_else(|e| panic!("{e}"))
}

/// Parse `text`, then validate it against the real model; the first error as text.
fn problem(text: &str) -> String {
    match Permissions::parse(FILE, text).and_then(|p| p.validate(&model())) {
        Ok(()) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Parse `text` alone (no model); the error as text.
fn parse_error(text: &str) -> String {
    match Permissions::parse(FILE, text) {
        Ok(p) => panic!("expected a parse error, got {p:?}"),
        Err(e) => e.to_string(),
    }
}

/// A minimal valid entry for `phoneMethods.get`, with `extra` lines appended to its table.
fn entry(extra: &str) -> String {
    format!(
        r#"[operations."phoneMethods.get"]
source = "Get phoneAuthenticationMethod, https://learn.microsoft.com/graph/api/phoneauthenticationmethod-get"
delegated_self = ["UserAuthenticationMethod.Read"]
delegated_others = ["UserAuthenticationMethod.Read.All"]
application = ["UserAuthenticationMethod.Read.All"]
roles_for_others = ["Global Reader"]
personal_accounts = false
{extra}
"#
    )
}

#[test]
fn checked_in_file_covers_exactly_the_slice() {
    let permissions = checked_in();
    if let Err(e) = permissions.validate(&model()) {
        panic!("{e}");
    }
    assert_eq!(permissions.operations.len(), operation_keys(&model()).len());
}

#[test]
fn operation_keys_follow_the_ir() {
    let keys: BTreeSet<String> = operation_keys(&model())
        .iter()
        .map(ToString::to_string)
        .collect();
    let phone: Vec<&str> = keys
        .iter()
        .filter(|k| k.starts_with("phoneMethods."))
        .map(String::as_str)
        .collect();
    assert_eq!(
        phone,
        [
            "phoneMethods.create",
            "phoneMethods.delete",
            "phoneMethods.disableSmsSignIn",
            "phoneMethods.enableSmsSignIn",
            "phoneMethods.get",
            "phoneMethods.list",
            "phoneMethods.update",
        ]
    );
    // Every other navigation is read-only in the slice (`operations = ["list", "get"]`),
    // although the metadata allows e.g. deleting from `methods` or creating a password method.
    for (key, reason) in [
        ("methods.delete", "metadata allows it, the slice does not"),
        (
            "passwordMethods.create",
            "metadata allows it, the slice does not",
        ),
        (
            "emailMethods.create",
            "metadata allows it, the slice does not",
        ),
    ] {
        assert!(!keys.contains(key), "{key}: {reason}");
    }
    for nav in [
        "emailMethods",
        "methods",
        "operations",
        "platformCredentialMethods",
    ] {
        assert!(keys.contains(&format!("{nav}.list")) && keys.contains(&format!("{nav}.get")));
    }
    // resetPassword is kept on `methods` alone, not on the other method navigations that
    // reach authenticationMethod (no spreading by type ancestry).
    assert!(keys.contains("methods.resetPassword"));
    assert!(!keys.contains("passwordMethods.resetPassword"));
    assert_eq!(
        keys.iter()
            .filter(|k| !k.starts_with("phoneMethods.") && *k != "methods.resetPassword")
            .count(),
        2 * 11,
        "list and get on each of the 11 other navigations"
    );
    // The hop `authentication` has no operations of its own.
    assert!(!keys.iter().any(|k| k.starts_with("authentication.")));
    assert_eq!(keys.len(), 7 + 2 * 11 + 1);
}

/// The keys name the same operations as the client's OpenAPI document: every operationId
/// `{root}_{navigation}_{operation}` (snake case) of spec/openapi.json is a key for both roots.
#[test]
fn operation_keys_match_the_openapi_operations() {
    let doc: serde_json::Value = serde_json::from_str(&read("spec/openapi.json")).unwrap();
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                ids.insert(id.to_string());
            }
        }
    }
    let snake = |s: &str| {
        naming::field_name(s)
            .trim_start_matches("r#")
            .trim_end_matches('_')
            .to_string()
    };
    let expected: BTreeSet<String> = operation_keys(&model())
        .iter()
        .flat_map(|k| {
            ["me", "users"]
                .map(|root| format!("{root}_{}_{}", snake(&k.navigation), snake(&k.operation)))
        })
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn least_privileged_answers() {
    let p = checked_in();
    let lp = |key, kind| p.least_privileged(key, kind);
    assert_eq!(
        lp("phoneMethods.get", PrincipalKind::DelegatedSelf),
        Some("UserAuthenticationMethod.Read")
    );
    assert_eq!(
        lp("phoneMethods.get", PrincipalKind::DelegatedOthers),
        Some("UserAuthenticationMethod.Read.All")
    );
    assert_eq!(
        lp("phoneMethods.create", PrincipalKind::Application),
        Some("UserAuthenticationMethod.ReadWrite.All")
    );
    assert_eq!(
        lp("phoneMethods.enableSmsSignIn", PrincipalKind::DelegatedSelf),
        Some("UserAuthenticationMethod.ReadWrite")
    );
    // Self-service update is not supported on the newest page.
    assert_eq!(
        lp("phoneMethods.update", PrincipalKind::DelegatedSelf),
        None
    );
    assert_eq!(lp("operations.get", PrincipalKind::Application), None);
    assert_eq!(
        lp("phoneMethods.frobnicate", PrincipalKind::DelegatedSelf),
        None
    );

    let get = p.get("phoneMethods.get").unwrap();
    assert_eq!(
        get.least_privileged_fine_grained(PrincipalKind::DelegatedSelf),
        Some("UserAuthMethod-Phone.Read")
    );
    assert!(get.allows(PrincipalKind::DelegatedSelf, &["userauthmethod-phone.read"]));
    assert!(!get.allows(
        PrincipalKind::DelegatedOthers,
        &["UserAuthenticationMethod.Read"]
    ));
    assert_eq!(
        get.roles_for_others,
        [
            "Global Reader",
            "Authentication Administrator",
            "Privileged Authentication Administrator"
        ]
    );
    let methods = p.get("methods.list").unwrap();
    assert_eq!(
        methods.least_privileged_fine_grained(PrincipalKind::DelegatedSelf),
        None
    );
}

#[test]
fn documented_clouds() {
    let p = checked_in();
    let enable = p.get("phoneMethods.enableSmsSignIn").unwrap();
    assert_eq!(enable.documented_in("china"), Some(false));
    assert_eq!(enable.documented_in("usgov-l5-dod"), Some(true));
    assert_eq!(
        p.get("phoneMethods.get").unwrap().documented_in("china"),
        Some(true)
    );
    // No documentation page for listing operations: no availability row to record.
    assert_eq!(
        p.get("operations.list").unwrap().documented_in("global"),
        None
    );
}

#[test]
fn markdown_for_rustdoc() {
    let text = entry(
        "not_supported = []\ndocumented_clouds = [\"usgov-l4\", \"global\"]\nnotes = [\"masked\"]\n\
         [operations.\"phoneMethods.get\".fine_grained]\n\
         delegated_self = [\"UserAuthMethod-Phone.Read\"]",
    )
    .replace(
        "application = [\"UserAuthenticationMethod.Read.All\"]\n",
        "",
    )
    .replace("not_supported = []", "not_supported = [\"application\"]");
    let p = Permissions::parse(FILE, &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.get("phoneMethods.get").unwrap().to_markdown(),
        "**Permissions** (least privileged first)\n\n\
         | caller | permissions | fine-grained |\n|---|---|---|\n\
         | delegated, acting on the signed-in user | `UserAuthenticationMethod.Read` | `UserAuthMethod-Phone.Read` |\n\
         | delegated, acting on another user | `UserAuthenticationMethod.Read.All` |  |\n\
         | application | not supported |  |\n\n\
         Acting on another user with a delegated token also needs one of these directory roles: Global Reader.\n\
         Personal Microsoft accounts are not supported.\n\
         Documented national clouds: global, usgov-l4 (not usgov-l5-dod, china).\n\
         \nNote: masked.\n\
         \nSource: [Get phoneAuthenticationMethod](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-get).\n"
    );
}

#[test]
fn a_missing_operation_names_the_key_and_the_file() {
    let text = read(FILE);
    let start = text
        .find("[operations.\"phoneMethods.disableSmsSignIn\"]")
        .unwrap();
    let end = text[start..].find("\n\n").map_or(text.len(), |i| start + i);
    let without = format!("{}{}", &text[..start], &text[end..]);
    assert_eq!(
        problem(&without),
        "spec/permissions.toml: no entry for operation `phoneMethods.disableSmsSignIn` of the \
         slice; add `[operations.\"<key>\"]` tables with the permissions from the operation's \
         documentation page (the slice declares this file `required`)"
    );
}

#[test]
fn a_stale_operation_is_an_error_with_close_matches() {
    let renamed = read(FILE).replace("\"phoneMethods.get\"", "\"phoneMethods.gett\"");
    assert_eq!(
        problem(&renamed),
        "spec/permissions.toml: no entry for operation `phoneMethods.get` of the slice; add \
         `[operations.\"<key>\"]` tables with the permissions from the operation's \
         documentation page (the slice declares this file `required`); operation `phoneMethods.gett` does not exist (the slice's \
         phoneMethods has no operation gett); remove or rename the entry; close matches: \
         phoneMethods.get"
    );
    let unknown_navigation = read(FILE).replace("\"methods.get\"", "\"method.get\"");
    assert!(
        problem(&unknown_navigation).ends_with(
            "operation `method.get` does not exist (the slice has no navigation method); \
             remove or rename the entry; close matches: methods.get"
        ),
        "{}",
        problem(&unknown_navigation)
    );
}

#[test]
fn an_unknown_field_names_the_operation_and_the_line() {
    assert_eq!(
        parse_error(&entry("colour = \"red\"")),
        "spec/permissions.toml: 8:1: operation `phoneMethods.get`: unknown field `colour`, \
         expected one of `delegated_self`, `delegated_others`, `application`, `not_supported`, \
         `fine_grained`, `roles_for_others`, `personal_accounts`, `documented_clouds`, \
         `source`, `notes`; see the comments at the top of spec/permissions.toml for the \
         expected fields"
    );
}

#[test]
fn an_unknown_cloud_is_an_error_with_close_matches() {
    assert_eq!(
        parse_error(&entry("documented_clouds = [\"global\", \"usgov-14\"]")),
        "spec/permissions.toml: operation `phoneMethods.get`, field `documented_clouds`: unknown \
         cloud `usgov-14`; the known clouds are global, usgov-l4, usgov-l5-dod, china; close \
         matches: usgov-l4"
    );
}

#[test]
fn principal_kinds_are_listed_or_marked_not_supported() {
    let no_app = entry("").replace(
        "application = [\"UserAuthenticationMethod.Read.All\"]\n",
        "",
    );
    assert_eq!(
        parse_error(&no_app),
        "spec/permissions.toml: operation `phoneMethods.get`, field `application`: no \
         permissions listed; list them least privileged first, or add `application` to \
         not_supported if the documentation says \"Not supported\""
    );
    assert_eq!(
        parse_error(&entry("not_supported = [\"application\"]")),
        "spec/permissions.toml: operation `phoneMethods.get`, field `application`: the entry \
         marks application as not supported but lists permissions for it; empty the list or \
         remove `application` from not_supported"
    );
    assert_eq!(
        parse_error(&entry("not_supported = [\"app\"]")),
        "spec/permissions.toml: operation `phoneMethods.get`, field `not_supported`: unknown \
         principal kind `app`; use delegated_self, delegated_others or application"
    );
    let marked = Permissions::parse(
        FILE,
        &no_app.replace(
            "personal_accounts",
            "not_supported = [\"application\"]\npersonal_accounts",
        ),
    )
    .unwrap();
    let e = &marked.operations[&OperationKey::new("phoneMethods", "get")];
    assert!(e.not_supported.contains(&PrincipalKind::Application));
    assert_eq!(e.least_privileged(PrincipalKind::Application), None);
}

#[test]
fn keys_and_names_are_checked() {
    assert_eq!(
        parse_error(&entry("").replace("phoneMethods.get", "phoneMethods")),
        "spec/permissions.toml: operation `phoneMethods`: the key must be \
         `<navigation>.<operation>`, for example `phoneMethods.get`"
    );
    assert_eq!(
        parse_error(&entry("").replace(
            "[\"Global Reader\"]",
            "[\"Global Reader\", \"global reader\"]"
        )),
        "spec/permissions.toml: operation `phoneMethods.get`, field `roles_for_others`: \
         `global reader` is listed twice"
    );
    assert_eq!(
        parse_error(&entry("").replace("roles_for_others = [\"Global Reader\"]\n", "")),
        "spec/permissions.toml: operation `phoneMethods.get`, field `roles_for_others`: \
         delegated callers acting on other users need a directory role; list the roles the \
         documentation names"
    );
}

#[test]
fn the_emulator_table_carries_every_operation_and_its_not_supported_kinds() {
    use graph_codegen::emit::permissions::{
        EMULATOR_GENERATED_DIR, EMULATOR_HEADER, TableFor, permission_table,
    };
    let model = model();
    let permissions = checked_in();
    let files = graph_codegen::emit::emit_emulator(&model, &permissions).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            format!("{EMULATOR_GENERATED_DIR}/mod.rs"),
            format!("{EMULATOR_GENERATED_DIR}/permissions.rs")
        ]
    );
    let table = &files[1].contents;
    assert!(
        files
            .iter()
            .all(|f| f.contents.starts_with(EMULATOR_HEADER))
    );
    assert!(
        EMULATOR_HEADER.contains("@generated") && EMULATOR_HEADER.contains("cargo xtask codegen")
    );
    // One row per operation of the slice, in key order (the emulator binary-searches it).
    let keys: Vec<String> = operation_keys(&model)
        .iter()
        .map(ToString::to_string)
        .collect();
    let rows: Vec<&str> = table
        .match_indices("key: \"")
        .map(|(i, m)| {
            let rest = &table[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(rows, keys);
    // Not-supported kinds become data; the client's fields stay out of it.
    let row = |key: &str| {
        let start = table.find(&format!("key: \"{key}\"")).unwrap();
        let end = table[start..].find("},").map_or(table.len(), |e| start + e);
        table[start..end].to_string()
    };
    assert!(row("phoneMethods.update").contains("not_supported: &[PrincipalKind::DelegatedSelf]"));
    assert!(row("operations.get").contains("not_supported: &[PrincipalKind::Application]"));
    assert!(row("phoneMethods.get").contains("not_supported: &[]"));
    assert!(!table.contains("documented_clouds") && !table.contains("source:"));
    // The same emitter writes the client's rows: same keys and lists, its own tail.
    let key_set: BTreeSet<String> = keys.iter().cloned().collect();
    let client = permission_table(&key_set, &permissions, TableFor::Client).unwrap();
    assert_eq!(client.matches("key: \"").count(), keys.len());
    assert!(client.contains("documented_clouds") && !client.contains("not_supported"));
    assert!(client.contains("use crate::permissions::OperationPermissions;"));
}

/// The project's inputs, as `cargo xtask codegen` reads them, with `slice` and
/// `permissions` in place of the checked-in texts.
fn project_inputs(slice: &str, permissions: &str) -> SpecInputs {
    let clouds = ["china", "usgov"]
        .iter()
        .map(|c| {
            let path = format!("spec/clouds/{c}.csdl");
            let text = read(&path);
            (path, text)
        })
        .collect();
    SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl"),
        slice_path: "spec/slice.toml".into(),
        slice: slice.into(),
        overlay_path: "spec/overlay.toml".into(),
        overlay: read("spec/overlay.toml"),
        permissions_path: FILE.into(),
        permissions: permissions.into(),
        clouds,
    }
}

/// The file without the entry of `key`.
fn without_entry(key: &str) -> String {
    let text = read(FILE);
    let start = text.find(&format!("[operations.\"{key}\"]")).unwrap();
    let end = text[start..].find("\n\n").map_or(text.len(), |i| start + i);
    format!("{}{}", &text[..start], &text[end..])
}

/// The project's slice declares its permission file required: a missing entry stops code
/// generation, naming the key. Declared optional, the same file gets as far as the
/// emulator, which authorizes every request by its entry and refuses to be generated
/// without one (naming the key), rather than guess a policy.
#[test]
fn a_required_file_needs_every_entry_and_the_emulator_needs_them_all() {
    let slice = read("spec/slice.toml");
    assert!(slice.contains("permissions = { file = \"spec/permissions.toml\", required = true }"));
    let without = without_entry("phoneMethods.disableSmsSignIn");
    let err = graph_codegen::generate(&project_inputs(&slice, &without))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no entry for operation `phoneMethods.disableSmsSignIn`")
            && err.contains("`required`"),
        "{err}"
    );
    let optional = slice.replace(", required = true }", " }");
    assert_ne!(optional, slice);
    let err = graph_codegen::generate(&project_inputs(&optional, &without))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the emulator authorizes every operation by its permission entry")
            && err.contains("phoneMethods.disableSmsSignIn"),
        "{err}"
    );
    // The checked-in file is complete: optional or required, the output is the same.
    let full = read(FILE);
    let required = graph_codegen::generate(&project_inputs(&slice, &full)).unwrap();
    let relaxed = graph_codegen::generate(&project_inputs(&optional, &full)).unwrap();
    assert_eq!(required, relaxed);
}

/// A slice that declares no permission file but is handed one, or declares another file
/// than the one read, is an error, never a silently ignored file.
#[test]
fn the_permission_file_read_is_the_one_the_slice_declares() {
    let slice = read("spec/slice.toml");
    let undeclared = slice.replace(
        "permissions = { file = \"spec/permissions.toml\", required = true }",
        "",
    );
    let err = graph_codegen::generate(&project_inputs(&undeclared, &read(FILE)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("declares no permission file, but spec/permissions.toml was given"),
        "{err}"
    );
    let other = slice.replace(
        "file = \"spec/permissions.toml\"",
        "file = \"spec/other.toml\"",
    );
    let err = graph_codegen::generate(&project_inputs(&other, &read(FILE)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "declares the permission file spec/other.toml, but spec/permissions.toml was read"
        ),
        "{err}"
    );
}

/// An optional file: a missing entry is no error, an entry naming no operation still is.
#[test]
fn an_optional_file_allows_missing_entries_but_not_stale_ones() {
    let without = Permissions::parse(FILE, &without_entry("phoneMethods.get")).unwrap();
    without.validate_entries(&model(), false).unwrap();
    assert!(without.validate_entries(&model(), true).is_err());
    let stale = Permissions::parse(
        FILE,
        &read(FILE).replace("\"phoneMethods.get\"", "\"phoneMethods.gett\""),
    )
    .unwrap();
    let err = stale
        .validate_entries(&model(), false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("operation `phoneMethods.gett` does not exist"),
        "{err}"
    );
    assert!(!err.contains("no entry for"), "{err}");
}
