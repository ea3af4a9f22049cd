//! Folder stores on file systems that refuse what a store needs: every
//! refusal is a typed error naming the path, in bounded time. Cases that
//! used to spin forever run in a child process, killed if they never end.

use mlops_core::registry::Registry;
use mlops_core::store::Store;
use mlops_core::Error;

#[path = "support/child.rs"]
mod child;

#[test]
fn a_store_where_creating_a_file_says_not_found_fails_instead_of_spinning() {
    child::isolated(
        "a_store_where_creating_a_file_says_not_found_fails_instead_of_spinning",
        || {
            // `/proc/self` is a folder, but creating any file in it fails
            // with ENOENT, however often its folder is (re)created.
            for open in [
                |u: &str| Store::open(u).map(|_| ()),
                |u: &str| Registry::open(u).map(|_| ()),
            ] {
                let err = open("/proc/self").unwrap_err();
                match &err {
                    Error::Storage { context, source } => {
                        // The store's marker, under the folder (resolved).
                        assert!(context.starts_with("create /proc/"), "{err}");
                        assert!(context.ends_with("/mlops.json"), "{err}");
                        assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{err}");
                    }
                    e => panic!("expected a storage error, got {e}"),
                }
            }
            // Below it, the folder itself cannot be made: named too.
            let err = Store::open("/proc/self/mlops-store").unwrap_err();
            assert!(err.to_string().contains("/proc/self/mlops-store"), "{err}");
        },
    );
}

#[test]
fn events_and_indexes_of_a_folder_store_are_written_whole_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().to_str().unwrap()).unwrap();
    // Create-only: the first write wins, the second reports it was there.
    assert!(s.write_index("idx/a", b"one".to_vec(), true).unwrap());
    assert!(!s.write_index("idx/a", b"two".to_vec(), true).unwrap());
    assert_eq!(s.read_index("idx/a").unwrap().unwrap(), b"one");
    // Replace.
    assert!(s.write_index("idx/a", b"three".to_vec(), false).unwrap());
    assert_eq!(s.read_index("idx/a").unwrap().unwrap(), b"three");
    let e = s.append("log/x", |_| Ok(b"{\"a\":1}".to_vec())).unwrap();
    assert_eq!(e.seq, 1);
    assert_eq!(s.event("log/x", 1).unwrap().unwrap().bytes, b"{\"a\":1}");
    // No staging file is left beside them.
    let mut names = Vec::new();
    for sub in ["idx", "log/x"] {
        for e in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            names.push(e.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    assert!(names.iter().all(|n| !n.contains('#')), "{names:?}");
}
