//! Authentication (bearer token to principal) and authorization (by the operation's entry of
//! the permission table generated from `spec/permissions.toml`).

use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::permissions::{self, PrincipalKind};
use crate::tenant::{
    AUTHENTICATION_ADMINISTRATOR, Cloud, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, Principal, Tenant,
};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Delegated {
        user: usize,
        scopes: Vec<String>,
        recent_mfa: bool,
    },
    Application {
        roles: Vec<String>,
    },
}

const WWW_AUTHENTICATE: &str = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(401, "InvalidAuthenticationToken", message)
        .header("www-authenticate", WWW_AUTHENTICATE)
}

/// Maps the `Authorization` header to a caller: 401 when missing or unknown, or bound to
/// another cloud; 403 for personal accounts.
pub(crate) fn authenticate(
    tenant: &Tenant,
    headers: &HeaderMap,
    cloud: Cloud,
) -> Result<Caller, ApiError> {
    let Some(value) = headers.get("authorization") else {
        return Err(unauthenticated("Access token is empty."));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthenticated("Access token is empty."))?;
    let principal = tenant
        .tokens
        .get(token)
        .ok_or_else(|| unauthenticated("Access token validation failure. Invalid audience."))?;
    if principal.cloud().is_some_and(|c| c != cloud) {
        return Err(unauthenticated(
            "Access token validation failure. The token was issued for another national cloud.",
        ));
    }
    match principal {
        Principal::Delegated {
            user,
            scopes,
            recent_mfa,
            ..
        } => {
            let user = tenant
                .find_user(user)
                .ok_or_else(|| unauthenticated("The token's user does not exist in the tenant."))?;
            Ok(Caller::Delegated {
                user,
                scopes: scopes.clone(),
                recent_mfa: *recent_mfa,
            })
        }
        Principal::Application { roles, .. } => Ok(Caller::Application {
            roles: roles.clone(),
        }),
        Principal::Personal { .. } => Err(ApiError::new(
            403,
            "accessDenied",
            "Personal Microsoft accounts are not supported for this API.",
        )),
    }
}

/// Checks the caller may perform operation `key` (see `Route::operation_key`) on user
/// `target`, by the operation's entry of `spec/permissions.toml` (`crate::permissions`);
/// returns whether phone numbers must be masked for this caller.
///
/// In order: a principal kind the entry marks not supported is refused (403
/// `accessDenied`); a token holding none of the entry's permissions for its kind is refused
/// (403 `accessDenied`); a delegated caller acting on another user needs one of the entry's
/// `roles_for_others` (403 `Authorization_RequestDenied`); a delegated caller writing its own
/// methods needs a recent multi-factor authentication (403 `accessDenied`).
pub(crate) fn authorize(
    tenant: &Tenant,
    caller: &Caller,
    target: usize,
    key: &str,
    write: bool,
) -> Result<bool, ApiError> {
    let Some(entry) = permissions::get(key) else {
        // Every operation the emulator routes has an entry (tests/permissions_spec.rs).
        return Err(ApiError::new(
            500,
            "generalException",
            format!("The emulator has no permission entry for operation '{key}'."),
        ));
    };
    let (kind, granted) = match caller {
        Caller::Application { roles } => (PrincipalKind::Application, roles),
        Caller::Delegated { user, scopes, .. } if *user == target => {
            (PrincipalKind::DelegatedSelf, scopes)
        }
        Caller::Delegated { scopes, .. } => (PrincipalKind::DelegatedOthers, scopes),
    };
    if !entry.supports(kind) {
        return Err(ApiError::new(
            403,
            "accessDenied",
            format!(
                "The operation '{key}' is not supported for {}.",
                kind.describe()
            ),
        ));
    }
    if !entry.allows(kind, granted) {
        let accepted: Vec<&str> = entry.accepted(kind).collect();
        return Err(ApiError::new(
            403,
            "accessDenied",
            format!(
                "Request Authorization failed: the token holds none of the permissions {}.",
                accepted.join(", ")
            ),
        ));
    }
    match (kind, caller) {
        (PrincipalKind::DelegatedSelf, Caller::Delegated { recent_mfa, .. }) => {
            if write && !recent_mfa {
                return Err(ApiError::new(
                    403,
                    "accessDenied",
                    "Users managing their own authentication methods must have completed multi-factor authentication in the last 10 minutes.",
                ));
            }
            Ok(false)
        }
        (PrincipalKind::DelegatedOthers, Caller::Delegated { user, .. }) => {
            let me = &tenant.users[*user];
            if !entry.role_allows(&me.directory_roles) {
                return Err(ApiError::new(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ));
            }
            let privileged = me.has_role(PRIVILEGED_AUTHENTICATION_ADMINISTRATOR);
            Ok(me.has_role(AUTHENTICATION_ADMINISTRATOR) && !privileged)
        }
        _ => Ok(false),
    }
}
