//! Running the `graph-phone` binary against an in-process emulator.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use graph_phone_emulator::{Emulator, RequestRecord, RunningEmulator, Tenant};
use tokio::process::Command;

/// The environment variables the binary reads; cleared so that the caller's shell cannot
/// change a test.
const ENV: [&str; 10] = [
    "GRAPH_PHONE_TOKEN",
    "GRAPH_PHONE_AUTH",
    "GRAPH_PHONE_CLOUD",
    "GRAPH_PHONE_BASE_URL",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "IDENTITY_ENDPOINT",
];

pub async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .expect("the emulator starts")
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `graph-phone` with a clean environment (no credential unless given).
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graph-phone"));
    for var in ENV {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs `graph-phone --base-url <emulator> --token <token> ARGS...`.
pub async fn run(emu: &RunningEmulator, token: &str, args: &[&str]) -> Output {
    let mut cmd = command();
    cmd.arg("--base-url")
        .arg(emu.base_url())
        .env("GRAPH_PHONE_TOKEN", token)
        .args(args);
    output(cmd).await
}

pub async fn output(mut cmd: Command) -> Output {
    let out = cmd.output().await.expect("graph-phone runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// The writes the emulator applied (POST, PATCH, DELETE answered and applied).
pub fn writes(log: &[RequestRecord]) -> Vec<&RequestRecord> {
    log.iter()
        .filter(|r| r.method != "GET" && r.applied)
        .collect()
}

/// A fresh directory under the target directory, removed by the caller when done.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
