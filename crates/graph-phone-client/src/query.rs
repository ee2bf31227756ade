//! Query options of read operations.

/// OData query options for reads: `$select` (lists and gets) and `$top` (lists).
///
/// `$select` is sent once, comma-separated (`$select=id,phoneNumber`), as Graph expects.
///
/// ```
/// let query = graph_phone_client::Query::new().select(["id", "phoneType"]).top(2);
/// assert_eq!(query.select_param().as_deref(), Some("id,phoneType"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    select: Vec<String>,
    top: Option<i32>,
}

impl Query {
    /// No options.
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds properties to `$select` (wire names, for example `phoneNumber`).
    pub fn select<I, S>(mut self, properties: I) -> Query
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select.extend(properties.into_iter().map(Into::into));
        self
    }

    /// Sets `$top`, the page size (lists only; ignored by gets).
    pub fn top(mut self, n: i32) -> Query {
        self.top = Some(n);
        self
    }

    /// The `$select` value, if any: the properties joined with commas.
    pub fn select_param(&self) -> Option<String> {
        (!self.select.is_empty()).then(|| self.select.join(","))
    }

    /// The `$top` value, if any.
    pub fn top_param(&self) -> Option<i32> {
        self.top
    }
}
