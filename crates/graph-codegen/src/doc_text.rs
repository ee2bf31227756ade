//! Text from the spec that ends up in documentation (CSDL descriptions, `spec/permissions.toml`
//! notes): the one place that knows what a line terminator is. Lowering normalises every
//! description's line breaks to `\n` ([`normalize_line_breaks`]), and every doc emitter
//! splits text into rustdoc lines with [`doc_lines`].

/// The line terminators doc text is split on: `\r\n`, `\r`, `\n`, the Unicode next line
/// (U+0085), line separator (U+2028) and paragraph separator (U+2029), and vertical tab and
/// form feed (mandatory breaks in Unicode's line breaking rules).
///
/// `str::lines` splits on `\n` only (dropping a `\r` just before it), so a lone `\r` stayed
/// inside a `///` line, and the newline normalisation of the write path turned it into a
/// line break: what followed became Rust code.
pub fn is_line_terminator(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// `text` split into lines on every line terminator (`\r\n` counts as one), without the
/// terminators.
pub fn doc_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_line_terminator(c) {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// `text` with every line terminator (`\r\n` as one) replaced by `\n`.
pub fn normalize_line_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_line_terminator(c) {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_terminator_splits() {
        assert_eq!(
            doc_lines("a\r\nb\rc\nd\u{85}e\u{2028}f\u{2029}g\u{0B}h\u{0C}i"),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        );
        assert_eq!(doc_lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(doc_lines("a\r\rb"), ["a", "", "b"]);
        assert!(doc_lines("").is_empty());
    }

    #[test]
    fn line_breaks_become_newlines() {
        assert_eq!(
            normalize_line_breaks("a\r\nb\rc\u{2028}d\n"),
            "a\nb\nc\nd\n"
        );
    }

    #[test]
    fn no_line_keeps_a_terminator() {
        let text = "x\ry\u{2028}z\r\n\u{85}";
        for line in doc_lines(text) {
            assert!(!line.contains(is_line_terminator), "{line:?}");
        }
    }
}
