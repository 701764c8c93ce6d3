//! What changed, when and by whom: the audit detail every write records,
//! `client|contract|event history ID`, `collaborator history ID|EMAIL` and
//! `audit list`.
//!
//! Every write records, in its own transaction, an audit row whose detail
//! is `{"changes": [{"field": F, "old": OLD, "new": NEW}, ...]}` over the
//! record's output-contract keys, in their order (an array: PostgreSQL's
//! `jsonb` would not keep an object's key order); a delete has only old
//! values (the deleted record's last ones), and a secret (a password) is
//! `{"field": "password", "new": "changed"}`, never its value. A creation
//! is `{"created": [[KEY, VALUE], ...]}`, the values it was stored with:
//! pairs rather than a change object per field, since an import writes one
//! per row. Rows from
//! before this format (`{"fields": [...]}`, `{"from": .., "to": ..}`) still
//! display, one line per key. History is read newest first.

use clap::Args;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Context, Output};
use crate::domain::when;
use crate::error::Result;
use crate::policy::{self, Action};
use crate::render::{Format, Tabular, record};
use crate::store::audit::{AuditEntry, AuditFilter};
use crate::store::ser_time;

/// Keys never compared: the identity, and the time of the last change
/// (which every write moves; the audit row has its own time).
const NOT_COMPARED: &[&str] = &["id", "updated_at", "db_role"];

/// Output keys of a history line.
pub const KEYS: &[&str] = &[
    "audit_id",
    "at",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "field",
    "old",
    "new",
];

const TABLE_KEYS: &[&str] = &["at", "actor", "action", "field", "old", "new"];
const AUDIT_TABLE_KEYS: &[&str] = &[
    "audit_id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "field",
    "old",
    "new",
];

/// The `changes` of a write from `before` to `after` (either absent for a
/// creation or a delete): every compared key whose value differs.
pub fn changes<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Vec<Value> {
    let before = before.map(record).unwrap_or_default();
    let after = after.map(record).unwrap_or_default();
    let mut keys: Vec<&String> = after.keys().collect();
    keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
    let mut out = Vec::new();
    for key in keys {
        if NOT_COMPARED.contains(&key.as_str()) {
            continue;
        }
        let old = before.get(key).cloned().unwrap_or(Value::Null);
        let new = after.get(key).cloned().unwrap_or(Value::Null);
        if old != new {
            out.push(json!({"field": key, "old": old, "new": new}));
        }
    }
    out
}

/// The audit detail of a write from `before` to `after`.
pub fn detail<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Value {
    json!({ "changes": changes(before, after) })
}

/// The audit detail of a creation from the values stored (absent ones left
/// out): what an import writes without reading each new row back.
pub fn created<K: Into<String>>(fields: impl IntoIterator<Item = (K, Value)>) -> Value {
    let values: Vec<Value> = fields
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| Value::Array(vec![Value::String(k.into()), v]))
        .collect();
    let mut detail = Map::with_capacity(1);
    detail.insert("created".into(), Value::Array(values));
    Value::Object(detail)
}

/// Adds a secret to a creation's values: that it was set, never its value.
pub fn push_created_secret(detail: &mut Value, field: &str) {
    if let Some(Value::Array(values)) = detail.get_mut("created") {
        values.push(json!([field, "changed"]));
    }
}

/// The audit detail of the creation of `row` (its output keys but the
/// identity and the time of the last change, absent ones left out).
pub fn created_record<T: Serialize>(row: &T) -> Value {
    created(
        record(row)
            .into_iter()
            .filter(|(k, _)| !NOT_COMPARED.contains(&k.as_str())),
    )
}

/// Adds to a detail the change of a field that is not one of the record's
/// keys (`updated_at` for `--contacted`), or of a secret (`new` only:
/// `"changed"`).
pub fn push_change(detail: &mut Value, field: &str, old: Value, new: Value) {
    if let Some(Value::Array(changes)) = detail.get_mut("changes") {
        changes.push(json!({"field": field, "old": old, "new": new}));
    }
}

/// One line of a history: one changed field of one audit row.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The audit row.
    pub audit_id: i64,
    /// When.
    #[serde(serialize_with = "ser_time")]
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor_id: Option<i64>,
    /// Their email (absent once deleted, or for the demo's rows).
    pub actor: Option<String>,
    /// What was done.
    pub action: String,
    /// To what kind of record.
    pub entity: String,
    /// To which one.
    pub entity_id: Option<i64>,
    /// The field (absent when the row names none, e.g. `sign` before this
    /// format, or a login).
    pub field: Option<String>,
    /// Its value before (absent for a creation, a secret, or a row that
    /// recorded only the field's name).
    pub old: Value,
    /// Its value after.
    pub new: Value,
}

impl Tabular for Line {
    fn cell(&self, key: &str) -> String {
        match key {
            "audit_id" => self.audit_id.to_string(),
            "at" => when::to_display_local(self.at),
            "actor_id" => self.actor_id.map(|v| v.to_string()).unwrap_or_default(),
            "actor" => self.actor.clone().unwrap_or_default(),
            "action" => self.action.clone(),
            "entity" => self.entity.clone(),
            "entity_id" => self.entity_id.map(|v| v.to_string()).unwrap_or_default(),
            "field" => self.field.clone().unwrap_or_default(),
            "old" => value_cell(&self.old),
            "new" => value_cell(&self.new),
            _ => String::new(),
        }
    }
}

/// A value as a table shows it: text as is, times in short local form,
/// absent as empty.
fn value_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => when::to_display_local(t.with_timezone(&chrono::Utc)),
            Err(_) => s.clone(),
        },
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        other => other.to_string(),
    }
}

/// The lines of one audit row: one per field it names (at least one).
pub fn lines(entry: AuditEntry) -> Vec<Line> {
    let line = |field: Option<String>, old: Value, new: Value| Line {
        audit_id: entry.id,
        at: entry.at,
        actor_id: entry.actor_id,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        entity: entry.entity.clone(),
        entity_id: entry.entity_id,
        field,
        old,
        new,
    };
    let mut out = Vec::new();
    if let Some(Value::Object(detail)) = &entry.detail {
        for (key, value) in detail {
            match (key.as_str(), value) {
                ("created", Value::Array(values)) => {
                    for pair in values {
                        let field = pair.get(0).and_then(Value::as_str).map(str::to_string);
                        let new = pair.get(1).cloned().unwrap_or(Value::Null);
                        out.push(line(field, Value::Null, new));
                    }
                }
                ("changes", Value::Array(changes)) => {
                    for change in changes {
                        let get = |k: &str| change.get(k).cloned().unwrap_or(Value::Null);
                        let field = match change.get("field") {
                            Some(Value::String(f)) => Some(f.clone()),
                            _ => None,
                        };
                        out.push(line(field, get("old"), get("new")));
                    }
                }
                // Rows from before old and new values were recorded.
                ("fields", Value::Array(fields)) => {
                    for field in fields {
                        let name = field
                            .as_str()
                            .map_or_else(|| field.to_string(), str::to_string);
                        out.push(line(Some(name), Value::Null, Value::Null));
                    }
                }
                (key, value) => out.push(line(Some(key.to_string()), Value::Null, value.clone())),
            }
        }
    }
    if out.is_empty() {
        out.push(line(None, Value::Null, Value::Null));
    }
    out
}

/// `--limit` and `--format` of a history.
#[derive(Debug, Clone, Args)]
pub struct HistoryOpts {
    /// Show the N most recent changes (audit rows)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `client|contract|event history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Record id
    #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
    pub id: i64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: HistoryOpts,
}

/// Arguments of `audit list`.
#[derive(Debug, Clone, Args)]
pub struct AuditListArgs {
    /// Only what this collaborator did
    #[arg(long, value_name = "ID|EMAIL")]
    pub actor: Option<String>,
    /// Only rows about this kind of record
    #[arg(long, value_enum)]
    pub entity: Option<Entity>,
    /// Only rows at or after WHEN (local time)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only rows up to WHEN (local time; a date alone: to the end of that day)
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: HistoryOpts,
}

/// The kinds of record the audit log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Entity {
    /// Collaborators.
    Collaborator,
    /// Clients.
    Client,
    /// Contracts.
    Contract,
    /// Events.
    Event,
    /// Logins, logouts and password changes.
    Session,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Collaborator => "collaborator",
            Entity::Client => "client",
            Entity::Contract => "contract",
            Entity::Event => "event",
            Entity::Session => "session",
        }
    }
}

/// The verbs of `audit`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AuditVerb {
    /// List the audit log, newest first (management)
    #[command(visible_alias = "ls")]
    List(AuditListArgs),
}

/// Writes the lines of the selected audit rows as `opts` asks.
fn show(
    out: &mut dyn std::io::Write,
    format: Format,
    table_keys: &'static [&'static str],
    each: impl FnOnce(&mut dyn FnMut(AuditEntry) -> Result<()>) -> Result<()>,
) -> Result<Output> {
    let opts = super::ListOpts {
        sort: None,
        limit: None,
        offset: None,
        columns: Vec::new(),
        format,
    };
    super::list_rows(out, &opts, KEYS, table_keys, |visit| {
        each(&mut |entry| lines(entry).into_iter().try_for_each(&mut *visit))
    })
}

/// `client|contract|event history ID`: the record's changes, newest first.
/// Everyone logged in reads them; a record that never existed is not found,
/// a deleted one still shows its history.
pub fn record_history(
    ctx: &mut Context,
    entity: &'static str,
    id: i64,
    opts: &HistoryOpts,
    out: &mut dyn std::io::Write,
    exists: fn(&mut dyn crate::store::Db, i64) -> Result<()>,
) -> Result<Output> {
    let filter = AuditFilter {
        entity: Some(entity.to_string()),
        entity_id: Some(id),
        limit: opts.limit,
        ..AuditFilter::default()
    };
    ctx.read(|c, _| {
        let mut any = false;
        c.each_audit(
            &AuditFilter {
                limit: Some(1),
                ..filter.clone()
            },
            &mut |_| {
                any = true;
                Ok(())
            },
        )?;
        if !any {
            exists(c, id)?; // not found when it never existed
        }
        show(out, opts.format, TABLE_KEYS, |visit| {
            c.each_audit(&filter, visit)
        })
    })
}

/// `audit list` (management): the whole log, newest first.
pub fn audit_list(
    ctx: &mut Context,
    args: &AuditListArgs,
    out: &mut dyn std::io::Write,
) -> Result<Output> {
    let range = super::finding::Range::parse_flags(
        ("--since", args.since.as_deref()),
        ("--until", args.until.as_deref()),
    )?;
    ctx.read(|c, actor| {
        policy::check(Action::AuditRead, actor.department, actor.id)?;
        let actor_id = match &args.actor {
            Some(key) => Some(c.find_collaborator(key)?.id),
            None => None,
        };
        let filter = AuditFilter {
            entity: args.entity.map(|e| e.as_str().to_string()),
            entity_id: None,
            actor_id,
            since: range.from,
            until: range.before,
            limit: args.opts.limit,
        };
        show(out, args.opts.format, AUDIT_TABLE_KEYS, |visit| {
            c.each_audit(&filter, visit)
        })
    })
}
