//! The emulator serves every operation of the project's slice, as `spec/openapi.json` (the
//! generated OpenAPI document) lists them, in both the `/me` and the `/users/{user-id}` form,
//! and in exactly the national clouds each operation's `x-graph-phone-clouds` names.
//!
//! Each operation is sent to a started emulator with a token holding the broad
//! `UserAuthenticationMethod.ReadWrite.All` (delegated as Alice for `/me`; delegated as a
//! Privileged Authentication Administrator for `/users/{Alice}`), with ids that exist in the
//! example tenant (an item id is the first item of the collection's list; phone writes use
//! the fixed phone ids, each on a fresh copy of the tenant). It must answer the success
//! status the document gives, never 400 "Resource not found for the segment" or 405. A
//! navigation added to the slice without teaching the emulator fails here. The `/me` form of
//! an operation whose self-service `spec/permissions.toml` marks not supported (the metadata
//! has it, the documentation does not) must be routed and refused with 403 `accessDenied`.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use graph_phone_emulator::{
    Cloud, Emulator, EmulatorHandle, PhoneType, Principal, RunningEmulator, Tenant,
};
use serde_json::{Value, json};

const SELF_TOKEN: &str = "coverage-self";
const ADMIN_TOKEN: &str = "coverage-admin";
const BROAD: &str = "UserAuthenticationMethod.ReadWrite.All";
const CLOUD_EXTENSION: &str = "x-graph-phone-clouds";
/// The fixed id of every user's password method
/// (https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword).
const PASSWORD_METHOD: &str = "28c10230-6103-485e-b985-444c60001490";

/// One operation of the OpenAPI document.
#[derive(Debug)]
struct Operation {
    id: String,
    method: String,
    path: String,
    /// The documented success status (the operation's 2xx response).
    success: u16,
    /// `x-graph-phone-clouds`, when present.
    clouds: Option<Vec<String>>,
}

fn operations() -> Vec<Operation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/openapi.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("openapi.json is JSON");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().expect("operationId").to_string();
            let success: Vec<u16> = op["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .filter_map(|k| k.parse().ok())
                .filter(|s| (200..300).contains(s))
                .collect();
            assert_eq!(success.len(), 1, "{id}: expected one 2xx response");
            let clouds = op.get(CLOUD_EXTENSION).map(|c| {
                c.as_array()
                    .expect("a list of clouds")
                    .iter()
                    .map(|n| n.as_str().expect("a cloud name").to_string())
                    .collect()
            });
            out.push(Operation {
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                success: success[0],
                clouds,
            });
        }
    }
    out
}

/// The emulator's cloud for a name of `x-graph-phone-clouds`.
fn cloud(name: &str) -> Cloud {
    match name {
        "global" => Cloud::Global,
        "usGovL4" => Cloud::UsGovL4,
        "usGovL5Dod" => Cloud::UsGovL5Dod,
        "china" => Cloud::China,
        other => panic!("unknown cloud `{other}` in {CLOUD_EXTENSION}"),
    }
}

const CLOUDS: [(&str, Cloud); 4] = [
    ("global", Cloud::Global),
    ("usGovL4", Cloud::UsGovL4),
    ("usGovL5Dod", Cloud::UsGovL5Dod),
    ("china", Cloud::China),
];

/// The example tenant with the two broad tokens.
fn tenant() -> Tenant {
    let mut tenant = Tenant::example();
    let alice = tenant.users[0].user_principal_name.clone();
    let admin = tenant
        .users
        .iter()
        .find(|u| u.has_role("Privileged Authentication Administrator"))
        .expect("the example tenant has a Privileged Authentication Administrator")
        .user_principal_name
        .clone();
    tenant
        .tokens
        .insert(SELF_TOKEN.into(), Principal::delegated(alice, &[BROAD]));
    tenant
        .tokens
        .insert(ADMIN_TOKEN.into(), Principal::delegated(admin, &[BROAD]));
    tenant
}

/// A concrete request for an operation.
#[derive(Debug)]
struct Request {
    method: String,
    /// After the base URL (which ends in `/v1.0`).
    path: String,
    token: &'static str,
    body: Option<Value>,
    write: bool,
    check: Check,
    /// The `/me` form of an operation `spec/permissions.toml` marks not supported for
    /// delegated callers acting on themselves: answered 403 `accessDenied`.
    self_service_refused: bool,
}

/// Whether `spec/permissions.toml` marks operation `key` not supported for `delegated_self`.
fn self_service_not_supported(key: &str) -> bool {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/permissions.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}"));
    doc["operations"]
        .get(key)
        .unwrap_or_else(|| panic!("spec/permissions.toml has no entry {key}"))
        .get("not_supported")
        .and_then(|v| v.as_array())
        .is_some_and(|kinds| kinds.iter().any(|k| k.as_str() == Some("delegated_self")))
}

/// What a successful answer must hold besides its status.
#[derive(Debug)]
enum Check {
    List,
    Item(String),
    Created,
    NoContent,
    /// A long-running action's 202: the body of a reset without `newPassword` carries the
    /// generated password.
    Accepted,
}

struct Emu {
    running: RunningEmulator,
    http: reqwest::Client,
    tenant: Tenant,
}

impl Emu {
    async fn start(cloud: Cloud) -> Self {
        let tenant = tenant();
        let running = Emulator::builder()
            .tenant(tenant.clone())
            .cloud(cloud)
            .start()
            .await
            .expect("emulator starts");
        Self {
            running,
            http: support::http_client(),
            tenant,
        }
    }

    fn handle(&self) -> &EmulatorHandle {
        self.running.handle()
    }

    /// Sends the request (on a fresh tenant for writes); the status, the body as text, and
    /// the body as JSON (`Null` when empty or not JSON).
    async fn send(&self, req: &Request) -> (u16, String, Value) {
        if req.write {
            let fresh = self.tenant.clone();
            self.handle()
                .update_tenant(|t| *t = fresh)
                .expect("reset tenant");
        }
        let url = format!("{}{}", self.running.base_url(), req.path);
        let mut builder = self
            .http
            .request(req.method.parse().unwrap(), url)
            .bearer_auth(req.token);
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let resp = builder.send().await.expect("response");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, text, json)
    }

    /// The id of the first item of a collection (a GET of the list).
    async fn first_id(&self, collection: &str, token: &'static str) -> Result<String, String> {
        let list = Request {
            method: "GET".into(),
            path: collection.to_string(),
            token,
            body: None,
            write: false,
            check: Check::List,
            self_service_refused: false,
        };
        let (status, text, json) = self.send(&list).await;
        if status != 200 {
            return Err(format!("listing {collection} answered {status}: {text}"));
        }
        json["value"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "the example tenant has no item in {collection}: add one to \
                     tenant.example.json"
                )
            })
    }
}

/// Builds the request for `op` against Alice of the example tenant, looking item ids up on
/// `emu`. An error says why no request could be built.
async fn request(emu: &Emu, op: &Operation) -> Result<Request, String> {
    let alice = emu.tenant.users[0].id.clone();
    let (prefix, token, rest) = if let Some(rest) = op.path.strip_prefix("/me/") {
        ("/me".to_string(), SELF_TOKEN, rest)
    } else if let Some(rest) = op.path.strip_prefix("/users/{user-id}/") {
        (format!("/users/{alice}"), ADMIN_TOKEN, rest)
    } else {
        return Err(format!("unexpected path {}", op.path));
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let is_param = |s: &str| s.starts_with('{') && s.ends_with('}');
    let (navigation, param, action) = match segments.as_slice() {
        ["authentication", nav] if !is_param(nav) => (*nav, false, None),
        ["authentication", nav, p] if is_param(p) => (*nav, true, None),
        ["authentication", nav, p, action] if is_param(p) && !is_param(action) => {
            (*nav, true, Some(*action))
        }
        _ => return Err(format!("unexpected path shape {}", op.path)),
    };
    let collection = format!("{prefix}/authentication/{navigation}");
    let verb = match (op.method.as_str(), param, action) {
        (_, _, Some(action)) => action.to_string(),
        ("GET", false, _) => "list".into(),
        ("GET", true, _) => "get".into(),
        ("POST", _, _) => "create".into(),
        ("PATCH", _, _) => "update".into(),
        _ => "delete".into(),
    };
    let self_service_refused =
        prefix == "/me" && self_service_not_supported(&format!("{navigation}.{verb}"));
    let read = |path: String, check| Request {
        method: "GET".into(),
        path,
        token,
        body: None,
        write: false,
        check,
        self_service_refused,
    };
    let write = |method: &str, path: String, body: Option<Value>, check| Request {
        method: method.into(),
        path,
        token,
        body,
        write: true,
        check,
        self_service_refused,
    };
    let mobile = PhoneType::Mobile.method_id();
    let alternate = PhoneType::AlternateMobile.method_id();
    Ok(match (op.method.as_str(), navigation, param, action) {
        ("GET", _, false, None) => read(collection, Check::List),
        ("GET", _, true, None) => {
            let id = emu.first_id(&collection, token).await?;
            read(format!("{collection}/{id}"), Check::Item(id))
        }
        ("POST", "phoneMethods", false, None) => write(
            "POST",
            collection,
            // Alice has a mobile and an alternate mobile: an office phone is new.
            Some(json!({"phoneNumber": "+1 4255550199", "phoneType": "office"})),
            Check::Created,
        ),
        ("PATCH", "phoneMethods", true, None) => write(
            "PATCH",
            format!("{collection}/{mobile}"),
            Some(json!({"phoneNumber": "+1 4255550198"})),
            Check::NoContent,
        ),
        // The mobile is protected (alternate mobile, default MFA): delete the alternate.
        ("DELETE", "phoneMethods", true, None) => write(
            "DELETE",
            format!("{collection}/{alternate}"),
            None,
            Check::NoContent,
        ),
        // resetPassword is documented on the password method's id; on the first method of
        // the list (a phone method) Graph answers 400.
        ("POST", "methods", true, Some("resetPassword")) => write(
            "POST",
            format!("{collection}/{PASSWORD_METHOD}/resetPassword"),
            Some(json!({})),
            Check::Accepted,
        ),
        ("POST", "phoneMethods", true, Some(action)) => write(
            "POST",
            format!("{collection}/{mobile}/{action}"),
            None,
            Check::NoContent,
        ),
        _ => {
            return Err(format!(
                "no valid request known for {} {}: teach the emulator (and this test) the \
                 operation",
                op.method, op.path
            ));
        }
    })
}

/// Checks a served answer: the documented status and the body's shape.
fn check_served(
    op: &Operation,
    req: &Request,
    status: u16,
    text: &str,
    json: &Value,
) -> Option<String> {
    let fail = |why: &str| {
        Some(format!(
            "{} ({} {}): {why}; answered {status}: {text}",
            op.id, req.method, req.path
        ))
    };
    if req.self_service_refused {
        let refused = status == 403 && json["error"]["code"] == "accessDenied";
        return (!refused).then(|| {
            format!(
                "{} ({} {}): spec/permissions.toml marks self-service not supported: expected \
                 403 accessDenied; answered {status}: {text}",
                op.id, req.method, req.path
            )
        });
    }
    if status != op.success {
        return fail(&format!("expected {}", op.success));
    }
    match &req.check {
        Check::List if !json["value"].is_array() => fail("no `value` array"),
        Check::Item(id) if json["id"].as_str() != Some(id.as_str()) => {
            fail(&format!("expected the item {id}"))
        }
        Check::Created if !json["id"].is_string() => fail("no created item"),
        Check::NoContent if !text.is_empty() => fail("expected no body"),
        Check::Accepted if !json["newPassword"].is_string() => fail("no generated password"),
        _ => None,
    }
}

/// Checks an answer in a cloud whose metadata lacks the operation: like an unknown segment.
fn check_absent(
    op: &Operation,
    req: &Request,
    status: u16,
    text: &str,
    json: &Value,
) -> Option<String> {
    let message = json["error"]["message"].as_str().unwrap_or("");
    let ok = status == 400
        && json["error"]["code"] == "BadRequest"
        && message.starts_with("Resource not found for the segment");
    (!ok).then(|| {
        format!(
            "{} ({} {}): expected 400 \"Resource not found for the segment\"; answered \
             {status}: {text}",
            op.id, req.method, req.path
        )
    })
}

#[tokio::test]
async fn the_emulator_serves_every_operation_of_the_openapi_document() {
    let ops = operations();
    // Both forms of every operation.
    let forms = |prefix: &str| -> BTreeSet<(String, String)> {
        ops.iter()
            .filter_map(|o| {
                o.path
                    .strip_prefix(prefix)
                    .map(|rest| (o.method.clone(), rest.to_string()))
            })
            .collect()
    };
    let me = forms("/me/");
    assert!(!me.is_empty(), "no /me operation in spec/openapi.json");
    assert_eq!(
        me,
        forms("/users/{user-id}/"),
        "the /me and /users forms differ"
    );
    let mut ids = BTreeSet::new();
    for op in &ops {
        assert!(
            ids.insert(op.id.as_str()),
            "duplicate operationId {}",
            op.id
        );
    }

    let emu = Emu::start(Cloud::Global).await;
    let mut failures = Vec::new();
    let mut requests = Vec::new();
    for op in &ops {
        match request(&emu, op).await {
            Ok(req) => requests.push((op, req)),
            Err(why) => failures.push(format!("{}: {why}", op.id)),
        }
    }
    for (op, req) in &requests {
        let (status, text, json) = emu.send(req).await;
        failures.extend(check_served(op, req, status, &text, &json));
    }
    emu.running.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} operations are not served:\n{}",
        failures.len(),
        ops.len(),
        failures.join("\n")
    );
    // Every operation was sent, each in one of the two forms.
    assert_eq!(requests.len(), ops.len());
    assert_eq!(ops.len(), 2 * me.len());

    // Per cloud: served exactly where the operation's metadata has it.
    let with_clouds: Vec<&(&Operation, Request)> = requests
        .iter()
        .filter(|(op, _)| op.clouds.is_some())
        .collect();
    assert!(
        !with_clouds.is_empty(),
        "no operation carries {CLOUD_EXTENSION}"
    );
    let mut served_per_cloud = Vec::new();
    for (name, mode) in CLOUDS {
        let emu = Emu::start(mode).await;
        let mut served = 0;
        for (op, req) in &with_clouds {
            let listed = op.clouds.as_ref().unwrap();
            let expected = listed.iter().any(|c| cloud(c) == mode);
            let (status, text, json) = emu.send(req).await;
            let failure = if expected {
                served += 1;
                check_served(op, req, status, &text, &json)
            } else {
                check_absent(op, req, status, &text, &json)
            };
            failures.extend(failure.map(|f| format!("[{name}] {f}")));
        }
        served_per_cloud.push((name, served));
        emu.running.shutdown().await;
    }
    assert!(
        failures.is_empty(),
        "{} cloud checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Each cloud mode was checked on both sides: some operations served, some not (global
    // serves them all).
    for (name, served) in served_per_cloud {
        assert!(served > 0, "{name} serves nothing");
        if name != "global" {
            assert!(served < with_clouds.len(), "{name} serves everything");
        }
    }
}
