//! Lowering: a CSDL [`Document`](crate::csdl::Document) in, a resolved [`Model`] out.

mod lower;
mod model;
pub(crate) mod resolve;

pub use lower::*;
pub use model::*;
