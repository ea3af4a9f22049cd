//! The registry's side of search: each version as the filter language
//! ([`crate::search`]) sees it, and [`Registry::search`] over every asset.

use std::collections::BTreeMap;

use super::{Asset, Kind, Registry, Version};
use crate::error::{Error, Result};

mod cache;

/// A version as the filter language sees it (see [`crate::search`]).
struct SearchView<'a> {
    asset: &'a Asset,
    version: &'a Version,
    aliases: &'a [&'a str],
    /// The version's metadata as stored, parsed on first use (and kept
    /// with the asset in the search cache for the next search): most
    /// versions a search rejects are rejected before it is read.
    raw_metadata: &'a serde_json::value::RawValue,
    metadata: &'a std::sync::OnceLock<serde_json::Value>,
}

impl SearchView<'_> {
    fn metadata(&self) -> &serde_json::Value {
        self.metadata.get_or_init(|| {
            // The fold read it as JSON already, so it parses.
            serde_json::from_str(self.raw_metadata.get()).unwrap_or(serde_json::Value::Null)
        })
    }

    /// Whether retention expired the version (its hit stays, so a search
    /// shows what was there; reading it is `Error::Expired`).
    fn expired(&self) -> bool {
        self.asset.expired.contains_key(&self.version.version)
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
            "aliases": self.aliases,
            "archived": a.archived,
            "expired": self.expired(),
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
            ("alias" | "aliases", None) => owned(serde_json::json!(self.aliases)),
            ("archived", None) => owned(a.archived.into()),
            ("expired", None) => owned(self.expired().into()),
            _ => owned(Value::Null),
        }
    }
}

/// A query's filter; a blank query holds for every version.
fn parse_query(query: &str) -> Result<crate::search::Filter> {
    if query.trim().is_empty() {
        return Ok(crate::search::Filter::And(Vec::new()));
    }
    crate::search::Filter::parse(query)
}

impl Registry {
    /// Every version of every asset that matches a filter (see
    /// [`crate::search`]), as documents of the fields the filter sees, in
    /// kind, name and version order. Archived assets only when asked. A
    /// blank query matches every version (the catalogue's first page).
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
        let filter = parse_query(query)?;
        let names = self.search_names()?;
        self.search_assets(&filter, include_archived, &names, None)
    }

    /// One page of [`search`](Self::search): at most `limit` hits after the
    /// place `page_token` names (none: from the start), in kind, name and
    /// version order, and the token of the next page (`None` when no hit
    /// is left). The token names the last hit returned (its kind, name and
    /// version), not a position, so versions and assets added between two
    /// pages neither shift nor repeat hits: the next page starts after the
    /// last hit seen, and shows what was added there. Only the assets the
    /// page needs are read. A token that does not read is
    /// [`Error::InvalidInput`] naming it; `limit` 0 is refused too.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// for i in 0..5 {
    ///     r.add_version(Kind::Model, "m", format!("{i}").as_bytes(), "", serde_json::json!({})).unwrap();
    /// }
    /// let first = r.search_page("kind = 'model'", false, 2, None).unwrap();
    /// assert_eq!(first.hits.len(), 2);
    /// let token = first.next_page_token.unwrap();
    /// r.add_version(Kind::Model, "m", b"5", "", serde_json::json!({})).unwrap();
    /// let rest = r.search_page("kind = 'model'", false, 10, Some(&token)).unwrap();
    /// let versions: Vec<u64> = rest.hits.iter().map(|h| h["version"].as_u64().unwrap()).collect();
    /// assert_eq!(versions, [3, 4, 5, 6]);
    /// assert!(rest.next_page_token.is_none());
    /// assert_eq!(r.search_page("", false, 100, None).unwrap().hits.len(), 6);
    /// ```
    pub fn search_page(
        &self,
        query: &str,
        include_archived: bool,
        limit: usize,
        page_token: Option<&str>,
    ) -> Result<SearchPage> {
        let filter = parse_query(query)?;
        if limit == 0 {
            return Err(Error::InvalidInput(
                "search: limit must be at least 1".into(),
            ));
        }
        let after = page_token.map(PageToken::parse).transpose()?;
        let mut names = self.search_names()?;
        if let Some(t) = &after {
            let at = (kind_rank(t.kind), t.name.as_str());
            names.retain(|(k, n)| (kind_rank(*k), n.as_str()) >= at);
        }
        // Assets in runs of a few per core, in order, until the page is full.
        let step = 4 * rayon::current_num_threads().max(1);
        let mut hits: Vec<serde_json::Value> = Vec::new();
        let mut rest = names.as_slice();
        while !rest.is_empty() && hits.len() <= limit {
            let (run, later) = rest.split_at(step.min(rest.len()));
            hits.extend(self.search_assets(&filter, include_archived, run, after.as_ref())?);
            rest = later;
        }
        let more = hits.len() > limit || (hits.len() == limit && !rest.is_empty());
        hits.truncate(limit);
        let next_page_token = if more {
            hits.last().map(|h| {
                PageToken {
                    kind: h["kind"]
                        .as_str()
                        .and_then(|k| k.parse().ok())
                        .unwrap_or(Kind::Dataset),
                    name: h["name"].as_str().unwrap_or_default().to_string(),
                    version: h["version"].as_u64().unwrap_or(0),
                }
                .to_string()
            })
        } else {
            None
        };
        Ok(SearchPage {
            hits,
            next_page_token,
        })
    }

    /// Every asset folder, in kind and name order.
    fn search_names(&self) -> Result<Vec<(Kind, String)>> {
        // Every asset folder; a folder that is no asset (no log) folds to
        // `NotFound` below, so `list`'s read of each head is not needed.
        let mut names = Vec::new();
        for kind in Kind::ALL {
            for name in self.folder_names(kind)? {
                names.push((kind, name));
            }
        }
        Ok(names)
    }

    /// The hits among the versions of `names` (after `after`, if given).
    fn search_assets(
        &self,
        filter: &crate::search::Filter,
        include_archived: bool,
        names: &[(Kind, String)],
        after: Option<&PageToken>,
    ) -> Result<Vec<serde_json::Value>> {
        use rayon::prelude::*;
        // Assets are read and matched in parallel; only hits become documents.
        let per_asset: Vec<Result<Vec<serde_json::Value>>> = names
            .par_iter()
            .map(|(kind, name)| {
                let searched = match self.searched(*kind, name) {
                    // A folder with no log (see `list`): no asset.
                    Err(Error::NotFound(_)) => return Ok(Vec::new()),
                    folded => folded?,
                };
                let a = &searched.asset;
                if a.archived && !include_archived {
                    return Ok(Vec::new());
                }
                let from = match after {
                    Some(t) if t.kind == *kind && t.name == *name => t.version,
                    _ => 0,
                };
                let mut aliases: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
                for (alias, moves) in &a.aliases {
                    if let Some(m) = moves.last() {
                        aliases.entry(m.version).or_default().push(alias);
                    }
                }
                Ok(a.versions
                    .iter()
                    .zip(searched.raw.iter().zip(&searched.parsed))
                    .skip(usize::try_from(from).unwrap_or(usize::MAX))
                    .map(|(v, (raw, parsed))| SearchView {
                        asset: a,
                        version: v,
                        aliases: aliases.get(&v.version).map_or(&[][..], Vec::as_slice),
                        raw_metadata: raw,
                        metadata: parsed,
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

/// The page size front-ends use when a page token is given without a
/// limit.
pub const DEFAULT_PAGE_LIMIT: usize = 1000;

/// One page of search hits ([`Registry::search_page`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchPage {
    /// The hits, as [`Registry::search`] gives them.
    pub hits: Vec<serde_json::Value>,
    /// The token of the next page, `None` when no hit is left.
    pub next_page_token: Option<String>,
}

/// Where a page ends: the last hit's kind, name and version, written
/// `<kind>/<name>/<version>` (no name holds a `/`).
#[derive(Debug, Clone, PartialEq)]
struct PageToken {
    kind: Kind,
    name: String,
    version: u64,
}

impl PageToken {
    fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidInput(format!(
                "search: page_token '{text}' is not a token a search returned                  (<kind>/<name>/<version>)"
            ))
        };
        let mut parts = text.split('/');
        let (Some(k), Some(n), Some(v), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(PageToken {
            kind: k.parse().map_err(|_| bad())?,
            name: super::check_name(n)
                .map(|_| n.to_string())
                .map_err(|_| bad())?,
            version: v.parse().map_err(|_| bad())?,
        })
    }
}

impl std::fmt::Display for PageToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kind.as_str(), self.name, self.version)
    }
}

/// A kind's place in search order (that of [`Kind::ALL`]).
fn kind_rank(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).unwrap_or(usize::MAX)
}
