//! National clouds and per-operation metadata (availability, idempotency, path template).

use std::fmt;

use crate::Error;

/// A Microsoft Graph deployment.
///
/// Values from Microsoft's national cloud documentation:
///
/// | cloud | Graph root | sign-in authority | default scope |
/// |---|---|---|---|
/// | `Global` | `https://graph.microsoft.com` | `https://login.microsoftonline.com` | `https://graph.microsoft.com/.default` |
/// | `UsGovL4` (GCC High) | `https://graph.microsoft.us` | `https://login.microsoftonline.us` | `https://graph.microsoft.us/.default` |
/// | `UsGovL5Dod` | `https://dod-graph.microsoft.us` | `https://login.microsoftonline.us` | `https://dod-graph.microsoft.us/.default` |
/// | `China` (21Vianet) | `https://microsoftgraph.chinacloudapi.cn` | `https://login.chinacloudapi.cn` | `https://microsoftgraph.chinacloudapi.cn/.default` |
///
/// `Custom { base_url }` is for the local emulator and tests: `base_url` is the full API
/// base including any version path (for example `http://127.0.0.1:8080/v1.0`), sign-in
/// and scope are the Global ones, and every operation counts as available (the server
/// decides). To exercise another cloud's availability rules against a local server, keep
/// that cloud and override the URL with [`crate::RuntimeBuilder::base_url`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// The global service.
    Global,
    /// US Government L4 (GCC High).
    UsGovL4,
    /// US Government L5 (DOD).
    UsGovL5Dod,
    /// Microsoft Graph China, operated by 21Vianet.
    China,
    /// A custom endpoint (the emulator).
    Custom {
        /// Full API base URL, including the version path if the server uses one.
        base_url: String,
    },
}

impl Cloud {
    /// The Graph root URL (scheme and host, no trailing slash, no version).
    pub fn graph_root(&self) -> &str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovL4 => "https://graph.microsoft.us",
            Cloud::UsGovL5Dod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::Custom { base_url } => base_url.trim_end_matches('/'),
        }
    }

    /// The API base URL requests are made against: `{graph_root}/v1.0`, or the custom
    /// `base_url` as given (without a trailing slash).
    pub fn api_base_url(&self) -> String {
        match self {
            Cloud::Custom { base_url } => base_url.trim_end_matches('/').to_owned(),
            other => format!("{}/v1.0", other.graph_root()),
        }
    }

    /// The Entra ID sign-in authority host for this cloud.
    pub fn login_authority(&self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Custom { .. } => "https://login.microsoftonline.com",
            Cloud::UsGovL4 | Cloud::UsGovL5Dod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The `.default` scope for app-only and most delegated token requests.
    pub fn default_scope(&self) -> &'static str {
        match self {
            Cloud::Global | Cloud::Custom { .. } => "https://graph.microsoft.com/.default",
            Cloud::UsGovL4 => "https://graph.microsoft.us/.default",
            Cloud::UsGovL5Dod => "https://dod-graph.microsoft.us/.default",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn/.default",
        }
    }

    /// A short stable name (`global`, `usGovL4`, `usGovL5Dod`, `china`, `custom`), used in
    /// errors and traces. Never contains the custom URL.
    pub fn name(&self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGovL4 => "usGovL4",
            Cloud::UsGovL5Dod => "usGovL5Dod",
            Cloud::China => "china",
            Cloud::Custom { .. } => "custom",
        }
    }

    fn bit(&self) -> u8 {
        match self {
            Cloud::Global => CloudSet::GLOBAL.0,
            Cloud::UsGovL4 => CloudSet::US_GOV_L4.0,
            Cloud::UsGovL5Dod => CloudSet::US_GOV_L5_DOD.0,
            Cloud::China => CloudSet::CHINA.0,
            Cloud::Custom { .. } => 0,
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of national clouds, usable in `const` tables generated from `spec/`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloudSet(u8);

impl CloudSet {
    /// No cloud.
    pub const NONE: CloudSet = CloudSet(0);
    /// The global service.
    pub const GLOBAL: CloudSet = CloudSet(1);
    /// US Government L4.
    pub const US_GOV_L4: CloudSet = CloudSet(2);
    /// US Government L5 (DOD).
    pub const US_GOV_L5_DOD: CloudSet = CloudSet(4);
    /// China (21Vianet).
    pub const CHINA: CloudSet = CloudSet(8);
    /// Every national cloud.
    pub const ALL: CloudSet = CloudSet(15);

    /// The union of two sets (`const`, for generated tables).
    pub const fn union(self, other: CloudSet) -> CloudSet {
        CloudSet(self.0 | other.0)
    }

    /// Whether `cloud` is in the set. [`Cloud::Custom`] is always contained: a custom
    /// endpoint decides for itself.
    pub fn contains(&self, cloud: &Cloud) -> bool {
        matches!(cloud, Cloud::Custom { .. }) || self.0 & cloud.bit() != 0
    }
}

impl std::ops::BitOr for CloudSet {
    type Output = CloudSet;
    fn bitor(self, rhs: CloudSet) -> CloudSet {
        self.union(rhs)
    }
}

impl fmt::Debug for CloudSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (CloudSet::GLOBAL, "global"),
            (CloudSet::US_GOV_L4, "usGovL4"),
            (CloudSet::US_GOV_L5_DOD, "usGovL5Dod"),
            (CloudSet::CHINA, "china"),
        ]
        .iter()
        .filter(|(set, _)| self.0 & set.0 != 0)
        .map(|(_, name)| *name)
        .collect();
        f.debug_set().entries(names).finish()
    }
}

/// Whether an operation may be sent again after a failure whose outcome is unknown.
///
/// Generated code sets this per operation in its [`OperationSpec`] table:
/// `GET`, `PATCH`, `DELETE` and the SMS sign-in actions are [`Idempotency::Idempotent`];
/// creates (`POST` to a collection) are [`Idempotency::NonIdempotent`].
/// [`Idempotency::from_method`] gives that default from the HTTP method alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating the request has the same effect as sending it once: retried after any
    /// transient failure (429, 503, 504, connection failures, attempt timeouts).
    Idempotent,
    /// Repeating could create a duplicate: retried only when the server said it did not
    /// process the request (429, or 503 with `Retry-After`) or the connection could not
    /// be established; never after a 504, an attempt timeout or a connection lost after
    /// sending.
    NonIdempotent,
}

impl Idempotency {
    /// `POST` is non-idempotent, every other method idempotent.
    pub fn from_method(method: &reqwest::Method) -> Self {
        if method == reqwest::Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        }
    }
}

/// Static per-operation data, generated from `spec/` into a `&'static [OperationSpec]`
/// table and handed to [`crate::RuntimeBuilder::operations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationSpec {
    /// The OpenAPI operationId (what progenitor passes to the hooks).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template relative to the API base, e.g. `/users/{user-id}/authentication/phoneMethods`.
    /// This, never the concrete path, is what traces show.
    pub path_template: &'static str,
    /// Retry classification.
    pub idempotency: Idempotency,
    /// Clouds the operation may be sent to: those whose metadata has it, and those whose
    /// availability is unknown (the slice has no trimmed metadata for them; the service
    /// decides there). The generated rustdoc of each operation tells the two apart; a
    /// cloud whose metadata lacks the operation is never in the set.
    pub clouds: CloudSet,
    /// The success status of the OpenAPI document (200, 201 or 204): the one the
    /// generated client decodes. The runtime hands it every other 2xx under this status
    /// (see [`crate::GraphRuntime::exec_hook`]).
    pub success_status: u16,
}

impl OperationSpec {
    /// [`ensure_available`] for this operation.
    pub fn ensure_available(&self, cloud: &Cloud) -> Result<(), Error> {
        ensure_available(self, cloud)
    }
}

/// Fails with [`Error::UnsupportedInCloud`] when `op` does not exist in `cloud`.
///
/// The runtime calls this before sending anything (in the `pre` hook and in
/// [`crate::GraphRuntime::send`]). A cloud whose availability is unknown to the generator
/// (no trimmed metadata of it) is in [`OperationSpec::clouds`] and passes: refusing it would
/// make a slice without national-cloud metadata unusable there, and the service answers
/// for itself.
pub fn ensure_available(op: &OperationSpec, cloud: &Cloud) -> Result<(), Error> {
    if op.clouds.contains(cloud) {
        Ok(())
    } else {
        Err(Error::UnsupportedInCloud {
            operation: op.id.to_owned(),
            cloud: cloud.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scope_follows_the_cloud() {
        assert_eq!(
            Cloud::Global.default_scope(),
            "https://graph.microsoft.com/.default"
        );
        assert_eq!(
            Cloud::UsGovL4.default_scope(),
            "https://graph.microsoft.us/.default"
        );
        assert_eq!(
            Cloud::UsGovL5Dod.default_scope(),
            "https://dod-graph.microsoft.us/.default"
        );
        assert_eq!(
            Cloud::China.default_scope(),
            "https://microsoftgraph.chinacloudapi.cn/.default"
        );
        assert_eq!(
            Cloud::China.api_base_url(),
            "https://microsoftgraph.chinacloudapi.cn/v1.0"
        );
        assert_eq!(
            Cloud::UsGovL5Dod.login_authority(),
            "https://login.microsoftonline.us"
        );
        let custom = Cloud::Custom {
            base_url: "http://127.0.0.1:9/v1.0/".into(),
        };
        assert_eq!(custom.api_base_url(), "http://127.0.0.1:9/v1.0");
        assert_eq!(custom.to_string(), "custom");
    }

    #[test]
    fn availability_is_checked_per_cloud() {
        let op = OperationSpec {
            id: "me.phoneMethods.enableSmsSignIn",
            method: "POST",
            path_template: "/me/authentication/phoneMethods/{phoneAuthenticationMethod-id}/enableSmsSignIn",
            idempotency: Idempotency::Idempotent,
            clouds: CloudSet::GLOBAL | CloudSet::US_GOV_L4 | CloudSet::US_GOV_L5_DOD,
            success_status: 204,
        };
        assert!(op.ensure_available(&Cloud::Global).is_ok());
        let err = op.ensure_available(&Cloud::China).unwrap_err();
        assert!(matches!(
            &err,
            Error::UnsupportedInCloud { operation, cloud: "china" } if operation == op.id
        ));
        assert!(
            op.ensure_available(&Cloud::Custom {
                base_url: "http://127.0.0.1:1".into()
            })
            .is_ok()
        );
        assert_eq!(
            format!("{:?}", CloudSet::GLOBAL | CloudSet::CHINA),
            r#"{"global", "china"}"#
        );
    }
}
