//! Model gates: rules comparing a candidate model's metrics with a
//! baseline's or with fixed bounds, each with its tolerance written out
//! (`auc >= baseline.auc - 0.01`, `latency_p95_ms <= 50`), giving a
//! pass / fail report with every rule's numbers: a promotion gate.
//!
//! A rule is `EXPR OP EXPR` with `OP` one of `<`, `<=`, `>`, `>=`, `==`,
//! `!=`; expressions add, subtract, multiply and divide numbers and
//! metrics, with parentheses. A bare name (or `candidate.name`) is a
//! candidate metric, `baseline.name` the baseline's. Numbers are finite
//! (`1e400` is refused); parentheses and unary minus nest at most
//! [`MAX_DEPTH`](crate::expr::MAX_DEPTH) levels, while flat chains
//! (`a + b + ...`) have no limit. Errors name the rule and the position of
//! the offending token (a character offset from 0; the lexer is the
//! filter language's, see [`crate::expr`]).
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
use crate::expr::{self, Depth, Dialect, Tok, Token, MAX_DEPTH};

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

/// The error for the token at character `pos` of `rule` (long rules are
/// shortened in the message).
fn bad(rule: &[char], pos: usize, msg: &str) -> Error {
    bad_note(rule, pos, msg, "")
}

/// [`bad`] with a note after the position.
fn bad_note(rule: &[char], pos: usize, msg: &str, note: &str) -> Error {
    const SHOWN: usize = 60;
    let shown: String = if rule.len() > SHOWN + 20 {
        let head: String = rule[..SHOWN].iter().collect();
        format!("{head}... ({} characters)", rule.len())
    } else {
        rule.iter().collect()
    };
    Error::InvalidInput(format!(
        "gate rule '{shown}': {msg} at position {pos}{note}"
    ))
}

struct Parser<'a> {
    rule: &'a [char],
    toks: Vec<Token>,
    at: usize,
    depth: Depth,
    cand: &'a BTreeMap<String, f64>,
    base: Option<&'a BTreeMap<String, f64>>,
    used: BTreeMap<String, f64>,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.rule.len(), |t| t.pos)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.tok)
    }
    /// Opens a nesting level (a `(` or a unary `-`) at character `pos`.
    fn enter(&mut self, pos: usize) -> Result<()> {
        let rule = self.rule;
        self.depth.enter(pos, |pos, what| {
            bad_note(
                rule,
                pos,
                &what,
                &format!(" (parentheses and unary minus nest at most {MAX_DEPTH} levels)"),
            )
        })
    }
    fn expr(&mut self) -> Result<f64> {
        let mut v = self.term()?;
        while let Some(Tok::Sym(op @ ("+" | "-"))) = self.peek() {
            let op = *op;
            self.at += 1;
            let r = self.term()?;
            v = if op == "+" { v + r } else { v - r };
        }
        Ok(v)
    }
    fn term(&mut self) -> Result<f64> {
        let mut v = self.factor()?;
        while let Some(Tok::Sym(op @ ("*" | "/"))) = self.peek() {
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
            Some(Tok::Sym("-")) => {
                self.enter(pos)?;
                let v = -self.factor()?;
                self.depth.leave();
                Ok(v)
            }
            Some(Tok::Sym("(")) => {
                self.enter(pos)?;
                let v = self.expr()?;
                if self.peek() != Some(&Tok::Sym(")")) {
                    return Err(bad(self.rule, self.pos(), "expected ')'"));
                }
                self.at += 1;
                self.depth.leave();
                Ok(v)
            }
            Some(Tok::Word(n)) => {
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
                    let hint = if expr::is_non_finite_word(key) {
                        " (rules take finite numbers only)"
                    } else {
                        ""
                    };
                    bad(
                        self.rule,
                        pos,
                        &format!(
                            "'{n}': the {side} has no metric '{key}' (it has: {}){hint}",
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
                &format!("expected a number or a metric, found {}", t.describe()),
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
        let text: Vec<char> = rule.chars().collect();
        let fail = |pos: usize, what: String| bad(&text, pos, &what);
        let toks = expr::lex(
            &text,
            Dialect {
                dash_in_words: false,
            },
            &fail,
        )?;
        let mut p = Parser {
            rule: &text,
            toks,
            at: 0,
            depth: Depth::default(),
            cand: candidate,
            base: baseline,
            used: BTreeMap::new(),
        };
        let left = p.expr()?;
        let op = match p.peek() {
            Some(Tok::Sym(op @ ("<" | "<=" | ">" | ">=" | "==" | "!="))) => *op,
            _ => {
                return Err(bad(
                    &text,
                    p.pos(),
                    "expected a comparison (<, <=, >, >=, ==, !=)",
                ))
            }
        };
        p.at += 1;
        let right = p.expr()?;
        if p.at < p.toks.len() {
            return Err(bad(&text, p.pos(), "unexpected text after the rule"));
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
