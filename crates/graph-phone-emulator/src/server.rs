//! The accept loop: one hyper connection per TCP stream, each of which a fault can close
//! without a response; graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;

/// Lets a handler close its own TCP connection without answering.
#[derive(Clone)]
pub(crate) struct ConnectionControl(Arc<Notify>);

impl ConnectionControl {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Serves `app` on `listener` until `stop` fires (or its sender is dropped).
pub(crate) async fn serve(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let control = ConnectionControl(Arc::new(Notify::new()));
                let service = TowerToHyperService::new(app.clone().layer(Extension(control.clone())));
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                connections.spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        _ = control.0.notified() => {}
                    }
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(2), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 2 s; closing them");
    }
    connections.shutdown().await;
}
