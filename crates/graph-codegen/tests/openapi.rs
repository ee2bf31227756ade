//! The OpenAPI and client emitters: on a small fixture (snapshot) and on the checked-in
//! spec (structure, validation, availability, progenitor output, freshness).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use graph_codegen::emit::Overlay;
use graph_codegen::emit::client::{self, emit_client, typify_name};
use graph_codegen::emit::openapi::{self, Api, CloudModel, OperationKind, emit_openapi};
use graph_codegen::ir::{Model, PathRequest};
use graph_codegen::permissions::{Permissions, PrincipalKind};
use graph_codegen::{Error, SpecInputs, csdl, load_model};
use serde_json::Value;

/// The checked-in permission data (every operation of the real slice has an entry).
fn permissions() -> Permissions {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/permissions.toml");
    let text = std::fs::read_to_string(path).expect("spec/permissions.toml");
    Permissions::parse("spec/permissions.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// Forward compatible: SpecInputs may gain fields (national clouds).
#[allow(clippy::needless_update)]
fn inputs() -> SpecInputs {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    SpecInputs {
        csdl_path: "spec/graph-phone.csdl".into(),
        csdl: read("spec/graph-phone.csdl"),
        slice_path: "spec/slice.toml".into(),
        slice: read("spec/slice.toml"),
        overlay_path: "spec/overlay.toml".into(),
        overlay: read("spec/overlay.toml"),
        ..SpecInputs::default()
    }
}

fn spec() -> (Model, Overlay) {
    let inputs = inputs();
    let (_slice, model) = load_model(&inputs).unwrap();
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path).unwrap();
    (model, overlay)
}

/// The model as the metadata's capability annotations alone make it, before the slice's
/// `operations` narrowing ([`graph_codegen::Slice::restrict`]).
fn unrestricted_spec() -> (Model, Overlay) {
    let inputs = inputs();
    let slice = graph_codegen::Slice::parse(&inputs.slice_path, &inputs.slice).unwrap();
    let doc = csdl::read(&inputs.csdl_path, &inputs.csdl).unwrap();
    let model = graph_codegen::lower(&doc, &slice.path_requests()).unwrap();
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path).unwrap();
    (model, overlay)
}

fn document(model: &Model, overlay: &Overlay, clouds: &[CloudModel<'_>]) -> Value {
    serde_json::from_str(&emit_openapi(model, overlay, clouds).unwrap()).unwrap()
}

fn op<'v>(doc: &'v Value, path: &str, method: &str) -> &'v Value {
    doc["paths"]
        .get(path)
        .and_then(|p| p.get(method))
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

fn ids(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            out.insert(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    out
}

const FIXTURE_OVERLAY: &str =
    r#"path_containers = ["microsoft.graph.authentication", "microsoft.graph.user"]"#;

#[test]
fn fixture_snapshot() {
    let path = root().join("crates/graph-codegen/tests/fixtures/navigation_containment.xml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc = csdl::read("navigation_containment.xml", &text).unwrap();
    let model = graph_codegen::lower(
        &doc,
        &[
            PathRequest::parse("users/authentication/phoneMethods"),
            PathRequest::parse("me/authentication/phoneMethods"),
        ],
    )
    .unwrap();
    let overlay = Overlay::parse(FIXTURE_OVERLAY, "overlay.toml").unwrap();
    let out = emit_openapi(&model, &overlay, &[]).unwrap();
    insta::assert_snapshot!("openapi_navigation_containment", out);
}

#[test]
fn output_is_deterministic_sorted_and_ends_with_a_newline() {
    let (model, overlay) = spec();
    let a = emit_openapi(&model, &overlay, &[]).unwrap();
    let b = emit_openapi(&model, &overlay, &[]).unwrap();
    assert_eq!(a, b);
    assert!(a.ends_with("}\n") && !a.ends_with("\n\n"));
    // Re-serialising through a sorted map gives the same text: keys are sorted everywhere.
    fn sort(v: Value) -> Value {
        match v {
            Value::Object(m) => {
                let sorted: std::collections::BTreeMap<String, Value> =
                    m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().collect())
            }
            Value::Array(a) => Value::Array(a.into_iter().map(sort).collect()),
            other => other,
        }
    }
    let parsed: Value = serde_json::from_str(&a).unwrap();
    let again = serde_json::to_string_pretty(&sort(parsed)).unwrap() + "\n";
    assert_eq!(a, again);
    assert!(a.starts_with("{\n  \"components\""));
}

#[test]
fn paths_come_from_the_navigation_properties_and_capabilities() {
    let (model, overlay) = spec();
    let doc = document(&model, &overlay, &[]);
    assert_eq!(doc["openapi"], "3.0.3");
    let list = op(&doc, "/users/{user-id}/authentication/phoneMethods", "get");
    assert_eq!(list["operationId"], "users_phone_methods_list");
    assert_eq!(
        list["x-ms-pageable"]["nextLinkName"], "@odata.nextLink",
        "{list:#}"
    );
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.phoneAuthenticationMethodCollectionResponse"
    );
    let params: Vec<&Value> = list["parameters"].as_array().unwrap().iter().collect();
    assert_eq!(params[0]["name"], "user-id");
    assert_eq!(params[0]["in"], "path");
    assert_eq!(
        params[1]["$ref"],
        "#/components/parameters/select-phoneAuthenticationMethod"
    );
    assert_eq!(params[2]["$ref"], "#/components/parameters/top");
    let select = &doc["components"]["parameters"]["select-phoneAuthenticationMethod"];
    assert_eq!(select["name"], "$select");
    assert_eq!(
        select["schema"]["type"], "string",
        "one comma-separated string"
    );
    assert_eq!(
        select["schema"]["pattern"],
        "^ *(\\*|createdDateTime|id|phoneNumber|phoneType|smsSignInState)( *, *(\\*|createdDateTime|id|phoneNumber|phoneType|smsSignInState))* *$",
        "the type's properties, or *"
    );
    let top = &doc["components"]["parameters"]["top"]["schema"];
    assert_eq!(top["type"], "integer");
    assert_eq!(
        (&top["minimum"], &top["maximum"]),
        (&0.into(), &i32::MAX.into())
    );

    let item = "/me/authentication/phoneMethods/{phoneAuthenticationMethod-id}";
    assert_eq!(op(&doc, item, "get")["operationId"], "me_phone_methods_get");
    let create = op(&doc, "/me/authentication/phoneMethods", "post");
    assert_eq!(create["operationId"], "me_phone_methods_create");
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.phoneAuthenticationMethodCreate"
    );
    assert!(create["responses"].get("201").is_some());
    assert!(op(&doc, item, "patch")["responses"].get("204").is_some());
    assert!(op(&doc, item, "delete")["responses"].get("204").is_some());
    let enable = op(
        &doc,
        "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}/enableSmsSignIn",
        "post",
    );
    assert_eq!(
        enable["operationId"],
        "users_phone_methods_enable_sms_sign_in"
    );
    assert!(enable["responses"].get("204").is_some());
    for range in ["4XX", "5XX"] {
        assert_eq!(
            enable["responses"][range]["$ref"],
            "#/components/responses/error"
        );
    }
    assert_eq!(
        doc["components"]["responses"]["error"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.ODataErrors.ODataError"
    );

    // The slice narrows the other methods to reads (spec/slice.toml `operations`).
    let ids = ids(&doc);
    assert!(!ids.contains("users_fido2_methods_delete") && ids.contains("users_fido2_methods_get"));
    assert!(!ids.contains("me_email_methods_create"));

    // Without that narrowing, the metadata's capability annotations decide.
    let (model, overlay) = unrestricted_spec();
    let doc = document(&model, &overlay, &[]);
    let ids = self::ids(&doc);
    // fido2Methods: InsertRestrictions/UpdateRestrictions false in the metadata.
    assert!(ids.contains("users_fido2_methods_delete"));
    assert!(
        !ids.contains("users_fido2_methods_create") && !ids.contains("users_fido2_methods_update")
    );
    // passwordMethods: insertable, neither updatable nor deletable.
    assert!(ids.contains("me_password_methods_create"));
    assert!(
        !ids.contains("me_password_methods_update") && !ids.contains("me_password_methods_delete")
    );
    // methods: an abstract (polymorphic) target has no payload type, so no create/update.
    assert!(ids.contains("me_methods_list") && !ids.contains("me_methods_create"));
    // The path containers (`authentication`) have no operations of their own.
    assert!(
        !doc["paths"]
            .as_object()
            .unwrap()
            .contains_key("/me/authentication")
    );
    // Every operation exists for both roots.
    for id in &ids {
        let other = match id.strip_prefix("me_") {
            Some(rest) => format!("users_{rest}"),
            None => format!("me_{}", id.strip_prefix("users_").unwrap()),
        };
        assert!(ids.contains(&other), "{id} without {other}");
    }
}

#[test]
fn every_schema_maps_to_a_rust_type() {
    let (model, overlay) = spec();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let doc = api.document();
    let names: BTreeSet<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let mapped: BTreeSet<&String> = api.schemas.keys().collect();
    assert_eq!(names, mapped);
    assert_eq!(
        api.schemas["microsoft.graph.phoneAuthenticationMethod"].rust,
        "::graph_phone_types::PhoneAuthenticationMethod"
    );
    assert_eq!(
        api.schemas["microsoft.graph.authenticationMethod"].rust,
        "::graph_phone_types::AuthenticationMethod"
    );
    assert_eq!(
        api.schemas["microsoft.graph.phoneAuthenticationMethodUpdate"].rust,
        "::graph_phone_types::PhoneAuthenticationMethodUpdate"
    );
    assert_eq!(
        api.phone_number_fields["microsoft.graph.phoneAuthenticationMethodCreate"],
        ["phoneNumber"]
    );
    // The polymorphic base names its subtypes for `@odata.type`.
    let base = &doc["components"]["schemas"]["microsoft.graph.authenticationMethod"];
    assert_eq!(
        base["discriminator"]["mapping"]["#microsoft.graph.phoneAuthenticationMethod"],
        "#/components/schemas/microsoft.graph.phoneAuthenticationMethod"
    );
    // Payloads hold writable properties only.
    let create = &doc["components"]["schemas"]["microsoft.graph.phoneAuthenticationMethodCreate"];
    let props: BTreeSet<&String> = create["properties"].as_object().unwrap().keys().collect();
    assert!(props.contains(&"phoneNumber".to_owned()));
    assert!(!props.contains(&"smsSignInState".to_owned()) && !props.contains(&"id".to_owned()));
    // What the create page requires (spec/overlay.toml `create_required`), never null;
    // `@odata.type` optional with its one value; nothing else allowed.
    assert_eq!(
        create["required"],
        serde_json::json!(["phoneNumber", "phoneType"])
    );
    assert_eq!(create["additionalProperties"], false);
    assert_eq!(
        create["properties"]["@odata.type"]["enum"],
        serde_json::json!(["#microsoft.graph.phoneAuthenticationMethod"])
    );
    let update = &doc["components"]["schemas"]["microsoft.graph.phoneAuthenticationMethodUpdate"];
    assert!(update.get("required").is_none());
    for payload in [create, update] {
        let phone_type = &payload["properties"]["phoneType"];
        assert_eq!(
            phone_type["enum"],
            serde_json::json!(["mobile", "alternateMobile", "office"]),
            "clients never send unknownFutureValue"
        );
        let number = &payload["properties"]["phoneNumber"];
        assert!(number.get("nullable").is_none() && phone_type.get("nullable").is_none());
        assert_eq!(number["pattern"], openapi::PHONE_NUMBER_PATTERN);
    }
    // Responses keep the sentinel: Graph sends it.
    assert!(
        doc["components"]["schemas"]["microsoft.graph.authenticationPhoneType"]["enum"]
            .as_array()
            .unwrap()
            .contains(&"unknownFutureValue".into())
    );
    // OpenAPI 3.0: the discriminator sits beside oneOf; each branch admits one @odata.type.
    let one_of: Vec<&str> = base["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$ref"].as_str().unwrap())
        .collect();
    let mapped: Vec<&str> = base["discriminator"]["mapping"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(one_of, mapped);
    assert_eq!(
        doc["components"]["schemas"]["microsoft.graph.phoneAuthenticationMethod"]["properties"]["@odata.type"]
            ["enum"],
        serde_json::json!(["#microsoft.graph.phoneAuthenticationMethod"])
    );
    assert_eq!(
        doc["components"]["schemas"]["microsoft.graph.phoneAuthenticationMethodCollectionResponse"]
            ["properties"]["@odata.context"]["type"],
        "string"
    );
}

/// The principal kinds that can call `op`: `/me` is delegated self-service only.
fn kinds_of(op: &openapi::Operation) -> &'static [PrincipalKind] {
    if op.root == "me" {
        &[PrincipalKind::DelegatedSelf]
    } else {
        &PrincipalKind::ALL
    }
}

#[test]
fn security_is_the_oauth2_scheme_with_the_permissions_of_spec_permissions_toml() {
    let (model, overlay) = spec();
    let perms = permissions();
    let mut api = Api::new(&model, &overlay, &[]).unwrap();
    api.add_security(&perms).unwrap();
    let doc = api.document();
    let scheme = &doc["components"]["securitySchemes"][openapi::SECURITY_SCHEME];
    assert_eq!(scheme["type"], "oauth2");
    let code = &scheme["flows"]["authorizationCode"];
    assert_eq!(
        code["authorizationUrl"],
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    );
    assert!(code["scopes"]["UserAuthenticationMethod.Read"].is_string());
    let app = &scheme["flows"]["clientCredentials"];
    assert!(
        app["tokenUrl"]
            .as_str()
            .unwrap()
            .ends_with("/oauth2/v2.0/token")
    );
    assert!(app["scopes"]["UserAuthenticationMethod.Read.All"].is_string());
    assert!(app["scopes"].get("UserAuthenticationMethod.Read").is_none());
    // Every operation: one requirement per accepted permission (any one suffices).
    for op in &api.operations {
        let entry = perms.get(&client::permission_key(op)).unwrap();
        let json = &doc["paths"][&op.path][op.kind.method().to_ascii_lowercase()];
        let requirements = json["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{} has no security", op.id));
        // `security: []` would mean "no authentication"; an operation no permission reaches
        // (self-service "Not supported") still needs a token, with no scope that suffices.
        assert!(!requirements.is_empty(), "{} reads as anonymous", op.id);
        if requirements == &vec![serde_json::json!({ openapi::SECURITY_SCHEME: [] })] {
            let none: Vec<&str> = kinds_of(op)
                .iter()
                .flat_map(|k| entry.accepted(*k))
                .collect();
            assert!(none.is_empty(), "{}: {none:?}", op.id);
            continue;
        }
        let listed: BTreeSet<&str> = requirements
            .iter()
            .map(|r| {
                let scopes = r[openapi::SECURITY_SCHEME].as_array().unwrap();
                assert_eq!(scopes.len(), 1, "{}", op.id);
                scopes[0].as_str().unwrap()
            })
            .collect();
        let expected: BTreeSet<&str> = kinds_of(op)
            .iter()
            .flat_map(|k| entry.accepted(*k))
            .collect();
        assert_eq!(listed, expected, "{}", op.id);
    }
    openapi::validate(&api.to_text()).unwrap();
}

#[test]
fn replacement_keys_are_typify_names() {
    assert_eq!(
        typify_name("microsoft.graph.phoneAuthenticationMethod"),
        "MicrosoftGraphPhoneAuthenticationMethod"
    );
    assert_eq!(
        typify_name("microsoft.graph.ODataErrors.ODataError"),
        "MicrosoftGraphODataErrorsODataError"
    );
    assert_eq!(
        typify_name("microsoft.graph.fido2AuthenticationMethodCollectionResponse"),
        "MicrosoftGraphFido2AuthenticationMethodCollectionResponse"
    );
}

/// A copy of the global model without the SMS sign-in actions: what the China metadata
/// looks like (it has phoneMethods but neither action).
fn without_sms_actions(model: &Model) -> Model {
    let mut china = model.clone();
    for path in china.paths.values_mut() {
        path.operations.retain(|o| !o.name.ends_with("SmsSignIn"));
    }
    china
}

#[test]
fn availability_comes_from_each_clouds_metadata() {
    let (model, overlay) = spec();
    let china = without_sms_actions(&model);
    let mut usgov = model.clone();
    usgov
        .paths
        .retain(|k, _| !k.ends_with("/externalAuthenticationMethods"));
    let clouds = [
        CloudModel {
            cloud: "china",
            model: &china,
        },
        CloudModel {
            cloud: "usGovL4",
            model: &usgov,
        },
        CloudModel {
            cloud: "usGovL5Dod",
            model: &usgov,
        },
    ];
    let doc = document(&model, &overlay, &clouds);
    let clouds_of = |path: &str, method: &str| -> Vec<String> {
        op(&doc, path, method)[openapi::CLOUDS_EXTENSION]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        clouds_of(
            "/me/authentication/phoneMethods/{phoneAuthenticationMethod-id}/disableSmsSignIn",
            "post"
        ),
        ["global", "usGovL4", "usGovL5Dod"]
    );
    assert_eq!(
        clouds_of("/me/authentication/phoneMethods", "get"),
        ["global", "usGovL4", "usGovL5Dod", "china"]
    );
    assert_eq!(
        clouds_of(
            "/users/{user-id}/authentication/externalAuthenticationMethods",
            "get"
        ),
        ["global", "china"]
    );
    // The same data reaches the runtime's table in the generated client.
    let files = emit_client(&model, &overlay, &clouds, &permissions()).unwrap();
    let api = &files
        .iter()
        .find(|f| f.path.ends_with("api.rs"))
        .unwrap()
        .contents;
    let entry = &api[api
        .find("id: \"users_phone_methods_enable_sms_sign_in\"")
        .unwrap()..];
    let entry = &entry[..entry.find("},").unwrap()];
    assert!(
        entry.contains("US_GOV_L5_DOD") && !entry.contains("CHINA"),
        "{entry}"
    );
    assert!(entry.contains("Idempotency::Idempotent"), "{entry}");
    let create = &api[api.find("id: \"users_phone_methods_create\"").unwrap()..];
    let create = &create[..create.find("},").unwrap()];
    assert!(create.contains("Idempotency::NonIdempotent") && create.contains("CloudSet::ALL"));

    let err = emit_openapi(
        &model,
        &overlay,
        &[CloudModel {
            cloud: "mars",
            model: &china,
        }],
    );
    assert!(matches!(err, Err(Error::Emit { .. })), "{err:?}");
}

#[test]
fn a_navigation_property_more_in_the_slice_is_operations_more() {
    let (model, overlay) = unrestricted_spec();
    let mut smaller = model.clone();
    smaller.paths.retain(|k, _| !k.ends_with("/emailMethods"));
    let all = Api::new(&model, &overlay, &[]).unwrap();
    let fewer = Api::new(&smaller, &overlay, &[]).unwrap();
    let added: Vec<&str> = all
        .operations
        .iter()
        .filter(|o| !fewer.operations.iter().any(|f| f.id == o.id))
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        added,
        [
            "me_email_methods_create",
            "me_email_methods_delete",
            "me_email_methods_get",
            "me_email_methods_list",
            // Unrestricted, resetPassword (bound to authenticationMethod) reaches every
            // method navigation; the slice keeps it on `methods` only.
            "me_email_methods_reset_password",
            "me_email_methods_update",
            "users_email_methods_create",
            "users_email_methods_delete",
            "users_email_methods_get",
            "users_email_methods_list",
            "users_email_methods_reset_password",
            "users_email_methods_update",
        ]
    );
    let files = emit_client(&smaller, &overlay, &[], &permissions()).unwrap();
    let api = &files
        .iter()
        .find(|f| f.path.ends_with("api.rs"))
        .unwrap()
        .contents;
    assert!(!api.contains("pub fn email_methods"));
    let files = emit_client(&model, &overlay, &[], &permissions()).unwrap();
    let api = &files
        .iter()
        .find(|f| f.path.ends_with("api.rs"))
        .unwrap()
        .contents;
    assert!(api.contains("pub fn email_methods(&self) -> EmailMethods"));
}

#[test]
fn operation_ids_are_unique_and_stable() {
    let (model, overlay) = spec();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let kinds: Vec<(String, OperationKind, String)> = api
        .operations
        .iter()
        .filter(|o| o.root == "users" && o.handle == ["phoneMethods"])
        .map(|o| (o.id.clone(), o.kind, o.path.clone()))
        .collect();
    let item = "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}";
    let coll = "/users/{user-id}/authentication/phoneMethods";
    assert_eq!(
        kinds,
        [
            (
                "users_phone_methods_create".into(),
                OperationKind::Create,
                coll.into()
            ),
            (
                "users_phone_methods_delete".into(),
                OperationKind::Delete,
                item.into()
            ),
            (
                "users_phone_methods_disable_sms_sign_in".into(),
                OperationKind::Action,
                format!("{item}/disableSmsSignIn")
            ),
            (
                "users_phone_methods_enable_sms_sign_in".into(),
                OperationKind::Action,
                format!("{item}/enableSmsSignIn")
            ),
            (
                "users_phone_methods_get".into(),
                OperationKind::Get,
                item.into()
            ),
            (
                "users_phone_methods_list".into(),
                OperationKind::List,
                coll.into()
            ),
            (
                "users_phone_methods_update".into(),
                OperationKind::Update,
                item.into()
            ),
        ]
    );
}

fn expect_emit_error(text: &str, needle: &str) {
    match openapi::validate(text) {
        Err(Error::Emit { message, element }) => {
            assert!(
                message.contains(needle) || element.contains(needle),
                "{element}: {message}"
            )
        }
        other => panic!("expected an emit error mentioning {needle}, got {other:?}"),
    }
}

#[test]
fn validation_turns_progenitor_panics_into_errors() {
    let (model, overlay) = spec();
    let good = emit_openapi(&model, &overlay, &[]).unwrap();
    let mut doc: Value = serde_json::from_str(&good).unwrap();
    let path = "/me/authentication/phoneMethods";

    let mut two = doc.clone();
    two["paths"][path]["get"]["responses"]["206"] = serde_json::json!({"description": "partial"});
    expect_emit_error(
        &serde_json::to_string(&two).unwrap(),
        "exactly one success response",
    );

    let mut default = doc.clone();
    default["paths"][path]["get"]["responses"]["default"] = serde_json::json!({"description": "x"});
    expect_emit_error(
        &serde_json::to_string(&default).unwrap(),
        "exactly one success response",
    );

    let mut no_id = doc.clone();
    no_id["paths"][path]["get"]
        .as_object_mut()
        .unwrap()
        .remove("operationId");
    expect_emit_error(&serde_json::to_string(&no_id).unwrap(), "no operationId");

    let mut dangling = doc.clone();
    dangling["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] =
        Value::String("#/components/schemas/microsoft.graph.nope".into());
    expect_emit_error(
        &serde_json::to_string(&dangling).unwrap(),
        "microsoft.graph.nope",
    );

    doc["openapi"] = Value::String("3.1.0".into());
    expect_emit_error(&serde_json::to_string(&doc).unwrap(), "3.0.x");
}

/// An independent validator: the PyPI package `openapi-spec-validator` (installed by
/// `scripts/ci-install.sh`, which `.ci/run` and ci.yml call). Skipped with a message outside CI when python3 or the package is missing;
/// in CI (`CI` set) its absence fails the test.
#[test]
fn an_independent_validator_accepts_the_document() {
    let (model, overlay) = spec();
    let text = emit_openapi(&model, &overlay, &[]).unwrap();
    let dir = std::env::temp_dir().join(format!("graph-phone-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let probe = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output();
    let available = probe.as_ref().is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install openapi-spec-validator: scripts/ci-install.sh python"
        );
        eprintln!(
            "skipped: python3 with openapi-spec-validator is not available \
             (scripts/ci-install.sh python installs it)"
        );
        return;
    }
    let run = |path: &Path| {
        std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, json\n\
                 from openapi_spec_validator import validate\n\
                 validate(json.load(open(sys.argv[1])))\n\
                 print('valid')",
            )
            .arg(path)
            .output()
            .unwrap()
    };
    let out = run(&file);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejected the document:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And it does reject a broken one (the check can fail).
    let mut broken: Value = serde_json::from_str(&text).unwrap();
    broken["paths"]["/me/authentication/phoneMethods"]["get"]["parameters"][0] =
        serde_json::json!({"name": "$select", "in": "nowhere"});
    let bad = dir.join("broken.json");
    std::fs::write(&bad, serde_json::to_string(&broken).unwrap()).unwrap();
    assert!(!run(&bad).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_progenitor_client_has_no_models_and_no_api_version() {
    let (model, overlay) = spec();
    let files = emit_client(&model, &overlay, &[], &permissions()).unwrap();
    let prog = &files
        .iter()
        .find(|f| f.path.ends_with("progenitor.rs"))
        .unwrap()
        .contents;
    assert!(prog.starts_with(client::PROGENITOR_HEADER));
    assert!(!prog.contains("api-version"));
    let types =
        &prog[prog.find("pub mod types {").unwrap()..prog.find("pub struct Client").unwrap()];
    let defined: Vec<&str> = types
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("pub struct") || l.starts_with("pub enum") || l.starts_with("pub type")
        })
        .collect();
    assert_eq!(
        defined,
        ["pub struct ConversionError(::std::borrow::Cow<'static, str>);"]
    );
    assert!(prog.contains("::graph_phone_types::PhoneAuthenticationMethodCreate"));
    assert!(prog.contains("pub async fn users_phone_methods_enable_sms_sign_in<'a>("));
}

#[test]
fn client_output_is_byte_identical_across_runs() {
    let (model, overlay) = spec();
    let a = emit_client(&model, &overlay, &[], &permissions()).unwrap();
    let b = emit_client(&model, &overlay, &[], &permissions()).unwrap();
    assert_eq!(a, b);
    let paths: Vec<&str> = a.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "crates/graph-phone-client/src/generated/api.rs",
            "crates/graph-phone-client/src/generated/mod.rs",
            "crates/graph-phone-client/src/generated/permissions.rs",
            "crates/graph-phone-client/src/generated/progenitor.rs",
            "spec/openapi.json",
        ]
    );
    for f in &a {
        if f.path.ends_with(".rs") {
            assert!(
                f.contents
                    .starts_with("// @generated by `cargo xtask codegen`")
            );
        }
    }
}

/// The real national-cloud metadata (full documents from spec/upstream): China has
/// phoneMethods but neither SMS sign-in action; US Government has both.
#[test]
fn availability_from_the_upstream_national_cloud_metadata() {
    let inputs = inputs();
    let (slice, model) = load_model(&inputs).unwrap();
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path).unwrap();
    let requests = slice.path_requests();
    let lower = |file: &str| {
        let text = std::fs::read_to_string(root().join("spec/upstream").join(file)).unwrap();
        let doc = csdl::read(file, &text).unwrap();
        openapi::lower_cloud(&doc, &requests).unwrap()
    };
    let (china, china_missing) = lower("v1.0-Mooncake.csdl");
    let (usgov, _) = lower("v1.0-Fairfax.csdl");
    let clouds = [
        CloudModel {
            cloud: "usGovL4",
            model: &usgov,
        },
        CloudModel {
            cloud: "usGovL5Dod",
            model: &usgov,
        },
        CloudModel {
            cloud: "china",
            model: &china,
        },
    ];
    let api = Api::new(&model, &overlay, &clouds).unwrap();
    let clouds_of = |id: &str| {
        api.operations
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .clouds
            .clone()
    };
    assert_eq!(
        clouds_of("users_phone_methods_enable_sms_sign_in"),
        ["global", "usGovL4", "usGovL5Dod"]
    );
    assert_eq!(
        clouds_of("me_phone_methods_disable_sms_sign_in"),
        ["global", "usGovL4", "usGovL5Dod"]
    );
    assert_eq!(
        clouds_of("users_phone_methods_list"),
        ["global", "usGovL4", "usGovL5Dod", "china"]
    );
    // Whatever China lacks entirely has no China operations.
    for missing in &china_missing {
        let nav = missing.segments.last().unwrap();
        for op in api
            .operations
            .iter()
            .filter(|o| o.root == missing.root && o.handle.last() == Some(nav))
        {
            assert!(!op.clouds.contains(&"china".to_owned()), "{}", op.id);
        }
    }
}

/// Every operation of the document is reachable from the ergonomic API: `api.rs` calls
/// each progenitor method and lists each operation in the runtime's table.
#[test]
fn every_operation_is_reachable_from_the_ergonomic_api() {
    let (model, overlay) = spec();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let files = emit_client(&model, &overlay, &[], &permissions()).unwrap();
    let source = &files
        .iter()
        .find(|f| f.path.ends_with("api.rs"))
        .unwrap()
        .contents;
    assert_eq!(api.operations.len(), ids(api.document()).len());
    assert!(api.operations.len() >= 50, "{}", api.operations.len());
    for op in &api.operations {
        // A long-running action goes through the runtime's poller, by operation id, not
        // through progenitor; so does its poll.
        let called = match &op.long_running {
            Some(lr) => {
                source.contains(&format!("=> \"{}\",", op.id))
                    && source.contains(&format!("=> \"{}\",", lr.poll_operation))
            }
            None => source.contains(&format!(".{}(", op.id)),
        };
        assert!(called, "{} is not called", op.id);
        assert!(
            source.contains(&format!("id: \"{}\"", op.id)),
            "{} is not in OPERATIONS",
            op.id
        );
    }
}

/// Every operation's rustdoc shows its permissions from spec/permissions.toml, and says so
/// where the documentation's cloud row and the clouds' metadata disagree.
#[test]
fn rustdoc_shows_permissions_and_availability_disagreements() {
    let (model, overlay) = spec();
    let api_rs = |permissions: &Permissions| {
        emit_client(&model, &overlay, &[], permissions)
            .unwrap()
            .into_iter()
            .find(|f| f.path.ends_with("/api.rs"))
            .unwrap()
            .contents
    };
    let real = api_rs(&permissions());
    assert!(real.contains("Operation key `phoneMethods.enableSmsSignIn`"));
    assert!(real.contains("| application | `UserAuthenticationMethod.ReadWrite.All` |"));
    // With the national clouds' real metadata (the checked-in output, which
    // `cargo xtask codegen --check` keeps equal to the pipeline's), the documentation and
    // the metadata agree everywhere today.
    let checked_in =
        std::fs::read_to_string(root().join("crates/graph-phone-client/src/generated/api.rs"))
            .unwrap();
    assert!(checked_in.contains("Operation key `phoneMethods.enableSmsSignIn`"));
    assert!(!checked_in.contains("Availability disagreement"));

    // The documentation says China lacks `phoneMethods.get`; without national cloud models
    // whether China has it is unknown: nothing to disagree with, and the rustdoc says so.
    let text = std::fs::read_to_string(root().join("spec/permissions.toml")).unwrap();
    let start = text.find("[operations.\"phoneMethods.get\"]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let entry = text[start..end].replace(
        "documented_clouds = [\"global\", \"usgov-l4\", \"usgov-l5-dod\", \"china\"]",
        "documented_clouds = [\"global\", \"usgov-l4\", \"usgov-l5-dod\"]",
    );
    assert_ne!(entry, &text[start..end], "the entry lists china");
    let changed = format!("{}{entry}{}", &text[..start], &text[end..]);
    let changed = Permissions::parse("spec/permissions.toml", &changed).unwrap();
    let unknown = api_rs(&changed);
    assert!(!unknown.contains("Availability disagreement"));
    assert!(unknown.contains(
        "clouds: global; unknown (the slice has no metadata of usGovL4, usGovL5Dod, china: \
         sent, the service decides)"
    ));
    // With a China model that has it, the rustdoc shows the disagreement.
    let china = [CloudModel {
        cloud: "china",
        model: &model,
    }];
    let api_rs = |permissions: &Permissions| {
        emit_client(&model, &overlay, &china, permissions)
            .unwrap()
            .into_iter()
            .find(|f| f.path.ends_with("/api.rs"))
            .unwrap()
            .contents
    };
    assert!(api_rs(&changed).contains(
        "**Availability disagreement.** china: the documentation says unavailable, the \
         cloud's metadata has it. The client follows the metadata."
    ));
}

/// `Api::validate` checks the document value instead of parsing the text again; it must
/// return what `validate` returns for the text.
#[test]
fn validating_the_value_equals_validating_the_text() {
    let (model, overlay) = spec();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let text = api.to_text();
    assert_eq!(
        api.validate(&text).unwrap(),
        openapi::validate(&text).unwrap()
    );
}

/// A slice of `roots_and_nesting.xml`: an entity set other than `users`, a singleton other
/// than `me`, and a path through a collection (`me/todo/lists/tasks`).
const ROOTS_SLICE: &str = r#"
name = "roots"
[source]
metadata = "roots_and_nesting.xml"
[scope]
namespace = "microsoft.graph"
[[path]]
roots = ["groups"]
path = "settings"
[[path]]
roots = ["admin"]
path = "sharepoint/settings"
operations = ["get", "update"]
[[path]]
roots = ["me"]
path = "todo/lists"
[[path]]
roots = ["me"]
path = "todo/lists/tasks"
"#;

fn roots_model(keep: &[&str]) -> Model {
    let path = root().join("crates/graph-codegen/tests/fixtures/roots_and_nesting.xml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc = csdl::read("roots_and_nesting.xml", &text).unwrap();
    let slice = graph_codegen::Slice::parse("roots.toml", ROOTS_SLICE).unwrap();
    let requests: Vec<PathRequest> = slice
        .path_requests()
        .into_iter()
        .filter(|r| keep.contains(&r.root.as_str()))
        .collect();
    let mut model = graph_codegen::lower(&doc, &requests).unwrap_or_else(|e| panic!("{e}"));
    slice.restrict(&mut model);
    model
}

/// Path parameters come from the steps of each path: the root's key named from its type
/// (`group-id`, not `user-id`), none for a singleton, and a key segment for every
/// collection a path goes through. A hop (`me/todo`) offers no operation.
#[test]
fn any_root_and_nested_collections_in_the_document() {
    let model = roots_model(&["groups", "admin", "me"]);
    let overlay = Overlay::parse("", "overlay.toml").unwrap();
    let out = emit_openapi(&model, &overlay, &[]).unwrap();
    let doc: Value = serde_json::from_str(&out).unwrap();
    let names = |op: &Value| -> Vec<String> {
        op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = op(&doc, "/groups/{group-id}/settings", "get");
    assert_eq!(names(list), ["group-id"]);
    assert_eq!(
        list["parameters"][0]["description"],
        "The id of the group, one path segment"
    );
    assert_eq!(
        names(op(&doc, "/admin/sharepoint/settings", "patch")),
        Vec::<String>::new()
    );
    assert!(
        doc["paths"]["/admin/sharepoint/settings"]
            .get("delete")
            .is_none()
    );
    let task = op(
        &doc,
        "/me/todo/lists/{todoTaskList-id}/tasks/{todoTask-id}",
        "get",
    );
    assert_eq!(names(task), ["todoTaskList-id", "todoTask-id"]);
    assert_eq!(task["operationId"], "me_todo_lists_tasks_get");
    assert!(
        doc["paths"].get("/me/todo").is_none(),
        "a hop offers nothing"
    );
    insta::assert_snapshot!("openapi_roots_and_nesting", out);
}

/// The client of an entity set other than `users` checks its key as an id (no UserRef),
/// and a singleton other than `me` passes no key to progenitor (issue 15: the `admin`
/// client did not compile, E0061).
#[test]
fn the_client_api_of_other_roots() {
    let model = roots_model(&["groups", "admin"]);
    let overlay = Overlay::parse("", "overlay.toml").unwrap();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let permissions = Permissions::parse("permissions.toml", "[operations]\n").unwrap();
    let out = client::api_source(&api, &permissions).unwrap();
    assert!(out.contains("pub fn admin(&self) -> Admin {"), "{out}");
    // The singleton's call passes the query options only: no key argument.
    assert!(
        out.contains(".admin_sharepoint_settings_get(select.as_deref())"),
        "{out}"
    );
    assert!(
        out.contains(
            "pub fn group(&self, id: impl ::std::convert::Into<::std::string::String>) -> Group {"
        ),
        "{out}"
    );
    assert!(out.contains("\"group id\",\n"), "{out}");
    assert!(!out.contains("UserRef"), "{out}");
    insta::assert_snapshot!("api_other_roots", out);
}

/// A path through a collection gets an item handle carrying the key:
/// `client.me().todo().lists().item(id).tasks()`, whose operations check the key and pass it
/// to progenitor before the task's own id.
#[test]
fn the_client_walks_nested_collections_with_item_handles() {
    let model = roots_model(&["me"]);
    let overlay = Overlay::parse("", "overlay.toml").unwrap();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let permissions = Permissions::parse("permissions.toml", "[operations]\n").unwrap();
    let out = client::api_source(&api, &permissions).unwrap_or_else(|e| panic!("{e}"));
    for needle in [
        "impl Lists {",
        "    ) -> ListsItem {\n        let keys = ::std::vec![id.into()];",
        "impl ListsItem {",
        "pub fn tasks(&self) -> Tasks {",
        "keys: self.keys.clone(),",
        "crate::key::checked(key.as_str())?;",
        ".me_todo_lists_tasks_get(\n                                self.keys[0].as_str(),\n                                id,\n                                select.as_deref(),",
        "Owner::Me => ::std::vec![self.keys[0].as_str(), id],",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    insta::assert_snapshot!("api_nested_collections", out);
}

/// A listed path that is also the prefix of another (`todo/lists` under `todo/lists/tasks`)
/// has permission keys of its own; the hop `todo` has none.
#[test]
fn permission_keys_of_nested_paths() {
    let keys: Vec<String> = graph_codegen::permissions::operation_keys(&roots_model(&["me"]))
        .iter()
        .map(ToString::to_string)
        .collect();
    for key in [
        "lists.list",
        "lists.get",
        "lists.create",
        "tasks.list",
        "tasks.delete",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key}: {keys:?}");
    }
    assert!(!keys.iter().any(|k| k.starts_with("todo.")), "{keys:?}");
}

/// Two paths ending in the same navigation property (`groups/settings`,
/// `admin/sharepoint/settings`) get keys of their whole path, the same in the client, the
/// OpenAPI document and the permission file's check; paths whose last navigation is unique
/// keep the short key.
#[test]
fn permission_keys_of_paths_ending_alike_are_their_whole_paths() {
    let model = roots_model(&["groups", "admin"]);
    let overlay = Overlay::parse("", "overlay.toml").unwrap();
    let api = Api::new(&model, &overlay, &[]).unwrap();
    let key_of = |path: &str, method: &str| -> String {
        api.operations
            .iter()
            .find(|o| o.path == path && o.kind.method() == method)
            .unwrap_or_else(|| panic!("{method} {path}"))
            .permission_key
            .clone()
    };
    assert_eq!(
        key_of("/groups/{group-id}/settings", "GET"),
        "settings.list"
    );
    assert_eq!(
        key_of("/admin/sharepoint/settings", "GET"),
        "sharepoint/settings.get"
    );
    let from_model: Vec<String> = graph_codegen::permissions::operation_keys(&model)
        .iter()
        .map(ToString::to_string)
        .collect();
    let from_api: std::collections::BTreeSet<String> = api
        .operations
        .iter()
        .map(|o| o.permission_key.clone())
        .collect();
    assert_eq!(
        from_model
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        from_api
    );
    // An entry under the whole-path key is found; the ambiguous short key names nothing.
    let file = "[operations.\"sharepoint/settings.get\"]\n\
                delegated_self = [\"SharePointTenantSettings.Read.All\"]\n\
                not_supported = [\"delegated_others\"]\n\
                application = [\"SharePointTenantSettings.Read.All\"]\n\
                personal_accounts = false\n\
                source = \"Get settings, https://learn.microsoft.com/graph/api/sharepointsettings-get\"\n";
    let permissions = Permissions::parse("permissions.toml", file).unwrap();
    permissions.validate_entries(&model, false).unwrap();
    let err = permissions
        .validate_entries(&model, true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no entry for operations `settings.create`"),
        "{err}"
    );
    assert!(!err.contains("`sharepoint/settings.get`"), "{err}");
    let wrong = Permissions::parse(
        "permissions.toml",
        &file.replace("sharepoint/settings.get", "admin/settings.get"),
    )
    .unwrap();
    let err = wrong
        .validate_entries(&model, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("operation `admin/settings.get` does not exist"),
        "{err}"
    );
}

/// An operation whose permissions are not recorded (an optional permission file without its
/// entry) still requires a token of the scheme, names no permission, and its description
/// says the permissions are not recorded; the client's rustdoc says so too. Recorded
/// operations are unchanged.
#[test]
fn unrecorded_permissions_are_documented_not_invented() {
    let (model, overlay) = spec();
    let text = std::fs::read_to_string(root().join("spec/permissions.toml")).unwrap();
    let start = text.find("[operations.\"phoneMethods.get\"]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let partial = Permissions::parse("spec/permissions.toml", &without).unwrap();
    let mut api = Api::new(&model, &overlay, &[]).unwrap();
    api.add_security(&partial).unwrap();
    let doc = api.document();
    let get = op(
        doc,
        "/me/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
        "get",
    );
    assert_eq!(
        get["security"],
        serde_json::json!([{ openapi::SECURITY_SCHEME: [] }])
    );
    let description = get["description"].as_str().unwrap();
    assert!(
        description.ends_with(&format!(
            "{} (Permission key `phoneMethods.get`.)",
            openapi::NOT_RECORDED
        )),
        "{description}"
    );
    let list = op(doc, "/me/authentication/phoneMethods", "get");
    assert!(
        !list["description"]
            .as_str()
            .unwrap_or_default()
            .contains("not recorded")
    );
    assert_ne!(
        list["security"],
        serde_json::json!([{ openapi::SECURITY_SCHEME: [] }])
    );
    let api_rs = emit_client(&model, &overlay, &[], &Permissions::none())
        .unwrap()
        .into_iter()
        .find(|f| f.path.ends_with("/api.rs"))
        .unwrap()
        .contents;
    assert!(api_rs.contains(
        "Not recorded: the slice has no permission file; see the operation's Microsoft Graph \
         documentation page."
    ));
}
