//! The Prometheus exposition formats: a pure encoder from metric families to
//! the text format 0.0.4 (what every Prometheus scrapes) and OpenMetrics
//! 1.0.0 (on request), validated before a byte is written.
//!
//! The monitor maps its window results onto [`Family`]s and [`Sample`]s;
//! [`render`] checks them and writes one of the two formats. The rules
//! follow the Prometheus exposition format documentation, the OpenMetrics
//! 1.0 specification, and the text that `prometheus_client` (the official
//! Python client, 0.26) writes for the same metrics, byte for byte:
//!
//! - **Names.** Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
//!   `[a-zA-Z_][a-zA-Z0-9_]*`. Names beginning with `_` are refused for both:
//!   the text format reserves `__` label names, and OpenMetrics reserves
//!   every label and family name beginning with an underscore, so one set of
//!   families is valid in both formats. A label name appears once in a
//!   sample.
//! - **Counters.** A counter's family name may be given with or without the
//!   `_total` suffix (`rows` and `rows_total` name the same counter, as in
//!   `prometheus_client`'s `CounterMetricFamily`). The text format names the
//!   family and its samples `rows_total` (what `promtool` asks of a
//!   counter); OpenMetrics names the family `rows` and its samples
//!   `rows_total`. A counter's value is never NaN nor negative.
//! - **Units.** A unit (OpenMetrics' `# UNIT` line, written after `# TYPE`)
//!   must be the suffix of the family name after an underscore
//!   (`window_end_timestamp_seconds`, unit `seconds`; for a counter, of the
//!   name without `_total`). The text format 0.0.4 has no unit line; the
//!   rule is checked there too, so the families do not depend on the format.
//! - **Clashes.** No two families may expose the same sample name in either
//!   format: a counter `foo` claims `foo`, `foo_total` and `foo_created` (its
//!   OpenMetrics suffixes), a gauge its own name.
//! - **Series.** Within a family no two samples may have the same label set;
//!   a label with an empty value counts as absent (both formats say so), so
//!   `{a=""}` and `{}` are the same series.
//! - **Help.** Every family has a non-empty help text (`promtool check
//!   metrics` asks for one). It is escaped as the format says: backslash and
//!   newline in the text format, and the double quote too in OpenMetrics.
//!   Label values escape backslash, double quote and newline in both.
//! - **Numbers.** Values are written as `prometheus_client`'s
//!   `floatToGoString` writes them: `+Inf`, `-Inf`, `NaN`, and otherwise
//!   Python's shortest round-trip form (`1.0`, `0.25`, `1e-05`), with Go's
//!   exponent from a million up (`1e+06`, `1.5e+07`), which is the form the
//!   OpenMetrics specification gives as canonical. Timestamps are the
//!   integer milliseconds in the text format and exact decimal seconds in
//!   OpenMetrics (`1700000000.5`), never through a float.
//!
//! **Order.** Families are written in the order given. Within a sample,
//! labels are sorted by name (as `prometheus_client` writes them); within a
//! family, samples are sorted by their sorted label pairs, so the output is a
//! function of the set of samples, not of the order the caller happened to
//! collect them in: two processes holding the same state write the same
//! bytes. Metadata lines come in `prometheus_client`'s and `client_golang`'s
//! order, `# HELP`, `# TYPE`, then `# UNIT` (the OpenMetrics specification
//! recommends TYPE, UNIT, HELP; every parser takes any order). OpenMetrics
//! output ends with `# EOF`.
//!
//! **Bounded label sets.** Every distinct combination of label values is a
//! new time series in Prometheus, kept and indexed for as long as the
//! retention lasts; the naming practice is to keep label values to a small,
//! bounded set and never to put identifiers (request, user or row ids) in
//! labels. [`bound_labels`] keeps the heaviest values of an unbounded set
//! (segments by row count, columns by drift score) and folds the rest into
//! one `other` value.
//!
//! ```
//! use mlops_core::monitor::prometheus::{render, Family, Format, Sample};
//! let families = [
//!     Family::counter("mlops_monitor_rows_total", "Rows logged into the monitor's windows.")
//!         .with_sample(Sample::new(1200.0).label("segment", "DE")),
//!     Family::gauge("mlops_monitor_drift_score", "Drift score of a column against the reference.")
//!         .with_sample(Sample::new(0.25).label("method", "psi").label("column", "age")),
//! ];
//! assert_eq!(
//!     render(&families, Format::Text004)?,
//!     concat!(
//!         "# HELP mlops_monitor_rows_total Rows logged into the monitor's windows.\n",
//!         "# TYPE mlops_monitor_rows_total counter\n",
//!         "mlops_monitor_rows_total{segment=\"DE\"} 1200.0\n",
//!         "# HELP mlops_monitor_drift_score Drift score of a column against the reference.\n",
//!         "# TYPE mlops_monitor_drift_score gauge\n",
//!         "mlops_monitor_drift_score{column=\"age\",method=\"psi\"} 0.25\n",
//!     )
//! );
//! assert!(render(&families, Format::OpenMetrics100)?.ends_with("# EOF\n"));
//! # Ok::<(), mlops_core::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::str::FromStr;

use crate::{Error, Result};

/// The content type of the Prometheus text format 0.0.4.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The content type of the OpenMetrics text format 1.0.0.
pub const CONTENT_TYPE_OPENMETRICS: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The label value [`bound_labels`] folds the values past its bound into.
pub const OTHER_LABEL: &str = "other";

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// A total that only goes up (rows logged, alerts fired); never NaN nor
    /// negative. Its samples are named `<name>_total`.
    Counter,
    /// A value that goes up and down (a drift score, a ratio, a timestamp).
    Gauge,
}

impl MetricType {
    /// The type's name on a `# TYPE` line (the same in both formats).
    pub fn name(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
        }
    }
}

/// Which exposition format [`render`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// The Prometheus text format 0.0.4 (the default, what every Prometheus
    /// server and `promtool` read).
    #[default]
    Text004,
    /// OpenMetrics 1.0.0 text (units, `# EOF`), for scrapers that ask for it.
    OpenMetrics100,
}

impl Format {
    /// The names [`Format::from_str`] accepts, in the order of the variants.
    pub const NAMES: [&'static str; 2] = ["text", "openmetrics"];

    /// The format's short name: `text` or `openmetrics`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text004 => Self::NAMES[0],
            Format::OpenMetrics100 => Self::NAMES[1],
        }
    }

    /// The HTTP content type of the format ([`CONTENT_TYPE_TEXT`] or
    /// [`CONTENT_TYPE_OPENMETRICS`]).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text004 => CONTENT_TYPE_TEXT,
            Format::OpenMetrics100 => CONTENT_TYPE_OPENMETRICS,
        }
    }

    /// The format to answer a scrape with, from its `Accept` header:
    /// OpenMetrics when the header lists `application/openmetrics-text`
    /// (any version; not with `q=0`), the text format otherwise — the choice
    /// `prometheus_client`'s `choose_encoder` makes.
    ///
    /// ```
    /// use mlops_core::monitor::prometheus::Format;
    /// let prometheus = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics100);
    /// assert_eq!(Format::negotiate(Some("text/plain")), Format::Text004);
    /// assert_eq!(Format::negotiate(None), Format::Text004);
    /// ```
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text004;
        };
        for accepted in accept.split(',') {
            let mut params = accepted.split(';');
            let media = params.next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case("application/openmetrics-text") {
                continue;
            }
            let refused = params.any(|p| {
                let (key, value) = p.split_once('=').unwrap_or((p, ""));
                key.trim().eq_ignore_ascii_case("q")
                    && value.trim().parse::<f64>().is_ok_and(|q| q == 0.0)
            });
            if !refused {
                return Format::OpenMetrics100;
            }
        }
        Format::Text004
    }
}

impl FromStr for Format {
    type Err = Error;

    /// `text` or `openmetrics`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "text" => Ok(Format::Text004),
            "openmetrics" => Ok(Format::OpenMetrics100),
            _ => Err(Error::unknown("prometheus format", s, &Self::NAMES)),
        }
    }
}

/// One metric family: a name, its help text, an optional unit, its type and
/// its samples (one per label set).
#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// The family's name (`mlops_monitor_rows_total`); a counter's may end
    /// in `_total` or not (see the module documentation).
    pub name: String,
    /// What the metric means, for people (`# HELP`); must not be empty.
    pub help: String,
    /// The unit (`seconds`, `ratio`), which must be the suffix of the name;
    /// `None` or empty for none.
    pub unit: Option<String>,
    /// Counter or gauge.
    pub kind: MetricType,
    /// The family's samples, in any order (they are written sorted).
    pub samples: Vec<Sample>,
}

impl Family {
    /// A family without samples or unit.
    pub fn new(name: impl Into<String>, help: impl Into<String>, kind: MetricType) -> Self {
        Family {
            name: name.into(),
            help: help.into(),
            unit: None,
            kind,
            samples: Vec::new(),
        }
    }

    /// A counter family without samples or unit.
    pub fn counter(name: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(name, help, MetricType::Counter)
    }

    /// A gauge family without samples or unit.
    pub fn gauge(name: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(name, help, MetricType::Gauge)
    }

    /// The family with a unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// The family with one more sample.
    pub fn with_sample(mut self, sample: Sample) -> Self {
        self.samples.push(sample);
        self
    }

    /// Adds a sample.
    pub fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    /// The name without a counter's `_total` (OpenMetrics' family name).
    fn base_name(&self) -> &str {
        match self.kind {
            MetricType::Counter => self.name.strip_suffix("_total").unwrap_or(&self.name),
            MetricType::Gauge => &self.name,
        }
    }

    /// The unit, if one is given and not empty.
    fn unit(&self) -> Option<&str> {
        self.unit.as_deref().filter(|u| !u.is_empty())
    }
}

/// One sample: a label set, a value and an optional timestamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Label names and values, in any order (they are written sorted by
    /// name); each name at most once.
    pub labels: Vec<(String, String)>,
    /// The value; any float (a counter's neither NaN nor negative).
    pub value: f64,
    /// When the value was observed, in milliseconds since the Unix epoch;
    /// `None` (the usual case) lets the scraper stamp it.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// A sample without labels or timestamp.
    pub fn new(value: f64) -> Self {
        Sample {
            labels: Vec::new(),
            value,
            timestamp_ms: None,
        }
    }

    /// The sample with one more label.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((name.into(), value.into()));
        self
    }

    /// The sample with a timestamp, in milliseconds since the Unix epoch.
    pub fn at(mut self, timestamp_ms: i64) -> Self {
        self.timestamp_ms = Some(timestamp_ms);
        self
    }
}

/// Checks `families` and writes them in `format`.
///
/// Fails with [`Error::InvalidInput`], naming the metric and the label, when
/// a name is not valid, a counter is NaN or negative, a unit is not the
/// name's suffix, a help text is empty, two families clash, or a family has
/// two samples with one label set (the rules are in the module
/// documentation). Nothing is written unless everything is valid.
pub fn render(families: &[Family], format: Format) -> Result<String> {
    let checked = check(families)?;
    let mut out = String::with_capacity(
        families
            .iter()
            .map(|f| 128 + f.help.len() + f.samples.len() * (f.name.len() + 48))
            .sum(),
    );
    for (family, samples) in families.iter().zip(&checked) {
        write_family(&mut out, family, samples, format);
    }
    if format == Format::OpenMetrics100 {
        out.push_str("# EOF\n");
    }
    Ok(out)
}

/// A sample ready to write: its labels sorted by name.
struct Sorted<'a> {
    labels: Vec<(&'a str, &'a str)>,
    sample: &'a Sample,
}

/// Validates every family and sorts their samples; one list per family.
fn check(families: &[Family]) -> Result<Vec<Vec<Sorted<'_>>>> {
    // Every sample name a family can expose in either format, with the
    // family that claimed it first.
    let mut claimed: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::with_capacity(families.len());
    for family in families {
        let name = family.name.as_str();
        check_metric_name(name)?;
        // A valid name does not begin with `_`, so a counter's name without
        // `_total` is never empty, and still valid.
        let base = family.base_name();
        if family.help.is_empty() {
            return Err(invalid(format!(
                "prometheus metric '{name}': the help text is empty"
            )));
        }
        if let Some(unit) = family.unit() {
            if !unit.bytes().all(is_metric_name_byte) {
                return Err(invalid(format!(
                    "prometheus metric '{name}': unit '{unit}' has a character outside [a-zA-Z0-9_:]"
                )));
            }
            let suffixed = base
                .strip_suffix(unit)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('_'));
            if !suffixed {
                let before = match family.kind {
                    MetricType::Counter => " (before '_total')",
                    MetricType::Gauge => "",
                };
                return Err(invalid(format!(
                    "prometheus metric '{name}': the name must end with '_{unit}'{before}, its unit"
                )));
            }
        }
        let exposed: Vec<String> = match family.kind {
            MetricType::Counter => vec![
                base.to_string(),
                format!("{base}_total"),
                format!("{base}_created"),
            ],
            MetricType::Gauge => vec![base.to_string()],
        };
        for sample_name in exposed {
            if let Some(other) = claimed.get(&sample_name) {
                return Err(invalid(format!(
                    "prometheus metric '{name}' clashes with metric '{other}': both would expose '{sample_name}'"
                )));
            }
            claimed.insert(sample_name, name);
        }
        out.push(check_samples(family)?);
    }
    Ok(out)
}

/// Validates a family's samples and returns them sorted by label set.
fn check_samples(family: &Family) -> Result<Vec<Sorted<'_>>> {
    let name = family.name.as_str();
    let mut sorted = Vec::with_capacity(family.samples.len());
    for sample in &family.samples {
        if family.kind == MetricType::Counter && (sample.value.is_nan() || sample.value < 0.0) {
            return Err(invalid(format!(
                "prometheus metric '{name}'{}: a counter cannot be {}",
                describe(&sample.labels),
                go_float(sample.value)
            )));
        }
        let mut labels: Vec<(&str, &str)> = sample
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for (label, _) in &labels {
            check_label_name(name, label)?;
        }
        labels.sort_unstable();
        if let Some(w) = labels.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(invalid(format!(
                "prometheus metric '{name}': label '{}' is given twice in one sample",
                w[0].0
            )));
        }
        sorted.push(Sorted { labels, sample });
    }
    sorted.sort_by(|a, b| a.labels.cmp(&b.labels));
    let mut series = HashSet::with_capacity(sorted.len());
    for s in &sorted {
        let set: Vec<(&str, &str)> = s
            .labels
            .iter()
            .copied()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if !series.insert(set) {
            return Err(invalid(format!(
                "prometheus metric '{name}': two samples have the label set {{{}}} (an empty value counts as no label)",
                s.labels
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| format!("{k}=\"{}\"", escape_quoted(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            )));
        }
    }
    Ok(sorted)
}

/// ` with labels {…}` for an error message, or nothing without labels.
fn describe(labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_quoted(v)))
        .collect();
    format!(" with labels {{{}}}", pairs.join(","))
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

fn is_metric_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, not beginning with `_` (reserved by OpenMetrics).
fn check_metric_name(name: &str) -> Result<()> {
    let valid = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && name.bytes().all(is_metric_name_byte);
    if !valid {
        return Err(invalid(format!(
            "prometheus metric name '{name}' is not valid (it must match [a-zA-Z_:][a-zA-Z0-9_:]*)"
        )));
    }
    if name.starts_with('_') {
        return Err(invalid(format!(
            "prometheus metric name '{name}' begins with '_', which OpenMetrics reserves"
        )));
    }
    Ok(())
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not beginning with `_` (reserved: `__` by
/// Prometheus, any leading underscore by OpenMetrics).
fn check_label_name(metric: &str, label: &str) -> Result<()> {
    let valid = label
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(invalid(format!(
            "prometheus metric '{metric}': label name '{label}' is not valid (it must match [a-zA-Z_][a-zA-Z0-9_]*)"
        )));
    }
    if label.starts_with('_') {
        return Err(invalid(format!(
            "prometheus metric '{metric}': label name '{label}' begins with '_', which is reserved \
             ('__' by Prometheus, any leading underscore by OpenMetrics)"
        )));
    }
    Ok(())
}

fn write_family(out: &mut String, family: &Family, samples: &[Sorted<'_>], format: Format) {
    let base = family.base_name();
    let kind = family.kind.name();
    let (meta_name, sample_name) = match (format, family.kind) {
        (Format::Text004, MetricType::Counter) => {
            let total = format!("{base}_total");
            (total.clone(), total)
        }
        (Format::OpenMetrics100, MetricType::Counter) => {
            (base.to_string(), format!("{base}_total"))
        }
        (_, MetricType::Gauge) => (base.to_string(), base.to_string()),
    };
    let help = match format {
        Format::Text004 => escape_help(&family.help),
        Format::OpenMetrics100 => escape_quoted(&family.help),
    };
    let _ = writeln!(out, "# HELP {meta_name} {help}");
    let _ = writeln!(out, "# TYPE {meta_name} {kind}");
    if format == Format::OpenMetrics100 {
        if let Some(unit) = family.unit() {
            let _ = writeln!(out, "# UNIT {meta_name} {unit}");
        }
    }
    for s in samples {
        out.push_str(&sample_name);
        if !s.labels.is_empty() {
            out.push('{');
            for (i, (k, v)) in s.labels.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
                out.push_str("=\"");
                push_escaped(out, v, true);
                out.push('"');
            }
            out.push('}');
        }
        out.push(' ');
        out.push_str(&go_float(s.sample.value));
        if let Some(ms) = s.sample.timestamp_ms {
            out.push(' ');
            match format {
                Format::Text004 => {
                    let _ = write!(out, "{ms}");
                }
                Format::OpenMetrics100 => push_seconds(out, ms),
            }
        }
        out.push('\n');
    }
}

/// Milliseconds since the epoch as exact decimal seconds: `1700000000.5`,
/// `-1.25`, `12.0` (the form Python's `repr` gives `ms / 1000`).
fn push_seconds(out: &mut String, ms: i64) {
    if ms < 0 {
        out.push('-');
    }
    let abs = ms.unsigned_abs();
    let (secs, millis) = (abs / 1000, abs % 1000);
    let _ = write!(out, "{secs}.");
    if millis == 0 {
        out.push('0');
    } else {
        let frac = format!("{millis:03}");
        out.push_str(frac.trim_end_matches('0'));
    }
}

/// The text format's help escaping: backslash and newline.
fn escape_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, false);
    out
}

/// Label values' escaping (and OpenMetrics help's): backslash, double quote
/// and newline.
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, true);
    out
}

fn push_escaped(out: &mut String, s: &str, quote: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// A value as `prometheus_client`'s `floatToGoString` writes it: `+Inf`,
/// `-Inf`, `NaN`; otherwise Python's `repr`, with a positive value of seven
/// or more integer digits in Go's exponent form (`1e+06`, `1.2345678e+07`).
fn go_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let s = python_repr(x);
    match s.find('.') {
        Some(dot) if x > 0.0 && dot > 6 => {
            // Python: f'{s[0]}.{s[1:dot]}{s[dot + 1:]}'.rstrip('0.') + f'e+{dot - 1:02d}'
            let mantissa = format!("{}.{}{}", &s[..1], &s[1..dot], &s[dot + 1..]);
            let mantissa = mantissa.trim_end_matches(['0', '.']);
            format!("{mantissa}e+{:02}", dot - 1)
        }
        _ => s,
    }
}

/// Python's `repr` of a finite float: the shortest digits that read back to
/// the same float, in fixed notation (with `.0` for a whole number) when the
/// decimal point falls between 10^-4 and 10^16, in exponent notation
/// (`1e-05`, `1.5e+16`, two exponent digits at least) otherwise.
fn python_repr(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // Rust's `{:e}` writes the same shortest round-trip digits: `d.ddde-7`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    // Python's `decpt`: the value is 0.<digits> × 10^decpt.
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.unsigned_abs());
    }
    let n = digits.len() as i32;
    if decpt <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(decpt.unsigned_abs() as usize)
        )
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// What [`bound_labels`] keeps of an unbounded set of label values.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundedLabels {
    kept: Vec<(String, f64)>,
    kept_sorted: Vec<String>,
    folded: Vec<String>,
    other_weight: f64,
}

impl BoundedLabels {
    /// The values kept as labels of their own with their weights, heaviest
    /// first (equal weights by value).
    pub fn kept(&self) -> &[(String, f64)] {
        &self.kept
    }

    /// The values folded into [`OTHER_LABEL`], sorted; empty when nothing
    /// was folded.
    pub fn folded(&self) -> &[String] {
        &self.folded
    }

    /// The sum of the folded values' weights (0 when nothing was folded):
    /// for weights that are counts, the `other` series' count.
    pub fn other_weight(&self) -> f64 {
        self.other_weight
    }

    /// Whether an `other` series is needed (some value was folded).
    pub fn has_other(&self) -> bool {
        !self.folded.is_empty()
    }

    /// The label value to write for `value`: itself when it was kept,
    /// [`OTHER_LABEL`] otherwise (a value never seen included).
    pub fn label<'a>(&self, value: &'a str) -> &'a str {
        match self.kept_sorted.binary_search_by(|k| k.as_str().cmp(value)) {
            Ok(_) => value,
            Err(_) => OTHER_LABEL,
        }
    }
}

/// Bounds a label's values to at most `max` series plus one `other`: keeps
/// the `max` values of largest weight (a segment's rows, a column's drift
/// score; equal weights by value, for a stable choice) and folds the rest
/// into [`OTHER_LABEL`], so that a label never grows past `max + 1` time
/// series however many distinct values the data has.
///
/// A value given more than once counts once, with its weights summed. A
/// value that is literally `other` is always folded (it does not take a
/// kept place), so the `other` series means one thing. A NaN weight is an
/// [`Error::InvalidInput`] naming the value.
///
/// Prometheus' naming practice: every distinct label combination is a new
/// series, stored and indexed until retention drops it, so labels carry
/// small, bounded sets (a method, a severity, a few segments), never
/// identifiers such as request, user or row ids.
///
/// ```
/// use mlops_core::monitor::prometheus::{bound_labels, OTHER_LABEL};
/// let rows = [("DE", 900.0), ("FR", 500.0), ("LU", 3.0), ("AT", 40.0)];
/// let b = bound_labels(rows.iter().map(|(k, w)| (k.to_string(), *w)), 2)?;
/// assert_eq!(b.kept(), &[("DE".to_string(), 900.0), ("FR".to_string(), 500.0)]);
/// assert_eq!(b.folded(), &["AT".to_string(), "LU".to_string()]);
/// assert_eq!(b.other_weight(), 43.0);
/// assert_eq!(b.label("FR"), "FR");
/// assert_eq!(b.label("LU"), OTHER_LABEL);
/// # Ok::<(), mlops_core::Error>(())
/// ```
pub fn bound_labels(
    values: impl IntoIterator<Item = (String, f64)>,
    max: usize,
) -> Result<BoundedLabels> {
    let mut weights: BTreeMap<String, f64> = BTreeMap::new();
    for (value, weight) in values {
        if weight.is_nan() {
            return Err(invalid(format!(
                "label value '{value}': its weight is NaN (bound_labels ranks values by weight)"
            )));
        }
        *weights.entry(value).or_insert(0.0) += weight;
    }
    let mut folded_other = weights.remove_entry(OTHER_LABEL);
    let mut ranked: Vec<(String, f64)> = weights.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rest = ranked.split_off(max.min(ranked.len()));
    let mut folded: Vec<(String, f64)> = rest;
    folded.extend(folded_other.take());
    let other_weight = folded.iter().map(|(_, w)| w).sum();
    let mut folded: Vec<String> = folded.into_iter().map(|(v, _)| v).collect();
    folded.sort_unstable();
    let mut kept_sorted: Vec<String> = ranked.iter().map(|(v, _)| v.clone()).collect();
    kept_sorted.sort_unstable();
    Ok(BoundedLabels {
        kept: ranked,
        kept_sorted,
        folded,
        other_weight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(families: &[Family]) -> String {
        render(families, Format::Text004).unwrap()
    }

    fn om(families: &[Family]) -> String {
        render(families, Format::OpenMetrics100).unwrap()
    }

    fn err(families: &[Family]) -> String {
        let e = render(families, Format::Text004).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        e.to_string()
    }

    #[test]
    fn floats_as_prometheus_client_writes_them() {
        // Each expected string is `prometheus_client.utils.floatToGoString(x)`
        // of prometheus_client 0.26.0 on CPython 3.11.
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.25, "0.25"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (0.0000123, "1.23e-05"),
            (1e-10, "1e-10"),
            (5e-324, "5e-324"),
            (100000.0, "100000.0"),
            (999999.0, "999999.0"),
            (999999.5, "999999.5"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (1234567.5, "1.2345675e+06"),
            (10000000.0, "1e+07"),
            (12345678901.0, "1.2345678901e+10"),
            (1700000000.0, "1.7e+09"),
            (1e15, "1e+15"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-1000000.0, "-1000000.0"),
            (-1e15, "-1000000000000000.0"),
            (-1e16, "-1e+16"),
            (-0.00001, "-1e-05"),
            (123.456, "123.456"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (x, want) in cases {
            assert_eq!(go_float(*x), *want, "{x:?}");
        }
    }

    #[test]
    fn escapes_help_and_label_values_per_format() {
        let f = [Family::gauge("g", "a \\ back\nslash \"quoted\"")
            .with_sample(Sample::new(1.0).label("v", "x\\y\n\"z\""))];
        assert_eq!(
            text(&f),
            "# HELP g a \\\\ back\\nslash \"quoted\"\n\
             # TYPE g gauge\n\
             g{v=\"x\\\\y\\n\\\"z\\\"\"} 1.0\n"
        );
        assert_eq!(
            om(&f),
            "# HELP g a \\\\ back\\nslash \\\"quoted\\\"\n\
             # TYPE g gauge\n\
             g{v=\"x\\\\y\\n\\\"z\\\"\"} 1.0\n\
             # EOF\n"
        );
    }

    #[test]
    fn counters_total_per_format_and_units() {
        for name in ["mlops_monitor_rows_total", "mlops_monitor_rows"] {
            let f = [Family::counter(name, "Rows.").with_sample(Sample::new(3.0))];
            assert_eq!(
                text(&f),
                "# HELP mlops_monitor_rows_total Rows.\n\
                 # TYPE mlops_monitor_rows_total counter\n\
                 mlops_monitor_rows_total 3.0\n"
            );
            assert_eq!(
                om(&f),
                "# HELP mlops_monitor_rows Rows.\n\
                 # TYPE mlops_monitor_rows counter\n\
                 mlops_monitor_rows_total 3.0\n\
                 # EOF\n"
            );
        }
        let f = [
            Family::gauge("w_end_timestamp_seconds", "End.")
                .with_unit("seconds")
                .with_sample(Sample::new(1.7e9)),
            Family::counter("busy_seconds_total", "Busy.")
                .with_unit("seconds")
                .with_sample(Sample::new(0.5)),
        ];
        assert_eq!(
            om(&f),
            "# HELP w_end_timestamp_seconds End.\n\
             # TYPE w_end_timestamp_seconds gauge\n\
             # UNIT w_end_timestamp_seconds seconds\n\
             w_end_timestamp_seconds 1.7e+09\n\
             # HELP busy_seconds Busy.\n\
             # TYPE busy_seconds counter\n\
             # UNIT busy_seconds seconds\n\
             busy_seconds_total 0.5\n\
             # EOF\n"
        );
        // The text format has no unit line.
        assert_eq!(
            text(&f),
            "# HELP w_end_timestamp_seconds End.\n\
             # TYPE w_end_timestamp_seconds gauge\n\
             w_end_timestamp_seconds 1.7e+09\n\
             # HELP busy_seconds_total Busy.\n\
             # TYPE busy_seconds_total counter\n\
             busy_seconds_total 0.5\n"
        );
    }

    #[test]
    fn labels_and_samples_sorted_timestamps_per_format() {
        let f = [Family::gauge("q", "Quality.")
            .with_sample(
                Sample::new(0.5)
                    .label("metric", "f1")
                    .label("kind", "realized"),
            )
            .with_sample(
                Sample::new(0.75)
                    .label("metric", "auc")
                    .label("kind", "realized"),
            )
            .with_sample(
                Sample::new(0.7)
                    .label("metric", "auc")
                    .label("kind", "estimated")
                    .at(1_700_000_000_500),
            )
            .with_sample(Sample::new(f64::NAN).label("kind", "").at(-1_250))
            .with_sample(Sample::new(2.0).label("metric", "x").at(12_000))];
        assert_eq!(
            text(&f),
            "# HELP q Quality.\n\
             # TYPE q gauge\n\
             q{kind=\"\"} NaN -1250\n\
             q{kind=\"estimated\",metric=\"auc\"} 0.7 1700000000500\n\
             q{kind=\"realized\",metric=\"auc\"} 0.75\n\
             q{kind=\"realized\",metric=\"f1\"} 0.5\n\
             q{metric=\"x\"} 2.0 12000\n"
        );
        assert_eq!(
            om(&f),
            "# HELP q Quality.\n\
             # TYPE q gauge\n\
             q{kind=\"\"} NaN -1.25\n\
             q{kind=\"estimated\",metric=\"auc\"} 0.7 1700000000.5\n\
             q{kind=\"realized\",metric=\"auc\"} 0.75\n\
             q{kind=\"realized\",metric=\"f1\"} 0.5\n\
             q{metric=\"x\"} 2.0 12.0\n\
             # EOF\n"
        );
        // The same samples in another order give the same bytes.
        let mut shuffled = f.clone();
        shuffled[0].samples.reverse();
        assert_eq!(text(&shuffled), text(&f));
    }

    #[test]
    fn seconds_are_exact() {
        let cases: &[(i64, &str)] = &[
            (0, "0.0"),
            (1, "0.001"),
            (10, "0.01"),
            (-1, "-0.001"),
            (-1000, "-1.0"),
            (1_700_000_000_123, "1700000000.123"),
            (i64::MAX, "9223372036854775.807"),
            (i64::MIN, "-9223372036854775.808"),
        ];
        for (ms, want) in cases {
            let mut s = String::new();
            push_seconds(&mut s, *ms);
            assert_eq!(s, *want, "{ms}");
        }
    }

    #[test]
    fn empty_families_and_empty_sets() {
        assert_eq!(text(&[]), "");
        assert_eq!(om(&[]), "# EOF\n");
        let f = [Family::gauge("g", "Nothing yet.")];
        assert_eq!(text(&f), "# HELP g Nothing yet.\n# TYPE g gauge\n");
    }

    #[test]
    fn invalid_names_are_refused_naming_them() {
        let g = |name: &str| [Family::gauge(name, "h")];
        assert!(err(&g("")).contains("metric name '' is not valid"));
        assert!(err(&g("1abc")).contains("'1abc' is not valid"));
        assert!(err(&g("a-b")).contains("'a-b' is not valid"));
        assert!(err(&g("drift.score")).contains("'drift.score' is not valid"));
        assert!(err(&g("_x")).contains("'_x' begins with '_'"));
        assert!(err(&[Family::counter("_total", "h")]).contains("'_total' begins with '_'"));
        let l =
            |label: &str| [Family::gauge("m", "h").with_sample(Sample::new(1.0).label(label, "v"))];
        assert!(err(&l("1a")).contains("metric 'm': label name '1a' is not valid"));
        assert!(err(&l("a:b")).contains("label name 'a:b' is not valid"));
        assert!(err(&l("")).contains("label name '' is not valid"));
        assert!(err(&l("__name__")).contains("label name '__name__' begins with '_'"));
        assert!(err(&l("_x")).contains("label name '_x' begins with '_'"));
        // Colons are valid in metric names (recording rules use them).
        assert_eq!(
            text(&g("job:rows:rate5m")),
            "# HELP job:rows:rate5m h\n# TYPE job:rows:rate5m gauge\n"
        );
    }

    #[test]
    fn help_units_and_counters_are_checked() {
        assert!(err(&[Family::gauge("g", "")]).contains("metric 'g': the help text is empty"));
        let e = err(&[Family::gauge("lag", "h").with_unit("seconds")]);
        assert!(
            e.contains("metric 'lag': the name must end with '_seconds'"),
            "{e}"
        );
        let e = err(&[Family::gauge("seconds", "h").with_unit("seconds")]);
        assert!(e.contains("must end with '_seconds'"), "{e}");
        let e = err(&[Family::gauge("lagseconds", "h").with_unit("seconds")]);
        assert!(e.contains("must end with '_seconds'"), "{e}");
        let e = err(&[Family::gauge("a_b c", "h").with_unit("b c")]);
        assert!(e.contains("is not valid"), "{e}");
        let e = err(&[Family::gauge("a_x", "h").with_unit("x-")]);
        assert!(e.contains("metric 'a_x': unit 'x-' has a character"), "{e}");
        // An empty unit is no unit.
        assert_eq!(
            om(&[Family::gauge("g", "h").with_unit("")]),
            "# HELP g h\n# TYPE g gauge\n# EOF\n"
        );
        let e = err(&[
            Family::counter("c_total", "h").with_sample(Sample::new(f64::NAN).label("a", "1"))
        ]);
        assert_eq!(e, "invalid input: prometheus metric 'c_total' with labels {a=\"1\"}: a counter cannot be NaN");
        let e = err(&[Family::counter("c_total", "h").with_sample(Sample::new(-1.0))]);
        assert_eq!(
            e,
            "invalid input: prometheus metric 'c_total': a counter cannot be -1.0"
        );
        // +Inf is a valid counter value, and NaN a valid gauge.
        assert!(
            text(&[Family::counter("c", "h").with_sample(Sample::new(f64::INFINITY))])
                .ends_with("c_total +Inf\n")
        );
    }

    #[test]
    fn clashes_and_duplicate_series_are_refused() {
        let e = err(&[Family::gauge("a", "h"), Family::gauge("a", "h")]);
        assert_eq!(
            e,
            "invalid input: prometheus metric 'a' clashes with metric 'a': both would expose 'a'"
        );
        let e = err(&[
            Family::counter("rows", "h"),
            Family::counter("rows_total", "h"),
        ]);
        assert!(
            e.contains("metric 'rows_total' clashes with metric 'rows'"),
            "{e}"
        );
        let e = err(&[
            Family::counter("rows", "h"),
            Family::gauge("rows_total", "h"),
        ]);
        assert!(e.contains("both would expose 'rows_total'"), "{e}");
        let e = err(&[
            Family::gauge("rows_created", "h"),
            Family::counter("rows", "h"),
        ]);
        assert!(e.contains("both would expose 'rows_created'"), "{e}");
        let e =
            err(&[Family::gauge("m", "h")
                .with_sample(Sample::new(1.0).label("a", "1").label("a", "2"))]);
        assert!(e.contains("metric 'm': label 'a' is given twice"), "{e}");
        let e = err(&[Family::gauge("m", "h")
            .with_sample(Sample::new(1.0).label("a", "1").label("b", "2"))
            .with_sample(Sample::new(2.0).label("b", "2").label("a", "1"))]);
        assert!(
            e.contains("metric 'm': two samples have the label set {a=\"1\",b=\"2\"}"),
            "{e}"
        );
        let e = err(&[Family::gauge("m", "h")
            .with_sample(Sample::new(1.0))
            .with_sample(Sample::new(2.0).label("a", ""))]);
        assert!(e.contains("two samples have the label set {}"), "{e}");
    }

    #[test]
    fn format_names_and_negotiation() {
        assert_eq!("text".parse::<Format>().unwrap(), Format::Text004);
        assert_eq!(
            "openmetrics".parse::<Format>().unwrap(),
            Format::OpenMetrics100
        );
        assert_eq!(
            "json".parse::<Format>().unwrap_err().to_string(),
            "invalid input: unknown prometheus format 'json' (expected text or openmetrics)"
        );
        assert_eq!(
            Format::OpenMetrics100.content_type(),
            CONTENT_TYPE_OPENMETRICS
        );
        assert_eq!(Format::default().content_type(), CONTENT_TYPE_TEXT);
        assert_eq!(
            Format::negotiate(Some("application/openmetrics-text; q=0, text/plain")),
            Format::Text004
        );
        assert_eq!(
            Format::negotiate(Some(" Application/OpenMetrics-Text ;version=0.0.1")),
            Format::OpenMetrics100
        );
        assert_eq!(Format::negotiate(Some("")), Format::Text004);
    }

    #[test]
    fn bound_labels_keeps_the_heaviest() {
        let v = |pairs: &[(&str, f64)]| {
            pairs
                .iter()
                .map(|(k, w)| (k.to_string(), *w))
                .collect::<Vec<_>>()
        };
        let b = bound_labels(
            v(&[("b", 5.0), ("a", 5.0), ("c", 7.0), ("d", 1.0), ("b", 1.0)]),
            2,
        )
        .unwrap();
        assert_eq!(b.kept(), &[("c".to_string(), 7.0), ("b".to_string(), 6.0)]);
        assert_eq!(b.folded(), &["a".to_string(), "d".to_string()]);
        assert_eq!(b.other_weight(), 6.0);
        assert!(b.has_other());
        assert_eq!(
            (b.label("c"), b.label("a"), b.label("never")),
            ("c", "other", "other")
        );
        // Equal weights are broken by value.
        let b = bound_labels(v(&[("y", 1.0), ("x", 1.0), ("z", 1.0)]), 2).unwrap();
        assert_eq!(b.kept(), &[("x".to_string(), 1.0), ("y".to_string(), 1.0)]);
        // Under the bound nothing is folded.
        let b = bound_labels(v(&[("x", 1.0)]), 5).unwrap();
        assert_eq!(
            (b.kept().len(), b.has_other(), b.other_weight()),
            (1, false, 0.0)
        );
        // A value named `other` is always folded.
        let b = bound_labels(v(&[("other", 100.0), ("x", 1.0)]), 5).unwrap();
        assert_eq!(b.kept(), &[("x".to_string(), 1.0)]);
        assert_eq!(
            (b.folded(), b.other_weight()),
            (&["other".to_string()][..], 100.0)
        );
        // max 0 folds everything.
        let b = bound_labels(v(&[("x", 1.0), ("y", 2.0)]), 0).unwrap();
        assert_eq!((b.kept().len(), b.other_weight()), (0, 3.0));
        let e = bound_labels(v(&[("x", f64::NAN)]), 1).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)));
        assert!(e.to_string().contains("label value 'x': its weight is NaN"));
    }
}
