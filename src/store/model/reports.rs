//! The rows of `report pipeline`, `report events` and `report due`: sums
//! and counts computed by the database, in one query per report, with a
//! last row holding the totals.

use serde::Serialize;

/// A sum of money in cents, which (unlike [`crate::domain::Money`]) may
/// exceed one contract's ceiling: shown as euros with two decimals
/// (`"12500.00"`), a string in JSON like every amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One line of `report pipeline`: a sales collaborator's clients and
/// contracts, or (with no `sales_contact_id`) the total of every line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineRow {
    /// The sales collaborator; `None` on the total line.
    pub sales_contact_id: Option<i64>,
    /// Their full name; `total` on the total line.
    pub sales_contact: String,
    /// Clients they are the sales contact of.
    pub clients: i64,
    /// Their clients' contracts not signed yet.
    pub unsigned_contracts: i64,
    /// Their clients' signed contracts.
    pub signed_contracts: i64,
    /// Sum of the totals of the signed contracts.
    pub signed_value: Cents,
    /// Sum of what is still due on the signed contracts.
    pub amount_due: Cents,
}

/// What a line of `report events` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsSection {
    /// The events starting in one month.
    Month,
    /// The events of one support collaborator.
    Support,
    /// Every event of the range.
    Total,
}

impl EventsSection {
    /// As shown: `month`, `support`, `total`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventsSection::Month => "month",
            EventsSection::Support => "support",
            EventsSection::Total => "total",
        }
    }
}

/// One line of `report events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventsRow {
    /// Which kind of line this is.
    pub section: EventsSection,
    /// `YYYY-MM` of the start, in local time (month lines only).
    pub month: Option<String>,
    /// The support collaborator (support lines only).
    pub support_contact_id: Option<i64>,
    /// Their full name (support lines only).
    pub support_contact: Option<String>,
    /// Events.
    pub events: i64,
    /// Sum of their expected attendees.
    pub attendees: i64,
    /// Events with no support contact yet (month and total lines).
    pub without_support: Option<i64>,
}

/// The age buckets of `report due`, by days since signature.
pub const DUE_BUCKETS: &[&str] = &["0-30", "31-60", "61-90", "over 90"];

/// One line of `report due`: the signed contracts with something still
/// due, signed within an age bucket, or (`age` `total`) all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueRow {
    /// Days since signature: `0-30`, `31-60`, `61-90`, `over 90`, or `total`.
    pub age: String,
    /// Contracts in the bucket.
    pub contracts: i64,
    /// Sum of their amounts still due.
    pub amount_due: Cents,
    /// The signature date of the oldest of them (`null` when none).
    #[serde(serialize_with = "super::ser_opt_time")]
    pub oldest_signed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which bucket of [`DUE_BUCKETS`] a contract signed `days` whole days ago
/// falls in (the same rule as the SQL of both backends).
pub fn due_bucket(days: i64) -> &'static str {
    match days {
        ..=30 => DUE_BUCKETS[0],
        31..=60 => DUE_BUCKETS[1],
        61..=90 => DUE_BUCKETS[2],
        _ => DUE_BUCKETS[3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_show_as_euros_with_two_decimals() {
        assert_eq!(Cents(0).to_string(), "0.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(1_250_050).to_string(), "12500.50");
        assert_eq!(Cents(-1_05).to_string(), "-1.05");
        // Sums may pass one contract's ceiling.
        assert_eq!(Cents(300_000_000_000_000).to_string(), "3000000000000.00");
        assert_eq!(serde_json::to_string(&Cents(100)).unwrap(), "\"1.00\"");
    }

    #[test]
    fn buckets_cover_every_age() {
        assert_eq!(due_bucket(0), "0-30");
        assert_eq!(due_bucket(30), "0-30");
        assert_eq!(due_bucket(31), "31-60");
        assert_eq!(due_bucket(90), "61-90");
        assert_eq!(due_bucket(91), "over 90");
    }
}
