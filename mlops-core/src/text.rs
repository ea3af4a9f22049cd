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

/// A time in Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
///
/// ```
/// use mlops_core::text::utc;
/// assert_eq!(utc(0), "1970-01-01T00:00:00Z");
/// assert_eq!(utc(1_709_210_096_789), "2024-02-29T12:34:56Z");
/// ```
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
