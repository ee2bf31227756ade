//! The emulator against `spec/permissions.toml`, the whole matrix, in both directions.
//!
//! For every operation of the file (the emulator must serve each one), every principal kind
//! and every rule, a token is made and the request sent over HTTP to a started emulator:
//!
//! - **permission accepted**: each permission the file lists for the kind, broad and
//!   fine-grained, alone (with the first of `roles_for_others` when acting on another user);
//! - **permission refused** (403 `accessDenied`): no permission, and each permission named
//!   anywhere in the file that the entry does not list for the kind (a read permission for a
//!   write, a self-only scope for another user, another method family's fine-grained one);
//! - **role accepted / refused** (delegated, acting on another user): each role of
//!   `roles_for_others` accepted; no role, each other directory role of the file and an
//!   unrelated role refused (403 `Authorization_RequestDenied`);
//! - **not supported** (403 `accessDenied`): a kind the file marks `not_supported`, with
//!   every permission of the file at once (and the most privileged role);
//! - **recent MFA** (self-service writes): without a recent multi-factor authentication,
//!   refused (403 `accessDenied`);
//! - **personal account** (403 `accessDenied`) and **application on `/me`** (400, "/me request
//!   is only valid with delegated authentication flow.").
//!
//! Delegated callers acting on themselves are tried in both forms (`/me/...` and
//! `/users/{own id}/...`); the others use `/users/{id}/...`. Every write starts from the
//! example tenant, so each is valid on its own. The counts are printed (`--nocapture`).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use graph_phone_emulator::{Emulator, MethodKind, Principal, Tenant};
use serde_json::{Value, json};

const MOBILE: &str = "3179e48a-750b-4051-897c-87b9720928f7";
const ALTERNATE: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
const KINDS: [&str; 3] = ["delegated_self", "delegated_others", "application"];
/// A directory role no entry names.
const UNRELATED_ROLE: &str = "User Administrator";

/// One entry of `spec/permissions.toml`, as far as this test needs it.
struct Entry {
    not_supported: Vec<String>,
    broad: BTreeMap<String, Vec<String>>,
    fine_grained: BTreeMap<String, Vec<String>>,
    roles_for_others: Vec<String>,
}

impl Entry {
    /// Every permission listed for `kind`: broad, then fine-grained.
    fn accepted(&self, kind: &str) -> Vec<String> {
        [&self.broad, &self.fine_grained]
            .into_iter()
            .filter_map(|m| m.get(kind))
            .flatten()
            .cloned()
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
                broad: lists(Some(e)),
                fine_grained: lists(e.get("fine_grained")),
                roles_for_others: strings(e.get("roles_for_others")),
            };
            (key.clone(), entry)
        })
        .collect()
}

/// A request the emulator serves for an operation of the spec.
#[derive(Clone)]
struct Call {
    method: &'static str,
    suffix: String,
    body: Option<Value>,
    write: bool,
}

/// How to call `navigation.operation` on the example tenant's Alice, or `None` when this
/// test does not know the operation (a failure: the emulator must serve every one).
fn call(tenant: &Tenant, navigation: &str, operation: &str) -> Option<Call> {
    let emulated = ["phoneMethods", "methods", "operations"].contains(&navigation)
        || MethodKind::ALL.iter().any(|k| k.segment() == navigation);
    if !emulated {
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
        // Alice has a mobile and an alternate mobile: an office phone is new.
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
        // The mobile is protected (alternate mobile, default MFA): delete the alternate.
        ("phoneMethods", "delete") => write("DELETE", &format!("/{ALTERNATE}"), None),
        ("phoneMethods", action @ ("enableSmsSignIn" | "disableSmsSignIn")) => {
            write("POST", &format!("/{MOBILE}/{action}"), None)
        }
        // Documented on the password method's fixed id; without `newPassword` the service
        // generates one.
        ("methods", "resetPassword") => write(
            "POST",
            "/28c10230-6103-485e-b985-444c60001490/resetPassword",
            Some(json!({})),
        ),
        _ => return None,
    })
}

/// What an attempt must get back.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    Success,
    /// 403 with this error code.
    Forbidden(&'static str),
    /// 400 "/me request is only valid with delegated authentication flow."
    MeNeedsDelegated,
}

struct Attempt {
    /// The rule, for the counts: "permission accepted", "role refused", ...
    rule: &'static str,
    operation: String,
    kind: &'static str,
    label: String,
    token: String,
    path: String,
    call: Call,
    expect: Expect,
}

/// Builds every attempt and registers its token in `tenant`.
struct Matrix<'a> {
    tenant: &'a mut Tenant,
    attempts: Vec<Attempt>,
}

impl Matrix<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: &'static str,
        operation: &str,
        kind: &'static str,
        what: String,
        principal: Principal,
        path: String,
        call: &Call,
        expect: Expect,
    ) {
        let token = format!("matrix-{}", self.attempts.len());
        self.tenant.tokens.insert(token.clone(), principal);
        self.attempts.push(Attempt {
            rule,
            operation: operation.to_string(),
            kind,
            label: format!("{operation} as {kind}: {what}"),
            token,
            path,
            call: call.clone(),
            expect,
        });
    }
}

fn delegated(user: &str, grants: &[String], recent_mfa: bool) -> Principal {
    Principal::Delegated {
        user: user.to_string(),
        scopes: grants.to_vec(),
        recent_mfa,
        cloud: None,
    }
}

#[tokio::test]
async fn the_emulator_enforces_spec_permissions_toml_in_both_directions() {
    let spec = spec();
    let mut tenant = Tenant::example();
    tenant.tokens.clear();
    let alice = tenant.users[0].user_principal_name.clone();
    let alice_id = tenant.users[0].id.clone();
    // Every permission and role the file names: what an entry does not list must be refused.
    let all_permissions: BTreeSet<String> = spec
        .values()
        .flat_map(|e| KINDS.iter().flat_map(|k| e.accepted(k)))
        .collect();
    let all_roles: BTreeSet<String> = spec
        .values()
        .flat_map(|e| e.roles_for_others.clone())
        .chain([UNRELATED_ROLE.to_string()])
        .collect();
    // One caller per role (acting on Alice), and one without any role.
    let mut holders: BTreeMap<String, String> = BTreeMap::new();
    for (i, role) in all_roles.iter().enumerate() {
        let holder = tenant
            .users
            .iter()
            .skip(1)
            .find(|u| u.directory_roles == [role.clone()])
            .map(|u| u.user_principal_name.clone());
        let holder = holder.unwrap_or_else(|| {
            let mut user = tenant.users[1].clone();
            user.id = format!("99999999-0000-4000-8000-{i:012}");
            user.user_principal_name = format!("holder{i}@contoso.com");
            user.directory_roles = vec![role.clone()];
            user.phone_methods.clear();
            user.methods.clear();
            user.operations.clear();
            tenant.users.push(user);
            format!("holder{i}@contoso.com")
        });
        holders.insert(role.clone(), holder);
    }
    let no_role = tenant
        .users
        .iter()
        .skip(1)
        .find(|u| u.directory_roles.is_empty())
        .expect("the example tenant has a user without a directory role")
        .user_principal_name
        .clone();
    let everything: Vec<String> = all_permissions.iter().cloned().collect();
    let most_privileged_role = "Privileged Authentication Administrator".to_string();
    assert!(all_roles.contains(&most_privileged_role));

    let mut unknown = Vec::new();
    let mut matrix = Matrix {
        tenant: &mut tenant,
        attempts: Vec::new(),
    };
    for (key, entry) in &spec {
        let (navigation, operation) = key.split_once('.').unwrap();
        let Some(call) = call(matrix.tenant, navigation, operation) else {
            unknown.push(key.clone());
            continue;
        };
        let me = format!("/me/authentication/{navigation}{}", call.suffix);
        let users = format!(
            "/users/{alice_id}/authentication/{navigation}{}",
            call.suffix
        );
        for kind in KINDS {
            let supported = !entry.not_supported.iter().any(|k| k == kind);
            let accepted = entry.accepted(kind);
            assert_eq!(
                supported,
                !accepted.is_empty(),
                "{key}: {kind} is neither listed nor marked not supported"
            );
            // The forms a caller of this kind uses, and who calls.
            let forms: Vec<&String> = match kind {
                "delegated_self" => vec![&me, &users],
                _ => vec![&users],
            };
            let role = entry.roles_for_others.first().cloned();
            let principal = |grants: &[String], role: Option<&String>| match kind {
                "delegated_self" => delegated(&alice, grants, true),
                "delegated_others" => {
                    let user = role.map_or(&no_role, |r| &holders[r]);
                    delegated(user, grants, true)
                }
                _ => Principal::application(&grants.iter().map(String::as_str).collect::<Vec<_>>()),
            };
            for path in forms {
                let at = |what: &str| {
                    format!(
                        "{what} via {}",
                        &path[..path.find("/authentication").unwrap()]
                    )
                };
                if !supported {
                    let role = Some(&most_privileged_role);
                    matrix.add(
                        "not supported refused",
                        key,
                        kind,
                        at("every permission of the file"),
                        principal(&everything, role),
                        path.clone(),
                        &call,
                        Expect::Forbidden("accessDenied"),
                    );
                    continue;
                }
                for p in &accepted {
                    matrix.add(
                        "permission accepted",
                        key,
                        kind,
                        at(p),
                        principal(std::slice::from_ref(p), role.as_ref()),
                        path.clone(),
                        &call,
                        Expect::Success,
                    );
                }
                matrix.add(
                    "permission refused",
                    key,
                    kind,
                    at("no permission"),
                    principal(&[], role.as_ref()),
                    path.clone(),
                    &call,
                    Expect::Forbidden("accessDenied"),
                );
                for p in all_permissions.iter().filter(|p| !accepted.contains(p)) {
                    matrix.add(
                        "permission refused",
                        key,
                        kind,
                        at(&format!("only {p}")),
                        principal(std::slice::from_ref(p), role.as_ref()),
                        path.clone(),
                        &call,
                        Expect::Forbidden("accessDenied"),
                    );
                }
                if kind == "delegated_self" && call.write {
                    matrix.add(
                        "recent MFA required",
                        key,
                        kind,
                        at("every listed permission, no recent MFA"),
                        delegated(&alice, &accepted, false),
                        path.clone(),
                        &call,
                        Expect::Forbidden("accessDenied"),
                    );
                }
                if kind == "delegated_others" {
                    let least = std::slice::from_ref(&accepted[0]);
                    for r in &all_roles {
                        let ok = entry.roles_for_others.contains(r);
                        matrix.add(
                            if ok { "role accepted" } else { "role refused" },
                            key,
                            kind,
                            at(&format!("{} with role {r}", accepted[0])),
                            delegated(&holders[r], least, true),
                            path.clone(),
                            &call,
                            if ok {
                                Expect::Success
                            } else {
                                Expect::Forbidden("Authorization_RequestDenied")
                            },
                        );
                    }
                    matrix.add(
                        "role refused",
                        key,
                        kind,
                        at(&format!("{} without a role", accepted[0])),
                        delegated(&no_role, least, true),
                        path.clone(),
                        &call,
                        Expect::Forbidden("Authorization_RequestDenied"),
                    );
                }
            }
        }
        matrix.add(
            "application on /me refused",
            key,
            "application",
            "every permission of the file via /me".into(),
            Principal::application(&everything.iter().map(String::as_str).collect::<Vec<_>>()),
            me.clone(),
            &call,
            Expect::MeNeedsDelegated,
        );
        for path in [&me, &users] {
            matrix.add(
                "personal account refused",
                key,
                "personal",
                format!("a personal account via {path}"),
                Principal::Personal { cloud: None },
                path.clone(),
                &call,
                Expect::Forbidden("accessDenied"),
            );
        }
    }
    let attempts = std::mem::take(&mut matrix.attempts);
    assert!(
        unknown.is_empty(),
        "operations of spec/permissions.toml this test cannot call (teach `call` and the \
         emulator): {unknown:?}"
    );

    let emu = Emulator::builder()
        .tenant(tenant.clone())
        .start()
        .await
        .expect("emulator starts");
    let base = emu.base_url();
    let http = support::http_client();
    let handle = emu.handle();
    let mut failures = Vec::new();
    // Every write starts from the example state: reset after any write that succeeded.
    let mut dirty = false;
    for a in &attempts {
        if a.call.write && dirty {
            let fresh = tenant.clone();
            handle.update_tenant(|t| *t = fresh).expect("reset tenant");
            dirty = false;
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
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("");
        let message = body["error"]["message"].as_str().unwrap_or("");
        dirty |= a.call.write && (200..300).contains(&status);
        let ok = match a.expect {
            Expect::Success => (200..300).contains(&status),
            Expect::Forbidden(expected) => status == 403 && code == expected,
            Expect::MeNeedsDelegated => {
                status == 400
                    && code == "BadRequest"
                    && message == "/me request is only valid with delegated authentication flow."
            }
        };
        if !ok {
            failures.push(format!(
                "{}: {} {} answered {status} (expected {:?}): {text}",
                a.label, a.call.method, a.path, a.expect
            ));
        }
    }
    emu.shutdown().await;

    // The counts: operations x principal kinds x rules.
    let operations: BTreeSet<&str> = attempts.iter().map(|a| a.operation.as_str()).collect();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for a in &attempts {
        *by_rule.entry(a.rule).or_default() += 1;
        *by_kind.entry(a.kind).or_default() += 1;
        pairs.insert((a.operation.as_str(), a.kind));
    }
    let accepted = attempts
        .iter()
        .filter(|a| a.expect == Expect::Success)
        .count();
    println!(
        "permission matrix: {} operations, {} (operation, principal kind) pairs, {} cases \
         ({accepted} accepted, {} refused)",
        operations.len(),
        pairs.len(),
        attempts.len(),
        attempts.len() - accepted
    );
    for (rule, n) in &by_rule {
        println!("  rule {rule}: {n}");
    }
    for (kind, n) in &by_kind {
        println!("  kind {kind}: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        attempts.len(),
        failures.join("\n")
    );
    // The walk covered the whole file: every operation, each with every principal kind.
    assert_eq!(operations.len(), spec.len());
    for rule in [
        "permission accepted",
        "permission refused",
        "role accepted",
        "role refused",
        "not supported refused",
        "recent MFA required",
        "application on /me refused",
        "personal account refused",
    ] {
        assert!(
            by_rule.get(rule).is_some_and(|n| *n > 0),
            "no case for {rule}"
        );
    }
}
