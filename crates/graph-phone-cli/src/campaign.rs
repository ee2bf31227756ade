//! `plan` and `apply`: a desired-state file through `graph_phone_client::reconcile`.

use std::path::{Path, PathBuf};

use graph_phone_client::GraphClient;
use graph_phone_client::reconcile::{
    self, ApplyError, ApplyOptions, ErrorInfo, Outcome, Phase, ReadError, ReadOptions, Report,
    RunStep, Step, UserRead,
};
use serde_json::{Value, json};

use crate::exit::{self, Failure};
use crate::input::DesiredRow;
use crate::output::Output;
use crate::progress::Progress;

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

fn step_json(out: &Output, step: &Step) -> Value {
    let mut v = serde_json::to_value(step).expect("a step serializes");
    if let Some(Value::String(n)) = v.get("number") {
        v["number"] = Value::String(out.number(n));
    }
    v
}

fn pairs(rows: &[DesiredRow]) -> Vec<(reconcile::UserKey, reconcile::DesiredPhones)> {
    rows.iter()
        .map(|r| (r.user.clone(), r.desired.clone()))
        .collect()
}

/// The progress bar fed by the library's progress callback.
fn progress_fn(
    bar: &indicatif::ProgressBar,
) -> impl Fn(&reconcile::Progress) + Send + Sync + 'static {
    let bar = bar.clone();
    move |p: &reconcile::Progress| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(match p.phase {
            Phase::Reading => format!("pass {} read", p.pass),
            Phase::Writing { round } => format!("pass {} write round {}", p.pass, round + 1),
            _ => format!("pass {}", p.pass),
        });
    }
}

/// Reads every user's phones and prints the writes that would take them to the desired
/// phones. Sends no write.
pub async fn plan(
    client: &GraphClient,
    out: &Output,
    progress: &Progress,
    rows: Vec<DesiredRow>,
    file: &Path,
    concurrency: usize,
) -> Result<u8, Failure> {
    let bar = progress.bar(rows.len() as u64, "users");
    bar.set_message("read");
    let options = ReadOptions {
        concurrency,
        progress: Some(std::sync::Arc::new(progress_fn(&bar))),
    };
    let reads: Vec<UserRead> = reconcile::read_plans(client, &pairs(&rows), &options).await;
    bar.finish_and_clear();

    let mut codes = Vec::new();
    let (mut unchanged, mut changed, mut writes) = (0, 0, 0);
    let mut users = Vec::new();
    for (row, read) in rows.iter().zip(&reads) {
        let user = out.user(row.user.as_str());
        match &read.result {
            Ok(plan) if plan.is_empty() => {
                unchanged += 1;
                users.push(json!({"user": user, "line": row.line, "status": "unchanged"}));
                if !out.json {
                    println!("{user}: unchanged");
                }
            }
            Ok(plan) => {
                changed += 1;
                writes += plan.steps.len();
                let steps: Vec<Value> = plan.steps.iter().map(|s| step_json(out, s)).collect();
                users.push(
                    json!({"user": user, "line": row.line, "status": "change", "steps": steps}),
                );
                if !out.json {
                    println!("{user}:");
                    for (i, step) in plan.steps.iter().enumerate() {
                        println!("  {}. {}", i + 1, step_text(out, step));
                    }
                }
            }
            Err(error) => {
                let code = match error {
                    ReadError::Read { source, .. } => exit::code_of(source),
                    _ => exit::FAILED,
                };
                codes.push(code);
                let message = error.to_string();
                users.push(
                    json!({"user": user, "line": row.line, "status": "failed", "error": message}),
                );
                if !out.json {
                    println!("{user}: cannot plan (line {}): {message}", row.line);
                }
            }
        }
    }
    if out.json {
        out.json_value(&json!({
            "file": file.display().to_string(),
            "users": users,
            "summary": {
                "users": rows.len(),
                "unchanged": unchanged,
                "toChange": changed,
                "writes": writes,
                "failed": codes.len(),
            },
        }));
    } else {
        println!(
            "{} user(s): {unchanged} unchanged, {changed} to change ({writes} write(s)), {} failed",
            rows.len(),
            codes.len()
        );
    }
    Ok(crate::single::summary_code(&codes, rows.len()))
}

/// The journal used when `--journal` is not given: the input file's name plus `.journal`.
pub fn default_journal(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Applies the desired phones of every user, crash-safe (`journal`), and prints the
/// report of every run recorded in the journal.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    client: &GraphClient,
    out: &Output,
    progress: &Progress,
    rows: Vec<DesiredRow>,
    journal: &Path,
    concurrency: usize,
    batch_size: usize,
    max_passes: u32,
) -> Result<u8, Failure> {
    let bar = progress.bar(rows.len() as u64, "");
    bar.set_message("start");
    let bulk = client
        .bulk()
        .max_concurrency(concurrency)
        .max_batch_size(batch_size);
    let options = ApplyOptions::new(journal)
        .concurrency(concurrency)
        .bulk(bulk)
        .max_passes(max_passes)
        .progress(progress_fn(&bar));
    let result = reconcile::apply(client, &pairs(&rows), options).await;
    bar.finish_and_clear();
    let report = result.map_err(|e| match e {
        ApplyError::Journal(_) => Failure::local(format!("journal: {e}")),
        other => Failure::usage(other.to_string()),
    })?;
    print_report(out, &report);
    let codes: Vec<u8> = report
        .users
        .iter()
        .filter_map(|u| match &u.outcome {
            Outcome::Unchanged | Outcome::Applied => None,
            Outcome::Failed { error, .. } | Outcome::NotRead { error, .. } => {
                Some(code_of_info(error))
            }
            Outcome::Pending { .. } => Some(exit::UNAVAILABLE),
            _ => Some(exit::FAILED),
        })
        .collect();
    Ok(crate::single::summary_code(&codes, report.users.len()))
}

/// The exit code of an error the report kept.
fn code_of_info(error: &ErrorInfo) -> u8 {
    match (error.status, error.code.as_str()) {
        (Some(401 | 403), _) | (_, "auth") => exit::AUTH,
        (Some(429 | 503 | 504), _) | (_, "transport" | "timeout") => exit::UNAVAILABLE,
        _ => exit::FAILED,
    }
}

fn print_report(out: &Output, report: &Report) {
    if out.json {
        let value = if out.show_numbers {
            serde_json::to_value(report).expect("a report serializes")
        } else {
            report.to_masked_json()
        };
        out.json_value(&value);
        return;
    }
    // The library's rendering, with numbers and users as `out` prints them (in full with
    // --show-numbers; masked as in `plan` otherwise).
    let text = report.to_string();
    let head: Vec<&str> = text
        .lines()
        .take_while(|l| !is_user_line(l, report))
        .collect();
    for line in head {
        println!("{line}");
    }
    let runs = |steps: &[RunStep]| {
        steps
            .iter()
            .map(|s| format!("run {}: {}", s.run, step_text(out, &s.step)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for user in &report.users {
        let name = out.user(user.user.as_str());
        let outcome = match &user.outcome {
            Outcome::Unchanged => "unchanged".to_owned(),
            Outcome::Applied => "applied".to_owned(),
            Outcome::Failed {
                step,
                error,
                action,
            } => {
                let at = step
                    .as_ref()
                    .map(|s| format!(" at '{}'", step_text(out, s)))
                    .unwrap_or_default();
                format!("FAILED{at}: {error}\n  what to do: {action}")
            }
            Outcome::NotRead { error, action } => {
                format!("NOT READ: {error}\n  what to do: {action}")
            }
            Outcome::Pending {
                remaining,
                last_error,
            } => {
                let last = last_error
                    .as_ref()
                    .map(|e| format!(", last error {e}"))
                    .unwrap_or_default();
                format!(
                    "PENDING ({} write(s) left{last}); run again with the same journal",
                    remaining.len()
                )
            }
            other => format!("{other:?}"),
        };
        println!("{name}: {outcome}");
        if !user.applied.is_empty() {
            println!("  applied: {}", runs(&user.applied));
        }
        if !user.unconfirmed.is_empty() {
            println!(
                "  sent by an interrupted run, answer not recorded: {}",
                runs(&user.unconfirmed)
            );
        }
    }
}

/// Whether `line` is where the library's rendering starts listing users.
fn is_user_line(line: &str, report: &Report) -> bool {
    report
        .users
        .first()
        .is_some_and(|u| line.starts_with(&format!("{}: ", u.user)))
}
