//! The [`Report`] of [`apply`](super::apply): every user's outcome over every run recorded
//! in a journal, computed from the journal's records alone (so a run that resumes an
//! interrupted one reports both).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use graph_phone_runtime::{Error, PhoneNumber};
use serde::{Deserialize, Serialize};

use super::journal::{Journal, JournalError, ReadRecord, Record, WriteResult};
use super::{PlanError, Step, UserKey, mask};

/// An error as the report keeps it: what Graph said (status, `error.code`, innermost code,
/// `request-id`, `client-request-id`) or what happened instead, and a message without
/// personal data (the runtime's errors redact numbers; a user is masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Graph's `error.code` (`itemNotFound`, `Authorization_RequestDenied`, ...), or this
    /// crate's name for what happened: `transport`, `timeout`, `auth`, `invalidInput`,
    /// `invalidResponse`, `unsupportedInCloud`, `other`, or for a plan refusal the
    /// state that refused it (`phoneNumberNotUnique`, `notAllowedByPolicy`, ...).
    pub code: String,
    /// The innermost nested error code, when Graph sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_code: Option<String>,
    /// Graph's `request-id`: quote it to Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The `client-request-id` the request carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    /// What happened, without personal data.
    pub message: String,
}

impl ErrorInfo {
    /// The report's view of a client error.
    pub fn from_error(error: &Error) -> ErrorInfo {
        let graph = error.graph();
        let code = match error {
            Error::Graph(g) => g.code.clone(),
            Error::ThrottledOutOfRetries { last, .. } => last.code.clone(),
            Error::Transport { .. } => "transport".into(),
            Error::Timeout { .. } => "timeout".into(),
            Error::Auth { .. } => "auth".into(),
            Error::InvalidInput { .. } | Error::InvalidRequest { .. } => "invalidInput".into(),
            Error::InvalidResponse { .. } | Error::ResponseTooLarge { .. } => {
                "invalidResponse".into()
            }
            Error::UnsupportedInCloud { .. } | Error::UnknownOperation { .. } => {
                "unsupportedInCloud".into()
            }
            Error::OutcomeUnknown { .. } => "outcomeUnknown".into(),
            _ => "other".into(),
        };
        // Graph's own message (redacted by the runtime) when it sent one: the status, code
        // and request id are fields of their own.
        let message = match error {
            Error::Graph(g) if !g.message.is_empty() => g.message.clone(),
            // What the last send got says why the outcome is unknown.
            Error::OutcomeUnknown { source, .. } => format!("{error}: {source}"),
            other => other.to_string(),
        };
        ErrorInfo {
            status: error.status(),
            code,
            inner_code: graph.and_then(|g| g.inner_code.clone()),
            request_id: graph.and_then(|g| g.request_id.clone()),
            client_request_id: graph.and_then(|g| g.client_request_id.clone()),
            message,
        }
    }

    /// The report's view of a plan refusal; the code names the state behind it.
    pub fn from_plan_error(error: &PlanError) -> ErrorInfo {
        let code = match error {
            PlanError::SmsSignInNumberNotUnique { .. } => "phoneNumberNotUnique",
            PlanError::SmsSignInNotAllowedByPolicy { .. } => "notAllowedByPolicy",
            PlanError::SmsSignInNotSupported { .. } => "notSupported",
            PlanError::SmsSignInWithoutMobile { .. } => "smsSignInWithoutMobile",
            PlanError::AlternateMobileWithoutMobile { .. } => "alternateMobileWithoutMobile",
            PlanError::MaskedNumber { .. } => "maskedNumber",
            PlanError::InvalidUser { .. } => "invalidUser",
            PlanError::InvalidDesiredNumber { .. } => "invalidDesiredNumber",
            PlanError::UnknownPhoneType { .. } | PlanError::UnknownSmsSignInState { .. } => {
                "unknownEnumMember"
            }
            _ => "unexpectedPhoneMethods",
        };
        // The user is the report line's own, what to do is the outcome's `action`: keep
        // what happened.
        let text = error.to_string();
        let text = match text.strip_prefix("user ").and_then(|t| t.split_once(": ")) {
            Some((_, rest)) => rest,
            None => &text,
        };
        let message = text.split_once("; ").map_or(text, |(what, _)| what);
        ErrorInfo {
            status: None,
            code: code.into(),
            inner_code: None,
            request_id: None,
            client_request_id: None,
            message: message.to_owned(),
        }
    }
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{status} {}", self.code)?,
            None => f.write_str(&self.code)?,
        }
        if let Some(inner) = &self.inner_code {
            write!(f, " (inner {inner})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A write applied in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStep {
    /// The run (1 for the first run of the journal).
    pub run: u32,
    /// The write.
    pub step: Step,
}

/// Where a user ended, over every run of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Outcome {
    /// Already as desired; nothing was ever written.
    Unchanged,
    /// As desired (read back to confirm), after the writes in [`UserReport::applied`]
    /// and [`UserReport::unconfirmed`].
    Applied,
    /// A write, or the plan, was refused; nothing more was sent for this user.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The refused write; `None` when no plan reaches the desired state.
        step: Option<Step>,
        /// What Graph (or the planner) said.
        error: ErrorInfo,
        /// What to do about it.
        action: String,
    },
    /// The phones could not be read, so nothing was planned or written in the last run.
    #[serde(rename_all = "camelCase")]
    NotRead {
        /// Why.
        error: ErrorInfo,
        /// What to do about it.
        action: String,
    },
    /// Not yet as desired: the run was interrupted, or the writes' outcome stayed unknown
    /// after every pass. Running again (same journal) re-reads and finishes.
    #[serde(rename_all = "camelCase")]
    Pending {
        /// The writes still planned at the last read (the first may have been applied:
        /// the next run's read decides).
        remaining: Vec<Step>,
        /// The last error, when a write failed in a way that another read may resolve.
        last_error: Option<ErrorInfo>,
    },
}

/// One user's lines of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserReport {
    /// The user.
    pub user: UserKey,
    /// The last run that read this user.
    pub last_run: u32,
    /// Where the user ended.
    pub outcome: Outcome,
    /// Every write Graph confirmed, over every run, in order.
    pub applied: Vec<RunStep>,
    /// Writes sent by a run that was interrupted before their answer was recorded; a
    /// later read shows whether they took effect (they are never sent again blindly).
    pub unconfirmed: Vec<RunStep>,
}

/// One run recorded in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// 1 for the first run of the journal.
    pub run: u32,
    /// Users given to the run.
    pub users: usize,
    /// When it started (seconds since the Unix epoch).
    pub started: u64,
    /// When it finished; `None` when it was interrupted.
    pub finished: Option<u64>,
}

/// How many users ended in each outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// [`Outcome::Unchanged`].
    pub unchanged: usize,
    /// [`Outcome::Applied`].
    pub applied: usize,
    /// [`Outcome::Failed`].
    pub failed: usize,
    /// [`Outcome::NotRead`].
    pub not_read: usize,
    /// [`Outcome::Pending`].
    pub pending: usize,
}

/// The outcome of every user over every run of a journal.
///
/// `Serialize` writes full numbers and user principal names (like the plan, it is personal
/// data); [`Report::to_masked_json`] masks them, and `Display` always does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The journal the report was read from.
    pub journal: PathBuf,
    /// Bytes of a torn last record (a run killed while writing it) dropped when the
    /// journal was opened.
    pub dropped_tail_bytes: Option<u64>,
    /// Every run, in order.
    pub runs: Vec<RunSummary>,
    /// Every user of every run, in the order they first appear.
    pub users: Vec<UserReport>,
}

impl Report {
    pub(crate) fn from_records(
        journal: PathBuf,
        dropped_tail_bytes: Option<u64>,
        records: &[Record],
    ) -> Report {
        let mut runs: Vec<RunSummary> = Vec::new();
        let mut order: Vec<UserKey> = Vec::new();
        let mut users: BTreeMap<UserKey, UserReport> = BTreeMap::new();
        // Writes sent and not yet answered, per user: (run, pass, index, step).
        let mut sent: BTreeMap<UserKey, Vec<(u32, u32, usize, Step)>> = BTreeMap::new();
        fn entry<'a>(
            users: &'a mut BTreeMap<UserKey, UserReport>,
            order: &mut Vec<UserKey>,
            user: &UserKey,
            run: u32,
        ) -> &'a mut UserReport {
            users.entry(user.clone()).or_insert_with(|| {
                order.push(user.clone());
                UserReport {
                    user: user.clone(),
                    last_run: run,
                    outcome: Outcome::Pending {
                        remaining: Vec::new(),
                        last_error: None,
                    },
                    applied: Vec::new(),
                    unconfirmed: Vec::new(),
                }
            })
        }
        for record in records {
            match record {
                Record::Run {
                    run,
                    users,
                    started,
                    ..
                } => runs.push(RunSummary {
                    run: *run,
                    users: *users,
                    started: *started,
                    finished: None,
                }),
                Record::End { run, finished } => {
                    if let Some(summary) = runs.iter_mut().rev().find(|r| r.run == *run) {
                        summary.finished = Some(*finished);
                    }
                }
                Record::Read {
                    run, user, read, ..
                } => {
                    // A write still unanswered when its user is read again was cut off.
                    let cut = sent.remove(user).unwrap_or_default();
                    let report = entry(&mut users, &mut order, user, *run);
                    report.last_run = *run;
                    report.unconfirmed.extend(
                        cut.into_iter()
                            .map(|(run, _, _, step)| RunStep { run, step }),
                    );
                    report.outcome = match read {
                        ReadRecord::Planned { steps } if steps.is_empty() => {
                            if report.applied.is_empty() && report.unconfirmed.is_empty() {
                                Outcome::Unchanged
                            } else {
                                Outcome::Applied
                            }
                        }
                        ReadRecord::Planned { steps } => Outcome::Pending {
                            remaining: steps.clone(),
                            last_error: None,
                        },
                        ReadRecord::NotRead { error, action } => Outcome::NotRead {
                            error: error.clone(),
                            action: action.clone(),
                        },
                        ReadRecord::PlanFailed { error, action } => Outcome::Failed {
                            step: None,
                            error: error.clone(),
                            action: action.clone(),
                        },
                    };
                }
                Record::Send {
                    run,
                    pass,
                    user,
                    index,
                    step,
                } => {
                    entry(&mut users, &mut order, user, *run);
                    sent.entry(user.clone())
                        .or_default()
                        .push((*run, *pass, *index, step.clone()));
                }
                Record::Done {
                    run,
                    pass,
                    user,
                    index,
                    step,
                    result,
                } => {
                    if let Some(list) = sent.get_mut(user) {
                        list.retain(|(r, p, i, _)| (r, p, i) != (run, pass, index));
                    }
                    let report = entry(&mut users, &mut order, user, *run);
                    let remaining = match &mut report.outcome {
                        Outcome::Pending { remaining, .. } => std::mem::take(remaining),
                        _ => Vec::new(),
                    };
                    let after: Vec<Step> = remaining.into_iter().skip(1).collect();
                    report.outcome = match result {
                        WriteResult::Ok => {
                            report.applied.push(RunStep {
                                run: *run,
                                step: step.clone(),
                            });
                            Outcome::Pending {
                                remaining: after,
                                last_error: None,
                            }
                        }
                        WriteResult::Failed { error, action } => Outcome::Failed {
                            step: Some(step.clone()),
                            error: error.clone(),
                            action: action.clone(),
                        },
                        WriteResult::Reread { error } => {
                            let mut remaining = vec![step.clone()];
                            remaining.extend(after);
                            Outcome::Pending {
                                remaining,
                                last_error: Some(error.clone()),
                            }
                        }
                    };
                }
            }
        }
        for (user, cut) in sent {
            if let Some(report) = users.get_mut(&user) {
                report.unconfirmed.extend(
                    cut.into_iter()
                        .map(|(run, _, _, step)| RunStep { run, step }),
                );
            }
        }
        let users = order.into_iter().filter_map(|u| users.remove(&u)).collect();
        Report {
            journal,
            dropped_tail_bytes,
            runs,
            users,
        }
    }

    /// The report of the journal at `journal`, read without changing it (nothing is
    /// sent): what `apply` would report, as of its last record. A torn last record (a run
    /// killed while writing it) is left in place and counted in
    /// [`Report::dropped_tail_bytes`].
    pub fn from_journal(journal: &Path) -> Result<Report, JournalError> {
        let (records, dropped_tail) = Journal::read(journal)?;
        Ok(Report::from_records(
            journal.to_path_buf(),
            dropped_tail,
            &records,
        ))
    }

    /// How many users ended in each outcome.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for user in &self.users {
            match user.outcome {
                Outcome::Unchanged => counts.unchanged += 1,
                Outcome::Applied => counts.applied += 1,
                Outcome::Failed { .. } => counts.failed += 1,
                Outcome::NotRead { .. } => counts.not_read += 1,
                Outcome::Pending { .. } => counts.pending += 1,
            }
        }
        counts
    }

    /// Whether every user is as desired (unchanged or applied).
    pub fn all_done(&self) -> bool {
        self.users
            .iter()
            .all(|u| matches!(u.outcome, Outcome::Unchanged | Outcome::Applied))
    }

    /// The user's report.
    pub fn user(&self, user: &UserKey) -> Option<&UserReport> {
        self.users.iter().find(|u| &u.user == user)
    }

    /// The report as JSON with every phone number masked as [`mask`] masks it and every
    /// user as [`UserKey`]'s `Display` (for printing; the plain `Serialize` keeps them).
    pub fn to_masked_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("a report serialises");
        mask_json(&mut value);
        value
    }
}

fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &*v) {
                    ("number", serde_json::Value::String(s)) => {
                        let masked = PhoneNumber::parse(s)
                            .map(|n| mask(&n))
                            .unwrap_or_else(|_| "******".into());
                        *v = serde_json::Value::String(masked);
                    }
                    ("user", serde_json::Value::String(s)) => {
                        let masked = UserKey::new(s.clone())
                            .map(|u| u.to_string())
                            .unwrap_or_else(|_| "***".into());
                        *v = serde_json::Value::String(masked);
                    }
                    _ => mask_json(v),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.counts();
        write!(
            f,
            "{} user(s): {} unchanged, {} applied, {} failed, {} not read, {} pending \
             ({} run(s) in the journal",
            self.users.len(),
            c.unchanged,
            c.applied,
            c.failed,
            c.not_read,
            c.pending,
            self.runs.len()
        )?;
        let interrupted = self.runs.iter().filter(|r| r.finished.is_none()).count();
        if interrupted > 0 {
            write!(f, ", {interrupted} interrupted")?;
        }
        f.write_str(")")?;
        if let Some(bytes) = self.dropped_tail_bytes {
            write!(
                f,
                "\njournal: a torn last record ({bytes} bytes, a run killed while writing it) \
                 was dropped"
            )?;
        }
        for user in &self.users {
            write!(f, "\n{user}")?;
        }
        Ok(())
    }
}

impl fmt::Display for UserReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let steps = |f: &mut fmt::Formatter<'_>, steps: &[RunStep]| -> fmt::Result {
            for (i, s) in steps.iter().enumerate() {
                let sep = if i == 0 { "" } else { "; " };
                write!(f, "{sep}run {}: {}", s.run, s.step)?;
            }
            Ok(())
        };
        write!(f, "{}: ", self.user)?;
        match &self.outcome {
            Outcome::Unchanged => f.write_str("unchanged")?,
            Outcome::Applied => f.write_str("applied")?,
            Outcome::Failed {
                step,
                error,
                action,
            } => {
                f.write_str("FAILED")?;
                if let Some(step) = step {
                    write!(f, " at '{step}'")?;
                }
                write!(f, ": {error}\n  what to do: {action}")?;
            }
            Outcome::NotRead { error, action } => {
                write!(f, "NOT READ: {error}\n  what to do: {action}")?
            }
            Outcome::Pending {
                remaining,
                last_error,
            } => {
                write!(f, "PENDING ({} write(s) left", remaining.len())?;
                if let Some(e) = last_error {
                    write!(f, ", last error {e}")?;
                }
                f.write_str("); run again with the same journal")?;
            }
        }
        if !self.applied.is_empty() {
            f.write_str("\n  applied: ")?;
            steps(f, &self.applied)?;
        }
        if !self.unconfirmed.is_empty() {
            f.write_str("\n  sent by an interrupted run, answer not recorded: ")?;
            steps(f, &self.unconfirmed)?;
        }
        Ok(())
    }
}

/// serde_json's `Display` may quote the offending value; keep the category only.
pub(crate) fn describe_json_error(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "not a journal record",
        serde_json::error::Category::Eof => "truncated JSON",
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::PhoneType;

    fn user(s: &str) -> UserKey {
        UserKey::new(s).unwrap()
    }

    fn create(n: &str) -> Step {
        Step::Create {
            phone_type: PhoneType::Mobile,
            number: n.parse().unwrap(),
        }
    }

    fn error(code: &str) -> ErrorInfo {
        ErrorInfo {
            status: Some(504),
            code: code.into(),
            inner_code: None,
            request_id: Some("req-1".into()),
            client_request_id: None,
            message: "gateway timeout".into(),
        }
    }

    fn read(run: u32, u: &UserKey, steps: Vec<Step>) -> Record {
        Record::Read {
            run,
            pass: 1,
            user: u.clone(),
            read: ReadRecord::Planned { steps },
        }
    }

    fn send(run: u32, u: &UserKey, index: usize, step: &Step) -> Record {
        Record::Send {
            run,
            pass: 1,
            user: u.clone(),
            index,
            step: step.clone(),
        }
    }

    fn done(run: u32, u: &UserKey, index: usize, step: &Step, result: WriteResult) -> Record {
        Record::Done {
            run,
            pass: 1,
            user: u.clone(),
            index,
            step: step.clone(),
            result,
        }
    }

    fn run(run: u32) -> Record {
        Record::Run {
            format: 1,
            run,
            users: 2,
            started: 10,
        }
    }

    #[test]
    fn two_runs_fold_into_one_outcome_per_user() {
        let (a, b) = (user("a@contoso.com"), user("b@contoso.com"));
        let (s1, s2) = (create("+1 2065550100"), Step::EnableSmsSignIn);
        let records = vec![
            run(1),
            read(1, &a, vec![s1.clone(), s2.clone()]),
            read(1, &b, vec![s1.clone()]),
            send(1, &a, 0, &s1),
            send(1, &b, 0, &s1),
            done(1, &a, 0, &s1, WriteResult::Ok),
            // Killed here: b's create never answered, a's enable never sent.
            run(2),
            read(2, &a, vec![s2.clone()]),
            read(2, &b, vec![]),
            send(2, &a, 0, &s2),
            done(
                2,
                &a,
                0,
                &s2,
                WriteResult::Reread {
                    error: error("gatewayTimeout"),
                },
            ),
            Record::End {
                run: 2,
                finished: 20,
            },
        ];
        let report = Report::from_records("j".into(), None, &records);
        assert_eq!(report.users.len(), 2);
        assert_eq!(report.users[0].user, a, "first appearance order");
        let ra = &report.users[0];
        assert_eq!(
            ra.applied,
            [RunStep {
                run: 1,
                step: s1.clone()
            }]
        );
        assert_eq!(
            ra.outcome,
            Outcome::Pending {
                remaining: vec![s2.clone()],
                last_error: Some(error("gatewayTimeout")),
            }
        );
        let rb = &report.users[1];
        // Nothing confirmed, yet Graph held the desired state at run 2's read: applied,
        // the create sent by the interrupted run listed as unconfirmed.
        assert_eq!(rb.outcome, Outcome::Applied);
        assert_eq!(rb.unconfirmed, [RunStep { run: 1, step: s1 }]);
        assert_eq!(report.runs[0].finished, None);
        assert_eq!(report.runs[1].finished, Some(20));
        let text = report.to_string();
        assert!(text.contains("1 interrupted"), "{text}");
        assert!(text.contains("[request-id req-1]"), "{text}");
        assert!(!text.contains("2065550100"), "{text}");
        assert!(!text.contains("a@contoso.com"), "{text}");
        let masked = report.to_masked_json().to_string();
        assert!(!masked.contains("2065550100"), "{masked}");
        assert!(!masked.contains("a@contoso.com"), "{masked}");
        assert!(masked.contains("********00"), "{masked}");
    }
}
