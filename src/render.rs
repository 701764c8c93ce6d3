//! Printing results: boxed tables, vertical records, JSON and CSV.
//!
//! Commands return an [`Output`] value and never print; the shell hands it
//! to [`render`] with the writer, the format and the terminal width (or
//! `None` when stdout is not a terminal, in which case nothing is ever cut).
//!
//! Whatever the database holds, nothing reaches the terminal raw: every
//! character [`visible`] calls hidden is escaped here, at display time, in
//! every format (tables and messages as `\e`, `\u{200E}`...; JSON as
//! `\u200e` escapes, the same JSON value), and CSV cells that a spreadsheet
//! would run as a formula are neutralised (see `csv_cell`).

use std::io::{self, Write};

use chrono::DateTime;
use prettytable::{Cell, Row, Table, format};
use serde::Serialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::domain::visible;

/// One record as ordered key → value pairs (the output contract's keys).
pub type Record = serde_json::Map<String, Value>;

/// Output formats of `list` (and, but for CSV, `show`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A boxed table (a vertical one for a single record).
    #[default]
    Table,
    /// JSON: an array for lists, an object for one record.
    Json,
    /// CSV with a header row.
    Csv,
}

/// A row that knows how a table shows each of its keys.
pub trait Tabular {
    /// The cell text of `key` (short local times, `yes`/`no`, empty for absent).
    fn cell(&self, key: &str) -> String;
}

/// The table cells of `row` for `keys`.
pub fn cells<T: Tabular>(row: &T, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| row.cell(k)).collect()
}

mod cells;
mod csv_cell;
pub use csv_cell::undo_neutralised;
mod csv_row;
mod expanded;
mod grid;

/// What a command produced.
#[derive(Debug)]
pub enum Output {
    /// Nothing to print.
    Nothing,
    /// A line for the user.
    Message(String),
    /// A record was created: its id (or the record with `--format json`).
    Created {
        /// The new record's id.
        id: i64,
        /// The record.
        record: Record,
    },
    /// One record (`show`).
    Record(Record),
    /// Several records as table cells (`list`; JSON and CSV lists are
    /// streamed by [`Stream`] instead).
    Table {
        /// The header.
        keys: Vec<&'static str>,
        /// One vector of cells per row, in `keys` order.
        rows: Vec<Vec<String>>,
    },
}

/// Converts a serializable row to a [`Record`].
pub fn record<T: Serialize>(row: &T) -> Record {
    match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Record::new(),
    }
}

/// JSON or CSV rows written one at a time, as a query yields them (lists
/// of any size in constant memory).
pub enum Stream<'a> {
    /// A JSON array, one object per line.
    Json {
        /// Where to write.
        out: &'a mut dyn Write,
        /// Rows written so far.
        rows: usize,
    },
    /// CSV with a header row.
    Csv {
        /// The CSV writer (buffered).
        w: Box<csv::Writer<&'a mut dyn Write>>,
    },
}

impl<'a> Stream<'a> {
    /// A stream of rows with `keys` in `format` (JSON, else CSV).
    pub fn new(out: &'a mut dyn Write, format: Format, keys: &[&str]) -> io::Result<Self> {
        if format == Format::Json {
            return Ok(Stream::Json { out, rows: 0 });
        }
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        w.write_record(keys).map_err(csv_error)?;
        Ok(Stream::Csv { w: Box::new(w) })
    }

    /// Writes one row.
    pub fn push<T: Serialize>(&mut self, row: &T) -> io::Result<()> {
        match self {
            Stream::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"[\n" } else { b",\n" })?;
                let json = serde_json::to_string(row)?;
                out.write_all(visible::escape_json(&json).as_bytes())?;
                *rows += 1;
                Ok(())
            }
            // Straight from the typed row: no JSON value per row.
            Stream::Csv { w } => csv_row::write(w, row).map_err(|e| match e {
                csv_row::RowError::Csv(e) => csv_error(e),
                other => io::Error::other(other.to_string()),
            }),
        }
    }

    /// Ends the output (the closing bracket of JSON; flushes CSV).
    pub fn finish(self) -> io::Result<()> {
        match self {
            Stream::Json { out, rows: 0 } => out.write_all(b"[]\n"),
            Stream::Json { out, .. } => out.write_all(b"\n]\n"),
            Stream::Csv { mut w } => w.flush(),
        }
    }
}

/// Keys holding RFC 3339 instants, shown shortened in tables.
const TIME_KEYS: &[&str] = &[
    "created_at",
    "updated_at",
    "signed_at",
    "start",
    "end",
    "session_expires",
];

/// Writes `output` in `format`. `width` is the terminal width, or `None`
/// when the output is not a terminal (then values are never truncated).
pub fn render(
    out: &mut dyn Write,
    output: Output,
    format: Format,
    width: Option<usize>,
) -> io::Result<()> {
    match (output, format) {
        (Output::Nothing, _) => Ok(()),
        (Output::Message(text), _) => writeln!(out, "{}", visible::escape_keeping(&text, &['\n'])),
        (Output::Created { record, .. }, Format::Json) | (Output::Record(record), Format::Json) => {
            let json = serde_json::to_string_pretty(&record)?;
            writeln!(out, "{}", visible::escape_json(&json))
        }
        (Output::Created { id, .. }, _) => writeln!(out, "{id}"),
        (Output::Record(record), Format::Csv) => csv_record(out, &record),
        (Output::Record(record), Format::Table) => vertical(out, &record, width),
        (Output::Table { keys, mut rows }, _) => {
            for cell in rows.iter_mut().flatten() {
                if let std::borrow::Cow::Owned(escaped) = visible::escape(cell) {
                    *cell = escaped;
                }
            }
            grid::print(out, &keys, &rows, width)
        }
    }
}

fn keys_of(record: &Record) -> Vec<&str> {
    record.keys().map(String::as_str).collect()
}

/// One record as a header row and a value row.
fn csv_record(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(keys_of(record)).map_err(csv_error)?;
    w.write_record(record.values().map(csv_cell::cell))
        .map_err(csv_error)?;
    w.flush()
}

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A value as a table cell shows it.
fn cell_text(key: &str, value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        Some(Value::String(s)) if TIME_KEYS.contains(&key) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| s.clone()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A record as a two-column key/value table.
fn vertical(out: &mut dyn Write, record: &Record, width: Option<usize>) -> io::Result<()> {
    let key_width = record.keys().map(|k| k.width()).max().unwrap_or(0);
    // Borders and padding take 7 columns.
    let room = width.map(|w| w.saturating_sub(key_width + 7).max(10));
    let mut t = Table::new();
    t.set_format(boxed());
    for (key, value) in record {
        // Notes keep their lines; every other hidden character is escaped.
        let mut text = visible::escape_keeping(&cell_text(key, Some(value)), &['\n']).into_owned();
        if let Some(room) = room {
            text = expanded::wrap(&text, room).join("\n");
        }
        t.add_row(Row::new(vec![Cell::new(key), Cell::new(&text)]));
    }
    t.print(out).map(|_| ())
}

/// Box-drawing borders with a rule under the header only (no rule between
/// rows, which would double a long listing's height).
fn boxed() -> format::TableFormat {
    use format::{LinePosition, LineSeparator};
    format::FormatBuilder::new()
        .column_separator('│')
        .borders('│')
        .separators(&[LinePosition::Top], LineSeparator::new('─', '┬', '┌', '┐'))
        .separators(
            &[LinePosition::Title],
            LineSeparator::new('─', '┼', '├', '┤'),
        )
        .separators(
            &[LinePosition::Bottom],
            LineSeparator::new('─', '┴', '└', '┘'),
        )
        .padding(1, 1)
        .build()
}

#[cfg(test)]
mod tests;
