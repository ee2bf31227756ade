//! The accept loop: one hyper connection per TCP stream, each of which a fault can close
//! without a response; a header-read timeout, a cap on open connections, a backoff when
//! `accept` fails (out of file descriptors), and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, oneshot, watch};
use tokio::task::JoinSet;

/// Lets a handler close its own TCP connection without answering.
#[derive(Clone)]
pub(crate) struct ConnectionControl(Arc<Notify>);

impl ConnectionControl {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// What the accept loop enforces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// A connection that does not send a complete request head within this time is closed
    /// (this also closes keep-alive connections idle for that long).
    pub header_timeout: Duration,
    /// At most this many connections are served at once.
    pub max_connections: usize,
}

/// The delays between attempts while `accept` keeps failing: from [`AcceptBackoff::FIRST`],
/// doubling, at most [`AcceptBackoff::MAX`].
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    pub const FIRST: Duration = Duration::from_millis(5);
    pub const MAX: Duration = Duration::from_secs(1);

    /// Records a failure; returns how long to wait before accepting again.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let doublings = (self.failures - 1).min(16);
        Self::FIRST.saturating_mul(1 << doublings).min(Self::MAX)
    }

    /// Records a success; returns how many failures came before it.
    pub fn succeeded(&mut self) -> u32 {
        std::mem::take(&mut self.failures)
    }

    /// Whether the last failure is the first of its streak (the one to log).
    pub fn first_failure(&self) -> bool {
        self.failures == 1
    }
}

/// Serves `app` on `listener` until `stop` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let (closing, closing_rx) = watch::channel(false);
    // Asks every connection that is not in the middle of a request to close.
    let shed = Arc::new(Notify::new());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                let failures = backoff.succeeded();
                if failures > 0 {
                    tracing::info!(failures, "accepting connections again");
                }
                stream
            }
            Err(error) => {
                let delay = backoff.failed();
                if backoff.first_failure() {
                    tracing::warn!(
                        %error,
                        "cannot accept a connection; retrying with a backoff of up to 1 s \
                         (is the process out of file descriptors?)"
                    );
                }
                // Idle keep-alive connections hold descriptors too.
                shed.notify_waiters();
                tokio::select! {
                    _ = tokio::time::sleep(delay) => continue,
                    _ = &mut stop => break,
                }
            }
        };
        // At the cap, this connection waits (and the next ones in the listen backlog) until
        // a slot frees; idle keep-alive connections are asked to make room.
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                tracing::debug!(
                    max_connections = limits.max_connections,
                    "connection cap reached; closing idle connections"
                );
                shed.notify_waiters();
                tokio::select! {
                    permit = slots.clone().acquire_owned() => {
                        permit.expect("the semaphore is never closed")
                    }
                    _ = &mut stop => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let control = ConnectionControl(Arc::new(Notify::new()));
        let service = TowerToHyperService::new(app.clone().layer(Extension(control.clone())));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let mut closing_rx = closing_rx.clone();
        let shed = shed.clone();
        connections.spawn(async move {
            let _permit = permit;
            tokio::pin!(conn);
            let mut asked_to_close = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    _ = control.0.notified() => break,
                    _ = closing_rx.changed(), if !asked_to_close => {
                        conn.as_mut().graceful_shutdown();
                        asked_to_close = true;
                    }
                    _ = shed.notified(), if !asked_to_close => {
                        // Closes an idle connection now, a busy one after its response.
                        conn.as_mut().graceful_shutdown();
                        asked_to_close = true;
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(Duration::from_secs(2), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("connections still open after 2 s; closing them");
    }
    connections.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_backoff_doubles_up_to_a_second_and_resets() {
        let mut b = AcceptBackoff::default();
        let delays: Vec<u128> = (0..12).map(|_| b.failed().as_millis()).collect();
        assert_eq!(
            delays,
            [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]
        );
        assert!(!b.first_failure());
        assert_eq!(b.succeeded(), 12);
        assert_eq!(b.failed(), AcceptBackoff::FIRST);
        assert!(b.first_failure());
        // A very long streak neither overflows nor grows past the maximum.
        for _ in 0..100_000 {
            b.failed();
        }
        assert_eq!(b.failed(), AcceptBackoff::MAX);
    }
}
