//! JSON batching and the bulk path of the client: [`GraphClient::send_batch`],
//! [`GraphClient::bulk`], and the helper the generated `*_item` constructors call.

use graph_phone_runtime::{
    BatchItem, BatchResponse, Bulk, Error, GraphRuntime, encode_path_segment,
};
use serde::de::DeserializeOwned;

use crate::GraphClient;

impl GraphClient {
    /// Sends up to 20 batch items (from the generated `*_item` constructors, such as
    /// `client.user(u).phone_methods().create_item(&body)`) as one JSON batch and returns
    /// each item's status, headers and typed result, in the order given.
    ///
    /// Items answered 429, 503 or 504 are not retried here; [`GraphClient::bulk`] retries
    /// them. See [`GraphRuntime::send_batch`] for what fails the whole batch.
    pub async fn send_batch<T>(
        &self,
        items: Vec<BatchItem<T>>,
    ) -> Result<Vec<BatchResponse<T>>, Error> {
        self.runtime().send_batch(items).await
    }

    /// The bulk path: runs any number of batch items through JSON batches of up to 20,
    /// several at a time, retrying throttled items and adapting concurrency and batch size
    /// to Graph's throttling (see [`Bulk`]).
    ///
    /// ```no_run
    /// # async fn demo(client: graph_phone_client::GraphClient) -> Result<(), graph_phone_client::Error> {
    /// use graph_phone_client::{AuthenticationPhoneType, PhoneAuthenticationMethodCreate};
    /// let users = ["adele@contoso.com", "kim@contoso.com"];
    /// let items = users
    ///     .iter()
    ///     .map(|u| {
    ///         client.user(*u).phone_methods().create_item(&PhoneAuthenticationMethodCreate::new(
    ///             "+1 2065550100",
    ///             AuthenticationPhoneType::Mobile,
    ///         ))
    ///     })
    ///     .collect::<Result<Vec<_>, _>>()?; // checked here, before anything is sent
    /// for (user, result) in users.iter().zip(client.bulk().run(items).await) {
    ///     match result {
    ///         Ok(phone) => println!("{}: created {}", user.len(), phone.id),
    ///         Err(e) => println!("failed: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn bulk(&self) -> Bulk {
        Bulk::new(self.runtime().clone())
    }
}

/// A batch item of operation `op` whose path template's placeholders take `segments` in
/// order (each percent-encoded as one path segment), with the query options that are set.
/// The generated `*_item` constructors call this after their checks.
pub(crate) fn item<T: DeserializeOwned + 'static>(
    client: &GraphClient,
    op: &'static str,
    segments: &[&str],
    query: &[(&str, Option<String>)],
) -> Result<BatchItem<T>, Error> {
    let runtime: &GraphRuntime = client.runtime();
    let spec = runtime
        .operation(op)
        .ok_or_else(|| Error::UnknownOperation {
            operation: op.to_owned(),
        })?;
    let url = fill(spec.path_template, segments, query).ok_or_else(|| Error::InvalidRequest {
        operation: op.to_owned(),
        reason: format!(
            "{} path segment(s) given for the template {}",
            segments.len(),
            spec.path_template
        ),
    })?;
    BatchItem::new(runtime, op, url)
}

/// `template` with each `{...}` replaced by the next of `segments`, encoded, and the query
/// options that are set appended; `None` when the counts differ.
fn fill(template: &str, segments: &[&str], query: &[(&str, Option<String>)]) -> Option<String> {
    let mut url = String::with_capacity(template.len() + 64);
    let mut rest = template;
    let mut segments = segments.iter();
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        url.push_str(&rest[..open]);
        url.push_str(&encode_path_segment(segments.next()?));
        rest = &rest[close + 1..];
    }
    if segments.next().is_some() {
        return None;
    }
    url.push_str(rest);
    let mut first = true;
    for (name, value) in query {
        let Some(value) = value else { continue };
        url.push(if first { '?' } else { '&' });
        first = false;
        url.push_str(name);
        url.push('=');
        url.push_str(&encode_query_value(value));
    }
    Some(url)
}

/// Percent-encodes a query option's value; keeps unreserved characters and `,` (the
/// list separator of `$select` and `$expand`).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_take_encoded_segments_in_order() {
        assert_eq!(
            fill(
                "/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
                &["kim@contoso.com", "a/b c"],
                &[],
            )
            .as_deref(),
            Some("/users/kim@contoso.com/authentication/phoneMethods/a%2Fb%20c")
        );
        assert_eq!(
            fill(
                "/me/authentication/phoneMethods",
                &[],
                &[
                    ("$select", Some("id,phoneType".into())),
                    ("$top", None),
                    ("$expand", Some("device x".into()))
                ],
            )
            .as_deref(),
            Some("/me/authentication/phoneMethods?$select=id,phoneType&$expand=device%20x")
        );
        assert_eq!(fill("/users/{user-id}/x", &[], &[]), None);
        assert_eq!(fill("/me/x", &["extra"], &[]), None);
    }
}
