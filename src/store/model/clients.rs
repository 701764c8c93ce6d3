//! Clients and their sales contact: what the store reads and writes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ser_time;

/// A client, with its sales contact's name (output contract keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    /// Row id.
    pub id: i64,
    /// Full name.
    pub full_name: String,
    /// Unique (case-insensitive) email.
    pub email: String,
    /// Phone, as written.
    pub phone: Option<String>,
    /// Company.
    pub company_name: Option<String>,
    /// First contact.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
    /// Last update or contact.
    #[serde(serialize_with = "ser_time")]
    pub updated_at: DateTime<Utc>,
    /// The sales collaborator in charge.
    pub sales_contact_id: i64,
    /// Their full name.
    pub sales_contact: String,
}

/// A client to create.
#[derive(Debug, Clone)]
pub struct NewClient<'a> {
    /// Full name.
    pub full_name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Phone.
    pub phone: Option<&'a str>,
    /// Company.
    pub company_name: Option<&'a str>,
    /// The sales contact (the creator).
    pub sales_contact_id: i64,
    /// First contact (defaults to now).
    pub created_at: Option<i64>,
    /// Last contact (defaults to now).
    pub updated_at: Option<i64>,
}

/// Changes to a client; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    /// New full name.
    pub full_name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New phone (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
    /// New company (`Some(None)` clears it).
    pub company_name: Option<Option<String>>,
}

/// Filters of `client list`.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    /// Only this sales contact's clients.
    pub sales_contact_id: Option<i64>,
    /// Substring of name, email or company.
    pub search: Option<String>,
}
