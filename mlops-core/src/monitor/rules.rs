//! Alert rules over a monitor's window results: a small expression
//! language, its three-valued evaluation, and the ok → firing → resolved
//! state of a rule over a run of windows.
//!
//! ```text
//! rule   := expr [ "for" INT ("window" | "windows") ]
//! expr   := cond { ("and" | "or") cond }      ("and" binds tighter than "or";
//!                                              "not" prefix; parentheses)
//! cond   := value ("<" | "<=" | ">" | ">=" | "=" | "!=") value
//! value  := term { ("+" | "-") term }
//! term   := factor { ("*" | "/") factor }
//! factor := NUMBER | FIELD | "(" value ")" | "-" factor | "abs(" value ")"
//! FIELD  := name { "." name }
//! ```
//!
//! - **Fields** name a window's results: `drift.share`, `drift.score.age`,
//!   `null_ratio.age`, `quality.realized.roc_auc`, `reference.roc_auc`,
//!   `reference.rows.mean`. A name is letters, digits and `_`, not starting
//!   with a digit; any other name (a column `first name`, a keyword) is
//!   written in backquotes, a backquote inside doubled:
//!   ``null_ratio.`first name` ``. Evaluation asks for a field by its names
//!   joined with `.`, unquoted (`null_ratio.first name`). Field names are
//!   case-sensitive.
//! - **Keywords** (`and`, `or`, `not`, `for`, `window`, `windows`, `abs`)
//!   are case-insensitive. `==` is `=`. `inf`, `infinity` and `nan` are
//!   refused where a value is expected (backquote a field of that name).
//! - **Numbers** are decimal (`3`, `0.5`, `.5`, `1e-3`) and finite: `1e400`
//!   is refused.
//! - **`for N windows`**: the condition must hold for `N` consecutive
//!   windows (see [`transitions`]); without it, `N` is 1. `N` is a whole
//!   number from 1.
//!
//! Limits: a rule is at most [`MAX_RULE_BYTES`] bytes, and parentheses,
//! `not`, unary minus and `abs(` together nest at most
//! [`MAX_DEPTH`] levels (flat chains such as
//! `a + b + c` or `x > 1 or y > 1 or ...` do not nest), so no input can
//! exhaust the stack.
//!
//! Errors are [`Error::InvalidInput`] naming the rule, the position (a
//! 1-based **character** column) and what was expected there:
//! `rule "drift.share >> 0.3": at 14: expected a value`.
//!
//! [`Display`](std::fmt::Display) writes a rule's canonical text:
//! lowercase keywords, single spaces, the parentheses that are needed and no
//! others, numbers in their shortest form, `for N windows` only when `N` is
//! not 1. Parsing the canonical text gives the same rule.
//!
//! ```
//! use mlops_core::monitor::rules::Rule;
//!
//! let r = Rule::parse("quality.realized.roc_auc < reference.roc_auc - 0.05 FOR 2 Windows").unwrap();
//! assert_eq!(r.to_string(), "quality.realized.roc_auc < reference.roc_auc - 0.05 for 2 windows");
//! assert_eq!(r.windows(), 2);
//! assert_eq!(r.fields(), ["quality.realized.roc_auc", "reference.roc_auc"]);
//!
//! let field = |name: &str| match name {
//!     "quality.realized.roc_auc" => Some(0.81),
//!     "reference.roc_auc" => Some(0.90),
//!     _ => None,
//! };
//! assert_eq!(r.eval(&field), Some(true));
//! // Before labels arrive the realized quality is missing: unknown.
//! assert_eq!(r.eval(&|n: &str| (n == "reference.roc_auc").then_some(0.9)), None);
//!
//! let e = Rule::parse("drift.share >> 0.3").unwrap_err();
//! assert_eq!(e.to_string(), r#"invalid input: rule "drift.share >> 0.3": at 14: expected a value"#);
//! ```

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::expr::MAX_DEPTH;

/// The longest rule text, in bytes (UTF-8), that [`Rule::parse`] reads.
pub const MAX_RULE_BYTES: usize = 4096;

/// How urgent an alert is; ordered `info < warning < critical` (so
/// `--fail-on warning` can mean "warning or worse").
///
/// ```
/// use mlops_core::monitor::rules::Severity;
/// assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Critical);
/// assert_eq!("critical".parse::<Severity>().unwrap(), Severity::Critical);
/// assert_eq!(
///     "fatal".parse::<Severity>().unwrap_err().to_string(),
///     "invalid input: unknown severity 'fatal' (expected info, warning or critical)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs action now (retraining, rollback).
    Critical,
}

words!(Severity, "severity", {
    Info => "info",
    Warning => "warning",
    Critical => "critical",
});

/// A rule's state, as [`transitions`] moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Never fired (the state before any window).
    Ok,
    /// The condition held for the rule's `N` consecutive windows and has not
    /// been false since.
    Firing,
    /// Fired, then the condition was false; stays so until it fires again.
    Resolved,
}

words!(AlertState, "alert state", {
    Ok => "ok",
    Firing => "firing",
    Resolved => "resolved",
});

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    fn from_sym(s: &str) -> Option<CmpOp> {
        Some(match s {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "=" | "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }

    fn apply(self, l: f64, r: f64) -> bool {
        match self {
            CmpOp::Lt => l < r,
            CmpOp::Le => l <= r,
            CmpOp::Gt => l > r,
            CmpOp::Ge => l >= r,
            CmpOp::Eq => l == r,
            CmpOp::Ne => l != r,
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }

    fn apply(self, l: f64, r: f64) -> f64 {
        match self {
            ArithOp::Add => l + r,
            ArithOp::Sub => l - r,
            ArithOp::Mul => l * r,
            ArithOp::Div => l / r,
        }
    }
}

/// A field: its names as written (unquoted) and the joined name evaluation
/// asks for.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    names: Vec<String>,
    joined: String,
}

impl Field {
    fn new(names: Vec<String>) -> Field {
        let joined = names.join(".");
        Field { names, joined }
    }
}

/// A numeric expression. Chains of `+ -` and of `* /` are one node each
/// (a first operand and the rest), so a long flat chain does not deepen the
/// tree.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Num(f64),
    Field(Field),
    Neg(Box<Value>),
    Abs(Box<Value>),
    /// `first (+|-) v (+|-) v ...`, at least one more.
    Sum(Box<Value>, Vec<(ArithOp, Value)>),
    /// `first (*|/) v (*|/) v ...`, at least one more.
    Product(Box<Value>, Vec<(ArithOp, Value)>),
}

/// A boolean expression; `and` / `or` chains are one node each.
#[derive(Debug, Clone, PartialEq)]
enum Cond {
    /// At least two.
    Or(Vec<Cond>),
    /// At least two.
    And(Vec<Cond>),
    Not(Box<Cond>),
    Cmp(Value, CmpOp, Value),
}

/// A finite value, or unknown.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl Value {
    fn eval(&self, field: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        match self {
            Value::Num(v) => Some(*v),
            Value::Field(f) => field(&f.joined).and_then(finite),
            Value::Neg(v) => Some(-v.eval(field)?),
            Value::Abs(v) => Some(v.eval(field)?.abs()),
            Value::Sum(first, rest) | Value::Product(first, rest) => {
                let mut acc = first.eval(field)?;
                for (op, v) in rest {
                    acc = finite(op.apply(acc, v.eval(field)?))?;
                }
                Some(acc)
            }
        }
    }

    fn fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Value::Num(_) => {}
            Value::Field(f) => {
                if !out.contains(&f.joined.as_str()) {
                    out.push(&f.joined);
                }
            }
            Value::Neg(v) | Value::Abs(v) => v.fields(out),
            Value::Sum(first, rest) | Value::Product(first, rest) => {
                first.fields(out);
                for (_, v) in rest {
                    v.fields(out);
                }
            }
        }
    }
}

impl Cond {
    fn eval(&self, field: &dyn Fn(&str) -> Option<f64>) -> Option<bool> {
        match self {
            // SQL's three-valued logic: one decisive operand settles it,
            // otherwise any unknown makes the whole unknown.
            Cond::Or(items) | Cond::And(items) => {
                let decisive = matches!(self, Cond::Or(_));
                let mut unknown = false;
                for c in items {
                    match c.eval(field) {
                        Some(b) if b == decisive => return Some(decisive),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                if unknown {
                    None
                } else {
                    Some(!decisive)
                }
            }
            Cond::Not(c) => c.eval(field).map(|b| !b),
            Cond::Cmp(l, op, r) => {
                let l = l.eval(field)?;
                let r = r.eval(field)?;
                Some(op.apply(l, r))
            }
        }
    }

    fn fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Cond::Or(items) | Cond::And(items) => items.iter().for_each(|c| c.fields(out)),
            Cond::Not(c) => c.fields(out),
            Cond::Cmp(l, _, r) => {
                l.fields(out);
                r.fields(out);
            }
        }
    }
}

/// A parsed alert rule: a condition over a window's fields and the number
/// of consecutive windows it must hold for.
///
/// Built by [`Rule::parse`] (or `str::parse`); equal rules have equal
/// canonical texts ([`Display`](fmt::Display)). Serialised as its
/// canonical text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    cond: Cond,
    windows: u64,
}

impl Rule {
    /// Parses a rule (see the [module docs](self) for the language, limits
    /// and errors).
    ///
    /// ```
    /// use mlops_core::monitor::rules::Rule;
    /// for text in [
    ///     "drift.share > 0.3 for 2 windows",
    ///     "quality.realized.roc_auc < reference.roc_auc - 0.05",
    ///     "rows < reference.rows.mean - 3 * reference.rows.std",
    ///     "null_ratio.age > 0.1 or type_error_ratio > 0",
    ///     "null_ratio.`first name` > 0.2",
    /// ] {
    ///     assert_eq!(Rule::parse(text).unwrap().to_string(), text);
    /// }
    /// assert!(Rule::parse("drift.share > 0.3 for 0 windows").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Rule> {
        if text.len() > MAX_RULE_BYTES {
            let head: String = text.chars().take(60).collect();
            return Err(Error::InvalidInput(format!(
                "rule {:?}: longer than {MAX_RULE_BYTES} bytes ({} bytes)",
                format!("{head}..."),
                text.len()
            )));
        }
        let chars: Vec<char> = text.chars().collect();
        let toks = lex(&chars)?;
        let mut p = Parser {
            text: &chars,
            toks,
            at: 0,
            depth: 0,
        };
        let node = p.or()?;
        let cond = p.want_cond(node)?;
        let mut windows = 1;
        let mut has_for = false;
        if p.is_keyword("for") {
            has_for = true;
            p.at += 1;
            let pos = p.pos();
            windows = match p.peek() {
                Some(Tok::Num(_, raw)) if raw.bytes().all(|b| b.is_ascii_digit()) => {
                    match raw.parse::<u64>() {
                        Ok(0) => {
                            return Err(p.fail(pos, "expected a number of windows of 1 or more"))
                        }
                        Ok(n) => n,
                        Err(_) => {
                            return Err(p.fail(
                                pos,
                                &format!("expected a number of windows up to {}", u64::MAX),
                            ))
                        }
                    }
                }
                _ => return Err(p.fail(pos, "expected a whole number of windows")),
            };
            p.at += 1;
            if !(p.is_keyword("windows") || p.is_keyword("window")) {
                return Err(p.fail(p.pos(), "expected 'windows'"));
            }
            p.at += 1;
        }
        if p.at < p.toks.len() {
            let what = if has_for {
                "expected the end of the rule"
            } else {
                "expected 'and', 'or', 'for' or the end of the rule"
            };
            return Err(p.fail(p.pos(), what));
        }
        Ok(Rule { cond, windows })
    }

    /// The number of consecutive windows the condition must hold for
    /// (`for N windows`; 1 without it).
    pub fn windows(&self) -> u64 {
        self.windows
    }

    /// The fields the rule names, each once, in the order they first
    /// appear; as [`eval`](Rule::eval) asks for them (names joined by `.`,
    /// unquoted).
    ///
    /// ```
    /// use mlops_core::monitor::rules::Rule;
    /// let r = Rule::parse("abs(x - reference.x) > 2 * reference.x or null_ratio.`a b` > 0").unwrap();
    /// assert_eq!(r.fields(), ["x", "reference.x", "null_ratio.a b"]);
    /// ```
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.cond.fields(&mut out);
        out.into_iter().map(str::to_string).collect()
    }

    /// Evaluates the condition over one window: `field(name)` gives a
    /// field's value, `None` when the window lacks it.
    ///
    /// Three-valued, as in SQL: a comparison is unknown (`None`) when a
    /// field it needs is missing or not finite, or when its arithmetic
    /// gives a non-finite number (a division by zero); `false and unknown`
    /// is false, `true or unknown` is true, `not unknown` is unknown, and
    /// otherwise an unknown operand makes `and` / `or` unknown. `and` and
    /// `or` stop at the first decisive operand, so `field` may not be asked
    /// for every field.
    ///
    /// ```
    /// use mlops_core::monitor::rules::Rule;
    /// let r = Rule::parse("quality.realized.f1 < 0.5 or drift.share > 0.3").unwrap();
    /// let no_labels = |n: &str| (n == "drift.share").then_some(0.1);
    /// assert_eq!(r.eval(&no_labels), None);
    /// let drifted = |n: &str| (n == "drift.share").then_some(0.5);
    /// assert_eq!(r.eval(&drifted), Some(true));
    /// ```
    pub fn eval(&self, field: &dyn Fn(&str) -> Option<f64>) -> Option<bool> {
        self.cond.eval(field)
    }
}

impl std::str::FromStr for Rule {
    type Err = Error;

    /// [`Rule::parse`].
    fn from_str(s: &str) -> Result<Rule> {
        Rule::parse(s)
    }
}

impl fmt::Display for Rule {
    /// The canonical text (see the [module docs](self)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_cond(&self.cond, 0, f)?;
        if self.windows != 1 {
            write!(f, " for {} windows", self.windows)?;
        }
        Ok(())
    }
}

impl Serialize for Rule {
    /// The canonical text.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rule {
    /// Parses the text.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let s = String::deserialize(d)?;
        Rule::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Writes `c`; `ctx` is where it stands: 0 alone, 1 an operand of `or`
/// (an `or` needs parentheses), 2 of `and` (`or` and `and` do), 3 of `not`
/// (likewise).
fn write_cond(c: &Cond, ctx: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let paren = match c {
        Cond::Or(_) => ctx >= 1,
        Cond::And(_) => ctx >= 2,
        Cond::Not(_) | Cond::Cmp(..) => false,
    };
    if paren {
        f.write_str("(")?;
    }
    match c {
        Cond::Or(items) | Cond::And(items) => {
            let (word, inner) = if matches!(c, Cond::Or(_)) {
                (" or ", 1)
            } else {
                (" and ", 2)
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(word)?;
                }
                write_cond(item, inner, f)?;
            }
        }
        Cond::Not(inner) => {
            f.write_str("not ")?;
            write_cond(inner, 3, f)?;
        }
        Cond::Cmp(l, op, r) => {
            write_value(l, 0, f)?;
            write!(f, " {} ", op.as_str())?;
            write_value(r, 0, f)?;
        }
    }
    if paren {
        f.write_str(")")?;
    }
    Ok(())
}

/// Writes `v`; `ctx` is where it stands: 0 alone, 1 an operand of `+ -`
/// (a sum needs parentheses), 2 of `* /` (a sum or product does), 3 of a
/// unary minus (a sum, product or negation does).
fn write_value(v: &Value, ctx: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let paren = match v {
        Value::Sum(..) => ctx >= 1,
        Value::Product(..) => ctx >= 2,
        Value::Neg(_) => ctx >= 3,
        Value::Num(_) | Value::Field(_) | Value::Abs(_) => false,
    };
    if paren {
        f.write_str("(")?;
    }
    match v {
        Value::Num(x) => write_number(*x, f)?,
        Value::Field(field) => write_field(field, f)?,
        Value::Neg(inner) => {
            f.write_str("-")?;
            write_value(inner, 3, f)?;
        }
        Value::Abs(inner) => {
            f.write_str("abs(")?;
            write_value(inner, 0, f)?;
            f.write_str(")")?;
        }
        Value::Sum(first, rest) | Value::Product(first, rest) => {
            let inner = if matches!(v, Value::Sum(..)) { 1 } else { 2 };
            write_value(first, inner, f)?;
            for (op, operand) in rest {
                write!(f, " {} ", op.as_str())?;
                write_value(operand, inner, f)?;
            }
        }
    }
    if paren {
        f.write_str(")")?;
    }
    Ok(())
}

/// A number in its shortest form that reads back the same: plain, or with
/// an exponent when very large or small (`1e300`, not 301 digits).
fn write_number(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let a = x.abs();
    if a != 0.0 && !(1e-6..1e16).contains(&a) {
        write!(f, "{x:e}")
    } else {
        write!(f, "{x}")
    }
}

/// The words that cannot be a one-name field unquoted.
const RESERVED: [&str; 8] = ["and", "or", "not", "for", "abs", "inf", "infinity", "nan"];

fn is_reserved(w: &str) -> bool {
    RESERVED.iter().any(|k| w.eq_ignore_ascii_case(k))
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn write_field(field: &Field, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, name) in field.names.iter().enumerate() {
        if i > 0 {
            f.write_str(".")?;
        }
        let mut chars = name.chars();
        let plain = chars.next().is_some_and(is_name_start)
            && chars.all(is_name_char)
            && !(field.names.len() == 1 && is_reserved(name));
        if plain {
            f.write_str(name)?;
        } else {
            write!(f, "`{}`", name.replace('`', "``"))?;
        }
    }
    Ok(())
}

/// The rule as error messages show it: quoted, and shortened when long.
fn quoted(text: &[char]) -> String {
    const SHOWN: usize = 60;
    if text.len() > SHOWN + 20 {
        let head: String = text[..SHOWN].iter().collect();
        format!(
            "rule {:?} ({} characters)",
            format!("{head}..."),
            text.len()
        )
    } else {
        let all: String = text.iter().collect();
        format!("rule {all:?}")
    }
}

/// The error at character offset `pos` (from 0; shown from 1).
fn fail_at(text: &[char], pos: usize, what: &str) -> Error {
    Error::InvalidInput(format!("{}: at {}: {what}", quoted(text), pos + 1))
}

/// A token.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A finite number and its text.
    Num(f64, String),
    /// A field (or, when `bare`, possibly a keyword): its names, unquoted;
    /// `bare` when it is one name written without backquotes.
    Path { names: Vec<String>, bare: bool },
    /// `( ) < <= > >= = == != + - * /`.
    Sym(&'static str),
}

/// A token and its character offset.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

/// Reads a backquoted name starting at `text[start] == '`'`; returns it and
/// the offset after the closing quote.
fn backquoted(text: &[char], start: usize) -> Result<(String, usize)> {
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match text.get(i) {
            None => return Err(fail_at(text, start, "unterminated backquoted name")),
            Some('`') if text.get(i + 1) == Some(&'`') => {
                s.push('`');
                i += 2;
            }
            Some('`') => break,
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
    if s.is_empty() {
        return Err(fail_at(
            text,
            start,
            "expected a name inside the backquotes",
        ));
    }
    Ok((s, i + 1))
}

fn lex(text: &[char]) -> Result<Vec<Token>> {
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
                && (is_name_char(text[i])
                    || text[i] == '.'
                    || (matches!(text[i], '+' | '-') && matches!(text[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let raw: String = text[start..i].iter().collect();
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => Tok::Num(v, raw),
                Ok(_) => {
                    return Err(fail_at(
                        text,
                        start,
                        &format!("'{raw}' is not a finite number"),
                    ))
                }
                Err(_) => return Err(fail_at(text, start, &format!("'{raw}' is not a number"))),
            }
        } else if is_name_start(c) || c == '`' {
            let mut names = Vec::new();
            let mut bare = true;
            loop {
                if text.get(i) == Some(&'`') {
                    let (name, after) = backquoted(text, i)?;
                    names.push(name);
                    bare = false;
                    i = after;
                } else if text.get(i).is_some_and(|&c| is_name_char(c)) {
                    let s = i;
                    while i < text.len() && is_name_char(text[i]) {
                        i += 1;
                    }
                    names.push(text[s..i].iter().collect());
                } else {
                    return Err(fail_at(text, i, "expected a name after '.'"));
                }
                if text.get(i) != Some(&'.') {
                    break;
                }
                i += 1;
            }
            bare &= names.len() == 1;
            Tok::Path { names, bare }
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
                _ => {
                    return Err(fail_at(
                        text,
                        start,
                        &format!("unexpected character '{}'", c.escape_debug()),
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

/// A parsed piece before its type is checked: conditions and values share
/// the parenthesis, so `(` is read before it is known which it opens.
enum Node {
    Cond(Cond),
    Value(Value),
}

/// A node and the character offset where it starts.
type Spanned = (Node, usize);

struct Parser<'a> {
    text: &'a [char],
    toks: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    /// The offset of the current token (the end of the text after the last).
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.text.len(), |t| t.pos)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }

    fn fail(&self, pos: usize, what: &str) -> Error {
        fail_at(self.text, pos, what)
    }

    fn sym(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Sym(s)) => Some(s),
            _ => None,
        }
    }

    fn is_keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Path { names, bare: true }) if names[0].eq_ignore_ascii_case(k))
    }

    /// Opens a nesting level at `pos`.
    fn enter(&mut self, pos: usize) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(
                pos,
                &format!(
                    "nesting too deep (parentheses, not, unary minus and abs nest at most {MAX_DEPTH} levels)"
                ),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A condition, or the error that a comparison was expected at the
    /// current token (the one after the value).
    fn want_cond(&self, (node, _): Spanned) -> Result<Cond> {
        match node {
            Node::Cond(c) => Ok(c),
            Node::Value(_) => Err(self.fail(self.pos(), "expected a comparison operator")),
        }
    }

    /// A value, or the error that a condition stands where a value must.
    fn want_value(&self, (node, start): Spanned) -> Result<Value> {
        match node {
            Node::Value(v) => Ok(v),
            Node::Cond(_) => Err(self.fail(start, "expected a value, found a condition")),
        }
    }

    fn or(&mut self) -> Result<Spanned> {
        self.chain("or", Parser::and, Cond::Or)
    }

    fn and(&mut self) -> Result<Spanned> {
        self.chain("and", Parser::not, Cond::And)
    }

    /// `operand { word operand }`, one node when there is more than one.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Spanned>,
        make: fn(Vec<Cond>) -> Cond,
    ) -> Result<Spanned> {
        let first = operand(self)?;
        if !self.is_keyword(word) {
            return Ok(first);
        }
        let start = first.1;
        let mut items = vec![self.want_cond(first)?];
        while self.is_keyword(word) {
            self.at += 1;
            let next = operand(self)?;
            items.push(self.want_cond(next)?);
        }
        Ok((Node::Cond(make(items)), start))
    }

    fn not(&mut self) -> Result<Spanned> {
        if !self.is_keyword("not") {
            return self.cmp();
        }
        let start = self.pos();
        self.enter(start)?;
        self.at += 1;
        let inner = self.not()?;
        let c = self.want_cond(inner)?;
        self.leave();
        Ok((Node::Cond(Cond::Not(Box::new(c))), start))
    }

    fn cmp(&mut self) -> Result<Spanned> {
        let left = self.sum()?;
        let Some(op) = self.sym().and_then(CmpOp::from_sym) else {
            return Ok(left);
        };
        let start = left.1;
        let l = self.want_value(left)?;
        self.at += 1;
        let right = self.sum()?;
        let r = self.want_value(right)?;
        Ok((Node::Cond(Cond::Cmp(l, op, r)), start))
    }

    fn sum(&mut self) -> Result<Spanned> {
        self.arith(
            &[("+", ArithOp::Add), ("-", ArithOp::Sub)],
            Parser::product,
            Value::Sum,
        )
    }

    fn product(&mut self) -> Result<Spanned> {
        self.arith(
            &[("*", ArithOp::Mul), ("/", ArithOp::Div)],
            Parser::unary,
            Value::Product,
        )
    }

    /// `operand { op operand }` for the operators `ops`, one node when
    /// there is more than one operand.
    fn arith(
        &mut self,
        ops: &[(&str, ArithOp)],
        operand: fn(&mut Self) -> Result<Spanned>,
        make: fn(Box<Value>, Vec<(ArithOp, Value)>) -> Value,
    ) -> Result<Spanned> {
        let op_here = |p: &Self| {
            let s = p.sym()?;
            ops.iter().find(|(sym, _)| *sym == s).map(|(_, op)| *op)
        };
        let first = operand(self)?;
        if op_here(self).is_none() {
            return Ok(first);
        }
        let start = first.1;
        let first = self.want_value(first)?;
        let mut rest = Vec::new();
        while let Some(op) = op_here(self) {
            self.at += 1;
            let next = operand(self)?;
            rest.push((op, self.want_value(next)?));
        }
        Ok((Node::Value(make(Box::new(first), rest)), start))
    }

    fn unary(&mut self) -> Result<Spanned> {
        if self.sym() != Some("-") {
            return self.primary();
        }
        let start = self.pos();
        self.enter(start)?;
        self.at += 1;
        let inner = self.unary()?;
        let v = self.want_value(inner)?;
        self.leave();
        Ok((Node::Value(Value::Neg(Box::new(v))), start))
    }

    /// Expects `)` closing what began at `open`.
    fn close(&mut self, after_value: bool) -> Result<()> {
        if self.sym() == Some(")") {
            self.at += 1;
            return Ok(());
        }
        let what = if after_value {
            "expected an operator or ')'"
        } else {
            "expected 'and', 'or' or ')'"
        };
        Err(self.fail(self.pos(), what))
    }

    fn primary(&mut self) -> Result<Spanned> {
        let pos = self.pos();
        match self.peek() {
            Some(Tok::Num(v, _)) => {
                let v = *v;
                self.at += 1;
                Ok((Node::Value(Value::Num(v)), pos))
            }
            Some(Tok::Sym("(")) => {
                self.enter(pos)?;
                self.at += 1;
                let (inner, _) = self.or()?;
                self.close(matches!(inner, Node::Value(_)))?;
                self.leave();
                Ok((inner, pos))
            }
            Some(Tok::Path { names, bare }) => {
                let (names, bare) = (names.clone(), *bare);
                let word = names[0].as_str();
                let call = self.toks.get(self.at + 1).map(|t| &t.tok) == Some(&Tok::Sym("("));
                if bare && call && word.eq_ignore_ascii_case("abs") {
                    self.enter(pos)?;
                    self.at += 2;
                    let inner = self.sum()?;
                    let v = self.want_value(inner)?;
                    self.close(true)?;
                    self.leave();
                    return Ok((Node::Value(Value::Abs(Box::new(v))), pos));
                }
                if bare
                    && ["inf", "infinity", "nan"]
                        .iter()
                        .any(|k| word.eq_ignore_ascii_case(k))
                {
                    return Err(self.fail(pos, &format!("'{word}' is not a finite number")));
                }
                if bare
                    && ["and", "or", "not", "for"]
                        .iter()
                        .any(|k| word.eq_ignore_ascii_case(k))
                {
                    return Err(self.fail(pos, "expected a value"));
                }
                self.at += 1;
                Ok((Node::Value(Value::Field(Field::new(names))), pos))
            }
            _ => Err(self.fail(pos, "expected a value")),
        }
    }
}

/// A change of a rule's state, at a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The window (its start, Unix seconds) at which the state changed.
    pub window: i64,
    /// The state from this window on.
    pub state: AlertState,
    /// The windows whose condition caused it (their starts): for
    /// [`AlertState::Firing`], the rule's `N` windows where it held (the
    /// last `N` of the streak); for [`AlertState::Resolved`], the window
    /// where it was false.
    pub windows: Vec<i64>,
}

/// The transitions of `rule`'s state over `windows`: each window's start
/// (Unix seconds) and its condition ([`Rule::eval`]: `Some(true)`,
/// `Some(false)` or unknown `None`), in strictly increasing time order;
/// `window_secs` is the windows' length. Pure and deterministic: the same
/// windows give the same transitions, so a monitor may recompute them from
/// the whole history after a late batch changes a window.
///
/// The state starts [`AlertState::Ok`]:
/// - **Firing**: in state ok or resolved, the condition held in `N`
///   ([`Rule::windows`]) consecutive windows. Windows are consecutive when
///   their starts are exactly `window_secs` apart: a missing window (a gap
///   in the starts) breaks the streak. A window whose condition is
///   **unknown** neither breaks nor extends it (true, unknown, true counts
///   as 2 consecutive windows); a false one breaks it.
/// - **Resolved**: in state firing, the condition was false in a window.
///   Unknown windows and gaps keep an alert firing. Resolved stays until
///   the rule fires again (there is no transition back to ok).
/// - **Cooldown**: after a resolve at window start `r`, no firing is
///   raised at a window whose start `t` has `t - r <= cooldown_windows *
///   window_secs`, i.e. in the resolving window and the `cooldown_windows`
///   windows after it. A streak still counts during the cooldown: the first
///   window after it where the condition holds and the streak has reached
///   `N` fires (with the streak's last `N` windows). `cooldown_windows = 0`
///   lets the very next window fire again.
///
/// Errors: [`Error::InvalidInput`] when `window_secs` is not positive or a
/// window's start is not after the one before it (naming both).
///
/// ```
/// use mlops_core::monitor::rules::{transitions, AlertState, Rule};
/// let rule = Rule::parse("drift.share > 0.3 for 2 windows").unwrap();
/// let h = 3600;
/// let windows = [(0, Some(true)), (h, None), (2 * h, Some(true)), (3 * h, Some(false))];
/// let t = transitions(&rule, &windows, h, 0).unwrap();
/// assert_eq!(t.len(), 2);
/// assert_eq!((t[0].window, t[0].state, t[0].windows.clone()), (2 * h, AlertState::Firing, vec![0, 2 * h]));
/// assert_eq!((t[1].window, t[1].state, t[1].windows.clone()), (3 * h, AlertState::Resolved, vec![3 * h]));
/// ```
pub fn transitions(
    rule: &Rule,
    windows: &[(i64, Option<bool>)],
    window_secs: i64,
    cooldown_windows: u64,
) -> Result<Vec<Transition>> {
    if window_secs <= 0 {
        return Err(Error::InvalidInput(format!(
            "alert window length: expected a positive number of seconds, got {window_secs}"
        )));
    }
    let n = rule.windows;
    let cooldown_secs = i128::from(cooldown_windows) * i128::from(window_secs);
    let mut out = Vec::new();
    let mut state = AlertState::Ok;
    // The last `n` true windows of the current streak, and its length.
    let mut streak: VecDeque<i64> = VecDeque::new();
    let mut run: u64 = 0;
    let mut resolved_at: Option<i64> = None;
    for (i, &(t, cond)) in windows.iter().enumerate() {
        if i > 0 {
            let prev = windows[i - 1].0;
            if t <= prev {
                return Err(Error::InvalidInput(format!(
                    "alert windows: window {i} (start {t}) is not after window {} (start {prev}); windows must be in increasing time order",
                    i - 1
                )));
            }
            if i128::from(t) - i128::from(prev) != i128::from(window_secs) {
                streak.clear();
                run = 0;
            }
        }
        match cond {
            None => {}
            Some(false) => {
                streak.clear();
                run = 0;
                if state == AlertState::Firing {
                    state = AlertState::Resolved;
                    resolved_at = Some(t);
                    out.push(Transition {
                        window: t,
                        state,
                        windows: vec![t],
                    });
                }
            }
            Some(true) if state != AlertState::Firing => {
                run = run.saturating_add(1);
                streak.push_back(t);
                if streak.len() as u64 > n {
                    streak.pop_front();
                }
                let cooled =
                    resolved_at.is_none_or(|r| i128::from(t) - i128::from(r) > cooldown_secs);
                if run >= n && cooled {
                    state = AlertState::Firing;
                    out.push(Transition {
                        window: t,
                        state,
                        windows: streak.drain(..).collect(),
                    });
                    run = 0;
                }
            }
            Some(true) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Rule {
        Rule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        match Rule::parse(text) {
            Ok(r) => panic!("{text}: parsed as {r}"),
            Err(e @ Error::InvalidInput(_)) => e.to_string(),
            Err(e) => panic!("{text}: not an invalid input: {e:?}"),
        }
    }

    /// Evaluates `text` with the fields given (others missing).
    fn eval(text: &str, fields: &[(&str, f64)]) -> Option<bool> {
        let lookup = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        rule(text).eval(&lookup)
    }

    fn field(name: &str) -> Value {
        Value::Field(Field::new(name.split('.').map(str::to_string).collect()))
    }

    fn cmp(name: &str, op: CmpOp, v: f64) -> Cond {
        Cond::Cmp(field(name), op, Value::Num(v))
    }

    #[test]
    fn monitor_rules_the_examples_parse_and_print_canonically() {
        let r = rule("drift.share > 0.3 for 2 windows");
        assert_eq!(r.cond, cmp("drift.share", CmpOp::Gt, 0.3));
        assert_eq!(r.windows(), 2);
        let r = rule("quality.realized.roc_auc < reference.roc_auc - 0.05");
        assert_eq!(
            r.cond,
            Cond::Cmp(
                field("quality.realized.roc_auc"),
                CmpOp::Lt,
                Value::Sum(
                    Box::new(field("reference.roc_auc")),
                    vec![(ArithOp::Sub, Value::Num(0.05))]
                )
            )
        );
        assert_eq!(r.windows(), 1);
        let r = rule("rows < reference.rows.mean - 3 * reference.rows.std");
        assert_eq!(
            r.fields(),
            ["rows", "reference.rows.mean", "reference.rows.std"]
        );
        assert_eq!(
            r.cond,
            Cond::Cmp(
                field("rows"),
                CmpOp::Lt,
                Value::Sum(
                    Box::new(field("reference.rows.mean")),
                    vec![(
                        ArithOp::Sub,
                        Value::Product(
                            Box::new(Value::Num(3.0)),
                            vec![(ArithOp::Mul, field("reference.rows.std"))]
                        )
                    )]
                )
            )
        );
        let r = rule("null_ratio.age > 0.1 or type_error_ratio > 0");
        assert_eq!(
            r.cond,
            Cond::Or(vec![
                cmp("null_ratio.age", CmpOp::Gt, 0.1),
                cmp("type_error_ratio", CmpOp::Gt, 0.0)
            ])
        );
        // Canonical text: lowercase keywords, single spaces, `=` for `==`,
        // needless parentheses dropped, `for 1 window` dropped.
        for (text, canonical) in [
            (
                "drift.share > 0.3 for 2 windows",
                "drift.share > 0.3 for 2 windows",
            ),
            (
                "drift.share>.30   FOR 2 WINDOW",
                "drift.share > 0.3 for 2 windows",
            ),
            ("x == 1 for 1 window", "x = 1"),
            ("((x)) >= (1 + (2 * 3))", "x >= 1 + 2 * 3"),
            ("(x + 1) * 2 <= x - (1 - 2)", "(x + 1) * 2 <= x - (1 - 2)"),
            (
                "NOT (a > 1 AND b > 1) Or Not c != 2",
                "not (a > 1 and b > 1) or not c != 2",
            ),
            ("(a > 1 or b > 1) and c > 1", "(a > 1 or b > 1) and c > 1"),
            ("a > 1 or (b > 1 and c > 1)", "a > 1 or b > 1 and c > 1"),
            ("- - x < -(2)", "-(-x) < -2"),
            ("ABS(x - 1) > 1e300 / 1e-7", "abs(x - 1) > 1e300 / 1e-7"),
            ("x > 100000000000000000000", "x > 1e20"),
            ("null_ratio.`first name` > 0", "null_ratio.`first name` > 0"),
            (
                "`x` > 0 and `and` > 0 and a.`and` > 0",
                "x > 0 and `and` > 0 and a.and > 0",
            ),
            ("`it``s`.`2nd` > 0", "`it``s`.`2nd` > 0"),
            ("âge_ü > 0", "âge_ü > 0"),
        ] {
            let r = rule(text);
            assert_eq!(r.to_string(), canonical, "{text}");
            assert_eq!(rule(canonical), r, "{text}");
        }
    }

    #[test]
    fn monitor_rules_precedence() {
        // `and` binds tighter than `or`.
        assert_eq!(
            rule("a > 1 or b > 1 and c > 1").cond,
            Cond::Or(vec![
                cmp("a", CmpOp::Gt, 1.0),
                Cond::And(vec![cmp("b", CmpOp::Gt, 1.0), cmp("c", CmpOp::Gt, 1.0)])
            ])
        );
        assert_eq!(
            eval(
                "a > 1 or b > 1 and c > 1",
                &[("a", 2.0), ("b", 0.0), ("c", 0.0)]
            ),
            Some(true)
        );
        assert_eq!(
            eval(
                "(a > 1 or b > 1) and c > 1",
                &[("a", 2.0), ("b", 0.0), ("c", 0.0)]
            ),
            Some(false)
        );
        // `not` applies to the comparison that follows, not the chain.
        assert_eq!(
            rule("not a > 1 and b > 1").cond,
            Cond::And(vec![
                Cond::Not(Box::new(cmp("a", CmpOp::Gt, 1.0))),
                cmp("b", CmpOp::Gt, 1.0)
            ])
        );
        assert_eq!(
            eval("not a > 1 and b > 1", &[("a", 0.0), ("b", 0.0)]),
            Some(false)
        );
        assert_eq!(
            eval("not (a > 1 and b > 1)", &[("a", 0.0), ("b", 0.0)]),
            Some(true)
        );
        // Arithmetic: `* /` before `+ -`, left to right, unary minus tightest.
        let x = |text: &str, v: f64| eval(text, &[("x", v)]);
        assert_eq!(x("x = 1 + 2 * 3", 7.0), Some(true));
        assert_eq!(x("x = (1 + 2) * 3", 9.0), Some(true));
        assert_eq!(x("x = 2 - 3 - 4", -5.0), Some(true));
        assert_eq!(x("x = 8 / 4 / 2", 1.0), Some(true));
        assert_eq!(x("x = 8 / 4 * 2", 4.0), Some(true));
        assert_eq!(x("x = -2 * -3", 6.0), Some(true));
        assert_eq!(x("-x * 2 = -6", 3.0), Some(true));
        assert_eq!(x("x = abs(1 - 4) - abs(-2)", 1.0), Some(true));
        assert_eq!(x("x - 1 < 2 * x", 0.0), Some(true));
        assert_eq!(x("x != 1", 1.0), Some(false));
        assert_eq!(x("x <= 1", 1.0), Some(true));
        assert_eq!(x("x >= 1", 1.0), Some(true));
        assert_eq!(x("x < 1", 1.0), Some(false));
        // The thresholds the issue names.
        let stats = [
            ("rows", 40.0),
            ("reference.rows.mean", 100.0),
            ("reference.rows.std", 15.0),
        ];
        assert_eq!(
            eval(
                "rows < reference.rows.mean - 3 * reference.rows.std",
                &stats
            ),
            Some(true)
        );
        assert_eq!(
            eval(
                "rows < reference.rows.mean - 4 * reference.rows.std",
                &stats
            ),
            Some(false)
        );
    }

    #[test]
    fn monitor_rules_three_valued_logic() {
        // p and q are true (1), false (0) or unknown (missing).
        let cases: [Option<bool>; 3] = [Some(true), Some(false), None];
        for p in cases {
            for q in cases {
                let mut fields = Vec::new();
                if let Some(b) = p {
                    fields.push(("p", if b { 1.0 } else { 0.0 }));
                }
                if let Some(b) = q {
                    fields.push(("q", if b { 1.0 } else { 0.0 }));
                }
                let and = match (p, q) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let or = match (p, q) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                assert_eq!(eval("p = 1 and q = 1", &fields), and, "{p:?} and {q:?}");
                assert_eq!(eval("p = 1 or q = 1", &fields), or, "{p:?} or {q:?}");
                assert_eq!(
                    eval("not (p = 1 and q = 1)", &fields),
                    and.map(|b| !b),
                    "not ({p:?} and {q:?})"
                );
                assert_eq!(eval("not p = 1", &fields), p.map(|b| !b), "not {p:?}");
            }
        }
        // The named cases: false and unknown, true or unknown.
        assert_eq!(
            eval("quality.realized.f1 < 0.5 and x > 1", &[("x", 0.0)]),
            Some(false)
        );
        assert_eq!(
            eval("quality.realized.f1 < 0.5 or x > 1", &[("x", 2.0)]),
            Some(true)
        );
        assert_eq!(
            eval("quality.realized.f1 < 0.5 or x > 1", &[("x", 0.0)]),
            None
        );
        // Non-finite fields and arithmetic are unknown.
        assert_eq!(eval("x > 0", &[("x", f64::NAN)]), None);
        assert_eq!(eval("x > 0", &[("x", f64::INFINITY)]), None);
        assert_eq!(eval("x != 0", &[("x", f64::NEG_INFINITY)]), None);
        assert_eq!(eval("x / y > 0", &[("x", 1.0), ("y", 0.0)]), None);
        assert_eq!(eval("x * 1e300 > 0", &[("x", 1e300)]), None);
        assert_eq!(eval("1 / 0 > 0 or x = 1", &[("x", 1.0)]), Some(true));
        assert_eq!(eval("x / y > 0", &[("x", 1.0), ("y", 2.0)]), Some(true));
        // Every comparison with an unknown side is unknown.
        for op in ["<", "<=", ">", ">=", "=", "!="] {
            assert_eq!(eval(&format!("x {op} missing"), &[("x", 1.0)]), None);
            assert_eq!(eval(&format!("missing {op} x"), &[("x", 1.0)]), None);
        }
    }

    #[test]
    fn monitor_rules_fields_are_listed_once_in_order() {
        let r = rule("abs(b - a.x) > 2 * a.x or not (c > b and null_ratio.`first name` > 0)");
        assert_eq!(r.fields(), ["b", "a.x", "c", "null_ratio.first name"]);
        assert_eq!(rule("1 < 2").fields(), Vec::<String>::new());
        // Evaluation asks for the same names.
        let asked = std::cell::RefCell::new(Vec::new());
        let lookup = |name: &str| {
            asked.borrow_mut().push(name.to_string());
            Some(1.0)
        };
        assert_eq!(
            rule("null_ratio.`first name` + `a.b` = 2").eval(&lookup),
            Some(true)
        );
        assert_eq!(*asked.borrow(), ["null_ratio.first name", "a.b"]);
    }

    #[test]
    fn monitor_rules_errors_name_the_position_and_what_was_expected() {
        let cases: &[(&str, &str)] = &[
            ("drift.share >> 0.3", "at 14: expected a value"),
            ("", "at 1: expected a value"),
            ("   ", "at 4: expected a value"),
            ("drift.share >", "at 14: expected a value"),
            ("x > and", "at 5: expected a value"),
            ("x > (", "at 6: expected a value"),
            ("x > 1 +", "at 8: expected a value"),
            ("x > 1 * * 2", "at 9: expected a value"),
            ("x > for", "at 5: expected a value"),
            ("not", "at 4: expected a value"),
            ("drift.share", "at 12: expected a comparison operator"),
            (
                "drift.share and x > 1",
                "at 13: expected a comparison operator",
            ),
            ("x > 1 or y", "at 11: expected a comparison operator"),
            ("not x + 1", "at 10: expected a comparison operator"),
            ("(x) for 2 windows", "at 5: expected a comparison operator"),
            (
                "(x > 1) + 2 > 1",
                "at 1: expected a value, found a condition",
            ),
            ("1 < (x > 1)", "at 5: expected a value, found a condition"),
            (
                "abs((x > 1)) > 1",
                "at 5: expected a value, found a condition",
            ),
            ("-(x > 1) < 2", "at 2: expected a value, found a condition"),
            ("(x > 1) > 2", "at 1: expected a value, found a condition"),
            ("(x > 1", "at 7: expected 'and', 'or' or ')'"),
            ("(x + 1 > 2", "at 11: expected 'and', 'or' or ')'"),
            ("(x + 1 y) > 2", "at 8: expected an operator or ')'"),
            ("abs(x > 1) > 1", "at 7: expected an operator or ')'"),
            ("abs(x", "at 6: expected an operator or ')'"),
            (
                "x > 1)",
                "at 6: expected 'and', 'or', 'for' or the end of the rule",
            ),
            (
                "x > 1 < 2",
                "at 7: expected 'and', 'or', 'for' or the end of the rule",
            ),
            (
                "x > 1 y",
                "at 7: expected 'and', 'or', 'for' or the end of the rule",
            ),
            (
                "x > 0.3 for 0 windows",
                "at 13: expected a number of windows of 1 or more",
            ),
            (
                "x > 0.3 for 1.5 windows",
                "at 13: expected a whole number of windows",
            ),
            (
                "x > 0.3 for 1e2 windows",
                "at 13: expected a whole number of windows",
            ),
            (
                "x > 0.3 for -2 windows",
                "at 13: expected a whole number of windows",
            ),
            ("x > 0.3 for", "at 12: expected a whole number of windows"),
            (
                "x > 0.3 for two windows",
                "at 13: expected a whole number of windows",
            ),
            (
                "x > 0.3 for 18446744073709551616 windows",
                "at 13: expected a number of windows up to 18446744073709551615",
            ),
            ("x > 0.3 for 2", "at 14: expected 'windows'"),
            ("x > 0.3 for 2 hours", "at 15: expected 'windows'"),
            (
                "x > 0.3 for 2 windows and y > 1",
                "at 23: expected the end of the rule",
            ),
            ("x > 1e400", "at 5: '1e400' is not a finite number"),
            ("x > 12ab", "at 5: '12ab' is not a number"),
            ("x > 1.2.3", "at 5: '1.2.3' is not a number"),
            ("x > inf", "at 5: 'inf' is not a finite number"),
            ("x > -NaN", "at 6: 'NaN' is not a finite number"),
            ("x > 1 & y > 1", "at 7: unexpected character '&'"),
            ("x ! 1", "at 3: unexpected character '!'"),
            ("x > 'a'", "at 5: unexpected character '\\''"),
            ("x. > 1", "at 3: expected a name after '.'"),
            ("x.y. > 1", "at 5: expected a name after '.'"),
            (
                "null_ratio.`first name > 1",
                "at 12: unterminated backquoted name",
            ),
            ("`` > 1", "at 1: expected a name inside the backquotes"),
            // Positions count characters, not bytes.
            ("âge > > 1", "at 7: expected a value"),
            ("`ä ö` > 1 €", "at 11: unexpected character '€'"),
        ];
        for (text, tail) in cases {
            let e = err(text);
            let expected = format!("invalid input: rule {text:?}: {tail}");
            assert_eq!(e, expected);
        }
        // Long rules are shortened in messages.
        let long = format!("{} > ", vec!["x"; 100].join(" + "));
        assert_eq!(
            err(&long),
            format!(
                "invalid input: rule {:?} (400 characters): at 401: expected a value",
                format!("{}...", &long[..60])
            )
        );
    }

    #[test]
    fn monitor_rules_limits_give_typed_errors() {
        // Each kind of nesting opens a level; the 65th is refused where it opens.
        for (open, close, width) in [
            ("(", ")", 1),
            ("not ", "", 4),
            ("-", "", 1),
            ("abs(", ")", 4),
        ] {
            let nest = |k: usize| format!("{}x{} > 1", open.repeat(k), close.repeat(k));
            assert!(Rule::parse(&nest(MAX_DEPTH)).is_ok(), "{open}");
            let e = err(&nest(MAX_DEPTH + 1));
            assert!(
                e.contains(&format!(
                    ": at {}: nesting too deep (parentheses, not, unary minus and abs nest at most 64 levels)",
                    MAX_DEPTH * width + 1
                )),
                "{e}"
            );
        }
        // Mixed nesting counts together.
        let mixed = format!("{}x > 1", "(not -abs(".repeat(17));
        assert!(
            err(&mixed).contains(": at 161: nesting too deep"),
            "{}",
            err(&mixed)
        );
        // 2,000 parentheses fit in the length limit: refused by depth.
        let e = err(&format!("{}x > 1{}", "(".repeat(2000), ")".repeat(2000)));
        assert!(e.contains(": at 65: nesting too deep"), "{e}");
        // 100,000: refused by length, before any parsing.
        let hostile = format!("{}x > 1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(
            err(&hostile),
            format!(
                "invalid input: rule \"{}...\": longer than 4096 bytes (200005 bytes)",
                "(".repeat(60)
            )
        );
        assert!(err(&"(".repeat(100_000)).contains("longer than 4096 bytes"));
        // Flat chains are not nesting: as long as the length allows.
        let chain = vec!["x > 1"; 400].join(" or ");
        assert!(chain.len() <= MAX_RULE_BYTES);
        assert_eq!(eval(&chain, &[("x", 2.0)]), Some(true));
        let sum = format!("{} = 1000", vec!["x"; 1000].join("+"));
        assert!(sum.len() <= MAX_RULE_BYTES);
        assert_eq!(eval(&sum, &[("x", 1.0)]), Some(true));
        assert_eq!(rule(&sum).to_string().len(), sum.len() + 2 * 999);
        // Exactly the limit parses; one byte more does not.
        let at_limit = format!("x > 1{}", " ".repeat(MAX_RULE_BYTES - 5));
        assert_eq!(at_limit.len(), MAX_RULE_BYTES);
        assert!(Rule::parse(&at_limit).is_ok());
        assert!(err(&format!("{at_limit} ")).contains("longer than 4096 bytes (4097 bytes)"));
    }

    #[test]
    fn monitor_rules_severity_and_state_words() {
        assert!(Severity::Info < Severity::Warning);
        assert!(Severity::Warning < Severity::Critical);
        assert_eq!(
            Severity::ALL.map(|s| s.as_str()),
            ["info", "warning", "critical"]
        );
        for s in Severity::ALL {
            assert_eq!(s.to_string().parse::<Severity>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(
            "fatal".parse::<Severity>().unwrap_err().to_string(),
            "invalid input: unknown severity 'fatal' (expected info, warning or critical)"
        );
        assert!(matches!(
            "".parse::<Severity>(),
            Err(Error::InvalidInput(_))
        ));
        for s in AlertState::ALL {
            assert_eq!(s.to_string().parse::<AlertState>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        // A rule serialises as its canonical text and reads back.
        let r = rule("drift.share > .3 For 2 Windows");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"drift.share > 0.3 for 2 windows\"");
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);
        let e = serde_json::from_str::<Rule>("\"x >\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at 4: expected a value"), "{e}");
        assert_eq!("x > 1".parse::<Rule>().unwrap(), rule("x > 1"));
    }

    /// The transitions as (window, state, windows), the window length 10.
    fn run(
        text: &str,
        seq: &[(i64, Option<bool>)],
        cooldown: u64,
    ) -> Vec<(i64, AlertState, Vec<i64>)> {
        transitions(&rule(text), seq, 10, cooldown)
            .unwrap()
            .into_iter()
            .map(|t| (t.window, t.state, t.windows))
            .collect()
    }

    /// Windows 0, 10, 20, ... with the conditions given (`T`, `F`, `U`).
    fn seq(conds: &str) -> Vec<(i64, Option<bool>)> {
        conds
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let v = match c {
                    'T' => Some(true),
                    'F' => Some(false),
                    'U' => None,
                    _ => panic!("{c}"),
                };
                (i as i64 * 10, v)
            })
            .collect()
    }

    use AlertState::{Firing, Resolved};

    /// Windows as `transitions` takes them.
    type Windows = Vec<(i64, Option<bool>)>;

    const TWO: &str = "x > 1 for 2 windows";
    const ONE: &str = "x > 1";

    #[test]
    fn monitor_rules_state_machine_streaks() {
        assert_eq!(run(TWO, &[], 0), vec![]);
        assert_eq!(run(ONE, &seq("T"), 0), vec![(0, Firing, vec![0])]);
        // A false window breaks the streak; firing needs 2 in a row.
        assert_eq!(
            run(TWO, &seq("TFTTTF"), 0),
            vec![(30, Firing, vec![20, 30]), (50, Resolved, vec![50])]
        );
        // Staying true while firing adds nothing; false resolves; a new
        // streak fires again.
        assert_eq!(
            run(TWO, &seq("TTTTFTFTT"), 0),
            vec![
                (10, Firing, vec![0, 10]),
                (40, Resolved, vec![40]),
                (80, Firing, vec![70, 80])
            ]
        );
        // A streak longer than N reports the last N windows.
        assert_eq!(
            run("x > 1 for 3 windows", &seq("FTTTT"), 0),
            vec![(30, Firing, vec![10, 20, 30])]
        );
        assert_eq!(run(TWO, &seq("FFFF"), 0), vec![]);
        assert_eq!(run(TWO, &seq("TFTFTF"), 0), vec![]);
        // A huge N never fires and keeps no more than the windows given.
        assert_eq!(
            run(
                "x > 1 for 18446744073709551615 windows",
                &seq("TTTTTTTT"),
                0
            ),
            vec![]
        );
    }

    #[test]
    fn monitor_rules_state_machine_gaps_break_streaks() {
        // 0 and 20: window 10 is missing, so they are not consecutive.
        assert_eq!(run(TWO, &[(0, Some(true)), (20, Some(true))], 0), vec![]);
        assert_eq!(
            run(
                TWO,
                &[(0, Some(true)), (20, Some(true)), (30, Some(true))],
                0
            ),
            vec![(30, Firing, vec![20, 30])]
        );
        // Starts not a window apart (misaligned) are not consecutive either.
        assert_eq!(run(TWO, &[(0, Some(true)), (15, Some(true))], 0), vec![]);
        // A gap does not resolve a firing alert.
        assert_eq!(
            run(
                TWO,
                &[
                    (0, Some(true)),
                    (10, Some(true)),
                    (50, Some(true)),
                    (60, Some(false))
                ],
                0
            ),
            vec![(10, Firing, vec![0, 10]), (60, Resolved, vec![60])]
        );
        // Any window lengths and starts, negative too.
        let t = transitions(
            &rule(TWO),
            &[(-7200, Some(true)), (-3600, Some(true)), (0, Some(false))],
            3600,
            0,
        )
        .unwrap();
        assert_eq!(
            t,
            vec![
                Transition {
                    window: -3600,
                    state: Firing,
                    windows: vec![-7200, -3600]
                },
                Transition {
                    window: 0,
                    state: Resolved,
                    windows: vec![0]
                },
            ]
        );
    }

    #[test]
    fn monitor_rules_state_machine_unknown_windows() {
        // Unknown neither breaks nor extends a streak.
        assert_eq!(run(TWO, &seq("TUT"), 0), vec![(20, Firing, vec![0, 20])]);
        assert_eq!(run(TWO, &seq("TUUUT"), 0), vec![(40, Firing, vec![0, 40])]);
        assert_eq!(run(TWO, &seq("TUU"), 0), vec![]);
        assert_eq!(run(ONE, &seq("UUUU"), 0), vec![]);
        // But a gap next to an unknown still breaks it.
        assert_eq!(
            run(TWO, &[(0, Some(true)), (10, None), (30, Some(true))], 0),
            vec![]
        );
        // Unknown keeps a firing alert firing, and a resolved one resolved.
        assert_eq!(
            run(ONE, &seq("TUUFUU"), 0),
            vec![(0, Firing, vec![0]), (30, Resolved, vec![30])]
        );
        // Realized quality before labels: unknown windows, then the labels
        // land and the rule fires.
        let r = rule("quality.realized.roc_auc < reference.roc_auc - 0.05 for 2 windows");
        let auc = [None, None, Some(0.80), Some(0.82), Some(0.89)];
        let windows: Vec<(i64, Option<bool>)> = auc
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let lookup = |n: &str| match n {
                    "quality.realized.roc_auc" => *a,
                    "reference.roc_auc" => Some(0.9),
                    _ => None,
                };
                (i as i64 * 3600, r.eval(&lookup))
            })
            .collect();
        assert_eq!(
            windows.iter().map(|w| w.1).collect::<Vec<_>>(),
            [None, None, Some(true), Some(true), Some(false)]
        );
        let t = transitions(&r, &windows, 3600, 0).unwrap();
        assert_eq!(
            t.iter()
                .map(|t| (t.window, t.state, t.windows.clone()))
                .collect::<Vec<_>>(),
            vec![
                (3 * 3600, Firing, vec![2 * 3600, 3 * 3600]),
                (4 * 3600, Resolved, vec![4 * 3600])
            ]
        );
    }

    #[test]
    fn monitor_rules_state_machine_cooldown() {
        // Without a cooldown, the window after a resolve may fire.
        assert_eq!(
            run(ONE, &seq("TFT"), 0),
            vec![
                (0, Firing, vec![0]),
                (10, Resolved, vec![10]),
                (20, Firing, vec![20])
            ]
        );
        // Cooldown 2 after a resolve at 10: windows 20 and 30 may not fire,
        // 40 may.
        assert_eq!(
            run(ONE, &seq("TFTTT"), 2),
            vec![
                (0, Firing, vec![0]),
                (10, Resolved, vec![10]),
                (40, Firing, vec![40])
            ]
        );
        // The streak counts during the cooldown: N = 2 fires at 40 with 30, 40.
        assert_eq!(
            run(TWO, &seq("TTFTTT"), 2),
            vec![
                (10, Firing, vec![0, 10]),
                (20, Resolved, vec![20]),
                (50, Firing, vec![40, 50])
            ]
        );
        assert_eq!(
            run(TWO, &seq("TTFTTTT"), 3),
            vec![
                (10, Firing, vec![0, 10]),
                (20, Resolved, vec![20]),
                (60, Firing, vec![50, 60])
            ]
        );
        // Once the cooldown is over, only a window whose condition holds fires.
        assert_eq!(
            run(ONE, &seq("TFTTFUT"), 2),
            vec![
                (0, Firing, vec![0]),
                (10, Resolved, vec![10]),
                (60, Firing, vec![60])
            ]
        );
        // The cooldown is in window time: a gap counts towards it.
        assert_eq!(
            run(
                ONE,
                &[(0, Some(true)), (10, Some(false)), (40, Some(true))],
                2
            ),
            vec![
                (0, Firing, vec![0]),
                (10, Resolved, vec![10]),
                (40, Firing, vec![40])
            ]
        );
        assert_eq!(
            run(
                ONE,
                &[(0, Some(true)), (10, Some(false)), (30, Some(true))],
                2
            ),
            vec![(0, Firing, vec![0]), (10, Resolved, vec![10])]
        );
        // A cooldown never delays the first firing.
        assert_eq!(run(ONE, &seq("T"), 1000), vec![(0, Firing, vec![0])]);
        // Huge cooldowns and window lengths do not overflow.
        let t = transitions(
            &rule(ONE),
            &[
                (i64::MIN, Some(true)),
                (0, Some(false)),
                (i64::MAX, Some(true)),
            ],
            i64::MAX,
            u64::MAX,
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].state, Resolved);
    }

    #[test]
    fn monitor_rules_state_machine_refuses_bad_input() {
        let r = rule(ONE);
        let cases: [(Windows, i64, &str); 4] = [
            (
                vec![(10, Some(true)), (0, Some(true))],
                10,
                "invalid input: alert windows: window 1 (start 0) is not after window 0 (start 10); windows must be in increasing time order",
            ),
            (
                vec![(0, Some(true)), (10, None), (10, Some(false))],
                10,
                "invalid input: alert windows: window 2 (start 10) is not after window 1 (start 10); windows must be in increasing time order",
            ),
            (
                vec![(0, Some(true))],
                0,
                "invalid input: alert window length: expected a positive number of seconds, got 0",
            ),
            (
                vec![],
                -5,
                "invalid input: alert window length: expected a positive number of seconds, got -5",
            ),
        ];
        for (windows, secs, expected) in cases {
            assert_eq!(
                transitions(&r, &windows, secs, 0).unwrap_err().to_string(),
                expected
            );
        }
    }

    /// A small seeded generator (xorshift64*), so the property tests are the
    /// same on every run.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
            &xs[self.below(xs.len() as u64) as usize]
        }

        fn number(&mut self) -> f64 {
            match self.below(3) {
                0 => *self.pick(&[
                    0.0,
                    1.0,
                    0.3,
                    0.05,
                    3.0,
                    1e300,
                    1.5e-7,
                    1e-6,
                    123_456_789.125,
                    1e16,
                    9.999e15,
                    f64::MAX,
                    f64::MIN_POSITIVE,
                    5e-324,
                ]),
                1 => self.below(1_000_000) as f64 / 1000.0,
                _ => loop {
                    let x = f64::from_bits(self.next() >> 1);
                    if x.is_finite() {
                        break x;
                    }
                },
            }
        }

        fn field(&mut self) -> Field {
            const NAMES: [&str; 16] = [
                "drift",
                "share",
                "null_ratio",
                "first name",
                "a.b",
                "for",
                "and",
                "NOT",
                "x`y",
                "âge",
                "_x1",
                "2nd",
                "abs",
                "inf",
                "window",
                "roc_auc",
            ];
            let n = 1 + self.below(3) as usize;
            Field::new((0..n).map(|_| self.pick(&NAMES).to_string()).collect())
        }

        /// A value of at most about `budget` nodes.
        fn value(&mut self, budget: &mut u32) -> Value {
            if *budget == 0 || self.below(3) == 0 {
                return if self.below(2) == 0 {
                    Value::Num(self.number())
                } else {
                    Value::Field(self.field())
                };
            }
            *budget -= 1;
            match self.below(4) {
                0 => Value::Neg(Box::new(self.value(budget))),
                1 => Value::Abs(Box::new(self.value(budget))),
                k => {
                    let ops = if k == 2 {
                        [ArithOp::Add, ArithOp::Sub]
                    } else {
                        [ArithOp::Mul, ArithOp::Div]
                    };
                    let first = Box::new(self.value(budget));
                    let rest = (0..1 + self.below(3))
                        .map(|_| (*self.pick(&ops), self.value(budget)))
                        .collect();
                    if k == 2 {
                        Value::Sum(first, rest)
                    } else {
                        Value::Product(first, rest)
                    }
                }
            }
        }

        fn cond(&mut self, budget: &mut u32) -> Cond {
            const OPS: [CmpOp; 6] = [
                CmpOp::Lt,
                CmpOp::Le,
                CmpOp::Gt,
                CmpOp::Ge,
                CmpOp::Eq,
                CmpOp::Ne,
            ];
            if *budget == 0 || self.below(3) == 0 {
                let l = self.value(budget);
                let op = *self.pick(&OPS);
                return Cond::Cmp(l, op, self.value(budget));
            }
            *budget -= 1;
            match self.below(3) {
                0 => Cond::Not(Box::new(self.cond(budget))),
                k => {
                    let items = (0..2 + self.below(2)).map(|_| self.cond(budget)).collect();
                    if k == 1 {
                        Cond::Or(items)
                    } else {
                        Cond::And(items)
                    }
                }
            }
        }

        fn rule(&mut self) -> Rule {
            let mut budget = 12;
            let cond = self.cond(&mut budget);
            let windows = match self.below(4) {
                0 => 1 + self.below(1000),
                1 => u64::MAX,
                _ => 1,
            };
            Rule { cond, windows }
        }
    }

    #[test]
    fn monitor_rules_printing_then_parsing_gives_the_same_rule() {
        let mut g = Gen(0x5EED_2026);
        for i in 0..5000 {
            let r = g.rule();
            let text = r.to_string();
            assert!(
                text.len() <= MAX_RULE_BYTES,
                "case {i}: {} bytes",
                text.len()
            );
            let back = Rule::parse(&text).unwrap_or_else(|e| panic!("case {i}: {text}: {e}"));
            assert_eq!(back, r, "case {i}: {text}");
            assert_eq!(back.to_string(), text, "case {i}");
        }
    }

    /// The 1-based column an error names.
    fn column(message: &str) -> usize {
        let at = message.find(": at ").expect(message) + 5;
        let digits: String = message[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().expect(message)
    }

    #[test]
    fn monitor_rules_mutated_texts_parse_or_fail_with_a_position() {
        // Valid rules with a character inserted, deleted or replaced: each
        // either parses (and then its canonical text reads back the same) or
        // is an invalid input naming a column inside the text or just past it.
        const CHARS: [char; 20] = [
            '(', ')', '-', '+', '*', '/', '<', '>', '=', '!', '`', '.', ' ', 'x', '1', 'e', 'é',
            '&', 'n', 'o',
        ];
        let mut g = Gen(0xFACE_2026);
        let (mut parsed, mut refused) = (0, 0);
        for i in 0..20_000 {
            let mut text: Vec<char> = g.rule().to_string().chars().collect();
            for _ in 0..1 + g.below(3) {
                let at = g.below(text.len() as u64 + 1) as usize;
                match g.below(3) {
                    0 => text.insert(at, *g.pick(&CHARS)),
                    1 if at < text.len() => {
                        text.remove(at);
                    }
                    _ if at < text.len() => text[at] = *g.pick(&CHARS),
                    _ => text.push(*g.pick(&CHARS)),
                }
            }
            let text: String = text.into_iter().collect();
            match Rule::parse(&text) {
                Ok(r) => {
                    parsed += 1;
                    let canonical = r.to_string();
                    assert_eq!(Rule::parse(&canonical).unwrap(), r, "case {i}: {text}");
                }
                Err(Error::InvalidInput(m)) => {
                    refused += 1;
                    if text.len() <= MAX_RULE_BYTES {
                        let col = column(&m);
                        assert!(
                            (1..=text.chars().count() + 1).contains(&col),
                            "case {i}: {text}: {m}"
                        );
                    }
                }
                Err(e) => panic!("case {i}: {text}: {e:?}"),
            }
        }
        // Both outcomes are exercised.
        assert!(
            parsed > 1000 && refused > 1000,
            "{parsed} parsed, {refused} refused"
        );
    }
}
