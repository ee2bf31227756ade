//! Phone numbers as pure text rules: the format the emulator accepts, Graph's masking for
//! Authentication Administrators, and the masking of our own logs. The bottom layer of the
//! emulator's domain: `tenant` (state), `phone` (rules) and `wire` (JSON) all use it, and it
//! uses none of them.

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
