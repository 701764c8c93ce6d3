//! `report pipeline | events | due`: the figures of the business, each
//! computed by the database in one query (sums in integer cents), with a
//! last line of totals. Everyone logged in may run them (they read).

use std::io::Write;

use clap::{Args, Subcommand};

use super::Context;
use crate::error::Result;
use crate::policy::{self, Action};
use crate::render::{Format, Output, Tabular};
use crate::store::reports::{DueRow, EventsRow, PipelineRow};

/// Keys of `report pipeline` (JSON keys and CSV header).
pub const PIPELINE_KEYS: &[&str] = &[
    "sales_contact_id",
    "sales_contact",
    "clients",
    "unsigned_contracts",
    "signed_contracts",
    "signed_value",
    "amount_due",
];

/// Keys of `report events`.
pub const EVENTS_KEYS: &[&str] = &[
    "section",
    "month",
    "support_contact_id",
    "support_contact",
    "events",
    "attendees",
    "without_support",
];

/// Keys of `report due`.
pub const DUE_KEYS: &[&str] = &["age", "contracts", "amount_due", "oldest_signed_at"];

/// The reports.
#[derive(Debug, Clone, Subcommand)]
pub enum Verb {
    /// Clients and contracts per sales collaborator, and in total
    ///
    /// One line per sales collaborator (name order), then a line `total`
    /// (sales_contact_id empty/null) summing them. Columns: clients (whose
    /// sales contact they are), unsigned_contracts, signed_contracts,
    /// signed_value (sum of the totals of the signed contracts) and
    /// amount_due (what is still due on the signed contracts). Amounts are
    /// euros with two decimals, exact to the cent.
    Pipeline(ReportOpts),
    /// Events per month and per support collaborator, and in total
    ///
    /// Counts the events that start between --from and --to: one line per
    /// month of the start in local time (section `month`, `YYYY-MM`; every
    /// month from the first event's to the last's, empty ones too) with
    /// events, attendees (sum of the expected attendees) and
    /// without_support (events with no support contact yet); one line per
    /// support collaborator (section `support`, every one of them, with
    /// events and attendees); then the line `total`.
    Events(EventsArgs),
    /// Signed contracts still owing, by age of signature
    ///
    /// Unpaid means signed with an amount still due above zero (an
    /// unsigned contract owes nothing yet). One line per age of the
    /// signature in whole days (`0-30`, `31-60`, `61-90`, `over 90`, always
    /// all four), with contracts, amount_due (their sum) and
    /// oldest_signed_at, then the line `total`.
    Due(ReportOpts),
}

/// `--format` of a report.
#[derive(Debug, Clone, Args)]
pub struct ReportOpts {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `report events`.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Only events starting at or after WHEN
    #[arg(long, value_name = "WHEN")]
    pub from: Option<String>,
    /// Only events starting up to WHEN (a date alone: to the end of that day)
    #[arg(long, value_name = "WHEN")]
    pub to: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ReportOpts,
}

/// Runs a `report` verb.
pub fn execute(ctx: &mut Context, verb: Verb, out: &mut dyn Write) -> Result<Output> {
    match verb {
        Verb::Pipeline(opts) => {
            let rows = ctx.read(|c, actor| {
                policy::check(Action::Report, actor.department, actor.id)?;
                c.report_pipeline()
            })?;
            show(out, opts.format, PIPELINE_KEYS, rows)
        }
        Verb::Events(args) => {
            let range = super::finding::Range::parse(args.from.as_deref(), args.to.as_deref())?;
            let from = range
                .from
                .unwrap_or_else(|| crate::domain::when::earliest().timestamp());
            let before = range
                .before
                .unwrap_or_else(|| crate::domain::when::latest().timestamp() + 1);
            let rows = ctx.read(|c, actor| {
                policy::check(Action::Report, actor.department, actor.id)?;
                c.report_events(from, before)
            })?;
            show(out, args.opts.format, EVENTS_KEYS, rows)
        }
        Verb::Due(opts) => {
            let rows = ctx.read(|c, actor| {
                policy::check(Action::Report, actor.department, actor.id)?;
                c.report_due(crate::store::now())
            })?;
            show(out, opts.format, DUE_KEYS, rows)
        }
    }
}

/// A report's lines as a table, or as JSON or CSV with `keys`.
fn show<T: serde::Serialize + Tabular>(
    out: &mut dyn Write,
    format: Format,
    keys: &'static [&'static str],
    rows: Vec<T>,
) -> Result<Output> {
    match format {
        Format::Table => Ok(Output::Table {
            keys: keys.to_vec(),
            rows: rows.iter().map(|r| crate::render::cells(r, keys)).collect(),
        }),
        format => super::stream(out, format, keys, |visit| {
            rows.into_iter().try_for_each(visit)
        }),
    }
}

/// A table cell: the JSON value as text, empty for null.
fn cell<T: serde::Serialize>(row: &T, key: &str) -> String {
    match crate::render::record(row).get(key) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

impl Tabular for PipelineRow {
    fn cell(&self, key: &str) -> String {
        cell(self, key)
    }
}

impl Tabular for EventsRow {
    fn cell(&self, key: &str) -> String {
        cell(self, key)
    }
}

impl Tabular for DueRow {
    fn cell(&self, key: &str) -> String {
        match key {
            "oldest_signed_at" => self
                .oldest_signed_at
                .map(crate::domain::when::to_display_local)
                .unwrap_or_default(),
            _ => cell(self, key),
        }
    }
}
