//! Desired-state reconciliation of one user's phone methods: the pure planning core.
//!
//! Given what a user's phones are ([`CurrentPhones`], read from the list of their
//! [`PhoneAuthenticationMethod`]s) and what they should be ([`DesiredPhones`]), [`plan`]
//! computes the ordered [`Step`]s that take one to the other, in an order that Graph
//! accepts. The planner sends no request: the plan is data ([`UserPlan`] is `Serialize`
//! and `Deserialize`) that an apply step carries out later.
//!
//! [`read_plans`] reads and plans many users; [`apply`] reads, plans and applies them
//! through the bulk path, crash-safe with a progress journal, and returns a [`Report`]
//! of every user's outcome over every run.
//!
//! # The rules the order follows
//!
//! From Graph's documentation of the phone methods:
//!
//! - A user has at most one phone of each type (`mobile`, `alternateMobile`, `office`),
//!   and must have a `mobile` before an `alternateMobile` is added
//!   ([Create phoneMethod](https://learn.microsoft.com/graph/api/authentication-post-phonemethods)).
//!   So a missing phone is created, never created a second time, and a mobile is created
//!   before an alternate mobile.
//! - An update cannot change a phone's type
//!   ([Update phoneAuthenticationMethod](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-update)):
//!   the plan only ever updates a phone's number, keeping its type.
//! - A user cannot have an `alternateMobile` without a `mobile`; to remove the mobile of a
//!   user who also has an alternate mobile, update the mobile to the new number, then
//!   delete the alternate mobile
//!   ([Delete phoneAuthenticationMethod](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete)).
//!   So the alternate mobile is deleted before the mobile, and a desired state with an
//!   alternate mobile but no mobile is refused ([`PlanError::AlternateMobileWithoutMobile`]).
//! - SMS sign-in exists only on the mobile phone, and enabling it needs the user to be
//!   enabled for SMS sign-in by policy and the number to be unique in the SMS sign-in
//!   system
//!   ([enableSmsSignIn](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-enablesmssignin),
//!   [disableSmsSignIn](https://learn.microsoft.com/graph/api/phoneauthenticationmethod-disablesmssignin),
//!   [phoneAuthenticationMethod](https://learn.microsoft.com/graph/api/resources/phoneauthenticationmethod)).
//!   The plan enables it after the mobile exists and disables it before the mobile is
//!   deleted. Creating a mobile or changing its number makes Graph try to register the
//!   new number for SMS sign-in, so after either the plan states the wish explicitly
//!   (enable or disable) unless it is [`SmsSignIn::DontCare`].
//!
//! One documented rule cannot be checked from the phone methods alone: a phone that is
//! the user's default MFA method cannot be deleted (the delete page above). Graph refuses
//! such a delete when the plan is applied; the user must change their default method
//! first.
//!
//! An unchanged user gives an empty plan, and planning again from the state a plan
//! leads to gives an empty plan.
//!
//! # Personal data
//!
//! `Display` masks every phone number (only its last two digits stay) and the local part
//! of a user principal name; `Debug` shows no number at all. The serialised plan carries
//! the full numbers and user, since it is what the apply step sends: treat it as
//! personal data.

use std::fmt;

use graph_phone_runtime::{PhoneMethodId, PhoneNumber, PhoneNumberError, UserRef};
use graph_phone_types::{
    AuthenticationMethodSignInState, AuthenticationPhoneType, PhoneAuthenticationMethod,
};
use serde::{Deserialize, Serialize};

mod apply;
mod journal;
mod report;
#[cfg(test)]
mod tests;

pub use apply::{
    ApplyError, ApplyOptions, Phase, Progress, ProgressFn, ReadError, ReadOptions, UserRead, apply,
    read_plans,
};
pub use journal::JournalError;
pub use report::{Counts, ErrorInfo, Outcome, Report, RunStep, RunSummary, UserReport};

/// The user a plan is for: an object id or a user principal name, checked as
/// [`UserRef`] checks it. `Display` and `Debug` keep an object id (a GUID) but mask the
/// local part of a user principal name (`k***@contoso.com`) and anything else but its
/// first character; serialisation keeps it whole.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserKey(String);

impl UserKey {
    /// Checks `id_or_upn` (not empty, not `.` or `..`, no backslash).
    pub fn new(id_or_upn: impl Into<String>) -> Result<UserKey, PlanError> {
        let s = id_or_upn.into();
        UserRef::new(s.clone()).map_err(|e| PlanError::InvalidUser {
            reason: e.to_string(),
        })?;
        Ok(UserKey(s))
    }

    /// The id or user principal name as given (for requests, not for logs).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The [`UserRef`] that requests for this user take.
    pub fn user_ref(&self) -> UserRef {
        UserRef::new(self.0.clone()).expect("checked when the key was made")
    }
}

impl TryFrom<String> for UserKey {
    type Error = PlanError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UserKey::new(s)
    }
}

impl From<UserKey> for String {
    fn from(k: UserKey) -> String {
        k.0
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let is_object_id = self.0.len() == 36
            && self.0.chars().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            });
        if is_object_id {
            return f.write_str(&self.0);
        }
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        if domain.is_empty() {
            write!(f, "{first}***")
        } else {
            write!(f, "{first}***@{domain}")
        }
    }
}

impl fmt::Debug for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserKey({self})")
    }
}

/// A phone's type: the three types of `authenticationPhoneType` that exist today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PhoneType {
    /// `mobile`: the default phone for MFA and SSPR, the only one usable for SMS sign-in.
    Mobile,
    /// `alternateMobile`: the backup phone; needs a mobile.
    AlternateMobile,
    /// `office`: voice calls only.
    Office,
}

impl PhoneType {
    /// All three, in the order of the metadata.
    pub const ALL: [PhoneType; 3] = [
        PhoneType::Mobile,
        PhoneType::AlternateMobile,
        PhoneType::Office,
    ];

    /// The wire name (`mobile`, `alternateMobile`, `office`).
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneType::Mobile => "mobile",
            PhoneType::AlternateMobile => "alternateMobile",
            PhoneType::Office => "office",
        }
    }

    /// The fixed id of the phone method of this type (the same for every user).
    pub fn method_id(self) -> PhoneMethodId {
        match self {
            PhoneType::Mobile => PhoneMethodId::Mobile,
            PhoneType::AlternateMobile => PhoneMethodId::AlternateMobile,
            PhoneType::Office => PhoneMethodId::Office,
        }
    }

    /// The generated enum's member, for a create body.
    pub fn to_authentication_phone_type(self) -> AuthenticationPhoneType {
        match self {
            PhoneType::Mobile => AuthenticationPhoneType::Mobile,
            PhoneType::AlternateMobile => AuthenticationPhoneType::AlternateMobile,
            PhoneType::Office => AuthenticationPhoneType::Office,
        }
    }
}

impl fmt::Display for PhoneType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What SMS sign-in on the mobile phone should be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SmsSignIn {
    /// Ready for SMS sign-in (`smsSignInState` `ready`); needs a mobile.
    Enabled,
    /// Not usable for SMS sign-in (any state but `ready` and `notConfigured`).
    Disabled,
    /// Left as Graph makes it.
    #[default]
    DontCare,
}

/// The phones one user should have. A type left `None` should have no phone: an existing
/// one is deleted. Numbers are [`PhoneNumber`]s, so they are valid by construction (and
/// when deserialised).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredPhones {
    /// The `mobile` number.
    #[serde(default)]
    pub mobile: Option<PhoneNumber>,
    /// The `alternateMobile` number; needs a mobile.
    #[serde(default)]
    pub alternate_mobile: Option<PhoneNumber>,
    /// The `office` number.
    #[serde(default)]
    pub office: Option<PhoneNumber>,
    /// SMS sign-in on the mobile.
    #[serde(default)]
    pub sms_sign_in: SmsSignIn,
}

impl DesiredPhones {
    /// Builds the desired phones from text, checking each number as [`PhoneNumber::parse`]
    /// does; an error names the user and the field, never the number.
    pub fn parse(
        user: &UserKey,
        mobile: Option<&str>,
        alternate_mobile: Option<&str>,
        office: Option<&str>,
        sms_sign_in: SmsSignIn,
    ) -> Result<DesiredPhones, PlanError> {
        let check = |phone_type: PhoneType, s: Option<&str>| {
            s.map(|s| {
                PhoneNumber::parse(s).map_err(|reason| PlanError::InvalidDesiredNumber {
                    user: user.clone(),
                    phone_type,
                    reason,
                })
            })
            .transpose()
        };
        Ok(DesiredPhones {
            mobile: check(PhoneType::Mobile, mobile)?,
            alternate_mobile: check(PhoneType::AlternateMobile, alternate_mobile)?,
            office: check(PhoneType::Office, office)?,
            sms_sign_in,
        })
    }

    /// The desired number of `phone_type`.
    pub fn number(&self, phone_type: PhoneType) -> Option<&PhoneNumber> {
        match phone_type {
            PhoneType::Mobile => self.mobile.as_ref(),
            PhoneType::AlternateMobile => self.alternate_mobile.as_ref(),
            PhoneType::Office => self.office.as_ref(),
        }
    }
}

/// The SMS sign-in states of `authenticationMethodSignInState` that exist today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SmsSignInState {
    /// `notSupported`: not possible on this phone (alternate mobile and office phones).
    NotSupported,
    /// `notAllowedByPolicy`: the user is not enabled for SMS sign-in by policy.
    NotAllowedByPolicy,
    /// `notEnabled`: possible but off.
    NotEnabled,
    /// `phoneNumberNotUnique`: someone else uses the number for SMS sign-in.
    PhoneNumberNotUnique,
    /// `ready`: on.
    Ready,
    /// `notConfigured`: allowed by policy, but the user must take further action.
    NotConfigured,
}

impl SmsSignInState {
    fn read(
        user: &UserKey,
        state: &AuthenticationMethodSignInState,
    ) -> Result<SmsSignInState, PlanError> {
        Ok(match state {
            AuthenticationMethodSignInState::NotSupported => SmsSignInState::NotSupported,
            AuthenticationMethodSignInState::NotAllowedByPolicy => {
                SmsSignInState::NotAllowedByPolicy
            }
            AuthenticationMethodSignInState::NotEnabled => SmsSignInState::NotEnabled,
            AuthenticationMethodSignInState::PhoneNumberNotUnique => {
                SmsSignInState::PhoneNumberNotUnique
            }
            AuthenticationMethodSignInState::Ready => SmsSignInState::Ready,
            AuthenticationMethodSignInState::NotConfigured => SmsSignInState::NotConfigured,
            other => {
                return Err(PlanError::UnknownSmsSignInState {
                    user: user.clone(),
                    value: other.as_str().to_owned(),
                });
            }
        })
    }

    /// Whether SMS sign-in counts as enabled ([`SmsSignIn::Enabled`] is met) in this state.
    pub fn is_enabled(self) -> bool {
        self == SmsSignInState::Ready
    }

    /// Whether [`SmsSignIn::Disabled`] is met in this state: anything but `ready` and
    /// `notConfigured` (which is on as far as policy goes, waiting for the user).
    pub fn is_disabled(self) -> bool {
        !matches!(self, SmsSignInState::Ready | SmsSignInState::NotConfigured)
    }
}

/// One phone as read from Graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentPhone {
    /// The number.
    pub number: PhoneNumber,
    /// Its SMS sign-in state.
    pub sms_sign_in_state: SmsSignInState,
}

/// A user's phones as read from Graph: at most one per type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentPhones {
    /// The `mobile` phone.
    #[serde(default)]
    pub mobile: Option<CurrentPhone>,
    /// The `alternateMobile` phone.
    #[serde(default)]
    pub alternate_mobile: Option<CurrentPhone>,
    /// The `office` phone.
    #[serde(default)]
    pub office: Option<CurrentPhone>,
}

impl CurrentPhones {
    /// Reads a user's phone methods (the list of `/users/{id}/authentication/phoneMethods`,
    /// with `id`, `phoneNumber`, `phoneType` and `smsSignInState`).
    ///
    /// Refused, with an error naming the user and what is wrong (never a number): a
    /// `phoneType` or `smsSignInState` this crate does not know (including
    /// `unknownFutureValue`), a missing property, two phones of one type, an id that is
    /// not the fixed id of its type, and a number that is not in Graph's format, in
    /// particular one masked because the caller may only read masked numbers.
    pub fn from_methods(
        user: &UserKey,
        methods: &[PhoneAuthenticationMethod],
    ) -> Result<CurrentPhones, PlanError> {
        let mut current = CurrentPhones::default();
        for method in methods {
            let missing = |property: &'static str| PlanError::MissingProperty {
                user: user.clone(),
                property,
            };
            let phone_type = match method.phone_type.as_ref().ok_or(missing("phoneType"))? {
                AuthenticationPhoneType::Mobile => PhoneType::Mobile,
                AuthenticationPhoneType::AlternateMobile => PhoneType::AlternateMobile,
                AuthenticationPhoneType::Office => PhoneType::Office,
                other => {
                    return Err(PlanError::UnknownPhoneType {
                        user: user.clone(),
                        value: other.as_str().to_owned(),
                    });
                }
            };
            if PhoneMethodId::from_id(&method.id) != phone_type.method_id() {
                return Err(PlanError::UnexpectedId {
                    user: user.clone(),
                    phone_type,
                    id: method.id.clone(),
                });
            }
            let raw = method
                .phone_number
                .as_deref()
                .ok_or(missing("phoneNumber"))?;
            let number = PhoneNumber::parse(raw).map_err(|reason| {
                if raw.contains('X') {
                    PlanError::MaskedNumber {
                        user: user.clone(),
                        phone_type,
                    }
                } else {
                    PlanError::InvalidCurrentNumber {
                        user: user.clone(),
                        phone_type,
                        reason,
                    }
                }
            })?;
            let sms_sign_in_state = SmsSignInState::read(
                user,
                method
                    .sms_sign_in_state
                    .as_ref()
                    .ok_or(missing("smsSignInState"))?,
            )?;
            let slot = current.slot_mut(phone_type);
            if slot.is_some() {
                return Err(PlanError::DuplicatePhoneType {
                    user: user.clone(),
                    phone_type,
                });
            }
            *slot = Some(CurrentPhone {
                number,
                sms_sign_in_state,
            });
        }
        Ok(current)
    }

    /// The phone of `phone_type`.
    pub fn phone(&self, phone_type: PhoneType) -> Option<&CurrentPhone> {
        match phone_type {
            PhoneType::Mobile => self.mobile.as_ref(),
            PhoneType::AlternateMobile => self.alternate_mobile.as_ref(),
            PhoneType::Office => self.office.as_ref(),
        }
    }

    fn slot_mut(&mut self, phone_type: PhoneType) -> &mut Option<CurrentPhone> {
        match phone_type {
            PhoneType::Mobile => &mut self.mobile,
            PhoneType::AlternateMobile => &mut self.alternate_mobile,
            PhoneType::Office => &mut self.office,
        }
    }
}

/// One write of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Step {
    /// `POST .../phoneMethods` with this number and type.
    Create {
        /// The type of the new phone.
        #[serde(rename = "phoneType")]
        phone_type: PhoneType,
        /// Its number.
        number: PhoneNumber,
    },
    /// `PATCH .../phoneMethods/{id of the type}` with this number (the type stays).
    UpdateNumber {
        /// The type of the phone changed.
        #[serde(rename = "phoneType")]
        phone_type: PhoneType,
        /// Its new number.
        number: PhoneNumber,
    },
    /// `DELETE .../phoneMethods/{id of the type}`.
    Delete {
        /// The type of the phone deleted.
        #[serde(rename = "phoneType")]
        phone_type: PhoneType,
    },
    /// `POST .../phoneMethods/{mobile id}/enableSmsSignIn`.
    EnableSmsSignIn,
    /// `POST .../phoneMethods/{mobile id}/disableSmsSignIn`.
    DisableSmsSignIn,
}

impl Step {
    /// The phone method the step writes to.
    pub fn phone_type(&self) -> PhoneType {
        match self {
            Step::Create { phone_type, .. }
            | Step::UpdateNumber { phone_type, .. }
            | Step::Delete { phone_type } => *phone_type,
            Step::EnableSmsSignIn | Step::DisableSmsSignIn => PhoneType::Mobile,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Create { phone_type, number } => {
                write!(f, "create {phone_type} {}", mask(number))
            }
            Step::UpdateNumber { phone_type, number } => {
                write!(f, "update {phone_type} number to {}", mask(number))
            }
            Step::Delete { phone_type } => write!(f, "delete {phone_type}"),
            Step::EnableSmsSignIn => f.write_str("enable SMS sign-in on mobile"),
            Step::DisableSmsSignIn => f.write_str("disable SMS sign-in on mobile"),
        }
    }
}

/// A phone number for display: every digit but the last two of the number (extension
/// dropped) masked, and all of them when the number has four digits or fewer.
pub fn mask(number: &PhoneNumber) -> String {
    let subscriber = number
        .as_str()
        .split_once(' ')
        .map_or("", |(_, rest)| rest.split('x').next().unwrap_or(""));
    let n = subscriber.len();
    if n <= 4 {
        return "*".repeat(n.max(6));
    }
    format!("{}{}", "*".repeat(n - 2), &subscriber[n - 2..])
}

/// The ordered writes that take one user from their current phones to the desired ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPlan {
    /// The user.
    pub user: UserKey,
    /// The writes, in the order they must be sent (each after the previous succeeded).
    pub steps: Vec<Step>,
}

impl UserPlan {
    /// Whether the user is already as desired (no write).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for UserPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return write!(f, "{}: unchanged", self.user);
        }
        write!(f, "{}:", self.user)?;
        for (i, step) in self.steps.iter().enumerate() {
            write!(f, "\n  {}. {step}", i + 1)?;
        }
        Ok(())
    }
}

/// Why a user's phones cannot be read or planned. Messages name the user (masked as
/// [`UserKey`]'s `Display`), the phone type and what to do; never a number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The user id or principal name is not usable in a request.
    #[error("invalid user: {reason}")]
    InvalidUser {
        /// What is wrong.
        reason: String,
    },
    /// A desired number is not in Graph's format.
    #[error("user {user}: desired {phone_type} number: {reason}")]
    InvalidDesiredNumber {
        /// The user.
        user: UserKey,
        /// Which number.
        phone_type: PhoneType,
        /// What is wrong.
        reason: PhoneNumberError,
    },
    /// Graph sent a `phoneType` this crate does not know.
    #[error(
        "user {user}: phone method with phoneType '{value}', which this client does not know; \
         update graph-phone-client or leave this user out"
    )]
    UnknownPhoneType {
        /// The user.
        user: UserKey,
        /// The value as read.
        value: String,
    },
    /// Graph sent an `smsSignInState` this crate does not know.
    #[error(
        "user {user}: mobile phone with smsSignInState '{value}', which this client does not \
         know; update graph-phone-client or leave this user out"
    )]
    UnknownSmsSignInState {
        /// The user.
        user: UserKey,
        /// The value as read.
        value: String,
    },
    /// A phone method lacked a property the planner needs.
    #[error(
        "user {user}: a phone method has no {property}; read the phone methods without \
         $select, or with id, phoneNumber, phoneType and smsSignInState"
    )]
    MissingProperty {
        /// The user.
        user: UserKey,
        /// The property's wire name.
        property: &'static str,
    },
    /// Two phone methods of one type (Graph allows one).
    #[error("user {user}: two {phone_type} phones were read; Graph allows one per type")]
    DuplicatePhoneType {
        /// The user.
        user: UserKey,
        /// The type.
        phone_type: PhoneType,
    },
    /// A phone method's id is not the fixed id of its type.
    #[error("user {user}: the {phone_type} phone has id '{id}', not the fixed id of its type")]
    UnexpectedId {
        /// The user.
        user: UserKey,
        /// The type.
        phone_type: PhoneType,
        /// The id read.
        id: String,
    },
    /// A number read from Graph is masked (`+1 XXXXXXXX34`).
    #[error(
        "user {user}: the {phone_type} number was read masked, so it cannot be compared; \
         read with an application permission or a role that sees full numbers"
    )]
    MaskedNumber {
        /// The user.
        user: UserKey,
        /// The type.
        phone_type: PhoneType,
    },
    /// A number read from Graph is not in Graph's format.
    #[error("user {user}: the current {phone_type} number: {reason}")]
    InvalidCurrentNumber {
        /// The user.
        user: UserKey,
        /// The type.
        phone_type: PhoneType,
        /// What is wrong.
        reason: PhoneNumberError,
    },
    /// The desired state has an alternate mobile and no mobile, which Graph never allows.
    #[error(
        "user {user}: an alternateMobile needs a mobile (Graph allows no alternateMobile \
         without a mobile); give this user a mobile, or make the alternateMobile number the \
         mobile"
    )]
    AlternateMobileWithoutMobile {
        /// The user.
        user: UserKey,
    },
    /// SMS sign-in is wished enabled and the desired state has no mobile.
    #[error(
        "user {user}: SMS sign-in works only on a mobile phone and none is desired; give \
         this user a mobile, or do not ask for SMS sign-in"
    )]
    SmsSignInWithoutMobile {
        /// The user.
        user: UserKey,
    },
    /// SMS sign-in is wished enabled, but the user is not allowed it by policy.
    #[error(
        "user {user}: SMS sign-in is not allowed for this user by policy \
         (smsSignInState notAllowedByPolicy); enable SMS sign-in for the user in the \
         authentication methods policy, or do not ask for it"
    )]
    SmsSignInNotAllowedByPolicy {
        /// The user.
        user: UserKey,
    },
    /// SMS sign-in is wished enabled, but the mobile number is used by someone else.
    #[error(
        "user {user}: the mobile number is used for SMS sign-in by someone else \
         (smsSignInState phoneNumberNotUnique); choose another mobile number, or do not ask \
         for SMS sign-in"
    )]
    SmsSignInNumberNotUnique {
        /// The user.
        user: UserKey,
    },
    /// SMS sign-in is wished enabled, but Graph says the mobile does not support it.
    #[error(
        "user {user}: Graph reports SMS sign-in as not supported on this user's mobile \
         (smsSignInState notSupported); do not ask for SMS sign-in"
    )]
    SmsSignInNotSupported {
        /// The user.
        user: UserKey,
    },
}

/// The writes, in order, that take `user` from `current` to `desired`, or why no order
/// of Graph's documented operations can (see the [module documentation](self) for the
/// rules). An unchanged user gives an empty plan.
///
/// The order:
/// 1. disable SMS sign-in, when the mobile is to be deleted while SMS sign-in is on;
/// 2. create the mobile, or update its number;
/// 3. create, update or delete the alternate mobile (after the mobile exists, before
///    the mobile is deleted);
/// 4. delete the mobile;
/// 5. enable or disable SMS sign-in as wished: after a create or a number change always
///    (Graph re-registers the new number), otherwise only when the state differs;
/// 6. create, update or delete the office phone.
pub fn plan(
    user: &UserKey,
    current: &CurrentPhones,
    desired: &DesiredPhones,
) -> Result<UserPlan, PlanError> {
    let err_user = || user.clone();
    if desired.alternate_mobile.is_some() && desired.mobile.is_none() {
        return Err(PlanError::AlternateMobileWithoutMobile { user: err_user() });
    }
    let mobile_written = match (&current.mobile, &desired.mobile) {
        (None, Some(_)) => true,
        (Some(c), Some(d)) => c.number != *d,
        _ => false,
    };
    if desired.sms_sign_in == SmsSignIn::Enabled {
        if desired.mobile.is_none() {
            return Err(PlanError::SmsSignInWithoutMobile { user: err_user() });
        }
        if let Some(mobile) = &current.mobile {
            match mobile.sms_sign_in_state {
                // About the user, whatever the number.
                SmsSignInState::NotAllowedByPolicy => {
                    return Err(PlanError::SmsSignInNotAllowedByPolicy { user: err_user() });
                }
                SmsSignInState::NotSupported => {
                    return Err(PlanError::SmsSignInNotSupported { user: err_user() });
                }
                // About the number: a new one may be unique.
                SmsSignInState::PhoneNumberNotUnique if !mobile_written => {
                    return Err(PlanError::SmsSignInNumberNotUnique { user: err_user() });
                }
                _ => {}
            }
        }
    }
    Ok(plan_steps(user, current, desired, mobile_written))
}

fn plan_steps(
    user: &UserKey,
    current: &CurrentPhones,
    desired: &DesiredPhones,
    mobile_written: bool,
) -> UserPlan {
    let mut steps = Vec::new();
    let write = |phone_type: PhoneType, steps: &mut Vec<Step>| match (
        current.phone(phone_type),
        desired.number(phone_type),
    ) {
        (None, Some(number)) => steps.push(Step::Create {
            phone_type,
            number: number.clone(),
        }),
        (Some(c), Some(number)) if c.number != *number => steps.push(Step::UpdateNumber {
            phone_type,
            number: number.clone(),
        }),
        _ => {}
    };
    let delete = |phone_type: PhoneType, steps: &mut Vec<Step>| {
        if current.phone(phone_type).is_some() && desired.number(phone_type).is_none() {
            steps.push(Step::Delete { phone_type });
        }
    };
    let mobile_deleted = current.mobile.is_some() && desired.mobile.is_none();
    if mobile_deleted
        && current
            .mobile
            .as_ref()
            .is_some_and(|m| !m.sms_sign_in_state.is_disabled())
    {
        steps.push(Step::DisableSmsSignIn);
    }
    write(PhoneType::Mobile, &mut steps);
    write(PhoneType::AlternateMobile, &mut steps);
    delete(PhoneType::AlternateMobile, &mut steps);
    delete(PhoneType::Mobile, &mut steps);
    if desired.mobile.is_some() {
        let state = current.mobile.as_ref().map(|m| m.sms_sign_in_state);
        match desired.sms_sign_in {
            SmsSignIn::Enabled if mobile_written || !state.is_some_and(|s| s.is_enabled()) => {
                steps.push(Step::EnableSmsSignIn)
            }
            SmsSignIn::Disabled if mobile_written || !state.is_some_and(|s| s.is_disabled()) => {
                steps.push(Step::DisableSmsSignIn)
            }
            _ => {}
        }
    }
    write(PhoneType::Office, &mut steps);
    delete(PhoneType::Office, &mut steps);
    UserPlan {
        user: user.clone(),
        steps,
    }
}
