//! `client import FILE` and `event import FILE`: many records from one CSV
//! file, as one transaction.
//!
//! The file's header uses the output contract's keys, so what `client list
//! --format csv` (or `event list --format csv`) prints imports as it is.
//! The steps, in order:
//!
//! 1. the permission matrix (a refused user learns it before the file is
//!    read);
//! 2. the file, read once and whole: the header (an unknown or repeated
//!    column, or a missing required one, refuses the file), then every row
//!    checked by the very validators `client add` / `event add` use
//!    (`client::validate`, `event::validate`), and emails repeated within
//!    the file;
//! 3. one transaction (`ctx.write`, or a read one for `--dry-run`): the
//!    checks that need the database (emails already used, sales contacts,
//!    contracts signed and owned), then — only if no row of the file has a
//!    problem — the inserts, each with the audit row `add` writes (through
//!    `client::insert_audited` / `event::insert_audited`).
//!
//! Every problem is reported as `FILE:LINE: field: message` (LINE the
//! physical line where the record starts, the header being line 1, quoted
//! multi-line cells counted), all of them, sorted by line, at most
//! [`SHOWN`] printed followed by `... and N more`. Nothing is written then.
//! The exit status is that of the problems' kind when they are all of one
//! kind (4 permission, 6 not found, 7 duplicate or conflict), else 5.
//!
//! The transaction's closure may run again (PostgreSQL retries a
//! serialization failure): it only reads what step 2 parsed, never the file.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::fields::keep;
use super::{Actor, Context, ShowOpts, client, event};
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Format, Output, Record};
use crate::store::{Db, collaborators::Collaborator};

/// At most this many problems are printed (then `... and N more`), so a
/// broken 100,000-row file does not flood the terminal.
pub const SHOWN: usize = 100;

/// Files with more data rows than this get a progress bar (on a terminal).
const PROGRESS_ROWS: usize = 1000;

/// Arguments of `client import`.
#[derive(Debug, Clone, Args)]
#[command(after_help = CLIENT_HELP)]
pub struct ClientImportArgs {
    /// The CSV file; its header uses the keys of `client list --format csv`
    pub file: PathBuf,
    /// Check everything, the database included, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Skip (and count) rows whose email a client already has, instead of
    /// refusing the file
    #[arg(long)]
    pub skip_existing: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Arguments of `event import`.
#[derive(Debug, Clone, Args)]
#[command(after_help = EVENT_HELP)]
pub struct EventImportArgs {
    /// The CSV file; its header uses the keys of `event list --format csv`
    pub file: PathBuf,
    /// Check everything, the database included, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

const CLIENT_HELP: &str = "\
Columns (the keys of `client list --format csv`; unknown columns are refused,
missing optional ones are fine):
  full_name, email       required, checked as `client add` checks them
  phone, company_name    optional
  created_at, updated_at optional (first and last contact; default: now)
  sales_contact_id       the sales contact's id
  sales_contact          the sales contact's email or id; when it comes with
                         sales_contact_id it must name the same collaborator
                         (its email, id, or full name as exported)
  id                     ignored: new ids are given
Sales import their own clients: the sales contact columns must be empty or
name themselves. Management must name a sales collaborator on every row.

All or nothing: every problem is printed as FILE:LINE: field: message (the
first 100, then a count) and nothing is written. An email already used by a
client, or repeated in the file, is a problem; with --skip-existing the rows
whose email a client already has are skipped and counted (a repeat within
the file still refuses it). Cells starting with ' and a formula character
(as the CSV export neutralises them) lose the '.
Exit status: 0 imported; 4, 6 or 7 when every problem is a refusal, a
missing record or a duplicate; 5 otherwise.";

const EVENT_HELP: &str = "\
Columns (the keys of `event list --format csv`; unknown columns are refused,
missing optional ones are fine):
  contract_id, name, start, end, location, attendees
                         required, checked as `event add` checks them: the
                         contract must be signed and its client yours
  notes                  optional (may span lines inside quotes)
  support_contact_id, support_contact
                         must be empty: events are imported unassigned
                         (`event assign` assigns them)
  id, client_name, client_email, client_phone, created_at, updated_at
                         ignored (derived, or set by the import)

All or nothing: every problem is printed as FILE:LINE: field: message (the
first 100, then a count) and nothing is written.
Exit status: 0 imported; 4, 6 or 7 when every problem is a refusal, a
missing record or a conflict (an unsigned contract); 5 otherwise.";

// ---------------------------------------------------------------------------
// The file

/// A CSV file read whole: its columns and its data rows.
struct Sheet {
    /// Output key → cell index, for the columns the header has.
    columns: HashMap<&'static str, usize>,
    rows: Vec<SheetRow>,
    /// Data rows in the file (those refused by [`read_sheet`] included).
    count: usize,
}

/// One data row: the line it starts on, and its cells.
struct SheetRow {
    line: u64,
    cells: Vec<String>,
}

impl Sheet {
    /// The cell of `key` in `row`: `None` when the column is missing or the
    /// cell empty. A neutralised formula (`'=...`) loses its quote.
    fn get<'a>(&self, row: &'a SheetRow, key: &str) -> Option<&'a str> {
        let cell = row.cells.get(*self.columns.get(key)?)?;
        if cell.trim().is_empty() {
            return None;
        }
        Some(crate::render::undo_neutralised(cell))
    }

    /// Like [`Sheet::get`], but an empty string for a missing value (the
    /// validators then say "must not be empty").
    fn required<'a>(&self, row: &'a SheetRow, key: &str) -> &'a str {
        self.get(row, key).unwrap_or("")
    }
}

/// Reads `path`: the header (checked against `keys`, with `required` among
/// them), then every row. Problems of the header refuse the file at once;
/// problems of a row (cell count, UTF-8) go to `problems`.
fn read_sheet(
    path: &Path,
    keys: &[&'static str],
    required: &[&'static str],
    problems: &mut Problems,
) -> Result<Sheet> {
    let data = std::fs::read(path).map_err(|e| {
        Error::invalid(
            "FILE",
            format!("cannot read {}: {}", path.display(), io_reason(&e)),
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data.as_slice());
    let mut lines = Lines {
        data: &data,
        counted: 0,
        line: 1,
    };
    let mut record = csv::ByteRecord::new();
    let name = problems.file.clone();
    // Reads the next record; returns the line it starts on.
    let mut read = |reader: &mut csv::Reader<&[u8]>, record: &mut csv::ByteRecord| {
        let end = reader.position().byte();
        match reader.read_byte_record(record) {
            Ok(true) => Ok(Some(lines.start_after(end))),
            Ok(false) => Ok(None),
            Err(e) => Err(Error::invalid(
                name.clone(),
                format!("cannot read the file: {e}"),
            )),
        }
    };
    let Some(header_line) = read(&mut reader, &mut record)? else {
        return Err(Error::invalid(
            problems.file.clone(),
            "the file is empty; expected a header row of column names",
        ));
    };
    let columns = header(&record, keys, required).map_err(|errors| {
        let mut header = Problems::new(&problems.file);
        for e in errors {
            header.push(header_line, e);
        }
        header.into_error("header")
    })?;
    let width = record.len();
    let mut rows = Vec::new();
    let mut count = 0;
    while let Some(line) = read(&mut reader, &mut record)? {
        count += 1;
        if record.len() != width {
            problems.push(
                line,
                Error::invalid(
                    "row",
                    format!("has {} cells; the header has {width}", record.len()),
                ),
            );
            continue;
        }
        let mut cells = Vec::with_capacity(width);
        let mut ok = true;
        for (i, bytes) in record.iter().enumerate() {
            match std::str::from_utf8(bytes) {
                Ok(s) => cells.push(s.to_owned()),
                Err(_) => {
                    let name = columns
                        .iter()
                        .find(|(_, at)| **at == i)
                        .map_or("cell", |(k, _)| *k);
                    problems.push(line, Error::invalid(name, "is not valid UTF-8"));
                    ok = false;
                }
            }
        }
        if ok {
            rows.push(SheetRow { line, cells });
        }
    }
    Ok(Sheet {
        columns,
        rows,
        count,
    })
}

/// Physical line numbers of the records the csv crate reads from `data`.
/// Its own positions are where the previous record ended, before any blank
/// line it skips and before the `\n` of a CRLF ending, so a record's line
/// is counted here from where it really starts.
struct Lines<'a> {
    data: &'a [u8],
    /// Bytes whose newlines are counted in `line`.
    counted: usize,
    line: u64,
}

impl Lines<'_> {
    /// The line of the record that starts after byte `end` (where the
    /// previous one ended): past the line endings and blank lines csv skips.
    fn start_after(&mut self, end: u64) -> u64 {
        let len = self.data.len();
        let mut start = usize::try_from(end).map_or(len, |e| e.min(len));
        while start < len && matches!(self.data[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted {
            let newlines = self.data[self.counted..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.counted = start;
        }
        self.line
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The columns of a header row: every name one of `keys`, none twice, all
/// of `required` present.
fn header(
    record: &csv::ByteRecord,
    keys: &[&'static str],
    required: &[&'static str],
) -> std::result::Result<HashMap<&'static str, usize>, Vec<Error>> {
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, bytes) in record.iter().enumerate() {
        let name = String::from_utf8_lossy(bytes);
        let name = name.trim_start_matches('\u{feff}').trim();
        match keys.iter().find(|k| **k == name) {
            Some(key) if columns.contains_key(key) => {
                errors.push(Error::invalid(
                    "header",
                    format!("column '{key}' appears twice"),
                ));
            }
            Some(key) => {
                columns.insert(*key, i);
            }
            None => errors.push(Error::invalid(
                "header",
                format!(
                    "unknown column '{}'; valid columns: {}",
                    crate::domain::visible::escape(name),
                    keys.join(", ")
                ),
            )),
        }
    }
    for key in required {
        if !columns.contains_key(key) {
            errors.push(Error::invalid(
                "header",
                format!("missing column '{key}' (required)"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------
// Problems

/// The kind of a problem, which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Permission,
    NotFound,
    Conflict,
}

/// One problem of one row: `field: message`, and its kind.
#[derive(Debug, Clone)]
struct Problem {
    line: u64,
    text: String,
    kind: Kind,
}

/// Every problem found in a file.
#[derive(Debug, Clone)]
struct Problems {
    /// The file as the user named it.
    file: String,
    list: Vec<Problem>,
}

/// A row's problem as `field: message` with its kind, or `None` for an
/// error that is not about the row (the database failed...), which ends
/// the command as it is.
fn describe(err: &Error) -> Option<(Kind, String)> {
    match err {
        Error::Invalid { .. } => Some((Kind::Invalid, err.to_string())),
        Error::Permission(_) => Some((Kind::Permission, err.to_string())),
        Error::NotFound(_) => Some((Kind::NotFound, err.to_string())),
        Error::Conflict(_) => Some((Kind::Conflict, err.to_string())),
        _ => None,
    }
}

impl Problems {
    fn new(file: &str) -> Problems {
        Problems {
            file: file.to_string(),
            list: Vec::new(),
        }
    }

    /// Records `err` (which names its field) for the row on `line`.
    fn push(&mut self, line: u64, err: Error) {
        let (kind, text) = describe(&err).unwrap_or((Kind::Invalid, err.to_string()));
        self.list.push(Problem { line, text, kind });
    }

    /// Records a problem about `field` (a record the row refers to).
    fn push_about(&mut self, line: u64, field: &str, kind: Kind, message: &str) {
        self.list.push(Problem {
            line,
            text: format!("{field}: {message}"),
            kind,
        });
    }

    /// Records `err` about `field`, or returns it when it is not the row's.
    fn push_or_fail(&mut self, line: u64, field: &str, err: Error) -> Result<()> {
        match describe(&err) {
            Some((Kind::Invalid, text)) => {
                self.list.push(Problem {
                    line,
                    text,
                    kind: Kind::Invalid,
                });
                Ok(())
            }
            Some((kind, text)) => {
                self.push_about(line, field, kind, &text);
                Ok(())
            }
            None => Err(err),
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// `Ok` when there is no problem; else every problem as one error.
    fn into_result(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error("rows"))
        }
    }

    /// The problems (of the `header`, or of the `rows`) as one error: a summary line, then `FILE:LINE: field:
    /// message` lines sorted by line (at most [`SHOWN`]).
    fn into_error(mut self, what: &str) -> Error {
        self.list.sort_by_key(|p| p.line);
        let rows: HashSet<u64> = self.list.iter().map(|p| p.line).collect();
        let n = self.list.len();
        let mut text = if what == "header" {
            format!(
                "the header has {n} problem{}; nothing was written",
                plural(n)
            )
        } else {
            format!(
                "{n} problem{} in {} row{}; nothing was written",
                plural(n),
                rows.len(),
                plural(rows.len())
            )
        };
        for p in self.list.iter().take(SHOWN) {
            text.push_str(&format!("\n{}:{}: {}", self.file, p.line, p.text));
        }
        if n > SHOWN {
            text.push_str(&format!("\n... and {} more", n - SHOWN));
        }
        let kind = self.list[0].kind;
        let kind = if self.list.iter().all(|p| p.kind == kind) {
            kind
        } else {
            Kind::Invalid
        };
        match kind {
            Kind::Invalid => Error::invalid(self.file, text),
            Kind::Permission => Error::permission(format!("{}: {text}", self.file)),
            Kind::NotFound => Error::NotFound(format!("{}: {text}", self.file).into()),
            Kind::Conflict => Error::conflict(format!("{}: {text}", self.file)),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// An error met while inserting the row on `line` (which the checks should
/// have caught: a concurrent writer, or the database's own rules), with
/// the place it happened.
fn at_line(file: &str, line: u64, err: Error) -> Error {
    match err {
        Error::Invalid { field, reason } => {
            Error::invalid(format!("{file}:{line}: {field}"), reason)
        }
        Error::Conflict(m) => Error::conflict(format!("{file}:{line}: {m}")),
        Error::NotFound(m) => Error::NotFound(format!("{file}:{line}: {m}").into()),
        Error::Permission(m) => Error::permission(format!("{m} ({file}:{line})")),
        other => other,
    }
}

// ---------------------------------------------------------------------------
// Progress and output

/// A progress bar on stderr, only when stderr is a terminal and the file is
/// long; hidden otherwise (pipes and scripts see nothing).
fn progress(rows: usize) -> ProgressBar {
    if rows <= PROGRESS_ROWS || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{wide_bar}] {pos}/{len} eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// What an import did, as the command prints it.
struct Summary {
    entity: &'static str,
    file: String,
    rows: usize,
    ids: Vec<i64>,
    skipped: Option<usize>,
    dry_run: bool,
}

impl Summary {
    fn output(self, format: Format) -> Output {
        let plural = |n: usize| {
            if n == 1 {
                self.entity.to_string()
            } else {
                format!("{}s", self.entity)
            }
        };
        if format == Format::Table {
            let skipped = match self.skipped {
                Some(n) if self.dry_run => format!(" ({n} existing would be skipped)"),
                Some(n) => format!(" ({n} existing skipped)"),
                None => String::new(),
            };
            return Output::Message(if self.dry_run {
                let n = self.rows;
                format!(
                    "Checked {n} {}{skipped}: nothing written (--dry-run).",
                    plural(n)
                )
            } else {
                let n = self.ids.len();
                format!("Imported {n} {}{skipped}.", plural(n))
            });
        }
        let mut record = Record::new();
        for (key, value) in [
            ("entity", json!(self.entity)),
            ("file", json!(self.file)),
            ("dry_run", json!(self.dry_run)),
            ("rows", json!(self.rows)),
            ("imported", json!(self.ids.len())),
            ("skipped_existing", json!(self.skipped.unwrap_or(0))),
            ("first_id", json!(self.ids.first())),
            ("last_id", json!(self.ids.last())),
            ("ids", json!(self.ids)),
        ] {
            record.insert(key.to_string(), value);
        }
        Output::Record(record)
    }
}

/// Checks the permission before the file is read.
fn check_permission(ctx: &mut Context, action: Action) -> Result<()> {
    ctx.read(|_, actor| policy::check(action, actor.department, actor.id).map(|_| ()))
}

/// The file as messages name it.
fn display(path: &Path) -> String {
    path.display().to_string()
}

/// A directory is no CSV file (opening one succeeds; reading it fails).
fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::invalid(
            "FILE",
            format!("{} is a directory, not a CSV file", path.display()),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Clients

/// The column names `client import` reads, as its errors name them.
const CLIENT_LABELS: client::Labels = client::Labels {
    name: "full_name",
    email: "email",
    phone: "phone",
    company: "company_name",
};

/// A client row that passed every check of the file alone.
struct ClientRow {
    line: u64,
    client: client::ValidClient,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    sales_contact_id: Option<i64>,
    sales_contact: Option<String>,
}

/// Runs `client import`.
pub fn clients(ctx: &mut Context, args: &ClientImportArgs) -> Result<Output> {
    check_permission(ctx, Action::ClientImport)?;
    refuse_directory(&args.file)?;
    let mut problems = Problems::new(&display(&args.file));
    let sheet = read_sheet(
        &args.file,
        client::KEYS,
        &["full_name", "email"],
        &mut problems,
    )?;
    let bar = progress(sheet.rows.len());
    bar.set_message("checking");
    let rows = parse_clients(&sheet, &mut problems, &bar);
    let total = sheet.count;
    drop(sheet);
    let summary = |ids: Vec<i64>, skipped: usize| Summary {
        entity: "client",
        file: problems.file.clone(),
        rows: total,
        ids,
        skipped: args.skip_existing.then_some(skipped),
        dry_run: args.dry_run,
    };
    let result = if args.dry_run {
        ctx.read(|db, actor| {
            let mut found = problems.clone();
            let plan = plan_clients(db, actor, &rows, args.skip_existing, &mut found)?;
            found.into_result()?;
            Ok((Vec::new(), plan.skipped))
        })
    } else {
        ctx.write(|tx| {
            let mut found = problems.clone();
            let plan = plan_clients(tx.conn, tx.actor, &rows, args.skip_existing, &mut found)?;
            found.into_result()?;
            bar.set_message("importing");
            bar.set_position(0);
            bar.set_length(plan.rows.len() as u64);
            let mut ids = Vec::with_capacity(plan.rows.len());
            for (i, sales_contact_id) in &plan.rows {
                let row = &rows[*i];
                let id = client::insert_audited(
                    tx,
                    &row.client,
                    *sales_contact_id,
                    row.created_at,
                    row.updated_at,
                )
                .map_err(|e| at_line(&problems.file, row.line, e))?;
                ids.push(id);
                bar.inc(1);
            }
            Ok((ids, plan.skipped))
        })
    };
    bar.finish_and_clear();
    let (ids, skipped) = result?;
    Ok(summary(ids, skipped).output(args.opts.format))
}

/// Checks each row on its own (every field through `client::validate`)
/// and emails repeated within the file.
fn parse_clients(sheet: &Sheet, problems: &mut Problems, bar: &ProgressBar) -> Vec<ClientRow> {
    let mut rows = Vec::with_capacity(sheet.rows.len());
    let mut seen: HashMap<String, u64> = HashMap::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        bar.inc(1);
        let line = row.line;
        let mut errors = Vec::new();
        let client = client::validate(
            &CLIENT_LABELS,
            sheet.required(row, "full_name"),
            sheet.required(row, "email"),
            sheet.get(row, "phone"),
            sheet.get(row, "company_name"),
        )
        .map_err(|e| errors.extend(e))
        .ok();
        let when = |errors: &mut Vec<Error>, key: &'static str| {
            sheet.get(row, key).and_then(|v| {
                keep(errors, crate::domain::when::parse_when(key, v)).map(|t| t.timestamp())
            })
        };
        let created_at = when(&mut errors, "created_at");
        let updated_at = when(&mut errors, "updated_at");
        if let (Some(c), Some(u)) = (created_at, updated_at)
            && u < c
        {
            errors.push(Error::invalid(
                "updated_at",
                "is before created_at (the last contact cannot precede the first)",
            ));
        }
        let sales_contact_id = sheet.get(row, "sales_contact_id").and_then(|v| {
            keep(
                &mut errors,
                super::parse_id(v).map_err(|m| Error::invalid("sales_contact_id", m)),
            )
        });
        // Repeats are found on every row whose email is valid, the first
        // one counted even when another of its fields is bad.
        let email = sheet.required(row, "email").trim();
        let email_ok = !errors
            .iter()
            .any(|e| matches!(e, Error::Invalid { field, .. } if field == "email"));
        if email_ok && !email.is_empty() {
            match seen.entry(email.to_ascii_lowercase()) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    errors.push(Error::conflict(format!(
                        "email: {email} is also on line {}",
                        first.get()
                    )));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        let failed = !errors.is_empty();
        for e in errors {
            problems.push(line, e);
        }
        if let (Some(client), false) = (client, failed) {
            rows.push(ClientRow {
                line,
                client,
                created_at,
                updated_at,
                sales_contact_id,
                sales_contact: sheet.get(row, "sales_contact").map(str::to_owned),
            });
        }
    }
    rows
}

/// What the database checks leave to insert: (row index, sales contact).
struct ClientPlan {
    rows: Vec<(usize, i64)>,
    skipped: usize,
}

/// The checks that need the database: each row's sales contact (a sales
/// collaborator the grant covers) and emails clients already have.
fn plan_clients(
    db: &mut dyn Db,
    actor: &Actor,
    rows: &[ClientRow],
    skip_existing: bool,
    problems: &mut Problems,
) -> Result<ClientPlan> {
    let grant = policy::check(Action::ClientImport, actor.department, actor.id)?;
    let emails: Vec<&str> = rows.iter().map(|r| r.client.email.as_str()).collect();
    let existing: HashSet<String> = db.existing_client_emails(&emails)?.into_iter().collect();
    let mut contacts: HashMap<String, Option<Collaborator>> = HashMap::new();
    let mut lookup = |db: &mut dyn Db, key: &str| -> Result<Option<Collaborator>> {
        if let Some(found) = contacts.get(key) {
            return Ok(found.clone());
        }
        let found = match db.find_collaborator(key) {
            Ok(c) => Some(c),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        contacts.insert(key.to_string(), found.clone());
        Ok(found)
    };
    let mut plan = ClientPlan {
        rows: Vec::with_capacity(rows.len()),
        skipped: 0,
    };
    for (i, row) in rows.iter().enumerate() {
        let line = row.line;
        let contact = match (row.sales_contact_id, row.sales_contact.as_deref()) {
            (Some(id), named) => {
                let Some(c) = lookup(db, &id.to_string())? else {
                    problems.push_about(
                        line,
                        "sales_contact_id",
                        Kind::NotFound,
                        &format!("collaborator {id} not found"),
                    );
                    continue;
                };
                if let Some(named) = named
                    && named.trim() != c.full_name
                    && !named.trim().eq_ignore_ascii_case(&c.email)
                    && named.trim() != id.to_string()
                {
                    problems.push(
                        line,
                        Error::invalid(
                            "sales_contact",
                            format!(
                                "'{}' is not collaborator {id} ({}, {})",
                                crate::domain::visible::escape(named),
                                c.full_name,
                                c.email
                            ),
                        ),
                    );
                    continue;
                }
                ("sales_contact_id", c.id, c.department, c.email)
            }
            (None, Some(key)) => {
                let key = key.trim();
                let Some(c) = lookup(db, key)? else {
                    if !key.contains('@') && key.parse::<i64>().is_err() {
                        problems.push(
                            line,
                            Error::invalid(
                                "sales_contact",
                                format!(
                                    "'{}' is neither an email nor an id (a name is not a key)",
                                    crate::domain::visible::escape(key)
                                ),
                            ),
                        );
                    } else {
                        problems.push_about(
                            line,
                            "sales_contact",
                            Kind::NotFound,
                            &Error::not_found("collaborator", key).to_string(),
                        );
                    }
                    continue;
                };
                ("sales_contact", c.id, c.department, c.email)
            }
            (None, None) if actor.department == Department::Sales => (
                "sales_contact",
                actor.id,
                actor.department,
                actor.email.clone(),
            ),
            (None, None) => {
                problems.push(
                    line,
                    Error::invalid(
                        "sales_contact",
                        "required when management imports: the email or id of a sales \
                         collaborator",
                    ),
                );
                continue;
            }
        };
        let (field, contact_id, department, email) = contact;
        if department != Department::Sales {
            problems.push(
                line,
                Error::invalid(field, format!("{email} is in {department}, not sales")),
            );
            continue;
        }
        if let Err(e) = grant.require(Some(contact_id)) {
            problems.push_or_fail(line, field, e)?;
            continue;
        }
        if existing.contains(&row.client.email.as_str().to_ascii_lowercase()) {
            if skip_existing {
                plan.skipped += 1;
            } else {
                problems.push(
                    line,
                    Error::conflict(format!(
                        "email: {} is already used by another client (--skip-existing skips such rows)",
                        row.client.email.as_str()
                    )),
                );
            }
            continue;
        }
        plan.rows.push((i, contact_id));
    }
    Ok(plan)
}

// ---------------------------------------------------------------------------
// Events

/// The column names `event import` reads, as its errors name them.
const EVENT_LABELS: event::Labels = event::Labels {
    name: "name",
    start: "start",
    end: "end",
    location: "location",
    attendees: "attendees",
    notes: "notes",
};

/// An event row that passed every check of the file alone.
struct EventRow {
    line: u64,
    contract_id: i64,
    event: event::ValidEvent,
}

/// Runs `event import`.
pub fn events(ctx: &mut Context, args: &EventImportArgs) -> Result<Output> {
    check_permission(ctx, Action::EventImport)?;
    refuse_directory(&args.file)?;
    let mut problems = Problems::new(&display(&args.file));
    let sheet = read_sheet(
        &args.file,
        event::KEYS,
        &[
            "contract_id",
            "name",
            "start",
            "end",
            "location",
            "attendees",
        ],
        &mut problems,
    )?;
    let bar = progress(sheet.rows.len());
    bar.set_message("checking");
    let rows = parse_events(&sheet, &mut problems, &bar);
    let total = sheet.count;
    drop(sheet);
    let result = if args.dry_run {
        ctx.read(|db, actor| {
            let mut found = problems.clone();
            check_contracts(db, actor, &rows, &mut found)?;
            found.into_result()?;
            Ok(Vec::new())
        })
    } else {
        ctx.write(|tx| {
            let mut found = problems.clone();
            check_contracts(tx.conn, tx.actor, &rows, &mut found)?;
            found.into_result()?;
            bar.set_message("importing");
            bar.set_position(0);
            let mut ids = Vec::with_capacity(rows.len());
            for row in &rows {
                let id = event::insert_audited(tx, &row.event, row.contract_id)
                    .map_err(|e| at_line(&problems.file, row.line, e))?;
                ids.push(id);
                bar.inc(1);
            }
            Ok(ids)
        })
    };
    bar.finish_and_clear();
    let ids = result?;
    Ok(Summary {
        entity: "event",
        file: problems.file.clone(),
        rows: total,
        ids,
        skipped: None,
        dry_run: args.dry_run,
    }
    .output(args.opts.format))
}

/// Checks each row on its own (every field through `event::validate`).
fn parse_events(sheet: &Sheet, problems: &mut Problems, bar: &ProgressBar) -> Vec<EventRow> {
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        bar.inc(1);
        let mut errors = Vec::new();
        let contract_id = keep(
            &mut errors,
            super::parse_id(sheet.required(row, "contract_id"))
                .map_err(|m| Error::invalid("contract_id", m)),
        );
        for key in ["support_contact_id", "support_contact"] {
            if sheet.get(row, key).is_some() {
                errors.push(Error::invalid(
                    key,
                    "must be empty: events are imported unassigned (assign them with \
                     `event assign`)",
                ));
            }
        }
        let attendees = sheet.required(row, "attendees");
        let count = match attendees.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(Error::invalid(
                    "attendees",
                    format!(
                        "'{}' is not a whole number",
                        crate::domain::visible::escape(attendees)
                    ),
                ));
                None
            }
        };
        let event = event::validate(
            &EVENT_LABELS,
            &event::Fields {
                name: sheet.required(row, "name"),
                start: sheet.required(row, "start"),
                end: sheet.required(row, "end"),
                location: sheet.required(row, "location"),
                attendees: count.unwrap_or(0),
                notes: sheet.get(row, "notes"),
            },
        )
        .map_err(|e| errors.extend(e))
        .ok();
        let failed = !errors.is_empty();
        for e in errors {
            problems.push(row.line, e);
        }
        if let (Some(event), Some(contract_id), false) = (event, contract_id, failed) {
            rows.push(EventRow {
                line: row.line,
                contract_id,
                event,
            });
        }
    }
    rows
}

/// The checks that need the database: each row's contract exists, is
/// signed, and is one the grant covers (as `event add`).
fn check_contracts(
    db: &mut dyn Db,
    actor: &Actor,
    rows: &[EventRow],
    problems: &mut Problems,
) -> Result<()> {
    let grant = policy::check(Action::EventImport, actor.department, actor.id)?;
    let mut verdicts: HashMap<i64, Option<(Kind, String)>> = HashMap::new();
    for row in rows {
        let verdict = match verdicts.get(&row.contract_id) {
            Some(v) => v.clone(),
            None => {
                let v = match event::signed_contract(db, &grant, row.contract_id) {
                    Ok(_) => None,
                    Err(e) => Some(describe(&e).ok_or(e)?),
                };
                verdicts.insert(row.contract_id, v.clone());
                v
            }
        };
        if let Some((kind, text)) = verdict {
            problems.push_about(row.line, "contract_id", kind, &text);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        text: &str,
        keys: &[&'static str],
        required: &[&'static str],
    ) -> (Result<Sheet>, Problems) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text).unwrap();
        let mut problems = Problems::new("f.csv");
        let sheet = read_sheet(&path, keys, required, &mut problems);
        (sheet, problems)
    }

    #[test]
    fn rows_know_their_physical_line_across_quoted_newlines() {
        let (sheet, problems) = read(
            "name,notes\na,\"one\ntwo\nthree\"\nb,\n\nc,x\nd\n",
            &["name", "notes"],
            &["name"],
        );
        let sheet = sheet.unwrap();
        let lines: Vec<u64> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 7]);
        assert_eq!(sheet.count, 4);
        assert_eq!(problems.list.len(), 1);
        assert_eq!(problems.list[0].line, 8);
        assert_eq!(problems.list[0].text, "row: has 1 cells; the header has 2");
        assert_eq!(sheet.get(&sheet.rows[1], "notes"), None);
        assert_eq!(sheet.get(&sheet.rows[0], "notes"), Some("one\ntwo\nthree"));
        // Windows line endings, a byte-order mark, no final newline.
        let (sheet, _) = read(
            "\u{feff}name,notes\r\na,1\r\n\r\nb,\"x\r\ny\"\r\nc,3",
            &["name", "notes"],
            &["name"],
        );
        let lines: Vec<u64> = sheet.unwrap().rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
    }

    #[test]
    fn the_header_must_use_known_keys_once_with_the_required_ones() {
        let (sheet, _) = read(
            "\u{feff}name,bogus,name\nx,y,z\n",
            &["name", "notes"],
            &["notes"],
        );
        let err = sheet.err().unwrap().to_string();
        assert!(err.starts_with("f.csv: the header has 3 problems"), "{err}");
        assert!(
            err.contains("f.csv:1: header: unknown column 'bogus'; valid columns: name, notes")
        );
        assert!(err.contains("f.csv:1: header: column 'name' appears twice"));
        assert!(err.contains("f.csv:1: header: missing column 'notes' (required)"));
        let (sheet, _) = read("", &["name"], &[]);
        assert!(
            sheet
                .err()
                .unwrap()
                .to_string()
                .contains("the file is empty")
        );
    }

    #[test]
    fn a_neutralised_formula_reads_back_as_written() {
        let (sheet, _) = read("name\n'=1+1\n'Quoted\n", &["name"], &[]);
        let sheet = sheet.unwrap();
        assert_eq!(sheet.get(&sheet.rows[0], "name"), Some("=1+1"));
        assert_eq!(sheet.get(&sheet.rows[1], "name"), Some("'Quoted"));
    }

    #[test]
    fn problems_are_sorted_capped_and_give_one_exit_status() {
        let mut p = Problems::new("f.csv");
        for line in (2..=(SHOWN as u64 + 11)).rev() {
            p.push(line, Error::conflict(format!("email: dup {line}")));
        }
        let err = p.clone().into_error("rows");
        assert_eq!(err.exit_code().code(), 7);
        let text = err.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "f.csv: 110 problems in 110 rows; nothing was written"
        );
        assert_eq!(lines[1], "f.csv:2: email: dup 2");
        assert_eq!(lines.len(), SHOWN + 2);
        assert_eq!(lines[SHOWN + 1], "... and 10 more");
        // Mixed kinds: invalid input.
        p.push(3, Error::invalid("phone", "too short"));
        assert_eq!(p.into_error("rows").exit_code().code(), 5);
        let mut p = Problems::new("f.csv");
        p.push_about(4, "contract_id", Kind::Permission, "permission denied: no");
        let err = p.into_result().unwrap_err();
        assert_eq!(err.exit_code().code(), 4);
        assert!(
            err.to_string()
                .contains("f.csv:4: contract_id: permission denied: no")
        );
        assert!(Problems::new("f.csv").into_result().is_ok());
    }

    #[test]
    fn an_insert_error_names_its_line() {
        let e = at_line("f.csv", 9, Error::invalid("email", "already used"));
        assert_eq!(e.to_string(), "f.csv:9: email: already used");
        let e = at_line("f.csv", 9, Error::conflict("email: already used"));
        assert_eq!(e.to_string(), "f.csv:9: email: already used");
    }

    #[test]
    fn the_summary_says_what_happened() {
        let s = |ids: Vec<i64>, skipped, dry_run| Summary {
            entity: "client",
            file: "f.csv".into(),
            rows: 3,
            ids,
            skipped,
            dry_run,
        };
        let text = |o: Output| match o {
            Output::Message(m) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            text(s(vec![1, 2], Some(1), false).output(Format::Table)),
            "Imported 2 clients (1 existing skipped)."
        );
        assert_eq!(
            text(s(vec![], None, true).output(Format::Table)),
            "Checked 3 clients: nothing written (--dry-run)."
        );
        assert_eq!(
            text(s(vec![7], None, false).output(Format::Table)),
            "Imported 1 client."
        );
        let Output::Record(r) = s(vec![4, 5], None, false).output(Format::Json) else {
            panic!()
        };
        assert_eq!(
            (r["imported"].as_i64(), r["first_id"].as_i64()),
            (Some(2), Some(4))
        );
    }
}
