//! The phone method rules, as pure operations on the tenant.

use crate::error::ApiError;
use crate::tenant::{PhoneMethod, PhoneType, SmsSignInState, Tenant};

/// Whether `number` matches `+{country code} {number}x{extension}` (extension optional):
/// a country code of 1 to 3 digits, a number of 1 to 15 digits, an extension of 1 to 10.
pub fn is_valid_number(number: &str) -> bool {
    let Some(rest) = number.strip_prefix('+') else {
        return false;
    };
    let Some((cc, rest)) = rest.split_once(' ') else {
        return false;
    };
    let (subscriber, ext) = match rest.split_once('x') {
        Some((n, e)) => (n, Some(e)),
        None => (rest, None),
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(cc, 3) && digits(subscriber, 15) && ext.is_none_or(|e| digits(e, 10))
}

/// Graph's masking for an Authentication Administrator: the country code and the last two
/// digits stay, every other digit becomes `X` (`+1 XXXXXXXX34`).
pub fn mask_for_api(number: &str) -> String {
    let (head, tail) = number.split_once(' ').unwrap_or(("", number));
    let subscriber = tail.split('x').next().unwrap_or("");
    let keep = subscriber.len().saturating_sub(2);
    let masked: String = subscriber
        .chars()
        .enumerate()
        .map(|(i, c)| if i < keep { 'X' } else { c })
        .collect();
    if head.is_empty() {
        masked
    } else {
        format!("{head} {masked}")
    }
}

/// Masking for our own logs: the first two and last two digits of the subscriber number
/// stay (`+1 20******55`); extensions are dropped. A number in any other format (no space
/// after the country code, dashes, parentheses) keeps only its first two and last two digits
/// (`+12*******55`), and one of fewer than 8 digits only its first two.
pub fn mask_for_log(number: &str) -> String {
    if !is_valid_number(number) {
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        return crate::redact::mask_digits(number, digits);
    }
    let (head, tail) = number.split_once(' ').unwrap_or(("?", number));
    let subscriber: Vec<char> = tail.split('x').next().unwrap_or("").chars().collect();
    let n = subscriber.len();
    let masked: String = subscriber
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 2 || i + 2 >= n && n > 4 {
                *c
            } else {
                '*'
            }
        })
        .collect();
    format!("{head} {masked}")
}

/// The part of a number SMS sign-in compares for uniqueness: the number without extension.
fn sms_key(number: &str) -> &str {
    number.split('x').next().unwrap_or(number)
}

/// The state an attempt to register `number` of user `uidx` for SMS sign-in ends in.
fn register_for_sms(tenant: &Tenant, uidx: usize, number: &str) -> SmsSignInState {
    if !tenant.users[uidx].policy.sms_sign_in_enabled {
        return SmsSignInState::NotAllowedByPolicy;
    }
    let taken = tenant.users.iter().enumerate().any(|(i, u)| {
        i != uidx
            && u.phone(PhoneType::Mobile).is_some_and(|p| {
                p.state() == SmsSignInState::Ready && sms_key(&p.phone_number) == sms_key(number)
            })
    });
    if taken {
        SmsSignInState::PhoneNumberNotUnique
    } else {
        SmsSignInState::Ready
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "itemNotFound",
        format!("The phone authentication method '{id}' was not found for this user."),
    )
}

fn invalid_number() -> ApiError {
    ApiError::new(
        400,
        "invalidPhoneNumber",
        "The phone number must have the format '+{country code} {number}x{extension}', extension optional.",
    )
}

fn find(tenant: &Tenant, uidx: usize, id: &str) -> Result<PhoneType, ApiError> {
    PhoneType::from_method_id(id)
        .filter(|t| tenant.users[uidx].phone(*t).is_some())
        .ok_or_else(|| not_found(id))
}

fn phone_mut(tenant: &mut Tenant, uidx: usize, t: PhoneType) -> &mut PhoneMethod {
    tenant.users[uidx]
        .phone_methods
        .iter_mut()
        .find(|p| p.phone_type == t)
        .expect("phone exists")
}

/// Adds a phone; returns the stored method.
pub(crate) fn create(
    tenant: &mut Tenant,
    uidx: usize,
    phone_type: PhoneType,
    number: &str,
    now: jiff::Timestamp,
) -> Result<PhoneMethod, ApiError> {
    if !is_valid_number(number) {
        return Err(invalid_number());
    }
    let user = &tenant.users[uidx];
    if user.phone(phone_type).is_some() {
        return Err(ApiError::new(
            409,
            "phoneTypeAlreadyExists",
            format!(
                "The user already has a phone of type '{}'; update or delete it instead.",
                phone_type.as_str()
            ),
        ));
    }
    if phone_type == PhoneType::AlternateMobile && user.phone(PhoneType::Mobile).is_none() {
        return Err(ApiError::new(
            400,
            "mobilePhoneRequired",
            "A user must have a mobile phone before an alternateMobile phone can be added.",
        ));
    }
    let state = if phone_type == PhoneType::Mobile {
        register_for_sms(tenant, uidx, number)
    } else {
        SmsSignInState::NotSupported
    };
    let phone = PhoneMethod {
        phone_type,
        phone_number: number.to_string(),
        sms_sign_in_state: Some(state),
        created_date_time: Some(now),
    };
    let phones = &mut tenant.users[uidx].phone_methods;
    phones.push(phone.clone());
    phones.sort_by_key(|p| p.phone_type);
    Ok(phone)
}

/// Changes a phone's number (the type cannot change).
pub(crate) fn update(
    tenant: &mut Tenant,
    uidx: usize,
    id: &str,
    phone_type: Option<PhoneType>,
    number: Option<&str>,
) -> Result<(), ApiError> {
    let current = find(tenant, uidx, id)?;
    if phone_type.is_some_and(|t| t != current) {
        return Err(ApiError::new(
            400,
            "phoneTypeCannotBeChanged",
            "The phoneType of a phone method cannot be changed; add a phone of the new type, then delete the old one.",
        ));
    }
    let Some(number) = number else {
        return Ok(());
    };
    if !is_valid_number(number) {
        return Err(invalid_number());
    }
    let old_state = tenant.users[uidx].phone(current).expect("found").state();
    let new_state = if current == PhoneType::Mobile
        && matches!(
            old_state,
            SmsSignInState::Ready | SmsSignInState::PhoneNumberNotUnique
        ) {
        register_for_sms(tenant, uidx, number)
    } else {
        old_state
    };
    let phone = phone_mut(tenant, uidx, current);
    phone.phone_number = number.to_string();
    phone.sms_sign_in_state = Some(new_state);
    Ok(())
}

/// Deletes a phone.
pub(crate) fn delete(tenant: &mut Tenant, uidx: usize, id: &str) -> Result<(), ApiError> {
    let current = find(tenant, uidx, id)?;
    let user = &tenant.users[uidx];
    if current == PhoneType::Mobile && user.phone(PhoneType::AlternateMobile).is_some() {
        return Err(ApiError::new(
            409,
            "alternateMobilePhoneExists",
            "A user cannot have an alternateMobile phone without a mobile phone: update the mobile phone to the new number, then delete the alternateMobile phone.",
        ));
    }
    if user.policy.default_mfa_method.and_then(|d| d.phone_type()) == Some(current) {
        return Err(ApiError::new(
            409,
            "defaultMfaMethodCannotBeDeleted",
            "The phone is the user's default multi-factor authentication method and cannot be deleted.",
        ));
    }
    tenant.users[uidx]
        .phone_methods
        .retain(|p| p.phone_type != current);
    Ok(())
}

/// `enableSmsSignIn` (`enable`) or `disableSmsSignIn`.
pub(crate) fn set_sms_sign_in(
    tenant: &mut Tenant,
    uidx: usize,
    id: &str,
    enable: bool,
) -> Result<(), ApiError> {
    let current = find(tenant, uidx, id)?;
    if current != PhoneType::Mobile {
        return Err(ApiError::new(
            400,
            "smsSignInNotSupported",
            format!(
                "SMS sign-in is only available for the mobile phone, not for '{}'.",
                current.as_str()
            ),
        ));
    }
    let number = tenant.users[uidx]
        .phone(current)
        .expect("found")
        .phone_number
        .clone();
    let state = if enable {
        register_for_sms(tenant, uidx, &number)
    } else if tenant.users[uidx].policy.sms_sign_in_enabled {
        SmsSignInState::NotEnabled
    } else {
        SmsSignInState::NotAllowedByPolicy
    };
    phone_mut(tenant, uidx, current).sms_sign_in_state = Some(state);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_format() {
        for ok in ["+1 5555551234", "+1 5555551234x123", "+353 12345", "+44 7"] {
            assert!(is_valid_number(ok), "{ok}");
        }
        for bad in [
            "5555551234",
            "+1 555-555-1234",
            "+15555551234",
            "+1 5555551234x",
            "+1234 5555551234",
            "+1  5555551234",
            "+1 ",
            "+ 5555551234",
            "+1 5555551234x12x3",
        ] {
            assert!(!is_valid_number(bad), "{bad}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_for_api("+1 2065555534"), "+1 XXXXXXXX34");
        assert_eq!(mask_for_api("+1 2065555534x12"), "+1 XXXXXXXX34");
        assert_eq!(mask_for_log("+1 2065555555"), "+1 20******55");
        assert_eq!(mask_for_log("+1 2065555555x99"), "+1 20******55");
        assert_eq!(mask_for_log("+44 1234"), "+44 12**");
    }
}
