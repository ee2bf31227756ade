//! Microsoft Graph's own documentation examples (`tests/docs-corpus/pages/*.json`, one file per
//! v1.0 page of the slice; see `tests/docs-corpus/README.md`) against the generated types and
//! the emulator:
//!
//! - every request and response body deserializes into its generated `graph-phone-types`
//!   type and serializes back to the same JSON value (normalisations in [`normalise`]);
//! - every documented request, replayed against an emulator seeded from the examples, answers
//!   the documented status and a body of the documented shape ([`compare_object`]);
//! - every recorded deviation is real: the page's own example fails in the way the deviation
//!   says, and the corrected example passes both checks above.
//!
//! The test prints the counts (pages, operations, examples, replays, deviations).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use graph_phone_emulator::{Emulator, Tenant};
use graph_phone_types::{
    AuthenticationMethod, AuthenticationPhoneType, EmailAuthenticationMethod,
    ExternalAuthenticationMethod, Fido2AuthenticationMethod, LongRunningOperation,
    MicrosoftAuthenticatorAuthenticationMethod, PasswordAuthenticationMethod,
    PhoneAuthenticationMethod, PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
    PlatformCredentialAuthenticationMethod, SoftwareOathAuthenticationMethod,
    TemporaryAccessPassAuthenticationMethod, WindowsHelloForBusinessAuthenticationMethod,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Operations of `spec/openapi.json` that no v1.0 documentation page shows: the operations
/// list has no page, the operation get, phone create and phone update pages document
/// `/users` only.
const UNDOCUMENTED: &[&str] = &[
    // The resetPassword page documents only `/users/{id}/...` (the metadata also has /me,
    // which the emulator refuses); its two examples are checked in tests/reset_password.rs
    // (the corpus replay compares values, and the reset's password is generated).
    "me_methods_reset_password",
    "users_methods_reset_password",
    "me_operations_get",
    "me_phone_methods_create",
    "me_operations_list",
    "me_phone_methods_update",
    "users_operations_list",
];

/// The delegated token every replay uses: an administrator acting on itself (`/me`) or on the
/// example's user, allowed every operation of the slice.
const TOKEN: &str = "docs-admin";
const ADMIN_ID: &str = "00000000-0000-0000-0000-0000000000ad";
const ADMIN_UPN: &str = "docs-admin@contoso.com";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One example of a page, with the corrected values applied where the page is wrong.
struct Example {
    name: String,
    page_url: String,
    operation: String,
    entity: String,
    method: String,
    /// Relative to the v1.0 root, e.g. `/me/authentication/phoneMethods`.
    path: String,
    request_body: Option<Value>,
    status: u16,
    response_body: Option<Value>,
    deviations: Vec<(String, String)>,
    /// The page's own example, as written.
    raw: Value,
}

impl Example {
    fn at(&self) -> String {
        format!("{} ({})", self.name, self.page_url)
    }
}

struct Corpus {
    pages: usize,
    documented_operations: BTreeSet<String>,
    examples: Vec<Example>,
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{}:{}:{}: not JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

fn str_field<'a>(v: &'a Value, key: &str, at: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{at}: `{key}` is missing or not a string"))
}

fn load_corpus() -> Corpus {
    let dir = manifest_dir().join("tests/docs-corpus/pages");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: cannot list: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut corpus = Corpus {
        pages: files.len(),
        documented_operations: BTreeSet::new(),
        examples: Vec::new(),
    };
    for file in files {
        let page = read_json(&file);
        let at = file.display().to_string();
        let url = str_field(&page, "url", &at).to_owned();
        assert!(
            page["upstream_commit"]
                .as_str()
                .is_some_and(|c| c.len() == 40),
            "{at}: `upstream_commit` must be a 40-hex commit"
        );
        for op in page["operations"].as_array().into_iter().flatten() {
            corpus
                .documented_operations
                .insert(op.as_str().expect("operationId").to_owned());
        }
        for ex in page["examples"].as_array().expect("examples") {
            let name = str_field(ex, "name", &at).to_owned();
            let corrected = ex.get("corrected").cloned().unwrap_or(json!({}));
            let request = &ex["request"];
            let method = corrected["method"]
                .as_str()
                .or(request["method"].as_str())
                .unwrap_or_else(|| panic!("{name}: no request method"))
                .to_owned();
            let path = match corrected["path"].as_str() {
                Some(p) => p.to_owned(),
                None => str_field(request, "url", &name)
                    .strip_prefix("https://graph.microsoft.com/v1.0")
                    .unwrap_or_else(|| panic!("{name}: request URL is not on /v1.0"))
                    .to_owned(),
            };
            let request_body = match corrected.get("request_body") {
                Some(b) => Some(b.clone()),
                None => request.get("body").filter(|b| !b.is_null()).cloned(),
            };
            let response_body = match corrected.get("response_body") {
                Some(b) => Some(b.clone()),
                None => ex["response"].get("body").filter(|b| !b.is_null()).cloned(),
            };
            let deviations = ex["deviations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    (
                        str_field(d, "kind", &name).to_owned(),
                        str_field(d, "what", &name).to_owned(),
                    )
                })
                .collect();
            corpus.examples.push(Example {
                page_url: url.clone(),
                operation: str_field(ex, "operation", &name).to_owned(),
                entity: str_field(ex, "entity", &name).to_owned(),
                method,
                path,
                request_body,
                status: ex["response"]["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or_else(|| panic!("{name}: no response status")),
                response_body,
                deviations,
                raw: ex.clone(),
                name,
            });
        }
    }
    corpus
}

/// The property names of every schema of `spec/openapi.json`, by short type name
/// (`fido2AuthenticationMethod`), inherited ones included.
fn schema_properties() -> BTreeMap<String, BTreeSet<String>> {
    let spec = read_json(&manifest_dir().join("../../spec/openapi.json"));
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    fn collect(schemas: &Map<String, Value>, schema: &Value, out: &mut BTreeSet<String>) {
        if let Some(props) = schema["properties"].as_object() {
            out.extend(props.keys().cloned());
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            if let Some(r) = part["$ref"].as_str() {
                let name = r.rsplit('/').next().expect("ref");
                collect(schemas, &schemas[name], out);
            }
            collect(schemas, part, out);
        }
    }
    schemas
        .iter()
        .map(|(name, schema)| {
            let mut props = BTreeSet::new();
            collect(schemas, schema, &mut props);
            (name.rsplit('.').next().expect("name").to_owned(), props)
        })
        .collect()
}

fn operation_ids() -> BTreeSet<String> {
    let spec = read_json(&manifest_dir().join("../../spec/openapi.json"));
    spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect()
}

/// The documented JSON with the normalisations the round trip is allowed: a timestamp
/// compares as an instant (written the way `jiff` writes it), and a `null` property equals
/// an absent one (the types write `None` as absent).
fn normalise(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::String(s) => match s.parse::<jiff::Timestamp>() {
            Ok(t) if s.contains('T') => Value::String(t.to_string()),
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

fn roundtrip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// Reads one entity object as the generated type of `entity` and writes it back.
fn roundtrip_entity(entity: &str, v: &Value) -> Result<Value, String> {
    match entity {
        "phoneAuthenticationMethod" => roundtrip::<PhoneAuthenticationMethod>(v),
        "authenticationMethod" => roundtrip::<AuthenticationMethod>(v),
        "emailAuthenticationMethod" => roundtrip::<EmailAuthenticationMethod>(v),
        "fido2AuthenticationMethod" => roundtrip::<Fido2AuthenticationMethod>(v),
        "microsoftAuthenticatorAuthenticationMethod" => {
            roundtrip::<MicrosoftAuthenticatorAuthenticationMethod>(v)
        }
        "passwordAuthenticationMethod" => roundtrip::<PasswordAuthenticationMethod>(v),
        "softwareOathAuthenticationMethod" => roundtrip::<SoftwareOathAuthenticationMethod>(v),
        "temporaryAccessPassAuthenticationMethod" => {
            roundtrip::<TemporaryAccessPassAuthenticationMethod>(v)
        }
        "windowsHelloForBusinessAuthenticationMethod" => {
            roundtrip::<WindowsHelloForBusinessAuthenticationMethod>(v)
        }
        "platformCredentialAuthenticationMethod" => {
            roundtrip::<PlatformCredentialAuthenticationMethod>(v)
        }
        "externalAuthenticationMethod" => roundtrip::<ExternalAuthenticationMethod>(v),
        "longRunningOperation" => roundtrip::<LongRunningOperation>(v),
        other => Err(format!("no generated type is mapped for entity `{other}`")),
    }
}

/// The entity objects of a response body: the items of `value`, or the body itself.
fn items(body: &Value) -> Vec<&Value> {
    match body.get("value") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => vec![body],
    }
}

fn check_roundtrip(ex: &Example) -> Result<usize, String> {
    let mut checked = 0;
    if let Some(body) = &ex.request_body {
        let (back, mut expected) = match ex.method.as_str() {
            "POST" => {
                let mut expected = normalise(body);
                // The create type always writes the @odata.type Graph expects.
                expected["@odata.type"] = json!("#microsoft.graph.phoneAuthenticationMethod");
                (
                    roundtrip::<PhoneAuthenticationMethodCreate>(body)?,
                    expected,
                )
            }
            "PATCH" => (
                roundtrip::<PhoneAuthenticationMethodUpdate>(body)?,
                normalise(body),
            ),
            other => return Err(format!("a request body on {other}")),
        };
        if normalise(&back) != expected {
            expected = normalise(&expected);
            return Err(format!(
                "request body changed in the round trip:\n  documented {expected}\n  written    {back}"
            ));
        }
        checked += 1;
    }
    if let Some(body) = &ex.response_body {
        for item in items(body) {
            let back = roundtrip_entity(&ex.entity, item)?;
            if normalise(&back) != normalise(item) {
                return Err(format!(
                    "response object changed in the round trip:\n  documented {}\n  written    {}",
                    normalise(item),
                    normalise(&back)
                ));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

/// The collection segment (and so the tenant file's `methods` key) of a method's type.
fn segment_of(odata_type: &str) -> Option<&'static str> {
    Some(match odata_type.trim_start_matches("#microsoft.graph.") {
        "emailAuthenticationMethod" => "emailMethods",
        "fido2AuthenticationMethod" => "fido2Methods",
        "microsoftAuthenticatorAuthenticationMethod" => "microsoftAuthenticatorMethods",
        "passwordAuthenticationMethod" => "passwordMethods",
        "softwareOathAuthenticationMethod" => "softwareOathMethods",
        "temporaryAccessPassAuthenticationMethod" => "temporaryAccessPassMethods",
        "windowsHelloForBusinessAuthenticationMethod" => "windowsHelloForBusinessMethods",
        "platformCredentialAuthenticationMethod" => "platformCredentialMethods",
        "externalAuthenticationMethod" => "externalAuthenticationMethods",
        _ => return None,
    })
}

/// The documented phone with this id (from the phone examples of the corpus), for requests
/// that address a phone without showing it (update, delete, SMS sign-in actions).
fn documented_phone(corpus: &Corpus, id: &str) -> Option<Value> {
    corpus
        .examples
        .iter()
        .filter(|e| e.entity == "phoneAuthenticationMethod")
        .filter_map(|e| e.response_body.as_ref())
        .flat_map(items)
        .find(|item| item["id"] == id)
        .cloned()
}

fn phone_entry(phone: &Value) -> Value {
    json!({
        "phoneType": phone["phoneType"],
        "phoneNumber": phone["phoneNumber"],
        "smsSignInState": phone["smsSignInState"],
    })
}

/// A tenant with the administrator the replays act as, and the example's user holding the
/// objects the example shows (or, for a request on a phone it does not show, that phone as
/// another example of the corpus shows it).
fn tenant_for(ex: &Example, corpus: &Corpus) -> Result<Tenant, String> {
    let mut segments = ex.path.trim_start_matches('/').split('/');
    let (target_id, target_upn) = match segments.next() {
        Some("me") => (ADMIN_ID.to_owned(), ADMIN_UPN.to_owned()),
        Some("users") => {
            let user = segments.next().ok_or("no user in the path")?;
            if user.contains('@') {
                (
                    "00000000-0000-0000-0000-0000000000aa".to_owned(),
                    user.to_owned(),
                )
            } else {
                (user.to_owned(), "docs-user@contoso.com".to_owned())
            }
        }
        _ => return Err(format!("path {} is under neither /me nor /users", ex.path)),
    };
    let mut phones = Vec::new();
    let mut methods: Map<String, Value> = Map::new();
    let mut operations = Vec::new();
    let shown: Vec<Value> = match (&ex.response_body, ex.method.as_str()) {
        (Some(body), "GET") => items(body).into_iter().cloned().collect(),
        _ => Vec::new(),
    };
    for item in &shown {
        match ex.entity.as_str() {
            "phoneAuthenticationMethod" => phones.push(phone_entry(item)),
            "longRunningOperation" => {
                let mut stored = item.clone();
                if let Some(obj) = stored.as_object_mut() {
                    obj.retain(|k, _| !k.starts_with('@'));
                }
                operations.push(stored);
            }
            entity => {
                let odata = item["@odata.type"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("#microsoft.graph.{entity}"));
                let segment =
                    segment_of(&odata).ok_or_else(|| format!("no collection for {odata}"))?;
                // The tenant holds the object's data; annotations are the server's to add.
                let mut stored = item.clone();
                if let Some(obj) = stored.as_object_mut() {
                    obj.retain(|k, _| !k.starts_with('@'));
                }
                methods
                    .entry(segment)
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .expect("array")
                    .push(stored);
            }
        }
    }
    let create = ex.path.ends_with("/phoneMethods");
    if ex.entity == "phoneAuthenticationMethod" && ex.method != "GET" && !create {
        let id = ex
            .path
            .split("/phoneMethods/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .ok_or("no phone id in the path")?;
        let phone = documented_phone(corpus, id)
            .ok_or_else(|| format!("no example of the corpus shows the phone {id}"))?;
        phones.push(phone_entry(&phone));
    }
    let target = json!({
        "id": target_id,
        "userPrincipalName": target_upn,
        "policy": { "smsSignInEnabled": true, "defaultMfaMethod": "none" },
        "phoneMethods": phones,
        "methods": methods,
        "operations": operations,
    });
    let admin_is_target = target_id == ADMIN_ID;
    let mut users = vec![];
    let admin = json!({
        "id": ADMIN_ID,
        "userPrincipalName": ADMIN_UPN,
        "directoryRoles": ["Privileged Authentication Administrator"],
        "policy": { "smsSignInEnabled": true, "defaultMfaMethod": "none" },
    });
    if admin_is_target {
        let mut merged = target;
        merged["directoryRoles"] = admin["directoryRoles"].clone();
        users.push(merged);
    } else {
        users.push(admin);
        users.push(target);
    }
    let tenant = json!({
        "users": users,
        "tokens": {
            TOKEN: {
                "kind": "delegated",
                "user": ADMIN_UPN,
                "scopes": ["UserAuthenticationMethod.ReadWrite.All"],
                "recentMfa": true,
            }
        }
    });
    Tenant::from_json(&tenant.to_string()).map_err(|e| format!("tenant not accepted: {e}"))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The documented object against the emulator's: every documented property is there with
/// the same JSON type and value (after [`normalise`]; `id` not compared on a create, where it
/// is the server's); an extra property is an annotation or a property of the entity in the
/// metadata (the pages shorten their bodies).
fn compare_object(
    doc: &Value,
    actual: &Value,
    entity: &str,
    create: bool,
    props: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    let doc_map = doc.as_object().ok_or("documented body is not an object")?;
    let act_map = actual
        .as_object()
        .ok_or_else(|| format!("answered body is not an object: {actual}"))?;
    for (key, dv) in doc_map {
        if key == "@odata.context" {
            let tail = |v: &Value| {
                v.as_str()
                    .and_then(|s| s.split_once("$metadata#"))
                    .map(|p| p.1.to_owned())
            };
            if tail(dv) != act_map.get(key).and_then(tail) {
                return Err(format!(
                    "@odata.context: documented {dv}, answered {:?}",
                    act_map.get(key)
                ));
            }
            continue;
        }
        let Some(av) = act_map.get(key) else {
            if dv.is_null() {
                continue;
            }
            return Err(format!(
                "property `{key}` documented, not answered (answered {actual})"
            ));
        };
        if dv.is_null() || av.is_null() {
            if dv.is_null() != av.is_null() {
                return Err(format!("`{key}`: documented {dv}, answered {av}"));
            }
            continue;
        }
        if json_type(dv) != json_type(av) {
            return Err(format!(
                "`{key}`: documented a {}, answered a {} ({av})",
                json_type(dv),
                json_type(av)
            ));
        }
        if key == "value" {
            continue; // compared item by item by the caller
        }
        if create && key == "id" {
            continue;
        }
        if normalise(dv) != normalise(av) {
            return Err(format!("`{key}`: documented {dv}, answered {av}"));
        }
    }
    let ty = act_map
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches("#microsoft.graph.").to_owned())
        .unwrap_or_else(|| entity.to_owned());
    let known = props.get(&ty).cloned().unwrap_or_default();
    for key in act_map.keys() {
        if !doc_map.contains_key(key) && !key.starts_with('@') && !known.contains(key) {
            return Err(format!(
                "answered property `{key}` is neither documented nor a property of {ty}"
            ));
        }
    }
    Ok(())
}

fn compare_body(
    ex: &Example,
    doc: &Value,
    actual: &Value,
    props: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    let create = ex.method == "POST";
    match doc.get("value") {
        Some(Value::Array(doc_items)) => {
            compare_object(doc, actual, &ex.entity, create, props)?;
            let act_items = actual["value"]
                .as_array()
                .ok_or("answered `value` is not an array")?;
            for di in doc_items {
                let ai = act_items
                    .iter()
                    .find(|a| a["id"] == di["id"])
                    .ok_or_else(|| format!("documented item {} not answered", di["id"]))?;
                compare_object(di, ai, &ex.entity, create, props)?;
            }
            if act_items.len() != doc_items.len() {
                return Err(format!(
                    "answered {} items, documented {}",
                    act_items.len(),
                    doc_items.len()
                ));
            }
            Ok(())
        }
        _ => compare_object(doc, actual, &ex.entity, create, props),
    }
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Option<Value>), String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = http
        .request(method, format!("{base}{path}"))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    let body = if text.is_empty() {
        None
    } else {
        Some(serde_json::from_str(&text).map_err(|e| format!("answer is not JSON: {e}: {text}"))?)
    };
    Ok((status, body))
}

async fn replay(
    ex: &Example,
    corpus: &Corpus,
    props: &BTreeMap<String, BTreeSet<String>>,
    http: &reqwest::Client,
) -> Result<(), String> {
    let emu = Emulator::builder()
        .tenant(tenant_for(ex, corpus)?)
        .start()
        .await
        .map_err(|e| format!("emulator did not start: {e}"))?;
    let base = emu.base_url();
    let result = async {
        let (status, body) =
            send(http, &base, &ex.method, &ex.path, ex.request_body.as_ref()).await?;
        if status != ex.status {
            return Err(format!(
                "{} {}: documented {}, answered {status} {}",
                ex.method,
                ex.path,
                ex.status,
                body.map(|b| b.to_string()).unwrap_or_default()
            ));
        }
        match (&ex.response_body, &body) {
            (Some(doc), Some(actual)) => compare_body(ex, doc, actual, props),
            (None, None) => Ok(()),
            (None, Some(actual)) => Err(format!("no body documented, answered {actual}")),
            (Some(_), None) => Err("a body documented, none answered".to_owned()),
        }?;
        // The page's own request, where it differs and can be sent, does not give the
        // documented answer: the deviation is real.
        for (kind, _) in &ex.deviations {
            if matches!(kind.as_str(), "placeholder" | "id" | "version") {
                let url = ex.raw["request"]["url"].as_str().unwrap_or_default();
                let Some(raw_path) = url
                    .strip_prefix("https://graph.microsoft.com")
                    .and_then(|p| p.split_once('/').map(|(_, rest)| rest))
                    .and_then(|p| p.split_once('/').map(|(_, rest)| format!("/{rest}")))
                else {
                    continue; // a relative template: nothing to send
                };
                let version = url
                    .strip_prefix("https://graph.microsoft.com/")
                    .and_then(|p| p.split('/').next())
                    .unwrap_or("v1.0");
                let raw_base = base.replace("/v1.0", &format!("/{version}"));
                let (raw_status, _) = send(http, &raw_base, &ex.method, &raw_path, None).await?;
                if raw_status == ex.status {
                    return Err(format!(
                        "deviation `{kind}` recorded, but the page's request {url} answers the \
                         documented {raw_status}"
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    emu.shutdown().await;
    result
}

/// The page's own example fails where a deviation says it is wrong.
fn check_raw(ex: &Example) -> Result<(), String> {
    let raw_resp = &ex.raw["response"]["body"];
    for (kind, what) in &ex.deviations {
        let ok = match kind.as_str() {
            "json" => ex.raw["request"]["body_text"]
                .as_str()
                .is_some_and(|t| serde_json::from_str::<Value>(t).is_err()),
            "wrapped" => roundtrip_entity(&ex.entity, raw_resp).is_err(),
            "timestamp" => items(raw_resp)
                .into_iter()
                .any(|item| roundtrip_entity(&ex.entity, item).is_err()),
            "enum" => items(raw_resp).into_iter().any(|item| {
                serde_json::from_value::<AuthenticationPhoneType>(item["phoneType"].clone())
                    .is_ok_and(|t| matches!(t, AuthenticationPhoneType::Unrecognized(_)))
            }),
            "unknown" => {
                let unwrapped = match raw_resp.get("value") {
                    Some(inner @ Value::Object(_)) => inner,
                    _ => raw_resp,
                };
                let back: Vec<Value> = items(unwrapped)
                    .into_iter()
                    .map(|item| roundtrip_entity(&ex.entity, item))
                    .collect::<Result<_, _>>()
                    .unwrap_or_default();
                // Kept as an unknown property, not read into the metadata's property.
                back.iter().any(|b| b.get("creationDateTime").is_some())
            }
            "missing" => ex.raw["request"].is_null(),
            // The published page differs from this copy: nothing on the copy to check.
            "superseded" => true,
            // Shown by replaying the page's request (see `replay`).
            "placeholder" | "id" | "version" => true,
            other => return Err(format!("unknown deviation kind `{other}`")),
        };
        if !ok {
            return Err(format!(
                "deviation `{kind}` ({what}) recorded, but the page's example does not show it"
            ));
        }
    }
    Ok(())
}

#[tokio::test]
async fn documentation_examples_round_trip_and_replay_against_the_emulator() {
    let corpus = load_corpus();
    let props = schema_properties();
    let all_ops = operation_ids();

    let undocumented: BTreeSet<String> = all_ops
        .difference(&corpus.documented_operations)
        .cloned()
        .collect();
    let expected: BTreeSet<String> = UNDOCUMENTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        undocumented, expected,
        "operations of spec/openapi.json without a documentation page in the corpus"
    );
    let unknown: Vec<_> = corpus.documented_operations.difference(&all_ops).collect();
    assert!(
        unknown.is_empty(),
        "corpus names operations spec/openapi.json lacks: {unknown:?}"
    );

    // From the runtime's builder: with the default `rustls` feature reqwest panics on a
    // client built without a TLS configuration (reqwest's `rustls-no-provider`).
    let http = graph_phone_client::runtime::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let (mut objects, mut replays, mut deviations) = (0, 0, 0);
    let mut replayed_ops = BTreeSet::new();
    for ex in &corpus.examples {
        assert!(
            all_ops.contains(&ex.operation),
            "{}: operation {} is not in spec/openapi.json",
            ex.at(),
            ex.operation
        );
        deviations += ex.deviations.len();
        match check_roundtrip(ex) {
            Ok(n) => objects += n,
            Err(e) => failures.push(format!("{}: round trip: {e}", ex.at())),
        }
        if let Err(e) = check_raw(ex) {
            failures.push(format!("{}: {e}", ex.at()));
        }
        match replay(ex, &corpus, &props, &http).await {
            Ok(()) => {
                replays += 1;
                replayed_ops.insert(ex.operation.clone());
            }
            Err(e) => failures.push(format!("{}: replay: {e}", ex.at())),
        }
    }
    println!(
        "docs corpus: {} pages, {} of {} operations documented ({} replayed), {} examples, \
         {} bodies round-tripped, {} replays passed, {} deviations recorded",
        corpus.pages,
        corpus.documented_operations.len(),
        all_ops.len(),
        replayed_ops.len(),
        corpus.examples.len(),
        objects,
        replays,
        deviations
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
