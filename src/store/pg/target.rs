//! Placeholder: replaced by the libpq-style target parser.

use crate::error::{Error, Result};

/// True for a PostgreSQL URL.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// A PostgreSQL server to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL without password.
    pub display: String,
}

impl Target {
    /// Parses a URL.
    pub fn parse(_url: &str) -> Result<Target> {
        Err(Error::invalid("--db", "server mode is not built yet"))
    }
}
