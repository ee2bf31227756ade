//! The CSDL reader: quick-xml events in, a faithful [`Document`] out. Knows nothing of Rust or
//! OpenAPI.

mod model;

pub use model::*;
