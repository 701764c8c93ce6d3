//! Events: what the store reads and writes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ser_time;

/// An event (output contract keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Row id.
    pub id: i64,
    /// The signed contract it belongs to.
    pub contract_id: i64,
    /// Name.
    pub name: String,
    /// The contract's client's name.
    pub client_name: String,
    /// The client's email.
    pub client_email: String,
    /// The client's phone.
    pub client_phone: Option<String>,
    /// Start.
    #[serde(serialize_with = "ser_time")]
    pub start: DateTime<Utc>,
    /// End (after start).
    #[serde(serialize_with = "ser_time")]
    pub end: DateTime<Utc>,
    /// The support collaborator, if assigned.
    pub support_contact_id: Option<i64>,
    /// Their full name.
    pub support_contact: Option<String>,
    /// Location.
    pub location: String,
    /// Expected attendees.
    pub attendees: i64,
    /// Free notes.
    pub notes: Option<String>,
    /// Creation time.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "ser_time")]
    pub updated_at: DateTime<Utc>,
    /// The client's sales contact (for ownership checks; not output).
    #[serde(skip)]
    pub sales_contact_id: i64,
}

/// An event to create.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The contract (must be signed).
    pub contract_id: i64,
    /// Name.
    pub name: &'a str,
    /// Start, unix seconds.
    pub start: i64,
    /// End, unix seconds.
    pub end: i64,
    /// Location.
    pub location: &'a str,
    /// Attendees.
    pub attendees: i64,
    /// Notes.
    pub notes: Option<&'a str>,
    /// Support contact, when known at creation (imports; `event add` leaves
    /// it to `event assign`).
    pub support_contact_id: Option<i64>,
}

/// Changes to an event; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    /// New name.
    pub name: Option<String>,
    /// New start.
    pub start: Option<i64>,
    /// New end.
    pub end: Option<i64>,
    /// New location.
    pub location: Option<String>,
    /// New attendee count.
    pub attendees: Option<i64>,
    /// New notes (`Some(None)` clears them).
    pub notes: Option<Option<String>>,
}

/// Filters of `event list`.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events without a support contact.
    pub unassigned: bool,
    /// Only events of this support contact.
    pub support_contact_id: Option<i64>,
    /// Only events starting after this unix time.
    pub starts_after: Option<i64>,
    /// Only events of this contract.
    pub contract_id: Option<i64>,
    /// Only events of the contracts of clients of this sales contact.
    pub sales_contact_id: Option<i64>,
    /// Only events whose name, location or client's name contains this
    /// (case-insensitive; `%` and `_` are literal).
    pub search: Option<String>,
    /// Only events starting at or after this unix time.
    pub starts_from: Option<i64>,
    /// Only events starting before this unix time.
    pub starts_before: Option<i64>,
}
