//! Walking a folder: every file and symbolic link below it, with what
//! `stat` says of it, sorted by path; folders are read in parallel.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::format::{check_path, link_stays_inside, Mode};
use crate::error::{Error, Result};

/// What `stat` says of a file, as the stat cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Change time, ns since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub ino: u64,
}

impl Stat {
    /// The stat of `m`.
    pub fn of(m: &std::fs::Metadata) -> Stat {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat {
                size: m.len(),
                mtime_ns: m.mtime() * 1_000_000_000 + m.mtime_nsec(),
                ctime_ns: m.ctime() * 1_000_000_000 + m.ctime_nsec(),
                ino: m.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let ns = |t: std::io::Result<std::time::SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i64)
            };
            Stat {
                size: m.len(),
                mtime_ns: ns(m.modified()),
                ctime_ns: ns(m.created()),
                ino: 0,
            }
        }
    }
}

/// A file or link found by the walk.
#[derive(Debug, Clone)]
pub struct Found {
    /// Relative, `/`-separated.
    pub path: String,
    /// File, executable or link.
    pub mode: Mode,
    /// Its stat.
    pub stat: Stat,
    /// A link's target.
    pub target: Option<String>,
}

fn is_exec(m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

/// Every file and link below `root`, sorted by path. A path that is not
/// UTF-8, a link leaving `root`, or anything that is neither file, folder
/// nor link is an [`Error::InvalidInput`] naming it.
pub fn walk(root: &Path) -> Result<Vec<Found>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if !meta.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is not a directory",
            root.display()
        )));
    }
    let mut out = walk_dir(root, root, "")?;
    out.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk_dir(root: &Path, dir: &Path, prefix: &str) -> Result<Vec<Found>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    let mut subdirs: Vec<(PathBuf, String)> = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(Error::InvalidInput(format!(
                "{}: a file name that is not UTF-8",
                entry.path().display()
            )));
        };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        check_path(&rel, "path")?;
        let ft = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        if ft.is_dir() {
            subdirs.push((entry.path(), rel));
        } else if ft.is_file() {
            let m = entry.metadata().map_err(|e| Error::io(entry.path(), e))?;
            files.push(Found {
                path: rel,
                mode: if is_exec(&m) { Mode::Exec } else { Mode::File },
                stat: Stat::of(&m),
                target: None,
            });
        } else if ft.is_symlink() {
            let p = entry.path();
            let target = std::fs::read_link(&p).map_err(|e| Error::io(&p, e))?;
            let Some(t) = target.to_str() else {
                return Err(Error::InvalidInput(format!(
                    "link '{rel}': a target that is not UTF-8"
                )));
            };
            if !link_stays_inside(&rel, t) {
                return Err(Error::InvalidInput(format!(
                    "link '{rel}' points at '{t}', outside the directory {}",
                    root.display()
                )));
            }
            let m = std::fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
            let mut stat = Stat::of(&m);
            stat.size = t.len() as u64;
            files.push(Found {
                path: rel,
                mode: Mode::Link,
                stat,
                target: Some(t.to_string()),
            });
        } else {
            return Err(Error::InvalidInput(format!(
                "'{rel}' is neither a file, a directory nor a link"
            )));
        }
    }
    let nested: Vec<Vec<Found>> = subdirs
        .par_iter()
        .map(|(p, rel)| walk_dir(root, p, rel))
        .collect::<Result<_>>()?;
    for n in nested {
        files.extend(n);
    }
    Ok(files)
}
