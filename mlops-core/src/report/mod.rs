//! Self-contained renderings of results: one HTML page with inline CSS and
//! SVG charts, no scripts or fonts fetched from the network, so a report can
//! be mailed, archived or opened offline.

mod drift_html;
mod html;
mod svg;
mod validation_html;

pub use drift_html::drift_html;
pub use html::{escape, profile_html};
pub use svg::histogram_svg;
pub use validation_html::validation_html;
