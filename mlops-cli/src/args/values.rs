//! The typed values of the command line: closed sets parsed by the
//! core's own parsers and listed in `--help` by the core's names, asset
//! references (`KIND/NAME@VERSION`) and per-column drift specs.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use mlops_core::drift::{ColumnOptions, Correction, Method, ALL_METHODS};
use mlops_core::governance::Role;
use mlops_core::monitor::Task;
use mlops_core::package::{ExportTarget, Flavor};
use mlops_core::registry::{AssetRef, Kind};
use mlops_core::Error;

/// A value of a closed set, parsed by the core's own parser (so a bad value
/// gets the core's message, naming the valid ones) and listed in `--help`
/// by the core's names.
#[derive(Clone)]
pub struct Choice<T: 'static> {
    values: &'static [T],
    name: fn(&T) -> &'static str,
    parse: fn(&str) -> Result<T, Error>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Choice<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        // clap's parser for functions keeps the core's error as the source,
        // which `main` reports as every other core error.
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.values
                .iter()
                .map(|v| PossibleValue::new((self.name)(v))),
        ))
    }
}

/// Lists the variants of a core enum, checked complete at compile time (a
/// variant added to the core and not here does not build).
macro_rules! every {
    ($ty:ident { $($v:ident),+ $(,)? }) => {{
        const _: () = {
            #[allow(dead_code)]
            fn complete(x: $ty) {
                match x {
                    $($ty::$v)|+ => {}
                }
            }
        };
        const ALL: &[$ty] = &[$($ty::$v),+];
        ALL
    }};
}

/// The asset kinds.
pub fn kinds() -> Choice<Kind> {
    Choice {
        values: every!(Kind {
            Dataset,
            Model,
            Artifact,
            Profile
        }),
        name: Kind::as_str,
        parse: str::parse::<Kind>,
    }
}

/// The policy roles.
pub fn roles() -> Choice<Role> {
    Choice {
        values: every!(Role {
            Reader,
            Writer,
            Approver,
            Admin
        }),
        name: Role::as_str,
        parse: str::parse::<Role>,
    }
}

/// The drift methods.
pub fn methods() -> Choice<Method> {
    Choice {
        values: &ALL_METHODS,
        name: Method::name,
        parse: str::parse::<Method>,
    }
}

/// The multiple-testing corrections.
pub fn corrections() -> Choice<Correction> {
    Choice {
        values: every!(Correction {
            None,
            Bonferroni,
            BenjaminiHochberg
        }),
        name: Correction::as_str,
        parse: str::parse::<Correction>,
    }
}

/// The model package flavors.
pub fn flavors() -> Choice<Flavor> {
    Choice {
        values: every!(Flavor {
            Sklearn,
            Xgboost,
            Lightgbm,
            Pytorch,
            Onnx,
            Custom
        }),
        name: Flavor::as_str,
        parse: str::parse::<Flavor>,
    }
}

/// The model servers a package exports to.
pub fn export_targets() -> Choice<ExportTarget> {
    Choice {
        values: every!(ExportTarget {
            Mlserver,
            Kserve,
            Triton,
            Tfserving
        }),
        name: ExportTarget::as_str,
        parse: str::parse::<ExportTarget>,
    }
}

/// The kinds of predictions a monitor knows.
pub fn tasks() -> Choice<Task> {
    Choice {
        values: every!(Task {
            Binary,
            Multiclass,
            Regression
        }),
        name: |t| t.as_str(),
        parse: str::parse::<Task>,
    }
}

/// A monitor's reference: `[dataset/]NAME@VERSION`, the version a number,
/// an alias or `latest` (resolved by the engine).
pub fn dataset_version(s: &str) -> Result<(String, String), Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "--reference '{s}': expected NAME@VERSION or dataset/NAME@VERSION, e.g. churn-train@3"
        ))
    };
    let rest = match s.split_once('/') {
        Some((kind, rest)) => {
            if kind.parse::<Kind>()? != Kind::Dataset {
                return Err(Error::InvalidInput(format!(
                    "--reference '{s}': a monitor's reference is a dataset, not a {kind}"
                )));
            }
            rest
        }
        None => s,
    };
    let (name, version) = rest.rsplit_once('@').ok_or_else(bad)?;
    if name.is_empty() || version.is_empty() {
        return Err(bad());
    }
    Ok((name.to_string(), version.to_string()))
}

/// `KIND/NAME@VERSION`.
pub fn asset_ref(s: &str) -> Result<AssetRef, Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "'{s}': expected KIND/NAME@VERSION, e.g. dataset/churn@3"
        ))
    };
    let (kind, rest) = s.split_once('/').ok_or_else(bad)?;
    let (name, version) = rest.rsplit_once('@').ok_or_else(bad)?;
    Ok(AssetRef {
        kind: kind.parse::<Kind>()?,
        name: name.to_string(),
        version: version.parse().map_err(|_| bad())?,
    })
}

/// A `--column-method` value: a column and its method and/or threshold.
#[derive(Clone)]
pub struct ColumnSpec {
    /// The column.
    pub column: String,
    /// Its method and/or threshold.
    pub options: ColumnOptions,
}

/// `COLUMN=METHOD`, `COLUMN=THRESHOLD` or `COLUMN=METHOD:THRESHOLD`.
pub fn column_spec(spec: &str) -> Result<ColumnSpec, Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "--column-method '{spec}': expected COLUMN=METHOD, COLUMN=THRESHOLD or COLUMN=METHOD:THRESHOLD"
        ))
    };
    let (col, rest) = spec.rsplit_once('=').ok_or_else(bad)?;
    let mut o = ColumnOptions::default();
    for part in rest.split(':') {
        if let Ok(t) = part.parse::<f64>() {
            o.threshold = Some(t);
        } else {
            o.method = Some(part.parse::<Method>()?);
        }
    }
    if col.is_empty() {
        return Err(bad());
    }
    Ok(ColumnSpec {
        column: col.to_string(),
        options: o,
    })
}

/// `KEY=VALUE` (a run's `--param` or `--tag`); the key is checked by the
/// engine when the run starts.
pub fn key_value(s: &str) -> Result<(String, String), Error> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| Error::InvalidInput(format!("'{s}' is not KEY=VALUE")))
}

/// A UI token, `PRINCIPAL=SECRET` or `SECRET` (see [`mlops_ui::Token`]).
pub fn ui_token(s: &str) -> Result<mlops_ui::Token, Error> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_value_is_the_core_name_of_its_variant() {
        for c in corrections().values {
            let name = c.as_str();
            assert_eq!(name.parse::<Correction>().unwrap(), *c);
            assert_eq!(serde_json::to_value(c).unwrap(), name);
        }
        for k in kinds().values {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), *k);
        }
        for r in roles().values {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        for f in flavors().values {
            assert_eq!(f.as_str().parse::<Flavor>().unwrap(), *f);
        }
        for t in tasks().values {
            assert_eq!(t.as_str().parse::<Task>().unwrap(), *t);
        }
    }
}
