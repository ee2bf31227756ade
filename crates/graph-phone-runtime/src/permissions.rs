//! The types of a generated client's permission table: the Microsoft Graph permissions each
//! operation needs, as data, so a service can check its token's scopes or app roles before
//! calling. Each generated client crate has its table (`permissions::all()`), generated
//! from its slice's permission file (the permissions tables of the Graph documentation
//! pages, each entry naming its source).
//!
//! ```
//! use graph_phone_runtime::permissions::{OperationPermissions, PrincipalKind};
//!
//! let create = OperationPermissions {
//!     key: "phoneMethods.create",
//!     delegated_self: &["UserAuthenticationMethod.ReadWrite"],
//!     delegated_others: &["UserAuthenticationMethod.ReadWrite.All"],
//!     application: &["UserAuthenticationMethod.ReadWrite.All"],
//!     fine_grained_delegated_self: &[],
//!     fine_grained_delegated_others: &[],
//!     fine_grained_application: &["UserAuthMethod-Phone.ReadWrite.All"],
//!     roles_for_others: &["Authentication Administrator"],
//!     documented_clouds: None,
//!     source: "https://learn.microsoft.com/graph/api/authentication-post-phonemethods",
//! };
//! assert!(create.allows(PrincipalKind::Application, &["userauthmethod-phone.readwrite.all"]));
//! assert!(!create.allows(PrincipalKind::Application, &["UserAuthenticationMethod.Read.All"]));
//! assert_eq!(
//!     create.least_privileged(PrincipalKind::DelegatedSelf),
//!     Some("UserAuthenticationMethod.ReadWrite")
//! );
//! ```

/// Who calls, as the documentation's permission tables distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// A delegated (work or school) token acting on the signed-in user.
    DelegatedSelf,
    /// A delegated token acting on another user; the user also needs one of
    /// [`OperationPermissions::roles_for_others`].
    DelegatedOthers,
    /// An application token (only `/users/{id}/...`; `/me` needs a signed-in user).
    Application,
}

/// The documented permissions of one operation. Lists are least privileged first; an empty
/// list means the documentation marks that kind of caller "Not supported".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationPermissions {
    /// `<navigation>.<operation>`, for example `phoneMethods.create`.
    pub key: &'static str,
    /// Delegated, acting on the signed-in user (`UserAuthenticationMethod.Read`, ...).
    pub delegated_self: &'static [&'static str],
    /// Delegated, acting on another user.
    pub delegated_others: &'static [&'static str],
    /// Application.
    pub application: &'static [&'static str],
    /// The newer per-method-kind permissions (`UserAuthMethod-Phone.*`, ...), delegated self.
    pub fine_grained_delegated_self: &'static [&'static str],
    /// Fine-grained, delegated acting on another user.
    pub fine_grained_delegated_others: &'static [&'static str],
    /// Fine-grained, application.
    pub fine_grained_application: &'static [&'static str],
    /// Directory roles, one of which a delegated caller acting on another user must hold.
    pub roles_for_others: &'static [&'static str],
    /// The national clouds the documentation marks available (`global`, `usgov-l4`,
    /// `usgov-l5-dod`, `china`); `None` where the page has no such row. What each cloud's
    /// metadata has is the client's operation table ([`OperationSpec`](crate::OperationSpec)
    /// `clouds`), which the runtime enforces.
    pub documented_clouds: Option<&'static [&'static str]>,
    /// The documentation page the entry was taken from.
    pub source: &'static str,
}

impl OperationPermissions {
    /// The broad permissions for `kind`, least privileged first.
    pub fn permissions(&self, kind: PrincipalKind) -> &'static [&'static str] {
        match kind {
            PrincipalKind::DelegatedSelf => self.delegated_self,
            PrincipalKind::DelegatedOthers => self.delegated_others,
            PrincipalKind::Application => self.application,
        }
    }

    /// The fine-grained permissions for `kind`, least privileged first.
    pub fn fine_grained(&self, kind: PrincipalKind) -> &'static [&'static str] {
        match kind {
            PrincipalKind::DelegatedSelf => self.fine_grained_delegated_self,
            PrincipalKind::DelegatedOthers => self.fine_grained_delegated_others,
            PrincipalKind::Application => self.fine_grained_application,
        }
    }

    /// The least privileged broad permission for `kind`, or `None` if not supported.
    pub fn least_privileged(&self, kind: PrincipalKind) -> Option<&'static str> {
        self.permissions(kind).first().copied()
    }

    /// True if one of `granted` (a token's scopes or app roles) is accepted for `kind`,
    /// broad or fine-grained; names compare case-insensitively. Directory roles, needed on
    /// top when acting on another user, are not checked here.
    pub fn allows<S: AsRef<str>>(&self, kind: PrincipalKind, granted: &[S]) -> bool {
        self.permissions(kind)
            .iter()
            .chain(self.fine_grained(kind))
            .any(|accepted| {
                granted
                    .iter()
                    .any(|g| g.as_ref().eq_ignore_ascii_case(accepted))
            })
    }
}

/// The entry of operation `key` in `table` (sorted by key, as the generated tables are).
pub fn lookup<'t>(
    table: &'t [OperationPermissions],
    key: &str,
) -> Option<&'t OperationPermissions> {
    table
        .binary_search_by(|p| p.key.cmp(key))
        .ok()
        .map(|i| &table[i])
}
