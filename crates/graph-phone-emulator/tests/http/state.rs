//! Seeding through the handle, the state file, and the binary.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use graph_phone_emulator::{Emulator, PhoneMethod, PhoneType, Principal, Tenant, User};
use serde_json::json;

use crate::common::*;

fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("gpe-{}-{nanos}-{name}", std::process::id()))
}

#[tokio::test]
async fn the_handle_seeds_and_validates() {
    let ctx = Ctx::with(Emulator::builder()).await;
    ctx.get("/me/authentication/phoneMethods", "t")
        .await
        .expect(401, "InvalidAuthenticationToken");
    let h = ctx.emu.handle();
    h.update_tenant(|t| {
        let mut user = User::new("abc", "zoe@contoso.com");
        user.phone_methods
            .push(PhoneMethod::new(PhoneType::Mobile, "+1 5550100"));
        t.users.push(user);
        t.tokens.insert(
            "t".into(),
            Principal::delegated("zoe@contoso.com", &["UserAuthenticationMethod.Read"]),
        );
    })
    .unwrap();
    let r = ctx.get("/me/authentication/phoneMethods", "t").await;
    r.ok(200);
    assert_eq!(r.json["value"][0]["smsSignInState"], "notAllowedByPolicy");
    // An invalid change is refused and rolled back.
    let err = h.update_tenant(|t| {
        t.users[0]
            .phone_methods
            .push(PhoneMethod::new(PhoneType::Mobile, "+1 5550101"))
    });
    assert!(err.is_err());
    assert_eq!(h.user("ZOE@contoso.com").unwrap().phone_methods.len(), 1);
    let err = h.update_tenant(|t| {
        t.users[0]
            .phone_methods
            .push(PhoneMethod::new(PhoneType::Office, "5550101"))
    });
    assert!(err.is_err());
}

#[test]
fn invalid_tenant_files_are_refused() {
    for bad in [
        json!({"users": [{"id": "a", "userPrincipalName": "a@x"}, {"id": "A", "userPrincipalName": "b@x"}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "phoneMethods": [{"phoneType": "alternateMobile", "phoneNumber": "+1 555"}]}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "colour": "red"}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"emailMethods": [{"emailAddress": "x"}]}}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"phoneMethods": []}}]}),
        json!({"tokens": {"t": {"kind": "delegated", "user": "ghost@x"}}}),
        json!({"tokens": {"t": {"kind": "robot"}}}),
        // Stored methods are checked against the generated types.
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"temporaryAccessPassMethods": [{"id": "t", "lifetimeInMinutes": "sixty"}]}}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "operations": [{"id": "o", "createdDateTime": "yesterday"}]}]}),
        json!({"users": [{"id": "a", "userPrincipalName": "a@x", "phoneMethods": [{"phoneType": "mobile", "phoneNumber": "+1 555", "createdDateTime": "yesterday"}]}]}),
        json!({"tokens": {"t": {"kind": "application", "roles": [], "colour": "red"}}}),
        json!({"tokens": {"t": {"kind": "application", "cloud": "mars"}}}),
    ] {
        assert!(Tenant::from_json(&bad.to_string()).is_err(), "{bad}");
    }
    let example = Tenant::from_json(include_str!("../../tenant.example.json")).unwrap();
    assert_eq!(Tenant::from_json(&example.to_json()).unwrap(), example);
}

/// A stored method that does not read as its generated type is named, with the problem, but
/// not with the stored value: serde's message quoted it (an e-mail address, a device name).
#[test]
fn a_bad_stored_method_is_refused_without_its_value() {
    for (bad, secret) in [
        (
            json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"emailMethods": [{"id": "e", "emailAddress": "kim@contoso.com", "createdDateTime": "kim@contoso.com"}]}}]}),
            "kim@contoso.com",
        ),
        (
            json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"temporaryAccessPassMethods": [{"id": "t", "lifetimeInMinutes": "+1 2065550177"}]}}]}),
            "2065550177",
        ),
        (
            json!({"users": [{"id": "a", "userPrincipalName": "a@x", "methods": {"windowsHelloForBusinessMethods": [{"id": "w", "displayName": "ALICE-LAPTOP", "createdDateTime": "ALICE-LAPTOP"}]}}]}),
            "ALICE-LAPTOP",
        ),
    ] {
        let err = Tenant::from_json(&bad.to_string()).expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("user `a`"), "{message}");
        assert!(!message.contains(secret), "{message}");
    }
}

#[tokio::test]
async fn the_state_file_survives_a_restart() {
    let path = temp_path("state.json");
    let first = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .state_file(&path),
    )
    .await;
    assert!(path.exists(), "written at start");
    first
        .post(
            &user_path(ALICE, "phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}),
        )
        .await
        .ok(201);
    first
        .call(
            "POST",
            &format!("/me/authentication/phoneMethods/{MOBILE}/disableSmsSignIn"),
            Some("alice-rw"),
            None,
        )
        .await
        .ok(204);
    first.emu.shutdown().await;

    // The state file wins over the tenant given to the builder.
    let second = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::default())
            .state_file(&path),
    )
    .await;
    let r = second
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    r.ok(200);
    let states: Vec<(&str, &str)> = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["phoneType"].as_str().unwrap(),
                i["smsSignInState"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("mobile", "notEnabled"),
            ("alternateMobile", "notSupported"),
            ("office", "notSupported")
        ]
    );
    second.emu.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn the_binary_serves_until_interrupted_and_logs_no_secrets() {
    let state = temp_path("bin-state.json");
    let (mut child, base) = spawn_binary(
        Command::new(env!("CARGO_BIN_EXE_graph-phone-emulator"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--page-size",
                "1",
                "--cloud",
                "global",
                "--verbose",
            ])
            .args([
                "--faults",
                "seed=1; GET methods 503 retry-after=0.01 times=1",
            ])
            .arg("--state")
            .arg(&state),
    );
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1.0"),
        "{base}"
    );

    let http = client();
    let get = |path: &str| {
        http.get(format!("{base}{path}"))
            .bearer_auth("alice-rw")
            .send()
    };
    assert_eq!(
        get("/me/authentication/methods").await.unwrap().status(),
        503
    );
    let page = get("/me/authentication/methods")
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 1);
    assert!(page["@odata.nextLink"].is_string());
    let created = http
        .post(format!("{base}/users/{ALICE}/authentication/phoneMethods"))
        .bearer_auth("app-rw")
        .json(&json!({"phoneNumber": "+1 4255550177", "phoneType": "office"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the binary did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("/users/{id}/authentication/phoneMethods"),
        "{logs}"
    );
    assert!(
        logs.contains("+1 42******77"),
        "the masked number is logged: {logs}"
    );
    for secret in ["alice-rw", "app-rw", "4255550177", "2065550100"] {
        assert!(!logs.contains(secret), "logs leak {secret}: {logs}");
    }
    let saved = Tenant::from_json(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(saved.users[0].phone(PhoneType::Office).is_some());
    let _ = std::fs::remove_file(&state);
}

/// A fresh directory for one test's state file.
fn temp_dir(name: &str) -> PathBuf {
    let dir = temp_path(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_second_emulator_on_the_same_state_file_is_refused() {
    let dir = temp_dir("locked");
    let path = dir.join("state.json");
    let first = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .state_file(&path),
    )
    .await;
    // In this process...
    let err = Emulator::builder()
        .state_file(&path)
        .start()
        .await
        .expect_err("a second emulator on the same state file");
    assert!(
        matches!(err, graph_phone_emulator::Error::StateLocked { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()) && message.contains("in use"),
        "{message}"
    );
    // ... and in another one.
    let out = Command::new(env!("CARGO_BIN_EXE_graph-phone-emulator"))
        .arg("--state")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the second process started");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another emulator"), "{stderr}");
    // The first one's updates are still the file's.
    first
        .post(
            &format!("/users/{ALICE}/authentication/phoneMethods"),
            "app-rw",
            json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}),
        )
        .await
        .ok(201);
    first.emu.shutdown().await;
    // Once it has stopped, the file is free again.
    let second = Ctx::with(Emulator::builder().state_file(&path)).await;
    assert!(
        second
            .emu
            .handle()
            .user("alice@contoso.com")
            .unwrap()
            .phone(PhoneType::Office)
            .is_some()
    );
    second.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The save used to fail silently: the change was answered 201 and served, and lost at the
/// next restart.
#[tokio::test]
async fn a_change_that_cannot_be_saved_is_a_503_and_is_not_applied() {
    let dir = temp_dir("unsaved");
    let path = dir.join("state.json");
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .state_file(&path),
    )
    .await;
    let h = ctx.emu.handle();
    let before = h.tenant();
    // Saving needs the directory (for the temporary file): take it away.
    std::fs::remove_dir_all(&dir).unwrap();
    let office = json!({"phoneNumber": "+1 4255550100", "phoneType": "office"});
    ctx.post(
        &format!("/users/{ALICE}/authentication/phoneMethods"),
        "app-rw",
        office.clone(),
    )
    .await
    .expect(503, "serviceNotAvailable");
    ctx.delete(
        &format!("/me/authentication/phoneMethods/{ALTERNATE}"),
        "alice-rw",
    )
    .await
    .expect(503, "serviceNotAvailable");
    assert_eq!(h.tenant(), before, "the served state changed");
    let r = ctx
        .get("/me/authentication/phoneMethods", "alice-read")
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 2, "{}", r.text);
    assert!(h.requests().iter().all(|r| !r.applied));
    let err = h
        .update_tenant(|t| t.users[0].policy.sms_sign_in_enabled = false)
        .expect_err("update_tenant cannot save either");
    assert!(err.to_string().contains("state.json"), "{err}");
    assert_eq!(h.tenant(), before);

    // With the directory back, changes are saved and applied again, atomically.
    std::fs::create_dir_all(&dir).unwrap();
    ctx.post(
        &format!("/users/{ALICE}/authentication/phoneMethods"),
        "app-rw",
        office,
    )
    .await
    .ok(201);
    let saved = Tenant::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(saved.users[0].phone(PhoneType::Office).is_some());
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["state.json"], "no temporary file is left behind");
    ctx.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_corrupt_state_file_is_named_with_the_position_and_no_value_from_it() {
    let dir = temp_dir("corrupt");
    let path = dir.join("state.json");
    for (text, position, secrets) in [
        // A number where a string belongs.
        (
            "{\n  \"users\": [\n    {\"id\": \"a\", \"userPrincipalName\": \"a@x\", \"phoneMethods\": [{\"phoneType\": \"mobile\", \"phoneNumber\": 12065550177}]}\n  ]\n}",
            "line 3, column 111",
            &["12065550177", "2065550177"][..],
        ),
        // A number as an enum member.
        (
            "{\"users\": [{\"id\": \"a\", \"userPrincipalName\": \"a@x\", \"phoneMethods\": [{\"phoneType\": \"+1 2065550177\", \"phoneNumber\": \"+1 2065550100\"}]}]}",
            "line 1, column ",
            &["2065550177"][..],
        ),
        // A token mapped to a string instead of a principal.
        (
            "{\n  \"tokens\": {\n    \"sekret-token-1\": \"sekret-token-2\"\n  }\n}",
            "line 3, column ",
            &["sekret-token-2", "sekret-token-1"][..],
        ),
        // Valid JSON, broken rules: the names are not quoted either.
        (
            "{\"users\": [{\"id\": \"a\", \"userPrincipalName\": \"bob@contoso.com\"}, {\"id\": \"b\", \"userPrincipalName\": \"BOB@contoso.com\"}]}",
            "invalid tenant: user `b` has the userPrincipalName of another user",
            &["bob@contoso.com", "BOB@contoso.com"][..],
        ),
        (
            "{\"tokens\": {\"sekret-token-3\": {\"kind\": \"delegated\", \"user\": \"ghost@contoso.com\"}}}",
            "invalid tenant: a delegated token names a user",
            &["sekret-token-3", "ghost@contoso.com"][..],
        ),
        // Broken syntax right after a user principal name and a number.
        (
            "{\"users\": [{\"id\": \"a\", \"userPrincipalName\": \"bob@contoso.com\" \"phone\": +1 2065550177}]}",
            "line 1, column ",
            &["bob@contoso.com", "2065550177"][..],
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = Emulator::builder()
            .state_file(&path)
            .start()
            .await
            .expect_err("a corrupt state file is refused");
        let message = err.to_string();
        assert!(
            message.contains(&path.display().to_string()) && message.contains(position),
            "{text}: {message}"
        );
        for secret in secrets {
            assert!(!message.contains(secret), "{message} quotes {secret}");
            assert!(
                !format!("{err:?}").contains(secret),
                "{err:?} quotes {secret}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tests print tenants in failure messages: `Debug` keeps tokens, user principal names, phone
/// numbers and stored method contents out.
#[test]
fn a_tenant_debugs_without_personal_data() {
    let tenant = Tenant::example();
    let shown = format!("{tenant:?}");
    assert!(shown.contains(ALICE), "ids stay readable: {shown}");
    assert!(shown.contains("Mobile"), "{shown}");
    for user in &tenant.users {
        assert!(!shown.contains(&user.user_principal_name), "{shown}");
        for phone in &user.phone_methods {
            let digits: String = phone
                .phone_number
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let subscriber = &digits[digits.len().saturating_sub(8)..];
            assert!(!shown.contains(subscriber), "{shown}");
        }
        for items in user.methods.values() {
            for item in items {
                for value in item.values().filter_map(|v| v.as_str()) {
                    if value.contains('@') || value.len() > 40 {
                        assert!(!shown.contains(value), "{value} in {shown}");
                    }
                }
            }
        }
    }
    for token in tenant.tokens.keys() {
        assert!(!shown.contains(&format!("\"{token}\"")), "{shown}");
    }
}
