//! `plan`: the writes that take every user of a desired-state file to their desired phones.

use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use graph_phone_client::reconcile::{self, CurrentPhones, Step, UserPlan};
use graph_phone_client::{GraphClient, PhoneAuthenticationMethod};
use serde_json::{Value, json};

use crate::exit::{self, Failure};
use crate::input::DesiredRow;
use crate::output::Output;
use crate::progress::Progress;

/// One user's plan, or why there is none.
pub struct Planned {
    pub row: DesiredRow,
    pub result: Result<UserPlan, (u8, String)>,
}

/// Reads every user's phones (`concurrency` at once) and plans them.
pub async fn read_and_plan(
    client: &GraphClient,
    progress: &Progress,
    rows: Vec<DesiredRow>,
    concurrency: usize,
) -> Vec<Planned> {
    let bar = progress.bar(rows.len() as u64, "users");
    bar.set_message("read");
    let planned = futures::stream::iter(rows)
        .map(|row| {
            let phones = client.user(row.user.as_str()).phone_methods();
            let bar = bar.clone();
            async move {
                let read: Result<Vec<PhoneAuthenticationMethod>, _> =
                    phones.list().try_collect().await;
                bar.inc(1);
                let result = match read {
                    Err(e) => Err((exit::code_of(&e), e.to_string())),
                    Ok(methods) => CurrentPhones::from_methods(&row.user, &methods)
                        .and_then(|current| reconcile::plan(&row.user, &current, &row.desired))
                        .map_err(|e| (exit::FAILED, e.to_string())),
                };
                Planned { row, result }
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    bar.finish_and_clear();
    planned
}

/// A step as printed: numbers through `out`.
pub fn step_text(out: &Output, step: &Step) -> String {
    match step {
        Step::Create { phone_type, number } => {
            format!("create {phone_type} {}", out.number(number.as_str()))
        }
        Step::UpdateNumber { phone_type, number } => {
            format!(
                "update {phone_type} number to {}",
                out.number(number.as_str())
            )
        }
        other => other.to_string(),
    }
}

pub fn step_json(out: &Output, step: &Step) -> Value {
    let mut v = serde_json::to_value(step).expect("a step serializes");
    if let Some(Value::String(n)) = v.get("number") {
        v["number"] = Value::String(out.number(n));
    }
    v
}

pub fn plan(out: &Output, planned: &[Planned], file: &Path) -> Result<u8, Failure> {
    let mut codes = Vec::new();
    let (mut unchanged, mut changed, mut writes) = (0, 0, 0);
    let mut users = Vec::new();
    for p in planned {
        let user = out.user(p.row.user.as_str());
        match &p.result {
            Ok(plan) if plan.is_empty() => {
                unchanged += 1;
                if out.json {
                    users.push(json!({"user": user, "line": p.row.line, "status": "unchanged"}));
                } else {
                    println!("{user}: unchanged");
                }
            }
            Ok(plan) => {
                changed += 1;
                writes += plan.steps.len();
                if out.json {
                    let steps: Vec<Value> = plan.steps.iter().map(|s| step_json(out, s)).collect();
                    users.push(
                        json!({"user": user, "line": p.row.line, "status": "change", "steps": steps}),
                    );
                } else {
                    println!("{user}:");
                    for (i, step) in plan.steps.iter().enumerate() {
                        println!("  {}. {}", i + 1, step_text(out, step));
                    }
                }
            }
            Err((code, message)) => {
                codes.push(*code);
                if out.json {
                    users.push(json!({"user": user, "line": p.row.line, "status": "failed", "error": message}));
                } else {
                    println!("{user}: cannot plan (line {}): {message}", p.row.line);
                }
            }
        }
    }
    if out.json {
        out.json_value(&json!({
            "file": file.display().to_string(),
            "users": users,
            "summary": {
                "users": planned.len(),
                "unchanged": unchanged,
                "toChange": changed,
                "writes": writes,
                "failed": codes.len(),
            },
        }));
    } else {
        println!(
            "{} user(s): {unchanged} unchanged, {changed} to change ({writes} write(s)), {} failed",
            planned.len(),
            codes.len()
        );
    }
    Ok(crate::single::summary_code(&codes, planned.len()))
}
