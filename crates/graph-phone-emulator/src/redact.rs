//! What the emulator keeps and writes about a request's free-form text (the method, the
//! `client-request-id`): bounded in size, and with phone numbers masked in any format.
//!
//! Phone numbers reach these values only when a client puts them there, but a log must not
//! depend on clients behaving: a run of digits and separators (space, `-`, `.`, `(`, `)`, `/`,
//! `+`, and their percent-encoded forms such as `%2B` and `%20`) holding 7 or more digits, or
//! 3 or more after a `+`, is masked. UUIDs (request ids, object ids) are left readable.

use std::borrow::Cow;

/// The most bytes of a client-supplied value kept in the request log and in log lines.
pub const MAX_RECORDED_LEN: usize = 128;

/// `value` cut to [`MAX_RECORDED_LEN`] bytes (on a character boundary), with `…` marking a
/// cut, so that a request cannot make its log record or log line arbitrarily large.
pub(crate) fn bounded(value: &str) -> String {
    if value.len() <= MAX_RECORDED_LEN {
        return value.to_string();
    }
    let mut end = MAX_RECORDED_LEN;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &value[..end])
}

/// A client-supplied value as the request log and the logs keep it: numbers masked, then
/// bounded.
pub(crate) fn recorded(value: &str) -> String {
    bounded(&mask_numbers(value))
}

/// Percent-encoded separators that can sit inside a written phone number.
const ENCODED_SEPARATORS: [&str; 6] = ["%20", "%2B", "%28", "%29", "%2D", "%2E"];

/// The length of the separator starting at `i`, if one does.
fn separator_at(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'+' => Some(1),
        b'%' => ENCODED_SEPARATORS
            .iter()
            .any(|e| {
                bytes
                    .get(i..i + 3)
                    .is_some_and(|b| b.eq_ignore_ascii_case(e.as_bytes()))
            })
            .then_some(3),
        _ => None,
    }
}

/// Whether a UUID (8-4-4-4-12 hex digits) starts at `i`, not preceded or followed by another
/// hex digit.
fn uuid_at(bytes: &[u8], i: usize) -> bool {
    const DASHES: [usize; 4] = [8, 13, 18, 23];
    let Some(candidate) = bytes.get(i..i + 36) else {
        return false;
    };
    let shaped = candidate.iter().enumerate().all(|(k, b)| {
        if DASHES.contains(&k) {
            *b == b'-'
        } else {
            b.is_ascii_hexdigit()
        }
    });
    let alone = (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
        && bytes.get(i + 36).is_none_or(|b| !b.is_ascii_alphanumeric());
    shaped && alone
}

/// Masks every phone-number-like run of `text` (see the module docs): the first two and the
/// last two digits of a run of 8 or more stay, the first two of a shorter one; every other
/// digit becomes `*`. Separators are kept, so the format stays visible.
pub(crate) fn mask_numbers(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if uuid_at(bytes, i) {
            i += 36;
            continue;
        }
        if !bytes[i].is_ascii_digit() && separator_at(bytes, i).is_none() {
            i += 1;
            continue;
        }
        // A run of digits and separators from `i` to `end`.
        let start = i;
        let mut end = i;
        let mut digits = 0;
        let mut plus = false;
        while end < bytes.len() && !uuid_at(bytes, end) {
            if bytes[end].is_ascii_digit() {
                digits += 1;
                end += 1;
            } else if let Some(n) = separator_at(bytes, end) {
                plus |= bytes[end] == b'+'
                    || (n == 3 && bytes[end + 2] == b'B')
                    || (n == 3 && bytes[end + 2] == b'b');
                end += n;
            } else {
                break;
            }
        }
        if digits >= 7 || (plus && digits >= 3) {
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[copied..start]);
            buf.push_str(&mask_digits(&text[start..end], digits));
            copied = end;
        }
        i = end.max(start + 1);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// `run` with its digits masked: the first two stay, and the last two when it has 8 or more.
/// Percent escapes (`%2B`) are copied as they are and their digits not counted.
pub(crate) fn mask_digits(run: &str, digits: usize) -> String {
    let keep_tail = if digits >= 8 { 2 } else { 0 };
    let bytes = run.as_bytes();
    let mut out = String::with_capacity(run.len());
    let mut seen = 0;
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes[i] == b'%'
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if escape {
            out.push_str(&run[i..i + 3]);
            i += 3;
            continue;
        }
        let c = run[i..].chars().next().unwrap_or('?');
        if c.is_ascii_digit() {
            seen += 1;
            let keep = seen <= 2 || seen + keep_tail > digits;
            out.push(if keep { c } else { '*' });
        } else {
            out.push(c);
        }
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_in_every_format() {
        for (text, masked) in [
            ("+12065550177", "+12*******77"),
            ("+1 2065550177", "+1 2*******77"),
            ("+1-206-555-0177", "+1-2**-***-**77"),
            ("(206) 555-0177", "(20*) ***-**77"),
            ("206.555.0177", "20*.***.**77"),
            ("+1 2065550177x123", "+1 2*******77x123"),
            ("%2B12065550177", "%2B12*******77"),
            ("%2B1%202065550177", "%2B1%202*******77"),
            ("call 2065550177 now", "call 20******77 now"),
            ("+1 555", "+1 5**"),
            ("5550100", "55*****"),
        ] {
            assert_eq!(mask_numbers(text), masked, "{text}");
        }
    }

    #[test]
    fn ids_and_short_numbers_stay_readable() {
        for text in [
            "3179e48a-750b-4051-897c-87b9720928f7",
            "11111111-1111-1111-1111-111111111111",
            "req 11111111-1111-1111-1111-111111111111 done",
            "GET",
            "crid-42",
            "2026",
        ] {
            assert!(matches!(mask_numbers(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn values_are_bounded_on_a_character_boundary() {
        let long = "é".repeat(100);
        let cut = bounded(&long);
        assert!(cut.len() <= MAX_RECORDED_LEN + "…".len(), "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert_eq!(bounded("short"), "short");
    }
}
