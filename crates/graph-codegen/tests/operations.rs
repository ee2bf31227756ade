//! Operations beyond CRUD on the fixture `tests/fixtures/operations.xml` with a slice of its
//! own: a bound action with parameters (a generated request body type, required from
//! `Nullable="false"`), an action the slice marks long-running (`202 Accepted` + `Location`,
//! polled through the get of `authentication/operations`), an action without parameters
//! and a bound function. The fixture's types crate is compiled by `tests/emit_rust.rs`
//! (every fixture is); the snapshots here are the OpenAPI document and the client API.

use graph_codegen::emit::Overlay;
use graph_codegen::emit::client;
use graph_codegen::emit::openapi::{Api, OperationKind, emit_openapi};
use graph_codegen::ir::Model;
use graph_codegen::permissions::Permissions;
use graph_codegen::{Slice, csdl};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/operations.xml");

const SLICE: &str = r#"
name = "operations"
[source]
metadata = "operations.xml"
[scope]
namespace = "microsoft.graph"
roots = ["users", "me"]
[[path]]
path = "authentication/methods"
operations = ["list", "get"]
actions = ["resetPassword", "markUsed", "usage", "activity"]
long_running = { resetPassword = "authentication/operations" }
[[path]]
path = "authentication/operations"
operations = ["get"]
"#;

fn model_of(slice_text: &str) -> Result<Model, String> {
    model_from(FIXTURE, slice_text)
}

fn model_from(fixture: &str, slice_text: &str) -> Result<Model, String> {
    let doc = csdl::read("operations.xml", fixture).map_err(|e| e.to_string())?;
    let slice = Slice::parse("operations.toml", slice_text).map_err(|e| e.to_string())?;
    let mut model =
        graph_codegen::lower(&doc, &slice.path_requests()).map_err(|e| e.to_string())?;
    slice.restrict(&mut model);
    Ok(model)
}

fn overlay() -> Overlay {
    Overlay::parse(
        "path_containers = [\"microsoft.graph.user\", \"microsoft.graph.authentication\"]\n\
         [sensitive]\n\"microsoft.graph.resetPasswordRequest\" = [\"newPassword\"]\n\
         \"microsoft.graph.passwordResetResponse\" = [\"newPassword\"]\n",
        "overlay.toml",
    )
    .unwrap()
}

fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    doc["paths"]
        .get(path)
        .and_then(|p| p.get(method))
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

#[test]
fn actions_with_parameters_long_running_and_functions_in_the_document() {
    let model = model_of(SLICE).unwrap();
    let out = emit_openapi(&model, &overlay(), &[]).unwrap();
    let doc: Value = serde_json::from_str(&out).unwrap();
    let reset = op(
        &doc,
        "/users/{user-id}/authentication/methods/{authenticationMethod-id}/resetPassword",
        "post",
    );
    // The parameters are one JSON object: the generated body type.
    assert_eq!(
        reset["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.resetPasswordRequest"
    );
    let body = &doc["components"]["schemas"]["microsoft.graph.resetPasswordRequest"];
    assert_eq!(
        body["required"],
        serde_json::json!(["requireChangeOnNextSignIn"])
    );
    assert_eq!(body["properties"]["newPassword"]["nullable"], true);
    // Long-running: 202 with Location (and the 202's body), the poll named.
    let accepted = &reset["responses"]["202"];
    assert!(accepted["headers"]["Location"].is_object(), "{accepted}");
    assert_eq!(
        accepted["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.passwordResetResponse"
    );
    assert!(reset["responses"].get("200").is_none());
    assert_eq!(
        reset["x-ms-long-running-operation"]["poll"],
        "users_operations_get"
    );
    // An action without parameters has no body and answers 204; a function is a GET.
    let mark = op(
        &doc,
        "/me/authentication/methods/{authenticationMethod-id}/markUsed",
        "post",
    );
    assert!(mark.get("requestBody").is_none());
    assert!(mark["responses"]["204"].is_object());
    let usage = op(
        &doc,
        "/me/authentication/methods/{authenticationMethod-id}/usage()",
        "get",
    );
    assert_eq!(
        usage["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/microsoft.graph.usageDetails"
    );
    // A function with parameters: OData's inline call syntax, a string quoted in the
    // template, each parameter a typed path parameter.
    let activity = op(
        &doc,
        "/me/authentication/methods/{authenticationMethod-id}/activity(period='{period}',top={top})",
        "get",
    );
    let params: Vec<(&str, &str)> = activity["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["schema"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("authenticationMethod-id", "string"),
            ("period", "string"),
            ("top", "string")
        ]
    );
    // progenitor takes the document, the function's parameters included.
    let spec = graph_codegen::emit::openapi::validate(&out).unwrap();
    let api = Api::new(&model, &overlay(), &[]).unwrap();
    let spec = client::without_parameter_constraints(&spec).unwrap();
    let progenitor = client::progenitor_source(&spec, &api).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        progenitor.contains("pub async fn me_methods_activity"),
        "{progenitor}"
    );
    // Every function parameter is the literal's text, as the client passes it.
    assert!(progenitor.contains("top: &'a str"), "{progenitor}");
    insta::assert_snapshot!("openapi_operations", out);
}

#[test]
fn the_operation_table_and_client_methods() {
    let model = model_of(SLICE).unwrap();
    let api = Api::new(&model, &overlay(), &[]).unwrap();
    let reset = api
        .operations
        .iter()
        .find(|o| o.id == "users_methods_reset_password")
        .unwrap();
    assert_eq!(reset.kind, OperationKind::Action);
    assert_eq!(reset.success_status(), 202);
    // Each call starts an operation: never resent after an answer that may be processed.
    assert!(!reset.idempotent());
    let mark = api
        .operations
        .iter()
        .find(|o| o.id == "users_methods_mark_used")
        .unwrap();
    assert!(mark.idempotent() && mark.success_status() == 204);

    let permissions = Permissions::parse("permissions.toml", "[operations]\n").unwrap();
    let out = client::api_source(&api, &permissions).unwrap_or_else(|e| panic!("{e}"));
    for needle in [
        // The one-call method, start and poll, with the generated body type.
        "pub async fn reset_password(\n        &self,\n        id: impl crate::Key,\n        body: &::graph_phone_types::ResetPasswordRequest,\n    )",
        "pub async fn reset_password_start(",
        "pub async fn reset_password_poll_with<A>(",
        "Owner::Users(_) => \"users_operations_get\",",
        "Owner::Me => \"me_operations_get\",",
        "runtime.operation_request(op, &segments, Some(body))?;",
        // The plain action and the function through progenitor.
        ".users_methods_mark_used(user.as_str(), id)",
        "pub async fn usage(",
        // A function's parameters: typed, written as OData literals (a string's quote
        // doubled), passed to progenitor after the keys.
        "pub async fn activity(\n        &self,\n        id: impl crate::Key,\n        period: &str,\n        top: i32,\n    )",
        "let period = period.replace('\\'', \"''\");",
        ".me_methods_activity(id, period.as_str(), top.as_str())",
        "segments.extend([period.as_str(), top.as_str()]);",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    // No batch item for a long-running action (polling is outside the batch).
    assert!(!out.contains("pub fn reset_password_item"), "{out}");
    insta::assert_snapshot!("api_operations", out);
}

#[test]
fn the_body_type_redacts_what_the_overlay_lists() {
    let model = model_of(SLICE).unwrap();
    let out = graph_codegen::emit::rust::emit_types_source(&model, &overlay()).unwrap();
    let at = out.find("pub struct ResetPasswordRequest").unwrap();
    let body = &out[at..];
    // Required from Nullable="false", optional otherwise.
    assert!(
        body.contains("pub require_change_on_next_sign_in: bool,"),
        "{body}"
    );
    assert!(body.contains("pub new_password: Option<String>,"), "{body}");
    let debug = &out[out
        .find("impl ::std::fmt::Debug for ResetPasswordRequest")
        .unwrap()..];
    assert!(
        debug.contains(
            ".field(\"new_password\", &crate::support::Redact::redacted(&self.new_password))"
        ),
        "{debug}"
    );
}

#[test]
fn long_running_mistakes_are_errors_that_say_what_to_do() {
    // Not among the path's actions.
    let err = model_of(&SLICE.replace(
        "actions = [\"resetPassword\", \"markUsed\", \"usage\", \"activity\"]",
        "actions = [\"markUsed\", \"usage\", \"activity\"]",
    ))
    .unwrap_err();
    assert!(
        err.contains("lists `resetPassword` under long_running but not under actions"),
        "{err}"
    );
    // The operations collection is not in the slice.
    let err = model_of(&SLICE.replace(
        "[[path]]\npath = \"authentication/operations\"\noperations = [\"get\"]\n",
        "",
    ))
    .unwrap_err();
    assert!(
        err.contains(
            "polls `authentication/operations`, which is not a [[path]] entry offering `get`"
        ),
        "{err}"
    );
    // A function cannot be long-running.
    let model = model_of(&SLICE.replace(
        "long_running = { resetPassword = ",
        "long_running = { usage = ",
    ))
    .unwrap();
    let err = Api::new(&model, &overlay(), &[]).unwrap_err().to_string();
    assert!(err.contains("only an action can be long-running"), "{err}");
    // The poll must answer a longRunningOperation (status + statusDetail) for the generated
    // classification to compile.
    let fixture = FIXTURE.replace("Name=\"statusDetail\"", "Name=\"detail\"");
    let model = model_from(&fixture, SLICE).unwrap();
    let err = Api::new(&model, &overlay(), &[]).unwrap_err().to_string();
    assert!(
        err.contains("lacks the `status` enum and `statusDetail` string of a longRunningOperation"),
        "{err}"
    );
}
