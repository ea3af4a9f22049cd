//! The registry's side of search: each version as the filter language
//! ([`crate::search`]) sees it, and [`Registry::search`] over every asset.

use std::collections::BTreeMap;

use super::{Asset, Kind, Registry, Version};
use crate::error::{Error, Result};

/// A version as the filter language sees it (see [`crate::search`]).
struct SearchView<'a> {
    asset: &'a Asset,
    version: &'a Version,
    aliases: &'a [&'a str],
    /// The version's metadata as stored, parsed on first use: most
    /// versions a search rejects are rejected before it is read.
    raw_metadata: &'a serde_json::value::RawValue,
    metadata: std::cell::OnceCell<serde_json::Value>,
}

impl SearchView<'_> {
    fn metadata(&self) -> &serde_json::Value {
        self.metadata.get_or_init(|| {
            // The fold read it as JSON already, so it parses.
            serde_json::from_str(self.raw_metadata.get()).unwrap_or(serde_json::Value::Null)
        })
    }

    fn tags(&self) -> BTreeMap<String, String> {
        self.asset
            .tags
            .get(&self.version.version)
            .cloned()
            .unwrap_or_default()
    }

    /// The whole document, for a hit.
    fn document(&self) -> serde_json::Value {
        let (a, v) = (self.asset, self.version);
        serde_json::json!({
            "kind": a.kind.as_str(),
            "name": a.name,
            "version": v.version,
            "message": v.message,
            "principal": v.principal,
            "time": v.time,
            "size": v.size,
            "alias": self.aliases,
            "archived": a.archived,
            "tags": self.tags(),
            "metadata": self.metadata(),
        })
    }
}

impl crate::search::Fields for SearchView<'_> {
    fn field(&self, path: &str) -> std::borrow::Cow<'_, serde_json::Value> {
        use crate::search::{metric, walk};
        use serde_json::Value;
        use std::borrow::Cow;
        let (a, v) = (self.asset, self.version);
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        let owned = |x: Value| Cow::Owned(x);
        match (head, rest) {
            ("metadata", None) => Cow::Borrowed(self.metadata()),
            ("metadata", Some(r)) => Cow::Borrowed(walk(self.metadata(), r.split('.'))),
            ("metrics", Some(r)) => Cow::Borrowed(metric(self.metadata(), r)),
            ("tags", Some(k)) => owned(
                a.tags
                    .get(&v.version)
                    .and_then(|t| t.get(k))
                    .map_or(Value::Null, |s| Value::String(s.clone())),
            ),
            ("tags", None) => owned(serde_json::json!(self.tags())),
            ("kind", None) => owned(a.kind.as_str().into()),
            ("name", None) => owned(a.name.as_str().into()),
            ("version", None) => owned(v.version.into()),
            ("message", None) => owned(v.message.as_str().into()),
            ("principal", None) => owned(v.principal.as_str().into()),
            ("time", None) => owned(v.time.into()),
            ("size", None) => owned(v.size.into()),
            ("alias", None) => owned(serde_json::json!(self.aliases)),
            ("archived", None) => owned(a.archived.into()),
            _ => owned(Value::Null),
        }
    }
}

impl Registry {
    /// Every version of every asset that matches a filter (see
    /// [`crate::search`]), as documents of the fields the filter sees, in
    /// kind, name and version order. Archived assets only when asked.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "a", b"1", "", serde_json::json!({"metrics": {"auc": 0.8}})).unwrap();
    /// r.add_version(Kind::Model, "a", b"2", "", serde_json::json!({"metrics": {"auc": 0.93}})).unwrap();
    /// r.set_tag(Kind::Model, "a", 2, "team", Some("risk")).unwrap();
    /// let hits = r.search("kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9", false).unwrap();
    /// assert_eq!(hits.len(), 1);
    /// assert_eq!(hits[0]["version"], 2);
    /// ```
    pub fn search(&self, query: &str, include_archived: bool) -> Result<Vec<serde_json::Value>> {
        use rayon::prelude::*;
        let filter = crate::search::Filter::parse(query)?;
        // Every asset folder; a folder that is no asset (no log) folds to
        // `NotFound` below, so `list`'s read of each head is not needed.
        let mut names = Vec::new();
        for kind in Kind::ALL {
            for name in self.folder_names(kind)? {
                names.push((kind, name));
            }
        }
        // Assets are read and matched in parallel; only hits become documents.
        let per_asset: Vec<Result<Vec<serde_json::Value>>> = names
            .par_iter()
            .map(|(kind, name)| {
                let (a, raw) = match self.fold(*kind, name, true) {
                    // A folder with no log (see `list`): no asset.
                    Err(Error::NotFound(_)) => return Ok(Vec::new()),
                    folded => folded?,
                };
                if a.archived && !include_archived {
                    return Ok(Vec::new());
                }
                let mut aliases: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
                for (alias, moves) in &a.aliases {
                    if let Some(m) = moves.last() {
                        aliases.entry(m.version).or_default().push(alias);
                    }
                }
                Ok(a.versions
                    .iter()
                    .zip(&raw)
                    .map(|(v, raw)| SearchView {
                        asset: &a,
                        version: v,
                        aliases: aliases.get(&v.version).map_or(&[][..], Vec::as_slice),
                        raw_metadata: raw,
                        metadata: std::cell::OnceCell::new(),
                    })
                    .filter(|view| filter.matches(view))
                    .map(|view| view.document())
                    .collect())
            })
            .collect();
        let mut hits = Vec::new();
        for h in per_asset {
            hits.extend(h?);
        }
        Ok(hits)
    }
}
