//! Contracts and their payments: what the store reads and writes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ser_opt_time, ser_time};
use crate::domain::Money;

/// A contract, with its client's name and sales contact (output contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    /// Row id.
    pub id: i64,
    /// The client.
    pub client_id: i64,
    /// The client's full name.
    pub client_name: String,
    /// The client's sales contact.
    pub sales_contact_id: i64,
    /// Total amount.
    pub total_amount: Money,
    /// Amount still due.
    pub amount_due: Money,
    /// Signed or not.
    pub signed: bool,
    /// When it was signed.
    #[serde(serialize_with = "ser_opt_time")]
    pub signed_at: Option<DateTime<Utc>>,
    /// Creation time.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "ser_time")]
    pub updated_at: DateTime<Utc>,
}

/// Filters of `contract list`.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    /// Only unsigned contracts.
    pub unsigned: bool,
    /// Only contracts with something still due.
    pub unpaid: bool,
    /// Only contracts whose client has this sales contact.
    pub sales_contact_id: Option<i64>,
    /// Only this client's contracts.
    pub client_id: Option<i64>,
    /// Only contracts whose client's name contains this (case-insensitive;
    /// `%` and `_` are literal).
    pub search: Option<String>,
    /// Only contracts created at or after this unix time.
    pub created_from: Option<i64>,
    /// Only contracts created before this unix time.
    pub created_before: Option<i64>,
}

/// A contract to create.
#[derive(Debug, Clone)]
pub struct NewContract {
    /// An explicit id (demo data); `None` lets SQLite choose.
    pub id: Option<i64>,
    /// The client.
    pub client_id: i64,
    /// Total amount.
    pub total: Money,
    /// Amount due (≤ total); the difference is a deposit, recorded in the
    /// ledger as a payment with the contract.
    pub due: Money,
    /// When it was signed, if it already is (unix seconds).
    pub signed_at: Option<i64>,
    /// When it was drawn up (defaults to now; imports and demo data).
    pub created_at: Option<i64>,
    /// Who records the deposit, if any.
    pub recorded_by: Option<i64>,
}

/// The line `doctor` prints for a contract that disagrees with its ledger.
pub fn ledger_mismatch(id: i64, total: i64, due: i64, ledger: i64) -> String {
    format!(
        "contract {id}: amount due {due} cents, but its total {total} minus its ledger {ledger} is {}",
        total - ledger
    )
}
