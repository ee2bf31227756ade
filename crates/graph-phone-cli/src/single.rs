//! The single-user commands and `export`.

use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use graph_phone_client::api::PhoneMethods;
use graph_phone_client::reconcile::PhoneType;
use graph_phone_client::{
    AuthenticationMethodSignInState, Error, GraphClient, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate, PhoneNumber,
};
use serde_json::{Value, json};

use crate::exit::{self, Failure};
use crate::input::{Format, OutRow, UserRow};
use crate::output::Output;
use crate::progress::Progress;

/// `me`, or the user with this id or user principal name.
fn phones(client: &GraphClient, user: &str) -> PhoneMethods {
    if user == "me" {
        client.me().phone_methods()
    } else {
        client.user(user).phone_methods()
    }
}

fn who(out: &Output, user: &str) -> String {
    if user == "me" {
        "me".to_owned()
    } else {
        out.user(user)
    }
}

fn phone_json(out: &Output, phone: &PhoneAuthenticationMethod) -> Value {
    json!({
        "id": phone.id,
        "phoneType": phone.phone_type.as_ref().map(|t| t.to_string()),
        "phoneNumber": phone.phone_number.as_deref().map(|n| out.number(n)),
        "smsSignInState": phone.sms_sign_in_state.as_ref().map(|s| s.to_string()),
    })
}

fn phone_line(out: &Output, phone: &PhoneAuthenticationMethod) -> String {
    let kind = phone.phone_type.as_ref().map(|t| t.to_string());
    let sms = phone.sms_sign_in_state.as_ref().map(|s| s.to_string());
    format!(
        "{:<16} {:<22} SMS sign-in {:<20} {}",
        kind.unwrap_or_default(),
        phone
            .phone_number
            .as_deref()
            .map(|n| out.number(n))
            .unwrap_or_default(),
        sms.unwrap_or_default(),
        phone.id
    )
}

pub async fn list(client: &GraphClient, out: &Output, user: &str) -> Result<u8, Failure> {
    let all: Vec<PhoneAuthenticationMethod> = phones(client, user).list().try_collect().await?;
    if out.json {
        out.json_value(&Value::Array(
            all.iter().map(|p| phone_json(out, p)).collect(),
        ));
    } else {
        for phone in &all {
            println!("{}", phone_line(out, phone));
        }
        println!("{}: {} phone method(s)", who(out, user), all.len());
    }
    Ok(0)
}

pub async fn show(
    client: &GraphClient,
    out: &Output,
    user: &str,
    phone_type: PhoneType,
) -> Result<u8, Failure> {
    let phone = phones(client, user).get(phone_type.method_id()).await?;
    if out.json {
        out.json_value(&phone_json(out, &phone));
    } else {
        println!("{}", phone_line(out, &phone));
    }
    Ok(0)
}

fn done(out: &Output, user: &str, phone_type: PhoneType, result: &str, number: Option<&str>) {
    if out.json {
        let mut v = json!({
            "user": who(out, user),
            "phoneType": phone_type.as_str(),
            "result": result,
        });
        if let Some(n) = number {
            v["phoneNumber"] = Value::String(out.number(n));
        }
        out.json_value(&v);
    } else {
        let number = number
            .map(|n| format!(" ({})", out.number(n)))
            .unwrap_or_default();
        println!("{}: {phone_type} {result}{number}", who(out, user));
    }
}

pub async fn set(
    client: &GraphClient,
    out: &Output,
    user: &str,
    phone_type: PhoneType,
    number: &str,
) -> Result<u8, Failure> {
    let number = PhoneNumber::parse(number).map_err(|reason| {
        Failure::usage(format!(
            "argument NUMBER: {reason}; write it as +{{country code}} {{number}}[x{{extension}}], \
             e.g. \"+1 4255550199\""
        ))
    })?;
    let methods = phones(client, user);
    match methods.get(phone_type.method_id()).await {
        Ok(existing) if existing.phone_number.as_deref() == Some(number.as_str()) => {
            done(out, user, phone_type, "unchanged", Some(number.as_str()));
        }
        Ok(_) => {
            let body =
                PhoneAuthenticationMethodUpdate::default().with_phone_number(number.as_str());
            methods.update(phone_type.method_id(), &body).await?;
            done(out, user, phone_type, "updated", Some(number.as_str()));
        }
        Err(e) if e.status() == Some(404) => {
            let body = PhoneAuthenticationMethodCreate::new(
                number.as_str(),
                phone_type.to_authentication_phone_type(),
            );
            methods.create(&body).await?;
            done(out, user, phone_type, "created", Some(number.as_str()));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(0)
}

pub async fn delete(
    client: &GraphClient,
    out: &Output,
    user: &str,
    phone_type: PhoneType,
) -> Result<u8, Failure> {
    phones(client, user).delete(phone_type.method_id()).await?;
    done(out, user, phone_type, "deleted", None);
    Ok(0)
}

pub async fn sms(
    client: &GraphClient,
    out: &Output,
    user: &str,
    enable: bool,
) -> Result<u8, Failure> {
    let methods = phones(client, user);
    let id = PhoneType::Mobile.method_id();
    if enable {
        methods.enable_sms_sign_in(id).await?;
    } else {
        methods.disable_sms_sign_in(id).await?;
    }
    let result = if enable {
        "SMS sign-in enabled"
    } else {
        "SMS sign-in disabled"
    };
    done(out, user, PhoneType::Mobile, result, None);
    Ok(0)
}

/// `#microsoft.graph.fido2AuthenticationMethod` -> `fido2`.
fn short_type(odata_type: &str) -> &str {
    let t = odata_type.trim_start_matches("#microsoft.graph.");
    t.strip_suffix("AuthenticationMethod").unwrap_or(t)
}

pub async fn methods(client: &GraphClient, out: &Output, user: &str) -> Result<u8, Failure> {
    let list = if user == "me" {
        client.me().methods().list()
    } else {
        client.user(user).methods().list()
    };
    let all: Vec<graph_phone_client::AuthenticationMethod> = list.try_collect().await?;
    let mut values = Vec::with_capacity(all.len());
    for method in &all {
        let mut v = serde_json::to_value(method)
            .map_err(|e| Failure::local(format!("cannot write a method as JSON: {e}")))?;
        if let Some(Value::String(n)) = v.get("phoneNumber") {
            v["phoneNumber"] = Value::String(out.number(n));
        }
        // An e-mail method's address is masked like a user principal name.
        if let Some(Value::String(a)) = v.get("emailAddress") {
            v["emailAddress"] = Value::String(out.user(a));
        }
        values.push(v);
    }
    if out.json {
        out.json_value(&Value::Array(values));
    } else {
        for v in &values {
            let kind = short_type(
                v.get("@odata.type")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown"),
            );
            let id = v.get("id").and_then(Value::as_str).unwrap_or("");
            let mut line = format!("{kind:<24} {id}");
            if let (Some(t), Some(n)) = (
                v.get("phoneType").and_then(Value::as_str),
                v.get("phoneNumber").and_then(Value::as_str),
            ) {
                line.push_str(&format!("  {t} {n}"));
            }
            println!("{line}");
        }
        println!("{}: {} authentication method(s)", who(out, user), all.len());
    }
    Ok(0)
}

/// `ready` is enabled, `notConfigured` is on by policy and waiting for the user (left
/// empty, as in the planner), every other state is disabled.
fn sms_cell(phone: &PhoneAuthenticationMethod) -> Option<&'static str> {
    match phone.sms_sign_in_state.as_ref()? {
        AuthenticationMethodSignInState::Ready => Some("enabled"),
        AuthenticationMethodSignInState::NotConfigured => None,
        _ => Some("disabled"),
    }
}

fn export_row(out: &Output, user: &str, methods: &[PhoneAuthenticationMethod]) -> OutRow {
    let number = |t: PhoneType| {
        methods
            .iter()
            .find(|m| m.phone_type.as_ref().map(|p| p.to_string()).as_deref() == Some(t.as_str()))
    };
    let cell = |t: PhoneType| {
        number(t)
            .and_then(|m| m.phone_number.as_deref())
            .map(|n| out.number(n))
    };
    OutRow {
        user: out.user(user),
        mobile: cell(PhoneType::Mobile),
        alternate_mobile: cell(PhoneType::AlternateMobile),
        office: cell(PhoneType::Office),
        sms_sign_in: number(PhoneType::Mobile).and_then(sms_cell),
    }
}

pub async fn export(
    client: &GraphClient,
    out: &Output,
    progress: &Progress,
    users: Vec<UserRow>,
    format: Format,
    output: Option<&Path>,
    concurrency: usize,
) -> Result<u8, Failure> {
    let bar = progress.bar(users.len() as u64, "users");
    bar.set_message("export");
    let results: Vec<(String, Result<Vec<PhoneAuthenticationMethod>, Error>)> =
        futures::stream::iter(users)
            .map(|row| {
                let methods = client.user(row.user.as_str()).phone_methods();
                let bar = bar.clone();
                async move {
                    let read = methods.list().try_collect().await;
                    bar.inc(1);
                    (row.user.as_str().to_owned(), read)
                }
            })
            .buffered(concurrency)
            .collect()
            .await;
    bar.finish_and_clear();
    let mut rows = Vec::new();
    let mut codes = Vec::new();
    for (user, read) in &results {
        match read {
            Ok(methods) => rows.push(export_row(out, user, methods)),
            Err(e) => {
                eprintln!("{}: {e}", out.user(user));
                codes.push(exit::code_of(e));
            }
        }
    }
    let mut buffer = Vec::new();
    match format {
        Format::Csv => crate::input::write_csv(&rows, &mut buffer)
            .map_err(|e| Failure::local(format!("cannot write CSV: {e}")))?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut buffer, &rows)
                .map_err(|e| Failure::local(format!("cannot write JSON: {e}")))?;
            buffer.push(b'\n');
        }
    }
    match output {
        Some(path) => write_file(path, &buffer)?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&buffer)
                .map_err(|e| Failure::local(format!("cannot write to stdout: {e}")))?;
        }
    }
    if let Some(path) = output.filter(|_| !out.json) {
        eprintln!(
            "exported {} of {} user(s) to {}",
            rows.len(),
            results.len(),
            path.display()
        );
    }
    Ok(summary_code(&codes, results.len()))
}

/// 0 when nothing failed; the failures' common code when every user failed the same way
/// (say, 3 for a token refused for all); else 1.
pub fn summary_code(codes: &[u8], total: usize) -> u8 {
    match codes.first() {
        None => 0,
        Some(first) if codes.len() == total && codes.iter().all(|c| c == first) => *first,
        Some(_) => exit::FAILED,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees half a file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::local(format!("{}: cannot write: {e}", path.display()));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
