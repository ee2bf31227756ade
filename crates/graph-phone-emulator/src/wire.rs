//! The serialisation layer: request bodies in, response bodies out.
//!
//! This is the one place that knows the JSON shape of the bodies; the rest of the emulator
//! works on the domain types in [`crate::tenant`]. Phone bodies are read and written through
//! the generated `graph-phone-types` structs (stored methods of the other kinds and
//! operations are checked against theirs by `tenant` when a tenant is loaded).
//!
//! Layers, one direction: `number` (text rules) <- `tenant` (state, tenant file) <- `phone`
//! (rules on the state) <- `wire` (JSON bodies) <- `handler`.

use graph_phone_types::support::Patch;
use graph_phone_types::{
    AttestationLevel, AuthenticationMethodKeyStrength, AuthenticationMethodPlatform,
    AuthenticationMethodSignInState, AuthenticationPhoneType, LongRunningOperation,
    LongRunningOperationStatus, PasskeyType, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::number::mask_for_api;
use crate::reset::Stage;
use crate::tenant::{JsonObject, MethodKind, PhoneMethod, PhoneType};

/// The qualified type name of phone methods.
pub(crate) const PHONE_TYPE_NAME: &str = "phoneAuthenticationMethod";

/// Properties of `phoneAuthenticationMethod` (for `$select`).
pub(crate) const PHONE_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "phoneNumber",
    "phoneType",
    "smsSignInState",
];

/// Properties of `longRunningOperation` (for `$select`).
pub(crate) const OPERATION_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "lastActionDateTime",
    "resourceLocation",
    "status",
    "statusDetail",
];

/// A phone method as Graph returns it, built as the generated
/// [`PhoneAuthenticationMethod`]; `masked` hides all but the last two digits.
pub(crate) fn phone_json(phone: &PhoneMethod, masked: bool) -> JsonObject {
    let number = if masked {
        mask_for_api(&phone.phone_number)
    } else {
        phone.phone_number.clone()
    };
    // The generated structs are `#[non_exhaustive]`: built from `Default`, field by field.
    let mut body = PhoneAuthenticationMethod::default();
    body.id = phone.id().to_string();
    body.created_date_time = phone.created_date_time;
    body.phone_number = Some(number);
    body.phone_type = Some(AuthenticationPhoneType::from(phone.phone_type.as_str()));
    body.sms_sign_in_state = Some(AuthenticationMethodSignInState::from(
        phone.state().as_str(),
    ));
    match serde_json::to_value(body) {
        Ok(Value::Object(map)) => map,
        other => unreachable!("a generated entity serialises to an object: {other:?}"),
    }
}

/// A stored method of another kind as Graph returns it: secrets are always null, and the
/// stored `device` (a navigation) only with `$expand=device` (added by the handler).
pub(crate) fn other_json(kind: MethodKind, stored: &JsonObject) -> JsonObject {
    let mut map = stored.clone();
    map.remove("device");
    for secret in kind.secret_properties() {
        map.insert((*secret).to_string(), Value::Null);
    }
    map
}

/// True when Graph's documentation shows `@odata.type` on the items of this kind's own
/// collection (its list and get responses), not only in the polymorphic `methods`. The
/// response examples of the v1.0 pages show it for the Microsoft Authenticator
/// (microsoftauthenticatorauthenticationmethod-get, -list), software OATH
/// (softwareoathauthenticationmethod-get), Windows Hello for Business
/// (windowshelloforbusinessauthenticationmethod-get), platform credential
/// (platformcredentialauthenticationmethod-get), Temporary Access Pass
/// (temporaryaccesspassauthenticationmethod-get) and external
/// (externalauthenticationmethod-get, authentication-list-externalauthenticationmethods)
/// methods; those of the phone, email, FIDO2 and password pages do not.
pub(crate) fn tagged_in_own_collection(kind: MethodKind) -> bool {
    matches!(
        kind,
        MethodKind::MicrosoftAuthenticatorMethods
            | MethodKind::SoftwareOathMethods
            | MethodKind::WindowsHelloForBusinessMethods
            | MethodKind::PlatformCredentialMethods
            | MethodKind::TemporaryAccessPassMethods
            | MethodKind::ExternalAuthenticationMethods
    )
}

/// The enum-typed properties of every type the emulator serves, as (type, property, the
/// members of the property's enum type in metadata order, from the generated
/// `graph-phone-types` enum). A unit test checks this table against `spec/openapi.json`.
pub(crate) const ENUM_PROPERTIES: &[(&str, &str, &[&str])] = &[
    (
        "fido2AuthenticationMethod",
        "attestationLevel",
        AttestationLevel::KNOWN,
    ),
    (
        "fido2AuthenticationMethod",
        "passkeyType",
        PasskeyType::KNOWN,
    ),
    (
        "longRunningOperation",
        "status",
        LongRunningOperationStatus::KNOWN,
    ),
    (
        "phoneAuthenticationMethod",
        "phoneType",
        AuthenticationPhoneType::KNOWN,
    ),
    (
        "phoneAuthenticationMethod",
        "smsSignInState",
        AuthenticationMethodSignInState::KNOWN,
    ),
    (
        "platformCredentialAuthenticationMethod",
        "keyStrength",
        AuthenticationMethodKeyStrength::KNOWN,
    ),
    (
        "platformCredentialAuthenticationMethod",
        "platform",
        AuthenticationMethodPlatform::KNOWN,
    ),
    (
        "windowsHelloForBusinessAuthenticationMethod",
        "keyStrength",
        AuthenticationMethodKeyStrength::KNOWN,
    ),
];

/// The sentinel member of Graph's evolvable enums.
pub(crate) const UNKNOWN_FUTURE_VALUE: &str = "unknownFutureValue";

/// Graph's rule for evolvable enums
/// (<https://learn.microsoft.com/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations>):
/// a member that comes after `unknownFutureValue` in the metadata is sent only to a client
/// that asked for it with `Prefer: include-unknown-enum-members`, and as `unknownFutureValue`
/// to the others. A stored value the metadata does not list at all (a tenant file may hold
/// one, to stand for a member Graph added later) counts as such a member. Enums without the
/// sentinel are not evolvable and are served as stored. `type_name` is the unqualified type
/// of `item`.
pub(crate) fn hide_future_members(type_name: &str, item: &mut JsonObject) {
    for (ty, property, members) in ENUM_PROPERTIES {
        if *ty != type_name {
            continue;
        }
        let Some(sentinel) = members.iter().position(|m| *m == UNKNOWN_FUTURE_VALUE) else {
            continue;
        };
        let Some(Value::String(value)) = item.get(*property) else {
            continue;
        };
        let hidden = members
            .iter()
            .position(|m| m == value)
            .is_none_or(|i| i > sentinel);
        if hidden {
            item.insert((*property).to_string(), Value::from(UNKNOWN_FUTURE_VALUE));
        }
    }
}

/// Adds `@odata.type` in front of an item of the polymorphic `methods` collection.
pub(crate) fn with_odata_type(type_name: &str, item: JsonObject) -> JsonObject {
    let mut map = Map::new();
    map.insert(
        "@odata.type".into(),
        Value::from(format!("#microsoft.graph.{type_name}")),
    );
    map.extend(item);
    map
}

/// A parsed phone create or update body.
#[derive(Debug, Default)]
pub(crate) struct PhoneBody {
    pub phone_type: Option<PhoneType>,
    pub phone_number: Option<String>,
}

/// The `@odata.type` a phone body may carry, exactly as `spec/openapi.json` offers it.
const PHONE_ODATA_TYPE: &str = "#microsoft.graph.phoneAuthenticationMethod";

/// Parses a phone create (`path_id` = `None`, into the generated
/// [`PhoneAuthenticationMethodCreate`]) or update (into [`PhoneAuthenticationMethodUpdate`])
/// body, as strictly as `spec/openapi.json` describes it: a JSON object with the writable
/// properties (`phoneNumber` and `phoneType`, both required on create and never null) and
/// optionally `@odata.type` (`#microsoft.graph.phoneAuthenticationMethod`), nothing else.
/// Unknown properties and annotations, unknown enum members (and the `unknownFutureValue`
/// sentinel), wrong JSON types are 400 `BadRequest`; read-only properties (`id`,
/// `createdDateTime`, `smsSignInState`) are 400 `readOnlyProperty`.
pub(crate) fn parse_phone_body(bytes: &[u8], path_id: Option<&str>) -> Result<PhoneBody, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        ApiError::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    if let Some(t) = map.get("@odata.type")
        && t.as_str() != Some(PHONE_ODATA_TYPE)
    {
        return Err(ApiError::bad_request(format!(
            "The @odata.type {t} is not {PHONE_ODATA_TYPE}."
        )));
    }
    let unreadable = |e: serde_json::Error| {
        ApiError::bad_request(format!(
            "Cannot read the request body as microsoft.graph.{PHONE_TYPE_NAME}: {e}."
        ))
    };
    let (body, extra) = match path_id {
        None => {
            // The generated create type requires both properties, so a body without one
            // (or with `null`) does not read into it. Graph names the missing property;
            // so that every other problem still comes first, as for a complete body (a
            // wrong JSON type, then an unknown phone type), such a body is read as the
            // update type: the same properties, each optional.
            let absent = |name: &str| map.get(name).is_none_or(Value::is_null);
            if let Some(name) = ["phoneNumber", "phoneType"].into_iter().find(|n| absent(n)) {
                let partial: PhoneAuthenticationMethodUpdate =
                    serde_json::from_value(Value::Object(map)).map_err(unreadable)?;
                if let Patch::Value(t) = partial.phone_type {
                    phone_type(t)?;
                }
                return Err(ApiError::bad_request(format!(
                    "The property '{name}' is required."
                )));
            }
            let create: PhoneAuthenticationMethodCreate =
                serde_json::from_value(Value::Object(map)).map_err(unreadable)?;
            let body = PhoneBody {
                phone_type: Some(phone_type(create.phone_type)?),
                phone_number: Some(create.phone_number),
            };
            (body, create.additional_properties)
        }
        Some(_) => {
            let update: PhoneAuthenticationMethodUpdate =
                serde_json::from_value(Value::Object(map)).map_err(unreadable)?;
            let not_null = |name: &str| {
                ApiError::bad_request(format!("The property '{name}' cannot be null."))
            };
            let body = PhoneBody {
                phone_type: match update.phone_type {
                    Patch::Unchanged => None,
                    Patch::Null => return Err(not_null("phoneType")),
                    Patch::Value(t) => Some(phone_type(t)?),
                },
                phone_number: match update.phone_number {
                    Patch::Unchanged => None,
                    Patch::Null => return Err(not_null("phoneNumber")),
                    Patch::Value(n) => Some(n),
                },
            };
            (body, update.additional_properties)
        }
    };
    for key in extra.keys() {
        match key.as_str() {
            "id" | "smsSignInState" | "createdDateTime" => {
                return Err(ApiError::new(
                    400,
                    "readOnlyProperty",
                    format!("The property '{key}' is read-only and cannot be set."),
                ));
            }
            "@odata.type" => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "The property '{other}' does not exist on type 'microsoft.graph.{PHONE_TYPE_NAME}'. Make sure to only use property names that are defined by the type or mark the type as open type."
                )));
            }
        }
    }
    Ok(body)
}

/// A known phone type, or the 400 Graph gives for an unknown enum member.
fn phone_type(t: AuthenticationPhoneType) -> Result<PhoneType, ApiError> {
    PhoneType::parse(t.as_str()).ok_or_else(|| {
        ApiError::bad_request(format!("Requested value '{}' was not found.", t.as_str()))
    })
}

/// The `202 Accepted` body of resetPassword: a `passwordResetResponse` with the
/// system-generated password when the caller gave none (the page's example 2), `{}` when the
/// caller gave one (its example 1).
pub(crate) fn reset_response_json(origin: &str, generated: Option<&str>) -> Value {
    let mut body = Map::new();
    if let Some(password) = generated {
        body.insert(
            "@odata.context".into(),
            Value::from(format!(
                "{origin}/v1.0/$metadata#microsoft.graph.passwordResetResponse"
            )),
        );
        body.insert("newPassword".into(), Value::from(password));
    }
    Value::Object(body)
}

/// resetPassword's request body: `newPassword` (optional, a string; `null` is the same as
/// leaving it out) and nothing else. An empty body is no parameters. Errors never quote the
/// password.
pub(crate) fn parse_reset_body(bytes: &[u8]) -> Result<Option<String>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        ApiError::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    let password = map.remove("newPassword");
    if let Some(other) = map.keys().next() {
        let name: String = other.chars().take(64).collect();
        return Err(ApiError::bad_request(format!(
            "The parameter '{name}' in the request payload is not a valid parameter for the operation 'resetPassword'."
        )));
    }
    match password {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(p)) => Ok(Some(p)),
        Some(_) => Err(ApiError::bad_request(
            "Cannot convert the value of the parameter 'newPassword' to the expected type 'Edm.String'.",
        )),
    }
}

/// A new `longRunningOperation` as stored in the tenant, built as the generated type.
pub(crate) fn operation_json(
    id: &str,
    created: jiff::Timestamp,
    resource_location: String,
    stage: Stage,
) -> JsonObject {
    let mut op = LongRunningOperation::default();
    op.id = id.to_string();
    op.created_date_time = Some(created);
    op.last_action_date_time = Some(created);
    op.resource_location = Some(resource_location);
    op.status = Some(LongRunningOperationStatus::from(stage.as_str()));
    match serde_json::to_value(&op) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a generated entity serialises to a JSON object"),
    }
}

/// Moves a stored operation to `stage` at `at`: `lastActionDateTime` changes only with the
/// status, and a `failed` one gets `statusDetail`.
pub(crate) fn set_operation_stage(
    op: &mut JsonObject,
    stage: Stage,
    at: jiff::Timestamp,
    failed_detail: &str,
) {
    if op.get("status").and_then(Value::as_str) == Some(stage.as_str()) {
        return;
    }
    op.insert("status".into(), Value::from(stage.as_str()));
    op.insert("lastActionDateTime".into(), Value::from(at.to_string()));
    if stage == Stage::Failed {
        op.insert("statusDetail".into(), Value::from(failed_detail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every enum-typed property of every type the emulator serves, per `spec/openapi.json`,
    /// is in [`ENUM_PROPERTIES`] with the enum's members in the document's order, so the
    /// evolvable-enum rule cannot miss a property the slice gains.
    #[test]
    fn enum_properties_match_the_openapi_document() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/openapi.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let served = MethodKind::ALL
            .iter()
            .map(|k| k.type_name())
            .chain([PHONE_TYPE_NAME, "longRunningOperation"]);
        let mut expected: Vec<(String, String, Vec<String>)> = Vec::new();
        for ty in served {
            let schema = &schemas[&format!("microsoft.graph.{ty}")];
            for (name, prop) in schema["properties"].as_object().unwrap() {
                let reference = prop["$ref"]
                    .as_str()
                    .or_else(|| prop["anyOf"][0]["$ref"].as_str())
                    .or_else(|| prop["allOf"][0]["$ref"].as_str());
                let Some(reference) = reference else { continue };
                let target = doc.pointer(reference.trim_start_matches('#')).unwrap();
                let Some(members) = target["enum"].as_array() else {
                    continue;
                };
                let members = members.iter().map(|m| m.as_str().unwrap().to_string());
                expected.push((ty.to_string(), name.clone(), members.collect()));
            }
        }
        expected.sort();
        let mut table: Vec<(String, String, Vec<String>)> = ENUM_PROPERTIES
            .iter()
            .map(|(t, p, m)| {
                let members = m.iter().map(|s| s.to_string()).collect();
                (t.to_string(), p.to_string(), members)
            })
            .collect();
        table.sort();
        assert_eq!(table, expected);
    }

    /// A create body without `phoneNumber` or `phoneType` (or with `null`) gets Graph's
    /// error naming the property, after every other problem, in the same order as for a
    /// complete body: the generated create type requiring both changes nothing here.
    #[test]
    fn create_bodies_missing_a_required_property_get_the_same_errors() {
        let required = |name: &str| format!("The property '{name}' is required.");
        let unreadable = "Cannot read the request body as microsoft.graph.phoneAuthenticationMethod: invalid type";
        for (body, status, code, message) in [
            (r#"{}"#, 400, "BadRequest", required("phoneNumber")),
            (
                r#"{"phoneType":"mobile"}"#,
                400,
                "BadRequest",
                required("phoneNumber"),
            ),
            (
                r#"{"phoneNumber":null,"phoneType":"mobile"}"#,
                400,
                "BadRequest",
                required("phoneNumber"),
            ),
            (
                r#"{"phoneNumber":"+1 5550002"}"#,
                400,
                "BadRequest",
                required("phoneType"),
            ),
            (
                r#"{"phoneNumber":"+1 5550002","phoneType":null}"#,
                400,
                "BadRequest",
                required("phoneType"),
            ),
            // Before the read-only check and the unknown-property check.
            (
                r#"{"phoneNumber":"+1 5550002","id":"x"}"#,
                400,
                "BadRequest",
                required("phoneType"),
            ),
            (
                r#"{"phoneType":"mobile","colour":"red"}"#,
                400,
                "BadRequest",
                required("phoneNumber"),
            ),
            // After the JSON types and the phone type's members.
            (
                r#"{"phoneType":"pager"}"#,
                400,
                "BadRequest",
                "Requested value 'pager' was not found.".into(),
            ),
            (r#"{"phoneType":5}"#, 400, "BadRequest", unreadable.into()),
            (
                r#"{"phoneNumber":5,"phoneType":"mobile"}"#,
                400,
                "BadRequest",
                unreadable.into(),
            ),
            (
                r#"{"phoneNumber":"+1 5550002","phoneType":5}"#,
                400,
                "BadRequest",
                unreadable.into(),
            ),
            (
                r#"{"phoneNumber":"+1 5550002","phoneType":"mobile","id":"x"}"#,
                400,
                "readOnlyProperty",
                "The property 'id' is read-only and cannot be set.".into(),
            ),
        ] {
            let Err(e) = parse_phone_body(body.as_bytes(), None) else {
                panic!("{body} was accepted");
            };
            assert_eq!(
                (e.status.as_u16(), e.code.as_str()),
                (status, code),
                "{body}: {}",
                e.message
            );
            assert!(e.message.starts_with(&message), "{body}: {}", e.message);
        }
        let body = parse_phone_body(
            br#"{"phoneNumber":"+1 5550002","phoneType":"office"}"#,
            None,
        )
        .unwrap();
        assert_eq!(body.phone_number.as_deref(), Some("+1 5550002"));
        assert!(body.phone_type.is_some());
    }

    #[test]
    fn future_members_become_the_sentinel() {
        let mut item = JsonObject::new();
        item.insert("attestationLevel".into(), Value::from("someFutureLevel"));
        item.insert("passkeyType".into(), Value::from("synced"));
        hide_future_members("fido2AuthenticationMethod", &mut item);
        assert_eq!(item["attestationLevel"], UNKNOWN_FUTURE_VALUE);
        assert_eq!(item["passkeyType"], "synced");
        let mut item = JsonObject::new();
        item.insert("keyStrength".into(), Value::from("someFutureStrength"));
        hide_future_members("windowsHelloForBusinessAuthenticationMethod", &mut item);
        assert_eq!(item["keyStrength"], "someFutureStrength", "not evolvable");
    }
}
