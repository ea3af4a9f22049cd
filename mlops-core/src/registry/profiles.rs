//! Keyed profiles: the profile of each slice of a data set (a partition
//! date, a batch) saved once under its key, and the profiles of several
//! keys merged later into the profile of their union ("the last 7 days")
//! without reading the data again — the use Deequ's metrics repository
//! serves. A data set's keyed profiles are the versions of one asset of
//! [`Kind::Profile`] named after it: hash-chained, audited and governed like
//! every asset; saving a key again supersedes its profile (the history
//! keeps both).

use std::collections::BTreeMap;

use super::{Kind, Registry};
use crate::error::{Error, Result};
use crate::profile::Profile;

/// The metadata field holding a profile version's key.
const KEY_FIELD: &str = "key";
/// The longest key.
pub const MAX_PROFILE_KEY_LEN: usize = 256;

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_PROFILE_KEY_LEN || key.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "profile key {key:?}: 1 to {MAX_PROFILE_KEY_LEN} bytes of printable text"
        )));
    }
    Ok(())
}

impl Registry {
    /// Saves `profile` as the profile of data set `name` under `key` (a new
    /// version of the asset `profile/<name>`, its metadata naming the key
    /// and the rows) and returns the version number.
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::profile::Profile;
    /// # use std::sync::Arc;
    /// # use arrow::array::{Float64Array, RecordBatch};
    /// # let day = |xs: Vec<f64>| { let b = RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(xs)) as _)]).unwrap(); let mut p = Profile::new(&b.schema()); p.update(&b).unwrap(); p };
    /// let r = Registry::open("memory://").unwrap();
    /// r.save_profile("orders", "2026-12-01", &day(vec![1.0, 2.0])).unwrap();
    /// r.save_profile("orders", "2026-12-02", &day(vec![3.0])).unwrap();
    /// assert_eq!(r.profile_keys("orders").unwrap(), ["2026-12-01", "2026-12-02"]);
    /// let both = r.merge_profiles("orders", &["2026-12-01", "2026-12-02"]).unwrap();
    /// assert_eq!((both.row_count(), both.column("x").unwrap().mean()), (3, Some(2.0)));
    /// ```
    pub fn save_profile(&self, name: &str, key: &str, profile: &Profile) -> Result<u64> {
        check_key(key)?;
        let metadata = serde_json::json!({ KEY_FIELD: key, "rows": profile.row_count() });
        self.add_version(
            Kind::Profile,
            name,
            &profile.to_bytes(),
            &format!("profile of {key}"),
            metadata,
        )
    }

    /// The latest version number saved under each key of data set `name`.
    fn profile_versions(&self, name: &str) -> Result<BTreeMap<String, u64>> {
        let asset = self.asset(Kind::Profile, name)?;
        Ok(asset
            .versions
            .iter()
            .filter_map(|v| {
                let key = v.metadata.get(KEY_FIELD)?.as_str()?;
                Some((key.to_string(), v.version))
            })
            .collect())
    }

    /// The keys data set `name` has profiles under, sorted.
    pub fn profile_keys(&self, name: &str) -> Result<Vec<String>> {
        Ok(self.profile_versions(name)?.into_keys().collect())
    }

    /// The profile last saved under `key` ([`Error::NotFound`] naming the
    /// key when there is none).
    pub fn load_profile(&self, name: &str, key: &str) -> Result<Profile> {
        self.merge_profiles(name, &[key])
    }

    /// The profile of the union of the slices saved under `keys` (each
    /// key's latest profile), merged without the data. A key with no
    /// profile is [`Error::NotFound`] naming it; profiles of different
    /// columns are [`Error::SchemaMismatch`] naming the key.
    pub fn merge_profiles(&self, name: &str, keys: &[impl AsRef<str>]) -> Result<Profile> {
        if keys.is_empty() {
            return Err(Error::InvalidInput(
                "merge_profiles needs at least one key".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in keys {
            if !seen.insert(k.as_ref()) {
                return Err(Error::InvalidInput(format!(
                    "key '{}' is listed twice: its rows would be counted twice",
                    k.as_ref()
                )));
            }
        }
        let versions = self.profile_versions(name)?;
        let mut merged: Option<Profile> = None;
        for key in keys {
            let key = key.as_ref();
            let v = versions.get(key).ok_or_else(|| {
                Error::NotFound(format!(
                    "data set '{name}' has no profile under key '{key}'"
                ))
            })?;
            let p = Profile::from_bytes(&self.get(Kind::Profile, name, &v.to_string())?)?;
            merged = Some(match merged {
                None => p,
                Some(m) => m.merge(&p).map_err(|e| match e {
                    Error::SchemaMismatch(m) => {
                        Error::SchemaMismatch(format!("the profile under key '{key}': {m}"))
                    }
                    e => e,
                })?,
            });
        }
        Ok(merged.expect("at least one key"))
    }
}
