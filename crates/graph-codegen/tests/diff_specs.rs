//! The whole-spec diff ([`graph_codegen::diff::diff_generated`]): edits of the repository's
//! own `spec/` inputs (the slice, the overlay, the permissions, a national cloud), each run
//! through code generation on both sides, as `cargo xtask spec-diff --base` runs them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use graph_codegen::SpecInputs;
use graph_codegen::diff::{
    Change, ChangeKind, Class, ElementKind, GeneratedSide, SpecDiff, diff_generated,
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    let path = repo_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The repository's spec inputs, as `cargo xtask codegen` reads them.
fn inputs() -> SpecInputs {
    SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl"),
        slice_path: "spec/slice.toml".into(),
        slice: read("spec/slice.toml"),
        overlay_path: "spec/overlay.toml".into(),
        overlay: read("spec/overlay.toml"),
        permissions_path: "spec/permissions.toml".into(),
        permissions: read("spec/permissions.toml"),
        clouds: ["usgov", "china"]
            .iter()
            .map(|c| {
                let p = format!("spec/clouds/{c}.csdl");
                let text = read(&p);
                (p, text)
            })
            .collect(),
    }
}

fn side(label: &str, inputs: &SpecInputs) -> GeneratedSide {
    GeneratedSide::build(label, inputs).unwrap_or_else(|e| panic!("{label}: {e}"))
}

/// The repository's spec, generated once for all tests.
fn base() -> &'static GeneratedSide {
    static BASE: OnceLock<GeneratedSide> = OnceLock::new();
    BASE.get_or_init(|| side("spec/", &inputs()))
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} occurs once");
    text.replacen(from, to, 1)
}

/// The slice edit of issue 13: emailMethods offers create and delete too, with the
/// permissions entries code generation then requires.
fn email_offered() -> SpecInputs {
    let mut i = inputs();
    i.slice = edit(
        &i.slice,
        "path = \"authentication/emailMethods\"\noperations = [\"list\", \"get\"]",
        "path = \"authentication/emailMethods\"\noperations = [\"list\", \"get\", \"create\", \"delete\"]",
    );
    i.permissions.push_str(include_str!(
        "diff_extras/specs/email_write_permissions.toml"
    ));
    i
}

/// Every Rust item a change names exists in the generated files of the side it belongs to:
/// the new side for something added, the old for something removed, either otherwise.
fn assert_items_exist(diff: &SpecDiff, old: &GeneratedSide, new: &GeneratedSide) {
    for c in &diff.changes {
        for item in &c.rust_items {
            let ok = match c.change {
                ChangeKind::Added => new.items.contains(item),
                ChangeKind::Removed => old.items.contains(item),
                _ => new.items.contains(item) || old.items.contains(item),
            };
            assert!(ok, "{item} named by {c:?} is not generated");
        }
    }
}

fn endpoint<'d>(diff: &'d SpecDiff, name: &str) -> &'d Change {
    let found: Vec<&Change> = diff
        .changes
        .iter()
        .filter(|c| c.element == ElementKind::Endpoint && c.name == name)
        .collect();
    assert_eq!(found.len(), 1, "{name}: {}", diff.to_markdown());
    found[0]
}

const EMAIL_CLOUDS: [&str; 3] = ["global", "usGovL4", "usGovL5Dod"];

#[test]
fn offering_email_create_and_delete_is_additive_with_item_paths_and_clouds() {
    let head = side("head", &email_offered());
    let diff = diff_generated(base(), &head);
    let md = diff.to_markdown();
    assert_eq!(diff.worst(), Some(Class::Additive), "{md}");
    assert_eq!(diff.counts.total(), 2, "{md}");

    let delete = endpoint(&diff, "emailMethods.delete");
    assert_eq!(delete.class, Class::Additive);
    assert_eq!(delete.change, ChangeKind::Added);
    assert_eq!(
        delete.reason,
        "operation added (offered in spec/slice.toml): the client now sends it"
    );
    assert_eq!(
        delete.paths,
        [
            "DELETE /me/authentication/emailMethods/{emailAuthenticationMethod-id}",
            "DELETE /users/{user-id}/authentication/emailMethods/{emailAuthenticationMethod-id}",
        ]
    );
    assert_eq!(delete.clouds, EMAIL_CLOUDS);
    assert_eq!(
        delete.rust_items,
        [
            "api::EmailMethods::delete",
            "api::EmailMethods::delete_item",
            "progenitor::Client::me_email_methods_delete",
            "progenitor::Client::users_email_methods_delete",
        ]
    );

    let create = endpoint(&diff, "emailMethods.create");
    assert_eq!(create.class, Class::Additive);
    assert_eq!(
        create.paths,
        [
            "POST /me/authentication/emailMethods",
            "POST /users/{user-id}/authentication/emailMethods",
        ]
    );
    assert_eq!(create.clouds, EMAIL_CLOUDS);
    assert_eq!(
        create.rust_items,
        [
            "EmailAuthenticationMethodCreate",
            "api::EmailMethods::create",
            "api::EmailMethods::create_item",
            "progenitor::Client::me_email_methods_create",
            "progenitor::Client::users_email_methods_create",
        ]
    );
    // The Markdown groups them under the clouds they reach.
    assert!(
        md.contains("#### In `global`, `usGovL4`, `usGovL5Dod`\n\n##### `microsoft.graph.emailAuthenticationMethod`"),
        "{md}"
    );
    assert_items_exist(&diff, base(), &head);

    // Withdrawing them again: breaking, because the slice withdrew them.
    let back = diff_generated(&head, base());
    assert_eq!(
        back.worst(),
        Some(Class::Breaking),
        "{}",
        back.to_markdown()
    );
    assert_eq!(back.counts.total(), 2, "{}", back.to_markdown());
    for name in ["emailMethods.create", "emailMethods.delete"] {
        let c = endpoint(&back, name);
        assert_eq!(c.class, Class::Breaking);
        assert_eq!(c.change, ChangeKind::Removed);
        assert_eq!(
            c.reason,
            "operation removed (withdrawn from spec/slice.toml): its client methods and payload go away"
        );
        assert_eq!(c.clouds, EMAIL_CLOUDS);
    }
    assert!(
        endpoint(&back, "emailMethods.create")
            .rust_items
            .contains(&"EmailAuthenticationMethodCreate".to_string())
    );
    assert_items_exist(&back, &head, base());
}

#[test]
fn nothing_changed_is_empty() {
    let diff = diff_generated(base(), base());
    assert!(diff.is_empty(), "{}", diff.to_markdown());
    assert_eq!(diff.worst(), None);
}

/// Overlay edits: read-only changes the payloads (breaking one way, additive the other);
/// sensitive changes `Debug` only (documentation).
#[test]
fn overlay_read_only_and_sensitive() {
    let mut i = inputs();
    i.overlay = edit(
        &i.overlay,
        "\"microsoft.graph.phoneAuthenticationMethod\" = [\"smsSignInState\"]",
        "\"microsoft.graph.phoneAuthenticationMethod\" = []",
    );
    i.overlay = edit(
        &i.overlay,
        "\"microsoft.graph.emailAuthenticationMethod\" = [\"emailAddress\"]",
        "\"microsoft.graph.emailAuthenticationMethod\" = []",
    );
    let head = side("head", &i);
    let diff = diff_generated(base(), &head);
    let md = diff.to_markdown();
    let find = |name: &str, aspect: &str| -> &Change {
        diff.changes
            .iter()
            .find(|c| c.name == name && c.aspect.as_deref() == Some(aspect))
            .unwrap_or_else(|| panic!("{name} {aspect}: {md}"))
    };
    let writable = find("smsSignInState", "read-only");
    assert_eq!(writable.class, Class::Additive, "{md}");
    assert_eq!(writable.change, ChangeKind::OverlayChanged);
    assert_eq!(writable.group, "microsoft.graph.phoneAuthenticationMethod");
    assert!(
        writable
            .rust_items
            .iter()
            .any(|i| i.starts_with("PhoneAuthenticationMethod")
                && i.ends_with("::sms_sign_in_state")),
        "{md}"
    );
    let shown = find("emailAddress", "sensitive");
    assert_eq!(shown.class, Class::Documentation, "{md}");
    assert!(shown.reason.contains("Debug prints the value"), "{md}");
    assert!(
        shown
            .rust_items
            .contains(&"EmailAuthenticationMethod::email_address".to_string()),
        "{md}"
    );
    assert_eq!(diff.worst(), Some(Class::Additive), "{md}");
    assert_items_exist(&diff, base(), &head);

    // The other way: marking it read-only takes the field out of the payloads.
    let back = diff_generated(&head, base());
    let ro = back
        .changes
        .iter()
        .find(|c| c.name == "smsSignInState" && c.aspect.as_deref() == Some("read-only"))
        .unwrap_or_else(|| panic!("{}", back.to_markdown()));
    assert_eq!(ro.class, Class::Breaking);
    assert!(ro.reason.contains("marked read-only in spec/overlay.toml"));
    assert_items_exist(&back, &head, base());
}

/// A permissions edit: the least privileged permission asks for more.
#[test]
fn permissions_change() {
    let mut i = inputs();
    i.permissions = edit(
        &i.permissions,
        "[operations.\"phoneMethods.delete\"]\nsource = \"Delete phoneAuthenticationMethod, https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete\"\ndelegated_self = [\n    \"UserAuthenticationMethod.ReadWrite\",\n    \"UserAuthenticationMethod.ReadWrite.All\",\n]",
        "[operations.\"phoneMethods.delete\"]\nsource = \"Delete phoneAuthenticationMethod, https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete\"\ndelegated_self = [\"UserAuthenticationMethod.ReadWrite.All\"]",
    );
    let head = side("head", &i);
    let diff = diff_generated(base(), &head);
    let md = diff.to_markdown();
    assert_eq!(diff.counts.total(), 1, "{md}");
    let c = &diff.changes[0];
    assert_eq!(c.class, Class::Breaking, "{md}");
    assert_eq!(c.change, ChangeKind::PermissionChanged);
    assert_eq!(c.name, "phoneMethods.delete");
    assert_eq!(c.aspect.as_deref(), Some("delegated, self"));
}

/// A national cloud's spec only: China gains what the US Government cloud has. Each
/// operation it gains is reported under China alone, for the right reason.
#[test]
fn national_cloud_only_change() {
    let mut i = inputs();
    let usgov = i.clouds[0].1.clone();
    i.clouds[1].1 = usgov;
    let head = side("head", &i);
    let diff = diff_generated(base(), &head);
    let md = diff.to_markdown();
    assert_eq!(diff.worst(), Some(Class::Additive), "{md}");
    let gained: Vec<&Change> = diff
        .changes
        .iter()
        .filter(|c| c.change == ChangeKind::AvailabilityChanged)
        .collect();
    assert!(!gained.is_empty(), "{md}");
    for c in &gained {
        assert_eq!(c.clouds, ["china"], "{md}");
        assert_eq!(c.class, Class::Additive);
        assert!(
            c.reason
                .starts_with("now available in china: spec/clouds/china.csdl has it"),
            "{md}"
        );
    }
    let sms = gained
        .iter()
        .find(|c| c.name == "phoneMethods.enableSmsSignIn")
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        sms.paths.contains(
            &"POST /users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}/enableSmsSignIn"
                .to_string()
        ),
        "{md}"
    );
    assert!(
        sms.rust_items
            .contains(&"api::PhoneMethods::enable_sms_sign_in".to_string()),
        "{md}"
    );
    assert!(md.contains("#### In `china`"), "{md}");
    assert_items_exist(&diff, base(), &head);

    // Losing them again is breaking, under China.
    let back = diff_generated(&head, base());
    assert_eq!(back.worst(), Some(Class::Breaking));
    assert!(
        back.changes
            .iter()
            .filter(|c| c.change == ChangeKind::AvailabilityChanged)
            .all(|c| c.class == Class::Breaking && c.clouds == ["china"])
    );
}

/// A recorded decision generates nothing: documentation.
#[test]
fn slice_decision_is_documentation() {
    let mut i = inputs();
    i.slice.push_str(
        "\n[[decision]]\nentry = \"hardwareOathMethods\"\ninclude = false\nreason = \"beta only\"\n",
    );
    let head = side("head", &i);
    let diff = diff_generated(base(), &head);
    assert_eq!(diff.counts.total(), 1, "{}", diff.to_markdown());
    assert_eq!(diff.changes[0].element, ElementKind::Decision);
    assert_eq!(diff.worst(), Some(Class::Documentation));
}

/// A trimmed-spec edit goes the same way: a property removed is breaking and names the
/// field that held it, found in the old side's generated types.
#[test]
fn csdl_property_removed_names_its_field() {
    let mut i = inputs();
    i.csdl = edit(
        &i.csdl,
        "        <Property Name=\"lifetimeInMinutes\" Type=\"Edm.Int32\">\n          <Annotation Term=\"Org.OData.Core.V1.Description\" String=\"The lifetime of the Temporary Access Pass in minutes starting at startDateTime. Must be between 10 and 43200 inclusive (equivalent to 30 days).\" />\n        </Property>\n",
        "",
    );
    let head = side("head", &i);
    let diff = diff_generated(base(), &head);
    let md = diff.to_markdown();
    assert_eq!(diff.counts.total(), 1, "{md}");
    let c = &diff.changes[0];
    assert_eq!(
        (c.class, c.element, c.change),
        (Class::Breaking, ElementKind::Property, ChangeKind::Removed),
        "{md}"
    );
    assert_eq!(
        c.rust_items,
        ["TemporaryAccessPassAuthenticationMethod::lifetime_in_minutes"],
        "{md}"
    );
    assert_items_exist(&diff, base(), &head);
}
