//! JSON behaviour of the generated types: lossless round trips, evolvable enums,
//! polymorphism on `@odata.type`, payloads, redacted `Debug`, schemas, and the Edm mapping.

use graph_phone_types::support::{Base64, Flags, IsoDuration, ODataTyped, Patch};
use graph_phone_types::{
    AuthenticationMethod, AuthenticationMethodSignInState, AuthenticationPhoneType,
    EmailAuthenticationMethod, PhoneAuthenticationMethod, PhoneAuthenticationMethodCreate,
    PhoneAuthenticationMethodUpdate,
};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

const SEED: &str = r#"{"phoneNumber":"+1 2065555555","phoneType":"mobile","smsSignInState":"ready","id":"3179e48a-750b-4051-897c-87b9720928f7"}"#;

/// Reads `text` as `T`, writes it back, and checks the JSON is the same value.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> T {
    let value: T = serde_json::from_str(text).unwrap();
    let written = serde_json::to_value(&value).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(written, original);
    value
}

#[test]
fn the_seed_phone_method_round_trips() {
    let phone: PhoneAuthenticationMethod = round_trip(SEED);
    assert_eq!(phone.id, "3179e48a-750b-4051-897c-87b9720928f7");
    assert_eq!(phone.phone_number.as_deref(), Some("+1 2065555555"));
    assert_eq!(phone.phone_type, Some(AuthenticationPhoneType::Mobile));
    assert_eq!(
        phone.sms_sign_in_state,
        Some(AuthenticationMethodSignInState::Ready)
    );
    assert_eq!(phone.created_date_time, None);
    // No `@odata.type` was read, and none is written by the struct itself.
    assert_eq!(phone.odata_type, None);
    assert!(phone.additional_properties.is_empty());
}

#[test]
fn a_methods_page_with_an_unknown_subtype_round_trips_losslessly() {
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/authentication/methods",
        "value": [
            {
                "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
                "id": "3179e48a-750b-4051-897c-87b9720928f7",
                "phoneNumber": "+1 2065555555",
                "phoneType": "mobile",
                "smsSignInState": "notSupported"
            },
            {
                "@odata.type": "#microsoft.graph.emailAuthenticationMethod",
                "id": "3ddfcfc8-9383-446f-83cc-3ab9be4be18f",
                "emailAddress": "kim@contoso.com"
            },
            {
                "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
                "id": "28c10230-6103-485e-b985-444c60001490",
                "createdDateTime": "2024-05-01T10:00:00.1234567Z"
            },
            {
                "@odata.type": "#microsoft.graph.holographicAuthenticationMethod",
                "id": "0b6b9d4e-0000-0000-0000-000000000000",
                "hologram": { "frequency": 7, "colours": ["red", "blue"] }
            }
        ]
    });
    let methods: Vec<AuthenticationMethod> = serde_json::from_value(page["value"].clone()).unwrap();
    assert!(
        matches!(&methods[0], AuthenticationMethod::Phone(p) if p.phone_type == Some(AuthenticationPhoneType::Mobile))
    );
    assert!(
        matches!(&methods[1], AuthenticationMethod::Email(e) if e.email_address.as_deref() == Some("kim@contoso.com"))
    );
    assert!(
        matches!(&methods[2], AuthenticationMethod::Password(p) if p.created_date_time.is_some())
    );
    let AuthenticationMethod::Unknown(object) = &methods[3] else {
        panic!(
            "expected the unknown subtype to be kept whole: {:?}",
            methods[3]
        );
    };
    assert_eq!(object["hologram"]["frequency"], 7);
    assert_eq!(
        methods[3].odata_type(),
        Some("#microsoft.graph.holographicAuthenticationMethod")
    );
    assert_eq!(serde_json::to_value(&methods).unwrap(), page["value"]);
}

#[test]
fn the_polymorphic_enum_dispatches_back_to_the_same_variant() {
    // A phoneMethods item has no @odata.type; through the enum it gains one.
    let phone: PhoneAuthenticationMethod = serde_json::from_str(SEED).unwrap();
    let method = AuthenticationMethod::from(phone.clone());
    let written = serde_json::to_value(&method).unwrap();
    assert_eq!(
        written["@odata.type"],
        "#microsoft.graph.phoneAuthenticationMethod"
    );
    let read: AuthenticationMethod = serde_json::from_value(written).unwrap();
    let AuthenticationMethod::Phone(again) = read else {
        panic!("not a phone: {read:?}");
    };
    assert_eq!(again.phone_number, phone.phone_number);
    assert_eq!(
        again.odata_type.as_deref(),
        Some(PhoneAuthenticationMethod::ODATA_TYPE)
    );

    // The alias form and the form without `#` dispatch too.
    for tag in [
        "#graph.emailAuthenticationMethod",
        "microsoft.graph.emailAuthenticationMethod",
    ] {
        let read: AuthenticationMethod =
            serde_json::from_value(json!({"@odata.type": tag, "id": "e"})).unwrap();
        assert!(matches!(read, AuthenticationMethod::Email(_)), "{tag}");
    }

    // Without @odata.type the enum cannot know the subtype: the object is kept whole.
    let read: AuthenticationMethod = serde_json::from_str(SEED).unwrap();
    assert!(matches!(&read, AuthenticationMethod::Unknown(_)));
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        serde_json::from_str::<Value>(SEED).unwrap()
    );
}

#[test]
fn an_explicit_null_reads_as_none_and_is_written_as_absent() {
    // Graph sends `"password": null`; for a nullable property null and absent mean the same.
    let read: AuthenticationMethod = serde_json::from_value(json!({
        "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
        "id": "p",
        "password": null
    }))
    .unwrap();
    let AuthenticationMethod::Password(password) = &read else {
        panic!("{read:?}");
    };
    assert_eq!(password.password, None);
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        json!({"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "p"})
    );
}

#[test]
fn unknown_enum_members_round_trip() {
    let text = SEED.replace(r#""mobile""#, r#""satellite""#);
    let phone: PhoneAuthenticationMethod = round_trip(&text);
    let phone_type = phone.phone_type.unwrap();
    assert_eq!(phone_type.as_str(), "satellite");
    assert_eq!(phone_type.to_string(), "satellite");
    assert!(!AuthenticationPhoneType::KNOWN.contains(&"satellite"));
    assert_eq!(
        "alternateMobile".parse::<AuthenticationPhoneType>(),
        Ok(AuthenticationPhoneType::AlternateMobile)
    );
    assert_eq!(
        serde_json::to_string(&AuthenticationPhoneType::UnknownFutureValue).unwrap(),
        r#""unknownFutureValue""#
    );
}

#[test]
fn unknown_properties_round_trip() {
    let text = SEED.replace(
        r#""id""#,
        r#""futureProperty":{"nested":[1,2.5,"x",null]},"@odata.etag":"W/\"1\"","id""#,
    );
    let phone: PhoneAuthenticationMethod = round_trip(&text);
    assert_eq!(
        phone.additional_properties.keys().collect::<Vec<_>>(),
        ["@odata.etag", "futureProperty"]
    );
}

#[test]
fn seven_digit_timestamps_round_trip_byte_for_byte() {
    for stamp in [
        "2024-05-01T10:00:00.1234567Z",
        "2024-05-01T10:00:00.1000001Z",
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00.123456789Z",
    ] {
        let text = SEED.replace(r#""id""#, &format!(r#""createdDateTime":"{stamp}","id""#));
        let phone: PhoneAuthenticationMethod = round_trip(&text);
        assert!(phone.created_date_time.is_some());
        let written = serde_json::to_string(&phone).unwrap();
        assert!(
            written.contains(&format!(r#""createdDateTime":"{stamp}""#)),
            "{written}"
        );
    }
}

#[test]
fn update_payloads_are_tri_state() {
    let unchanged = PhoneAuthenticationMethodUpdate::default();
    assert_eq!(serde_json::to_string(&unchanged).unwrap(), "{}");

    let update = PhoneAuthenticationMethodUpdate::default()
        .with_phone_number("+1 5555551234x123")
        .with_phone_type(Patch::Null);
    assert_eq!(
        serde_json::to_string(&update).unwrap(),
        r#"{"phoneNumber":"+1 5555551234x123","phoneType":null}"#
    );
    let read: PhoneAuthenticationMethodUpdate =
        serde_json::from_str(r#"{"phoneType":null}"#).unwrap();
    assert_eq!(read.phone_type, Patch::Null);
    assert_eq!(read.phone_number, Patch::Unchanged);
    assert_eq!(Patch::from(Some(3)), Patch::Value(3));
    assert_eq!(Patch::<i32>::from(None), Patch::Null);
}

/// `From` sets a value: a `T`, a `&str` into `Patch<String>`, through `.into()` in a field
/// too; the root re-export is the support module's type.
#[test]
fn patch_values_come_from_plain_values() {
    let text: graph_phone_types::Patch<String> = Patch::from("+1 2065550100");
    assert_eq!(text, Patch::Value("+1 2065550100".to_owned()));
    assert_eq!(
        Patch::from("+1 2065550100".to_owned()),
        Patch::Value("+1 2065550100".to_owned())
    );
    assert_eq!(Patch::from(7_i64), Patch::Value(7));
    // Outside the crate a struct literal does not compile (`#[non_exhaustive]`): the
    // setters take what converts into a `Patch`, or assign the public fields.
    let update = PhoneAuthenticationMethodUpdate::default()
        .with_phone_number("+1 2065550100")
        .with_phone_type(AuthenticationPhoneType::Office);
    let mut assigned = PhoneAuthenticationMethodUpdate::default();
    assigned.phone_number = "+1 2065550100".into();
    assigned.phone_type = AuthenticationPhoneType::Office.into();
    assert_eq!(assigned, update);
    assert_eq!(
        serde_json::to_string(&update).unwrap(),
        r#"{"phoneNumber":"+1 2065550100","phoneType":"office"}"#
    );
}

#[test]
fn create_payloads_carry_odata_type_and_only_writable_properties() {
    let create =
        PhoneAuthenticationMethodCreate::new("+1 5555551234", AuthenticationPhoneType::Mobile);
    assert_eq!(
        serde_json::to_string(&create).unwrap(),
        r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+1 5555551234","phoneType":"mobile"}"##
    );
    let schema =
        serde_json::to_value(schemars::schema_for!(PhoneAuthenticationMethodCreate)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    assert!(properties.contains_key("phoneNumber") && properties.contains_key("phoneType"));
    // What the create page requires (spec/overlay.toml `create_required`) is required in
    // the schema too, and never null.
    assert_eq!(
        schema["required"],
        json!(["phoneNumber", "phoneType"]),
        "{schema:#}"
    );
    assert_eq!(
        properties["phoneNumber"]["type"],
        json!("string"),
        "{schema:#}"
    );
    for body in [
        json!({"phoneType": "mobile"}),
        json!({"phoneNumber": "+1 5555551234"}),
        json!({"phoneNumber": null, "phoneType": "mobile"}),
    ] {
        assert!(
            serde_json::from_value::<PhoneAuthenticationMethodCreate>(body.clone()).is_err(),
            "{body}"
        );
    }
    for read_only in ["id", "smsSignInState", "createdDateTime"] {
        assert!(
            !properties.contains_key(read_only),
            "{read_only} in {schema:#}"
        );
    }
}

#[test]
fn debug_never_shows_phone_numbers_or_email_addresses() {
    let text = SEED.replace(r#""id""#, r#""backupPhone":"+44 2071234567","id""#);
    let phone: PhoneAuthenticationMethod = serde_json::from_str(&text).unwrap();
    let email: EmailAuthenticationMethod = serde_json::from_value(
        json!({"id": "e", "emailAddress": "kim@contoso.com", "odd": "kim.private@example.com"}),
    )
    .unwrap();
    let outputs = [
        format!("{phone:?}"),
        format!("{phone:#?}"),
        format!("{:?}", AuthenticationMethod::from(phone.clone())),
        format!("{email:?}"),
        format!("{:?}", AuthenticationMethod::from(email)),
        format!(
            "{:?}",
            PhoneAuthenticationMethodUpdate::default().with_phone_number("+1 2065555555")
        ),
        format!(
            "{:?}",
            PhoneAuthenticationMethodCreate::new("+1 2065555555", AuthenticationPhoneType::Office)
        ),
        format!(
            "{:?}",
            serde_json::from_str::<AuthenticationMethod>(&text).unwrap()
        ),
    ];
    for output in &outputs {
        for secret in ["2065555555", "2071234567", "kim@contoso.com", "kim.private"] {
            assert!(!output.contains(secret), "{secret} leaked in {output}");
        }
    }
    assert!(
        outputs[0].contains("phone_number: Some(<redacted>)"),
        "{}",
        outputs[0]
    );
    // Other fields and the names of unknown properties still show.
    assert!(outputs[0].contains("Mobile") && outputs[0].contains("\"backupPhone\""));
    assert!(
        outputs[3].contains("email_address: Some(<redacted>)"),
        "{}",
        outputs[3]
    );
    assert!(
        outputs[5].contains("phone_number: Value(<redacted>)"),
        "{}",
        outputs[5]
    );
}

#[test]
fn schemas_generate_for_the_main_types() {
    let phone = serde_json::to_value(schemars::schema_for!(PhoneAuthenticationMethod)).unwrap();
    assert_eq!(
        phone["properties"]["phoneNumber"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(phone["required"], json!(["id"]));
    let phone_type = &phone["$defs"]["AuthenticationPhoneType"]["anyOf"];
    assert_eq!(
        phone_type[0]["enum"],
        json!(["mobile", "alternateMobile", "office", "unknownFutureValue"])
    );
    assert_eq!(phone_type[1], json!({"type": "string"}));

    let methods = serde_json::to_value(schemars::schema_for!(Vec<AuthenticationMethod>)).unwrap();
    let any_of = methods["$defs"]["AuthenticationMethod"]["anyOf"]
        .as_array()
        .unwrap();
    assert!(any_of.len() >= 10, "{methods:#}");
    assert_eq!(any_of.last().unwrap(), &json!({"type": "object"}));

    let update =
        serde_json::to_value(schemars::schema_for!(PhoneAuthenticationMethodUpdate)).unwrap();
    assert!(update["properties"]["phoneNumber"].is_object());
    assert!(update.get("required").is_none(), "{update:#}");
}

#[test]
fn edm_mapping_round_trips() {
    let bytes: Base64 = serde_json::from_str(r#""aGVsbG8gZ3JhcGg=""#).unwrap();
    assert_eq!(bytes.0, b"hello graph");
    assert_eq!(
        serde_json::to_string(&bytes).unwrap(),
        r#""aGVsbG8gZ3JhcGg=""#
    );
    assert!(serde_json::from_str::<Base64>(r#""not base64!""#).is_err());
    let schema = serde_json::to_value(schemars::schema_for!(Base64)).unwrap();
    assert_eq!(schema["format"], "byte");

    for text in [r#""PT1H30M""#, r#""P0D""#, r#""-P1DT2.5S""#] {
        let duration: IsoDuration = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&duration).unwrap(), text);
    }
    let duration: IsoDuration = "PT1H30M".parse().unwrap();
    assert_eq!(duration.span().get_minutes(), 30);
    assert!("1h30".parse::<IsoDuration>().is_err());

    let date: jiff::civil::Date = serde_json::from_str(r#""2024-05-01""#).unwrap();
    assert_eq!(serde_json::to_string(&date).unwrap(), r#""2024-05-01""#);
    let time: jiff::civil::Time = serde_json::from_str(r#""10:00:00.1234567""#).unwrap();
    assert_eq!(
        serde_json::to_string(&time).unwrap(),
        r#""10:00:00.1234567""#
    );
    let guid: uuid::Uuid =
        serde_json::from_str(r#""3179e48a-750b-4051-897c-87b9720928f7""#).unwrap();
    assert_eq!(
        serde_json::to_string(&guid).unwrap(),
        r#""3179e48a-750b-4051-897c-87b9720928f7""#
    );
}

#[test]
fn flags_keep_unknown_names_and_order() {
    let flags: Flags<AuthenticationPhoneType> =
        serde_json::from_str(r#""office,satellite,mobile""#).unwrap();
    assert!(flags.contains(&AuthenticationPhoneType::Office));
    assert!(flags.contains(&AuthenticationPhoneType::from("satellite")));
    assert_eq!(
        serde_json::to_string(&flags).unwrap(),
        r#""office,satellite,mobile""#
    );
    let spaced: Flags<AuthenticationPhoneType> =
        serde_json::from_str(r#""office, mobile""#).unwrap();
    assert_eq!(spaced.to_string(), "office,mobile");
}

#[test]
fn null_collections_read_as_empty() {
    let fido: graph_phone_types::Fido2AuthenticationMethod =
        serde_json::from_value(json!({"id": "f", "attestationCertificates": null})).unwrap();
    assert!(fido.attestation_certificates.is_empty());
}

/// Found by `fuzz/model_json`: without serde_json's `float_roundtrip`, `1844672.5e-300` in an
/// unknown property was parsed one ULP off, so writing it back and reading it again gave a
/// different value.
#[test]
fn fuzz_unknown_property_float_round_trips_exactly() {
    let input = br#"{"id":"n","fifetimeInMinutes":1e3,"fifbig":1844672.5e-300,"s":"\u00e9\ud83d\ude00\u0000"}"#;
    let first: PhoneAuthenticationMethod = serde_json::from_slice(input).unwrap();
    let written = serde_json::to_vec(&first).unwrap();
    let second: PhoneAuthenticationMethod = serde_json::from_slice(&written).unwrap();
    assert!(first == second, "{}", String::from_utf8_lossy(&written));
    assert_eq!(first.additional_properties["fifbig"], json!(1844672.5e-300));
}

/// Device display names are personal data ("Alice's phone", "ALICE-LAPTOP"): redacted in
/// `Debug`, in the method and in its expanded `device`, also through the polymorphic enum.
#[test]
fn debug_redacts_device_display_names() {
    let device = json!({
        "id": "d1", "displayName": "ALICE-LAPTOP", "deviceId": "4c2a7c1e-0000-4000-8000-000000000001",
        "operatingSystem": "Windows", "physicalIds": ["[USER-GID]:alice-hw-serial"], "systemLabels": [],
        "alternativeSecurityIds": [{"type": 2, "key": "YWxpY2Uta2V5"}]
    });
    let methods = [
        json!({"@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
               "id": "m1", "displayName": "Alice's phone", "deviceTag": "SoftwareTokenActivated",
               "device": device}),
        json!({"@odata.type": "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
               "id": "m2", "displayName": "ALICE-LAPTOP", "keyStrength": "normal", "device": device}),
        json!({"@odata.type": "#microsoft.graph.platformCredentialAuthenticationMethod",
               "id": "m3", "displayName": "Alice's MacBook", "platform": "macOS", "device": device}),
        json!({"@odata.type": "#microsoft.graph.fido2AuthenticationMethod",
               "id": "m4", "displayName": "Alice's YubiKey"}),
    ];
    for method in methods {
        let read: AuthenticationMethod = serde_json::from_value(method.clone()).unwrap();
        // The expanded device is read into its field and written back.
        let written = serde_json::to_value(&read).unwrap();
        assert_eq!(written.get("device"), method.get("device"), "{written}");
        for output in [format!("{read:?}"), format!("{read:#?}")] {
            for personal in ["Alice", "ALICE", "alice"] {
                assert!(!output.contains(personal), "{personal} leaked in {output}");
            }
            assert!(
                output.contains("display_name: Some(<redacted>)"),
                "{output}"
            );
        }
        if method.get("device").is_some() {
            let shown = format!("{read:?}");
            assert!(shown.contains("device: Some(Device {"), "{shown}");
            assert!(
                shown.contains("Windows"),
                "other device fields still show: {shown}"
            );
        }
    }
}
