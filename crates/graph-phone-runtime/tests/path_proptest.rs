//! Property test: any user id or UPN that [`UserRef`] accepts arrives at a real local server
//! as exactly one path segment that percent-decodes back to the original, both as the
//! runtime encodes it ([`UserRef::path_segment`]) and as the generated client sends it
//! (progenitor's `encode_path` of [`UserRef::as_str`]). A modest number of cases keeps the
//! suite fast; `tests/path_encoding.rs` has the hand-picked ones.

mod common;

use common::*;
use graph_phone_runtime::progenitor_client::encode_path;
use graph_phone_runtime::{UserRef, encode_path_segment};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Any string, strings of the characters URLs treat specially, and dot runs.
fn user_ids() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[./?#%@ '\\\\a-z0-9;:=&+$,\\[\\]|^`{}<>\"~!*()\t\r\n-]{1,16}",
        "[.%2Ee]{1,6}",
        "[a-z]{1,8}(%[0-9A-Fa-f]{2}){1,3}[a-z./]{0,4}",
        "\\PC{1,8}@contoso\\.com",
    ]
}

#[test]
fn accepted_user_ids_arrive_as_one_segment_that_decodes_back() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = tokio.block_on(TestServer::start());
    let rt = runtime(&server.base());
    let mut runner = TestRunner::new(Config {
        cases: 192,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&user_ids(), |input| {
        // The encoder alone: never a separator, always decodes back.
        let encoded = encode_path_segment(&input);
        prop_assert!(!encoded.contains(['/', '?', '#']), "{encoded}");
        let decoded = percent_decode(&encoded);
        prop_assert_eq!(decoded.as_deref(), Some(input.as_bytes()));
        let user = match UserRef::new(input.clone()) {
            Ok(user) => user,
            Err(_) => {
                prop_assert!(
                    input.is_empty() || input == "." || input == ".." || input.contains('\\'),
                    "refused {input:?}"
                );
                return Ok(());
            }
        };
        for (how, segment) in [
            ("runtime", user.path_segment()),
            ("progenitor", encode_path(user.as_str())),
        ] {
            let url = format!(
                "{}/users/{segment}/authentication/phoneMethods",
                rt.base_url()
            );
            let request = rt.http_client().get(&url).build().map_err(|e| {
                TestCaseError::fail(format!("{how}: no request for {input:?}: {e}"))
            })?;
            let before = server.hits().len();
            // The scripted server answers 404; only what arrived matters.
            let _ = tokio.block_on(rt.send(request, LIST));
            let hits = server.hits();
            prop_assert_eq!(
                hits.len(),
                before + 1,
                "{}: {:?} did not arrive",
                how,
                input
            );
            let uri = &hits.last().unwrap().uri;
            let rest = uri
                .strip_prefix("/v1.0/users/")
                .ok_or_else(|| TestCaseError::fail(format!("{how}: {uri} for {input:?}")))?;
            prop_assert!(
                !rest.contains('?') && !rest.contains('#'),
                "{}: {}",
                how,
                uri
            );
            let segments: Vec<&str> = rest.split('/').collect();
            prop_assert_eq!(
                &segments[1..],
                &["authentication", "phoneMethods"][..],
                "{}: {:?} became {}",
                how,
                input,
                uri
            );
            let decoded = percent_decode(segments[0]);
            prop_assert_eq!(
                decoded.as_deref(),
                Some(input.as_bytes()),
                "{}: {}",
                how,
                uri
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
