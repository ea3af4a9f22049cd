//! Small inline SVG charts.

use crate::profile::Histogram;

/// A bar chart of a histogram, `width` × `height` pixels, as an inline `<svg>`.
pub fn histogram_svg(h: &Histogram, width: u32, height: u32) -> String {
    let max = h.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = h.counts.len().max(1) as f64;
    let bw = width as f64 / n;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    for (i, &c) in h.counts.iter().enumerate() {
        let bh = (c as f64 / max) * (height as f64 - 2.0);
        let lo = h.edges.get(i).copied().unwrap_or(0.0);
        let hi = h.edges.get(i + 1).copied().unwrap_or(lo);
        s.push_str(&format!(
            r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="#4f7cac"><title>[{lo:.4}, {hi:.4}): {c}</title></rect>"##,
            i as f64 * bw + 0.5,
            height as f64 - bh,
            (bw - 1.0).max(0.5),
            bh
        ));
    }
    s.push_str("</svg>");
    s
}
