//! Every main generated model of graph-phone-types from arbitrary bytes: when a value
//! deserialises, serialising it and deserialising again must succeed and give an equal value.
#![no_main]

use graph_phone_types::*;
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(name: &str, data: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let bytes = serde_json::to_vec(&value)
        .unwrap_or_else(|e| panic!("{name}: a deserialised value does not serialise: {e}"));
    let again: T = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{name}: own output does not deserialise: {e}\n{}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert!(
        again == value,
        "{name}: round trip changed the value\n{}",
        String::from_utf8_lossy(&bytes)
    );
}

macro_rules! all {
    ($data:expr; $($t:ty),* $(,)?) => {
        $( round_trip::<$t>(stringify!($t), $data); )*
    };
}

fuzz_target!(|data: &[u8]| {
    all!(data;
        PhoneAuthenticationMethod,
        PhoneAuthenticationMethodCreate,
        PhoneAuthenticationMethodUpdate,
        AuthenticationMethod,
        EmailAuthenticationMethod,
        ExternalAuthenticationMethod,
        Fido2AuthenticationMethod,
        MicrosoftAuthenticatorAuthenticationMethod,
        PasswordAuthenticationMethod,
        PlatformCredentialAuthenticationMethod,
        QrCodePinAuthenticationMethod,
        SoftwareOathAuthenticationMethod,
        TemporaryAccessPassAuthenticationMethod,
        WindowsHelloForBusinessAuthenticationMethod,
        LongRunningOperation,
        WebauthnPublicKeyCredential,
        WebauthnAuthenticatorAttestationResponse,
        WebauthnAuthenticationExtensionsClientOutputs,
        AuthenticationPhoneType,
        AuthenticationMethodSignInState,
        AttestationLevel,
        AuthenticationMethodKeyStrength,
        AuthenticationMethodPlatform,
        LongRunningOperationStatus,
        PasskeyType,
        Vec<AuthenticationMethod>,
        Vec<PhoneAuthenticationMethod>,
    );
});
