//! TensorFlow Serving exports: the versioned SavedModel layout TF Serving
//! loads from a base path, `<out>/<name>/<version>/saved_model.pb` with
//! `variables/` (and `assets/`, `assets.extra/`, `fingerprint.pb` when the
//! package has them) beside it.
//!
//! A package holds a SavedModel when `saved_model.pb` is at its root (any
//! flavor; TensorFlow models are built as `custom` packages). Anything
//! else is refused with [`Error::Unsupported`](crate::Error::Unsupported)
//! naming the target and the flavor. The version folder's number is
//! [`ExportOptions::version`](super::ExportOptions::version) or the
//! package version's [`numeric_version`](super::numeric_version): TF
//! Serving serves the highest number it finds, so a newer package must get
//! a higher one.

use std::path::Path;

use super::{copy_file, mkdir, Plan};
use crate::error::Result;

/// The file that makes a package a SavedModel.
pub const SAVED_MODEL: &str = "saved_model.pb";

/// Whether a package path belongs in the SavedModel folder.
fn is_saved_model_part(path: &str) -> bool {
    path == SAVED_MODEL
        || path == "fingerprint.pb"
        || path.starts_with("variables/")
        || path.starts_with("assets/")
        || path.starts_with("assets.extra/")
}

/// Refuses a package that holds no SavedModel.
pub(crate) fn check(plan: &Plan<'_>) -> Result<()> {
    if plan.pkg.manifest().file(SAVED_MODEL).is_none() {
        return Err(plan.unsupported(
            "TF Serving serves TensorFlow SavedModels, and the package has no saved_model.pb at its root",
        ));
    }
    Ok(())
}

pub(crate) fn write(plan: &Plan<'_>, model_dir: &Path) -> Result<()> {
    let version = plan
        .numeric_version
        .expect("tfserving exports have a version");
    let vdir = model_dir.join(version.to_string());
    mkdir(&vdir)?;
    // TF Serving expects the folder even for a model without variables.
    mkdir(&vdir.join("variables"))?;
    for f in &plan.pkg.manifest().files {
        if is_saved_model_part(&f.path) {
            copy_file(&plan.pkg.path_of(&f.path), &vdir.join(&f.path))?;
        }
    }
    Ok(())
}
