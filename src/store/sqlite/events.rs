//! Events, with their client (through the contract) and support contact.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::query::Filter;
use super::{constraint, instant};
use crate::error::{Error, Result};
use crate::store::ListQuery;
pub use crate::store::model::events::*;

const SELECT: &str = "SELECT ev.id, ev.contract_id, ev.name, cl.full_name, cl.email, cl.phone,
                             ev.start_at, ev.end_at, ev.support_contact_id, su.full_name,
                             ev.location, ev.attendees, ev.notes, ev.created_at, ev.updated_at,
                             cl.sales_contact_id
                      FROM events ev
                      JOIN contracts ct ON ct.id = ev.contract_id
                      JOIN clients cl ON cl.id = ct.client_id
                      LEFT JOIN collaborators su ON su.id = ev.support_contact_id";

pub(crate) const SORTABLE: &[(&str, &str)] = &[
    ("id", "ev.id"),
    ("contract_id", "ev.contract_id"),
    ("name", "ev.name COLLATE NOCASE"),
    ("client_name", "cl.full_name COLLATE NOCASE"),
    ("start", "ev.start_at"),
    ("end", "ev.end_at"),
    ("support_contact_id", "ev.support_contact_id"),
    ("support_contact", "su.full_name COLLATE NOCASE"),
    ("location", "ev.location COLLATE NOCASE"),
    ("attendees", "ev.attendees"),
    ("created_at", "ev.created_at"),
    ("updated_at", "ev.updated_at"),
];

fn from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        contract_id: r.get(1)?,
        name: r.get(2)?,
        client_name: r.get(3)?,
        client_email: r.get(4)?,
        client_phone: r.get(5)?,
        start: instant(r.get(6)?),
        end: instant(r.get(7)?),
        support_contact_id: r.get(8)?,
        support_contact: r.get(9)?,
        location: r.get(10)?,
        attendees: r.get(11)?,
        notes: r.get(12)?,
        created_at: instant(r.get(13)?),
        updated_at: instant(r.get(14)?),
        sales_contact_id: r.get(15)?,
    })
}

/// Inserts an event; returns its id.
pub fn insert(c: &Connection, new: &NewEvent<'_>) -> Result<i64> {
    let now = super::now();
    c.prepare_cached(
        "INSERT INTO events (contract_id, name, start_at, end_at, location, attendees, notes,
                             created_at, updated_at, support_contact_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
    )?
    .execute(params![
        new.contract_id,
        new.name,
        new.start,
        new.end,
        new.location,
        new.attendees,
        new.notes,
        now,
        new.support_contact_id
    ])
    .map_err(|e| constraint(e, &[]))?;
    Ok(c.last_insert_rowid())
}

/// The event with this id.
pub fn get(c: &Connection, id: i64) -> Result<Event> {
    c.prepare_cached(&format!("{SELECT} WHERE ev.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("event", id))
}

/// Lists events.
pub fn list(c: &Connection, filter: &EventFilter, q: &ListQuery) -> Result<Vec<Event>> {
    crate::store::collect(|visit| each(c, filter, q, visit))
}

/// Calls `f` with each of the events `list` would return, in order, as the
/// query yields them: nothing is held in memory but the current row.
pub fn each(
    c: &Connection,
    filter: &EventFilter,
    q: &ListQuery,
    mut visit: impl FnMut(Event) -> Result<()>,
) -> Result<()> {
    let mut f = Filter::default();
    if filter.unassigned {
        f.add("ev.support_contact_id IS NULL");
    }
    if let Some(id) = filter.support_contact_id {
        f.bind("ev.support_contact_id = ?", [Value::Integer(id)]);
    }
    if let Some(t) = filter.starts_after {
        f.bind("ev.start_at > ?", [Value::Integer(t)]);
    }
    if let Some(id) = filter.contract_id {
        f.bind("ev.contract_id = ?", [Value::Integer(id)]);
    }
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Value::Integer(id)]);
    }
    if let Some(text) = &filter.search {
        f.search(
            "(ev.name LIKE ? ESCAPE '\\' OR ev.location LIKE ? ESCAPE '\\' \
             OR cl.full_name LIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    if let Some(t) = filter.starts_from {
        f.bind("ev.start_at >= ?", [Value::Integer(t)]);
    }
    if let Some(t) = filter.starts_before {
        f.bind("ev.start_at < ?", [Value::Integer(t)]);
    }
    f.each(c, SELECT, &q.tail(SORTABLE, "ev.id")?, from_row, &mut visit)
}

/// Applies `changes` (already validated together: end after start).
pub fn update(c: &Connection, id: i64, changes: &EventChanges) -> Result<()> {
    let n = c
        .prepare_cached(
            "UPDATE events SET
                name = coalesce(?2, name),
                start_at = coalesce(?3, start_at),
                end_at = coalesce(?4, end_at),
                location = coalesce(?5, location),
                attendees = coalesce(?6, attendees),
                notes = iif(?7, ?9, notes),
                updated_at = max(?8, created_at)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            changes.name,
            changes.start,
            changes.end,
            changes.location,
            changes.attendees,
            changes.notes.is_some(),
            super::now(),
            changes.notes.clone().flatten()
        ])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}

/// Sets the event's support contact (a support collaborator; the database
/// refuses anyone else).
pub fn assign(c: &Connection, id: i64, support_contact_id: Option<i64>) -> Result<()> {
    let n = c
        .prepare_cached(
            "UPDATE events SET support_contact_id = ?2, updated_at = max(?3, created_at)
             WHERE id = ?1",
        )?
        .execute(params![id, support_contact_id, super::now()])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}

/// Moves every event of support contact `from` to `to`; returns how many.
pub fn reassign_all(c: &Connection, from: i64, to: i64) -> Result<usize> {
    c.prepare_cached("UPDATE events SET support_contact_id = ?2 WHERE support_contact_id = ?1")?
        .execute(params![from, to])
        .map_err(|e| constraint(e, &[]))
}

/// Number of events whose support contact is `collaborator_id`.
pub fn count_for_support(c: &Connection, collaborator_id: i64) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM events WHERE support_contact_id = ?1",
        [collaborator_id],
        |r| r.get(0),
    )?)
}

/// Deletes an event.
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    let n = c
        .prepare_cached("DELETE FROM events WHERE id = ?1")?
        .execute([id])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}
