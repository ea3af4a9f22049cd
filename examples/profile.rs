//! Profile a data file from Rust and print a few statistics.
//!
//!     cargo run --release -p mlops-core --example profile -- data.parquet

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: profile FILE")?;
    let p = mlops_core::profile_path(&path)?;
    println!("{} rows", p.row_count());
    for c in p.columns() {
        println!(
            "{:<10} {:<12} nulls={:<6} mean={:?} p50={:?} distinct~{:.0}",
            c.name(),
            c.semantic_type().as_str(),
            c.null_count(),
            c.mean(),
            c.quantile(0.5),
            c.distinct_estimate().unwrap_or(0.0)
        );
    }
    Ok(())
}
