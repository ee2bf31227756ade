//! Property tests of the generated models: JSON that Graph may send, including enum members,
//! properties and `@odata.type`s this crate does not know, reads and writes back losslessly;
//! and the laws of the tri-state update field `Patch<T>`.
//!
//! Each property runs a modest number of cases so the suite stays fast.

use graph_phone_types::support::Patch;
use graph_phone_types::{
    AuthenticationMethod, AuthenticationMethodSignInState, AuthenticationPhoneType,
    PhoneAuthenticationMethod, PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const CASES: u32 = 128;

/// JSON leaves and small nested values. Floats are multiples of 1/8 so that their text
/// form parses back to the same `f64` (serde_json's default float parser is not correctly
/// rounded for every value; that is serde_json's documented trade-off, not this crate's).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1_000_000i32..1_000_000).prop_map(|n| json!(f64::from(n) / 8.0)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z@.]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Properties no generated type has: `zz`-prefixed names, instance annotations, and known
/// names in another case (JSON names are case-sensitive).
fn unknown_properties() -> impl Strategy<Value = Map<String, Value>> {
    let other_case = prop::sample::select(
        &[
            "ID",
            "Id",
            "phonenumber",
            "PhoneNumber",
            "PHONETYPE",
            "SmsSignInState",
            "createddatetime",
            "@odata.Type",
            "@ODATA.TYPE",
            "@odata.context",
            "@odata.id",
            "phoneNumber@odata.zz",
        ][..],
    )
    .prop_map(str::to_owned);
    prop::collection::btree_map(
        prop_oneof![
            "zz[a-zA-Z0-9_]{0,10}",
            "@zz\\.[a-z]{1,6}",
            "zz[a-z]{1,4}@odata\\.[a-z]{1,6}",
            other_case,
        ],
        json_value(),
        0..4,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// A known member of an evolvable enum, or a name Graph might add later.
fn enum_member(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(known).prop_map(str::to_owned),
        "[a-z][a-zA-Z]{0,12}".prop_filter("a new member", move |s| !known.contains(&s.as_str())),
    ]
}

/// Graph's timestamps: up to 7 fractional digits; written in the shortest form, so the
/// generated ones have no trailing zero.
fn timestamp() -> impl Strategy<Value = String> {
    (
        1970u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        prop_oneof![Just(String::new()), "\\.[0-9]{0,6}[1-9]"],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
        })
}

/// A `phoneAuthenticationMethod` as Graph may send it, with or without `@odata.type`.
fn phone_json() -> impl Strategy<Value = Map<String, Value>> {
    (
        any::<String>(),
        prop::option::of(any::<String>()),
        prop::option::of(enum_member(AuthenticationPhoneType::KNOWN)),
        prop::option::of(enum_member(AuthenticationMethodSignInState::KNOWN)),
        prop::option::of(timestamp()),
        any::<bool>(),
        unknown_properties(),
    )
        .prop_map(|(id, number, phone_type, state, created, typed, extra)| {
            let mut m = extra;
            m.insert("id".into(), json!(id));
            if typed {
                m.insert(
                    "@odata.type".into(),
                    json!("#microsoft.graph.phoneAuthenticationMethod"),
                );
            }
            for (k, v) in [
                ("phoneNumber", number),
                ("phoneType", phone_type),
                ("smsSignInState", state),
                ("createdDateTime", created),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), json!(v));
                }
            }
            m
        })
}

/// Reads `value` as `T`, checks that it writes back to exactly `value` (as a JSON value
/// and through text), and returns it.
fn lossless<T>(value: &Value) -> Result<T, TestCaseError>
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let read: T = serde_json::from_value(value.clone())
        .map_err(|e| TestCaseError::fail(format!("does not read: {e}")))?;
    prop_assert_eq!(&serde_json::to_value(&read).unwrap(), value);
    let text = serde_json::to_string(&read).unwrap();
    let again: T = serde_json::from_str(&text).unwrap();
    prop_assert_eq!(&again, &read);
    Ok(read)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        // Failures are reported in the test output; nothing is written into the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn phone_methods_round_trip_losslessly(m in phone_json()) {
        let value = Value::Object(m.clone());
        let phone: PhoneAuthenticationMethod = lossless(&value)?;
        // Unknown members are kept as read, known ones are not `Unrecognized`.
        if let Some(t) = m.get("phoneType").and_then(Value::as_str) {
            let read = phone.phone_type.as_ref().map(ToString::to_string);
            prop_assert_eq!(read.as_deref(), Some(t));
            let unknown = matches!(phone.phone_type, Some(AuthenticationPhoneType::Unrecognized(_)));
            prop_assert_eq!(unknown, !AuthenticationPhoneType::KNOWN.contains(&t));
        }
        if let Some(s) = m.get("smsSignInState").and_then(Value::as_str) {
            let unknown = matches!(
                phone.sms_sign_in_state,
                Some(AuthenticationMethodSignInState::Unrecognized(_))
            );
            prop_assert_eq!(unknown, !AuthenticationMethodSignInState::KNOWN.contains(&s));
        }
        let known = ["id", "@odata.type", "phoneNumber", "phoneType", "smsSignInState", "createdDateTime"];
        for key in m.keys().filter(|k| !known.contains(&k.as_str())) {
            prop_assert!(phone.additional_properties.contains_key(key));
        }
        // The same object read through the polymorphic enum.
        let mut typed = m;
        typed.insert("@odata.type".into(), json!("#microsoft.graph.phoneAuthenticationMethod"));
        let typed = Value::Object(typed);
        let method: AuthenticationMethod = lossless(&typed)?;
        prop_assert!(matches!(method, AuthenticationMethod::Phone(_)));
    }

    #[test]
    fn unknown_and_missing_odata_types_are_kept_whole(
        name in "[a-z][a-zA-Z0-9]{0,16}",
        namespace in prop_oneof![Just("microsoft.graph"), Just("microsoft.graph.beta"), Just("contoso")],
        with_type in any::<bool>(),
        id in any::<String>(),
        extra in unknown_properties(),
    ) {
        let odata_type = format!("#{namespace}.{name}AuthenticationMethodZz");
        let mut m = extra;
        m.insert("id".into(), json!(id));
        if with_type {
            m.insert("@odata.type".into(), json!(odata_type));
        }
        let value = Value::Object(m.clone());
        let method: AuthenticationMethod = lossless(&value)?;
        prop_assert_eq!(method.clone(), AuthenticationMethod::Unknown(m));
        prop_assert_eq!(method.odata_type(), with_type.then_some(odata_type.as_str()));
    }

    #[test]
    fn every_known_subtype_dispatches_back_to_itself(
        index in 0usize..11,
        id in any::<String>(),
        extra in unknown_properties(),
    ) {
        const TYPES: [&str; 11] = [
            "email", "external", "fido2", "microsoftAuthenticator", "password", "phone",
            "platformCredential", "qrCodePin", "softwareOath", "temporaryAccessPass",
            "windowsHelloForBusiness",
        ];
        let odata_type = format!("#microsoft.graph.{}AuthenticationMethod", TYPES[index]);
        let mut m = extra;
        m.insert("id".into(), json!(id));
        // The properties the metadata makes non-nullable.
        match TYPES[index] {
            "external" => {
                m.insert("configurationId".into(), json!(id));
                m.insert("displayName".into(), json!("Contoso"));
            }
            "fido2" => {
                m.insert("attestationCertificates".into(), json!([id]));
            }
            _ => {}
        }
        m.insert("@odata.type".into(), json!(odata_type));
        let method: AuthenticationMethod = lossless(&Value::Object(m))?;
        prop_assert!(!matches!(method, AuthenticationMethod::Unknown(_)), "{}", odata_type);
        prop_assert_eq!(method.odata_type(), Some(odata_type.as_str()));
    }

    #[test]
    fn create_payloads_round_trip(
        number in prop::option::of(any::<String>()),
        phone_type in prop::option::of(enum_member(AuthenticationPhoneType::KNOWN)),
        extra in unknown_properties(),
    ) {
        let mut m = extra;
        m.insert("@odata.type".into(), json!("#microsoft.graph.phoneAuthenticationMethod"));
        let complete = number.is_some() && phone_type.is_some();
        if let Some(n) = number {
            m.insert("phoneNumber".into(), json!(n));
        }
        if let Some(t) = phone_type {
            m.insert("phoneType".into(), json!(t));
        }
        if complete {
            lossless::<PhoneAuthenticationMethodCreate>(&Value::Object(m))?;
        } else {
            // Both are required on create: a body without one does not read.
            let missing = ["phoneNumber", "phoneType"]
                .into_iter()
                .find(|k| !m.contains_key(*k))
                .unwrap();
            let err = serde_json::from_value::<PhoneAuthenticationMethodCreate>(Value::Object(m))
                .unwrap_err()
                .to_string();
            prop_assert!(err.contains(&format!("missing field `{missing}`")), "{}", err);
        }
    }

    /// The tri-state laws: absent reads as `Unchanged` and is not written, `null` reads as
    /// `Null` and is written as `null`, a value reads as `Value` and is written as itself;
    /// and writing then reading any update gives it back.
    #[test]
    fn patch_laws(
        number in patch(any::<String>()),
        phone_type in patch(enum_member(AuthenticationPhoneType::KNOWN)),
        extra in unknown_properties(),
    ) {
        let mut update = PhoneAuthenticationMethodUpdate::default()
            .with_phone_number(number.clone())
            .with_phone_type(match &phone_type {
                Patch::Unchanged => Patch::Unchanged,
                Patch::Null => Patch::Null,
                Patch::Value(t) => Patch::Value(serde_json::from_value(json!(t)).unwrap()),
            });
        update.additional_properties = extra;
        let written = serde_json::to_value(&update).unwrap();
        let object = written.as_object().unwrap();
        for (key, field) in [("phoneNumber", &number), ("phoneType", &phone_type)] {
            match field {
                Patch::Unchanged => prop_assert!(!object.contains_key(key)),
                Patch::Null => prop_assert_eq!(object.get(key), Some(&Value::Null)),
                Patch::Value(v) => prop_assert_eq!(object.get(key), Some(&json!(v))),
            }
        }
        let read: PhoneAuthenticationMethodUpdate = lossless(&written)?;
        prop_assert_eq!(read, update);
    }

    /// `Patch<T>` on its own: `Value(v)` is written as `v`, `Null` and `Unchanged` as
    /// `null`; `null` reads as `Null`, anything else as `Value`; `From<Option<T>>` agrees.
    #[test]
    fn patch_alone(v in prop::option::of(any::<i64>()), s in any::<String>()) {
        let p = Patch::from(v);
        prop_assert_eq!(serde_json::to_value(&p).unwrap(), json!(v));
        prop_assert_eq!(serde_json::from_value::<Patch<i64>>(json!(v)).unwrap(), p.clone());
        prop_assert_eq!(p.value(), v.as_ref());
        prop_assert!(!p.is_unchanged());
        prop_assert_eq!(serde_json::to_value(Patch::<String>::Unchanged).unwrap(), Value::Null);
        prop_assert_eq!(
            serde_json::from_value::<Patch<String>>(json!(s.clone())).unwrap(),
            Patch::Value(s)
        );
    }
}

fn patch<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Patch<T>> {
    prop_oneof![
        Just(Patch::Unchanged),
        Just(Patch::Null),
        value.prop_map(Patch::Value),
    ]
}
