//! Alias history with reasons, `aliases` in search hits and in the filter
//! language, and search pages that stay stable while versions and assets
//! are added between them. On a folder, and on S3 when a server is given.

use std::collections::BTreeSet;

use mlops_core::registry::{Kind, Registry};
use mlops_core::Error;
use serde_json::json;

#[path = "support/stores.rs"]
mod support;
use support::stores;

#[test]
fn alias_history_names_who_when_and_why() {
    for s in stores("aliashistory") {
        let r = Registry::open(&s.url).unwrap().with_principal("ana");
        for i in 0..3 {
            r.add_version(Kind::Model, "churn", &[i], "", json!({}))
                .unwrap();
        }
        r.clone()
            .with_reason("first release")
            .set_alias(Kind::Model, "churn", "production", 1)
            .unwrap();
        r.set_alias(Kind::Model, "churn", "staging", 3).unwrap();
        r.clone()
            .with_principal("bo")
            .with_reason("won the A/B test (#42)")
            .set_alias(Kind::Model, "churn", "production", 3)
            .unwrap();
        let h = r.alias_history(Kind::Model, "churn", "production").unwrap();
        let got: Vec<(u64, &str, Option<&str>, u64)> = h
            .iter()
            .map(|m| (m.version, m.principal.as_str(), m.reason.as_deref(), m.seq))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "ana", Some("first release"), 4),
                (3, "bo", Some("won the A/B test (#42)"), 6),
            ]
        );
        assert!(h[0].time > 1_600_000_000_000 && h[0].time <= h[1].time);
        let staging = r.alias_history(Kind::Model, "churn", "staging").unwrap();
        assert_eq!((staging.len(), staging[0].reason.clone()), (1, None));
        let e = r
            .alias_history(Kind::Model, "churn", "champion")
            .unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e}");
        assert!(e.to_string().contains("alias 'champion'"), "{e}");
        let e = r
            .alias_history(Kind::Model, "nope", "production")
            .unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e}");

        // Hits carry their aliases under `aliases` (and `alias`).
        let hits = r.search("name = 'churn'", false).unwrap();
        let aliases: Vec<serde_json::Value> = hits.iter().map(|h| h["aliases"].clone()).collect();
        assert_eq!(
            aliases,
            vec![json!([]), json!([]), json!(["production", "staging"])]
        );
        assert_eq!(hits[2]["alias"], hits[2]["aliases"]);
        let versions = |q: &str| -> Vec<u64> {
            r.search(q, false)
                .unwrap()
                .iter()
                .map(|h| h["version"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(versions("aliases = 'production'"), vec![3]);
        assert_eq!(versions("aliases != 'production'"), vec![1, 2]);
        assert_eq!(versions("aliases is null"), vec![1, 2]);
        assert_eq!(versions("aliases is not null"), vec![3]);
        assert_eq!(versions("aliases in ('champion', 'staging')"), vec![3]);
        assert_eq!(versions("aliases like 'prod%'"), vec![3]);
        assert_eq!(versions("not aliases = 'staging' and version > 1"), vec![2]);
    }
}

/// (kind, name, version) of each hit.
fn keys(hits: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    hits.iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_string(),
                h["name"].as_str().unwrap().to_string(),
                h["version"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn pages_return_every_version_once_in_order_with_inserts_between_pages() {
    let s = support::folder("pages");
    let r = Registry::open(&s.url).unwrap();
    // 5,000 versions: 50 models of 100, and a data set; `m-13` archived.
    for a in 0..50 {
        let name = format!("m-{a:02}");
        for v in 0..100u32 {
            r.add_version(Kind::Model, &name, &v.to_le_bytes(), "", json!({"n": v}))
                .unwrap();
        }
    }
    r.add_version(Kind::Dataset, "d", b"x", "", json!({}))
        .unwrap();
    r.set_archived(Kind::Model, "m-13", true).unwrap();
    let all = keys(&r.search("version > 0", false).unwrap());
    assert_eq!(all.len(), 4901);
    // Pages of 250, with writes between them.
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = r
            .search_page("version > 0", false, 250, token.as_deref())
            .unwrap();
        assert!(page.hits.len() <= 250);
        seen.extend(keys(&page.hits));
        pages += 1;
        match pages {
            // After the page ending in m-09 version 99: a version of an asset already
            // paged (not seen: it sorts before the token), one of the asset
            // the page ended in and of a later asset (both seen), a new
            // asset before the token (not seen) and one after it (seen).
            4 => {
                assert_eq!(
                    (seen.last().unwrap().1.as_str(), seen.last().unwrap().2),
                    ("m-09", 99)
                );
                r.add_version(Kind::Model, "m-02", b"late", "", json!({}))
                    .unwrap();
                r.add_version(Kind::Model, "m-09", b"late", "", json!({}))
                    .unwrap();
                r.add_version(Kind::Model, "m-30", b"late", "", json!({}))
                    .unwrap();
                r.add_version(Kind::Model, "m-05a", b"new", "", json!({}))
                    .unwrap();
                r.add_version(Kind::Model, "m-35a", b"new", "", json!({}))
                    .unwrap();
            }
            // The filter sees versions' fields as they are when each page is read.
            6 => r.set_archived(Kind::Model, "m-39", true).unwrap(),
            _ => {}
        }
        match page.next_page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    // Strictly increasing: no hit twice, none out of order.
    let rank = |k: &str| {
        ["dataset", "model", "artifact", "profile"]
            .iter()
            .position(|x| *x == k)
    };
    for w in seen.windows(2) {
        assert!(
            (rank(&w[0].0), &w[0].1, w[0].2) < (rank(&w[1].0), &w[1].1, w[1].2),
            "{w:?}"
        );
    }
    let seen_set: BTreeSet<_> = seen.iter().cloned().collect();
    let m = |n: &str, v: u64| ("model".to_string(), n.to_string(), v);
    let expected: BTreeSet<_> = all
        .iter()
        .filter(|k| k.1 != "m-39")
        .cloned()
        .chain([m("m-09", 101), m("m-30", 101), m("m-35a", 1)])
        .collect();
    assert_eq!(seen_set, expected);
    assert_eq!(seen.len(), 4901 - 100 + 3);

    // Bad tokens and limits name what is wrong.
    for bad in [
        "",
        "model/m-01",
        "model/m-01/x",
        "table/m/1",
        "model/../1",
        "model/m/1/2",
    ] {
        let e = r
            .search_page("version > 0", false, 10, Some(bad))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e}");
        assert!(e.to_string().contains("page_token"), "{e}");
    }
    let e = r.search_page("version > 0", false, 0, None).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    // A last page that ends exactly at the last hit has no next token.
    let tail = r.search_page("name = 'd'", false, 1, None).unwrap();
    assert_eq!(keys(&tail.hits), vec![("dataset".into(), "d".into(), 1)]);
    assert_eq!(tail.next_page_token, None);
    // A token at the very last version: an empty last page.
    let after = r
        .search_page("version > 0", false, 5, Some("model/m-49/100"))
        .unwrap();
    assert!(after.hits.is_empty() && after.next_page_token.is_none());
}
