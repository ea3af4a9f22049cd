//! Criterion bench of registry reads on large local registries, for the
//! versioning issue's targets: opening a version or resolving an alias of an
//! asset with 10,000 versions (< 1 ms), and a search over 100,000 versions
//! (< 100 ms); and for the governance issue's, verifying the audit trail of
//! the latter (about 102,000 events: under 1 s). The registries are built once under `target/bench-registry/`
//! and reused by later runs.

use criterion::{criterion_group, criterion_main, Criterion};
use mlops_core::registry::{Kind, Registry};
use serde_json::json;

fn registry(name: &str, assets: u64, versions: u64) -> Registry {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-registry")
        .join(name);
    let done = dir.join("complete");
    let fresh = !done.exists();
    if fresh {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let r = Registry::open(dir.to_str().unwrap()).unwrap();
    if fresh {
        eprintln!("building {name}: {assets} assets x {versions} versions");
        for a in 0..assets {
            let asset = format!("model-{a:03}");
            for v in 1..=versions {
                let meta = json!({
                    "metrics": {"auc": 0.5 + (v % 500) as f64 / 1000.0, "loss": 1.0 / v as f64},
                    "params": {"depth": v % 12, "lr": 0.01},
                });
                r.add_version(
                    Kind::Model,
                    &asset,
                    format!("{a}/{v}").as_bytes(),
                    "retrained",
                    meta,
                )
                .unwrap();
                if v % 97 == 0 {
                    r.set_alias(Kind::Model, &asset, "production", v - 5)
                        .unwrap();
                    r.set_tag(
                        Kind::Model,
                        &asset,
                        v,
                        "team",
                        Some(if a % 2 == 0 { "risk" } else { "growth" }),
                    )
                    .unwrap();
                }
            }
        }
        std::fs::write(&done, b"").unwrap();
    }
    r
}

fn bench(c: &mut Criterion) {
    let one = registry("one-asset-10k", 1, 10_000);
    let mut g = c.benchmark_group("registry_10k_versions");
    g.bench_function("resolve_alias", |b| {
        b.iter(|| one.version(Kind::Model, "model-000", "production").unwrap())
    });
    g.bench_function("open_version_by_number", |b| {
        b.iter(|| one.version(Kind::Model, "model-000", "4321").unwrap())
    });
    g.bench_function("open_asset_full_state", |b| {
        b.iter(|| one.asset(Kind::Model, "model-000").unwrap())
    });
    g.finish();

    let many = registry("100-assets-1k", 100, 1_000);
    let mut g = c.benchmark_group("registry_100k_versions");
    g.sample_size(10);
    g.bench_function("search", |b| {
        b.iter(|| {
            many.search(
                "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9",
                false,
            )
            .unwrap()
        })
    });
    g.bench_function("audit_verify", |b| {
        b.iter(|| {
            let r = many.audit_verify().unwrap();
            assert!(r.ok() && r.events > 100_000);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
