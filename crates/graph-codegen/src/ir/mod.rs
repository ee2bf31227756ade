//! Lowering: a CSDL [`Document`](crate::csdl::Document) in, a resolved [`Model`] out.

mod lower;
mod model;

pub(crate) use lower::names;
pub use lower::{PathRequest, key_placeholder, lower};
pub use model::*;
