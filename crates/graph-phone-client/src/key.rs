//! Keys of collection items.

use graph_phone_runtime::PhoneMethodId;

/// Something that names one item of a collection: a `&str` or `String` id, or a
/// [`PhoneMethodId`] (`PhoneMethodId::Mobile` is the mobile phone of every user). The
/// value is percent-encoded as one path segment when sent.
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
