//! User ids and UPNs stay one path segment, both through the runtime's encoder and
//! through progenitor's `encode_path`, checked on the wire of a real local server.

mod common;

use common::*;
use graph_phone_runtime::progenitor_client::encode_path;
use graph_phone_runtime::{UserRef, encode_path_segment};

const INPUTS: &[&str] = &[
    "kim@contoso.com",
    "3179e48a-750b-4051-897c-87b9720928f7",
    "a/b",
    "../../me",
    "..%2F..",
    "x?$select=id",
    "x#frag",
    "100%",
    "%2E%2E",
    "o'brien@contoso.com",
    "kim smith@contoso.com",
    "zoë@contoso.com",
    "用户@contoso.com",
    "...",
    "a\\b",
    "tab\there",
];

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The path the server received, split into segments after `/v1.0/users/`.
fn user_segment(uri: &str) -> Vec<String> {
    let rest = uri
        .strip_prefix("/v1.0/users/")
        .unwrap_or_else(|| panic!("{uri}"));
    let path = rest.split('?').next().unwrap();
    path.split('/').map(str::to_owned).collect()
}

#[tokio::test]
async fn segments_survive_the_wire() {
    let server = TestServer::start().await;
    let rt = runtime(&server.base());
    for (i, input) in INPUTS.iter().enumerate() {
        // The runtime's encoder keeps every input in one segment; progenitor's
        // `encode_path` gets the inputs UserRef accepts.
        let mut routes = vec![("runtime", encode_path_segment(input))];
        match UserRef::new(*input) {
            Ok(user) => {
                assert_eq!(user.path_segment(), encode_path_segment(input));
                routes.push(("progenitor", encode_path(user.as_str())));
            }
            Err(_) => assert!(input.contains('\\'), "case {i} rejected"),
        }
        for (how, segment) in routes {
            server.push(Reply::json(200, "{}"));
            let url = format!(
                "{}/users/{segment}/authentication/phoneMethods",
                rt.base_url()
            );
            rt.send(rt.http_client().get(url).build().unwrap(), LIST)
                .await
                .unwrap();
            let hits = server.hits();
            let uri = &hits.last().unwrap().uri;
            let segments = user_segment(uri);
            assert_eq!(
                segments.len(),
                3,
                "case {i} via {how}: {uri} is not user/authentication/phoneMethods"
            );
            assert_eq!(
                &segments[1..],
                ["authentication", "phoneMethods"],
                "case {i} via {how}"
            );
            assert_eq!(
                percent_decode(&segments[0]),
                *input,
                "case {i} via {how}: {uri}"
            );
            assert!(!uri.contains('#'), "case {i} via {how}");
            assert!(
                !uri.contains('?'),
                "case {i} via {how}: query leaked into {uri}"
            );
        }
    }
}

#[test]
fn dot_segments_are_refused_before_any_request() {
    for input in [".", "..", "", "a\\b"] {
        assert!(UserRef::new(input).is_err(), "{input:?}");
    }
    assert_eq!(encode_path_segment(".."), "%2E%2E");
    assert_eq!(encode_path_segment("o'brien"), "o%27brien");
}
