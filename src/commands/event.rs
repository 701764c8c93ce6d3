//! `event add | list | show | update | assign | history | delete | import`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::context::Tx;
use super::fields::{clearable, first_error, keep};
use super::history::{self, HistoryArgs};
use super::{Context, DeleteArgs, ListOpts, ShowOpts};
use crate::domain::text::{LOCATION_MAX, NAME_MAX, NOTES_MAX};
use crate::domain::{Department, Text, when};
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Output, record};
use crate::store::contracts::Contract;
use crate::store::{self, events};

/// Output keys of an event (SPEC.md "Output contract").
pub const KEYS: &[&str] = &[
    "id",
    "contract_id",
    "name",
    "client_name",
    "client_email",
    "client_phone",
    "start",
    "end",
    "support_contact_id",
    "support_contact",
    "location",
    "attendees",
    "notes",
    "created_at",
    "updated_at",
];

const TABLE_KEYS: &[&str] = &[
    "id",
    "contract_id",
    "name",
    "client_name",
    "start",
    "end",
    "support_contact",
    "location",
    "attendees",
];

/// Attendee counts the database accepts.
fn attendees() -> clap::builder::RangedI64ValueParser<i64> {
    clap::value_parser!(i64).range(0..=ATTENDEES_MAX)
}

/// The verbs of `event`.
#[derive(Debug, Clone, Subcommand)]
pub enum Verb {
    /// Create the event of a signed contract (the client's sales contact)
    Add(AddArgs),
    /// List events
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one event
    Show {
        /// Event id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Update an event (management, or its support contact)
    Update(UpdateArgs),
    /// Assign a support collaborator to an event, or unassign it with --none (management)
    Assign {
        /// Event id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        /// The support collaborator
        #[arg(long, value_name = "ID|EMAIL", required_unless_present = "none")]
        support: Option<String>,
        /// Leave the event without a support contact
        #[arg(long, conflicts_with = "support")]
        none: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Show what changed on an event, by whom and when (newest first)
    History(HistoryArgs),
    /// Delete an event (management)
    ///
    /// Asks for confirmation on a terminal; --yes skips the question
    /// (required in scripts). The audit log keeps its last values.
    #[command(visible_alias = "rm")]
    Delete(DeleteArgs),
}

/// Deleting an event: nothing depends on one.
const DELETE: super::Deletion = super::Deletion {
    entity: "event",
    load: |c, id| {
        let row = c.event(id)?;
        let label = format!("event {id} ({})", crate::domain::visible::escape(&row.name));
        Ok((label, record(&row)))
    },
    dependants: |_, _| Ok(()),
    delete: |c, id| c.delete_event(id),
};

/// Arguments of `event add`.
#[derive(Debug, Clone, Args)]
pub struct AddArgs {
    /// The signed contract
    #[arg(long, value_parser = super::parse_id, allow_negative_numbers = true)]
    pub contract: i64,
    /// Event name
    #[arg(long)]
    pub name: String,
    /// Start, local time: 2026-06-04 13:00, 2026-06-04T13:00 or 2026-06-04
    #[arg(long, value_name = "WHEN")]
    pub start: String,
    /// End (after the start), same forms
    #[arg(long, value_name = "WHEN")]
    pub end: String,
    /// Location (address)
    #[arg(long)]
    pub location: String,
    /// Expected attendees
    #[arg(long, value_parser = attendees(), allow_negative_numbers = true)]
    pub attendees: i64,
    /// Free notes
    #[arg(long)]
    pub notes: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Arguments of `event list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only events without a support contact
    #[arg(long)]
    pub unassigned: bool,
    /// Your events: in support, those whose support contact you are; in
    /// sales, those of your clients' contracts (management has none)
    #[arg(long, conflicts_with = "support")]
    pub mine: bool,
    /// Only events that start in the future (soonest first unless --sort)
    #[arg(long)]
    pub upcoming: bool,
    /// Only this contract's events
    #[arg(long, value_name = "ID", value_parser = super::parse_id, allow_negative_numbers = true)]
    pub contract: Option<i64>,
    /// Only events of this support contact (who must be in support)
    #[arg(long, value_name = "ID|EMAIL")]
    pub support: Option<String>,
    /// Only events whose name, location or client's name contains TEXT (any case)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only events starting at or after WHEN
    #[arg(long, value_name = "WHEN")]
    pub from: Option<String>,
    /// Only events starting up to WHEN (a date alone: to the end of that day)
    #[arg(long, value_name = "WHEN")]
    pub to: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ListOpts,
}

/// Arguments of `event update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Event id
    #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
    pub id: i64,
    /// New name
    #[arg(long)]
    pub name: Option<String>,
    /// New start
    #[arg(long, value_name = "WHEN")]
    pub start: Option<String>,
    /// New end
    #[arg(long, value_name = "WHEN")]
    pub end: Option<String>,
    /// New location
    #[arg(long)]
    pub location: Option<String>,
    /// New attendee count
    #[arg(long, value_parser = attendees(), allow_negative_numbers = true)]
    pub attendees: Option<i64>,
    /// New notes ("" clears them)
    #[arg(long)]
    pub notes: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Runs an `event` verb.
pub fn execute(ctx: &mut Context, verb: Verb, out: &mut dyn Write) -> Result<Output> {
    match verb {
        Verb::Add(args) => add(ctx, &args),
        Verb::List(args) => {
            let mut q = args.opts.query();
            if args.upcoming && q.sort.is_empty() {
                // Soonest first; also lets SQLite walk the start index and
                // stop at --limit instead of sorting every future event.
                q.sort = vec![crate::store::SortKey::parse("start")];
            }
            let starts = super::finding::Range::parse(args.from.as_deref(), args.to.as_deref())?;
            ctx.read(|c, actor| {
                if let Some(id) = args.contract {
                    c.contract(id)?; // an unknown contract is an error, not an empty list
                }
                let (support_contact_id, sales_contact_id) = match (&args.support, args.mine) {
                    (Some(key), _) => (
                        Some(super::finding::staff_in(
                            c,
                            "--support",
                            key,
                            Department::Support,
                        )?),
                        None,
                    ),
                    (None, true) => match actor.department {
                        Department::Support => (Some(actor.id), None),
                        Department::Sales => (None, Some(actor.id)),
                        Department::Management => {
                            return Err(Error::invalid(
                                "--mine",
                                "means the events you support (support) or those of your \
                                 clients (sales); management has none",
                            ));
                        }
                    },
                    (None, false) => (None, None),
                };
                let filter = events::EventFilter {
                    unassigned: args.unassigned,
                    support_contact_id,
                    starts_after: args.upcoming.then(store::now),
                    contract_id: args.contract,
                    sales_contact_id,
                    search: args.search.clone(),
                    starts_from: starts.from,
                    starts_before: starts.before,
                };
                super::list_rows(out, &args.opts, KEYS, TABLE_KEYS, |visit| {
                    c.each_event(&filter, &q, visit)
                })
            })
        }
        Verb::Show { id, .. } => ctx.read(|c, _| Ok(Output::Record(record(&c.event(id)?)))),
        Verb::Update(args) => update(ctx, &args),
        Verb::Assign { id, support, .. } => assign(ctx, id, support.as_deref()),
        Verb::History(HistoryArgs { id, opts }) => {
            history::record_history(ctx, "event", id, &opts, out, |c, id| {
                c.event(id).map(|_| ())
            })
        }
        Verb::Delete(args) => super::delete(ctx, &args, &DELETE),
    }
}

fn end_after_start(start: i64, end: i64) -> Result<()> {
    end_after_start_as("--end", start, end)
}

fn end_after_start_as(field: &'static str, start: i64, end: i64) -> Result<()> {
    if end <= start {
        return Err(Error::invalid(field, "must be after the start"));
    }
    Ok(())
}

fn add(ctx: &mut Context, args: &AddArgs) -> Result<Output> {
    let event = validate(
        &ADD_LABELS,
        &Fields {
            name: &args.name,
            start: &args.start,
            end: &args.end,
            location: &args.location,
            attendees: args.attendees,
            notes: args.notes.as_deref(),
        },
    )
    .map_err(first_error)?;
    ctx.write(|tx| {
        let grant = policy::check(Action::EventAdd, tx.actor.department, tx.actor.id)?;
        let contract = signed_contract(tx.conn, &grant, args.contract)?;
        let id = insert_audited(tx, &event, contract.id)?;
        let row = tx.conn.event(id)?;
        Ok(Output::Created {
            id,
            record: record(&row),
        })
    })
}

/// What the errors of [`validate`] call each field: `event add`'s flags,
/// or `event import`'s columns.
pub(crate) struct Labels {
    pub name: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub location: &'static str,
    pub attendees: &'static str,
    pub notes: &'static str,
}

const ADD_LABELS: Labels = Labels {
    name: "--name",
    start: "--start",
    end: "--end",
    location: "--location",
    attendees: "--attendees",
    notes: "--notes",
};

/// A new event's fields as typed (the attendee count already a number in
/// `0..=ATTENDEES_MAX`).
pub(crate) struct Fields<'a> {
    pub name: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub location: &'a str,
    pub attendees: i64,
    pub notes: Option<&'a str>,
}

/// The most attendees an event may have.
pub(crate) const ATTENDEES_MAX: i64 = 1_000_000;

/// A new event's fields, each checked by its domain type.
#[derive(Debug, Clone)]
pub(crate) struct ValidEvent {
    pub name: Text,
    pub start: i64,
    pub end: i64,
    pub location: Text,
    pub attendees: i64,
    pub notes: Option<Text>,
}

/// Checks a new event's fields, the one set of rules `event add` and
/// `event import` share: every bad field's error, in field order.
pub(crate) fn validate(
    labels: &Labels,
    f: &Fields<'_>,
) -> std::result::Result<ValidEvent, Vec<Error>> {
    let mut errors = Vec::new();
    let name = keep(&mut errors, Text::parse(labels.name, f.name, NAME_MAX));
    let start = keep(&mut errors, when::parse_when(labels.start, f.start)).map(|t| t.timestamp());
    let end = keep(&mut errors, when::parse_when(labels.end, f.end)).map(|t| t.timestamp());
    if let (Some(start), Some(end)) = (start, end) {
        keep(&mut errors, end_after_start_as(labels.end, start, end));
    }
    let location = keep(
        &mut errors,
        Text::parse(labels.location, f.location, LOCATION_MAX),
    );
    if !(0..=ATTENDEES_MAX).contains(&f.attendees) {
        errors.push(Error::invalid(
            labels.attendees,
            format!("{} is not within 0..={ATTENDEES_MAX}", f.attendees),
        ));
    }
    let notes = f.notes.and_then(|n| {
        keep(
            &mut errors,
            Text::parse_multiline(labels.notes, n, NOTES_MAX),
        )
    });
    match (name, start, end, location) {
        (Some(name), Some(start), Some(end), Some(location)) if errors.is_empty() => {
            Ok(ValidEvent {
                name,
                start,
                end,
                location,
                attendees: f.attendees,
                notes,
            })
        }
        _ => Err(errors),
    }
}

/// The contract an event may be created for: it exists, `grant` covers
/// it (the client's sales contact), and it is signed.
pub(crate) fn signed_contract(
    db: &mut dyn store::Db,
    grant: &policy::Grant,
    contract_id: i64,
) -> Result<Contract> {
    let contract = db.contract(contract_id)?;
    grant.require(Some(contract.sales_contact_id))?;
    if !contract.signed {
        return Err(Error::conflict(format!(
            "contract {} is not signed yet; an event needs a signed contract",
            contract.id
        )));
    }
    Ok(contract)
}

/// Inserts a checked event (unassigned) and its audit row, the one way
/// `event add` and `event import` create an event. The permission and
/// contract checks are the caller's ([`signed_contract`]).
pub(crate) fn insert_audited(tx: &mut Tx<'_>, event: &ValidEvent, contract_id: i64) -> Result<i64> {
    let id = tx.conn.insert_event(&events::NewEvent {
        contract_id,
        name: event.name.as_str(),
        start: event.start,
        end: event.end,
        location: event.location.as_str(),
        attendees: event.attendees,
        notes: event.notes.as_ref().map(Text::as_str),
        support_contact_id: None,
    })?;
    let time = |t: i64| {
        json!(crate::domain::when::to_rfc3339_local(
            crate::store::instant(t)
        ))
    };
    let detail = history::created([
        ("contract_id", json!(contract_id)),
        ("name", json!(event.name.as_str())),
        ("start", time(event.start)),
        ("end", time(event.end)),
        ("location", json!(event.location.as_str())),
        ("attendees", json!(event.attendees)),
        ("notes", json!(event.notes.as_ref().map(Text::as_str))),
    ]);
    tx.audit("create", "event", id, detail)?;
    Ok(id)
}

fn update(ctx: &mut Context, args: &UpdateArgs) -> Result<Output> {
    let changes = events::EventChanges {
        name: args
            .name
            .as_deref()
            .map(|v| Text::parse("--name", v, NAME_MAX).map(Text::into_string))
            .transpose()?,
        start: args
            .start
            .as_deref()
            .map(|v| when::parse_when("--start", v).map(|t| t.timestamp()))
            .transpose()?,
        end: args
            .end
            .as_deref()
            .map(|v| when::parse_when("--end", v).map(|t| t.timestamp()))
            .transpose()?,
        location: args
            .location
            .as_deref()
            .map(|v| Text::parse("--location", v, LOCATION_MAX).map(Text::into_string))
            .transpose()?,
        attendees: args.attendees,
        // An empty value clears the notes.
        notes: args
            .notes
            .as_deref()
            .map(|v| {
                clearable(v, |v| {
                    Text::parse_multiline("--notes", v, NOTES_MAX).map(Text::into_string)
                })
            })
            .transpose()?,
    };
    let mut fields = Vec::new();
    for (name, set) in [
        ("name", changes.name.is_some()),
        ("start", changes.start.is_some()),
        ("end", changes.end.is_some()),
        ("location", changes.location.is_some()),
        ("attendees", changes.attendees.is_some()),
        ("notes", changes.notes.is_some()),
    ] {
        if set {
            fields.push(name);
        }
    }
    if fields.is_empty() {
        return Err(Error::invalid(
            "update",
            "nothing to change; give --name, --start, --end, --location, --attendees or --notes",
        ));
    }
    ctx.write(|tx| {
        let grant = policy::check(Action::EventUpdate, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.event(args.id)?;
        grant.require(before.support_contact_id)?;
        let start = changes.start.unwrap_or(before.start.timestamp());
        let end = changes.end.unwrap_or(before.end.timestamp());
        if end <= start && changes.end.is_none() {
            // Only the start moved: name the flag the user gave.
            return Err(Error::invalid(
                "--start",
                format!(
                    "must be before the event's end ({})",
                    when::to_display_local(before.end)
                ),
            ));
        }
        end_after_start(start, end)?;
        tx.conn.update_event(args.id, &changes)?;
        let after = tx.conn.event(args.id)?;
        tx.audit(
            "update",
            "event",
            args.id,
            history::detail(Some(&before), Some(&after)),
        )?;
        Ok(Output::Record(record(&after)))
    })
}

/// `event assign ID --support WHO`, or `--none` (support `None`).
fn assign(ctx: &mut Context, id: i64, support: Option<&str>) -> Result<Output> {
    ctx.write(|tx| {
        policy::check(Action::EventAssign, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.event(id)?;
        let target = match support {
            Some(key) => {
                let target = tx.conn.find_collaborator(key)?;
                if target.department != Department::Support {
                    return Err(Error::invalid(
                        "--support",
                        format!(
                            "collaborator {} is in {}, not support",
                            target.id, target.department
                        ),
                    ));
                }
                Some(target.id)
            }
            None => None,
        };
        tx.conn.assign_event(id, target)?;
        let after = tx.conn.event(id)?;
        let action = if target.is_some() {
            "assign"
        } else {
            "unassign"
        };
        tx.audit(
            action,
            "event",
            id,
            history::detail(Some(&before), Some(&after)),
        )?;
        Ok(Output::Record(record(&after)))
    })
}
