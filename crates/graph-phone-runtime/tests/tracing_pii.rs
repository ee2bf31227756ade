//! Captured tracing output: templates and ids, never PII or tokens. Its own test
//! binary with a global subscriber, so no other test's thread can race the callsite
//! registration.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::client::*;
use common::*;
use graph_phone_runtime::Error;

/// A `MakeWriter` collecting everything tracing prints.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn tracing_shows_templates_never_pii_or_tokens() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = TestServer::start().await;
    server.push(
        Reply::empty(503)
            .header("retry-after", "0.02")
            .header("request-id", "rid-503"),
    );
    server.push(Reply::json(404, GRAPH_404).header("request-id", "rid-404"));
    let rt = runtime(&server.base());
    let err = rt
        .call(client_for(&rt).get_phone_method("kim@contoso.com", "+1 5555551234"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Graph(g) if g.status == 404),
        "{err:?}"
    );
    let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("graph.request"), "{out}");
    assert!(out.contains(&format!("operation={GET}")), "{out}");
    assert!(
        out.contains(
            "path=/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}"
        ),
        "{out}"
    );
    assert!(out.contains("status=404"), "{out}");
    assert!(out.contains("attempt=2"), "{out}");
    assert!(out.contains("request_id=rid-404"), "{out}");
    assert!(out.contains("duration_ms="), "{out}");
    assert!(out.contains("retrying graph request"), "{out}");
    let everything = format!("{out}\n{err}\n{err:?}");
    for secret in ["kim@contoso.com", "kim%40", "5555551234", TOKEN, "Bearer"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
}
