//! Cross-check of the emulator's hand-written permission table (`src/auth.rs`) against the
//! documentation data in `spec/permissions.toml`: for every operation the emulator serves and
//! every principal kind the documentation supports, a token holding exactly the least
//! privileged permission (broad, and fine-grained where documented) is accepted, with the
//! least privileged directory role for acting on another user; a token holding no
//! permission is refused for reads, and one holding only the read permission is refused for
//! writes. The emulator must serve every operation of the file: one it does not serve fails
//! the test (after checking it answers 405 on a known route, 400 on an unknown segment).

use std::collections::BTreeMap;
use std::path::Path;

use graph_phone_emulator::{Emulator, EmulatorHandle, MethodKind, Principal, Tenant};
use serde_json::{Value, json};

const MOBILE: &str = "3179e48a-750b-4051-897c-87b9720928f7";
const ALTERNATE: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
const KINDS: [&str; 3] = ["delegated_self", "delegated_others", "application"];

/// One entry of `spec/permissions.toml`, as far as this test needs it.
struct Entry {
    not_supported: Vec<String>,
    lists: BTreeMap<String, Vec<String>>,
    fine_grained: BTreeMap<String, Vec<String>>,
    roles_for_others: Vec<String>,
}

impl Entry {
    /// The least privileged permissions to try for `kind`: broad, then fine-grained.
    fn least(&self, kind: &str) -> Vec<String> {
        [&self.lists, &self.fine_grained]
            .into_iter()
            .filter_map(|m| m.get(kind).and_then(|l| l.first()).cloned())
            .collect()
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn lists(table: Option<&toml::Value>) -> BTreeMap<String, Vec<String>> {
    KINDS
        .iter()
        .map(|k| (k.to_string(), strings(table.and_then(|t| t.get(k)))))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

fn spec() -> BTreeMap<String, Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/permissions.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}"));
    doc["operations"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(key, e)| {
            let entry = Entry {
                not_supported: strings(e.get("not_supported")),
                lists: lists(Some(e)),
                fine_grained: lists(e.get("fine_grained")),
                roles_for_others: strings(e.get("roles_for_others")),
            };
            (key.clone(), entry)
        })
        .collect()
}

/// A request the emulator serves for an operation of the spec.
struct Call {
    method: &'static str,
    suffix: String,
    body: Option<Value>,
    write: bool,
}

/// How to call `navigation.operation` on the example tenant's Alice, or `None` when the
/// emulator does not serve it (then `unserved` gives the request that must answer 405).
fn call(tenant: &Tenant, navigation: &str, operation: &str) -> Option<Call> {
    if !emulated_navigation(navigation) {
        return None;
    }
    let alice = &tenant.users[0];
    let item_id = || -> String {
        let first = match navigation {
            "phoneMethods" => return MOBILE.to_string(),
            "operations" => alice.operations.first(),
            "methods" => alice.methods.values().flatten().next(),
            other => alice
                .methods
                .iter()
                .find(|(k, _)| k.segment() == other)
                .and_then(|(_, v)| v.first()),
        };
        first
            .and_then(|o| o.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("the example tenant has no {navigation} item"))
            .to_string()
    };
    let read = |suffix: String| Call {
        method: "GET",
        suffix,
        body: None,
        write: false,
    };
    let write = |method, suffix: &str, body| Call {
        method,
        suffix: suffix.to_string(),
        body,
        write: true,
    };
    Some(match (navigation, operation) {
        (_, "list") => read(String::new()),
        (_, "get") => read(format!("/{}", item_id())),
        ("phoneMethods", "create") => write(
            "POST",
            "",
            Some(json!({"phoneNumber": "+1 2065550123", "phoneType": "office"})),
        ),
        ("phoneMethods", "update") => write(
            "PATCH",
            &format!("/{MOBILE}"),
            Some(json!({"phoneNumber": "+1 2065550124"})),
        ),
        ("phoneMethods", "delete") => write("DELETE", &format!("/{ALTERNATE}"), None),
        ("phoneMethods", action @ ("enableSmsSignIn" | "disableSmsSignIn")) => {
            write("POST", &format!("/{MOBILE}/{action}"), None)
        }
        _ => return None,
    })
}

/// The navigations the emulator routes: phones, `methods`, `operations` and the other method
/// kinds it stores.
fn emulated_navigation(navigation: &str) -> bool {
    ["phoneMethods", "methods", "operations"].contains(&navigation)
        || MethodKind::ALL.iter().any(|k| k.segment() == navigation)
}

/// The request for an operation the emulator does not serve, and the status it must answer:
/// 405 on a route it knows, 400 (`Resource not found for the segment`) on a navigation it
/// does not route at all.
fn unserved(navigation: &str, operation: &str) -> (&'static str, String, u16) {
    let item = "/00000000-0000-0000-0000-000000000000";
    let status = if emulated_navigation(navigation) {
        405
    } else {
        400
    };
    let (method, suffix) = match operation {
        "list" => ("GET", String::new()),
        "get" => ("GET", item.to_string()),
        "create" => ("POST", String::new()),
        "update" => ("PATCH", item.to_string()),
        "delete" => ("DELETE", item.to_string()),
        other => panic!(
            "{navigation}.{other} is in spec/permissions.toml but neither served by the emulator \
             nor a CRUD operation; extend tests/permissions_spec.rs"
        ),
    };
    (method, suffix, status)
}

/// The example tenant's user holding `role` (delegated callers acting on Alice).
fn holder_of(tenant: &Tenant, role: &str) -> String {
    tenant
        .users
        .iter()
        .find(|u| u.directory_roles.iter().any(|r| r == role))
        .unwrap_or_else(|| panic!("no user of the example tenant holds {role}"))
        .user_principal_name
        .clone()
}

struct Attempt {
    label: String,
    token: String,
    path: String,
    call: Call,
    expect_ok: bool,
}

fn principal(tenant: &Tenant, kind: &str, entry: &Entry, grants: &[&str]) -> Principal {
    match kind {
        "delegated_self" => {
            Principal::delegated(tenant.users[0].user_principal_name.clone(), grants)
        }
        "delegated_others" => {
            let role = entry.roles_for_others.first().expect("roles_for_others");
            Principal::delegated(holder_of(tenant, role), grants)
        }
        _ => Principal::application(grants),
    }
}

#[tokio::test]
async fn emulator_accepts_the_documented_least_privileged_permissions() {
    let spec = spec();
    let mut tenant = Tenant::example();
    tenant.tokens.clear();
    let alice_id = tenant.users[0].id.clone();
    let mut attempts = Vec::new();
    let mut refused_unserved = Vec::new();
    for (key, entry) in &spec {
        let (navigation, operation) = key.split_once('.').unwrap();
        let Some(template) = call(&tenant, navigation, operation) else {
            refused_unserved.push((key.clone(), unserved(navigation, operation)));
            continue;
        };
        for kind in KINDS {
            if entry.not_supported.iter().any(|k| k == kind) {
                continue;
            }
            let prefix = if kind == "delegated_self" {
                "/me".to_string()
            } else {
                format!("/users/{alice_id}")
            };
            let path = format!("/authentication/{navigation}{}", template.suffix);
            let mut grants: Vec<(String, Vec<String>, bool)> = entry
                .least(kind)
                .into_iter()
                .map(|p| (format!("least privileged {p}"), vec![p], true))
                .collect();
            assert!(!grants.is_empty(), "{key}: no permission listed for {kind}");
            if !template.write {
                grants.push(("no permission".into(), Vec::new(), false));
            } else if let Some(read) = spec
                .get(&format!("{navigation}.get"))
                .and_then(|g| g.lists.get(kind))
                .and_then(|l| l.first())
            {
                grants.push((
                    format!("only the read permission {read}"),
                    vec![read.clone()],
                    false,
                ));
            }
            for (what, granted, expect_ok) in grants {
                let token = format!("t{}", attempts.len());
                let refs: Vec<&str> = granted.iter().map(String::as_str).collect();
                tenant
                    .tokens
                    .insert(token.clone(), principal(&tenant, kind, entry, &refs));
                attempts.push(Attempt {
                    label: format!("{key} as {kind} with {what}"),
                    token,
                    path: format!("{prefix}{path}"),
                    call: Call {
                        method: template.method,
                        suffix: String::new(),
                        body: template.body.clone(),
                        write: template.write,
                    },
                    expect_ok,
                });
            }
        }
    }
    tenant.tokens.insert(
        "app-all".into(),
        Principal::application(&["UserAuthenticationMethod.ReadWrite.All"]),
    );

    let emu = Emulator::builder()
        .tenant(tenant.clone())
        .start()
        .await
        .expect("emulator starts");
    let base = emu.base_url();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let handle: &EmulatorHandle = emu.handle();
    let mut failures = Vec::new();
    for a in &attempts {
        if a.call.write {
            // Every write starts from the same state, so each one is valid on its own.
            let fresh = tenant.clone();
            handle.update_tenant(|t| *t = fresh).expect("reset tenant");
        }
        let mut req = http
            .request(a.call.method.parse().unwrap(), format!("{base}{}", a.path))
            .bearer_auth(&a.token);
        if let Some(body) = &a.call.body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("response");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let ok = (200..300).contains(&status);
        let refused = status == 403;
        if (a.expect_ok && !ok) || (!a.expect_ok && !refused) {
            failures.push(format!(
                "{}: {} {} answered {status} (expected {}): {text}",
                a.label,
                a.call.method,
                a.path,
                if a.expect_ok { "2xx" } else { "403" }
            ));
        }
    }
    for (key, (method, suffix, expected)) in &refused_unserved {
        let (navigation, _) = key.split_once('.').unwrap();
        let url = format!("{base}/users/{alice_id}/authentication/{navigation}{suffix}");
        let mut req = http
            .request(method.parse().unwrap(), url)
            .bearer_auth("app-all");
        if ["POST", "PATCH"].contains(method) {
            req = req.json(&json!({}));
        }
        let status = req.send().await.expect("response").status().as_u16();
        if status != *expected {
            failures.push(format!(
                "{key}: the emulator answered {status} to {method}, not {expected}; if it \
                 serves the operation now, add it to `call` in tests/permissions_spec.rs"
            ));
        }
    }
    emu.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} of {} checks failed:\n{}",
        failures.len(),
        attempts.len() + refused_unserved.len(),
        failures.join("\n")
    );
    // The check covered every kind of operation the emulator serves.
    assert!(attempts.len() > 100, "only {} attempts", attempts.len());
    // It serves every operation of the slice (tests/openapi_coverage.rs checks the same
    // against spec/openapi.json, path by path and cloud by cloud).
    let unserved: Vec<&str> = refused_unserved.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        unserved.is_empty(),
        "operations of the slice the emulator does not serve: {unserved:?}"
    );
}
