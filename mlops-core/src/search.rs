//! The registry's filter language: a small boolean expression over the
//! fields of a version.
//!
//! ```text
//! kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9
//! name like 'churn%' and not (alias = 'production' or version < 3)
//! ```
//!
//! Fields: `kind`, `name`, `version`, `message`, `principal`, `time` (Unix
//! ms), `size` (bytes), `aliases` (the aliases pointing at the version, as a
//! set: `aliases = 'production'` holds when `production` is one of them,
//! `aliases != 'production'` when it is not, `aliases is null` when there is
//! none), `alias` (the older spelling: a comparison holds if it holds for
//! any alias),
//! `archived`, `expired` (whether retention expired the version: `expired
//! = true`), `tags.<key>`, `metadata.<key>[.<key>...]` and
//! `metrics.<key>` (`metadata.metrics.<key>`, or `metadata.<key>` when the
//! metadata has no `metrics` object with that key).
//! Operators: `=`, `!=`, `<`, `<=`, `>`, `>=` and `like` (`%` matches any
//! run of characters, `_` one character); `field in (v1, v2, ...)` and
//! `field not in (...)` (shorthand for `=` joined by `or`, and its
//! negation); `field is null` and `field is not null` (`= null`, `!=
//! null`); `and`, `or`, `not`, parentheses.
//!
//! A [`Query`] is a filter (optional) followed by `order by field [asc |
//! desc], ...` and `limit N`: `metrics.auc > 0.9 order by metrics.auc desc
//! limit 5`.
//! Values: `'strings'` (a quote doubled inside), numbers (finite: `1e400`,
//! `inf` and `nan` are refused), `true`, `false`, `null`. A field a version
//! lacks compares as null: `=` and the orderings are false, `!=` is true.
//! Keywords are case-insensitive; `==` is `=`.
//!
//! Limits: parentheses and `not` nest at most [`MAX_DEPTH`] levels; flat
//! chains of `and` / `or` have no limit (they are n-ary nodes, evaluated and
//! dropped without recursion).
//!
//! Errors are [`Error::InvalidInput`] naming the offending token and its
//! position (a character offset from 0; the lexer is shared with gate rules,
//! see [`crate::expr`]).

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{Error, Result};
pub use crate::expr::MAX_DEPTH;
use crate::expr::{self, Depth, Dialect, Tok, Token};

/// The most values an `in (...)` list takes.
pub const MAX_IN_VALUES: usize = 1000;

/// A parsed filter.
///
/// [`Filter::parse`] keeps trees within [`MAX_DEPTH`] levels of `not` and
/// parentheses; evaluation and drop are iterative, so even a tree built by
/// hand of any depth is matched and freed without recursion.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every one holds (an empty list holds).
    And(Vec<Filter>),
    /// At least one holds (an empty list does not).
    Or(Vec<Filter>),
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
    /// `=` (or `==`)
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

/// The message for the token at character `pos`, quoting the text there.
fn message(text: &[char], pos: usize, what: &str) -> String {
    let rest: String = text.iter().skip(pos).take(20).collect();
    let near = if rest.is_empty() {
        "the end".to_string()
    } else {
        format!("'{rest}'")
    };
    format!("search: {what} at position {pos} (near {near})")
}

/// The error for the token at character `pos`.
fn err(text: &[char], pos: usize, what: &str) -> Error {
    Error::InvalidInput(message(text, pos, what))
}

struct Parser<'a> {
    text: &'a [char],
    toks: Vec<Token>,
    at: usize,
    depth: Depth,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.text.len(), |t| t.pos)
    }
    fn tok(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.tok(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }
    fn fail(&self, pos: usize, what: &str) -> Error {
        err(self.text, pos, what)
    }
    /// Opens a nesting level (a `(` or a `not`) at the current token.
    fn enter(&mut self) -> Result<()> {
        let (text, pos) = (self.text, self.pos());
        self.depth.enter(pos, |pos, what| {
            Error::InvalidInput(format!(
                "{}; parentheses and 'not' nest at most {MAX_DEPTH} levels",
                message(text, pos, &what)
            ))
        })
    }
    /// `a or b or ...`: one node for the whole chain.
    fn or(&mut self) -> Result<Filter> {
        let first = self.and()?;
        if !self.keyword("or") {
            return Ok(first);
        }
        let mut terms = vec![first];
        while self.keyword("or") {
            self.at += 1;
            terms.push(self.and()?);
        }
        Ok(Filter::Or(terms))
    }
    /// `a and b and ...`: one node for the whole chain.
    fn and(&mut self) -> Result<Filter> {
        let first = self.not()?;
        if !self.keyword("and") {
            return Ok(first);
        }
        let mut terms = vec![first];
        while self.keyword("and") {
            self.at += 1;
            terms.push(self.not()?);
        }
        Ok(Filter::And(terms))
    }
    fn not(&mut self) -> Result<Filter> {
        if self.keyword("not") {
            self.enter()?;
            self.at += 1;
            let inner = self.not()?;
            self.depth.leave();
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Filter> {
        let pos = self.pos();
        match self.tok().cloned() {
            Some(Tok::Sym("(")) => {
                self.enter()?;
                self.at += 1;
                let f = self.or()?;
                if self.tok() != Some(&Tok::Sym(")")) {
                    return Err(self.fail(self.pos(), "expected ')'"));
                }
                self.at += 1;
                self.depth.leave();
                Ok(f)
            }
            Some(Tok::Word(field)) => {
                if ["and", "or", "not", "order", "limit"]
                    .iter()
                    .any(|k| field.eq_ignore_ascii_case(k))
                {
                    return Err(self.fail(pos, &format!("expected a field, found '{field}'")));
                }
                self.at += 1;
                if self.keyword("is") {
                    self.at += 1;
                    let negated = self.keyword("not");
                    if negated {
                        self.at += 1;
                    }
                    if !self.keyword("null") {
                        return Err(self.fail(self.pos(), "expected 'null' after 'is'"));
                    }
                    self.at += 1;
                    let op = if negated { Op::Ne } else { Op::Eq };
                    return Ok(Filter::Compare {
                        field,
                        op,
                        value: Value::Null,
                    });
                }
                let negated_in = self.keyword("not")
                    && matches!(self.toks.get(self.at + 1).map(|t| &t.tok), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in"));
                if negated_in {
                    self.at += 1;
                }
                if self.keyword("in") {
                    self.at += 1;
                    let set = self.value_list()?;
                    let any = Filter::Or(
                        set.into_iter()
                            .map(|value| Filter::Compare {
                                field: field.clone(),
                                op: Op::Eq,
                                value,
                            })
                            .collect(),
                    );
                    return Ok(if negated_in {
                        Filter::Not(Box::new(any))
                    } else {
                        any
                    });
                }
                let op = match self.tok() {
                    Some(Tok::Sym("=" | "==")) => Op::Eq,
                    Some(Tok::Sym("!=")) => Op::Ne,
                    Some(Tok::Sym("<")) => Op::Lt,
                    Some(Tok::Sym("<=")) => Op::Le,
                    Some(Tok::Sym(">")) => Op::Gt,
                    Some(Tok::Sym(">=")) => Op::Ge,
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
                    _ => {
                        return Err(
                            self.fail(self.pos(), &format!("expected an operator after '{field}'"))
                        )
                    }
                };
                self.at += 1;
                let vpos = self.pos();
                let value = self.value()?;
                if op == Op::Like && !value.is_string() {
                    return Err(self.fail(vpos, "like needs a quoted pattern"));
                }
                Ok(Filter::Compare { field, op, value })
            }
            Some(_) => Err(self.fail(pos, "expected a field or '('")),
            None => Err(self.fail(pos, "expected a condition")),
        }
    }
    /// `(v1, v2, ...)`: at least one value, at most [`MAX_IN_VALUES`].
    fn value_list(&mut self) -> Result<Vec<Value>> {
        if self.tok() != Some(&Tok::Sym("(")) {
            return Err(self.fail(self.pos(), "expected '(' after 'in'"));
        }
        self.at += 1;
        let mut values = vec![self.value()?];
        while self.tok() == Some(&Tok::Sym(",")) {
            self.at += 1;
            if values.len() == MAX_IN_VALUES {
                return Err(self.fail(
                    self.pos(),
                    &format!("'in' takes at most {MAX_IN_VALUES} values"),
                ));
            }
            values.push(self.value()?);
        }
        if self.tok() != Some(&Tok::Sym(")")) {
            return Err(self.fail(self.pos(), "expected ',' or ')'"));
        }
        self.at += 1;
        Ok(values)
    }
    /// A value: a string, a (signed, finite) number, `true`, `false`, `null`.
    fn value(&mut self) -> Result<Value> {
        let vpos = self.pos();
        let negative = self.tok() == Some(&Tok::Sym("-"));
        if negative {
            self.at += 1;
        }
        let sign = if negative { "-" } else { "" };
        let value = match self.tok().cloned() {
            Some(Tok::Num(n)) => serde_json::json!(if negative { -n } else { n }),
            Some(Tok::Word(w)) if expr::is_non_finite_word(&w) => {
                return Err(self.fail(
                    vpos,
                    &format!(
                        "'{sign}{w}' is not a finite number (filters take finite numbers only)"
                    ),
                ))
            }
            Some(Tok::Str(s)) if !negative => Value::String(s),
            Some(Tok::Word(w)) if !negative && w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(Tok::Word(w)) if !negative && w.eq_ignore_ascii_case("false") => {
                Value::Bool(false)
            }
            Some(Tok::Word(w)) if !negative && w.eq_ignore_ascii_case("null") => Value::Null,
            Some(Tok::Word(w)) if !negative => {
                return Err(self.fail(
                    vpos,
                    &format!("expected a value, found '{w}' (quote strings: '{w}')"),
                ))
            }
            _ if negative => return Err(self.fail(vpos, "expected a number after '-'")),
            _ => return Err(self.fail(vpos, "expected a value")),
        };
        self.at += 1;
        Ok(value)
    }
}

impl std::str::FromStr for Filter {
    type Err = Error;

    /// Parses a filter; errors point at the offending token.
    ///
    /// ```
    /// use mlops_core::search::Filter;
    /// let f: Filter = "kind = 'model' and metrics.auc > 0.9".parse().unwrap();
    /// let doc = serde_json::json!({"kind": "model", "metadata": {"metrics": {"auc": 0.93}}});
    /// assert!(f.matches(&doc));
    /// let e = "kind = model".parse::<Filter>().unwrap_err();
    /// assert!(e.to_string().contains("position 7"));
    /// ```
    fn from_str(input: &str) -> Result<Filter> {
        parse_with(input, |p| {
            let f = p.or()?;
            if p.at < p.toks.len() {
                return Err(p.fail(p.pos(), "expected 'and', 'or' or the end"));
            }
            Ok(f)
        })
    }
}

/// Lexes `input` (the filter dialect) and runs `parse` over its tokens.
fn parse_with<T>(input: &str, parse: impl FnOnce(&mut Parser<'_>) -> Result<T>) -> Result<T> {
    let text: Vec<char> = input.chars().collect();
    let fail = |pos: usize, what: String| err(&text, pos, &what);
    let toks = expr::lex(
        &text,
        Dialect {
            dash_in_words: true,
        },
        &fail,
    )?;
    parse(&mut Parser {
        text: &text,
        toks,
        at: 0,
        depth: Depth::default(),
    })
}

/// A filter with an order and a limit: `FILTER order by FIELD [asc|desc],
/// ... limit N`, each part optional (an empty query matches everything, in
/// the caller's own order).
///
/// ```
/// use mlops_core::search::Query;
/// let q: Query = "params.lr in (0.1, 0.01) and metrics.loss.min < 0.3 order by metrics.loss.min limit 5"
///     .parse()
///     .unwrap();
/// assert_eq!(q.order, vec![("metrics.loss.min".to_string(), false)]);
/// assert_eq!(q.limit, Some(5));
/// let e = "order by".parse::<Query>().unwrap_err().to_string();
/// assert!(e.contains("position 8"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// What a hit must match (everything when `None`).
    pub filter: Option<Filter>,
    /// The fields to order by, first first; `true` for descending.
    pub order: Vec<(String, bool)>,
    /// At most this many hits.
    pub limit: Option<usize>,
}

impl std::str::FromStr for Query {
    type Err = Error;

    /// Parses a query; errors point at the offending token.
    fn from_str(input: &str) -> Result<Query> {
        parse_with(input, |p| {
            let mut q = Query::default();
            if !p.toks.is_empty() && !p.keyword("order") && !p.keyword("limit") {
                q.filter = Some(p.or()?);
            }
            if p.keyword("order") {
                p.at += 1;
                if !p.keyword("by") {
                    return Err(p.fail(p.pos(), "expected 'by' after 'order'"));
                }
                p.at += 1;
                loop {
                    let field = match p.tok() {
                        Some(Tok::Word(w))
                            if !["limit", "asc", "desc"]
                                .iter()
                                .any(|k| w.eq_ignore_ascii_case(k)) =>
                        {
                            w.clone()
                        }
                        _ => return Err(p.fail(p.pos(), "expected a field to order by")),
                    };
                    p.at += 1;
                    let mut desc = false;
                    if p.keyword("desc") {
                        desc = true;
                        p.at += 1;
                    } else if p.keyword("asc") {
                        p.at += 1;
                    }
                    q.order.push((field, desc));
                    if p.tok() != Some(&Tok::Sym(",")) {
                        break;
                    }
                    p.at += 1;
                }
            }
            if p.keyword("limit") {
                p.at += 1;
                match p.tok() {
                    Some(Tok::Num(n)) if n.fract() == 0.0 && *n >= 0.0 && *n <= 1e15 => {
                        q.limit = Some(*n as usize);
                        p.at += 1;
                    }
                    _ => return Err(p.fail(p.pos(), "expected a whole number after 'limit'")),
                }
            }
            if p.at < p.toks.len() {
                return Err(p.fail(
                    p.pos(),
                    "expected 'and', 'or', 'order by', 'limit' or the end",
                ));
            }
            Ok(q)
        })
    }
}

impl Query {
    /// The field paths the query reads, its filter's and its `order by`'s,
    /// each once, in first-use order: what a columnar reader must load.
    ///
    /// ```
    /// use mlops_core::search::Query;
    /// let q: Query = "params.lr = 0.1 or not tags.team = 'x' order by metrics.loss.min".parse().unwrap();
    /// assert_eq!(q.fields(), ["params.lr", "tags.team", "metrics.loss.min"]);
    /// ```
    pub fn fields(&self) -> Vec<&str> {
        let mut out = self.filter.as_ref().map_or_else(Vec::new, Filter::fields);
        for (f, _) in &self.order {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// Whether `doc` matches the query's filter (every document does when
    /// there is none).
    pub fn matches(&self, doc: &impl Fields) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(doc))
    }

    /// Orders `hits` by the query's `order by` (stable: ties keep their
    /// order; a missing field sorts last whatever the direction) and keeps
    /// the first `limit`.
    pub fn order_and_limit<T: Fields>(&self, hits: &mut Vec<T>) {
        if !self.order.is_empty() {
            // Each hit's sort key read once (not at every comparison).
            let keys: Vec<Vec<Value>> = hits
                .iter()
                .map(|h| {
                    self.order
                        .iter()
                        .map(|(f, _)| h.field(f).into_owned())
                        .collect()
                })
                .collect();
            let mut idx: Vec<usize> = (0..hits.len()).collect();
            idx.sort_by(|&a, &b| {
                for ((x, y), (_, desc)) in keys[a].iter().zip(&keys[b]).zip(&self.order) {
                    let o = match (x.is_null(), y.is_null()) {
                        (true, true) => std::cmp::Ordering::Equal,
                        (true, false) => std::cmp::Ordering::Greater,
                        (false, true) => std::cmp::Ordering::Less,
                        _ => {
                            let o = order_values(x, y);
                            if *desc {
                                o.reverse()
                            } else {
                                o
                            }
                        }
                    };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            if let Some(n) = self.limit {
                idx.truncate(n);
            }
            let mut slots: Vec<Option<T>> = std::mem::take(hits).into_iter().map(Some).collect();
            *hits = idx
                .into_iter()
                .map(|i| slots[i].take().expect("each index once"))
                .collect();
            return;
        }
        if let Some(n) = self.limit {
            hits.truncate(n);
        }
    }
}

/// A total order on field values for `order by`: numbers (and strings that
/// read as numbers) by value, then strings, then booleans.
fn order_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse::<f64>().ok(),
            _ => None,
        }
    }
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => match (a, b) {
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (Value::String(_), _) => Ordering::Less,
            (_, Value::String(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        },
    }
}

impl std::fmt::Display for Op {
    /// The operator as a filter writes it: `=`, `!=`, `<`, `<=`, `>`, `>=`, `like`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "like",
        })
    }
}

impl std::fmt::Display for Filter {
    /// The filter as text that parses back to the same tree: keywords in
    /// lower case, parentheses only where a nested `and` / `or` needs them,
    /// strings single-quoted with a quote doubled. Recursive, one level per
    /// nesting of the tree (a parsed filter has at most [`MAX_DEPTH`]).
    /// A tree only built by hand may print text that parses to another
    /// tree: an empty `and` / `or` prints `()` (no filter text means it),
    /// a one-term one prints its term.
    ///
    /// ```
    /// use mlops_core::search::Filter;
    /// let f: Filter = "NOT (alias = 'it''s' OR version < -3) and tags.team == 'risk'".parse().unwrap();
    /// assert_eq!(f.to_string(), "not (alias = 'it''s' or version < -3.0) and tags.team = 'risk'");
    /// assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// A term of an `and` (or the operand of a `not`): parenthesised
        /// when it is itself a chain.
        fn term(t: &Filter, chains: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let wrap = match t {
                Filter::Or(_) => true,
                Filter::And(_) => chains,
                _ => false,
            };
            if wrap {
                write!(f, "({t})")
            } else {
                write!(f, "{t}")
            }
        }
        let chain = |terms: &[Filter],
                     sep: &str,
                     f: &mut std::fmt::Formatter<'_>,
                     and: bool|
         -> std::fmt::Result {
            if terms.is_empty() {
                return f.write_str("()");
            }
            for (i, t) in terms.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                // In an `or`, only a nested `or` needs parentheses (an
                // `and` binds tighter); in an `and`, any chain does.
                match (and, t) {
                    (false, Filter::Or(_)) => write!(f, "({t})")?,
                    (false, _) => write!(f, "{t}")?,
                    (true, _) => term(t, true, f)?,
                }
            }
            Ok(())
        };
        match self {
            Filter::And(terms) => chain(terms, " and ", f, true),
            Filter::Or(terms) => chain(terms, " or ", f, false),
            Filter::Not(inner) => {
                f.write_str("not ")?;
                term(inner, true, f)
            }
            Filter::Compare { field, op, value } => {
                write!(f, "{field} {op} ")?;
                match value {
                    Value::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
                    other => write!(f, "{other}"),
                }
            }
        }
    }
}

impl Filter {
    /// The same as `input.parse::<Filter>()` ([`FromStr`](std::str::FromStr)),
    /// kept as a name because the registry's search and many tests call it.
    pub fn parse(input: &str) -> Result<Filter> {
        input.parse()
    }

    /// The field paths the filter compares, each once, in first-use order.
    /// Iterative, as [`Filter::matches`] is.
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut pending = vec![self];
        while let Some(f) = pending.pop() {
            match f {
                Filter::And(terms) | Filter::Or(terms) => pending.extend(terms.iter().rev()),
                Filter::Not(inner) => pending.push(inner),
                Filter::Compare { field, .. } => {
                    if !out.contains(&field.as_str()) {
                        out.push(field);
                    }
                }
            }
        }
        out
    }

    /// Whether a document (a JSON object of the fields, or anything else
    /// that can look its fields up) matches. Iterative: no recursion,
    /// whatever the tree's depth; `and` / `or` stop at the first term that
    /// decides them.
    pub fn matches(&self, doc: &impl Fields) -> bool {
        /// A node being evaluated: its terms, the next one to look at, and
        /// how their results combine.
        enum Frame<'f> {
            All(&'f [Filter], usize),
            Any(&'f [Filter], usize),
            Negate,
        }
        let mut stack: Vec<Frame<'_>> = Vec::new();
        let mut node = self;
        loop {
            // Down to a leaf (or an empty list), pushing the nodes passed.
            let mut result = loop {
                match node {
                    Filter::And(terms) => match terms.first() {
                        Some(first) => {
                            stack.push(Frame::All(terms, 1));
                            node = first;
                        }
                        None => break true,
                    },
                    Filter::Or(terms) => match terms.first() {
                        Some(first) => {
                            stack.push(Frame::Any(terms, 1));
                            node = first;
                        }
                        None => break false,
                    },
                    Filter::Not(inner) => {
                        stack.push(Frame::Negate);
                        node = inner;
                    }
                    Filter::Compare { field, op, value } => {
                        break compare_field(doc, field, *op, value)
                    }
                };
            };
            // Up while the result decides the node above; else on to its next term.
            loop {
                match stack.last_mut() {
                    None => return result,
                    Some(Frame::Negate) => {
                        result = !result;
                        stack.pop();
                    }
                    Some(Frame::All(terms, next)) | Some(Frame::Any(terms, next))
                        if *next == terms.len() =>
                    {
                        stack.pop();
                    }
                    Some(Frame::All(terms, next)) => {
                        if !result {
                            stack.pop();
                        } else {
                            let terms: &[Filter] = terms;
                            node = &terms[*next];
                            *next += 1;
                            break;
                        }
                    }
                    Some(Frame::Any(terms, next)) => {
                        if result {
                            stack.pop();
                        } else {
                            let terms: &[Filter] = terms;
                            node = &terms[*next];
                            *next += 1;
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Frees a tree without recursion: children are moved onto a heap stack
/// and emptied one by one, so no depth of nesting overflows the call stack.
impl Drop for Filter {
    fn drop(&mut self) {
        fn take(f: &mut Filter, into: &mut Vec<Filter>) {
            match f {
                Filter::And(terms) | Filter::Or(terms) => into.append(terms),
                Filter::Not(inner) => {
                    into.push(std::mem::replace(&mut **inner, Filter::And(Vec::new())))
                }
                Filter::Compare { .. } => {}
            }
        }
        let mut pending = Vec::new();
        take(self, &mut pending);
        while let Some(mut f) = pending.pop() {
            take(&mut f, &mut pending);
            // `f` now has no children: dropping it does not recurse.
        }
    }
}

/// Whether the field of `doc` compares with `value` (for `alias`, any of
/// the aliases; for `aliases`, membership: see [`compare_members`]).
fn compare_field(doc: &impl Fields, field: &str, op: Op, value: &Value) -> bool {
    let got = doc.field(field);
    match got.as_ref() {
        Value::Array(items) if field == "alias" => items.iter().any(|g| compare(g, op, value)),
        Value::Array(items) if field == "aliases" => compare_members(items, op, value),
        g => compare(g, op, value),
    }
}

/// A list field compared as a set: `= x` holds when `x` is a member, `!=
/// x` when it is not; `= null` (`is null`) when the list is empty, `!=
/// null` when it is not; `like` and the orderings when some member holds.
fn compare_members(items: &[Value], op: Op, value: &Value) -> bool {
    match (op, value) {
        (Op::Eq, Value::Null) => items.is_empty(),
        (Op::Ne, Value::Null) => !items.is_empty(),
        (Op::Ne, v) => !items.iter().any(|g| compare(g, Op::Eq, v)),
        (op, v) => items.iter().any(|g| compare(g, op, v)),
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
            let f = Filter::parse(q).unwrap();
            assert_eq!(f.matches(&doc), want, "{q}");
            assert_eq!(f.to_string().parse::<Filter>().unwrap(), f, "{q} -> {f}");
        }
    }

    #[test]
    fn filters_print_as_text_that_parses_back_to_them() {
        for (q, printed) in [
            ("kind = 'model'", "kind = 'model'"),
            ("a = 1 or b = 2 and c = 3", "a = 1.0 or b = 2.0 and c = 3.0"),
            (
                "(a = 1 or b = 2) and c = 3",
                "(a = 1.0 or b = 2.0) and c = 3.0",
            ),
            (
                "(a = 1 or b = 2) or c = 3",
                "(a = 1.0 or b = 2.0) or c = 3.0",
            ),
            (
                "(a = 1 and b = 2) and c = 3",
                "(a = 1.0 and b = 2.0) and c = 3.0",
            ),
            ("not not x != null", "not not x != null"),
            (
                "not (x = true and y <= -1.5e300)",
                "not (x = true and y <= -1.5e+300)",
            ),
            ("name LIKE 'o''brien%'", "name like 'o''brien%'"),
            (
                "t >= 0 and t < 10 and t > 1",
                "t >= 0.0 and t < 10.0 and t > 1.0",
            ),
        ] {
            let f: Filter = q.parse().unwrap();
            assert_eq!(f.to_string(), printed, "{q}");
            assert_eq!(printed.parse::<Filter>().unwrap(), f, "{q}");
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
