//! The CSDL reader: quick-xml events in, a faithful [`Document`] out. Knows nothing of Rust or
//! OpenAPI.

mod model;
mod read;
mod write;

pub use model::*;
pub use read::{check_simple_identifier, read};
pub use write::write;
