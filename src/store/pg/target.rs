//! Placeholder until the libpq-style target parser lands.

use std::str::FromStr;

use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// True for a PostgreSQL URL.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// A PostgreSQL server to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    config: postgres::Config,
    /// The URL without password.
    pub display: String,
}

impl Target {
    /// Parses a URL.
    pub fn parse(url: &str) -> Result<Target> {
        let config =
            postgres::Config::from_str(url).map_err(|e| Error::invalid("--db", e.to_string()))?;
        Ok(Target {
            config,
            display: url.split('?').next().unwrap_or(url).to_string(),
        })
    }

    /// The connection manager.
    pub fn manager(&self) -> PostgresConnectionManager<MakeRustlsConnect> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        PostgresConnectionManager::new(self.config.clone(), MakeRustlsConnect::new(tls))
    }

    /// libpq variables naming this server.
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}
