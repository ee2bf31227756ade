//! The single-user commands, `export`, masking, exit codes and bad input, end to end: the
//! `graph-phone` binary against an in-process emulator over HTTP.

mod common;

use common::{command, emulator, output, run, temp_dir, writes};
use graph_phone_emulator::{FaultKind, FaultRule, PhoneType, RetryAfter, SmsSignInState};
use serde_json::Value;

const CAROL: &str = "carol@contoso.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_show_list_sms_and_delete_change_the_tenant() {
    let emu = emulator().await;
    let h = emu.handle();

    let out = run(&emu, "app-rw", &["set", CAROL, "mobile", "+1 2065550123"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "c***@contoso.com: mobile created (+1 ********23)\n"
    );
    let carol = h.user(CAROL).unwrap();
    assert_eq!(
        carol.phone(PhoneType::Mobile).unwrap().phone_number,
        "+1 2065550123"
    );

    // The same number again: nothing written.
    let before = writes(&h.requests()).len();
    let out = run(&emu, "app-rw", &["set", CAROL, "mobile", "+1 2065550123"]).await;
    assert_eq!(
        out.stdout,
        "c***@contoso.com: mobile unchanged (+1 ********23)\n"
    );
    assert_eq!(writes(&h.requests()).len(), before);

    let out = run(&emu, "app-rw", &["set", CAROL, "mobile", "+1 2065550124"]).await;
    assert_eq!(
        out.stdout,
        "c***@contoso.com: mobile updated (+1 ********24)\n"
    );
    let carol = h.user(CAROL).unwrap();
    assert_eq!(
        carol.phone(PhoneType::Mobile).unwrap().phone_number,
        "+1 2065550124"
    );

    let out = run(
        &emu,
        "app-rw",
        &["set", CAROL, "alternateMobile", "+1 2065550125"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");

    let out = run(&emu, "app-rw", &["enable-sms", CAROL]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "c***@contoso.com: mobile SMS sign-in enabled\n");
    let mobile = h
        .user(CAROL)
        .unwrap()
        .phone(PhoneType::Mobile)
        .unwrap()
        .clone();
    assert_eq!(mobile.state(), SmsSignInState::Ready);

    let out = run(&emu, "app-rw", &["--json", "show", CAROL, "mobile"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let shown: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(shown["phoneType"], "mobile");
    assert_eq!(shown["phoneNumber"], "+1 ********24");
    assert_eq!(shown["smsSignInState"], "ready");
    assert_eq!(shown["id"], "3179e48a-750b-4051-897c-87b9720928f7");

    let out = run(&emu, "app-rw", &["--json", "--show-numbers", "list", CAROL]).await;
    let listed: Value = serde_json::from_str(&out.stdout).unwrap();
    let numbers: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phoneNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["+1 2065550124", "+1 2065550125"]);

    let out = run(&emu, "app-rw", &["disable-sms", CAROL]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let mobile = h
        .user(CAROL)
        .unwrap()
        .phone(PhoneType::Mobile)
        .unwrap()
        .clone();
    assert_ne!(mobile.state(), SmsSignInState::Ready);

    let out = run(&emu, "app-rw", &["delete", CAROL, "alternateMobile"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "c***@contoso.com: alternateMobile deleted\n");
    assert!(
        h.user(CAROL)
            .unwrap()
            .phone(PhoneType::AlternateMobile)
            .is_none()
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_and_user_principal_names_are_masked_unless_asked() {
    let emu = emulator().await;
    for args in [
        vec!["list", "alice@contoso.com"],
        vec!["--json", "list", "alice@contoso.com"],
        vec!["show", "alice@contoso.com", "alternateMobile"],
        vec!["methods", "alice@contoso.com"],
        vec!["--json", "methods", "alice@contoso.com"],
        vec!["show", "alice@contoso.com", "office"], // a 404: the error too
        vec!["set", "alice@contoso.com", "mobile", "+1 2065550109x"], // invalid number
    ] {
        let out = run(&emu, "app-rw", &args).await;
        let all = out.all();
        for secret in ["2065550100", "2065550101", "2065550109", "alice@", "app-rw"] {
            assert!(!all.contains(secret), "{args:?} printed {secret}: {all}");
        }
    }
    let out = run(&emu, "app-rw", &["list", "alice@contoso.com"]).await;
    assert!(out.stdout.contains("+1 ********00"), "{}", out.stdout);
    assert!(
        out.stdout.contains("a***@contoso.com: 2 phone method(s)"),
        "{}",
        out.stdout
    );
    let out = run(
        &emu,
        "app-rw",
        &["--show-numbers", "list", "alice@contoso.com"],
    )
    .await;
    assert!(out.stdout.contains("+1 2065550100"), "{}", out.stdout);
    assert!(out.stdout.contains("+1 2065550101"), "{}", out.stdout);
    assert!(out.stdout.contains("alice@contoso.com: 2 phone method(s)"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_lists_every_kind() {
    let emu = emulator().await;
    let out = run(
        &emu,
        "app-read",
        &["--json", "methods", "alice@contoso.com"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let methods: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut kinds: Vec<&str> = methods
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["@odata.type"].as_str().unwrap())
        .collect();
    kinds.sort();
    kinds.dedup();
    for kind in [
        "#microsoft.graph.phoneAuthenticationMethod",
        "#microsoft.graph.passwordAuthenticationMethod",
        "#microsoft.graph.fido2AuthenticationMethod",
        "#microsoft.graph.emailAuthenticationMethod",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let out = run(&emu, "app-read", &["methods", "alice@contoso.com"]).await;
    assert!(out.stdout.contains("fido2 "), "{}", out.stdout);
    assert!(out.stdout.contains("phone ") && out.stdout.contains("mobile +1 ********00"));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_say_what_happened() {
    let emu = emulator().await;
    let h = emu.handle();

    // 2: no credentials, a bad argument, a bad option; nothing sent.
    let mut cmd = command();
    cmd.args(["--base-url", &emu.base_url(), "list", CAROL]);
    let out = output(cmd).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("no credentials: give --token"),
        "{}",
        out.stderr
    );
    let out = run(&emu, "app-rw", &["set", CAROL, "mobile", "2065550123"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("argument NUMBER: phone number must start with '+'"),
        "{}",
        out.stderr
    );
    let out = run(&emu, "app-rw", &["show", CAROL, "fax"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(&emu, "app-rw", &["list", ".."]).await;
    assert_eq!(out.code, 2, "{out:?}");
    // China's metadata has no SMS sign-in actions: refused before sending.
    let out = run(&emu, "app-rw", &["--cloud", "china", "enable-sms", CAROL]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("not available in the china cloud"),
        "{}",
        out.stderr
    );
    assert!(h.requests().is_empty(), "{:?}", h.requests());

    // 3: a token Graph does not accept, or one without the permission.
    let out = run(&emu, "not-a-token", &["list", CAROL]).await;
    assert_eq!(out.code, 3, "{out:?}");
    let out = run(&emu, "app-read", &["set", CAROL, "office", "+1 2065550199"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("403"), "{}", out.stderr);

    // 1: Graph refused: no such user; the default MFA method cannot be deleted.
    let out = run(&emu, "app-rw", &["list", "nobody@contoso.com"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("404"), "{}", out.stderr);
    let out = run(&emu, "app-rw", &["delete", "alice@contoso.com", "mobile"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        h.user("alice@contoso.com")
            .unwrap()
            .phone(PhoneType::Mobile)
            .is_some()
    );

    // 4: throttled on every attempt.
    h.add_fault(
        FaultRule::new(
            "GET",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(0.01)),
            },
        )
        .times(20),
    );
    let out = run(&emu, "app-rw", &["list", CAROL]).await;
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("throttled"), "{}", out.stderr);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_input_format_and_round_trips() {
    let emu = emulator().await;
    let dir = temp_dir("export");
    let users = dir.join("users.csv");
    std::fs::write(
        &users,
        "user,note\nalice@contoso.com,x\nbob@contoso.com,y\n33333333-3333-3333-3333-333333333333,z\n",
    )
    .unwrap();
    let users_arg = users.to_str().unwrap();

    let out = run(&emu, "app-read", &["export", users_arg]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "user,mobile,alternateMobile,office,smsSignIn\n\
         a***@contoso.com,+1 ********00,+1 ********01,,enabled\n\
         b***@contoso.com,,,+44 ********00,\n\
         33333333-3333-3333-3333-333333333333,,,,\n"
    );

    let exported = dir.join("current.csv");
    let out = run(
        &emu,
        "app-read",
        &[
            "--show-numbers",
            "export",
            users_arg,
            "-o",
            exported.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        "user,mobile,alternateMobile,office,smsSignIn\n\
         alice@contoso.com,+1 2065550100,+1 2065550101,,enabled\n\
         bob@contoso.com,,,+44 2079460000x123,\n\
         33333333-3333-3333-3333-333333333333,,,,\n"
    );
    // The export is a valid input file: exported as JSON from it, the same users and phones.
    let out = run(
        &emu,
        "app-read",
        &[
            "--json",
            "--show-numbers",
            "export",
            exported.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[0]["user"], "alice@contoso.com");
    assert_eq!(rows[0]["mobile"], "+1 2065550100");
    assert_eq!(rows[1]["office"], "+44 2079460000x123");
    assert_eq!(rows[2]["mobile"], Value::Null);

    // One unknown user: the others are exported, the error named, exit 1.
    std::fs::write(&users, "user\nalice@contoso.com\nnobody@contoso.com\n").unwrap();
    let out = run(&emu, "app-read", &["export", users_arg]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("a***@contoso.com,+1 ********00"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("n***@contoso.com: Graph error 404"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_input_file_is_named_by_place_and_nothing_is_sent() {
    let emu = emulator().await;
    let dir = temp_dir("bad-input");
    let file = dir.join("users.json");
    std::fs::write(
        &file,
        "[\n  {\"user\": \"alice@contoso.com\"},\n  {\"user\": 2065550100}\n]\n",
    )
    .unwrap();
    let out = run(&emu, "app-read", &["export", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 2, "{out:?}");
    let expected = format!(
        "error: {}:3:12: row 2: field user: expected the user's object id or user principal \
         name in quotes, found a number\n",
        file.display()
    );
    assert_eq!(out.stderr, expected);
    assert!(emu.handle().requests().is_empty());

    let missing = dir.join("missing.csv");
    let out = run(&emu, "app-read", &["export", missing.to_str().unwrap()]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("cannot read the file"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

/// `--auth azure-cli` runs azure_identity's Azure CLI credential, which runs `az account
/// get-access-token`: here a stand-in `az` on PATH that answers with the emulator's token.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_cli_credential_gets_the_token_from_az() {
    use std::os::unix::fs::PermissionsExt;

    let emu = emulator().await;
    let dir = temp_dir("azure-cli");
    let az = dir.join("az");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/calls\"\n\
             echo '{{\"accessToken\":\"app-read\",\"expires_on\":{expires},\"tokenType\":\"Bearer\"}}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut cmd = command();
    cmd.env("PATH", &path).args([
        "--base-url",
        &emu.base_url(),
        "--auth",
        "azure-cli",
        "list",
        "alice@contoso.com",
    ]);
    let out = output(cmd).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("a***@contoso.com: 2 phone method(s)"),
        "{}",
        out.stdout
    );
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
    assert!(calls.contains("account get-access-token"), "{calls}");
    assert!(
        calls.contains("https://graph.microsoft.com/.default"),
        "{calls}"
    );

    // The US Government cloud asks az for its own scope.
    let mut cmd = command();
    cmd.env("PATH", &path).args([
        "--base-url",
        &emu.base_url(),
        "--cloud",
        "usgov-l4",
        "--auth",
        "azure-cli",
        "list",
        "alice@contoso.com",
    ]);
    let _ = output(cmd).await;
    let calls = std::fs::read_to_string(dir.join("calls")).unwrap();
    assert!(
        calls.contains("https://graph.microsoft.us/.default"),
        "{calls}"
    );

    // An az that fails: exit 3, with azure_identity's reason.
    std::fs::write(&az, "#!/bin/sh\necho 'Please run az login' >&2\nexit 1\n").unwrap();
    let mut cmd = command();
    cmd.env("PATH", &path).args([
        "--base-url",
        &emu.base_url(),
        "--auth",
        "azure-cli",
        "list",
        "alice@contoso.com",
    ]);
    let out = output(cmd).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("authentication failed"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_missing_their_settings_are_usage_errors() {
    let emu = emulator().await;
    let mut cmd = command();
    cmd.args([
        "--base-url",
        &emu.base_url(),
        "--auth",
        "client-secret",
        "list",
        CAROL,
    ])
    .env("AZURE_TENANT_ID", "contoso.onmicrosoft.com");
    let out = output(cmd).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("--auth client-secret needs --client-id"),
        "{}",
        out.stderr
    );
    let mut cmd = command();
    cmd.args([
        "--base-url",
        &emu.base_url(),
        "--auth",
        "client-certificate",
        "list",
        CAROL,
    ]);
    let out = output(cmd).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(emu.handle().requests().is_empty());
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_reads_and_prints_the_writes_without_sending_any() {
    let emu = emulator().await;
    let dir = temp_dir("plan");
    let file = dir.join("desired.csv");
    std::fs::write(
        &file,
        "user,mobile,alternateMobile,office,smsSignIn\n\
         alice@contoso.com,+1 2065550177,,,\n\
         bob@contoso.com,,,+44 2079460000x123,\n\
         carol@contoso.com,+1 2065550178,,,enabled\n\
         nobody@contoso.com,,,,\n",
    )
    .unwrap();
    let out = run(&emu, "app-read", &["plan", file.to_str().unwrap()]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout.lines().take(7).collect::<Vec<_>>(),
        [
            "a***@contoso.com:",
            "  1. update mobile number to +1 ********77",
            "  2. delete alternateMobile",
            "b***@contoso.com: unchanged",
            "c***@contoso.com:",
            "  1. create mobile +1 ********78",
            "  2. enable SMS sign-in on mobile",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "n***@contoso.com: cannot plan (line 5): user n***@contoso.com: reading the \
             phone methods: Graph error 404"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("4 user(s): 1 unchanged, 2 to change (4 write(s)), 1 failed\n")
    );
    // Reads only (single or in JSON batches, whose items are logged one by one).
    let log = emu.handle().requests();
    assert!(!log.iter().any(|r| r.applied), "{log:?}");
    assert!(
        log.iter()
            .filter(|r| r.user_id.is_some())
            .all(|r| r.method == "GET"),
        "{log:?}"
    );

    let out = run(
        &emu,
        "app-read",
        &["--json", "--show-numbers", "plan", file.to_str().unwrap()],
    )
    .await;
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["summary"]["writes"], 4);
    assert_eq!(plan["users"][2]["steps"][0]["number"], "+1 2065550178");
    assert_eq!(plan["users"][3]["status"], "failed");
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

/// `--auth managed-identity` runs azure_identity's managed identity credential; with
/// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` set (as App Service sets them) it asks that
/// endpoint: here a local one that answers with the emulator's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_credential_gets_the_token_from_the_identity_endpoint() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let emu = emulator().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/msi/token", listener.local_addr().unwrap());
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // The head of a GET: up to the blank line (bounded by the buffer reads).
        for _ in 0..64 {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            if n == 0 || request.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let body = format!(
            "{{\"access_token\":\"app-read\",\"expires_on\":\"{expires}\",\"token_type\":\"Bearer\",\"resource\":\"https://graph.microsoft.com\"}}"
        );
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&request).into_owned()
    });
    let mut cmd = command();
    cmd.env("IDENTITY_ENDPOINT", &endpoint)
        .env("IDENTITY_HEADER", "local-secret")
        .args([
            "--base-url",
            &emu.base_url(),
            "--auth",
            "managed-identity",
            "list",
            "alice@contoso.com",
        ]);
    let out = output(cmd).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("a***@contoso.com: 2 phone method(s)"),
        "{}",
        out.stdout
    );
    let request = server.await.unwrap().to_ascii_lowercase();
    assert!(request.starts_with("get /msi/token?"), "{request}");
    assert!(
        request.contains("resource=https%3a%2f%2fgraph.microsoft.com"),
        "{request}"
    );
    assert!(
        request.contains("x-identity-header: local-secret"),
        "{request}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_takes_users_to_the_file_and_twice_is_once() {
    let emu = emulator().await;
    let h = emu.handle();
    let dir = temp_dir("apply");
    let file = dir.join("desired.csv");
    std::fs::write(
        &file,
        "user,mobile,alternateMobile,office,smsSignIn\n\
         alice@contoso.com,,,,\n\
         bob@contoso.com,,,+44 2079460000x123,\n\
         carol@contoso.com,+1 2065550178,+1 2065550179,,enabled\n",
    )
    .unwrap();
    let file_arg = file.to_str().unwrap();

    let out = run(&emu, "app-rw", &["apply", file_arg]).await;
    // Alice's mobile is her default MFA method: Graph refuses its delete; the others apply.
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .starts_with("3 user(s): 1 unchanged, 1 applied, 1 failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("b***@contoso.com: unchanged"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("c***@contoso.com: applied"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("a***@contoso.com: FAILED at 'delete mobile'"),
        "{}",
        out.stdout
    );
    assert!(
        !out.all().contains("2065550178") && !out.all().contains("carol@"),
        "{out:?}"
    );
    assert!(dir.join("desired.csv.journal").exists());
    let carol = h.user(CAROL).unwrap();
    assert_eq!(
        carol.phone(PhoneType::Mobile).unwrap().phone_number,
        "+1 2065550178"
    );
    assert_eq!(
        carol.phone(PhoneType::Mobile).unwrap().state(),
        SmsSignInState::Ready
    );
    assert_eq!(
        carol
            .phone(PhoneType::AlternateMobile)
            .unwrap()
            .phone_number,
        "+1 2065550179"
    );

    // Again, with the same journal: carol and bob need no write; the report covers both runs.
    let carol_id = carol.id.clone();
    let before = writes(&h.requests())
        .iter()
        .filter(|r| r.user_id.as_deref() == Some(carol_id.as_str()))
        .count();
    let out = run(
        &emu,
        "app-rw",
        &["--json", "--show-numbers", "apply", file_arg],
    )
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    let after = writes(&h.requests())
        .iter()
        .filter(|r| r.user_id.as_deref() == Some(carol_id.as_str()))
        .count();
    assert_eq!(before, after, "a second apply wrote again");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["runs"].as_array().unwrap().len(), 2, "{report}");
    let carol_report = report["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == CAROL)
        .unwrap();
    assert_eq!(
        carol_report["outcome"]["outcome"], "applied",
        "{carol_report}"
    );
    assert_eq!(
        carol_report["applied"][0]["step"]["number"],
        "+1 2065550178"
    );

    // A journal that cannot be opened: exit 5, nothing sent.
    let requests = h.requests().len();
    let journal = dir.join("no-such-dir").join("j");
    let out = run(
        &emu,
        "app-rw",
        &["apply", file_arg, "--journal", journal.to_str().unwrap()],
    )
    .await;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.starts_with("error: journal: "), "{}", out.stderr);
    assert_eq!(h.requests().len(), requests);

    // A bad file: exit 2 with the place, nothing sent, no journal touched.
    let requests = h.requests().len();
    std::fs::write(
        &file,
        "user,mobile,alternateMobile,office\ncarol@contoso.com,+1 206x,,\n",
    )
    .unwrap();
    let out = run(&emu, "app-rw", &["apply", file_arg]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("desired.csv:2:19: field mobile:"),
        "{}",
        out.stderr
    );
    assert_eq!(h.requests().len(), requests);
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

/// The progress bar is drawn on a terminal only, and not with `--json`: `plan` run under
/// `script` (util-linux), which gives it a pseudo-terminal, against an emulator that answers
/// slowly enough for the bar to be drawn.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_bar_is_drawn_on_a_terminal_only() {
    let emu = emulator().await;
    emu.handle()
        .set_faults(graph_phone_emulator::FaultPlan::parse("GET * latency ms=300").unwrap());
    let dir = temp_dir("progress");
    let file = dir.join("desired.csv");
    std::fs::write(
        &file,
        "user,mobile,alternateMobile,office\nalice@contoso.com,,,\nbob@contoso.com,,,\n",
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_graph-phone");
    for (json, drawn) in [("", true), ("--json", false)] {
        let mut script = tokio::process::Command::new("script");
        script
            .env("GRAPH_PHONE_TOKEN", "app-read")
            .env("GRAPH_PHONE_BASE_URL", emu.base_url())
            .args([
                "-qec",
                &format!("{binary} {json} plan --concurrency 1 {}", file.display()),
                "/dev/null",
            ])
            .stdin(std::process::Stdio::null());
        let out = output(script).await;
        assert_eq!(out.code, 0, "{out:?} (needs `script` from util-linux)");
        assert_eq!(
            out.stdout.contains("2 users (") && out.stdout.contains("ETA"),
            drawn,
            "{json}: {}",
            out.stdout
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}
