//! The emulator's input validation agrees with `spec/openapi.json`, in both directions.
//!
//! For every operation with a query parameter or a request body, requests are derived from
//! the document: valid values (each enum member, the schema's `example`, each alternative
//! of a `$select` pattern, the bounds of `$top`) and mutations of them (a required property
//! removed, each property given every other JSON type, a value outside an enum or a
//! pattern, an integer out of range, a property the schema does not list). Each request is
//! classified by the document itself (a small validator of the schema keywords the
//! document uses; an unknown keyword fails the test, so a new constraint cannot be
//! ignored), then sent to a started emulator:
//!
//! - what the document calls invalid must be answered 400;
//! - what it calls valid must succeed (the operation's 2xx) or get one of the documented
//!   business-rule errors of the phone rules (the emulator README's status table), never
//!   400 `BadRequest`.

mod support;

use std::path::Path;

use graph_phone_emulator::{Emulator, PhoneMethod, PhoneType, Principal, RunningEmulator, Tenant};
use serde_json::{Map, Value, json};

const ALICE_TOKEN: &str = "validation-alice";
const DAVE_TOKEN: &str = "validation-dave";
/// Writes under `/users/{id}` go through an application: self-service create and update are
/// not supported (spec/permissions.toml), and Dave acting on himself would be self-service.
const APP_TOKEN: &str = "validation-app";
const BROAD: &str = "UserAuthenticationMethod.ReadWrite.All";

/// Errors of the phone rules that a body valid per the document may get, depending on the
/// state (emulator README, "Status codes and error codes").
const BUSINESS_RULES: &[&str] = &[
    "phoneTypeAlreadyExists",
    "mobilePhoneRequired",
    "phoneTypeCannotBeChanged",
    "alternateMobilePhoneExists",
    "defaultMfaMethodCannotBeDeleted",
    "smsSignInNotSupported",
];

/// resetPassword's `newPassword` checked against the cloud password policy (emulator README,
/// "Password reset"), which the document cannot express: its 400 `Request_BadRequest`, for
/// that operation only.
const PASSWORD_POLICY: &str = "Request_BadRequest";

fn document() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/openapi.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

/// Follows a local `$ref` (repeatedly).
fn resolve<'d>(doc: &'d Value, mut value: &'d Value) -> &'d Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                value = doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("$ref {r} does not resolve"))
            }
            None => return value,
        }
    }
    panic!("$ref chain too long")
}

/// Whether `value` is valid against `schema` (OpenAPI 3.0 schema object). Only the
/// keywords the request side of the document uses are understood; any other is a panic.
fn valid(doc: &Value, schema: &Value, value: &Value) -> bool {
    let schema = resolve(doc, schema);
    let obj = schema.as_object().expect("a schema is an object");
    for key in obj.keys() {
        assert!(
            [
                "type",
                "nullable",
                "enum",
                "pattern",
                "required",
                "properties",
                "additionalProperties",
                "minimum",
                "maximum",
                "format",
                "description",
                "title",
                "example",
                "default",
            ]
            .contains(&key.as_str()),
            "schema keyword `{key}` is not understood by this test: teach `valid` about it"
        );
    }
    if value.is_null() {
        return obj.get("nullable") == Some(&Value::Bool(true))
            && obj
                .get("enum")
                .is_none_or(|e| e.as_array().unwrap().contains(&Value::Null));
    }
    if let Some(members) = obj.get("enum")
        && !members.as_array().unwrap().contains(value)
    {
        return false;
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("string") => {
            let Some(s) = value.as_str() else {
                return false;
            };
            if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
                return regex::Regex::new(p)
                    .unwrap_or_else(|e| panic!("pattern {p}: {e}"))
                    .is_match(s);
            }
            true
        }
        Some("integer") => {
            let Some(n) = value.as_i64() else {
                return false;
            };
            let int32 = obj.get("format").and_then(Value::as_str) == Some("int32");
            let min = obj.get("minimum").and_then(Value::as_i64);
            let max = obj.get("maximum").and_then(Value::as_i64);
            (!int32 || i32::try_from(n).is_ok())
                && min.is_none_or(|m| n >= m)
                && max.is_none_or(|m| n <= m)
        }
        Some("object") => {
            let Some(map) = value.as_object() else {
                return false;
            };
            let props = obj.get("properties").and_then(Value::as_object);
            let empty = Map::new();
            let props = props.unwrap_or(&empty);
            let required = obj.get("required").and_then(Value::as_array);
            if required
                .into_iter()
                .flatten()
                .any(|r| !map.contains_key(r.as_str().unwrap()))
            {
                return false;
            }
            for (k, v) in map {
                match props.get(k) {
                    Some(s) => {
                        if !valid(doc, s, v) {
                            return false;
                        }
                    }
                    None => {
                        if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
                            return false;
                        }
                    }
                }
            }
            true
        }
        other => panic!("schema type {other:?} is not understood by this test"),
    }
}

/// A value the document calls valid for `schema`: its `example`, its first enum member, or
/// for a plain string `"x"` (checked).
fn sample(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    let candidate = if let Some(e) = schema.get("example") {
        e.clone()
    } else if let Some(first) = schema["enum"].as_array().and_then(|m| m.first()) {
        first.clone()
    } else {
        match schema["type"].as_str() {
            Some("string") => json!("x"),
            Some("integer") => json!(schema["minimum"].as_i64().unwrap_or(0)),
            other => panic!("no sample for type {other:?}: add an `example` to the schema"),
        }
    };
    assert!(
        valid(doc, schema, &candidate),
        "the sample {candidate} is not valid against {schema}: add an `example`"
    );
    candidate
}

/// Body candidates for an object `schema`: valid ones and mutations.
fn body_candidates(doc: &Value, schema: &Value) -> Vec<Value> {
    let schema = resolve(doc, schema);
    let props = schema["properties"]
        .as_object()
        .expect("a body with properties");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    let mut minimal = Map::new();
    for name in &required {
        minimal.insert((*name).to_string(), sample(doc, &props[*name]));
    }
    let mut out = vec![Value::Object(minimal.clone())];
    let mut full = minimal.clone();
    for (name, s) in props {
        full.insert(name.clone(), sample(doc, s));
    }
    out.push(Value::Object(full.clone()));
    for name in &required {
        let mut b = full.clone();
        b.remove(*name);
        out.push(Value::Object(b));
    }
    let others = [
        json!(null),
        json!(true),
        json!(1),
        json!(1.5),
        json!("x"),
        json!([]),
        json!({}),
    ];
    for (name, s) in props {
        let s = resolve(doc, s);
        let mut values: Vec<Value> = others.to_vec();
        if let Some(members) = s["enum"].as_array() {
            values.extend(members.iter().cloned());
            for m in members.iter().filter_map(Value::as_str) {
                let mut upper = m.to_string();
                upper[..1].make_ascii_uppercase();
                values.push(json!(upper));
            }
            values.push(json!("unknownFutureValue"));
        }
        if s.get("pattern").is_some() {
            let ok = sample(doc, s);
            let ok = ok.as_str().unwrap();
            values.extend([
                json!(""),
                json!(format!("{ok} ")),
                json!(ok.trim_start_matches('+')),
                json!(ok.replace(' ', "-")),
                json!(format!("{ok}x")),
                json!(format!("{ok}x12")),
            ]);
        }
        for v in values {
            let mut b = full.clone();
            b.insert(name.clone(), v);
            out.push(Value::Object(b));
        }
    }
    for extra in [
        "nickname",
        "id",
        "createdDateTime",
        "smsSignInState",
        "@odata.context",
    ] {
        if !props.contains_key(extra) {
            let mut b = minimal.clone();
            b.insert(extra.into(), json!(null));
            out.push(Value::Object(b));
        }
    }
    out.extend([json!([]), json!("x"), json!(1), json!(null)]);
    out
}

/// Candidates for a query parameter's value, as sent (the string after `=`), with the
/// JSON value the document's schema is checked against (`None`: not a value of the
/// schema's type at all).
fn query_candidates(doc: &Value, schema: &Value) -> Vec<(String, Option<Value>)> {
    let schema = resolve(doc, schema);
    match schema["type"].as_str() {
        Some("integer") => [
            "0",
            "1",
            "2",
            "2147483647",
            "2147483648",
            "-1",
            "99999999999999999999",
            "abc",
            "1.5",
            "",
        ]
        .iter()
        .map(|s| {
            let parsed = s.parse::<i64>().ok().map(Value::from);
            (s.to_string(), parsed)
        })
        .collect(),
        Some("string") => {
            let mut out: Vec<String> = vec![
                "".into(),
                "nope".into(),
                "*".into(),
                "@odata.type".into(),
                "id,".into(),
                ",id".into(),
                "id,,id".into(),
                "ID".into(),
                "id phoneNumber".into(),
            ];
            // `^ *(\*|a|b)( *, *(\*|a|b))* *$`: each alternative, all of them, with spaces.
            if let Some(p) = schema["pattern"].as_str() {
                let inner = p
                    .strip_prefix("^ *(")
                    .and_then(|r| r.split_once(')'))
                    .map(|(alts, _)| alts)
                    .unwrap_or_else(|| panic!("unexpected $select pattern shape {p}"));
                let names: Vec<&str> = inner.split('|').filter(|a| *a != "\\*").collect();
                out.extend(names.iter().map(|n| n.to_string()));
                out.push(names.join(","));
                out.push(format!(" {} ", names.join(" , ")));
                out.push(format!("{},*", names[0]));
            }
            out.into_iter()
                .map(|s| {
                    let v = Value::from(s.clone());
                    (s, Some(v))
                })
                .collect()
        }
        other => panic!("query parameter type {other:?} is not understood by this test"),
    }
}

/// The example tenant with Alice (every kind of method) and Dave (no phone, Privileged
/// Authentication Administrator) holding broad delegated tokens.
fn tenant(dave_mobile: bool) -> Tenant {
    let mut tenant = Tenant::example();
    let dave = tenant
        .users
        .iter()
        .position(|u| u.has_role("Privileged Authentication Administrator"))
        .expect("the example tenant has a Privileged Authentication Administrator");
    assert!(tenant.users[dave].phone_methods.is_empty());
    if dave_mobile {
        tenant.users[dave]
            .phone_methods
            .push(PhoneMethod::new(PhoneType::Mobile, "+1 2065550142"));
    }
    let alice = tenant.users[0].user_principal_name.clone();
    let dave = tenant.users[dave].user_principal_name.clone();
    tenant
        .tokens
        .insert(ALICE_TOKEN.into(), Principal::delegated(alice, &[BROAD]));
    tenant
        .tokens
        .insert(DAVE_TOKEN.into(), Principal::delegated(dave, &[BROAD]));
    tenant
        .tokens
        .insert(APP_TOKEN.into(), Principal::application(&[BROAD]));
    tenant
}

struct Emu {
    running: RunningEmulator,
    http: reqwest::Client,
}

impl Emu {
    async fn start() -> Emu {
        Emu {
            running: Emulator::builder()
                .tenant(tenant(false))
                .start()
                .await
                .expect("emulator starts"),
            http: support::http_client(),
        }
    }

    fn reset(&self, dave_mobile: bool) {
        let fresh = tenant(dave_mobile);
        self.running
            .handle()
            .update_tenant(|t| *t = fresh)
            .expect("reset tenant");
    }

    /// Sends; the status and the error code (empty on success).
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (u16, String, String) {
        let url = format!("{}{path}", self.running.base_url());
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("response");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let code = json["error"]["code"].as_str().unwrap_or("").to_string();
        (status, code, text)
    }

    async fn first_id(&self, collection: &str, token: &str) -> String {
        let (status, _, text) = self.send("GET", collection, token, None).await;
        assert_eq!(status, 200, "{collection}: {text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        json["value"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no item in {collection} of the example tenant"))
            .to_string()
    }
}

/// The concrete path of `template` for Alice (reads) or Dave (writes: his own token under
/// `/me`, an application's under `/users`), and the token.
async fn concrete(emu: &Emu, template: &str, write: bool) -> (String, &'static str) {
    let (user, token) = if template.ends_with("/resetPassword") {
        // Not self-service and not for applications (the resetPassword page): Dave, a
        // Privileged Authentication Administrator, resets Alice's password.
        ("11111111-1111-1111-1111-111111111111", DAVE_TOKEN)
    } else if write {
        let token = if template.starts_with("/me/") {
            DAVE_TOKEN
        } else {
            APP_TOKEN
        };
        ("44444444-4444-4444-4444-444444444444", token)
    } else {
        ("11111111-1111-1111-1111-111111111111", ALICE_TOKEN)
    };
    let mut path = template.replace("{user-id}", user);
    if let Some(start) = path.find("/{") {
        let end = path[start..].find('}').unwrap() + start;
        let collection = path[..start].to_string();
        let id = if collection.ends_with("/phoneMethods") {
            PhoneType::Mobile.method_id().to_string()
        } else if template.ends_with("/resetPassword") {
            // The password method's fixed id, the only method resetPassword accepts.
            "28c10230-6103-485e-b985-444c60001490".to_string()
        } else {
            emu.first_id(&collection, token).await
        };
        path.replace_range(start + 1..=end, &id);
    }
    (path, token)
}

/// Whether the operation's only security requirement names no scope: a token is needed but
/// no permission suffices (self-service marked "Not supported" in spec/permissions.toml).
fn reaches_no_permission(op: &Value) -> bool {
    op["security"].as_array().is_some_and(|r| {
        r.iter().all(|req| {
            req.as_object()
                .is_some_and(|o| o.values().all(|s| s.as_array().is_some_and(Vec::is_empty)))
        })
    })
}

fn success_status(op: &Value) -> u16 {
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|k| k.parse::<u16>().ok())
        .find(|s| (200..300).contains(s))
        .expect("a 2xx response")
}

#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    disagreements: Vec<String>,
}

impl Tally {
    fn judge(&mut self, what: String, doc_valid: bool, success: u16, got: (u16, String, String)) {
        let (status, code, text) = got;
        let ok = if doc_valid {
            self.valid += 1;
            let password_policy = what.contains("/resetPassword ") && code == PASSWORD_POLICY;
            status == success
                || (status >= 400 && BUSINESS_RULES.contains(&code.as_str()))
                || (status == 400 && password_policy)
        } else {
            self.invalid += 1;
            status == 400
        };
        if !ok {
            let side = if doc_valid { "valid" } else { "invalid" };
            self.disagreements.push(format!(
                "{what}: the document calls it {side}, the emulator answered {status} {text}"
            ));
        }
    }
}

#[tokio::test]
async fn every_parameter_and_body_is_validated_as_the_document_says() {
    let doc = document();
    let emu = Emu::start().await;
    let mut tally = Tally::default();
    let mut operations = 0;
    let mut not_callable = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_ascii_uppercase();
            let success = success_status(op);
            let params: Vec<&Value> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| resolve(&doc, p))
                .filter(|p| p["in"] == "query")
                .collect();
            let body = op.pointer("/requestBody/content/application~1json/schema");
            if params.is_empty() && body.is_none() {
                continue;
            }
            if reaches_no_permission(op) {
                // Refused (403) before its input is read, whatever the input:
                // tests/permissions_spec.rs covers it.
                not_callable.push(format!("{method} {template}"));
                continue;
            }
            operations += 1;
            let write = method != "GET";
            for param in &params {
                let name = param["name"].as_str().unwrap();
                for (raw, value) in query_candidates(&doc, &param["schema"]) {
                    let doc_valid = value.is_some_and(|v| valid(&doc, &param["schema"], &v));
                    let (path, token) = concrete(&emu, template, write).await;
                    let encoded: String = raw
                        .bytes()
                        .map(|b| match b {
                            b'a'..=b'z'
                            | b'A'..=b'Z'
                            | b'0'..=b'9'
                            | b'-'
                            | b'.'
                            | b'_'
                            | b'*'
                            | b',' => (b as char).to_string(),
                            _ => format!("%{b:02X}"),
                        })
                        .collect();
                    let got = emu
                        .send(&method, &format!("{path}?{name}={encoded}"), token, None)
                        .await;
                    tally.judge(
                        format!("{method} {template} {name}={raw:?}"),
                        doc_valid,
                        success,
                        got,
                    );
                }
            }
            if let Some(schema) = body {
                for candidate in body_candidates(&doc, schema) {
                    let doc_valid = valid(&doc, schema, &candidate);
                    // A create on Dave without phones; an update of Dave's mobile.
                    emu.reset(method == "PATCH");
                    let (path, token) = concrete(&emu, template, true).await;
                    let got = emu.send(&method, &path, token, Some(&candidate)).await;
                    tally.judge(
                        format!("{method} {template} {candidate}"),
                        doc_valid,
                        success,
                        got,
                    );
                }
            }
        }
    }
    eprintln!(
        "{operations} operations, {} requests valid per the document, {} invalid; \
         not callable by any principal (skipped): {not_callable:?}",
        tally.valid, tally.invalid
    );
    assert!(
        operations >= 48,
        "only {operations} operations with parameters or bodies"
    );
    assert!(
        tally.valid > 100 && tally.invalid > 100,
        "{} valid, {} invalid",
        tally.valid,
        tally.invalid
    );
    assert!(
        tally.disagreements.is_empty(),
        "{} of {} requests disagree with spec/openapi.json:\n{}",
        tally.disagreements.len(),
        tally.valid + tally.invalid,
        tally.disagreements.join("\n")
    );
}
