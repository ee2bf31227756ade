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

pub use graph_phone_runtime::permissions::{OperationPermissions, PrincipalKind};

/// Every operation's permissions, sorted by key.
pub fn all() -> &'static [OperationPermissions] {
    TABLE
}

/// The permissions of the operation `key` (`phoneMethods.create`), if the slice has it.
pub fn get(key: &str) -> Option<&'static OperationPermissions> {
    graph_phone_runtime::permissions::lookup(TABLE, key)
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
