//! Events on PostgreSQL.

use postgres::Row;

use super::Session;
use super::query::{Filter, Value, col};
use crate::error::{Error, Result};
use crate::store::events::{Event, EventChanges, EventFilter, NewEvent};
use crate::store::{ListQuery, Visit, instant, now};

const SELECT: &str = "SELECT ev.id, ev.contract_id, ev.name, cl.full_name, cl.email, cl.phone,
                             ev.start_at, ev.end_at, ev.support_contact_id, su.full_name,
                             ev.location, ev.attendees, ev.notes, ev.created_at, ev.updated_at,
                             cl.sales_contact_id
                      FROM events ev
                      JOIN contracts ct ON ct.id = ev.contract_id
                      JOIN clients cl ON cl.id = ct.client_id
                      LEFT JOIN collaborators su ON su.id = ev.support_contact_id";

const SORTABLE: &[(&str, &str)] = &[
    ("id", "ev.id"),
    ("contract_id", "ev.contract_id"),
    ("name", "lower(ev.name) COLLATE \"C\""),
    ("client_name", "lower(cl.full_name) COLLATE \"C\""),
    ("start", "ev.start_at"),
    ("end", "ev.end_at"),
    ("support_contact_id", "ev.support_contact_id"),
    ("support_contact", "lower(su.full_name) COLLATE \"C\""),
    ("location", "lower(ev.location) COLLATE \"C\""),
    ("attendees", "ev.attendees"),
    ("created_at", "ev.created_at"),
    ("updated_at", "ev.updated_at"),
];

fn from_row(r: &Row) -> Result<Event> {
    Ok(Event {
        id: col(r, 0)?,
        contract_id: col(r, 1)?,
        name: col(r, 2)?,
        client_name: col(r, 3)?,
        client_email: col(r, 4)?,
        client_phone: col(r, 5)?,
        start: col(r, 6)?,
        end: col(r, 7)?,
        support_contact_id: col(r, 8)?,
        support_contact: col(r, 9)?,
        location: col(r, 10)?,
        attendees: col(r, 11)?,
        notes: col(r, 12)?,
        created_at: col(r, 13)?,
        updated_at: col(r, 14)?,
        sales_contact_id: col(r, 15)?,
    })
}

/// Inserts an event; returns its id.
pub fn insert(s: &mut Session<'_>, new: &NewEvent<'_>) -> Result<i64> {
    let now = instant(now());
    let row = s.query_one(
        "INSERT INTO events (contract_id, name, start_at, end_at, location, attendees, notes,
                             created_at, updated_at, support_contact_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
        &[
            &new.contract_id,
            &new.name,
            &instant(new.start),
            &instant(new.end),
            &new.location,
            &new.attendees,
            &new.notes,
            &now,
            &new.support_contact_id,
        ],
    )?;
    col(&row, 0)
}

/// The event with this id.
pub fn get(s: &mut Session<'_>, id: i64) -> Result<Event> {
    match s.query_opt(&format!("{SELECT} WHERE ev.id = $1"), &[&id])? {
        Some(r) => from_row(&r),
        None => Err(Error::not_found("event", id)),
    }
}

/// Calls `visit` with each event `list` would return, in order.
pub fn each(
    s: &mut Session<'_>,
    filter: &EventFilter,
    q: &ListQuery,
    visit: Visit<'_, Event>,
) -> Result<()> {
    let mut f = Filter::default();
    if filter.unassigned {
        f.add("ev.support_contact_id IS NULL");
    }
    if let Some(id) = filter.support_contact_id {
        f.bind("ev.support_contact_id = ?", [Box::new(id) as Value]);
    }
    if let Some(t) = filter.starts_after {
        f.bind("ev.start_at > ?", [Box::new(instant(t)) as Value]);
    }
    if let Some(id) = filter.contract_id {
        f.bind("ev.contract_id = ?", [Box::new(id) as Value]);
    }
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Box::new(id) as Value]);
    }
    if let Some(text) = &filter.search {
        f.search(
            "(ev.name ILIKE ? ESCAPE '\\' OR ev.location ILIKE ? ESCAPE '\\' \
             OR cl.full_name ILIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    if let Some(t) = filter.starts_from {
        f.bind("ev.start_at >= ?", [Box::new(instant(t)) as Value]);
    }
    if let Some(t) = filter.starts_before {
        f.bind("ev.start_at < ?", [Box::new(instant(t)) as Value]);
    }
    let sql = format!("{SELECT}{}{}", f.sql(), q.tail(SORTABLE, "ev.id")?);
    s.each(&sql, &f.params(), &mut |r| visit(from_row(r)?))
}

/// Applies `changes` (already validated together: end after start).
pub fn update(s: &mut Session<'_>, id: i64, changes: &EventChanges) -> Result<()> {
    let n = s.execute(
        "UPDATE events SET
            name = coalesce($2, name),
            start_at = coalesce($3, start_at),
            end_at = coalesce($4, end_at),
            location = coalesce($5, location),
            attendees = coalesce($6, attendees),
            notes = CASE WHEN $7 THEN $9 ELSE notes END,
            updated_at = greatest($8, created_at)
         WHERE id = $1",
        &[
            &id,
            &changes.name,
            &changes.start.map(instant),
            &changes.end.map(instant),
            &changes.location,
            &changes.attendees,
            &changes.notes.is_some(),
            &instant(now()),
            &changes.notes.clone().flatten(),
        ],
    )?;
    if n == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}

/// Sets the event's support contact.
pub fn assign(s: &mut Session<'_>, id: i64, support_contact_id: Option<i64>) -> Result<()> {
    let n = s.execute(
        "UPDATE events SET support_contact_id = $2, updated_at = greatest($3, created_at)
         WHERE id = $1",
        &[&id, &support_contact_id, &instant(now())],
    )?;
    if n == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}

/// Moves every event of support contact `from` to `to`.
pub fn reassign_all(s: &mut Session<'_>, from: i64, to: i64) -> Result<usize> {
    let n = s.execute(
        "UPDATE events SET support_contact_id = $2 WHERE support_contact_id = $1",
        &[&from, &to],
    )?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Number of events whose support contact is `collaborator_id`.
pub fn count_for_support(s: &mut Session<'_>, collaborator_id: i64) -> Result<i64> {
    col(
        &s.query_one(
            "SELECT count(*) FROM events WHERE support_contact_id = $1",
            &[&collaborator_id],
        )?,
        0,
    )
}

/// Deletes an event.
pub fn delete(s: &mut Session<'_>, id: i64) -> Result<()> {
    if s.execute("DELETE FROM events WHERE id = $1", &[&id])? == 0 {
        return Err(Error::not_found("event", id));
    }
    Ok(())
}
