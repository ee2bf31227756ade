//! The server surviving its users: half-sent requests, too many connections, running out of
//! file descriptors, and a bounded request log.

use std::time::Duration;

use graph_phone_emulator::{Emulator, FaultKind, FaultRule, MAX_RECORDED_LEN, Tenant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// A generous bound for anything the server should do "soon": a slow machine is not a failure.
const PATIENCE: Duration = Duration::from_secs(20);

/// Whether the server closed `stream` (EOF or reset) within [`PATIENCE`]; whatever it sent
/// before closing is ignored.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// A connection that sent a request line and one header, and nothing more.
async fn half_sent(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream
        .write_all(b"GET /v1.0/me/authentication/phoneMethods HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("writes");
    stream
}

#[tokio::test]
async fn half_sent_requests_are_closed_after_the_header_timeout() {
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .header_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut streams = Vec::new();
    for _ in 0..50 {
        streams.push(half_sent(ctx.emu.addr()).await);
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream).await,
            "connection {i} is still open {PATIENCE:?} after a 300 ms header timeout"
        );
    }
    // Nothing was answered or recorded for them, and the server still serves.
    assert!(ctx.emu.handle().requests().is_empty());
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
}

#[tokio::test]
async fn beyond_the_connection_cap_a_client_waits_until_a_slot_frees() {
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .max_connections(2)
            .header_timeout(Duration::from_secs(120)),
    )
    .await;
    // Two connections held by requests a minute-long latency fault keeps busy.
    ctx.emu.handle().add_fault(FaultRule::new(
        "GET",
        "phoneMethods",
        FaultKind::Latency(Duration::from_secs(60)),
    ));
    let request = |path: &str| {
        format!(
            "GET /v1.0{path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer alice-read\r\n\r\n"
        )
    };
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(ctx.emu.addr()).await.unwrap();
        s.write_all(request("/me/authentication/phoneMethods").as_bytes())
            .await
            .unwrap();
        held.push(s);
    }
    // A third client is not served while both slots are held (whatever the machine's speed:
    // nothing frees a slot before the latency ends)...
    let mut third = TcpStream::connect(ctx.emu.addr()).await.unwrap();
    third
        .write_all(request("/me/authentication/methods").as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(early.is_err(), "served beyond the cap: {early:?}");
    // ... and is served once one of them goes away.
    drop(held.pop());
    let answered = tokio::time::timeout(PATIENCE, third.read(&mut buf))
        .await
        .expect("the waiting client is served after a slot frees")
        .unwrap();
    assert!(
        buf[..answered].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..answered])
    );
}

#[tokio::test]
async fn at_the_cap_idle_keep_alive_connections_make_room() {
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .max_connections(1)
            .header_timeout(Duration::from_secs(120)),
    )
    .await;
    // The first client keeps its connection open and idle in its pool.
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
    // A second client (its own pool) is served long before the header timeout would have
    // closed the idle connection.
    let other = client();
    let r = tokio::time::timeout(
        PATIENCE,
        other
            .get(ctx.url("/me/authentication/phoneMethods"))
            .bearer_auth("alice-read")
            .send(),
    )
    .await
    .expect("the idle connection made room")
    .unwrap();
    assert_eq!(r.status(), 200);
    // The first client still works (on a new connection).
    ctx.get("/me/authentication/phoneMethods", "alice-read")
        .await
        .ok(200);
}

#[tokio::test]
async fn invalid_limits_are_refused() {
    for (builder, option) in [
        (Emulator::builder().max_connections(0), "max_connections"),
        (
            Emulator::builder().header_timeout(Duration::ZERO),
            "header_timeout",
        ),
    ] {
        let err = builder.start().await.expect_err(option).to_string();
        assert!(err.contains(option), "{err}");
    }
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_records_and_counts_the_dropped() {
    let ctx = Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .request_log_capacity(3),
    )
    .await;
    let send = |id: String| {
        ctx.http
            .get(ctx.url("/me/authentication/phoneMethods"))
            .bearer_auth("alice-read")
            .header("client-request-id", id)
            .send()
    };
    for i in 1..=5 {
        assert_eq!(send(format!("call-{i}")).await.unwrap().status(), 200);
    }
    let h = ctx.emu.handle();
    let kept: Vec<(u64, String)> = h
        .requests()
        .into_iter()
        .map(|r| (r.seq, r.client_request_id.unwrap()))
        .collect();
    assert_eq!(
        kept,
        [
            (3, "call-3".to_string()),
            (4, "call-4".to_string()),
            (5, "call-5".to_string())
        ]
    );
    assert_eq!(h.dropped_requests(), 2);
    h.clear_requests();
    assert_eq!((h.requests().len(), h.dropped_requests()), (0, 0));
    send("call-6".into()).await.unwrap();
    assert_eq!(h.requests()[0].seq, 1);

    let none = Ctx::with(Emulator::builder().request_log_capacity(0)).await;
    none.get("/me/authentication/phoneMethods", "x").await;
    assert!(none.emu.handle().requests().is_empty());
    assert_eq!(none.emu.handle().dropped_requests(), 1);
}

/// A 60 KB `client-request-id` made every record 60 KB (+116 MiB per 2,000 requests).
#[tokio::test]
async fn a_record_keeps_a_bounded_and_masked_client_request_id() {
    let ctx = Ctx::new().await;
    let long = format!("id-{}", "a".repeat(60_000));
    for id in [long.as_str(), "+12065550177", "%2B1-206-555-0177"] {
        let r = ctx
            .http
            .get(ctx.url("/me/authentication/phoneMethods"))
            .bearer_auth("alice-read")
            .header("client-request-id", id)
            .send()
            .await
            .unwrap();
        // The response still echoes the id as sent, as Graph does.
        assert_eq!(r.headers()["client-request-id"], id);
    }
    let ids: Vec<String> = ctx
        .emu
        .handle()
        .requests()
        .into_iter()
        .map(|r| r.client_request_id.unwrap())
        .collect();
    assert!(
        ids[0].len() <= MAX_RECORDED_LEN + "…".len(),
        "{}",
        ids[0].len()
    );
    assert!(ids[0].starts_with("id-aaa") && ids[0].ends_with('…'));
    assert_eq!(ids[1], "+12*******77");
    assert_eq!(ids[2], "%2B1-2**-***-**77");
}

/// CPU time (user + system) the process `pid` has used so far.
#[cfg(target_os = "linux")]
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the parenthesised command name, from field 3 (state) on.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_secs_f64(ticks as f64 / per_second as f64)
}

/// With its descriptor table full, `accept` fails at once every time it is called: the loop
/// used to call it again at once, spinning a core, and said nothing.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn out_of_file_descriptors_the_accept_loop_backs_off_and_says_so() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    use std::process::Command;
    use std::sync::{Arc, Mutex};

    let mut command = Command::new(env!("CARGO_BIN_EXE_graph-phone-emulator"));
    command
        .args(["--listen", "127.0.0.1:0", "--max-connections", "100000"])
        .args(["--header-timeout", "300"]);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 40,
                rlim_max: 40,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let (mut child, base) = spawn_binary(&mut command);
    let addr: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .trim_end_matches("/v1.0")
        .parse()
        .unwrap_or_else(|_| panic!("no address in {base:?}"));
    let logs = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut logs = sink.lock().unwrap();
            logs.push_str(&line);
            logs.push('\n');
        }
    });

    // More half-sent connections than the binary has descriptors for.
    let mut streams = Vec::new();
    for _ in 0..60 {
        streams.push(half_sent(addr).await);
    }
    let warned = || logs.lock().unwrap().contains("cannot accept a connection");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !warned() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outcome = if warned() {
        // Out of descriptors: the loop should be waiting, not spinning.
        let window = Duration::from_secs(2);
        let before = cpu_time(child.id());
        tokio::time::sleep(window).await;
        let used = cpu_time(child.id()) - before;
        (used < window / 2)
            .then_some(())
            .ok_or(format!("the binary used {used:?} of CPU in {window:?}"))
    } else {
        Err("no warning about failing accepts".to_string())
    };
    // Once the connections close it serves again.
    drop(streams);
    let http = client();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let served = loop {
        let r = http
            .get(format!("{base}/me/authentication/phoneMethods"))
            .bearer_auth("alice-read")
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match r {
            Ok(r) => break Some(r.status()),
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let logs = logs.lock().unwrap().clone();
    outcome.unwrap_or_else(|e| panic!("{e}; logs:\n{logs}"));
    assert_eq!(served, Some(reqwest::StatusCode::OK), "logs:\n{logs}");
    // One warning per streak of failures, not one per failed accept.
    let warnings = logs.matches("cannot accept a connection").count();
    let recoveries = logs.matches("accepting connections again").count();
    assert!(warnings <= recoveries + 1, "{warnings} warnings: {logs}");
}

/// Every way a request can carry a phone number, sent to the binary with debug logs on: its
/// stderr must hold none of them whole (a `client-request-id` of `+12065550177` used to be
/// logged as sent).
#[tokio::test]
async fn the_binary_logs_no_phone_number_in_any_format() {
    use std::io::Read;
    use std::process::Command;

    let (mut child, base) = spawn_binary(
        Command::new(env!("CARGO_BIN_EXE_graph-phone-emulator")).args([
            "--listen",
            "127.0.0.1:0",
            "--verbose",
        ]),
    );
    let http = client();
    let written = [
        "+12065550177",
        "+1 2065550177",
        "+1-206-555-0177",
        "(206) 555-0177",
        "+1 (206) 555-0177",
        "+1 206 555 0177",
        "+1 2065550177x123",
        "206.555.0177",
    ];
    let encoded = [
        "%2B12065550177",
        "%2b1%202065550177",
        "+1%20206%20555%200177",
        "%28206%29%20555-0177",
    ];
    // Writes go to Alice through an application (self-service create and update are not
    // supported, and would be refused before the body is read); reads as Alice herself.
    let send = |method: &str, path: String, body: Option<serde_json::Value>, crid: &str| {
        let token = if method == "GET" {
            "alice-rw"
        } else {
            "app-rw"
        };
        let mut req = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(token)
            .header("client-request-id", crid);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let phones = "/me/authentication/phoneMethods";
    let alices = format!("/users/{ALICE}/authentication/phoneMethods");
    for n in written {
        for (method, path, body) in [
            (
                "POST",
                alices.clone(),
                serde_json::json!({"phoneNumber": n, "phoneType": "office"}),
            ),
            (
                "PATCH",
                format!("{alices}/{OFFICE}"),
                serde_json::json!({"phoneNumber": n}),
            ),
            (
                "PATCH",
                format!("{alices}/{MOBILE}"),
                serde_json::json!({"phoneNumber": n, "phoneType": n}),
            ),
        ] {
            send(method, path, Some(body), n).await.unwrap();
        }
        let _ = send("DELETE", format!("{alices}/{OFFICE}"), None, n).await;
    }
    for n in written.iter().chain(&encoded) {
        let n = n.replace(' ', "%20");
        for path in [
            format!("/users/{n}/authentication/phoneMethods"),
            format!("{phones}/{n}"),
            format!("{phones}?x={n}"),
            format!("{phones}?$select={n}"),
            format!("/{n}"),
        ] {
            send("GET", path, None, &n).await.unwrap();
        }
    }
    send("X2065550177", phones.to_string(), None, "m")
        .await
        .unwrap();

    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + PATIENCE;
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    // The requests were logged, with the numbers masked.
    assert!(
        logs.contains(r#"client_request_id="+12*******77""#),
        "{logs}"
    );
    assert!(logs.contains("+1 20******77"), "{logs}");
    for whole in [
        "2065550177",
        "206-555-0177",
        "206) 555-0177",
        "206 555 0177",
        "206.555.0177",
        "206%20555%200177",
        "5550177",
        "555-0177",
    ] {
        assert!(!logs.contains(whole), "the logs hold {whole}: {logs}");
    }
}
