//! Lowering: a CSDL [`Document`](crate::csdl::Document) in, a resolved [`Model`] out.

mod model;

pub use model::*;
