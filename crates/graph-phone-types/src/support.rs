//! Hand-written support for the generated models (never generated).
//!
//! - [`Patch`]: the tri-state field of update payloads (leave unchanged, set to null, set).
//! - [`Base64`]: `Edm.Binary`, standard base64 text on the wire.
//! - [`IsoDuration`]: `Edm.Duration`, validated ISO 8601 text kept exactly as read.
//! - [`Flags`]: the value of an `IsFlags` enum, a comma-separated list of member names.
//! - [`ODataTyped`] and [`TypeTag`]: the `@odata.type` of generated structs, written by
//!   create payloads.
//! - [`Redact`], [`REDACTED`] and [`KeysOnly`]: what the generated `Debug` impls print
//!   instead of personal data and secrets.
//!
//! The remaining `pub` items are called by generated code and hidden from the docs.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
#[cfg(feature = "schemars")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of an update (`PATCH`) payload: leave it unchanged (the default, not
/// serialised), set it to `null`, or set it to a value.
///
/// `From` sets a value (`Patch::from(v)`, `v.into()`, and `&str` into `Patch<String>`);
/// from an `Option`, `None` sets `null`:
///
/// ```
/// use graph_phone_types::{AuthenticationPhoneType, Patch, PhoneAuthenticationMethodUpdate};
///
/// let mut update = PhoneAuthenticationMethodUpdate::default();
/// update.phone_number = Patch::from("+1 2065550100");
/// update.phone_type = AuthenticationPhoneType::Office.into();
/// assert_eq!(update.phone_number, Patch::Value("+1 2065550100".to_owned()));
/// assert_eq!(Patch::<String>::from(None), Patch::Null);
/// ```
///
/// Generated update types mark each field `#[serde(default, skip_serializing_if =
/// "Patch::is_unchanged")]`, so only what was set is sent.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// Leave the property as it is: not serialised.
    #[default]
    Unchanged,
    /// Set the property to `null`.
    Null,
    /// Set the property to this value.
    Value(T),
}

impl<T> Patch<T> {
    /// True for [`Patch::Unchanged`].
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// The value, if one is set.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    /// Sets the value: `Patch::from(AuthenticationPhoneType::Office)`, or `.into()` in a
    /// field of an update payload.
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl From<&str> for Patch<String> {
    /// Sets a text value: `Patch::from("+1 2065550100")`, or `"+1 2065550100".into()`.
    fn from(value: &str) -> Self {
        Patch::Value(value.to_owned())
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets the value, `None` sets `null`.
    fn from(value: Option<T>) -> Self {
        value.map_or(Patch::Null, Patch::Value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Patch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Patch::Unchanged => f.write_str("Unchanged"),
            Patch::Null => f.write_str("Null"),
            Patch::Value(v) => f.debug_tuple("Value").field(v).finish(),
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached without `skip_serializing_if`; `null` is the closest meaning.
            Patch::Unchanged | Patch::Null => serializer.serialize_none(),
            Patch::Value(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// `null` is [`Patch::Null`]; a missing field (with `#[serde(default)]`) is
    /// [`Patch::Unchanged`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Patch::from)
    }
}

#[cfg(feature = "schemars")]
impl<T: JsonSchema> JsonSchema for Patch<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Option::<T>::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Option::<T>::json_schema(generator)
    }
}

/// `Edm.Binary`: bytes, written as standard base64 (with padding) on the wire.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64(pub Vec<u8>);

impl fmt::Debug for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64({} bytes)", self.0.len())
    }
}

impl fmt::Display for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl std::str::FromStr for Base64 {
    type Err = base64::DecodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Base64)
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for Base64 {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Base64".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "byte" })
    }
}

/// `Edm.Duration`: an ISO 8601 duration such as `PT1H30M`, validated when read and kept as
/// the exact text, so it serialises back byte for byte ([`jiff::Span`] would normalise
/// `P0D` to `PT0S`). [`IsoDuration::span`] gives the parsed value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IsoDuration(String);

impl IsoDuration {
    /// The duration as text, exactly as read or built.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parsed duration.
    pub fn span(&self) -> jiff::Span {
        // Validated on construction.
        self.0.parse().unwrap_or_default()
    }
}

impl From<jiff::Span> for IsoDuration {
    fn from(span: jiff::Span) -> Self {
        IsoDuration(span.to_string())
    }
}

impl std::str::FromStr for IsoDuration {
    type Err = jiff::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<jiff::Span>()?;
        Ok(IsoDuration(s.to_owned()))
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IsoDuration({:?})", self.0)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for IsoDuration {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "IsoDuration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "duration" })
    }
}

/// The value of a flags enum (`IsFlags="true"`): the members, in wire order, of a
/// comma-separated list such as `"read,write"`. Unknown member names are kept (each flag
/// type is an evolvable enum), and the value serialises back as it was read.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Flags<F>(pub Vec<F>);

impl<F> Default for Flags<F> {
    fn default() -> Self {
        Flags(Vec::new())
    }
}

impl<F: PartialEq> Flags<F> {
    /// True if `flag` is set.
    pub fn contains(&self, flag: &F) -> bool {
        self.0.contains(flag)
    }

    /// Sets `flag` (at the end) if it is not set yet.
    pub fn insert(&mut self, flag: F) {
        if !self.contains(&flag) {
            self.0.push(flag);
        }
    }

    /// The flags in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, F> {
        self.0.iter()
    }
}

impl<F> FromIterator<F> for Flags<F> {
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        Flags(iter.into_iter().collect())
    }
}

impl<F: fmt::Debug> fmt::Debug for Flags<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

impl<F: AsRef<str>> fmt::Display for Flags<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, flag) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(flag.as_ref())?;
        }
        Ok(())
    }
}

impl<F: From<String>> std::str::FromStr for Flags<F> {
    type Err = std::convert::Infallible;

    /// Splits at commas, trims spaces, skips empty names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| F::from(name.to_owned()))
            .collect())
    }
}

impl<F: AsRef<str>> Serialize for Flags<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, F: From<String>> Deserialize<'de> for Flags<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_else(|never| match never {}))
    }
}

#[cfg(feature = "schemars")]
impl<F: JsonSchema> JsonSchema for Flags<F> {
    fn schema_name() -> Cow<'static, str> {
        format!("FlagsOf{}", F::schema_name()).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A comma-separated list of flag names.",
        })
    }
}

/// A generated struct's OData type name, as written in `@odata.type`.
pub trait ODataTyped {
    /// For example `#microsoft.graph.phoneAuthenticationMethod`.
    const ODATA_TYPE: &'static str;
}

/// The `@odata.type` of a create payload: always serialises `T::ODATA_TYPE`, accepts any
/// string when read. It holds no data; build it with `TypeTag::default()`.
pub struct TypeTag<T>(PhantomData<fn() -> T>);

impl<T> Default for TypeTag<T> {
    fn default() -> Self {
        TypeTag(PhantomData)
    }
}

impl<T> Clone for TypeTag<T> {
    fn clone(&self) -> Self {
        TypeTag::default()
    }
}

impl<T> PartialEq for TypeTag<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: ODataTyped> fmt::Debug for TypeTag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(T::ODATA_TYPE, f)
    }
}

impl<T: ODataTyped> Serialize for TypeTag<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(T::ODATA_TYPE)
    }
}

impl<'de, T> Deserialize<'de> for TypeTag<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(TypeTag::default())
    }
}

#[cfg(feature = "schemars")]
impl<T: ODataTyped> JsonSchema for TypeTag<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ODataType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "const": T::ODATA_TYPE })
    }
}

/// Prints `<redacted>`: what a generated `Debug` shows for a sensitive required field.
pub const REDACTED: Redacted = Redacted;

/// See [`REDACTED`].
#[derive(Clone, Copy)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A sensitive field's shape without its contents: `Some(<redacted>)`/`None`,
/// `[<redacted>; 2]`, `Value(<redacted>)`/`Null`/`Unchanged`.
pub trait Redact {
    /// A `Debug` value showing the shape only.
    fn redacted(&self) -> RedactedShape;
}

/// The output of [`Redact::redacted`].
#[derive(Clone, Copy)]
pub struct RedactedShape(&'static str, Option<usize>);

impl fmt::Debug for RedactedShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(n) => write!(f, "[<redacted>; {n}]"),
            None => f.write_str(self.0),
        }
    }
}

impl<T> Redact for Option<T> {
    fn redacted(&self) -> RedactedShape {
        RedactedShape(
            if self.is_some() {
                "Some(<redacted>)"
            } else {
                "None"
            },
            None,
        )
    }
}

impl<T> Redact for Vec<T> {
    fn redacted(&self) -> RedactedShape {
        RedactedShape("", Some(self.len()))
    }
}

impl<T> Redact for Patch<T> {
    fn redacted(&self) -> RedactedShape {
        let text = match self {
            Patch::Unchanged => "Unchanged",
            Patch::Null => "Null",
            Patch::Value(_) => "Value(<redacted>)",
        };
        RedactedShape(text, None)
    }
}

/// Prints only the keys of a map: generated `Debug` impls show unknown properties this way,
/// since an unknown property could hold personal data.
pub struct KeysOnly<'a>(pub &'a serde_json::Map<String, serde_json::Value>);

impl fmt::Debug for KeysOnly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Reads a collection that Graph may send as `null` (read as empty).
#[doc(hidden)]
pub fn nullable_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// The type name of an `@odata.type` value: `#microsoft.graph.x` -> `microsoft.graph.x`;
/// the `#graph.x` alias form is accepted too.
#[doc(hidden)]
pub fn odata_type_name(object: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let text = object.get("@odata.type")?.as_str()?;
    let name = text.strip_prefix('#').unwrap_or(text);
    Some(match name.strip_prefix("graph.") {
        Some(rest) => format!("microsoft.graph.{rest}"),
        None => name.to_owned(),
    })
}

/// Serialises `value`, adding `"@odata.type": tag` when the value does not carry one, so the
/// output dispatches back to the same variant of a polymorphic enum.
#[doc(hidden)]
pub fn serialize_tagged<S, T>(
    value: &T,
    present: Option<&str>,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        #[serde(rename = "@odata.type")]
        tag: &'a str,
        #[serde(flatten)]
        value: &'a T,
    }
    match present {
        Some(_) => value.serialize(serializer),
        None => Tagged { tag, value }.serialize(serializer),
    }
}

/// Turns the object of a known subtype into its struct, for a polymorphic enum's
/// `Deserialize`.
#[doc(hidden)]
pub fn from_object<T, E>(object: serde_json::Map<String, serde_json::Value>) -> Result<T, E>
where
    T: serde::de::DeserializeOwned,
    E: serde::de::Error,
{
    serde_json::from_value(serde_json::Value::Object(object)).map_err(E::custom)
}

/// The schema of an evolvable enum: a string, listing the known members without rejecting
/// others.
#[doc(hidden)]
#[cfg(feature = "schemars")]
pub fn evolvable_enum_schema(known: &[&str]) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string", "enum": known },
            { "type": "string" },
        ],
    })
}

/// The schema of a polymorphic enum: one of the known subtypes, or any object.
#[doc(hidden)]
#[cfg(feature = "schemars")]
pub fn polymorphic_schema(description: &str, subtypes: Vec<Schema>) -> Schema {
    let mut any_of = subtypes;
    any_of.push(json_schema!({ "type": "object" }));
    json_schema!({
        "description": description,
        "anyOf": any_of,
    })
}
