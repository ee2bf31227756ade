//! Hand-written wire types that the generated progenitor client uses for the schemas
//! `graph-phone-types` has no model for: a page of a collection and the OData error body.
//! Generic over the item type, so no per-operation code lives here.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Page;

/// One page of a Graph collection (`microsoft.graph.xCollectionResponse` in
/// `spec/openapi.json`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionResponse<T> {
    /// The items of this page (`value`; missing reads as empty).
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// `@odata.nextLink`: the URL of the next page, absent on the last page.
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// `@odata.count` (with `$count=true`, first page only).
    #[serde(
        rename = "@odata.count",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
}

impl<T> CollectionResponse<T> {
    /// The runtime's [`Page`] of this response.
    pub fn into_page(self) -> Page<T> {
        Page::new(self.value, self.next_link)
    }
}

impl<T: fmt::Debug> fmt::Debug for CollectionResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The next link carries the user id or UPN of the listing: print its presence only.
        f.debug_struct("CollectionResponse")
            .field("value", &self.value)
            .field("next_link", &self.next_link.as_ref().map(|_| "<link>"))
            .field("count", &self.count)
            .finish()
    }
}

/// The body of a Graph error response (`microsoft.graph.ODataErrors.ODataError`). The
/// client reports errors as the runtime's typed [`crate::Error`]; this type only lets
/// progenitor decode the body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ODataError {
    /// The error object (`code`, `message`, `innerError`, ...), kept as read.
    pub error: serde_json::Value,
}

impl ODataError {
    /// `error.code`, if present.
    pub fn code(&self) -> Option<&str> {
        self.error.get("code").and_then(serde_json::Value::as_str)
    }
}

impl fmt::Debug for ODataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message may echo user input (phone numbers, UPNs): show the code only.
        f.debug_struct("ODataError")
            .field("code", &self.code())
            .finish_non_exhaustive()
    }
}
