//! The phone method rules, as pure operations on the tenant.

use crate::error::ApiError;
use crate::number::is_valid_number;
use crate::tenant::{PhoneMethod, PhoneType, SmsSignInState, Tenant};

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
