//! Assets as search reads them, kept between searches in this process: a
//! search that matches few versions still looks at every version, and
//! reading and parsing every asset's log (41 MB for 1,000 assets of 100
//! versions) was nearly all of its time. A long-lived reader (the web UI)
//! now reads each asset's log tip per search and folds again only the
//! assets whose logs changed.
//!
//! An entry is used only when the log's tip ([`Store::tip`]: its last
//! event, checked against the log's cover) is the event the entry was
//! folded through, the same number and the same hash; that hash names
//! every event before it, so the entry is the fold of exactly the events
//! the log holds now. An asset whose tip does not read is folded as
//! before, and so fails as before. Entries are keyed by store URL and log,
//! weighed by an estimate of their memory, and the least recently used
//! are dropped once the cache passes [`BUDGET`] bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::super::fold::RawMetadata;
use super::super::{Asset, Kind, Registry};
use crate::error::Result;
use crate::store::Hash;

/// The most memory the cache holds (estimated, see [`weight`]).
const BUDGET: usize = 256 << 20;

/// An asset as search reads it.
pub(super) struct Searched {
    /// The fold.
    pub asset: Asset,
    /// Each version's metadata as stored.
    pub raw: Vec<RawMetadata>,
    /// Each version's metadata parsed, on first use.
    pub parsed: Vec<OnceLock<serde_json::Value>>,
}

impl Searched {
    fn new((asset, raw): (Asset, Vec<RawMetadata>)) -> Self {
        let parsed = raw.iter().map(|_| OnceLock::new()).collect();
        Searched { asset, raw, parsed }
    }
}

/// A rough size in memory: the metadata (as stored and parsed) and a
/// fixed share per version.
fn weight(s: &Searched) -> usize {
    let raw: usize = s.raw.iter().map(|r| r.get().len()).sum();
    4 * raw + 512 * s.asset.versions.len() + 1024
}

struct Entry {
    seq: u64,
    hash: Hash,
    used: u64,
    weight: usize,
    searched: Arc<Searched>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<(String, String), Entry>,
    total: usize,
    clock: u64,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Registry {
    /// The asset `kind`/`name` as search reads it ([`Registry::fold`],
    /// lazily), from the cache when its log has not changed.
    pub(super) fn searched(&self, kind: Kind, name: &str) -> Result<Arc<Searched>> {
        let log = Self::log(kind, name)?;
        let tip = match self.store.tip(&log) {
            Ok(t) => t.last.map(|e| (e.seq, e.hash())),
            Err(_) => None,
        };
        let Some((seq, hash)) = tip else {
            return Ok(Arc::new(Searched::new(self.fold(kind, name, true)?)));
        };
        let key = (self.store.url().to_string(), log);
        {
            let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
            c.clock += 1;
            let now = c.clock;
            if let Some(e) = c.entries.get_mut(&key) {
                if e.seq == seq && e.hash == hash {
                    e.used = now;
                    return Ok(e.searched.clone());
                }
            }
        }
        let searched = Arc::new(Searched::new(self.fold(kind, name, true)?));
        // Kept only if the fold read exactly the events up to the tip (the
        // log may have grown in between).
        if searched.asset.events == seq {
            let w = weight(&searched);
            let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
            if let Some(old) = c.entries.remove(&key) {
                c.total -= old.weight;
            }
            if w <= BUDGET / 4 {
                let used = c.clock;
                c.total += w;
                c.entries.insert(
                    key,
                    Entry {
                        seq,
                        hash,
                        used,
                        weight: w,
                        searched: searched.clone(),
                    },
                );
                shrink(&mut c);
            }
        }
        Ok(searched)
    }
}

/// Drops the least recently used entries until the cache is within
/// three quarters of [`BUDGET`] (once past it: a sort per many inserts).
fn shrink(c: &mut Cache) {
    if c.total <= BUDGET {
        return;
    }
    let mut by_use: Vec<(u64, (String, String))> =
        c.entries.iter().map(|(k, e)| (e.used, k.clone())).collect();
    by_use.sort_unstable();
    for (_, k) in by_use {
        if c.total <= BUDGET / 4 * 3 {
            break;
        }
        if let Some(e) = c.entries.remove(&k) {
            c.total -= e.weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::registry::{Kind, Registry};
    use serde_json::json;

    fn versions(hits: &[serde_json::Value]) -> Vec<(String, u64)> {
        hits.iter()
            .map(|h| {
                (
                    h["name"].as_str().unwrap().to_string(),
                    h["version"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_search_sees_every_change_since_the_last_one() {
        let r = Registry::open("memory://").unwrap();
        r.add_version(Kind::Model, "a", b"1", "", json!({"metrics": {"auc": 0.5}}))
            .unwrap();
        assert!(r.search("metrics.auc > 0.9", false).unwrap().is_empty());
        r.add_version(
            Kind::Model,
            "a",
            b"2",
            "",
            json!({"metrics": {"auc": 0.95}}),
        )
        .unwrap();
        let hits = r.search("metrics.auc > 0.9", false).unwrap();
        assert_eq!(versions(&hits), [("a".to_string(), 2)]);
        r.set_tag(Kind::Model, "a", 1, "team", Some("risk"))
            .unwrap();
        let hits = r.search("tags.team = 'risk'", false).unwrap();
        assert_eq!(versions(&hits), [("a".to_string(), 1)]);
        r.set_alias(Kind::Model, "a", "production", 2).unwrap();
        let hits = r.search("alias = 'production'", false).unwrap();
        assert_eq!(versions(&hits), [("a".to_string(), 2)]);
        r.set_archived(Kind::Model, "a", true).unwrap();
        assert!(r.search("", false).unwrap().is_empty());
        assert_eq!(r.search("", true).unwrap().len(), 2);
    }

    #[test]
    fn two_stores_of_one_url_each_answer_for_their_own_assets() {
        // Two in-memory stores share the URL `memory://`: an entry is used
        // only for the very events it was folded from.
        let (r1, r2) = (
            Registry::open("memory://").unwrap(),
            Registry::open("memory://").unwrap(),
        );
        r1.add_version(Kind::Model, "a", b"1", "", json!({"team": "one"}))
            .unwrap();
        r2.add_version(Kind::Model, "a", b"1", "", json!({"team": "two"}))
            .unwrap();
        for _ in 0..2 {
            assert_eq!(r1.search("metadata.team = 'one'", false).unwrap().len(), 1);
            assert_eq!(r2.search("metadata.team = 'one'", false).unwrap().len(), 0);
            assert_eq!(r2.search("metadata.team = 'two'", false).unwrap().len(), 1);
        }
    }
}
