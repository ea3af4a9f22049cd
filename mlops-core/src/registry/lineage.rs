//! The lineage graph around an asset: the versions it was made from, and
//! the versions made from it, a few hops each way, with the runs between
//! them, as nodes and edges a page can draw (`mlops ui`'s asset page).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;

use super::{AssetRef, Kind, LineageEdge, Registry};
use crate::error::{Error, Result};

/// At most this many nodes in a graph: a page shows a neighbourhood, not
/// a whole store.
pub const MAX_LINEAGE_NODES: usize = 500;

/// One node: an asset version, or a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineageNode {
    /// `kind/name@version`, or `run/<id>`.
    pub id: String,
    /// The asset's kind (`None` for a run).
    pub kind: Option<Kind>,
    /// The asset's name, or the run's id.
    pub name: String,
    /// The version (`None` for a run).
    pub version: Option<u64>,
    /// Hops from the asset asked about: negative upstream, positive downstream.
    pub depth: i32,
}

/// A directed edge: `from` was used to make `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineageLink {
    /// The input's node id.
    pub from: String,
    /// The output's node id.
    pub to: String,
}

/// The graph of [`Registry::lineage`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineageGraph {
    /// Its nodes, asset versions and runs.
    pub nodes: Vec<LineageNode>,
    /// Its edges, input to output (through the run when one is known).
    pub edges: Vec<LineageLink>,
    /// Whether [`MAX_LINEAGE_NODES`] cut it short.
    pub truncated: bool,
}

fn asset_id(r: &AssetRef) -> String {
    format!("{}/{}@{}", r.kind.as_str(), r.name, r.version)
}

struct Builder {
    nodes: BTreeMap<String, LineageNode>,
    edges: BTreeSet<LineageLink>,
    truncated: bool,
}

impl Builder {
    fn node(&mut self, id: String, node: impl FnOnce() -> LineageNode) -> bool {
        if self.nodes.contains_key(&id) {
            return true;
        }
        if self.nodes.len() >= MAX_LINEAGE_NODES {
            self.truncated = true;
            return false;
        }
        self.nodes.insert(id, node());
        true
    }

    fn asset(&mut self, r: &AssetRef, depth: i32) -> bool {
        self.node(asset_id(r), || LineageNode {
            id: asset_id(r),
            kind: Some(r.kind),
            name: r.name.clone(),
            version: Some(r.version),
            depth,
        })
    }

    /// `input` made `output`, through `run` when known.
    fn link(&mut self, input: &AssetRef, output: &AssetRef, run: Option<&str>, depth: i32) {
        let (from, to) = (asset_id(input), asset_id(output));
        match run {
            Some(run) => {
                let id = format!("run/{run}");
                if self.node(id.clone(), || LineageNode {
                    id: id.clone(),
                    kind: None,
                    name: run.to_string(),
                    version: None,
                    depth,
                }) {
                    self.edges.insert(LineageLink {
                        from,
                        to: id.clone(),
                    });
                    self.edges.insert(LineageLink { from: id, to });
                }
            }
            None => {
                self.edges.insert(LineageLink { from, to });
            }
        }
    }
}

impl Registry {
    /// The lineage of asset `kind/name`: every version's inputs, their
    /// inputs, up to `depth` hops upstream, and the versions made from it
    /// up to `depth` hops downstream, with the runs that made them (at
    /// most [`MAX_LINEAGE_NODES`] nodes). An asset it names that is gone
    /// ends that branch; an unknown `name` is [`Error::NotFound`].
    ///
    /// ```
    /// use mlops_core::registry::{AssetRef, Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Dataset, "d", b"rows", "", serde_json::json!({})).unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// let d = AssetRef { kind: Kind::Dataset, name: "d".into(), version: 1 };
    /// let m = AssetRef { kind: Kind::Model, name: "m".into(), version: 1 };
    /// r.record_lineage(&m, &[d], None, None).unwrap();
    /// let g = r.lineage(Kind::Dataset, "d", 3).unwrap();
    /// let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    /// assert_eq!(ids, ["dataset/d@1", "model/m@1"]);
    /// assert_eq!((g.edges[0].from.as_str(), g.edges[0].to.as_str()), ("dataset/d@1", "model/m@1"));
    /// ```
    pub fn lineage(&self, kind: Kind, name: &str, depth: u32) -> Result<LineageGraph> {
        let root = self.asset(kind, name)?;
        let mut b = Builder {
            nodes: BTreeMap::new(),
            edges: BTreeSet::new(),
            truncated: false,
        };
        for v in &root.versions {
            b.asset(
                &AssetRef {
                    kind,
                    name: name.to_string(),
                    version: v.version,
                },
                0,
            );
        }
        // Breadth first, each way: (asset, hops so far, upstream?).
        let mut queue: VecDeque<(Kind, String, u32, bool)> = VecDeque::new();
        let mut seen: BTreeSet<(Kind, String, bool)> = BTreeSet::new();
        for up in [true, false] {
            queue.push_back((kind, name.to_string(), 0, up));
            seen.insert((kind, name.to_string(), up));
        }
        while let Some((k, n, hops, up)) = queue.pop_front() {
            if hops >= depth || b.truncated {
                continue;
            }
            let asset = if (k, n.as_str()) == (kind, name) {
                root.clone()
            } else {
                match self.asset(k, &n) {
                    Ok(a) => a,
                    Err(Error::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                }
            };
            let d = hops as i32 + 1;
            let edges: &[LineageEdge] = if up { &asset.inputs } else { &asset.used_by };
            for e in edges {
                let this = AssetRef {
                    kind: k,
                    name: n.clone(),
                    version: e.version,
                };
                let (input, output, depth) = if up {
                    (&e.other, &this, -d)
                } else {
                    (&this, &e.other, d)
                };
                if !b.asset(&e.other, depth) || !b.asset(&this, depth.signum() * (d - 1)) {
                    break;
                }
                b.link(input, output, e.run.as_deref(), depth);
                if seen.insert((e.other.kind, e.other.name.clone(), up)) {
                    queue.push_back((e.other.kind, e.other.name.clone(), hops + 1, up));
                }
            }
        }
        Ok(LineageGraph {
            nodes: b.nodes.into_values().collect(),
            edges: b.edges.into_iter().collect(),
            truncated: b.truncated,
        })
    }
}
