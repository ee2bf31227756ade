//! Authentication (bearer token to principal) and authorization (the permission tables).

use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::tenant::{
    AUTHENTICATION_ADMINISTRATOR, Cloud, GLOBAL_READER, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
    Principal, Tenant,
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

/// What an operation needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Need {
    pub write: bool,
    /// `Phone`, `Email`, ... for the fine-grained `UserAuthMethod-{family}.*` permissions;
    /// `None` where only the broad `UserAuthenticationMethod.*` permissions apply.
    pub family: Option<&'static str>,
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

fn holds(granted: &[String], accepted: &[String]) -> bool {
    granted
        .iter()
        .any(|g| accepted.iter().any(|a| a.eq_ignore_ascii_case(g)))
}

/// The permissions that satisfy `need`, for self-service (`self_service`) or not.
pub(crate) fn accepted_permissions(need: Need, self_service: bool) -> Vec<String> {
    let levels: &[&str] = match (need.write, self_service) {
        (false, true) => &["Read", "ReadWrite", "Read.All", "ReadWrite.All"],
        (false, false) => &["Read.All", "ReadWrite.All"],
        (true, true) => &["ReadWrite", "ReadWrite.All"],
        (true, false) => &["ReadWrite.All"],
    };
    let mut out: Vec<String> = levels
        .iter()
        .map(|l| format!("UserAuthenticationMethod.{l}"))
        .collect();
    if let Some(family) = need.family {
        out.extend(
            levels
                .iter()
                .map(|l| format!("UserAuthMethod-{family}.{l}")),
        );
    }
    out
}

/// Checks the caller may do `need` on user `target`; returns whether phone numbers must be
/// masked for this caller.
pub(crate) fn authorize(
    tenant: &Tenant,
    caller: &Caller,
    target: usize,
    need: Need,
) -> Result<bool, ApiError> {
    match caller {
        Caller::Application { roles } => {
            let accepted = accepted_permissions(need, false);
            if holds(roles, &accepted) {
                Ok(false)
            } else {
                Err(missing_permission(&accepted))
            }
        }
        Caller::Delegated {
            user,
            scopes,
            recent_mfa,
        } => {
            let self_service = *user == target;
            let accepted = accepted_permissions(need, self_service);
            if !holds(scopes, &accepted) {
                return Err(missing_permission(&accepted));
            }
            if self_service {
                if need.write && !recent_mfa {
                    return Err(ApiError::new(
                        403,
                        "accessDenied",
                        "Users managing their own authentication methods must have completed multi-factor authentication in the last 10 minutes.",
                    ));
                }
                return Ok(false);
            }
            let me = &tenant.users[*user];
            let admin = me.has_role(AUTHENTICATION_ADMINISTRATOR);
            let privileged = me.has_role(PRIVILEGED_AUTHENTICATION_ADMINISTRATOR);
            let reader = me.has_role(GLOBAL_READER);
            let allowed = admin || privileged || (reader && !need.write);
            if !allowed {
                return Err(ApiError::new(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ));
            }
            Ok(admin && !privileged)
        }
    }
}

fn missing_permission(accepted: &[String]) -> ApiError {
    ApiError::new(
        403,
        "accessDenied",
        format!(
            "Request Authorization failed: the token holds none of the permissions {}.",
            accepted.join(", ")
        ),
    )
}
