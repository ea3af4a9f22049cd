//! Suites: named, versionable collections of checks (a data contract),
//! read from and written to YAML or JSON. Errors in a suite file name the
//! file, the check's index (`checks[3]`), the field and, where the parser
//! knows it, the line and column. Suites are at most [`MAX_SUITE_BYTES`]
//! long and their YAML nests at most [`MAX_SUITE_DEPTH`] levels.
//!
//! ```
//! use mlops_core::validate::Suite;
//! let yaml = "name: orders\nchecks:\n  - check: not_null\n    column: id\n  - check: values_between\n    column: amount\n    min: 0\n    severity: warn\n";
//! let s = Suite::from_yaml(yaml).unwrap();
//! assert_eq!(s.checks.len(), 2);
//! let again = Suite::from_json(&s.to_json()).unwrap();
//! assert_eq!(again, s);
//!
//! let err = Suite::from_yaml("checks:\n  - check: not_nul\n    column: id\n").unwrap_err();
//! assert!(err.to_string().contains("checks[0]"), "{err}");
//! ```

use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::check::Check;
use crate::error::{Error, Result};

/// The format name written into suite files.
pub const SUITE_FORMAT: &str = "mlops.suite";
/// The suite file format version.
pub const SUITE_VERSION: u32 = 1;
/// The largest suite text (YAML or JSON, a file or a string) read, in
/// bytes: 4 MiB, room for tens of thousands of checks.
pub const MAX_SUITE_BYTES: usize = 4 << 20;
/// How deep a suite's YAML may nest collections (the top-level mapping is
/// level 1; a suite needs about 5). Deeper text is refused before it is
/// loaded, naming the line and column.
pub const MAX_SUITE_DEPTH: usize = 64;

/// Refuses text over [`MAX_SUITE_BYTES`].
fn check_size(len: usize, origin: &str) -> Result<()> {
    if len > MAX_SUITE_BYTES {
        return Err(Error::InvalidInput(format!(
            "{origin}: {len} bytes is larger than the limit for a suite ({MAX_SUITE_BYTES} bytes)"
        )));
    }
    Ok(())
}

/// A named collection of checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Suite {
    /// The suite's name.
    pub name: String,
    /// What the suite is for.
    pub description: Option<String>,
    /// The checks, run in one pass.
    pub checks: Vec<Check>,
    /// The folder the suite was loaded from: relative paths in checks
    /// (reference profiles) resolve against it. Not serialised.
    pub base_dir: Option<PathBuf>,
    /// Where the suite came from (a file path), for error messages. Not serialised.
    pub origin: Option<String>,
}

#[derive(Serialize)]
struct SuiteOut<'a> {
    format: &'static str,
    version: u32,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: &'a Option<String>,
    checks: &'a [Check],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteIn {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    checks: Checks,
}

/// The checks of a suite file, each deserialised with its index so that an
/// error names `checks[i]`.
#[derive(Default)]
struct Checks(Vec<Check>);

impl<'de> Deserialize<'de> for Checks {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Checks;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of checks")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Checks, A::Error> {
                let mut out = Vec::new();
                while let Some(c) = seq.next_element_seed(Indexed(out.len()))? {
                    out.push(c);
                }
                Ok(Checks(out))
            }
        }
        d.deserialize_seq(V)
    }
}

struct Indexed(usize);

impl<'de> DeserializeSeed<'de> for Indexed {
    type Value = Check;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Check, D::Error> {
        Check::deserialize(d).map_err(|e| de::Error::custom(format!("checks[{}]: {e}", self.0)))
    }
}

impl Suite {
    /// The name of a suite built without one (`mlops.Suite()`, `new Suite()`).
    pub const DEFAULT_NAME: &'static str = "suite";

    /// An empty suite with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Suite {
            name: name.into(),
            ..Suite::default()
        }
    }

    /// This suite with one more check (builder style).
    ///
    /// ```
    /// use mlops_core::validate::{Check, CheckKind, Suite};
    /// let s = Suite::new("s")
    ///     .with(CheckKind::NotNull { column: "id".into() })
    ///     .with(Check::from(CheckKind::Unique { column: "id".into() }).mostly(0.99));
    /// assert_eq!(s.checks.len(), 2);
    /// ```
    pub fn with(mut self, check: impl Into<Check>) -> Self {
        self.checks.push(check.into());
        self
    }

    fn from_in(s: SuiteIn, origin: &str) -> Result<Self> {
        if let Some(f) = &s.format {
            if f != SUITE_FORMAT {
                return Err(Error::InvalidInput(format!(
                    "{origin}: field `format` is '{f}', expected '{SUITE_FORMAT}'"
                )));
            }
        }
        if let Some(v) = s.version {
            if v > SUITE_VERSION {
                return Err(Error::Integrity(format!(
                    "{origin}: suite format version {v} is newer than this mlops reads ({SUITE_VERSION})"
                )));
            }
        }
        Ok(Suite {
            name: s.name.unwrap_or_default(),
            description: s.description,
            checks: s.checks.0,
            base_dir: None,
            origin: None,
        })
    }

    /// Reads a suite from JSON; errors name `checks[i]`, the field, line and column.
    pub fn from_json(s: &str) -> Result<Self> {
        Self::from_json_in(s, "suite JSON")
    }

    fn from_json_in(s: &str, origin: &str) -> Result<Self> {
        check_size(s.len(), origin)?;
        let raw: SuiteIn =
            serde_json::from_str(s).map_err(|e| Error::InvalidInput(format!("{origin}: {e}")))?;
        Self::from_in(raw, origin)
    }

    /// Reads a suite from YAML; errors name `checks[i]`, the field, line and column.
    pub fn from_yaml(s: &str) -> Result<Self> {
        Self::from_yaml_in(s, "suite YAML")
    }

    fn from_yaml_in(s: &str, origin: &str) -> Result<Self> {
        check_size(s.len(), origin)?;
        if let Some((line, column)) = super::yaml_depth::first_too_deep(s, MAX_SUITE_DEPTH) {
            return Err(Error::InvalidInput(format!(
                "{origin}: nesting too deep at line {line} column {column} \
                 (collections nest at most {MAX_SUITE_DEPTH} levels)"
            )));
        }
        let raw: SuiteIn = yaml_serde::from_str(s).map_err(|e| {
            Error::InvalidInput(format!("{origin}: {}", yaml_message(s, &e.to_string())))
        })?;
        Self::from_in(raw, origin)
    }

    /// Reads a suite file: `.json` as JSON, anything else (`.yaml`, `.yml`) as YAML.
    /// At most [`MAX_SUITE_BYTES`] are read.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        use std::io::Read;
        let path = path.as_ref();
        let origin = format!("suite file {}", path.display());
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SUITE_BYTES as u64 + 1).read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
        check_size(bytes.len(), &origin)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::InvalidInput(format!(
                "{origin}: not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        let mut s = if path.extension().and_then(|e| e.to_str()) == Some("json") {
            Self::from_json_in(&text, &origin)?
        } else {
            Self::from_yaml_in(&text, &origin)?
        };
        s.base_dir = path.parent().map(Path::to_path_buf);
        s.origin = Some(path.display().to_string());
        Ok(s)
    }

    /// Writes the suite: JSON for a `.json` path, YAML otherwise.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = if path.extension().and_then(|e| e.to_str()) == Some("json") {
            self.to_json()
        } else {
            self.to_yaml()
        };
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    fn out(&self) -> SuiteOut<'_> {
        SuiteOut {
            format: SUITE_FORMAT,
            version: SUITE_VERSION,
            name: &self.name,
            description: &self.description,
            checks: &self.checks,
        }
    }

    /// The suite as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.out()).expect("suites serialise")
    }

    /// The suite as YAML.
    pub fn to_yaml(&self) -> String {
        yaml_serde::to_string(&self.out()).expect("suites serialise")
    }

    /// Checks every check's arguments (as loading does); errors name `checks[i]`.
    pub fn validate_spec(&self) -> Result<()> {
        for (i, c) in self.checks.iter().enumerate() {
            c.validate().map_err(|e| {
                Error::InvalidInput(format!("{}checks[{i}]: {e}", self.place_prefix()))
            })?;
        }
        Ok(())
    }

    /// `suite file X: ` or `suite 'name': `, for messages.
    pub(crate) fn place_prefix(&self) -> String {
        match (&self.origin, self.name.is_empty()) {
            (Some(o), _) => format!("suite file {o}: "),
            (None, false) => format!("suite '{}': ", self.name),
            (None, true) => String::new(),
        }
    }
}

/// The YAML parser's message, with the line of the check it names: the
/// parser reports errors inside a check at the start of the `checks` list,
/// so the line of item `i` of that list is looked up in the text (block
/// style; flow-style lists keep the parser's position).
fn yaml_message(text: &str, msg: &str) -> String {
    let msg = msg.replace("checks: checks[", "checks[");
    let index = msg
        .find("checks[")
        .and_then(|at| msg[at + 7..].split(']').next())
        .and_then(|n| n.parse::<usize>().ok());
    let (Some(index), Some(cut)) = (index, msg.rfind(" at line ")) else {
        return msg;
    };
    match check_line(text, index) {
        Some(line) => format!("{} at line {line}", &msg[..cut]),
        None => msg,
    }
}

/// The 1-based line where item `index` of the top-level `checks:` block list starts.
fn check_line(text: &str, index: usize) -> Option<usize> {
    let mut lines = text.lines().enumerate();
    lines.find(|(_, l)| l.trim_end() == "checks:")?;
    let mut indent = None;
    let mut seen = 0;
    for (n, l) in lines {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ind = l.len() - trimmed.len();
        if !trimmed.starts_with('-') {
            if ind == 0 {
                return None;
            }
            continue;
        }
        let want = *indent.get_or_insert(ind);
        if ind == want {
            if seen == index {
                return Some(n + 1);
            }
            seen += 1;
        }
    }
    None
}
