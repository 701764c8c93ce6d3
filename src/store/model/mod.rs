//! The records the store reads and writes, shared by every backend: typed
//! rows with the output contract's keys, what to create, what to change, and
//! the filters of each `list`.

pub mod audit;
pub mod clients;
pub mod collaborators;
pub mod contracts;
pub mod events;
pub mod reports;

use chrono::{DateTime, Utc};

/// Serializes a stored instant as RFC 3339 in local time (output contract).
pub fn ser_time<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::domain::when::to_rfc3339_local(*t))
}

/// Serializes an optional stored instant (`null` when absent).
pub fn ser_opt_time<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_time(t, s),
        None => s.serialize_none(),
    }
}
