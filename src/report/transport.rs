//! A transport whose every wait is bounded, so Sentry can never hang `epic`.
//!
//! Measured here: with the stock transport, a server that accepts the
//! connection and never answers blocked exit for 120 s (dropping the client
//! joins the sender thread, which sits in a read with no timeout), and
//! `shutdown_timeout` does not cap it. Two fixes, both needed:
//!
//! 1. sentry's own ureq transport, on an agent with a *global* timeout
//!    ([`REQUEST_TIMEOUT`], covering DNS, connect, send and the whole response),
//!    so any one request gives up after 1.5 s;
//! 2. [`BoundedTransport`], which remembers whether the last flush drained the
//!    queue; if it did not, dropping it hands the sender thread to a detached
//!    thread instead of joining it, so exit does not wait for requests still
//!    queued behind a slow one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sentry::transports::{UreqHttpTransport, UreqHttpTransportOptions};
use sentry::{Envelope, Transport, TransportFactory, TransportOptions};
use ureq::tls::{TlsConfig, TlsProvider};

/// Longest time one request to Sentry may take, start to finish.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);

/// Builds a [`BoundedTransport`]; set as the client's `transport`.
pub struct BoundedUreqFactory;

impl TransportFactory for BoundedUreqFactory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            // Keep sentry's certificate policy (SSL_VERIFY=false); the proxy
            // comes from ureq's own reading of HTTP(S)_PROXY / NO_PROXY.
            .tls_config(
                TlsConfig::builder()
                    .provider(TlsProvider::Rustls)
                    .disable_verification(options.accept_invalid_certs)
                    .build(),
            )
            .build()
            .new_agent();
        let inner = UreqHttpTransportOptions::from(options)
            .with_agent(agent)
            .build();
        Arc::new(BoundedTransport {
            inner: Some(inner),
            drained: AtomicBool::new(true),
        })
    }
}

/// sentry's ureq transport plus the knowledge of whether its queue is empty.
pub struct BoundedTransport {
    /// `Option` only so `drop` can move it out.
    inner: Option<UreqHttpTransport>,
    /// True when nothing was sent since the last flush that completed.
    drained: AtomicBool,
}

impl BoundedTransport {
    fn inner(&self) -> &UreqHttpTransport {
        self.inner.as_ref().expect("present until drop")
    }
}

impl Transport for BoundedTransport {
    fn send_envelope(&self, envelope: Envelope) {
        self.drained.store(false, Ordering::SeqCst);
        self.inner().send_envelope(envelope);
    }

    fn flush(&self, timeout: Duration) -> bool {
        let done = self.inner().flush(timeout);
        if done {
            self.drained.store(true, Ordering::SeqCst);
        }
        done
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.flush(timeout)
    }
}

impl Drop for BoundedTransport {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        if self.drained.load(Ordering::SeqCst) {
            // The sender thread is idle: joining it is immediate.
            drop(inner);
        } else {
            // Joining would wait for every queued request (1.5 s each against
            // a silent server). Let a detached thread do it; if the process
            // exits first, the unsent reports were already given up on.
            let spawned = std::thread::Builder::new()
                .name("sentry-drop".into())
                .spawn(move || drop(inner));
            // If no thread can be spawned the closure (and the transport) is
            // dropped here, which still ends within the request timeouts.
            drop(spawned);
        }
    }
}
