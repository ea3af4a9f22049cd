//! `mlops package ...`: model packages (build, verify, sign, keygen,
//! inspect, push, pull, and MLflow folders in and out).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use mlops_core::package::{
    mlflow, onnx, registry as preg, sign, Flavor, KeyPair, Manifest, Package, PublicKey, Signature,
};
use mlops_core::registry::Registry;
use mlops_core::Error;

use crate::text::esc;

#[derive(Subcommand)]
pub enum PackageCommand {
    /// Make a folder a package: hash every file and write mlops-package.json
    /// (in place, or into --out: a new folder or a .tar.zst archive).
    Build {
        /// The folder holding the model's files.
        dir: PathBuf,
        /// The model's name.
        #[arg(long)]
        name: String,
        /// The model's version (any string: 1.4.0, 2024-06-rc1).
        #[arg(long)]
        version: String,
        /// sklearn, xgboost, lightgbm, pytorch, onnx or custom.
        #[arg(long)]
        flavor: String,
        /// The framework's version (e.g. 1.5.2).
        #[arg(long)]
        flavor_version: Option<String>,
        /// Metrics as a JSON object of numbers, e.g. '{"auc": 0.91}'.
        #[arg(long)]
        metrics: Option<String>,
        /// Params as a JSON object.
        #[arg(long)]
        params: Option<String>,
        /// The signature: a JSON file {"inputs": [{"name", "type", "nullable"}], "outputs": [...]}.
        /// For an onnx package without one, it is inferred from the .onnx file.
        #[arg(long)]
        signature: Option<PathBuf>,
        /// Python requirements (repeatable), e.g. scikit-learn==1.5.2.
        #[arg(long = "requires")]
        requires: Vec<String>,
        /// Write the package here instead of in place: a new folder, or a
        /// file ending in .tar.zst.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check every file's size and hash and that no file is missing or
    /// unlisted; with --trusted, also the signature. Exit 2 naming the file.
    Verify {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// A trusted public key file (repeatable); the package must be signed by one.
        #[arg(long)]
        trusted: Vec<PathBuf>,
    },
    /// Sign a package (folder or archive) with a secret key file.
    Sign {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The secret key file (from `mlops package keygen`).
        #[arg(long)]
        key: PathBuf,
    },
    /// Generate an Ed25519 key pair: OUT (secret, mode 0600) and OUT.pub.
    Keygen {
        /// The secret key file to create.
        out: PathBuf,
    },
    /// Show a package's manifest.
    Inspect {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Push a package to the registry as the next version of a model; prints the version.
    Push {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The model's name in the registry.
        #[arg(long)]
        name: String,
        /// What changed and why.
        #[arg(long, short, default_value = "")]
        message: String,
    },
    /// Pull a model version (NAME, NAME@VERSION or NAME@ALIAS) into a new folder, verified.
    Pull {
        /// NAME[@REF]; REF is a version number, an alias or latest (the default).
        model: String,
        /// The folder to create.
        dest: PathBuf,
    },
    /// Read an MLflow model folder into a new package folder.
    FromMlflow {
        /// The MLflow model folder (holding MLmodel).
        dir: PathBuf,
        /// The package folder to create.
        out: PathBuf,
        /// The model's name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
        /// The model's version (default: 1).
        #[arg(long)]
        version: Option<String>,
    },
    /// Write a package as a new MLflow model folder.
    ToMlflow {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The MLflow folder to create.
        out: PathBuf,
    },
}

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

fn describe(pkg: &Package) -> String {
    let m = pkg.manifest();
    let mut s = format!(
        "package {} {} ({}{}): {} files, {} bytes\n",
        esc(&m.name),
        esc(&m.version),
        m.flavor.as_str(),
        m.flavor_version
            .as_ref()
            .map_or(String::new(), |v| format!(" {}", esc(v))),
        m.files.len(),
        m.total_size()
    );
    for f in &m.files {
        s.push_str(&format!(
            "  {:>12}  {}  {}\n",
            f.size,
            &f.blake3[..16],
            esc(&f.path)
        ));
    }
    if let Some(sig) = &m.signature {
        let cols = |c: &[mlops_core::package::ColumnSpec]| {
            c.iter()
                .map(|c| format!("{}: {}", esc(&c.name), c.data_type))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "  inputs:  {}\n  outputs: {}\n",
            cols(&sig.inputs),
            cols(&sig.outputs)
        ));
    }
    for (k, v) in &m.metrics {
        s.push_str(&format!("  metric {} = {v}\n", esc(k)));
    }
    s
}

pub fn run(cmd: PackageCommand, store: &str) -> Result<ExitCode, Error> {
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
            let mut m = Manifest::new(&name, &version, Flavor::parse(&flavor)?);
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
            print!("{}", describe(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Verify { path, trusted } => {
            let pkg = Package::load(&path)?;
            if trusted.is_empty() {
                pkg.verify()?;
                println!(
                    "OK: {} files match the manifest of {} {}",
                    pkg.manifest().files.len(),
                    pkg.manifest().name,
                    pkg.manifest().version
                );
            } else {
                let keys = trusted
                    .iter()
                    .map(PublicKey::load)
                    .collect::<Result<Vec<_>, _>>()?;
                let id = sign::verify_signature(&pkg, &keys)?;
                println!(
                    "OK: {} files match the manifest of {} {}, signed by key {id}",
                    pkg.manifest().files.len(),
                    pkg.manifest().name,
                    pkg.manifest().version
                );
            }
            Ok(ExitCode::SUCCESS)
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
            if json {
                println!(
                    "{}",
                    serde_json::to_string(pkg.manifest()).expect("manifests serialise")
                );
            } else {
                print!("{}", describe(&pkg));
            }
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Push {
            path,
            name,
            message,
        } => {
            let pkg = Package::load(&path)?;
            let v = preg::push_package(&Registry::open(store)?, &pkg, &name, &message)?;
            println!("{v}");
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::Pull { model, dest } => {
            let (name, reference) = model.split_once('@').unwrap_or((&model, "latest"));
            let pkg = preg::pull_package(&Registry::open(store)?, name, reference, &dest)?;
            print!("{}", describe(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::FromMlflow {
            dir,
            out,
            name,
            version,
        } => {
            let pkg = mlflow::from_mlflow(&dir, &out, name.as_deref(), version.as_deref())?;
            print!("{}", describe(&pkg));
            Ok(ExitCode::SUCCESS)
        }
        PackageCommand::ToMlflow { path, out } => {
            let pkg = Package::load(&path)?;
            pkg.verify()?;
            mlflow::to_mlflow(&pkg, &out)?;
            println!("MLflow model written to {}", out.display());
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
