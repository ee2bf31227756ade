//! Property tests of [`redact_pii`]: a GUID (a request id, an object id) survives whole in
//! any surrounding text; a phone number in any of the formats Graph users type, an e-mail
//! address (also percent-encoded) and a bearer token do not.

use graph_phone_runtime::redact_pii;
use proptest::prelude::*;

/// Text around the value: words, punctuation Graph messages use, or nothing.
fn context() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z ]{0,12} ".prop_map(|s| s),
        Just("Invalid phone number '".to_owned()),
        Just("request-id: ".to_owned()),
        Just("(".to_owned()),
        Just("id=".to_owned()),
    ]
}

fn tail() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        " [A-Za-z ]{0,12}".prop_map(|s| s),
        Just("'.".to_owned()),
        Just(", then".to_owned()),
        Just(")".to_owned()),
        Just(".".to_owned()),
    ]
}

fn guid() -> impl Strategy<Value = String> {
    (
        "[0-9a-f]{8}",
        "[0-9a-f]{4}",
        "[0-9a-f]{4}",
        "[0-9a-f]{4}",
        "[0-9a-f]{12}",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, c, d, e, upper, braces)| {
            let g = format!("{a}-{b}-{c}-{d}-{e}");
            let g = if upper { g.to_uppercase() } else { g };
            if braces { format!("{{{g}}}") } else { g }
        })
}

/// A phone number in one of several formats, and its digits.
fn phone() -> impl Strategy<Value = (String, String)> {
    (
        "[2-9][0-9]{2}",
        "[2-9][0-9]{2}",
        "[0-9]{4}",
        "[0-9]{1,3}",
        0..7usize,
        proptest::option::of("[0-9]{1,4}"),
    )
        .prop_map(|(area, exchange, line, country, format, extension)| {
            let mut text = match format {
                0 => format!("+{country} {area}{exchange}{line}"),
                1 => format!("+{country} {area} {exchange} {line}"),
                2 => format!("({area}) {exchange}-{line}"),
                3 => format!("{area}.{exchange}.{line}"),
                4 => format!("+{country}{area}{exchange}{line}"),
                5 => format!("{area}-{exchange}-{line}"),
                _ => format!("+{country} ({area}) {exchange}-{line}"),
            };
            if let Some(x) = extension {
                text.push('x');
                text.push_str(&x);
            }
            (text, format!("{area}{exchange}{line}"))
        })
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_guid_survives_whole(before in context(), g in guid(), after in tail()) {
        let text = format!("{before}{g}{after}");
        let redacted = redact_pii(&text);
        prop_assert!(redacted.contains(&g), "{text:?} -> {redacted:?}");
    }

    #[test]
    fn two_guids_and_a_phone_number(g1 in guid(), g2 in guid(), (p, _) in phone()) {
        let text = format!("request-id {g1}, client-request-id {g2}: number {p} rejected");
        let redacted = redact_pii(&text);
        prop_assert!(redacted.contains(&g1) && redacted.contains(&g2), "{redacted:?}");
        prop_assert!(redacted.contains("<redacted-phone>"), "{redacted:?}");
    }

    #[test]
    fn a_phone_number_does_not_survive(before in context(), (p, core) in phone(), after in tail()) {
        let text = format!("{before}{p}{after}");
        let redacted = redact_pii(&text);
        // Neither the number as written nor its run of digits is left.
        prop_assert!(!redacted.contains(&p), "{text:?} -> {redacted:?}");
        prop_assert!(!digits(&redacted).contains(&core), "{text:?} -> {redacted:?}");
    }

    #[test]
    fn an_email_address_does_not_survive(
        before in context(),
        local in "[a-z][a-z0-9._]{0,10}",
        domain in "[a-z]{2,10}\\.(com|org|onmicrosoft\\.com)",
        encoded in any::<bool>(),
        after in tail(),
    ) {
        let at = if encoded { "%40" } else { "@" };
        let address = format!("{local}{at}{domain}");
        let text = format!("{before}{address}{after}");
        let redacted = redact_pii(&text);
        prop_assert!(!redacted.contains(&address), "{text:?} -> {redacted:?}");
        prop_assert!(redacted.contains("<redacted-email>"), "{redacted:?}");
    }

    #[test]
    fn a_bearer_token_does_not_survive(
        scheme in "(Bearer|bearer|BEARER)",
        token in "[A-Za-z0-9_-]{8,40}(\\.[A-Za-z0-9_-]{4,40}){0,2}",
        after in tail(),
    ) {
        let text = format!("Authorization: {scheme} {token}{after}");
        let redacted = redact_pii(&text);
        prop_assert!(!redacted.contains(&token), "{text:?} -> {redacted:?}");
        prop_assert!(redacted.contains("<redacted-token>"), "{redacted:?}");
    }
}
