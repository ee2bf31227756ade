//! The password reset rules and the long-running operations it starts, as pure operations on
//! the tenant (no JSON: `wire` shapes the bodies).
//!
//! [resetPassword](https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword)
//! resets the password method (`28c10230-6103-485e-b985-444c60001490`) and answers `202
//! Accepted` with the `Location` of a
//! [longRunningOperation](https://learn.microsoft.com/graph/api/resources/longrunningoperation).
//! The documentation names the statuses (`notStarted`, `running`, `succeeded`, `failed`) but
//! not how fast they move; here the operation moves one step per read of it
//! (`GET .../operations/{id}`): the first read answers `notStarted`, the second `running`,
//! the third and later the terminal status, so a test knows exactly what each poll sees.
//! The fault kinds `operation-fails` and `operation-stays-running` change the fate.

use crate::error::ApiError;
use crate::tenant::{MethodKind, PASSWORD_METHOD_ID, Tenant};

/// The `Retry-After` (in seconds) of the `202 Accepted` and of every non-terminal read of an
/// operation.
pub(crate) const RETRY_AFTER_SECONDS: u32 = 1;

/// The `statusDetail` of an operation that ends `failed` (the `operation-fails` fault).
pub(crate) const FAILED_DETAIL: &str =
    "The password could not be written back to the on-premises directory.";

/// Shortest and longest password accepted, in characters (Microsoft Entra's cloud password
/// policy: 8 to 256 characters).
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 256;

/// How an operation ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Succeeds,
    Fails,
    StaysRunning,
}

/// A status of a long-running operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    NotStarted,
    Running,
    Succeeded,
    Failed,
}

impl Stage {
    /// Whether polling can stop.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Stage::Succeeded | Stage::Failed)
    }

    /// Graph's `longRunningOperationStatus` member.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Stage::NotStarted => "notStarted",
            Stage::Running => "running",
            Stage::Succeeded => "succeeded",
            Stage::Failed => "failed",
        }
    }
}

/// An operation this emulator started, as it moves on. Holds no password: the new password
/// is answered once, in the `202`, and kept nowhere.
#[derive(Clone, Debug)]
pub(crate) struct LiveOperation {
    fate: Fate,
    reads: u32,
}

impl LiveOperation {
    pub(crate) fn new(fate: Fate) -> Self {
        Self { fate, reads: 0 }
    }

    /// The status before any read.
    pub(crate) fn initial() -> Stage {
        Stage::NotStarted
    }

    /// One read of the operation: the status it answers.
    pub(crate) fn read(&mut self) -> Stage {
        self.reads = self.reads.saturating_add(1);
        match (self.reads, self.fate) {
            (1, _) => Stage::NotStarted,
            (2, _) | (_, Fate::StaysRunning) => Stage::Running,
            (_, Fate::Succeeds) => Stage::Succeeded,
            (_, Fate::Fails) => Stage::Failed,
        }
    }
}

/// Checks that user `uidx` has method `method_id` and that it is the password method: 404
/// `itemNotFound` for a method the user does not have (the password method included, when
/// the tenant gives the user none), 400 for another kind of method.
pub(crate) fn check_method(tenant: &Tenant, uidx: usize, method_id: &str) -> Result<(), ApiError> {
    let user = &tenant.users[uidx];
    let has = |kind: MethodKind| {
        user.methods.get(&kind).into_iter().flatten().any(|m| {
            m.get("id")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(method_id))
        })
    };
    if has(MethodKind::PasswordMethods) && method_id.eq_ignore_ascii_case(PASSWORD_METHOD_ID) {
        return Ok(());
    }
    let other = user
        .phone_methods
        .iter()
        .any(|p| p.id().eq_ignore_ascii_case(method_id))
        || MethodKind::ALL
            .into_iter()
            .filter(|k| *k != MethodKind::PasswordMethods)
            .any(has);
    if other {
        return Err(ApiError::bad_request(format!(
            "resetPassword is supported only on the password authentication method ({PASSWORD_METHOD_ID})."
        )));
    }
    Err(ApiError::new(
        404,
        "itemNotFound",
        format!("The authentication method '{method_id}' was not found for this user."),
    ))
}

/// Checks a caller's new password against the cloud password policy the emulator applies:
/// 8 to 256 characters, with characters of at least three of lower case, upper case, digits
/// and symbols. The error never quotes the password.
pub(crate) fn check_password(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .into_iter()
    .filter(|&b| b)
    .count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) && classes >= 3 {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "Request_BadRequest",
        "The specified password does not comply with password complexity requirements. Please provide a different password.",
    ))
}

/// A system-generated password that meets [`check_password`]: 16 characters with lower and
/// upper case letters, digits and a symbol, from a randomly seeded generator.
pub(crate) fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const SYMBOLS: &[u8] = b"!#$%&*+-=?@";
    let mut rng = fastrand::Rng::new();
    let mut pick = |set: &[u8]| char::from(set[rng.usize(..set.len())]);
    let mut out: Vec<char> = vec![pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
    while out.len() < 16 {
        out.push(pick(LOWER));
    }
    rng.shuffle(&mut out);
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::{PhoneType, User};

    #[test]
    fn an_operation_moves_one_step_per_read() {
        let stages = |fate| {
            let mut op = LiveOperation::new(fate);
            (0..5).map(|_| op.read().as_str()).collect::<Vec<_>>()
        };
        assert_eq!(
            stages(Fate::Succeeds),
            [
                "notStarted",
                "running",
                "succeeded",
                "succeeded",
                "succeeded"
            ]
        );
        assert_eq!(
            stages(Fate::Fails),
            ["notStarted", "running", "failed", "failed", "failed"]
        );
        assert_eq!(
            stages(Fate::StaysRunning),
            ["notStarted", "running", "running", "running", "running"]
        );
        assert!(!LiveOperation::initial().is_terminal());
    }

    #[test]
    fn passwords_follow_the_cloud_policy() {
        for good in ["Cuyo5459", "correct-horse-Battery", "ÄÖÜäöü12"] {
            assert!(check_password(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Ab1!",
            "alllowercase",
            "ALLUPPER123",
            &"Aa1!".repeat(65),
        ] {
            let e = check_password(bad).unwrap_err();
            assert_eq!(e.status.as_u16(), 400);
            assert!(bad.is_empty() || !e.message.contains(bad), "{bad}");
        }
        for _ in 0..200 {
            let p = generate_password();
            assert_eq!(p.chars().count(), 16);
            assert!(check_password(&p).is_ok(), "{p}");
        }
        assert_ne!(generate_password(), generate_password());
    }

    #[test]
    fn only_the_password_method_can_be_reset() {
        let mut tenant = Tenant::default();
        let mut alice = User::new("a", "alice@contoso.com");
        alice.methods.insert(
            MethodKind::PasswordMethods,
            vec![
                serde_json::json!({"id": PASSWORD_METHOD_ID})
                    .as_object()
                    .unwrap()
                    .clone(),
            ],
        );
        alice.phone_methods.push(crate::tenant::PhoneMethod::new(
            PhoneType::Mobile,
            "+1 5555551234",
        ));
        tenant.users.push(alice);
        tenant.users.push(User::new("b", "bob@contoso.com"));
        assert!(check_method(&tenant, 0, PASSWORD_METHOD_ID).is_ok());
        assert!(check_method(&tenant, 0, &PASSWORD_METHOD_ID.to_uppercase()).is_ok());
        let phone = check_method(&tenant, 0, PhoneType::Mobile.method_id()).unwrap_err();
        assert_eq!(phone.status.as_u16(), 400);
        let unknown = check_method(&tenant, 0, "nope").unwrap_err();
        assert_eq!(
            (unknown.status.as_u16(), unknown.code.as_str()),
            (404, "itemNotFound")
        );
        let no_password = check_method(&tenant, 1, PASSWORD_METHOD_ID).unwrap_err();
        assert_eq!(no_password.status.as_u16(), 404);
    }
}
