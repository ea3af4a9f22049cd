//! The change feed: every registry event after a cursor, in log order, on a
//! local folder (file notifications) and on the cloud test stores (polling);
//! resuming from a saved cursor loses nothing; the webhook dispatcher signs
//! each event and stops, with the cursor saved, at one it cannot deliver.

#[path = "support/http.rs"]
mod http;
#[path = "support/stores.rs"]
mod support;
use http::server;

use std::time::Duration;

use hmac::{Hmac, Mac};
use mlops_core::registry::{Cursor, FeedEvent, Kind, Registry};
use mlops_core::Error;
use sha2::Sha256;

/// The feed's names and ids of `events`.
fn names(events: &[FeedEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.id.clone(), e.event.clone()))
        .collect()
}

/// Writes one of each kind of event to model `churn`.
fn history(r: &Registry) {
    r.add_version(Kind::Model, "churn", b"v1", "first", serde_json::json!({}))
        .unwrap();
    r.add_version(Kind::Model, "churn", b"v2", "second", serde_json::json!({}))
        .unwrap();
    r.set_alias(Kind::Model, "churn", "production", 1).unwrap();
    r.clone()
        .with_reason("better auc")
        .set_alias(Kind::Model, "churn", "production", 2)
        .unwrap();
    r.set_tag(Kind::Model, "churn", 2, "team", Some("risk"))
        .unwrap();
    r.set_tag(Kind::Model, "churn", 2, "team", None).unwrap();
    r.set_archived(Kind::Model, "churn", true).unwrap();
    r.set_archived(Kind::Model, "churn", false).unwrap();
}

#[test]
fn every_kind_of_event_comes_named_in_log_order() {
    for s in support::stores("feed-kinds") {
        let r = Registry::open(&s.url).unwrap().with_principal("ana");
        history(&r);
        let (events, cursor) = r.changes(&Cursor::start(), None).unwrap();
        let expected = [
            "version.created",
            "version.created",
            "alias.set",
            "alias.moved",
            "tag.set",
            "tag.deleted",
            "asset.archived",
            "asset.restored",
        ];
        assert_eq!(
            names(&events),
            expected
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("model/churn@{}", i + 1), n.to_string()))
                .collect::<Vec<_>>(),
            "{}",
            s.url
        );
        let moved = &events[3];
        assert_eq!(
            (moved.version, moved.previous, moved.reason.as_deref()),
            (Some(2), Some(1), Some("better auc"))
        );
        assert_eq!(moved.change["alias"], "production");
        assert_eq!(events[2].previous, None);
        assert_eq!(events[4].change["value"], "risk");
        assert!(events.iter().all(|e| e.principal == "ana"));
        assert_eq!(cursor.position(Kind::Model, "churn"), 8);
        // Nothing new after the cursor; the cursor reads back as text.
        let again = Cursor::parse(&cursor.to_string()).unwrap();
        assert_eq!(again, cursor);
        assert!(r.changes(&again, None).unwrap().0.is_empty());
        // `feed_cursor` is the end of every log now.
        assert_eq!(r.feed_cursor().unwrap(), cursor);
        // A limit returns the first events and a cursor after only those.
        let (two, after_two) = r.changes(&Cursor::start(), Some(2)).unwrap();
        assert_eq!(two.len(), 2);
        let (rest, _) = r.changes(&after_two, None).unwrap();
        assert_eq!(rest[0].id, "model/churn@3");
        assert_eq!(rest.len(), 6);
    }
}

#[test]
fn assets_are_merged_by_time_and_each_keeps_its_order() {
    let s = support::folder("feed-merge");
    let r = Registry::open(&s.url).unwrap();
    for i in 0..3 {
        for name in ["a", "b"] {
            r.add_version(
                Kind::Dataset,
                name,
                format!("{name}{i}").as_bytes(),
                "",
                serde_json::json!({}),
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(3));
        }
    }
    r.add_version(Kind::Model, "m", b"m", "", serde_json::json!({}))
        .unwrap();
    let (events, _) = r.changes(&Cursor::start(), None).unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dataset/a@1",
            "dataset/b@1",
            "dataset/a@2",
            "dataset/b@2",
            "dataset/a@3",
            "dataset/b@3",
            "model/m@1"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn a_watch_sees_new_events_and_resumes_from_a_saved_cursor() {
    for s in support::stores("feed-watch") {
        let r = Registry::open(&s.url).unwrap();
        r.add_version(Kind::Model, "old", b"x", "", serde_json::json!({}))
            .unwrap();
        // From now: the old event is not delivered.
        let mut w = r.watch(None).unwrap();
        assert_eq!(
            w.notified(),
            s.url.starts_with('/') || s.url.starts_with("file:")
        );
        w.set_poll_interval(Duration::from_millis(50)).unwrap();
        assert!(w
            .next_event(Some(Duration::from_millis(100)))
            .unwrap()
            .is_none());
        let writer = {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..6u8 {
                    std::thread::sleep(Duration::from_millis(30));
                    r.add_version(Kind::Model, "new", &[i], "", serde_json::json!({}))
                        .unwrap();
                }
            })
        };
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(
                w.next_event(Some(Duration::from_secs(20)))
                    .unwrap()
                    .unwrap(),
            );
        }
        let saved = w.cursor().to_string();
        drop(w);
        writer.join().unwrap();
        r.set_alias(Kind::Model, "new", "production", 6).unwrap();
        // Started again from the saved cursor: the rest, once each.
        let mut w = r.watch(Some(&Cursor::parse(&saved).unwrap())).unwrap();
        while let Some(e) = w.next_event(Some(Duration::from_millis(300))).unwrap() {
            got.push(e);
        }
        let ids: Vec<_> = got.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "model/new@1",
                "model/new@2",
                "model/new@3",
                "model/new@4",
                "model/new@5",
                "model/new@6",
                "model/new@7"
            ],
            "{}",
            s.url
        );
        assert_eq!(got[6].event, "alias.set");
        assert_eq!(w.cursor().position(Kind::Model, "new"), 7);
        assert_eq!(w.cursor().position(Kind::Model, "old"), 1);
    }
}

#[test]
fn the_dispatcher_signs_each_event_and_stops_at_one_it_cannot_deliver() {
    let dir = support::folder("feed-dispatch");
    let r = Registry::open(&dir.url).unwrap();
    history(&r);
    std::env::set_var("MLOPS_TEST_FEED_SECRET", "s3cret");
    // The third event is refused (400: final): two delivered, then an error
    // naming the third, with the cursor after the second saved.
    let (url, server_thread) = server("/hooks/registry", vec![200, 200, 400]);
    let mut w = r.watch(Some(&Cursor::start())).unwrap();
    let mut saved = Vec::new();
    let err = r
        .dispatch(
            &mut w,
            &url,
            "MLOPS_TEST_FEED_SECRET",
            Some(Duration::from_millis(200)),
            |c| {
                saved.push(c.clone());
                Ok(())
            },
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Storage { context, .. } if context.contains("model/churn@3")),
        "{err}"
    );
    let got = server_thread.join().unwrap();
    assert_eq!(got.len(), 3);
    for (i, req) in got.iter().enumerate() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(&req.body);
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(req.headers["x-mlops-signature"], format!("sha256={want}"));
        assert_eq!(
            req.headers["x-mlops-event-id"],
            format!("model/churn@{}", i + 1)
        );
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["id"], format!("model/churn@{}", i + 1));
        assert_eq!(req.headers["x-mlops-event"], body["event"]);
    }
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[1].position(Kind::Model, "churn"), 2);
    // Started again from the saved cursor, the rest is delivered, from the
    // refused event on.
    let (url, server_thread) = server("/hooks/registry", vec![200; 6]);
    let mut w = r.watch(Some(&saved[1])).unwrap();
    let n = r
        .dispatch(
            &mut w,
            &url,
            "MLOPS_TEST_FEED_SECRET",
            Some(Duration::from_millis(200)),
            |_| Ok(()),
        )
        .unwrap();
    assert_eq!(n, 6);
    let ids: Vec<_> = server_thread
        .join()
        .unwrap()
        .iter()
        .map(|r| r.headers["x-mlops-event-id"].clone())
        .collect();
    assert_eq!(
        ids,
        (3..=8)
            .map(|i| format!("model/churn@{i}"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn bad_cursors_and_options_are_refused() {
    for text in ["mlops.cursor.1:%%%", "cursor", "mlops.cursor.1:e30x"] {
        assert!(
            matches!(Cursor::parse(text), Err(Error::InvalidInput(_))),
            "{text}"
        );
    }
    // A cursor naming a kind that does not exist.
    let bad = format!("mlops.cursor.1:{}", base64_url(br#"{"robot/x":1}"#));
    let err = Cursor::parse(&bad).unwrap_err();
    assert!(err.to_string().contains("robot/x"), "{err}");
    let r = Registry::open("memory://").unwrap();
    let mut w = r.watch(None).unwrap();
    assert!(matches!(
        w.set_poll_interval(Duration::ZERO),
        Err(Error::InvalidInput(_))
    ));
    for (url, env) in [("ftp://x", "OK"), ("http://127.0.0.1:1/", "1BAD")] {
        assert!(matches!(
            r.dispatch(&mut w, url, env, Some(Duration::ZERO), |_| Ok(())),
            Err(Error::InvalidInput(_))
        ));
    }
}

/// Unpadded base64url, as cursors are written.
fn base64_url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn a_cursor_file_is_saved_once_an_event_is_handled() {
    let s = support::folder("feed-cursor-file");
    let r = Registry::open(&s.url).unwrap();
    history(&r);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.cursor");
    let start = Some(mlops_core::registry::CURSOR_START);
    let mut w = r.watch_from(start, Some(&file)).unwrap();
    let quick = Some(Duration::from_millis(50));
    assert_eq!(w.next_event(quick).unwrap().unwrap().id, "model/churn@1");
    // Asked for the next, the first was handled: its cursor is saved.
    assert_eq!(w.next_event(quick).unwrap().unwrap().id, "model/churn@2");
    let saved = Cursor::load(&file).unwrap().unwrap();
    assert_eq!(saved.position(Kind::Model, "churn"), 1);
    drop(w);
    // Killed while handling event 2: it comes again, then the rest.
    let mut w = r.watch_from(None, Some(&file)).unwrap();
    let ids: Vec<_> = std::iter::from_fn(|| w.next_event(quick).unwrap())
        .map(|e| e.seq)
        .collect();
    assert_eq!(ids, (2..=8).collect::<Vec<_>>());
    assert_eq!(
        Cursor::load(&file)
            .unwrap()
            .unwrap()
            .position(Kind::Model, "churn"),
        8
    );
    // A damaged cursor file is refused, naming the file.
    std::fs::write(&file, "garbage").unwrap();
    let err = r.watch_from(None, Some(&file)).unwrap_err();
    assert!(err.to_string().contains("feed.cursor"), "{err}");
    // No file, no cursor: from now.
    let fresh = dir.path().join("new.cursor");
    let mut w = r.watch_from(None, Some(&fresh)).unwrap();
    assert!(w.next_event(quick).unwrap().is_none());
}
