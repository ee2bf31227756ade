//! The Microsoft Graph permissions each operation needs, as data, so a service can check its
//! token's scopes or app roles before calling.
//!
//! The table is generated from `spec/permissions.toml` (taken from the Graph documentation
//! pages, each entry naming its source). Operations are named by their key
//! `<navigation>.<operation>`, shared by `/me/...` and `/users/{id}/...`: for example
//! `phoneMethods.create`, `phoneMethods.enableSmsSignIn`, `methods.list`.
//!
//! ```
//! use graph_phone_client::permissions::{self, PrincipalKind};
//!
//! assert_eq!(
//!     permissions::least_privileged("phoneMethods.get", PrincipalKind::DelegatedSelf),
//!     Some("UserAuthenticationMethod.Read")
//! );
//! let create = permissions::get("phoneMethods.create").unwrap();
//! assert!(create.allows(PrincipalKind::Application, &["UserAuthenticationMethod.ReadWrite.All"]));
//! assert!(!create.allows(PrincipalKind::Application, &["UserAuthenticationMethod.Read.All"]));
//! ```

use crate::generated::permissions::TABLE;

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
    /// Delegated, acting on the signed-in user (`UserAuthenticationMethod.*`).
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
    /// metadata has is [`crate::OPERATIONS`], which the client enforces.
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

/// Every operation's permissions, sorted by key.
pub fn all() -> &'static [OperationPermissions] {
    TABLE
}

/// The permissions of the operation `key` (`phoneMethods.create`), if the slice has it.
pub fn get(key: &str) -> Option<&'static OperationPermissions> {
    TABLE
        .binary_search_by(|p| p.key.cmp(key))
        .ok()
        .map(|i| &TABLE[i])
}

/// The least privileged broad permission for calling `key` as `kind`; `None` if the
/// operation is unknown or the documentation does not support that kind of caller.
pub fn least_privileged(key: &str, kind: PrincipalKind) -> Option<&'static str> {
    get(key)?.least_privileged(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_one_entry_per_operation_key() {
        assert!(TABLE.windows(2).all(|w| w[0].key < w[1].key));
        assert_eq!(
            TABLE.len(),
            7 + 2 * 11 + 1,
            "phone: 7 operations; 11 others: list, get; methods: resetPassword"
        );
    }

    #[test]
    fn answers_from_the_documentation() {
        assert_eq!(
            least_privileged("phoneMethods.enableSmsSignIn", PrincipalKind::Application),
            Some("UserAuthenticationMethod.ReadWrite.All")
        );
        assert_eq!(
            least_privileged("phoneMethods.get", PrincipalKind::DelegatedOthers),
            Some("UserAuthenticationMethod.Read.All")
        );
        let sms = get("phoneMethods.enableSmsSignIn").unwrap();
        assert_eq!(
            sms.documented_clouds,
            Some(&["global", "usgov-l4", "usgov-l5-dod"][..])
        );
        assert!(
            sms.roles_for_others
                .contains(&"Authentication Administrator")
        );
        assert!(get("phoneMethods.frobnicate").is_none());
        assert!(
            get("emailMethods.create").is_none(),
            "the slice only reads email methods"
        );
    }
}
