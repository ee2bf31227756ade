//! Hand-written wire types that every generated progenitor client uses for the schemas its
//! types crate has no model for: a page of a collection and the OData error body.
//! Generic over the item type, so no per-operation code lives here.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ItemError, Page};

/// One page of a Graph collection (`microsoft.graph.xCollectionResponse` in
/// the slice's OpenAPI document), decoded item by item through the runtime's [`Page`]: an item
/// that does not decode is kept in `item_errors` (with its index, field and raw JSON)
/// instead of failing the page.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    from = "Page<T>",
    bound(
        deserialize = "T: serde::de::DeserializeOwned",
        serialize = "T: Serialize"
    )
)]
pub struct CollectionResponse<T> {
    /// The items of this page that decoded (`value`; missing reads as empty).
    pub value: Vec<T>,
    /// The items of `value` that did not decode.
    #[serde(skip)]
    pub item_errors: Vec<ItemError>,
    /// `@odata.nextLink`: the URL of the next page, absent on the last page.
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// `@odata.context`, when the server sent it.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.count` (with `$count=true`, first page only).
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

impl<T> From<Page<T>> for CollectionResponse<T> {
    fn from(page: Page<T>) -> Self {
        CollectionResponse {
            value: page.items,
            item_errors: page.item_errors,
            next_link: page.next_link,
            context: page.context,
            count: page.count,
        }
    }
}

impl<T> CollectionResponse<T> {
    /// The runtime's [`Page`] of this response.
    pub fn into_page(self) -> Page<T> {
        Page::new(self.value, self.next_link)
            .with_item_errors(self.item_errors)
            .with_annotations(self.context, self.count)
    }
}

impl<T: fmt::Debug> fmt::Debug for CollectionResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The links carry the user id or UPN of the listing: print their presence only.
        f.debug_struct("CollectionResponse")
            .field("value", &self.value)
            .field("item_errors", &self.item_errors)
            .field("next_link", &self.next_link.as_ref().map(|_| "<link>"))
            .field("context", &self.context.as_ref().map(|_| "<link>"))
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
