//! Hand-written wire types that the generated progenitor client uses for the schemas
//! `graph-phone-types` has no model for: a page of a collection and the OData error body.
//! Shared by every generated client: they are the runtime's
//! (`graph_phone_runtime::wire`), re-exported here.

pub use graph_phone_runtime::wire::{CollectionResponse, ODataError};
