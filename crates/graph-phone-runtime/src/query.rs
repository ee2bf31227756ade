//! Query options of the generated clients' read operations.

use crate::Error;

/// OData query options for reads: `$select` (lists and gets), `$top` (lists) and `$expand`
/// (the gets whose metadata offers it; in the authentication methods slice, Microsoft
/// Authenticator, Windows Hello for Business and platform credential methods offer `device`).
///
/// `$select` and `$expand` are sent once, comma-separated (`$select=id,phoneNumber`), as
/// Graph expects. An operation that does not offer an `$expand` asked for fails with
/// [`Error::InvalidInput`] before sending, rather than ignore it.
///
/// ```
/// let query = graph_phone_runtime::Query::new().select(["id", "phoneType"]).top(2);
/// assert_eq!(query.select_param().as_deref(), Some("id,phoneType"));
/// let query = graph_phone_runtime::Query::new().expand(["device"]);
/// assert_eq!(query.expand_param().as_deref(), Some("device"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    select: Vec<String>,
    top: Option<i32>,
    expand: Vec<String>,
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

    /// Adds navigation properties to `$expand` (wire names, for example `device`): the
    /// related entity is returned inline, in the item's field of that name.
    pub fn expand<I, S>(mut self, navigations: I) -> Query
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expand.extend(navigations.into_iter().map(Into::into));
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

    /// The `$expand` value, if any: the navigation properties joined with commas.
    pub fn expand_param(&self) -> Option<String> {
        (!self.expand.is_empty()).then(|| self.expand.join(","))
    }

    /// Checks that operation `op` offers every `$expand` asked for (`offered`, from the
    /// metadata); the error names the operation and what it offers.
    #[doc(hidden)]
    pub fn check_expand(&self, op: &str, offered: &[&str]) -> Result<(), Error> {
        let Some(bad) = self.expand.iter().find(|x| !offered.contains(&x.as_str())) else {
            return Ok(());
        };
        let offers = if offered.is_empty() {
            "offers no `$expand`".to_owned()
        } else {
            format!("offers `$expand` of {}", offered.join(", "))
        };
        Err(Error::InvalidInput {
            field: "$expand",
            reason: format!("operation {op} {offers}, not `{bad}`"),
        })
    }
}
