//! The serialisation layer: request bodies in, response bodies out.
//!
//! This is the one place that knows the JSON shape of the bodies; the rest of the emulator
//! works on the domain types in [`crate::tenant`]. Phone bodies are read and written through
//! the generated `graph-phone-types` structs; stored methods of the other kinds and
//! operations are checked against theirs when a tenant is loaded.

use graph_phone_types::support::Patch;
use graph_phone_types::{
    AuthenticationMethodSignInState, AuthenticationPhoneType, PhoneAuthenticationMethod,
    PhoneAuthenticationMethodCreate, PhoneAuthenticationMethodUpdate,
};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::phone::mask_for_api;
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
    let body = PhoneAuthenticationMethod {
        id: phone.id().to_string(),
        created_date_time: phone.created_date_time,
        phone_number: Some(number),
        phone_type: Some(AuthenticationPhoneType::from(phone.phone_type.as_str())),
        sms_sign_in_state: Some(AuthenticationMethodSignInState::from(
            phone.state().as_str(),
        )),
        ..Default::default()
    };
    match serde_json::to_value(body) {
        Ok(Value::Object(map)) => map,
        other => unreachable!("a generated entity serialises to an object: {other:?}"),
    }
}

/// Checks a stored method (`kind`) or operation (`None`) against its generated type.
pub(crate) fn check_stored(kind: Option<MethodKind>, item: &JsonObject) -> Result<(), String> {
    fn check<T: serde::de::DeserializeOwned>(item: &JsonObject) -> Result<(), String> {
        serde_json::from_value::<T>(Value::Object(item.clone()))
            .map(drop)
            .map_err(|e| e.to_string())
    }
    use graph_phone_types as g;
    match kind {
        None => check::<g::LongRunningOperation>(item),
        Some(MethodKind::EmailMethods) => check::<g::EmailAuthenticationMethod>(item),
        Some(MethodKind::Fido2Methods) => check::<g::Fido2AuthenticationMethod>(item),
        Some(MethodKind::MicrosoftAuthenticatorMethods) => {
            check::<g::MicrosoftAuthenticatorAuthenticationMethod>(item)
        }
        Some(MethodKind::PasswordMethods) => check::<g::PasswordAuthenticationMethod>(item),
        Some(MethodKind::SoftwareOathMethods) => check::<g::SoftwareOathAuthenticationMethod>(item),
        Some(MethodKind::TemporaryAccessPassMethods) => {
            check::<g::TemporaryAccessPassAuthenticationMethod>(item)
        }
        Some(MethodKind::WindowsHelloForBusinessMethods) => {
            check::<g::WindowsHelloForBusinessAuthenticationMethod>(item)
        }
        Some(MethodKind::PlatformCredentialMethods) => {
            check::<g::PlatformCredentialAuthenticationMethod>(item)
        }
        Some(MethodKind::ExternalAuthenticationMethods) => {
            check::<g::ExternalAuthenticationMethod>(item)
        }
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

/// Parses a phone create (`path_id` = `None`, into the generated
/// [`PhoneAuthenticationMethodCreate`]) or update (into [`PhoneAuthenticationMethodUpdate`])
/// body, Graph-style: unknown properties, unknown enum members, wrong JSON types and non-null
/// read-only properties are 400s.
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
    if let Some(t) = map.get("@odata.type") {
        let ok = t.as_str().is_some_and(|t| {
            t.trim_start_matches('#') == format!("microsoft.graph.{PHONE_TYPE_NAME}")
        });
        if !ok {
            return Err(ApiError::bad_request(format!(
                "The @odata.type {t} is not microsoft.graph.{PHONE_TYPE_NAME}."
            )));
        }
    }
    let unreadable = |e: serde_json::Error| {
        ApiError::bad_request(format!(
            "Cannot read the request body as microsoft.graph.{PHONE_TYPE_NAME}: {e}."
        ))
    };
    let (body, extra) = match path_id {
        None => {
            let create: PhoneAuthenticationMethodCreate =
                serde_json::from_value(Value::Object(map)).map_err(unreadable)?;
            let body = PhoneBody {
                phone_type: create.phone_type.map(phone_type).transpose()?,
                phone_number: create.phone_number,
            };
            if body.phone_number.is_none() {
                return Err(ApiError::bad_request(
                    "The property 'phoneNumber' is required.",
                ));
            }
            if body.phone_type.is_none() {
                return Err(ApiError::bad_request(
                    "The property 'phoneType' is required.",
                ));
            }
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
    for (key, value) in &extra {
        match key.as_str() {
            "id" => {
                let expected = match path_id {
                    Some(p) => Some(p.to_string()),
                    None => body.phone_type.map(|t| t.method_id().to_string()),
                };
                let ok = match value {
                    Value::Null => true,
                    Value::String(id) => expected.is_some_and(|e| e.eq_ignore_ascii_case(id)),
                    _ => false,
                };
                if !ok {
                    return Err(ApiError::new(
                        400,
                        "readOnlyProperty",
                        "The property 'id' is read-only and cannot be set.",
                    ));
                }
            }
            "smsSignInState" | "createdDateTime" => {
                if !value.is_null() {
                    return Err(ApiError::new(
                        400,
                        "readOnlyProperty",
                        format!("The property '{key}' is read-only and cannot be set."),
                    ));
                }
            }
            k if k.starts_with('@') => {}
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
