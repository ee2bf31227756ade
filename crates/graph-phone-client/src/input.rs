//! Input checks the generated operations run before sending anything.

use graph_phone_runtime::{Error, PhoneNumber};
use serde::Serialize;

/// Checks that every property of `body` named in `fields` (wire names) that is present and
/// a string is a valid phone number ([`PhoneNumber::parse`]). The generator lists the
/// phone-number properties of each payload, so no per-type code is needed.
///
/// The error names the property and what is wrong, never the value.
pub(crate) fn check_phone_numbers<T: Serialize>(
    body: &T,
    fields: &[&'static str],
) -> Result<(), Error> {
    let value = serde_json::to_value(body).map_err(|e| Error::InvalidInput {
        field: "body",
        reason: format!("cannot be serialised as JSON: {}", e.classify_name()),
    })?;
    for field in fields {
        if let Some(number) = value.get(field).and_then(serde_json::Value::as_str) {
            PhoneNumber::parse(number).map_err(|e| Error::InvalidInput {
                field,
                reason: e.to_string(),
            })?;
        }
    }
    Ok(())
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "data error",
            serde_json::error::Category::Eof => "unexpected end",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        #[serde(rename = "phoneNumber", skip_serializing_if = "Option::is_none")]
        phone_number: Option<&'static str>,
    }

    #[test]
    fn phone_numbers_are_checked_without_echoing_them() {
        let ok = Body {
            phone_number: Some("+1 5555551234x123"),
        };
        assert!(check_phone_numbers(&ok, &["phoneNumber"]).is_ok());
        let absent = Body { phone_number: None };
        assert!(check_phone_numbers(&absent, &["phoneNumber"]).is_ok());
        let bad = Body {
            phone_number: Some("5555551234"),
        };
        let err = check_phone_numbers(&bad, &["phoneNumber"]).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::InvalidInput {
                    field: "phoneNumber",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("5555551234"));
    }
}
