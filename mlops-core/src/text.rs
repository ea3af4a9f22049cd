//! Text for people: free text that came from a writer (principals,
//! messages, reasons, tags) with its control characters escaped, so a
//! newline in a message cannot forge a line of a listing, and times as
//! ISO 8601 UTC. Used by the `Display` of records that the CLI prints.

use std::borrow::Cow;

/// `s` with each control character (and the Unicode line and paragraph
/// separators) escaped: `\n`, `\r` and `\t` as those two characters, the
/// others as `\u{hex}`. Text without any is borrowed as is.
///
/// ```
/// use mlops_core::text::escape;
/// assert_eq!(escape("ana"), "ana");
/// assert_eq!(escape("a\nb\u{1b}"), "a\\nb\\u{1b}");
/// ```
pub fn escape(s: &str) -> Cow<'_, str> {
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

/// A time in Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole
/// seconds); a time past chrono's range (year 262,143) as its milliseconds.
///
/// ```
/// use mlops_core::text::utc;
/// assert_eq!(utc(0), "1970-01-01T00:00:00Z");
/// assert_eq!(utc(1_709_210_096_789), "2024-02-29T12:34:56Z");
/// assert_eq!(utc(u64::MAX), "18446744073709551615ms");
/// ```
pub fn utc(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(
            || format!("{ms}ms"),
            |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
}

/// At most `max` characters of `s`, escaped (see [`escape`]), with `…`
/// when cut: how an error message quotes an input that may be long.
///
/// ```
/// use mlops_core::text::clip;
/// assert_eq!(clip("loss", 10), "loss");
/// assert_eq!(clip("a\nbcdef", 3), "a\\nb…");
/// ```
pub fn clip(s: &str, max: usize) -> String {
    let mut end = s.len();
    if let Some((i, _)) = s.char_indices().nth(max) {
        end = i;
    }
    let mut out = escape(&s[..end]).into_owned();
    if end < s.len() {
        out.push('…');
    }
    out
}
