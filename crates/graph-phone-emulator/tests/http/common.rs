//! Shared helpers: start an emulator, send requests, read responses.

use graph_phone_emulator::{Emulator, EmulatorBuilder, RunningEmulator, Tenant};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const ALICE: &str = "11111111-1111-1111-1111-111111111111";
pub const BOB: &str = "22222222-2222-2222-2222-222222222222";
pub const CAROL: &str = "33333333-3333-3333-3333-333333333333";
pub const GINA: &str = "55555555-5555-5555-5555-555555555555";
pub const ONEIL: &str = "66666666-6666-6666-6666-666666666666";
pub const MOBILE: &str = "3179e48a-750b-4051-897c-87b9720928f7";
pub const ALTERNATE: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
pub const OFFICE: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

/// A running emulator and a client for it.
pub struct Ctx {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    /// The error code of a Graph error body.
    pub fn code(&self) -> &str {
        self.json["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) -> &Self {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected response: {}",
            self.text
        );
        self
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected response: {}", self.text);
        self
    }
}

pub fn client() -> reqwest::Client {
    crate::support::http_client()
}

impl Ctx {
    /// An emulator serving the example tenant.
    pub async fn new() -> Ctx {
        Self::with(Emulator::builder().tenant(Tenant::example())).await
    }

    pub async fn with(builder: EmulatorBuilder) -> Ctx {
        Ctx {
            emu: builder.start().await.expect("emulator starts"),
            http: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url())
    }

    /// Sends a request; `body` is sent as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        read(req.send().await.expect("response")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call("DELETE", path, Some(token), None).await
    }

    /// The number and SMS state of a user's phone, read through the handle.
    pub fn phone(
        &self,
        user: &str,
        phone_type: graph_phone_emulator::PhoneType,
    ) -> Option<(String, String)> {
        let user = self.emu.handle().user(user)?;
        let p = user.phone(phone_type)?;
        Some((p.phone_number.clone(), p.state().as_str().to_string()))
    }
}

pub async fn read(resp: reqwest::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// `/users/{id}/authentication/{rest}`.
pub fn user_path(user: &str, rest: &str) -> String {
    format!("/users/{user}/authentication/{rest}")
}

/// Starts the emulator binary from `command` (stdout and stderr piped) and reads the base URL
/// it prints as its first line.
pub fn spawn_binary(command: &mut std::process::Command) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the base URL line");
    (child, line.trim().to_string())
}
