//! The expression language's shared parts: one lexer for the registry's
//! filter language ([`crate::search`]) and model gate rules
//! ([`crate::validate::gate`]), and the nesting limit both parsers keep.
//!
//! Lexical rules, the same in both: words (`metrics.auc`, `and`) start with
//! an ASCII letter or `_` and go on with letters, digits, `_` and `.` (and
//! `-` in filters, where `tags.my-key` is a field); numbers are decimal
//! (`3`, `0.5`, `.5`, `1e-3`) and finite (`1e400` is refused, as are
//! `inf` and `nan`); strings are single-quoted with `''` for a quote; the
//! symbols are `( ) , = == != < <= > >= + - * /`.
//!
//! Positions in error messages are **character** offsets from 0 (not
//! bytes), and a character that is not allowed is shown as written.

use crate::error::{Error, Result};

/// How deep expressions may nest: parentheses, `not` (filters) and unary
/// minus (gate rules) each open a level. A deeper expression is an
/// [`Error::InvalidInput`] "nesting too deep at position N", so parsing
/// and evaluation never exhaust the stack. Long flat chains
/// (`a or b or ...`, `x + y + ...`) do not nest and have no limit.
pub const MAX_DEPTH: usize = 64;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A word: a field, a metric, a keyword.
    Word(String),
    /// A quoted string, unquoted.
    Str(String),
    /// A finite number.
    Num(f64),
    /// A symbol: `(`, `)`, `,`, `=`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `/`.
    Sym(&'static str),
}

impl Tok {
    /// How a message names the token.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Num(n) => format!("the number {n}"),
            Tok::Sym(s) => format!("'{s}'"),
        }
    }
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// What differs between the languages' words.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// Whether `-` continues a word (filters: `tags.my-key`), rather than
    /// being an operator (gate rules: `auc-0.01`).
    pub dash_in_words: bool,
}

/// Splits `text` (the input's characters) into tokens. `fail(pos, what)`
/// makes the caller's error for a character offset.
pub(crate) fn lex(
    text: &[char],
    dialect: Dialect,
    fail: &dyn Fn(usize, String) -> Error,
) -> Result<Vec<Token>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = text.get(i + 1).copied();
        let tok = if c.is_ascii_digit() || (c == '.' && next.is_some_and(|d| d.is_ascii_digit())) {
            i += 1;
            while i < text.len()
                && (text[i].is_ascii_alphanumeric()
                    || text[i] == '.'
                    || text[i] == '_'
                    || (matches!(text[i], '+' | '-') && matches!(text[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let s: String = text[start..i].iter().collect();
            Tok::Num(number(&s).map_err(|what| fail(start, what))?)
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < text.len()
                && (text[i].is_ascii_alphanumeric()
                    || text[i] == '_'
                    || text[i] == '.'
                    || (dialect.dash_in_words && text[i] == '-'))
            {
                i += 1;
            }
            Tok::Word(text[start..i].iter().collect())
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match text.get(i) {
                    None => return Err(fail(start, "unterminated string".to_string())),
                    Some('\'') if text.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            Tok::Str(s)
        } else {
            let sym = match (c, next) {
                ('<', Some('=')) => "<=",
                ('>', Some('=')) => ">=",
                ('=', Some('=')) => "==",
                ('!', Some('=')) => "!=",
                ('<', _) => "<",
                ('>', _) => ">",
                ('=', _) => "=",
                ('+', _) => "+",
                ('-', _) => "-",
                ('*', _) => "*",
                ('/', _) => "/",
                ('(', _) => "(",
                (')', _) => ")",
                (',', _) => ",",
                _ => {
                    return Err(fail(
                        start,
                        format!("unexpected character '{}'", c.escape_debug()),
                    ))
                }
            };
            i += sym.len();
            Tok::Sym(sym)
        };
        out.push(Token { tok, pos: start });
    }
    Ok(out)
}

/// A number token's value: decimal and finite.
fn number(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!(
            "'{s}' is not a finite number (numbers must be within ±1.7976931348623157e308)"
        )),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

/// Whether a word names a non-finite number (`inf`, `infinity`, `nan`),
/// which the languages refuse rather than read as a name.
pub(crate) fn is_non_finite_word(w: &str) -> bool {
    ["inf", "infinity", "nan"]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
}

/// The nesting depth of a parse, checked at every level opened.
#[derive(Debug, Default)]
pub(crate) struct Depth(usize);

impl Depth {
    /// Opens a level at `pos`; an error from `fail` when that is one level
    /// more than [`MAX_DEPTH`].
    pub(crate) fn enter(
        &mut self,
        pos: usize,
        fail: impl FnOnce(usize, String) -> Error,
    ) -> Result<()> {
        if self.0 >= MAX_DEPTH {
            return Err(fail(pos, "nesting too deep".to_string()));
        }
        self.0 += 1;
        Ok(())
    }

    /// Closes the innermost level.
    pub(crate) fn leave(&mut self) {
        self.0 -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str, dash: bool) -> Result<Vec<Tok>> {
        let chars: Vec<char> = s.chars().collect();
        let fail = |pos: usize, what: String| Error::InvalidInput(format!("{what} at {pos}"));
        Ok(lex(
            &chars,
            Dialect {
                dash_in_words: dash,
            },
            &fail,
        )?
        .into_iter()
        .map(|t| t.tok)
        .collect())
    }

    #[test]
    fn one_lexer_two_dialects() {
        use Tok::*;
        assert_eq!(
            toks("tags.my-key >= -1.5e-3", true).unwrap(),
            vec![Word("tags.my-key".into()), Sym(">="), Sym("-"), Num(1.5e-3)]
        );
        assert_eq!(
            toks("auc-0.01==(x)", false).unwrap(),
            vec![
                Word("auc".into()),
                Sym("-"),
                Num(0.01),
                Sym("=="),
                Sym("("),
                Word("x".into()),
                Sym(")")
            ]
        );
        assert_eq!(toks("'it''s'", true).unwrap(), vec![Str("it's".into())]);
        let e = toks("x = 1e400", true).unwrap_err().to_string();
        assert!(
            e.contains("'1e400' is not a finite number") && e.ends_with("at 4"),
            "{e}"
        );
        let e = toks("x = 'é' ü", true).unwrap_err().to_string();
        assert!(e.contains("unexpected character 'ü' at 8"), "{e}");
        let e = toks("x = 12ab", true).unwrap_err().to_string();
        assert!(e.contains("'12ab' is not a number at 4"), "{e}");
    }
}
