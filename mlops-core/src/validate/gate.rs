//! Model gates: rules comparing a candidate model's metrics with a
//! baseline's or with fixed bounds, each with its tolerance written out
//! (`auc >= baseline.auc - 0.01`, `latency_p95_ms <= 50`), giving a
//! pass / fail report with every rule's numbers: a promotion gate.
//!
//! A rule is `EXPR OP EXPR` with `OP` one of `<`, `<=`, `>`, `>=`, `==`,
//! `!=`; expressions add, subtract, multiply and divide numbers and
//! metrics, with parentheses. A bare name (or `candidate.name`) is a
//! candidate metric, `baseline.name` the baseline's. Errors name the
//! rule and the position of the offending token.
//!
//! ```
//! use std::collections::BTreeMap;
//! use mlops_core::validate::gate;
//!
//! let cand = BTreeMap::from([("auc".to_string(), 0.905), ("latency_p95_ms".to_string(), 61.0)]);
//! let base = BTreeMap::from([("auc".to_string(), 0.91)]);
//! let r = gate(&cand, Some(&base), &["auc >= baseline.auc - 0.01", "latency_p95_ms <= 50"]).unwrap();
//! assert!(!r.passed);
//! assert!(r.rules[0].passed && !r.rules[1].passed);
//! assert_eq!((r.rules[1].left, r.rules[1].right), (61.0, 50.0));
//!
//! let e = gate(&cand, None, &["auc >= baseline.auc"]).unwrap_err();
//! assert!(e.to_string().contains("baseline.auc"), "{e}");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    /// The rule as written.
    pub rule: String,
    /// The left side's value.
    pub left: f64,
    /// The operator.
    pub op: String,
    /// The right side's value.
    pub right: f64,
    /// Whether the rule holds.
    pub passed: bool,
    /// The metrics the rule read, with their values (`baseline.auc`, `auc`).
    pub metrics: BTreeMap<String, f64>,
}

/// A gate's outcome: every rule, and whether all passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// Whether every rule held.
    pub passed: bool,
    /// Per rule, in order.
    pub rules: Vec<RuleResult>,
}

impl GateReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("gate reports serialise")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(&'static str),
    LParen,
    RParen,
}

fn lex(rule: &str) -> Result<Vec<(Tok, usize)>> {
    let b = rule.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < b.len()
                && (b[i].is_ascii_digit()
                    || b[i] == b'.'
                    || b[i] == b'e'
                    || b[i] == b'E'
                    || ((b[i] == b'-' || b[i] == b'+') && (b[i - 1] == b'e' || b[i - 1] == b'E')))
            {
                i += 1;
            }
            let text = &rule[start..i];
            let v = text
                .parse::<f64>()
                .map_err(|_| bad(rule, start, &format!("'{text}' is not a number")))?;
            out.push((Tok::Num(v), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Name(rule[start..i].to_string()), start));
            continue;
        }
        let two = rule.get(i..i + 2).unwrap_or("");
        let op: &'static str = match two {
            "<=" => "<=",
            ">=" => ">=",
            "==" => "==",
            "!=" => "!=",
            _ => match c {
                '<' => "<",
                '>' => ">",
                '+' => "+",
                '-' => "-",
                '*' => "*",
                '/' => "/",
                '(' => {
                    out.push((Tok::LParen, i));
                    i += 1;
                    continue;
                }
                ')' => {
                    out.push((Tok::RParen, i));
                    i += 1;
                    continue;
                }
                _ => return Err(bad(rule, i, &format!("unexpected character '{c}'"))),
            },
        };
        i += op.len();
        out.push((Tok::Op(op), start));
    }
    Ok(out)
}

fn bad(rule: &str, pos: usize, msg: &str) -> Error {
    Error::InvalidInput(format!("gate rule '{rule}': {msg} at position {pos}"))
}

struct Parser<'a> {
    rule: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
    cand: &'a BTreeMap<String, f64>,
    base: Option<&'a BTreeMap<String, f64>>,
    used: BTreeMap<String, f64>,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.rule.len(), |t| t.1)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }
    fn expr(&mut self) -> Result<f64> {
        let mut v = self.term()?;
        while let Some(Tok::Op(op @ ("+" | "-"))) = self.peek() {
            let op = *op;
            self.at += 1;
            let r = self.term()?;
            v = if op == "+" { v + r } else { v - r };
        }
        Ok(v)
    }
    fn term(&mut self) -> Result<f64> {
        let mut v = self.factor()?;
        while let Some(Tok::Op(op @ ("*" | "/"))) = self.peek() {
            let op = *op;
            self.at += 1;
            let r = self.factor()?;
            v = if op == "*" { v * r } else { v / r };
        }
        Ok(v)
    }
    fn factor(&mut self) -> Result<f64> {
        let pos = self.pos();
        let tok = self.peek().cloned();
        self.at += 1;
        match tok {
            Some(Tok::Num(v)) => Ok(v),
            Some(Tok::Op("-")) => Ok(-self.factor()?),
            Some(Tok::LParen) => {
                let v = self.expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(bad(self.rule, self.pos(), "expected ')'"));
                }
                self.at += 1;
                Ok(v)
            }
            Some(Tok::Name(n)) => {
                let (side, key) = match n.split_once('.') {
                    Some(("baseline", k)) => ("baseline", k),
                    Some(("candidate", k)) => ("candidate", k),
                    _ => ("candidate", n.as_str()),
                };
                let map = if side == "baseline" {
                    self.base.ok_or_else(|| {
                        bad(
                            self.rule,
                            pos,
                            &format!("'{n}' needs baseline metrics, and none were given"),
                        )
                    })?
                } else {
                    self.cand
                };
                let v = map.get(key).copied().ok_or_else(|| {
                    let known: Vec<&str> = map.keys().map(String::as_str).collect();
                    bad(
                        self.rule,
                        pos,
                        &format!(
                            "'{n}': the {side} has no metric '{key}' (it has: {})",
                            known.join(", ")
                        ),
                    )
                })?;
                self.used.insert(n.clone(), v);
                Ok(v)
            }
            Some(t) => Err(bad(
                self.rule,
                pos,
                &format!("expected a number or a metric, found {t:?}"),
            )),
            None => Err(bad(
                self.rule,
                pos,
                "expected a number or a metric, found the end",
            )),
        }
    }
}

/// Evaluates every rule on the candidate's (and the baseline's) metrics.
/// Every rule is parsed before any is judged: a bad rule or a metric that
/// is missing is an [`Error::InvalidInput`] naming the rule and position.
pub fn gate(
    candidate: &BTreeMap<String, f64>,
    baseline: Option<&BTreeMap<String, f64>>,
    rules: &[impl AsRef<str>],
) -> Result<GateReport> {
    let mut out = Vec::new();
    for rule in rules {
        let rule = rule.as_ref();
        let mut p = Parser {
            rule,
            toks: lex(rule)?,
            at: 0,
            cand: candidate,
            base: baseline,
            used: BTreeMap::new(),
        };
        let left = p.expr()?;
        let op = match p.peek() {
            Some(Tok::Op(op @ ("<" | "<=" | ">" | ">=" | "==" | "!="))) => *op,
            _ => {
                return Err(bad(
                    rule,
                    p.pos(),
                    "expected a comparison (<, <=, >, >=, ==, !=)",
                ))
            }
        };
        p.at += 1;
        let right = p.expr()?;
        if p.at < p.toks.len() {
            return Err(bad(rule, p.pos(), "unexpected text after the rule"));
        }
        let passed = match op {
            "<" => left < right,
            "<=" => left <= right,
            ">" => left > right,
            ">=" => left >= right,
            "==" => left == right,
            _ => left != right,
        };
        out.push(RuleResult {
            rule: rule.to_string(),
            left,
            op: op.to_string(),
            right,
            passed,
            metrics: p.used,
        });
    }
    Ok(GateReport {
        passed: out.iter().all(|r| r.passed),
        rules: out,
    })
}
