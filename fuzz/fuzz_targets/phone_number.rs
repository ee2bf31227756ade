//! `PhoneNumber::parse` on arbitrary strings: never panics; an accepted value displays
//! back to the same string and re-parses; `Debug` never shows the digits.
#![no_main]

use graph_phone_runtime::PhoneNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let Ok(phone) = PhoneNumber::parse(input) else {
        return;
    };
    let shown = phone.to_string();
    assert_eq!(shown, input, "Display differs from the accepted input");
    assert_eq!(phone.as_str(), input);
    let again = PhoneNumber::parse(&shown).expect("a displayed phone number re-parses");
    assert_eq!(again, phone);
    // Parts are slices of the accepted value.
    assert!(!phone.country_code().is_empty());
    assert!(phone.country_code().bytes().all(|b| b.is_ascii_digit()));
    if let Some(ext) = phone.extension() {
        assert!(!ext.is_empty() && ext.bytes().all(|b| b.is_ascii_digit()));
    }
    let debug = format!("{phone:?}");
    assert!(
        !debug.bytes().any(|b| b.is_ascii_digit()),
        "Debug leaks digits: {debug}"
    );
    // serde goes through the same checks.
    let json = serde_json::to_string(&phone).unwrap();
    let back: PhoneNumber = serde_json::from_str(&json).expect("serialized phone re-reads");
    assert_eq!(back, phone);
});
