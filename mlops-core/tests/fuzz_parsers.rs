//! Property tests over the parsers of user text: the search filter
//! language, gate rules and suites. Random and adversarial strings (token
//! soup, unicode, deep nesting, huge numbers) never panic and fail only
//! with typed errors naming a position; valid expressions, written out and
//! parsed back, evaluate as a reference evaluator says.
//!
//! Sizes stay small here (nesting up to a few hundred levels), so nothing
//! in these cases can exhaust the stack even if a limit regressed; the
//! huge inputs that once aborted run crash-isolated in `parser_limits.rs`.

use std::collections::BTreeMap;

use mlops_core::error::Error;
use mlops_core::search::{Filter, MAX_DEPTH};
use mlops_core::validate::{gate, Suite};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The message of an `InvalidInput` error; anything else fails the case.
/// `inner` inside one level per entry of `levels`: a `(` (closed after
/// `inner`) for true, `unary` for false; with the character position each
/// level opens at.
fn nested(levels: &[bool], unary: &str, inner: &str) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut starts = Vec::new();
    for paren in levels {
        starts.push(text.chars().count());
        text.push_str(if *paren { "(" } else { unary });
    }
    text.push_str(inner);
    text.push_str(&")".repeat(levels.iter().filter(|p| **p).count()));
    (text, starts)
}

fn invalid(e: Error) -> std::result::Result<String, TestCaseError> {
    match e {
        Error::InvalidInput(m) => Ok(m),
        other => Err(TestCaseError::fail(format!("not InvalidInput: {other:?}"))),
    }
}

/// Pieces of filters and rules, valid and not, glued in any order.
fn soup_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just(" and ".to_string()),
        Just(" or ".to_string()),
        Just("not ".to_string()),
        Just(" like ".to_string()),
        prop::sample::select(vec![
            "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "!"
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec![
            "kind",
            "version",
            "tags.team",
            "metrics.auc",
            "baseline.auc",
            "auc",
            "inf",
            "NaN",
            "null",
            "true"
        ])
        .prop_map(str::to_string),
        "'[a-zé'%_ ]{0,6}'?".prop_map(|s| s),
        prop::num::f64::ANY.prop_map(|f| format!("{f}")),
        (1u32..999, any::<bool>())
            .prop_map(|(e, neg)| format!("{}1e{e}", if neg { "-" } else { "" })),
        "[0-9.eE+_x-]{1,6}",
        any::<char>().prop_map(|c| c.to_string()),
        "[ \t\n]{1,2}",
    ]
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(soup_piece(), 0..24).prop_map(|v| v.concat())
}

/// A filter tree (shallow), written out with explicit parentheses.
#[derive(Debug, Clone)]
enum F {
    And(Vec<F>),
    Or(Vec<F>),
    Not(Box<F>),
    Cmp(&'static str, &'static str, Value),
}

fn leaf() -> impl Strategy<Value = F> {
    let field = prop::sample::select(vec!["version", "size", "tags.team", "metrics.auc", "name"]);
    let op = prop::sample::select(vec!["=", "!=", "<", "<=", ">", ">="]);
    let value = prop_oneof![
        (-5i64..5).prop_map(|v| json!(v)),
        (-1e6f64..1e6).prop_map(|v| json!(v)),
        prop::sample::select(vec!["risk", "ops", "a'b", "é"]).prop_map(|s| json!(s)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
    ];
    (field, op, value).prop_map(|(f, o, v)| F::Cmp(f, o, v))
}

fn tree() -> impl Strategy<Value = F> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(F::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(F::Or),
            inner.prop_map(|f| F::Not(Box::new(f))),
        ]
    })
}

fn render(f: &F) -> String {
    let list = |v: &[F], joiner: &str| {
        let parts: Vec<String> = v.iter().map(|x| format!("({})", render(x))).collect();
        parts.join(joiner)
    };
    match f {
        F::And(v) => list(v, " and "),
        F::Or(v) => list(v, " OR "),
        F::Not(x) => format!("not ({})", render(x)),
        F::Cmp(field, op, value) => {
            let v = match value {
                Value::String(s) => format!("'{}'", s.replace('\'', "''")),
                Value::Number(n) => format!("{}", n.as_f64().unwrap()),
                other => other.to_string(),
            };
            format!("{field} {op} {v}")
        }
    }
}

/// The reference: the documented semantics, written plainly.
fn reference(f: &F, doc: &Value) -> bool {
    match f {
        F::And(v) => v.iter().all(|x| reference(x, doc)),
        F::Or(v) => v.iter().any(|x| reference(x, doc)),
        F::Not(x) => !reference(x, doc),
        F::Cmp(field, op, want) => {
            let got = match field.strip_prefix("metrics.") {
                Some(k) => doc["metadata"]["metrics"].get(k).cloned(),
                None => field.split('.').try_fold(doc, |v, k| v.get(k)).cloned(),
            }
            .unwrap_or(Value::Null);
            let ord = match (&got, want) {
                (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
                (Value::Number(a), Value::Number(b)) => {
                    a.as_f64().unwrap().partial_cmp(&b.as_f64().unwrap())
                }
                (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
                (Value::String(a), Value::Number(b)) => a
                    .parse::<f64>()
                    .ok()
                    .and_then(|a| a.partial_cmp(&b.as_f64().unwrap())),
                _ => None,
            };
            use std::cmp::Ordering::*;
            match (*op, ord) {
                ("!=", None) => true,
                (_, None) => false,
                ("=", Some(o)) => o == Equal,
                ("!=", Some(o)) => o != Equal,
                ("<", Some(o)) => o == Less,
                ("<=", Some(o)) => o != Greater,
                (">", Some(o)) => o == Greater,
                (_, Some(o)) => o != Less,
            }
        }
    }
}

fn document() -> impl Strategy<Value = Value> {
    (
        prop::option::of(-5i64..5),
        prop::option::of(-1e6f64..1e6),
        prop::option::of(prop::sample::select(vec!["risk", "ops", "a'b", "é", "3"])),
        prop::option::of(-1e6f64..1e6),
    )
        .prop_map(|(version, size, team, auc)| {
            let mut d =
                json!({"kind": "model", "name": "churn", "tags": {}, "metadata": {"metrics": {}}});
            if let Some(v) = version {
                d["version"] = json!(v);
            }
            if let Some(s) = size {
                d["size"] = json!(s);
            }
            if let Some(t) = team {
                d["tags"]["team"] = json!(t);
            }
            if let Some(a) = auc {
                d["metadata"]["metrics"]["auc"] = json!(a);
            }
            d
        })
}

/// An arithmetic expression of gate rules (shallow).
#[derive(Debug, Clone)]
enum E {
    Num(f64),
    Metric(&'static str),
    Neg(Box<E>),
    Bin(Box<E>, char, Box<E>),
}

fn arith() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![
        (-1e3f64..1e3).prop_map(E::Num),
        prop::sample::select(vec!["auc", "baseline.auc", "candidate.latency"]).prop_map(E::Metric),
    ];
    leaf.prop_recursive(4, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| E::Neg(Box::new(e))),
            (
                inner.clone(),
                prop::sample::select(vec!['+', '-', '*', '/']),
                inner
            )
                .prop_map(|(a, op, b)| E::Bin(Box::new(a), op, Box::new(b))),
        ]
    })
}

fn render_e(e: &E) -> String {
    match e {
        // `{:e}` keeps every digit: the rule reads back the same f64.
        E::Num(v) if *v < 0.0 => format!("(-{:e})", -v),
        E::Num(v) => format!("{v:e}"),
        E::Metric(m) => m.to_string(),
        E::Neg(x) => format!("-({})", render_e(x)),
        E::Bin(a, op, b) => format!("({}) {op} ({})", render_e(a), render_e(b)),
    }
}

fn eval_e(e: &E, m: &BTreeMap<&str, f64>) -> f64 {
    match e {
        E::Num(v) => *v,
        E::Metric(k) => m[k],
        E::Neg(x) => -eval_e(x, m),
        E::Bin(a, op, b) => {
            let (a, b) = (eval_e(a, m), eval_e(b, m));
            match op {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                _ => a / b,
            }
        }
    }
}

/// YAML-ish text: indicators, quotes, indentation and words.
fn yaml_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "[", "]", "{", "}", ", ", ": ", "- ", "\n", "\n  ", "\n    ", "'", "\"", "#", "&a ",
            "*a", "!!str ", "? ", "checks", "check", "not_null", "column", "name", "x", "1e400",
            "-", "|\n  ", "é",
        ])
        .prop_map(str::to_string),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any text: a filter, or an InvalidInput naming a position.
    #[test]
    fn filter_soup_parses_or_names_a_position(q in soup()) {
        match Filter::parse(&q) {
            Ok(f) => {
                // Whatever parsed evaluates (iteratively) and drops.
                let _ = f.matches(&json!({"kind": "model", "version": 1}));
            }
            Err(e) => {
                let m = invalid(e)?;
                prop_assert!(m.starts_with("search: ") && m.contains(" at position "), "{q:?}: {m}");
                // The position is a character offset into the input.
                let pos: usize = m.split(" at position ").nth(1).unwrap()
                    .split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
                prop_assert!(pos <= q.chars().count(), "{q:?}: {m}");
            }
        }
    }

    /// Any text: a gate report, or an InvalidInput naming the rule's position.
    #[test]
    fn gate_soup_evaluates_or_names_a_position(rule in soup()) {
        let cand = BTreeMap::from([("auc".to_string(), 0.9)]);
        let base = BTreeMap::from([("auc".to_string(), 0.91)]);
        match gate(&cand, Some(&base), &[&rule]) {
            Ok(r) => prop_assert_eq!(r.rules.len(), 1),
            Err(e) => {
                let m = invalid(e)?;
                prop_assert!(m.starts_with("gate rule '") && m.contains(" at position "), "{rule:?}: {m}");
            }
        }
    }

    /// Written out and parsed back, a filter evaluates as the reference says,
    /// and prints as text that parses back to the same tree.
    #[test]
    fn filters_round_trip_and_evaluate_as_documented(f in tree(), docs in prop::collection::vec(document(), 1..6)) {
        let text = render(&f);
        let parsed = Filter::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let printed = parsed.to_string();
        let reparsed = printed.parse::<Filter>().map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&reparsed, &parsed, "{} printed as {}", text, printed);
        for d in &docs {
            prop_assert_eq!(parsed.matches(d), reference(&f, d), "{} on {}", text, d);
        }
    }

    /// Written out, a gate expression computes what the reference computes.
    #[test]
    fn gate_rules_round_trip_and_compute_as_documented(e in arith(), auc in -1e3f64..1e3, base in -1e3f64..1e3, lat in 0f64..1e3) {
        let cand = BTreeMap::from([("auc".to_string(), auc), ("latency".to_string(), lat)]);
        let baseline = BTreeMap::from([("auc".to_string(), base)]);
        let rule = format!("{} <= 0", render_e(&e));
        let r = gate(&cand, Some(&baseline), &[&rule]).map_err(|x| TestCaseError::fail(format!("{rule}: {x}")))?;
        let want = eval_e(&e, &BTreeMap::from([("auc", auc), ("baseline.auc", base), ("candidate.latency", lat)]));
        let got = r.rules[0].left;
        prop_assert!(got == want || (got.is_nan() && want.is_nan()), "{}: {} vs {}", rule, got, want);
        prop_assert_eq!(r.rules[0].passed, want <= 0.0);
    }

    /// Nesting: accepted up to the limit, refused past it at the level's position.
    #[test]
    fn nesting_is_limited_at_the_opening_token(levels in prop::collection::vec(any::<bool>(), 0..200)) {
        // Each level is a '(' (closed at the end) or a `not`.
        let (q, starts) = nested(&levels, "not ", "version = 1");
        let r = Filter::parse(&q);
        if levels.len() <= MAX_DEPTH {
            let f = r.map_err(|e| TestCaseError::fail(format!("{q}: {e}")))?;
            let negations = levels.iter().filter(|p| !**p).count();
            prop_assert_eq!(f.matches(&json!({"version": 1})), negations % 2 == 0);
        } else {
            let m = invalid(r.unwrap_err())?;
            let want = format!("nesting too deep at position {}", starts[MAX_DEPTH]);
            prop_assert!(m.contains(&want), "{}", m);
        }
        // Gate rules: parentheses and unary minus.
        let (mut rule, starts) = nested(&levels, "-", "2");
        rule.push_str(" != 0");
        let r = gate(&BTreeMap::<String, f64>::new(), None, &[&rule]);
        if levels.len() <= MAX_DEPTH {
            let r = r.map_err(|e| TestCaseError::fail(format!("{rule}: {e}")))?;
            let negations = levels.iter().filter(|p| !**p).count();
            prop_assert_eq!(r.rules[0].left, if negations % 2 == 0 { 2.0 } else { -2.0 });
        } else {
            let m = invalid(r.unwrap_err())?;
            let want = format!("nesting too deep at position {}", starts[MAX_DEPTH]);
            prop_assert!(m.contains(&want), "{}", m);
        }
    }

    /// Numbers: finite ones are read exactly, others are refused at their position.
    #[test]
    fn numbers_are_finite_or_refused(mantissa in 1u32..10, exp in 250i32..420, neg in any::<bool>()) {
        let n = format!("{}{mantissa}e{exp}", if neg { "-" } else { "" });
        let value: f64 = n.parse().unwrap();
        let q = format!("size < {n}");
        let rule = format!("1 < {n}");
        let f = Filter::parse(&q);
        let g = gate(&BTreeMap::<String, f64>::new(), None, &[&rule]);
        if value.is_finite() {
            let f = f.map_err(|e| TestCaseError::fail(format!("{q}: {e}")))?;
            prop_assert_eq!(f.matches(&json!({"size": 0})), 0.0 < value);
            prop_assert_eq!(g.unwrap().rules[0].right, value);
        } else {
            let m = invalid(f.unwrap_err())?;
            // The number (after its sign) starts at character 7 (or 8).
            let at = if neg { 8 } else { 7 };
            prop_assert!(m.contains("not a finite number") && m.contains(&format!("position {at}")), "{}", m);
            let m = invalid(g.unwrap_err())?;
            prop_assert!(m.contains("not a finite number") && m.contains(&format!("position {}", at - 3)), "{}", m);
        }
    }

    /// Unicode anywhere outside strings is shown as written, at its character offset.
    #[test]
    fn unicode_is_shown_as_written(prefix in "[a-z ]{0,5}", c in any::<char>().prop_filter("not ASCII", |c| !c.is_ascii() && !c.is_whitespace())) {
        let q = format!("kind = 'é' and {prefix}{c}");
        let m = invalid(Filter::parse(&q).unwrap_err())?;
        let at = "kind = 'é' and ".chars().count() + prefix.chars().count();
        let shown = c.escape_debug().to_string();
        prop_assert!(m.contains(&format!("unexpected character '{shown}' at position {at}")), "{}", m);
    }

    /// Any YAML-ish text: a suite, or a typed error (never a panic).
    #[test]
    fn suite_soup_loads_or_is_refused(text in yaml_soup()) {
        match Suite::from_yaml(&text) {
            Ok(_) => {}
            Err(Error::InvalidInput(m)) => prop_assert!(m.starts_with("suite YAML: "), "{}", m),
            Err(Error::Integrity(m)) => prop_assert!(m.contains("newer"), "{}", m),
            Err(other) => prop_assert!(false, "{:?}: {:?}", text, other),
        }
    }

    /// Nested YAML: accepted up to the limit, refused past it naming the place.
    #[test]
    fn suite_nesting_is_limited(depth in 1usize..150, flow in any::<bool>()) {
        // `checks` holds one check whose `column` nests `depth` levels.
        let text = if flow {
            format!("checks: [{{check: not_null, column: {}x{}}}]\n", "[".repeat(depth), "]".repeat(depth))
        } else {
            let mut t = String::from("checks:\n  - check: not_null\n    column:\n");
            for i in 0..depth {
                t.push_str(&" ".repeat(6 + 2 * i));
                t.push_str("- \n");
            }
            t
        };
        // Levels: the top mapping, `checks`, the check, then the nesting.
        let total = 3 + depth;
        match Suite::from_yaml(&text) {
            Err(Error::InvalidInput(m)) if total > 64 => prop_assert!(m.contains("nesting too deep at line"), "{}", m),
            Err(Error::InvalidInput(m)) => prop_assert!(!m.contains("nesting too deep"), "{}", m),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
