//! `mlops package ...`: model packages (build, verify, sign, keygen,
//! inspect, push, pull, and MLflow folders in and out).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mlops_core::package::{
    mlflow, onnx, sign, ExportOptions, Flavor, KeyPair, Manifest, Package, PublicKey, Signature,
};
use mlops_core::step::StepVerdict;
use mlops_core::Error;

use super::{finish_step, Context};
use crate::args::PackageCommand;
use crate::render;

fn json_object(
    flag: &str,
    text: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(o)) => Ok(o),
        _ => Err(Error::InvalidInput(format!("{flag} must be a JSON object"))),
    }
}

fn is_archive(p: &Path) -> bool {
    p.to_str().is_some_and(|s| s.ends_with(".tar.zst"))
}

/// Runs one package command.
pub fn run(cmd: PackageCommand, cx: &Context) -> Result<ExitCode, Error> {
    match cmd {
        PackageCommand::Build {
            dir,
            name,
            version,
            flavor,
            flavor_version,
            metrics,
            params,
            signature,
            requires,
            out,
        } => {
            let mut m = Manifest::new(&name, &version, flavor);
            m.flavor_version = flavor_version;
            if let Some(t) = metrics {
                for (k, v) in json_object("--metrics", &t)? {
                    let x = v.as_f64().ok_or_else(|| {
                        Error::InvalidInput(format!("--metrics: {k} is not a number"))
                    })?;
                    m.metrics.insert(k, x);
                }
            }
            if let Some(t) = params {
                m.params = json_object("--params", &t)?.into_iter().collect();
            }
            m.requirements.python = requires;
            m.signature = match signature {
                Some(p) => {
                    let b = mlops_core::small_file::read(
                        &p,
                        mlops_core::small_file::MANIFEST_MAX,
                        "signature file",
                    )?;
                    let s: Signature = serde_json::from_slice(&b).map_err(|e| {
                        Error::InvalidInput(format!("{}: not a signature: {e}", p.display()))
                    })?;
                    s.check()?;
                    Some(s)
                }
                None if m.flavor == Flavor::Onnx => onnx_file(&dir)?
                    .map(onnx::infer_signature_file)
                    .transpose()?,
                None => None,
            };
            let pkg = match &out {
                Some(o) if !is_archive(o) => {
                    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
                        .map_err(|e| Error::io(&dir, e))?
                        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(&dir, e)))
                        .collect::<Result<_, _>>()?;
                    if files.iter().any(|f| f.is_dir()) {
                        return Err(Error::InvalidInput(format!(
                            "{} has sub-folders: build it in place, or pass --out x.tar.zst",
                            dir.display()
                        )));
                    }
                    Package::build_from_files(&files, o, m)?
                }
                _ => Package::build(&dir, m)?,
            };
            if let Some(o) = out.as_ref().filter(|o| is_archive(o)) {
                pkg.save_archive(o)?;
            }
            print!("{}", render::package(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Verify {
            path,
            trusted,
            step,
        } => {
            let pkg = Package::load(&path)?;
            let keys = PublicKey::load_all(&trusted)?;
            let outcome = if keys.is_empty() {
                pkg.verify().map(|()| None)
            } else {
                sign::verify_signature(&pkg, &keys).map(Some)
            };
            let v = StepVerdict::package_verify(&pkg, outcome)?;
            let m = pkg.manifest();
            let human = match (v.value("signed_by"), v.value("reason")) {
                (_, Some(serde_json::Value::String(why))) => format!("FAILED: {why}\n"),
                (Some(serde_json::Value::String(id)), _) => format!(
                    "OK: {} files match the manifest of {} {}, signed by key {id}\n",
                    m.files.len(),
                    m.name,
                    m.version
                ),
                _ => format!(
                    "OK: {} files match the manifest of {} {}\n",
                    m.files.len(),
                    m.name,
                    m.version
                ),
            };
            finish_step(v, &step, true, Some(human))
        }
        PackageCommand::Sign { path, key } => {
            let key = KeyPair::load(&key)?;
            let pkg = Package::load(&path)?;
            sign::sign(&pkg, &key)?;
            if is_archive(&path) || path.is_file() {
                pkg.save_archive(&path)?;
            }
            println!("signed {} with key {}", path.display(), key.public().id());
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Keygen { out } => {
            let k = KeyPair::generate()?;
            k.save(&out)?;
            println!(
                "key {} written to {} and {}.pub",
                k.public().id(),
                out.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Inspect { path, json } => {
            let pkg = Package::load(&path)?;
            let text = if json {
                render::json_line(pkg.manifest())
            } else {
                render::package(&pkg)
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Push {
            path,
            name,
            message,
        } => {
            let pkg = Package::load(&path)?;
            let v = cx.open()?.push_package(
                &pkg,
                &name,
                mlops_core::unset::message(message.as_deref()),
            )?;
            println!("{v}");
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Pull { model, dest } => {
            let (name, reference) = model
                .split_once('@')
                .unwrap_or((&model, mlops_core::registry::LATEST));
            let pkg = cx.open()?.pull_package(name, reference, &dest)?;
            print!("{}", render::package(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::FromMlflow {
            dir,
            out,
            name,
            version,
        } => {
            let pkg = mlflow::from_mlflow(&dir, &out, name.as_deref(), version.as_deref())?;
            print!("{}", render::package(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::ToMlflow { path, out } => {
            let pkg = Package::load(&path)?;
            pkg.verify()?;
            mlflow::to_mlflow(&pkg, &out)?;
            println!("MLflow model written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Export {
            path,
            target,
            out,
            trusted,
            allow_unsigned,
            version,
            json,
        } => {
            let trusted = PublicKey::load_all(&trusted)?;
            let options = ExportOptions {
                trusted,
                allow_unsigned,
                version,
            };
            let side = Package::load(&path)?.export(target, &out, &options)?;
            if json {
                print!("{}", render::json_line(&side));
            } else {
                let signed = match &side.signed_by {
                    Some(id) => format!("signed by key {id}"),
                    None => "signature not checked (--allow-unsigned)".into(),
                };
                let version = side
                    .numeric_version
                    .map(|n| format!(", version folder {n}"))
                    .unwrap_or_default();
                println!(
                    "exported {} {} ({}) for {target} to {}{version}; {signed}",
                    side.name,
                    side.version,
                    side.flavor,
                    out.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The one `.onnx` file directly in `dir`, if there is exactly one.
fn onnx_file(dir: &Path) -> Result<Option<PathBuf>, Error> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    Ok(if found.len() == 1 { found.pop() } else { None })
}
