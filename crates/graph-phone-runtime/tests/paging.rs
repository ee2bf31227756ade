//! Paging over a real local server.

mod common;

use common::*;
use futures::StreamExt;
use graph_phone_runtime::{Error, Page};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: String,
}

fn page(ids: &[&str], next: Option<String>) -> String {
    let value: Vec<_> = ids
        .iter()
        .map(|id| serde_json::json!({ "id": id }))
        .collect();
    let mut body = serde_json::json!({ "value": value });
    if let Some(next) = next {
        body["@odata.nextLink"] = next.into();
    }
    body.to_string()
}

#[tokio::test]
async fn follows_next_links_verbatim_across_pages_including_an_empty_one() {
    let server = TestServer::start().await;
    let base = server.base();
    // The first page comes from the generated client; the runtime fetches the rest.
    let link2 = format!(
        "{base}/users/kim%40contoso.com/authentication/phoneMethods?$select=id,phoneType&$skiptoken=A%2FB"
    );
    let link3 = format!(
        "{base}/users/kim%40contoso.com/authentication/phoneMethods?$select=id,phoneType&$skiptoken=C"
    );
    let link4 = format!("{base}/users/kim%40contoso.com/authentication/phoneMethods?$skip=4");
    server.push(Reply::json(200, page(&[], Some(link3.clone()))));
    server.push(Reply::json(200, page(&["c", "d"], Some(link4.clone()))));
    server.push(Reply::json(200, page(&["e"], None)));
    let rt = runtime(&base);
    let first: Page<Item> = Page::new(
        vec![Item { id: "a".into() }, Item { id: "b".into() }],
        Some(link2.clone()),
    );
    let items: Vec<String> = rt
        .stream_pages(LIST, first)
        .map(|r| r.unwrap().id)
        .collect()
        .await;
    assert_eq!(items, ["a", "b", "c", "d", "e"]);
    let hits = server.hits();
    let uris: Vec<&str> = hits.iter().map(|h| h.uri.as_str()).collect();
    let strip = |l: &str| {
        l.trim_start_matches(&format!("http://{}", server.addr))
            .to_owned()
    };
    assert_eq!(uris, [strip(&link2), strip(&link3), strip(&link4)]);
    // Every page is its own logical call: its own client-request-id, and the token.
    let ids: std::collections::HashSet<_> = hits
        .iter()
        .map(|h| h.header("client-request-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(hits.iter().all(|h| h.header("authorization").is_some()));
}

#[tokio::test]
async fn stream_from_url_fetches_the_first_page_too() {
    let server = TestServer::start().await;
    let base = server.base();
    server.push(Reply::json(200, page(&["a"], Some(format!("{base}/p2")))));
    server.push(Reply::json(200, page(&[], Some(format!("{base}/p3")))));
    server.push(Reply::json(200, page(&["b"], None)));
    let rt = runtime(&base);
    let items: Vec<Item> = rt
        .stream_from_url(LIST, format!("{base}/me/authentication/phoneMethods"))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(items, [Item { id: "a".into() }, Item { id: "b".into() }]);
    assert_eq!(server.hits().len(), 3);
}

#[tokio::test]
async fn refuses_next_links_to_another_origin() {
    let server = TestServer::start().await;
    let other = TestServer::start().await;
    let rt = runtime(&server.base());
    let port = server.addr.port();
    let cases = [
        format!("http://localhost:{port}/v1.0/x"), // another host
        format!("http://127.0.0.1:{}/v1.0/x", other.addr.port()), // another port
        format!("https://127.0.0.1:{port}/v1.0/x"), // another scheme
        "https://evil.example/v1.0/users?$skiptoken=1".to_owned(),
    ];
    for link in cases {
        let first: Page<Item> = Page::new(vec![Item { id: "a".into() }], Some(link.clone()));
        let results: Vec<Result<Item, Error>> = rt.stream_pages(LIST, first).collect().await;
        assert_eq!(results.len(), 2, "{link}");
        assert!(results[0].is_ok());
        let err = results[1].as_ref().unwrap_err();
        assert!(
            matches!(err, Error::UntrustedNextLink { .. }),
            "{link}: {err:?}"
        );
        assert!(!err.to_string().contains("skiptoken"));
    }
    assert!(server.hits().is_empty());
    assert!(other.hits().is_empty(), "the token went to another port");
}

#[tokio::test]
async fn page_errors_are_typed_and_end_the_stream() {
    let server = TestServer::start().await;
    let base = server.base();
    server.push(Reply::json(404, GRAPH_404));
    server.push(Reply::json(200, "{not json"));
    let rt = runtime(&base);
    let results: Vec<Result<Item, Error>> = rt
        .stream_pages(LIST, Page::new(vec![], Some(format!("{base}/p2"))))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let err = results[0].as_ref().unwrap_err();
    assert!(matches!(err, Error::Graph(g) if g.status == 404 && g.code == "itemNotFound"));

    let results: Vec<Result<Item, Error>> = rt
        .stream_pages(LIST, Page::new(vec![], Some(format!("{base}/p3"))))
        .collect()
        .await;
    let err = results[0].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
}

/// A nextLink is followed verbatim or not at all: one carrying `user:password@` cannot be
/// sent as written (reqwest's request builder would turn it into a second, Basic
/// `Authorization` header; a bare `Request` silently drops it), and Graph never sends one.
#[tokio::test]
async fn refuses_next_links_carrying_user_credentials() {
    let server = TestServer::start().await;
    let port = server.addr.port();
    let rt = runtime(&server.base());
    for link in [
        format!("http://user:secret-pass@127.0.0.1:{port}/v1.0/x?$skiptoken=1"),
        format!("http://user@127.0.0.1:{port}/v1.0/x"),
        format!("http://:secret-pass@127.0.0.1:{port}/v1.0/x"),
    ] {
        let first: Page<Item> = Page::new(vec![Item { id: "a".into() }], Some(link.clone()));
        let results: Vec<Result<Item, Error>> = rt.stream_pages(LIST, first).collect().await;
        assert_eq!(results.len(), 2, "{link}");
        let err = results[1].as_ref().unwrap_err();
        assert!(
            matches!(err, Error::InvalidResponse { reason, .. } if reason.contains("credentials")),
            "{link}: {err:?}"
        );
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("secret-pass") && !shown.contains("skiptoken"),
            "{shown}"
        );
    }
    assert!(
        server.hits().is_empty(),
        "a link with credentials was followed"
    );
}
