//! Criterion bench of the profile kernels on a synthetic in-memory table.
//! Peer comparisons (whylogs, pyarrow) live in `benches/profile_vs_whylogs.py`.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlops_core::profile::Profile;

fn table(rows: usize) -> RecordBatch {
    let f: Vec<f64> = (0..rows)
        .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
        .collect();
    let n: Vec<i64> = (0..rows).map(|i| (i % 97) as i64).collect();
    let s: Vec<String> = (0..rows).map(|i| format!("city_{}", i % 200)).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("f", DataType::Float64, false),
        Field::new("n", DataType::Int64, false),
        Field::new("s", DataType::Utf8, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(f)),
        Arc::new(Int64Array::from(n)),
        Arc::new(StringArray::from(s)),
    ];
    RecordBatch::try_new(schema, cols).unwrap()
}

fn bench(c: &mut Criterion) {
    let batch = table(100_000);
    let mut g = c.benchmark_group("profile");
    g.throughput(Throughput::Elements(batch.num_rows() as u64 * 3));
    g.bench_function("100k_rows_3_cols", |b| {
        b.iter(|| {
            let mut p = Profile::new(&batch.schema());
            p.update(&batch).unwrap();
            p
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
