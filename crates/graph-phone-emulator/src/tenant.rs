//! The emulator's domain state: users, their methods and policy, and the token table.
//!
//! The same types are the tenant file format (`--tenant`) and the state file format
//! (`--state`), so a saved state is itself a valid tenant file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A JSON object, as stored for the method kinds the emulator does not interpret.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The fixed id of a user's mobile phone method, the same for every user.
pub const MOBILE_ID: &str = "3179e48a-750b-4051-897c-87b9720928f7";
/// The fixed id of a user's alternate mobile phone method.
pub const ALTERNATE_MOBILE_ID: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
/// The fixed id of a user's office phone method.
pub const OFFICE_ID: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";
/// The id Graph gives a user's password method.
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// Directory role: Global Reader (may read other users' methods).
pub const GLOBAL_READER: &str = "Global Reader";
/// Directory role: Authentication Administrator (reads and writes, sees masked numbers).
pub const AUTHENTICATION_ADMINISTRATOR: &str = "Authentication Administrator";
/// Directory role: Privileged Authentication Administrator (reads and writes).
pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "Privileged Authentication Administrator";

/// The whole emulated tenant: users and the bearer tokens that map to principals.
///
/// `Debug` shows no token, user principal name, phone number or stored method content
/// (numbers masked as in the logs, the rest counted or left out).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    /// The users of the tenant.
    #[serde(default)]
    pub users: Vec<User>,
    /// Bearer token (the literal string after `Bearer `) to the principal it stands for.
    #[serde(default)]
    pub tokens: BTreeMap<String, Principal>,
}

/// A user of the tenant with their authentication methods and policy flags.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// Object id.
    pub id: String,
    /// User principal name, matched case-insensitively.
    pub user_principal_name: String,
    /// Directory roles by display name, e.g. `Authentication Administrator`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directory_roles: Vec<String>,
    /// Policy flags.
    #[serde(default)]
    pub policy: UserPolicy,
    /// Phone methods (at most one per type).
    #[serde(default)]
    pub phone_methods: Vec<PhoneMethod>,
    /// The other method kinds, keyed by their collection segment (`emailMethods`, ...); each
    /// object needs an `id` and is served as written (secrets are nulled on the way out).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub methods: BTreeMap<MethodKind, Vec<JsonObject>>,
    /// Long-running operations, served by `authentication/operations/{id}`; each needs an `id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<JsonObject>,
}

impl User {
    /// A user with no roles, no methods and default policy.
    pub fn new(id: impl Into<String>, upn: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            user_principal_name: upn.into(),
            directory_roles: Vec::new(),
            policy: UserPolicy::default(),
            phone_methods: Vec::new(),
            methods: BTreeMap::new(),
            operations: Vec::new(),
        }
    }

    /// The phone of the given type, if the user has one.
    pub fn phone(&self, phone_type: PhoneType) -> Option<&PhoneMethod> {
        self.phone_methods
            .iter()
            .find(|p| p.phone_type == phone_type)
    }

    /// Whether the user holds the directory role (case-insensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.directory_roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// Per-user policy flags.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserPolicy {
    /// The user is enabled by the authentication methods policy for SMS sign-in.
    #[serde(default)]
    pub sms_sign_in_enabled: bool,
    /// The user's default MFA method, in Graph's `userDefaultAuthenticationMethod` spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mfa_method: Option<DefaultMfaMethod>,
}

/// A user's default MFA method (Graph's `userDefaultAuthenticationMethod` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DefaultMfaMethod {
    /// Push notification to Microsoft Authenticator.
    Push,
    /// An OATH code.
    Oath,
    /// Voice call to the mobile phone.
    VoiceMobile,
    /// Voice call to the alternate mobile phone.
    VoiceAlternateMobile,
    /// Voice call to the office phone.
    VoiceOffice,
    /// Text message to the mobile phone.
    Sms,
    /// No default.
    None,
}

impl DefaultMfaMethod {
    /// The phone type this default relies on, if any.
    pub fn phone_type(self) -> Option<PhoneType> {
        match self {
            Self::Sms | Self::VoiceMobile => Some(PhoneType::Mobile),
            Self::VoiceAlternateMobile => Some(PhoneType::AlternateMobile),
            Self::VoiceOffice => Some(PhoneType::Office),
            Self::Push | Self::Oath | Self::None => None,
        }
    }
}

/// A phone authentication method as stored; its id follows from its type.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhoneMethod {
    /// `mobile`, `alternateMobile` or `office`.
    pub phone_type: PhoneType,
    /// `+{country code} {number}x{extension}`.
    pub phone_number: String,
    /// SMS sign-in state; computed from type and policy when absent from the tenant file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_sign_in_state: Option<SmsSignInState>,
    /// When the method was registered, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<jiff::Timestamp>,
}

impl PhoneMethod {
    /// A phone with a state computed when the tenant is loaded.
    pub fn new(phone_type: PhoneType, number: impl Into<String>) -> Self {
        Self {
            phone_type,
            phone_number: number.into(),
            sms_sign_in_state: None,
            created_date_time: None,
        }
    }

    /// The fixed method id of this phone's type.
    pub fn id(&self) -> &'static str {
        self.phone_type.method_id()
    }

    /// The state, never absent once the tenant is loaded.
    pub fn state(&self) -> SmsSignInState {
        self.sms_sign_in_state
            .unwrap_or(SmsSignInState::NotSupported)
    }
}

/// Graph's `authenticationPhoneType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PhoneType {
    /// Primary mobile phone.
    Mobile,
    /// Alternate mobile phone.
    AlternateMobile,
    /// Office phone.
    Office,
}

impl PhoneType {
    /// All types, in Graph's listing order.
    pub const ALL: [PhoneType; 3] = [Self::Mobile, Self::AlternateMobile, Self::Office];

    /// The fixed method id for this type.
    pub fn method_id(self) -> &'static str {
        match self {
            Self::Mobile => MOBILE_ID,
            Self::AlternateMobile => ALTERNATE_MOBILE_ID,
            Self::Office => OFFICE_ID,
        }
    }

    /// The type whose fixed id this is (ids compare case-insensitively).
    pub fn from_method_id(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.method_id().eq_ignore_ascii_case(id))
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::AlternateMobile => "alternateMobile",
            Self::Office => "office",
        }
    }

    /// Parses a wire name (exact, like Graph's enum members).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Graph's `authenticationMethodSignInState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SmsSignInState {
    /// Not supported on this method (alternate mobile and office phones).
    NotSupported,
    /// The user is not enabled by policy.
    NotAllowedByPolicy,
    /// Not enabled.
    NotEnabled,
    /// Another user already has this number ready for SMS sign-in.
    PhoneNumberNotUnique,
    /// Ready for SMS sign-in.
    Ready,
    /// Enabled by policy but the user must take further action.
    NotConfigured,
}

impl SmsSignInState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSupported => "notSupported",
            Self::NotAllowedByPolicy => "notAllowedByPolicy",
            Self::NotEnabled => "notEnabled",
            Self::PhoneNumberNotUnique => "phoneNumberNotUnique",
            Self::Ready => "ready",
            Self::NotConfigured => "notConfigured",
        }
    }
}

/// The non-phone method kinds, named by their collection segment under `authentication/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MethodKind {
    /// `emailMethods`.
    EmailMethods,
    /// `fido2Methods`.
    Fido2Methods,
    /// `microsoftAuthenticatorMethods`.
    MicrosoftAuthenticatorMethods,
    /// `passwordMethods`.
    PasswordMethods,
    /// `softwareOathMethods`.
    SoftwareOathMethods,
    /// `temporaryAccessPassMethods`.
    TemporaryAccessPassMethods,
    /// `windowsHelloForBusinessMethods`.
    WindowsHelloForBusinessMethods,
    /// `platformCredentialMethods`.
    PlatformCredentialMethods,
    /// `externalAuthenticationMethods` (global cloud only).
    ExternalAuthenticationMethods,
}

impl MethodKind {
    /// All kinds, in the order `/methods` lists them (after phones).
    pub const ALL: [MethodKind; 9] = [
        Self::PasswordMethods,
        Self::EmailMethods,
        Self::Fido2Methods,
        Self::MicrosoftAuthenticatorMethods,
        Self::SoftwareOathMethods,
        Self::TemporaryAccessPassMethods,
        Self::WindowsHelloForBusinessMethods,
        Self::PlatformCredentialMethods,
        Self::ExternalAuthenticationMethods,
    ];

    /// The collection segment.
    pub fn segment(self) -> &'static str {
        match self {
            Self::EmailMethods => "emailMethods",
            Self::Fido2Methods => "fido2Methods",
            Self::MicrosoftAuthenticatorMethods => "microsoftAuthenticatorMethods",
            Self::PasswordMethods => "passwordMethods",
            Self::SoftwareOathMethods => "softwareOathMethods",
            Self::TemporaryAccessPassMethods => "temporaryAccessPassMethods",
            Self::WindowsHelloForBusinessMethods => "windowsHelloForBusinessMethods",
            Self::PlatformCredentialMethods => "platformCredentialMethods",
            Self::ExternalAuthenticationMethods => "externalAuthenticationMethods",
        }
    }

    /// The unqualified entity type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::EmailMethods => "emailAuthenticationMethod",
            Self::Fido2Methods => "fido2AuthenticationMethod",
            Self::MicrosoftAuthenticatorMethods => "microsoftAuthenticatorAuthenticationMethod",
            Self::PasswordMethods => "passwordAuthenticationMethod",
            Self::SoftwareOathMethods => "softwareOathAuthenticationMethod",
            Self::TemporaryAccessPassMethods => "temporaryAccessPassAuthenticationMethod",
            Self::WindowsHelloForBusinessMethods => "windowsHelloForBusinessAuthenticationMethod",
            Self::PlatformCredentialMethods => "platformCredentialAuthenticationMethod",
            Self::ExternalAuthenticationMethods => "externalAuthenticationMethod",
        }
    }

    /// Structural properties of the type besides `id` and `createdDateTime` (from the v1.0
    /// metadata), used to validate `$select`.
    pub fn properties(self) -> &'static [&'static str] {
        match self {
            Self::EmailMethods => &["emailAddress"],
            Self::Fido2Methods => &[
                "aaGuid",
                "attestationCertificates",
                "attestationLevel",
                "displayName",
                "model",
                "passkeyType",
                "publicKeyCredential",
            ],
            Self::MicrosoftAuthenticatorMethods => &["deviceTag", "displayName", "phoneAppVersion"],
            Self::PasswordMethods => &["password"],
            Self::SoftwareOathMethods => &["secretKey"],
            Self::TemporaryAccessPassMethods => &[
                "isUsable",
                "isUsableOnce",
                "lifetimeInMinutes",
                "methodUsabilityReason",
                "startDateTime",
                "temporaryAccessPass",
            ],
            Self::WindowsHelloForBusinessMethods => &["displayName", "keyStrength"],
            Self::PlatformCredentialMethods => &["displayName", "keyStrength", "platform"],
            Self::ExternalAuthenticationMethods => &["configurationId", "displayName"],
        }
    }

    /// Properties Graph always returns as null on reads (secrets).
    pub fn secret_properties(self) -> &'static [&'static str] {
        match self {
            Self::PasswordMethods => &["password"],
            Self::SoftwareOathMethods => &["secretKey"],
            Self::TemporaryAccessPassMethods => &["temporaryAccessPass"],
            _ => &[],
        }
    }
}

/// A national cloud; tokens may be bound to one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cloud {
    /// The global service.
    #[default]
    #[serde(rename = "global")]
    Global,
    /// US Government L4 (GCC High): everything but external authentication methods.
    #[serde(rename = "usgov-l4")]
    UsGovL4,
    /// US Government L5 (DOD): everything but external authentication methods.
    #[serde(rename = "usgov-l5-dod")]
    UsGovL5Dod,
    /// China, operated by 21Vianet: phone methods, Microsoft Authenticator and platform
    /// credential methods only, without the SMS sign-in actions.
    #[serde(rename = "china")]
    China,
}

impl Cloud {
    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::UsGovL4 => "usgov-l4",
            Self::UsGovL5Dod => "usgov-l5-dod",
            Self::China => "china",
        }
    }

    /// The navigations under `authentication/` and the `phoneMethods` actions that this
    /// cloud's v1.0 metadata lacks (the `missing` lists of `spec/clouds/usgov.lock` and
    /// `spec/clouds/china.lock`). The emulator answers them like an unknown segment.
    pub fn missing_from_metadata(self) -> &'static [&'static str] {
        match self {
            Self::Global => &[],
            Self::UsGovL4 | Self::UsGovL5Dod => &["externalAuthenticationMethods"],
            Self::China => &[
                "phoneMethods/enableSmsSignIn",
                "phoneMethods/disableSmsSignIn",
                "emailMethods",
                "fido2Methods",
                "methods",
                "passwordMethods",
                "softwareOathMethods",
                "temporaryAccessPassMethods",
                "windowsHelloForBusinessMethods",
                "operations",
                "externalAuthenticationMethods",
            ],
        }
    }

    /// Whether the cloud's metadata has the navigation (`emailMethods`, `methods`, ...) or
    /// the `phoneMethods/{action}` action; case-insensitive, like Graph's segments.
    pub fn has_navigation(self, segment: &str) -> bool {
        !self
            .missing_from_metadata()
            .iter()
            .any(|m| m.eq_ignore_ascii_case(segment))
    }

    /// Whether the cloud's metadata has the `enableSmsSignIn`/`disableSmsSignIn` actions.
    pub fn has_sms_sign_in_actions(self) -> bool {
        self.has_navigation("phoneMethods/enableSmsSignIn")
            && self.has_navigation("phoneMethods/disableSmsSignIn")
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Cloud {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "global" => Ok(Self::Global),
            "usgov-l4" => Ok(Self::UsGovL4),
            "usgov-l5-dod" => Ok(Self::UsGovL5Dod),
            "china" => Ok(Self::China),
            other => Err(format!(
                "unknown cloud `{other}` (expected global, usgov-l4, usgov-l5-dod or china)"
            )),
        }
    }
}

/// Who a bearer token stands for.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Principal {
    /// A work or school user signed in to an app (delegated permissions).
    Delegated {
        /// The user's object id or UPN.
        user: String,
        /// Delegated scopes (`scp`), e.g. `UserAuthenticationMethod.ReadWrite`.
        #[serde(default)]
        scopes: Vec<String>,
        /// Whether the user completed MFA in the last 10 minutes (needed to manage their own
        /// methods); defaults to true.
        #[serde(default = "yes")]
        recent_mfa: bool,
        /// The cloud that issued the token; any cloud when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<Cloud>,
    },
    /// An application acting as itself (application permissions).
    Application {
        /// App roles (`roles`), e.g. `UserAuthenticationMethod.Read.All`.
        #[serde(default)]
        roles: Vec<String>,
        /// The cloud that issued the token; any cloud when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<Cloud>,
    },
    /// A personal Microsoft account: refused by every endpoint.
    Personal {
        /// The cloud that issued the token; any cloud when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<Cloud>,
    },
}

fn yes() -> bool {
    true
}

impl Principal {
    /// A delegated principal for `user` with the given scopes and recent MFA.
    pub fn delegated(user: impl Into<String>, scopes: &[&str]) -> Self {
        Self::Delegated {
            user: user.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            recent_mfa: true,
            cloud: None,
        }
    }

    /// An application principal with the given app roles.
    pub fn application(roles: &[&str]) -> Self {
        Self::Application {
            roles: roles.iter().map(|s| s.to_string()).collect(),
            cloud: None,
        }
    }

    /// The cloud the token is bound to, if any.
    pub fn cloud(&self) -> Option<Cloud> {
        match self {
            Self::Delegated { cloud, .. }
            | Self::Application { cloud, .. }
            | Self::Personal { cloud } => *cloud,
        }
    }
}

impl Tenant {
    /// The example tenant shipped as `tenant.example.json` (documented in the README).
    pub fn example() -> Self {
        Self::from_json(include_str!("../tenant.example.json"))
            .expect("tenant.example.json is valid")
    }

    /// Parses and validates a tenant file, filling in computed SMS sign-in states.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let mut tenant: Tenant = serde_json::from_str(text).map_err(|e| Error::json(&e))?;
        tenant.normalize()?;
        Ok(tenant)
    }

    /// Serialises the tenant in the tenant file format.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("tenant serialises")
    }

    /// Finds a user by object id or user principal name, both case-insensitively.
    pub fn find_user(&self, id_or_upn: &str) -> Option<usize> {
        self.users.iter().position(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn)
                || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// Validates invariants and fills in absent SMS sign-in states.
    pub fn normalize(&mut self) -> Result<(), Error> {
        let invalid = |m: String| Err(Error::InvalidTenant(m));
        let mut ids = BTreeSet::new();
        let mut upns = BTreeSet::new();
        for user in &mut self.users {
            if !ids.insert(user.id.to_ascii_lowercase()) {
                return invalid(format!("duplicate user id `{}`", user.id));
            }
            if !upns.insert(user.user_principal_name.to_ascii_lowercase()) {
                // The name itself is not quoted: user principal names stay out of messages.
                return invalid(format!(
                    "user `{}` has the userPrincipalName of another user",
                    user.id
                ));
            }
            let mut seen = BTreeSet::new();
            for phone in &mut user.phone_methods {
                if !seen.insert(phone.phone_type) {
                    return invalid(format!(
                        "user `{}` has two {} phones",
                        user.id,
                        phone.phone_type.as_str()
                    ));
                }
                if !crate::number::is_valid_number(&phone.phone_number) {
                    return invalid(format!(
                        "user `{}` has a {} phone with an invalid number",
                        user.id,
                        phone.phone_type.as_str()
                    ));
                }
                let default_state = match phone.phone_type {
                    PhoneType::Mobile if user.policy.sms_sign_in_enabled => {
                        SmsSignInState::NotEnabled
                    }
                    PhoneType::Mobile => SmsSignInState::NotAllowedByPolicy,
                    _ => SmsSignInState::NotSupported,
                };
                phone.sms_sign_in_state.get_or_insert(default_state);
            }
            if seen.contains(&PhoneType::AlternateMobile) && !seen.contains(&PhoneType::Mobile) {
                return invalid(format!(
                    "user `{}` has an alternateMobile phone without a mobile phone",
                    user.id
                ));
            }
            user.phone_methods.sort_by_key(|p| p.phone_type);
            for (kind, items) in &user.methods {
                for item in items {
                    check_stored(Some(*kind), item).map_err(|e| {
                        Error::InvalidTenant(format!(
                            "user `{}`: a {} entry is not a valid {}: {e}",
                            user.id,
                            kind.segment(),
                            kind.type_name()
                        ))
                    })?;
                }
            }
            for item in &user.operations {
                check_stored(None, item).map_err(|e| {
                    Error::InvalidTenant(format!(
                        "user `{}`: an operation is not a valid longRunningOperation: {e}",
                        user.id
                    ))
                })?;
            }
        }
        for principal in self.tokens.values() {
            if let Principal::Delegated { user, .. } = principal
                && self.find_user(user).is_none()
            {
                // Neither the token nor the name it gives is quoted (secrets, user names).
                return invalid(
                    "a delegated token names a user (by id or userPrincipalName) that is not in \
                     the tenant"
                        .to_string(),
                );
            }
        }
        Ok(())
    }
}

/// Checks a stored method (`kind`) or operation (`None`) against its generated type. The
/// message names the problem without the stored value (an e-mail address, a device name).
fn check_stored(kind: Option<MethodKind>, item: &JsonObject) -> Result<(), String> {
    fn check<T: serde::de::DeserializeOwned>(item: &JsonObject) -> Result<(), String> {
        serde_json::from_value::<T>(serde_json::Value::Object(item.clone()))
            .map(drop)
            .map_err(|e| crate::error::without_values(&e.to_string()))
    }
    use graph_phone_types as g;
    match kind {
        None => check::<g::LongRunningOperation>(item),
        Some(MethodKind::EmailMethods) => check::<g::EmailAuthenticationMethod>(item),
        Some(MethodKind::Fido2Methods) => check::<g::Fido2AuthenticationMethod>(item),
        Some(MethodKind::MicrosoftAuthenticatorMethods) => {
            check::<g::MicrosoftAuthenticatorAuthenticationMethod>(item)
        }
        Some(MethodKind::PasswordMethods) => check::<g::PasswordAuthenticationMethod>(item),
        Some(MethodKind::SoftwareOathMethods) => check::<g::SoftwareOathAuthenticationMethod>(item),
        Some(MethodKind::TemporaryAccessPassMethods) => {
            check::<g::TemporaryAccessPassAuthenticationMethod>(item)
        }
        Some(MethodKind::WindowsHelloForBusinessMethods) => {
            check::<g::WindowsHelloForBusinessAuthenticationMethod>(item)
        }
        Some(MethodKind::PlatformCredentialMethods) => {
            check::<g::PlatformCredentialAuthenticationMethod>(item)
        }
        Some(MethodKind::ExternalAuthenticationMethods) => {
            check::<g::ExternalAuthenticationMethod>(item)
        }
    }
}

// Personal data stays out of `Debug`: tests print tenants in their failure messages.

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("users", &self.users)
            .field("tokens", &self.tokens.values().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let methods: BTreeMap<&str, usize> = self
            .methods
            .iter()
            .map(|(kind, items)| (kind.segment(), items.len()))
            .collect();
        f.debug_struct("User")
            .field("id", &self.id)
            .field("user_principal_name", &"<redacted>")
            .field("directory_roles", &self.directory_roles)
            .field("policy", &self.policy)
            .field("phone_methods", &self.phone_methods)
            .field("methods", &methods)
            .field("operations", &self.operations.len())
            .finish()
    }
}

impl fmt::Debug for PhoneMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhoneMethod")
            .field("phone_type", &self.phone_type)
            .field(
                "phone_number",
                &crate::number::mask_for_log(&self.phone_number),
            )
            .field("sms_sign_in_state", &self.sms_sign_in_state)
            .field("created_date_time", &self.created_date_time)
            .finish()
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Delegated {
                scopes,
                recent_mfa,
                cloud,
                ..
            } => f
                .debug_struct("Delegated")
                .field("user", &"<redacted>")
                .field("scopes", scopes)
                .field("recent_mfa", recent_mfa)
                .field("cloud", cloud)
                .finish(),
            Principal::Application { roles, cloud } => f
                .debug_struct("Application")
                .field("roles", roles)
                .field("cloud", cloud)
                .finish(),
            Principal::Personal { cloud } => {
                f.debug_struct("Personal").field("cloud", cloud).finish()
            }
        }
    }
}
