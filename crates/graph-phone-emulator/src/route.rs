//! Path routing: `/v1.0/{me | users/{id|upn}}/authentication/...` to a [`Route`].

use axum::http::Method;
use percent_encoding::percent_decode_str;

use crate::error::ApiError;
use crate::tenant::{Cloud, MethodKind};

/// Whose methods.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UserRef {
    Me,
    User(String),
}

/// Which collection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Coll {
    Phone,
    Kind(MethodKind),
    Methods,
    Operations,
}

impl Coll {
    pub fn segment(self) -> &'static str {
        match self {
            Self::Phone => "phoneMethods",
            Self::Kind(k) => k.segment(),
            Self::Methods => "methods",
            Self::Operations => "operations",
        }
    }

    fn parse(segment: &str) -> Option<Self> {
        let all = [Self::Phone, Self::Methods, Self::Operations]
            .into_iter()
            .chain(MethodKind::ALL.into_iter().map(Self::Kind));
        all.into_iter()
            .find(|c| c.segment().eq_ignore_ascii_case(segment))
    }
}

/// What is addressed under `authentication/`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Collection(Coll),
    Item(Coll, String),
    SmsAction {
        id: String,
        enable: bool,
    },
    /// `methods/{id}/resetPassword`: starts a long-running password reset.
    ResetPassword {
        id: String,
    },
}

/// A routed request path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Route {
    pub user: UserRef,
    pub target: Target,
}

fn segment_not_found(segment: &str) -> ApiError {
    ApiError::bad_request(format!("Resource not found for the segment '{segment}'."))
}

impl Route {
    /// Parses a raw (percent-encoded) path.
    pub fn parse(path: &str, cloud: Cloud) -> Result<Self, ApiError> {
        let mut raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if raw.len() > 1 && raw.last() == Some(&"") {
            raw.pop();
        }
        let segments = raw
            .iter()
            .map(|s| {
                percent_decode_str(s)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| {
                        ApiError::bad_request("The path is not valid percent-encoded UTF-8.")
                    })
            })
            .collect::<Result<Vec<String>, ApiError>>()?;
        let mut it = segments.iter().map(String::as_str);
        match it.next() {
            Some("v1.0") => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid version: {}",
                    other.unwrap_or("")
                )));
            }
        }
        let user = match it.next() {
            Some(s) if s.eq_ignore_ascii_case("me") => UserRef::Me,
            Some(s) if s.eq_ignore_ascii_case("users") => match it.next() {
                Some(id) if !id.is_empty() => UserRef::User(id.to_string()),
                _ => return Err(segment_not_found("users")),
            },
            other => return Err(segment_not_found(other.unwrap_or(""))),
        };
        match it.next() {
            Some(s) if s.eq_ignore_ascii_case("authentication") => {}
            other => return Err(segment_not_found(other.unwrap_or(""))),
        }
        let Some(coll_segment) = it.next() else {
            return Err(segment_not_found("authentication"));
        };
        let coll = Coll::parse(coll_segment)
            .filter(|c| cloud.has_navigation(c.segment()))
            .ok_or_else(|| segment_not_found(coll_segment))?;
        let target = match (it.next(), it.next(), it.next()) {
            (None, _, _) => Target::Collection(coll),
            (Some(id), None, _) if !id.is_empty() => Target::Item(coll, id.to_string()),
            (Some(id), Some(action), None) if coll == Coll::Phone && !id.is_empty() => {
                let name = action.strip_prefix("microsoft.graph.").unwrap_or(action);
                let enable = if name.eq_ignore_ascii_case("enableSmsSignIn") {
                    true
                } else if name.eq_ignore_ascii_case("disableSmsSignIn") {
                    false
                } else {
                    return Err(segment_not_found(action));
                };
                if !cloud.has_sms_sign_in_actions() {
                    return Err(segment_not_found(action));
                }
                Target::SmsAction {
                    id: id.to_string(),
                    enable,
                }
            }
            (Some(id), Some(action), None) if coll == Coll::Methods && !id.is_empty() => {
                let name = action.strip_prefix("microsoft.graph.").unwrap_or(action);
                if !name.eq_ignore_ascii_case("resetPassword") {
                    return Err(segment_not_found(action));
                }
                Target::ResetPassword { id: id.to_string() }
            }
            (Some(id), Some(extra), _) => {
                return Err(segment_not_found(if id.is_empty() { id } else { extra }));
            }
            (Some(id), None, _) => return Err(segment_not_found(id)),
        };
        Ok(Self { user, target })
    }

    /// The route under `authentication/` with placeholders, e.g. `phoneMethods/{id}`.
    pub fn key(&self) -> String {
        match &self.target {
            Target::Collection(c) => c.segment().to_string(),
            Target::Item(c, _) => format!("{}/{{id}}", c.segment()),
            Target::SmsAction { enable, .. } => format!(
                "phoneMethods/{{id}}/{}",
                if *enable {
                    "enableSmsSignIn"
                } else {
                    "disableSmsSignIn"
                }
            ),
            Target::ResetPassword { .. } => "methods/{id}/resetPassword".to_string(),
        }
    }

    /// The whole path template, e.g. `/users/{id}/authentication/phoneMethods/{id}`.
    pub fn template(&self) -> String {
        let prefix = match self.user {
            UserRef::Me => "/me",
            UserRef::User(_) => "/users/{id}",
        };
        format!("{prefix}/authentication/{}", self.key())
    }

    /// The HTTP methods the route supports (for the `Allow` header of a 405): those with an
    /// [`Route::operation_key`].
    pub fn allowed(&self) -> &'static [Method] {
        match &self.target {
            Target::Collection(Coll::Phone) => &[Method::GET, Method::POST],
            Target::Item(Coll::Phone, _) => &[Method::GET, Method::PATCH, Method::DELETE],
            Target::SmsAction { .. } | Target::ResetPassword { .. } => &[Method::POST],
            Target::Collection(_) | Target::Item(..) => &[Method::GET],
        }
    }

    /// The collection addressed.
    pub fn coll(&self) -> Coll {
        match &self.target {
            Target::Collection(c) | Target::Item(c, _) => *c,
            Target::SmsAction { .. } => Coll::Phone,
            Target::ResetPassword { .. } => Coll::Methods,
        }
    }

    /// The operation `method` performs on this route, as `spec/permissions.toml` keys it
    /// (`<navigation>.<operation>`: `phoneMethods.update`, `methods.get`, `operations.list`,
    /// `phoneMethods.enableSmsSignIn`, `methods.resetPassword`); `None` for a method the route does not allow (see
    /// [`Route::allowed`]). The one place a request is mapped to its permission entry.
    pub fn operation_key(&self, method: &Method) -> Option<String> {
        let operation = match (&self.target, method.as_str()) {
            (Target::Collection(_), "GET") => "list",
            (Target::Item(..), "GET") => "get",
            (Target::Collection(Coll::Phone), "POST") => "create",
            (Target::Item(Coll::Phone, _), "PATCH") => "update",
            (Target::Item(Coll::Phone, _), "DELETE") => "delete",
            (Target::SmsAction { enable: true, .. }, "POST") => "enableSmsSignIn",
            (Target::SmsAction { enable: false, .. }, "POST") => "disableSmsSignIn",
            (Target::ResetPassword { .. }, "POST") => "resetPassword",
            _ => return None,
        };
        Some(format!("{}.{operation}", self.coll().segment()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &str) -> Result<Route, ApiError> {
        Route::parse(p, Cloud::Global)
    }

    #[test]
    fn routes() {
        let r =
            parse("/v1.0/users/o%27neil%23x%40contoso.com/authentication/phoneMethods").unwrap();
        assert_eq!(r.user, UserRef::User("o'neil#x@contoso.com".into()));
        assert_eq!(r.template(), "/users/{id}/authentication/phoneMethods");
        let r = parse("/v1.0/me/authentication/phoneMethods/abc/enableSmsSignIn").unwrap();
        assert_eq!(r.key(), "phoneMethods/{id}/enableSmsSignIn");
        let r = parse("/v1.0/me/authentication/methods/").unwrap();
        assert_eq!(r.target, Target::Collection(Coll::Methods));
        assert!(parse("/v2/me/authentication/methods").is_err());
        assert!(parse("/v1.0/me/authentication/bogusMethods").is_err());
        assert!(parse("/v1.0/me/authentication/emailMethods/x/enableSmsSignIn").is_err());
        let r = parse("/v1.0/users/u/authentication/methods/m/resetPassword").unwrap();
        assert_eq!(
            r.template(),
            "/users/{id}/authentication/methods/{id}/resetPassword"
        );
        assert!(parse("/v1.0/me/authentication/methods/m/enableSmsSignIn").is_err());
        assert!(parse("/v1.0/me/authentication/phoneMethods/m/resetPassword").is_err());
        assert!(parse("/v1.0/me/authentication/methods/m/resetPassword/x").is_err());
        assert!(
            Route::parse(
                "/v1.0/me/authentication/phoneMethods/x/enableSmsSignIn",
                Cloud::China
            )
            .is_err()
        );
    }

    #[test]
    fn operation_keys_follow_the_permission_file_and_the_allowed_methods() {
        let key = |p: &str, m: Method| parse(p).unwrap().operation_key(&m);
        let phone = "/v1.0/me/authentication/phoneMethods";
        let item = "/v1.0/users/x/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7";
        assert_eq!(
            key(phone, Method::GET).as_deref(),
            Some("phoneMethods.list")
        );
        assert_eq!(
            key(phone, Method::POST).as_deref(),
            Some("phoneMethods.create")
        );
        assert_eq!(key(item, Method::GET).as_deref(), Some("phoneMethods.get"));
        assert_eq!(
            key(item, Method::PATCH).as_deref(),
            Some("phoneMethods.update")
        );
        assert_eq!(
            key(item, Method::DELETE).as_deref(),
            Some("phoneMethods.delete")
        );
        assert_eq!(
            key(
                &format!("{item}/microsoft.graph.disableSmsSignIn"),
                Method::POST
            )
            .as_deref(),
            Some("phoneMethods.disableSmsSignIn")
        );
        assert_eq!(
            key("/v1.0/me/authentication/Operations/x", Method::GET).as_deref(),
            Some("operations.get")
        );
        let reset = format!(
            "/v1.0/users/x/authentication/methods/{}/resetPassword",
            crate::tenant::PASSWORD_METHOD_ID
        );
        assert_eq!(
            key(&reset, Method::POST).as_deref(),
            Some("methods.resetPassword")
        );
        assert_eq!(
            key(
                "/v1.0/me/authentication/methods/x/microsoft.graph.resetPassword",
                Method::POST
            )
            .as_deref(),
            Some("methods.resetPassword")
        );
        assert_eq!(key(&reset, Method::GET), None);
        assert_eq!(
            key("/v1.0/me/authentication/emailMethods", Method::GET).as_deref(),
            Some("emailMethods.list")
        );
        assert_eq!(
            key("/v1.0/me/authentication/methods/x", Method::DELETE),
            None
        );
        for path in [phone, item, "/v1.0/me/authentication/methods", &reset] {
            let route = parse(path).unwrap();
            for m in [
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
                Method::PUT,
            ] {
                assert_eq!(
                    route.operation_key(&m).is_some(),
                    route.allowed().contains(&m),
                    "{path} {m}"
                );
            }
        }
    }

    #[test]
    fn clouds_lack_what_their_metadata_lacks() {
        let path = |nav: &str| format!("/v1.0/me/authentication/{nav}");
        for cloud in [Cloud::UsGovL4, Cloud::UsGovL5Dod, Cloud::China] {
            assert!(Route::parse(&path("externalAuthenticationMethods"), cloud).is_err());
            assert!(Route::parse(&path("ExternalAuthenticationMethods/x"), cloud).is_err());
            assert!(Route::parse(&path("phoneMethods"), cloud).is_ok());
            assert!(Route::parse(&path("platformCredentialMethods"), cloud).is_ok());
        }
        assert!(parse(&path("externalAuthenticationMethods/x")).is_ok());
        assert!(Route::parse(&path("methods"), Cloud::UsGovL4).is_ok());
        for nav in [
            "methods",
            "operations/x",
            "emailMethods",
            "fido2Methods",
            "methods/x/resetPassword",
        ] {
            assert!(Route::parse(&path(nav), Cloud::China).is_err(), "{nav}");
        }
        assert!(Route::parse(&path("microsoftAuthenticatorMethods/x"), Cloud::China).is_ok());
    }
}
