//! Free text in the CLI's text output: principals, messages, reasons,
//! tags and file names come from whoever wrote to the registry or built
//! the package, and are shown with their control characters escaped, so
//! that a newline in a message cannot forge a line of `mlops log` or
//! `mlops audit log`.

use std::borrow::Cow;

/// `s` with each control character (and the Unicode line and paragraph
/// separators) escaped: `\n`, `\r` and `\t` as those two characters, the
/// others as `\u{hex}`. Text without any is borrowed as is.
pub fn esc(s: &str) -> Cow<'_, str> {
    let needs = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(esc("ana"), "ana");
        assert_eq!(esc("é ü 名"), "é ü 名");
        assert_eq!(
            esc("a\nb\r\tc\0d\u{1b}[31m\u{2028}"),
            "a\\nb\\r\\tc\\u{0}d\\u{1b}[31m\\u{2028}"
        );
    }
}
