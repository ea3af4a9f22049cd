//! The registry's filter language: a small boolean expression over the
//! fields of a version.
//!
//! ```text
//! kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9
//! name like 'churn%' and not (alias = 'production' or version < 3)
//! ```
//!
//! Fields: `kind`, `name`, `version`, `message`, `principal`, `time` (Unix
//! ms), `size` (bytes), `alias` (matches if any alias points at the version),
//! `archived`, `tags.<key>`, `metadata.<key>[.<key>...]` and
//! `metrics.<key>` (`metadata.metrics.<key>`, or `metadata.<key>` when the
//! metadata has no `metrics` object with that key).
//! Operators: `=`, `!=`, `<`, `<=`, `>`, `>=` and `like` (`%` matches any
//! run of characters, `_` one character); `and`, `or`, `not`, parentheses.
//! Values: `'strings'` (a quote doubled inside), numbers, `true`, `false`,
//! `null`. A field a version lacks compares as null: `=` and the orderings
//! are false, `!=` is true. Keywords are case-insensitive.
//!
//! Errors are [`Error::InvalidInput`] naming the offending token and its
//! position (a character offset from 0).

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{Error, Result};

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// `field op value`.
    Compare {
        /// The field path (`tags.team`).
        field: String,
        /// The operator.
        op: Op,
        /// The value.
        value: Value,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `like`
    Like,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(Op),
    LParen,
    RParen,
}

fn err(input: &str, pos: usize, what: &str) -> Error {
    let rest: String = input[pos.min(input.len())..].chars().take(20).collect();
    let near = if rest.is_empty() {
        "the end".to_string()
    } else {
        format!("'{rest}'")
    };
    Error::InvalidInput(format!("search: {what} at position {pos} (near {near})"))
}

fn lex(input: &str) -> Result<Vec<(Tok, usize)>> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '=' => {
                i += 1;
                Tok::Op(Op::Eq)
            }
            '!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op(Op::Ne)
            }
            '<' | '>' => {
                let eq = b.get(i + 1) == Some(&b'=');
                i += 1 + eq as usize;
                Tok::Op(match (c, eq) {
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    _ => Op::Ge,
                })
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match input[i..].chars().next() {
                        None => return Err(err(input, start, "unterminated string")),
                        Some('\'') if b.get(i + 1) == Some(&b'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"+-.".contains(&b[i])) {
                    i += 1;
                }
                let text = &input[start..i];
                Tok::Num(
                    text.parse()
                        .map_err(|_| err(input, start, &format!("'{text}' is not a number")))?,
                )
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_.-".contains(&b[i])) {
                    i += 1;
                }
                let word = &input[start..i];
                if word.eq_ignore_ascii_case("like") {
                    Tok::Op(Op::Like)
                } else {
                    Tok::Ident(word.to_string())
                }
            }
            _ => return Err(err(input, start, &format!("unexpected character '{c}'"))),
        };
        out.push((tok, start));
    }
    Ok(out)
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.input.len(), |t| t.1)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.toks.get(self.at), Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case(k))
    }
    fn or(&mut self) -> Result<Filter> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter> {
        let mut left = self.not()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }
    fn not(&mut self) -> Result<Filter> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Filter> {
        let pos = self.pos();
        match self.toks.get(self.at).cloned() {
            Some((Tok::LParen, _)) => {
                self.at += 1;
                let f = self.or()?;
                match self.toks.get(self.at) {
                    Some((Tok::RParen, _)) => {
                        self.at += 1;
                        Ok(f)
                    }
                    _ => Err(err(self.input, self.pos(), "expected ')'")),
                }
            }
            Some((Tok::Ident(field), _)) => {
                if ["and", "or", "not"]
                    .iter()
                    .any(|k| field.eq_ignore_ascii_case(k))
                {
                    return Err(err(
                        self.input,
                        pos,
                        &format!("expected a field, found '{field}'"),
                    ));
                }
                self.at += 1;
                let op = match self.toks.get(self.at) {
                    Some((Tok::Op(op), _)) => *op,
                    _ => {
                        return Err(err(
                            self.input,
                            self.pos(),
                            &format!("expected an operator after '{field}'"),
                        ))
                    }
                };
                self.at += 1;
                let vpos = self.pos();
                let value = match self.toks.get(self.at).cloned() {
                    Some((Tok::Str(s), _)) => Value::String(s),
                    Some((Tok::Num(n), _)) => serde_json::json!(n),
                    Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
                    Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("false") => {
                        Value::Bool(false)
                    }
                    Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("null") => Value::Null,
                    Some((Tok::Ident(w), _)) => {
                        return Err(err(
                            self.input,
                            vpos,
                            &format!("expected a value, found '{w}' (quote strings: '{w}')"),
                        ))
                    }
                    _ => return Err(err(self.input, vpos, "expected a value")),
                };
                if op == Op::Like && !value.is_string() {
                    return Err(err(self.input, vpos, "like needs a quoted pattern"));
                }
                self.at += 1;
                Ok(Filter::Compare { field, op, value })
            }
            Some(_) => Err(err(self.input, pos, "expected a field or '('")),
            None => Err(err(self.input, pos, "expected a condition")),
        }
    }
}

impl Filter {
    /// Parses a filter; errors point at the offending token.
    ///
    /// ```
    /// use mlops_core::search::Filter;
    /// let f = Filter::parse("kind = 'model' and metrics.auc > 0.9").unwrap();
    /// let doc = serde_json::json!({"kind": "model", "metadata": {"metrics": {"auc": 0.93}}});
    /// assert!(f.matches(&doc));
    /// let e = Filter::parse("kind = model").unwrap_err();
    /// assert!(e.to_string().contains("position 7"));
    /// ```
    pub fn parse(input: &str) -> Result<Filter> {
        let mut p = Parser {
            input,
            toks: lex(input)?,
            at: 0,
        };
        let f = p.or()?;
        if p.at < p.toks.len() {
            return Err(err(input, p.pos(), "expected 'and', 'or' or the end"));
        }
        Ok(f)
    }

    /// Whether a document (a JSON object of the fields, or anything else
    /// that can look its fields up) matches.
    pub fn matches(&self, doc: &impl Fields) -> bool {
        match self {
            Filter::And(a, b) => a.matches(doc) && b.matches(doc),
            Filter::Or(a, b) => a.matches(doc) || b.matches(doc),
            Filter::Not(a) => !a.matches(doc),
            Filter::Compare { field, op, value } => {
                let got = doc.field(field);
                match got.as_ref() {
                    Value::Array(items) if field == "alias" => {
                        items.iter().any(|g| compare(g, *op, value))
                    }
                    g => compare(g, *op, value),
                }
            }
        }
    }
}

/// What a filter reads: the value of a field path (`tags.team`,
/// `metrics.auc`), or null when there is none.
pub trait Fields {
    /// The value at `path`.
    fn field(&self, path: &str) -> Cow<'_, Value>;
}

impl Fields for Value {
    fn field(&self, path: &str) -> Cow<'_, Value> {
        Cow::Borrowed(match path.strip_prefix("metrics.") {
            Some(rest) => metric(walk(self, ["metadata"]), rest),
            None => walk(self, path.split('.')),
        })
    }
}

/// The value at a path of keys below `root` (null when absent).
pub fn walk<'a, 'k>(root: &'a Value, path: impl IntoIterator<Item = &'k str>) -> &'a Value {
    static NULL: Value = Value::Null;
    let mut v = root;
    for p in path {
        match v.get(p) {
            Some(x) => v = x,
            None => return &NULL,
        }
    }
    v
}

/// `metrics.<rest>` of a version's metadata: `metadata.metrics.<rest>`,
/// else `metadata.<rest>`.
pub fn metric<'a>(metadata: &'a Value, rest: &str) -> &'a Value {
    let nested = walk(walk(metadata, ["metrics"]), rest.split('.'));
    if nested.is_null() {
        walk(metadata, rest.split('.'))
    } else {
        nested
    }
}

fn like(text: &str, pattern: &str) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    // Classic wildcard matching with backtracking on the last '%'.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while i < t.len() {
        if j < p.len() && (p[j] == '_' || p[j] == t[i]) {
            i += 1;
            j += 1;
        } else if j < p.len() && p[j] == '%' {
            star = Some(j);
            mark = i;
            j += 1;
        } else if let Some(s) = star {
            j = s + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    while j < p.len() && p[j] == '%' {
        j += 1;
    }
    j == p.len()
}

fn compare(got: &Value, op: Op, want: &Value) -> bool {
    use std::cmp::Ordering;
    if op == Op::Like {
        return match (got.as_str(), want.as_str()) {
            (Some(g), Some(w)) => like(g, w),
            _ => false,
        };
    }
    let ord: Option<Ordering> = match (got, want) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        // A number stored as a tag string compares as a number.
        (Value::String(a), Value::Number(b)) => a
            .parse::<f64>()
            .ok()
            .and_then(|a| a.partial_cmp(&b.as_f64()?)),
        _ => None,
    };
    match (op, ord) {
        (Op::Ne, None) => true,
        (_, None) => false,
        (Op::Eq, Some(o)) => o == Ordering::Equal,
        (Op::Ne, Some(o)) => o != Ordering::Equal,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        (Op::Like, _) => unreachable!("handled above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_matches() {
        let doc = json!({"kind": "model", "name": "churn-gbm", "version": 7,
                         "tags": {"team": "risk", "rows": "1200"}, "alias": ["production"],
                         "metadata": {"metrics": {"auc": 0.91}, "owner": "ana"}});
        for (q, want) in [
            (
                "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9",
                true,
            ),
            ("kind = 'model' and metrics.auc > 0.95", false),
            ("name like 'churn%' and not (version < 3)", true),
            ("name like 'ch_rn-%'", true),
            ("alias = 'production'", true),
            ("alias = 'staging' or metadata.owner = 'ana'", true),
            ("tags.missing = 'x'", false),
            ("tags.missing != 'x'", true),
            ("tags.rows >= 1000", true),
            ("KIND = 'model' AND Version >= 7", false), // field names are case-sensitive
            ("kind = 'model' AND version >= 7", true),
        ] {
            assert_eq!(Filter::parse(q).unwrap().matches(&doc), want, "{q}");
        }
    }

    #[test]
    fn errors_point_at_the_token() {
        for (q, pos) in [
            ("kind = model", 7),
            ("kind 'model'", 5),
            ("(kind = 'a'", 11),
            ("kind = 'a' and", 14),
            ("kind = 'a' nand name = 'b'", 11),
            ("kind = 'open", 7),
            ("kind ~ 'x'", 5),
            ("name like 3", 10),
        ] {
            let e = Filter::parse(q).unwrap_err().to_string();
            assert!(e.contains(&format!("position {pos}")), "{q}: {e}");
        }
    }
}
