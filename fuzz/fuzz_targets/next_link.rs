//! nextLink and URL handling of graph-phone-runtime.
//!
//! - `same_origin` (the check `GraphRuntime::fetch_page` and the pre-request hook make before
//!   a URL gets the token) never panics, and a link it accepts really has the base URL's
//!   scheme, host and port, also as `http::Uri` (what the HTTP stack connects to);
//! - `encode_path_segment` / `UserRef::path_segment` give one path segment that decodes
//!   back to the input and stays one segment inside a `/users/{id}/...` URL.
//!
//! Input: the first line is the base URL when it is one the runtime builder accepts
//! (absolute http or https with a host), else a fixed cloud base URL is used; the rest is
//! the nextLink, and the whole input is also used as a user id.
#![no_main]

use graph_phone_runtime::reqwest::Url;
use graph_phone_runtime::{Cloud, UserRef, encode_path_segment, same_origin};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

/// The runtime builder's rule for a base URL (`RuntimeBuilder::build`).
fn base_url(text: &str) -> Option<Url> {
    let url = Url::parse(text.trim_end_matches('/')).ok()?;
    // A query or fragment in the base URL is a misconfiguration the fuzzer need not explore.
    (matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.query().is_none()
        && url.fragment().is_none())
    .then_some(url)
}

fn check_link(base: &Url, link: &str) {
    let Ok(url) = Url::parse(link) else {
        return;
    };
    let accepted = same_origin(&url, base);
    let origin_equal = url.origin() == base.origin();
    assert_eq!(
        accepted, origin_equal,
        "same_origin disagrees with the URL origin: {link:?} against {base}"
    );
    if !accepted {
        return;
    }
    assert_eq!(url.scheme(), base.scheme());
    assert_eq!(url.host(), base.host());
    assert_eq!(url.port_or_known_default(), base.port_or_known_default());
    // What reqwest/hyper connect to: the URL as an `http::Uri`.
    if let Ok(uri) = url.as_str().parse::<http::Uri>() {
        let host = uri.host().map(str::to_ascii_lowercase);
        assert_eq!(
            host.as_deref(),
            base.host_str(),
            "http::Uri host differs for {link:?}"
        );
        let default = match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        };
        assert_eq!(
            uri.port_u16().or(default),
            base.port_or_known_default(),
            "http::Uri port differs for {link:?}"
        );
        assert_eq!(uri.scheme_str(), Some(base.scheme()));
    }
}

fn check_segment(base: &Url, id: &str) {
    let encoded = encode_path_segment(id);
    assert!(
        !encoded.contains(['/', '?', '#', '\\']),
        "encoded segment {encoded:?} is more than one segment"
    );
    let decoded = percent_decode_str(&encoded)
        .decode_utf8()
        .expect("decodes to UTF-8");
    assert_eq!(decoded, id, "encoded segment does not decode back");

    let Ok(user) = UserRef::new(id) else {
        return;
    };
    let segment = user.path_segment();
    assert_eq!(segment, encoded);
    assert_eq!(user.as_str(), id);
    assert_eq!(format!("{user:?}"), "UserRef(<redacted>)");
    // URLs are built by appending the path to the base URL text, as progenitor does.
    let root = base.as_str().trim_end_matches('/');
    let n = Url::parse(&format!("{root}/users"))
        .expect("base URL with a plain segment parses")
        .path_segments()
        .expect("http(s) URL")
        .count()
        - 1;
    let url = Url::parse(&format!(
        "{root}/users/{segment}/authentication/phoneMethods"
    ))
    .expect("a base URL with an encoded segment parses");
    let segments: Vec<&str> = url.path_segments().expect("http(s) URL").collect();
    assert_eq!(
        segments.len(),
        n + 4,
        "user id {id:?} did not stay one segment: {url}"
    );
    assert_eq!(segments[n], "users");
    assert_eq!(
        percent_decode_str(segments[n + 1]).decode_utf8().unwrap(),
        id,
        "user id does not decode back from {url}"
    );
    assert!(same_origin(&url, base));
}

const BASES: [Cloud; 4] = [
    Cloud::Global,
    Cloud::UsGovL4,
    Cloud::UsGovL5Dod,
    Cloud::China,
];

fuzz_target!(|input: &str| {
    let (base, link) = match input
        .split_once('\n')
        .and_then(|(b, rest)| Some((base_url(b)?, rest)))
    {
        Some(pair) => pair,
        None => {
            let i = input.len() % (BASES.len() + 1);
            let base = match BASES.get(i) {
                Some(cloud) => cloud.api_base_url(),
                None => "http://127.0.0.1:8080/v1.0".to_owned(),
            };
            (base_url(&base).expect("fixed base URLs are valid"), input)
        }
    };
    check_link(&base, link);
    check_segment(&base, input);
});
