//! Keys of collection items, as the generated clients take them.

use crate::{Error, PhoneMethodId};

/// Something that names one item of a collection: a `&str` or `String` id, or a
/// [`PhoneMethodId`] (`PhoneMethodId::Mobile` is the mobile phone of every user). The
/// value is percent-encoded as one path segment when sent.
///
/// Every operation checks the id before sending anything, with the rules user ids follow
/// ([`check_path_segment`](crate::check_path_segment)): an empty id, `.`, `..` or an id containing a backslash is
/// [`Error::InvalidInput`] (field `id`). Sent as written, these would name another
/// resource: the URL parser resolves `.` and `..` (even percent-encoded) and turns `\` into
/// `/`, and an empty id addresses the collection itself. No Graph method id contains them.
pub trait Key {
    /// The id as sent (before path encoding).
    fn as_key(&self) -> &str;
}

impl Key for str {
    fn as_key(&self) -> &str {
        self
    }
}

impl Key for String {
    fn as_key(&self) -> &str {
        self
    }
}

impl Key for PhoneMethodId {
    fn as_key(&self) -> &str {
        self.as_str()
    }
}

impl<T: Key + ?Sized> Key for &T {
    fn as_key(&self) -> &str {
        (**self).as_key()
    }
}

/// The id of `key`, checked as [`Key`] describes (the generated operations call this
/// before sending anything).
pub fn checked_key<K: Key + ?Sized>(key: &K) -> Result<&str, Error> {
    let id = key.as_key();
    crate::check_path_segment("id", "item id", id)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_address_another_resource_are_refused() {
        for bad in ["", ".", "..", "a\\b", "\\"] {
            let err = checked_key(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field: "id", .. }),
                "{bad:?}: {err:?}"
            );
        }
        for good in [
            PhoneMethodId::MOBILE_ID,
            "-2_GRUg2-HYz6_1YG4YRAQ2",
            "...",
            ".a",
            "a/b",
            "%2E%2E",
        ] {
            assert_eq!(checked_key(good).unwrap(), good);
        }
        assert_eq!(
            checked_key(&PhoneMethodId::Office).unwrap(),
            PhoneMethodId::OFFICE_ID
        );
        assert_eq!(checked_key(&String::from("x")).unwrap(), "x");
    }
}
