//! The TLS backend of the `reqwest::Client` the runtime builds, chosen by Cargo feature.
//!
//! | features on | backend |
//! |---|---|
//! | `native-tls` (with or without the others) | the platform's TLS library through reqwest's `native-tls` |
//! | `rustls-aws-lc` (without `native-tls`) | rustls with the aws-lc-rs provider |
//! | `rustls` only (the default) | rustls with the *ring* provider |
//! | none | no TLS: plain `http://` only (the loopback emulator) |
//!
//! Both rustls variants are configured here rather than by reqwest: reqwest's own rustls
//! setup uses the process-wide default `CryptoProvider` when one is installed and
//! otherwise aws-lc-rs (or panics, under `rustls-no-provider`). A library must neither
//! install a process-wide provider nor depend on whether the application did, so the
//! runtime hands reqwest a finished `rustls::ClientConfig` with its provider named
//! explicitly: TLS 1.2 and 1.3 (rustls' safe defaults, what reqwest enables), the
//! platform's certificate verifier (rustls-platform-verifier, as reqwest uses), and ALPN
//! `http/1.1`, which is what reqwest advertises when built without `http2`, as here.

/// A `reqwest::ClientBuilder` with the TLS backend the runtime's features select (see the
/// crate's "Features"): what the runtime builds its own client from, and what to start
/// from when giving it one ([`crate::RuntimeBuilder::http_client`]) or building any other
/// `reqwest::Client` in a program that uses the default `rustls` feature.
///
/// That feature compiles reqwest with `rustls-no-provider`, and reqwest then panics when a
/// client is built without a TLS configuration unless the program installed a
/// process-wide rustls `CryptoProvider` or enabled reqwest's own `rustls` or `native-tls`
/// feature: `reqwest::Client::new()` and `reqwest::Client::builder().build()` do that.
/// Building from this function does not.
///
/// # Errors
///
/// [`crate::Error::InvalidInput`] (field `tls`) when the platform's certificate verifier
/// cannot be set up.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, crate::Error> {
    configure(reqwest::Client::builder()).map_err(|reason| crate::Error::InvalidInput {
        field: "tls",
        reason,
    })
}

/// Sets the TLS backend of `builder` as the table above says. The error text is for
/// [`crate::Error::InvalidInput`].
fn configure(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
    #[cfg(feature = "native-tls")]
    {
        Ok(builder.tls_backend_native())
    }
    #[cfg(all(feature = "rustls-aws-lc", not(feature = "native-tls")))]
    {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        Ok(builder.tls_backend_preconfigured(rustls_config(provider)?))
    }
    #[cfg(all(
        feature = "rustls",
        not(feature = "rustls-aws-lc"),
        not(feature = "native-tls")
    ))]
    {
        let provider = rustls::crypto::ring::default_provider();
        Ok(builder.tls_backend_preconfigured(rustls_config(provider)?))
    }
    #[cfg(not(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls")))]
    {
        Ok(builder)
    }
}

#[cfg(all(
    any(feature = "rustls", feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
fn rustls_config(provider: rustls::crypto::CryptoProvider) -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt as _;

    let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS protocol versions: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("the platform's certificate verifier: {e}"))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::io::AsyncReadExt as _;
    use tokio::net::TcpListener;

    /// The name the client resolves to the local listener: it must reach the ClientHello
    /// as the server name (SNI), which an IP address would not.
    const HOST: &str = "graph.test";

    fn client(addr: SocketAddr) -> reqwest::Client {
        super::http_client_builder()
            .expect("the TLS configuration of the enabled backend")
            .resolve(HOST, addr)
            .build()
            .expect("reqwest accepts the TLS configuration")
    }

    /// Under every TLS feature combination, building the client neither panics (reqwest
    /// does under `rustls-no-provider` when it is left to find a provider) nor is
    /// refused ("Unknown TLS backend", when reqwest does not recognise the `ClientConfig`
    /// type), and no process-wide rustls provider gets installed along the way.
    #[test]
    fn the_client_builds_under_the_enabled_tls_features() {
        let _ = client(SocketAddr::from(([127, 0, 0, 1], 9)));
        #[cfg(any(feature = "rustls", feature = "rustls-aws-lc"))]
        assert!(
            rustls::crypto::CryptoProvider::get_default().is_none(),
            "a library must not install a process-wide crypto provider"
        );
    }

    /// An `https://` request reaches a TLS handshake: the local listener reads a TLS
    /// ClientHello naming the host and offering HTTP/1.1 by ALPN. Without a TLS feature
    /// the request fails before any connection, with an error rather than a panic.
    #[tokio::test]
    async fn an_https_request_starts_a_tls_handshake() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            // TLS record header: content type, legacy version, length.
            let mut header = [0u8; 5];
            socket.read_exact(&mut header).await.unwrap();
            let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
            let mut body = vec![0u8; len];
            socket.read_exact(&mut body).await.unwrap();
            (header, body)
            // Dropping the socket ends the handshake; the client sees an error.
        });
        let url = format!("https://{HOST}:{}/v1.0/me", addr.port());
        let result = client(addr).get(&url).send().await;
        let error = result.expect_err("the listener never answers the handshake");
        if cfg!(any(
            feature = "rustls",
            feature = "rustls-aws-lc",
            feature = "native-tls"
        )) {
            // Bounded: the listener is never reached if the client fails before connecting.
            let (header, body) = tokio::time::timeout(Duration::from_secs(60), server)
                .await
                .expect("the client connected to the listener")
                .unwrap();
            assert_eq!(header[0], 0x16, "a TLS handshake record, got {header:?}");
            assert_eq!(header[1], 0x03, "TLS record version 3.x, got {header:?}");
            let hello = ClientHello::parse(&body).expect("a well-formed ClientHello");
            assert_eq!(hello.server_name.as_deref(), Some(HOST.as_bytes()), "SNI");
            assert_eq!(
                hello.alpn,
                Some(vec![b"http/1.1".to_vec()]),
                "ALPN offers http/1.1 only, as reqwest does without http2"
            );
            assert!(error.is_connect(), "a connect error: {error:?}");
        } else {
            server.abort();
            assert!(!error.is_builder(), "{error:?}");
        }
    }

    /// What the test reads from a ClientHello (RFC 8446 section 4.1.2): the host name of
    /// the `server_name` extension and the protocols of the ALPN extension (RFC 7301).
    struct ClientHello {
        server_name: Option<Vec<u8>>,
        alpn: Option<Vec<Vec<u8>>>,
    }

    impl ClientHello {
        /// Parses one handshake message; `None` if it is not a complete ClientHello.
        fn parse(message: &[u8]) -> Option<ClientHello> {
            let mut r = Reader(message);
            if r.u8()? != 0x01 {
                return None;
            }
            let len = r.u24()?;
            let mut body = Reader(r.take(len)?);
            body.take(2 + 32)?; // legacy_version, random
            let session_id = body.u8()?;
            body.take(usize::from(session_id))?;
            let suites = body.u16()?;
            body.take(suites)?;
            let compression = body.u8()?;
            body.take(usize::from(compression))?;
            let extensions_len = body.u16()?;
            let mut extensions = Reader(body.take(extensions_len)?);
            let mut hello = ClientHello {
                server_name: None,
                alpn: None,
            };
            while !extensions.0.is_empty() {
                let kind = extensions.u16()?;
                let len = extensions.u16()?;
                let mut data = Reader(extensions.take(len)?);
                match kind {
                    0x0000 => {
                        let list_len = data.u16()?;
                        let mut list = Reader(data.take(list_len)?);
                        if list.u8()? == 0 {
                            let name_len = list.u16()?;
                            hello.server_name = Some(list.take(name_len)?.to_vec());
                        }
                    }
                    0x0010 => {
                        let list_len = data.u16()?;
                        let mut list = Reader(data.take(list_len)?);
                        let mut protocols = Vec::new();
                        while !list.0.is_empty() {
                            let n = list.u8()?;
                            protocols.push(list.take(usize::from(n))?.to_vec());
                        }
                        hello.alpn = Some(protocols);
                    }
                    _ => {}
                }
            }
            Some(hello)
        }
    }

    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            if self.0.len() < n {
                return None;
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(head)
        }
        fn u8(&mut self) -> Option<u8> {
            self.take(1).map(|b| b[0])
        }
        fn u16(&mut self) -> Option<usize> {
            self.take(2)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        }
        fn u24(&mut self) -> Option<usize> {
            self.take(3)
                .map(|b| usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
        }
    }
}
