//! The audit log and the payment ledger, as they are read back.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ser_time;

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Row id (increasing with time).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (absent for the demo's own rows).
    pub actor_id: Option<i64>,
    /// Their email, if they still exist.
    pub actor: Option<String>,
    /// What was done (`create`, `update`, `delete`, `pay`...).
    pub action: String,
    /// To what kind of record.
    pub entity: String,
    /// To which one.
    pub entity_id: Option<i64>,
    /// The JSON object of what changed (see `commands::history`).
    pub detail: Option<serde_json::Value>,
}

/// Which audit rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only rows about this kind of record.
    pub entity: Option<String>,
    /// Only rows about this record (with `entity`).
    pub entity_id: Option<i64>,
    /// Only rows by this collaborator.
    pub actor_id: Option<i64>,
    /// Only rows at or after this instant (unix seconds).
    pub since: Option<i64>,
    /// Only rows before this instant (unix seconds).
    pub until: Option<i64>,
    /// At most this many rows.
    pub limit: Option<u32>,
}

/// One entry of a contract's ledger, with what remained due after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    /// Row id.
    pub id: i64,
    /// The contract.
    pub contract_id: i64,
    /// When it was recorded.
    #[serde(serialize_with = "ser_time")]
    pub paid_at: DateTime<Utc>,
    /// `payment`, or `adjustment` (management's reasoned correction).
    pub kind: String,
    /// The amount in cents (an adjustment may be negative: it raises the
    /// amount due).
    #[serde(serialize_with = "ser_cents")]
    pub amount: i64,
    /// Why (adjustments).
    pub reason: Option<String>,
    /// Who recorded it.
    pub recorded_by_id: Option<i64>,
    /// Their full name, if they still exist.
    pub recorded_by: Option<String>,
    /// Total of the ledger up to this entry, in cents.
    #[serde(serialize_with = "ser_cents")]
    pub paid_total: i64,
    /// The contract's current total minus the ledger up to this entry, in
    /// cents.
    #[serde(serialize_with = "ser_cents")]
    pub amount_due: i64,
}

/// Signed cents as the output contract writes money: `"-12.50"`.
pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn ser_cents<S: serde::Serializer>(cents: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cents_text(*cents))
}

#[cfg(test)]
mod tests {
    #[test]
    fn signed_cents_read_as_money() {
        assert_eq!(super::cents_text(-1250), "-12.50");
        assert_eq!(super::cents_text(5), "0.05");
        assert_eq!(super::cents_text(1_000_000_000_000), "10000000000.00");
        assert_eq!(super::cents_text(i64::MIN), "-92233720368547758.08");
    }
}
