//! Inputs checked before any request: phone numbers, phone method ids, user references
//! and path segment encoding.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A phone number in Graph's format `+{country code} {number}x{extension}`, extension
/// optional: `+1 5555551234`, `+1 5555551234x123`.
///
/// Rules enforced: a leading `+`; a country code of 1 to 3 digits; exactly one space;
/// a number of 1 to 15 digits; optionally `x` and an extension of 1 to 10 digits; nothing
/// else (no surrounding whitespace, no dashes or brackets).
///
/// `Display` (and [`PhoneNumber::as_str`] and `Serialize`) give the number itself,
/// because it is sent on the wire. `Debug` redacts it (`PhoneNumber(<redacted>)`), so a
/// phone number inside a `{:?}`-logged struct does not leak. Do not log it with `{}`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// Why a phone number was rejected. The message names the problem and the position,
/// never the number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    /// The input was empty.
    #[error("phone number is empty")]
    Empty,
    /// Leading or trailing whitespace.
    #[error("phone number has leading or trailing whitespace")]
    SurroundingWhitespace,
    /// It did not start with `+`.
    #[error("phone number must start with '+' followed by the country code")]
    MissingPlus,
    /// No digits after the `+`.
    #[error("country code is empty")]
    EmptyCountryCode,
    /// More than 3 digits before the space.
    #[error("country code must be 1 to 3 digits")]
    CountryCodeTooLong,
    /// No space after the country code.
    #[error("missing space between country code and number")]
    MissingSpace,
    /// Nothing after the space.
    #[error("number is empty")]
    EmptyNumber,
    /// More than 15 digits in the number.
    #[error("number must be at most 15 digits")]
    NumberTooLong,
    /// `x` with nothing after it.
    #[error("extension is empty after 'x'")]
    EmptyExtension,
    /// More than 10 digits in the extension.
    #[error("extension must be at most 10 digits")]
    ExtensionTooLong,
    /// A character that is not allowed where it is.
    #[error("unexpected character at position {position} in the {part} (only digits are allowed)")]
    NonDigit {
        /// 1-based character position.
        position: usize,
        /// `country code`, `number` or `extension`.
        part: &'static str,
    },
}

impl From<PhoneNumberError> for Error {
    fn from(e: PhoneNumberError) -> Error {
        Error::InvalidInput {
            field: "phoneNumber",
            reason: e.to_string(),
        }
    }
}

impl PhoneNumber {
    /// Validates `input`.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneNumberError> {
        if input.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if input.trim() != input {
            return Err(PhoneNumberError::SurroundingWhitespace);
        }
        let chars: Vec<char> = input.chars().collect();
        if chars[0] != '+' {
            return Err(PhoneNumberError::MissingPlus);
        }
        // Country code: digits up to the space.
        let mut i = 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let cc_len = i - 1;
        match chars.get(i) {
            None if cc_len == 0 => return Err(PhoneNumberError::EmptyCountryCode),
            // `+15555551234`: the space is what is missing.
            None if cc_len > 3 => return Err(PhoneNumberError::MissingSpace),
            None => return Err(PhoneNumberError::EmptyNumber),
            Some(' ') if cc_len == 0 => return Err(PhoneNumberError::EmptyCountryCode),
            Some(' ') if cc_len > 3 => return Err(PhoneNumberError::CountryCodeTooLong),
            Some(' ') => {}
            // A stray character before a later space belongs to the country code;
            // without any space (`+1-555...`), the space is what is missing.
            Some(_) if cc_len == 0 || chars[i..].contains(&' ') => {
                return Err(PhoneNumberError::NonDigit {
                    position: i + 1,
                    part: "country code",
                });
            }
            Some(_) => return Err(PhoneNumberError::MissingSpace),
        }
        i += 1; // the space
        let number_start = i;
        while i < chars.len() && chars[i] != 'x' {
            if !chars[i].is_ascii_digit() {
                return Err(PhoneNumberError::NonDigit {
                    position: i + 1,
                    part: "number",
                });
            }
            i += 1;
        }
        let number_len = i - number_start;
        if number_len == 0 {
            return Err(PhoneNumberError::EmptyNumber);
        }
        if number_len > 15 {
            return Err(PhoneNumberError::NumberTooLong);
        }
        if i < chars.len() {
            i += 1; // the x
            let ext_start = i;
            while i < chars.len() {
                if !chars[i].is_ascii_digit() {
                    return Err(PhoneNumberError::NonDigit {
                        position: i + 1,
                        part: "extension",
                    });
                }
                i += 1;
            }
            let ext_len = i - ext_start;
            if ext_len == 0 {
                return Err(PhoneNumberError::EmptyExtension);
            }
            if ext_len > 10 {
                return Err(PhoneNumberError::ExtensionTooLong);
            }
        }
        Ok(PhoneNumber(input.to_owned()))
    }

    /// The number as sent to Graph.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code digits.
    pub fn country_code(&self) -> &str {
        let end = self.0.find(' ').unwrap_or(self.0.len());
        &self.0[1..end]
    }

    /// The extension digits, if any.
    pub fn extension(&self) -> Option<&str> {
        self.0.find('x').map(|i| &self.0[i + 1..])
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&s)
    }
}

impl TryFrom<&str> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        PhoneNumber::parse(s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

impl serde::Serialize for PhoneNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A phone authentication method id: one of the three fixed ids, the same for every
/// user, or a raw id for anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PhoneMethodId {
    /// `3179e48a-750b-4051-897c-87b9720928f7`
    Mobile,
    /// `b6332ec1-7057-4abe-9331-3d72feddfe41`
    AlternateMobile,
    /// `e37fc753-ff3b-4958-9484-eaa9425c82bc`
    Office,
    /// Any other id, sent as given (path-encoded like every path parameter).
    Raw(String),
}

impl PhoneMethodId {
    /// The fixed id of the mobile phone.
    pub const MOBILE_ID: &'static str = "3179e48a-750b-4051-897c-87b9720928f7";
    /// The fixed id of the alternate mobile phone.
    pub const ALTERNATE_MOBILE_ID: &'static str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
    /// The fixed id of the office phone.
    pub const OFFICE_ID: &'static str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

    /// The id string.
    pub fn as_str(&self) -> &str {
        match self {
            PhoneMethodId::Mobile => Self::MOBILE_ID,
            PhoneMethodId::AlternateMobile => Self::ALTERNATE_MOBILE_ID,
            PhoneMethodId::Office => Self::OFFICE_ID,
            PhoneMethodId::Raw(id) => id,
        }
    }

    /// Maps a fixed id (case-insensitively) to its variant, anything else to `Raw`.
    pub fn from_id(id: &str) -> PhoneMethodId {
        if id.eq_ignore_ascii_case(Self::MOBILE_ID) {
            PhoneMethodId::Mobile
        } else if id.eq_ignore_ascii_case(Self::ALTERNATE_MOBILE_ID) {
            PhoneMethodId::AlternateMobile
        } else if id.eq_ignore_ascii_case(Self::OFFICE_ID) {
            PhoneMethodId::Office
        } else {
            PhoneMethodId::Raw(id.to_owned())
        }
    }
}

impl fmt::Display for PhoneMethodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PhoneMethodId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(PhoneMethodId::from_id(s))
    }
}

/// A user id (object id GUID) or user principal name, checked and ready to be one path
/// segment of `/users/{user-id}/...`.
///
/// Rejected, with [`Error::InvalidInput`] naming the problem:
/// - empty input;
/// - `.` and `..`: URL parsers, reqwest's included, resolve these as dot-segments even
///   when percent-encoded as `%2E`, so they could never reach Graph as a user id;
/// - a backslash: progenitor's `encode_path` leaves `\` as is and WHATWG URL parsers
///   turn it into `/` in http(s) URLs, which would split the segment.
///
/// No Entra object id or userPrincipalName contains any of these.
///
/// Two ways to put it in a URL:
/// - [`UserRef::as_str`] for progenitor path parameters: progenitor's `encode_path`
///   percent-encodes it (`/`, `?`, `#`, `%`, space, non-ASCII), so pass the raw value;
///   pre-encoding would double-encode;
/// - [`UserRef::path_segment`] for URLs built by hand: [`encode_path_segment`].
///
/// `Debug` redacts the value (UPNs are e-mail addresses); there is no `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserRef(String);

impl UserRef {
    /// Checks `id_or_upn`.
    pub fn new(id_or_upn: impl Into<String>) -> Result<UserRef, Error> {
        let s = id_or_upn.into();
        check_path_segment("user", "user id or userPrincipalName", &s)?;
        Ok(UserRef(s))
    }

    /// The raw value (for progenitor path parameters, which progenitor encodes).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value percent-encoded as one path segment ([`encode_path_segment`]).
    pub fn path_segment(&self) -> String {
        encode_path_segment(&self.0)
    }
}

impl fmt::Debug for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserRef(<redacted>)")
    }
}

/// Checks that `value` can be sent as one path segment of a Graph URL through progenitor
/// (which percent-encodes it but leaves `.` and `\\` alone): not empty (that would address
/// the parent collection), not `.` or `..` (URL parsers resolve these dot-segments, even
/// percent-encoded), no backslash (WHATWG URL parsers turn it into `/` in http(s) URLs).
/// The error is [`Error::InvalidInput`] for `field`, naming the value as `what`.
///
/// [`UserRef`] applies it to user ids; the client applies it to item ids.
pub fn check_path_segment(field: &'static str, what: &str, value: &str) -> Result<(), Error> {
    let reason = if value.is_empty() {
        format!("{what} is empty")
    } else if value == "." || value == ".." {
        format!("{what} cannot be '.' or '..' (the URL parser would resolve it)")
    } else if value.contains('\\') {
        format!("{what} cannot contain a backslash (the URL parser would turn it into '/')")
    } else {
        return Ok(());
    };
    Err(Error::InvalidInput { field, reason })
}

/// Percent-encodes `value` so that it stays exactly one path segment.
///
/// Kept as is: RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) and `@` (so UPNs
/// read naturally, as in Graph's documentation). Everything else is encoded as UTF-8
/// bytes, including `/`, `?`, `#`, `%`, `'`, `:`, space and all non-ASCII. A value that is
/// entirely `.` or `..` has its dots encoded (`%2E`) so it is not a literal dot-segment;
/// note that WHATWG URL parsers still treat `%2E%2E` as `..`, which is why [`UserRef`]
/// rejects those values.
pub fn encode_path_segment(value: &str) -> String {
    if value == "." || value == ".." {
        return "%2E".repeat(value.len());
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        use PhoneNumberError::*;
        let cases: &[(&str, Result<(), PhoneNumberError>)] = &[
            ("+1 5555551234", Ok(())),
            ("+1 5555551234x123", Ok(())),
            ("+44 2079460958", Ok(())),
            ("+358 401234567x1", Ok(())),
            ("", Err(Empty)),
            (" +1 5555551234", Err(SurroundingWhitespace)),
            ("+1 5555551234 ", Err(SurroundingWhitespace)),
            ("1 5555551234", Err(MissingPlus)),
            ("+ 5555551234", Err(EmptyCountryCode)),
            ("+15555551234", Err(MissingSpace)),
            ("+1", Err(EmptyNumber)),
            ("+1 ", Err(SurroundingWhitespace)),
            ("+1234 5555551234", Err(CountryCodeTooLong)),
            (
                "+1 555-555-1234",
                Err(NonDigit {
                    position: 7,
                    part: "number",
                }),
            ),
            (
                "+1 (555) 5551234",
                Err(NonDigit {
                    position: 4,
                    part: "number",
                }),
            ),
            (
                "+a 5555551234",
                Err(NonDigit {
                    position: 2,
                    part: "country code",
                }),
            ),
            ("+1 5555551234x", Err(EmptyExtension)),
            (
                "+1 5555551234x12a",
                Err(NonDigit {
                    position: 17,
                    part: "extension",
                }),
            ),
            (
                "+1 5555551234x1x2",
                Err(NonDigit {
                    position: 16,
                    part: "extension",
                }),
            ),
            ("+1 5555551234x12345678901", Err(ExtensionTooLong)),
            ("+1 1234567890123456", Err(NumberTooLong)),
            (
                "+1  5555551234",
                Err(NonDigit {
                    position: 4,
                    part: "number",
                }),
            ),
            ("+1 x123", Err(EmptyNumber)),
            (
                "+1 ５５５５５５１２３４",
                Err(NonDigit {
                    position: 4,
                    part: "number",
                }),
            ),
        ];
        for (input, expected) in cases {
            let got = PhoneNumber::parse(input).map(|_| ());
            assert_eq!(&got, expected, "input {input:?}");
            if let Err(e) = got {
                let msg = e.to_string();
                assert!(!msg.contains("5555551234"), "{msg}");
            }
        }
        let p = PhoneNumber::parse("+1 5555551234x123").unwrap();
        assert_eq!(p.to_string(), "+1 5555551234x123");
        assert_eq!(format!("{p:?}"), "PhoneNumber(<redacted>)");
        assert_eq!(p.country_code(), "1");
        assert_eq!(p.extension(), Some("123"));
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""+1 5555551234x123""#);
        assert!(serde_json::from_str::<PhoneNumber>(r#""5555551234""#).is_err());
        let err: Error = PhoneNumberError::MissingPlus.into();
        assert_eq!(
            err.to_string(),
            "invalid phoneNumber: phone number must start with '+' followed by the country code"
        );
    }

    #[test]
    fn phone_method_ids() {
        assert_eq!(
            PhoneMethodId::Mobile.as_str(),
            "3179e48a-750b-4051-897c-87b9720928f7"
        );
        assert_eq!(
            PhoneMethodId::AlternateMobile.as_str(),
            "b6332ec1-7057-4abe-9331-3d72feddfe41"
        );
        assert_eq!(
            PhoneMethodId::Office.as_str(),
            "e37fc753-ff3b-4958-9484-eaa9425c82bc"
        );
        assert_eq!(
            "E37FC753-FF3B-4958-9484-EAA9425C82BC"
                .parse::<PhoneMethodId>()
                .unwrap(),
            PhoneMethodId::Office
        );
        assert_eq!(
            PhoneMethodId::from_id("other"),
            PhoneMethodId::Raw("other".into())
        );
    }

    #[test]
    fn path_segments() {
        let cases = [
            ("kim@contoso.com", "kim@contoso.com"),
            (
                "3179e48a-750b-4051-897c-87b9720928f7",
                "3179e48a-750b-4051-897c-87b9720928f7",
            ),
            ("a/b", "a%2Fb"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#frag", "a%23frag"),
            ("100%", "100%25"),
            ("o'brien@contoso.com", "o%27brien@contoso.com"),
            ("kim smith", "kim%20smith"),
            ("zoë@contoso.com", "zo%C3%AB@contoso.com"),
            ("ünï/../x", "%C3%BCn%C3%AF%2F..%2Fx"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("...", "..."),
            ("a:b", "a%3Ab"),
            ("$x", "%24x"),
        ];
        for (input, expected) in cases {
            assert_eq!(encode_path_segment(input), expected, "{input}");
        }
    }

    #[test]
    fn url_parsers_treat_encoded_dots_as_dot_segments() {
        // Why UserRef rejects `.` and `..`: even encoded they are resolved away.
        for seg in ["..", "%2E%2E", "%2e.", ".%2E"] {
            let url = reqwest::Url::parse(&format!("https://h/v1.0/users/{seg}/x")).unwrap();
            assert_eq!(url.path(), "/v1.0/x", "{seg}");
        }
        let url = reqwest::Url::parse("https://h/v1.0/users/...%2F/x").unwrap();
        assert_eq!(url.path(), "/v1.0/users/...%2F/x");
    }

    #[test]
    fn user_refs() {
        for bad in ["", ".", "..", "a\\b"] {
            let e = UserRef::new(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: "user", .. }));
        }
        let u = UserRef::new("kim@contoso.com").unwrap();
        assert_eq!(format!("{u:?}"), "UserRef(<redacted>)");
        assert_eq!(u.as_str(), "kim@contoso.com");
    }
}
