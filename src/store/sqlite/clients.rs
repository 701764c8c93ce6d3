//! Clients and their sales contact.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::query::Filter;
use super::{constraint, instant};
use crate::error::{Error, Result};
use crate::store::ListQuery;
pub use crate::store::model::clients::*;

const UNIQUE: &[(&str, &str)] = &[("clients.email", "email: already used by another client")];

const SELECT: &str = "SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name,
                             cl.created_at, cl.updated_at, cl.sales_contact_id, co.full_name
                      FROM clients cl JOIN collaborators co ON co.id = cl.sales_contact_id";

pub(crate) const SORTABLE: &[(&str, &str)] = &[
    ("id", "cl.id"),
    ("full_name", "cl.full_name COLLATE NOCASE"),
    ("email", "cl.email"),
    ("phone", "cl.phone"),
    ("company_name", "cl.company_name COLLATE NOCASE"),
    ("created_at", "cl.created_at"),
    ("updated_at", "cl.updated_at"),
    ("sales_contact_id", "cl.sales_contact_id"),
    ("sales_contact", "co.full_name COLLATE NOCASE"),
];

fn from_row(r: &Row<'_>) -> rusqlite::Result<Client> {
    Ok(Client {
        id: r.get(0)?,
        full_name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        company_name: r.get(4)?,
        created_at: instant(r.get(5)?),
        updated_at: instant(r.get(6)?),
        sales_contact_id: r.get(7)?,
        sales_contact: r.get(8)?,
    })
}

/// Inserts a client; returns its id.
pub fn insert(c: &Connection, new: &NewClient<'_>) -> Result<i64> {
    let now = super::now();
    let created = new.created_at.unwrap_or(now);
    let updated = new.updated_at.unwrap_or(now);
    c.prepare_cached(
        "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id,
                              created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, max(?6, ?7))",
    )?
    .execute(params![
        new.full_name,
        new.email,
        new.phone,
        new.company_name,
        new.sales_contact_id,
        created,
        updated
    ])
    .map_err(|e| constraint(e, UNIQUE))?;
    Ok(c.last_insert_rowid())
}

/// The client with this id.
pub fn get(c: &Connection, id: i64) -> Result<Client> {
    c.prepare_cached(&format!("{SELECT} WHERE cl.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("client", id))
}

/// Lists clients.
pub fn list(c: &Connection, filter: &ClientFilter, q: &ListQuery) -> Result<Vec<Client>> {
    crate::store::collect(|visit| each(c, filter, q, visit))
}

/// Calls `f` with each of the clients `list` would return, in order, as the
/// query yields them: nothing is held in memory but the current row.
pub fn each(
    c: &Connection,
    filter: &ClientFilter,
    q: &ListQuery,
    mut visit: impl FnMut(Client) -> Result<()>,
) -> Result<()> {
    let mut f = Filter::default();
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Value::Integer(id)]);
    }
    if let Some(text) = &filter.search {
        f.search(
            "(cl.full_name LIKE ? ESCAPE '\\' OR cl.email LIKE ? ESCAPE '\\' \
             OR cl.company_name LIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    f.each(c, SELECT, &q.tail(SORTABLE, "cl.id")?, from_row, &mut visit)
}

/// Applies `changes` and, with `contacted`, records a contact now. Any
/// change moves `updated_at` (last update or contact) to now.
pub fn update(c: &Connection, id: i64, changes: &ClientChanges) -> Result<()> {
    let n = c
        .prepare_cached(
            "UPDATE clients SET
                full_name = coalesce(?2, full_name),
                email = coalesce(?3, email),
                phone = CASE WHEN ?4 THEN ?5 ELSE phone END,
                company_name = CASE WHEN ?6 THEN ?7 ELSE company_name END,
                updated_at = max(?8, created_at)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            changes.full_name,
            changes.email,
            changes.phone.is_some(),
            changes.phone.clone().flatten(),
            changes.company_name.is_some(),
            changes.company_name.clone().flatten(),
            super::now()
        ])
        .map_err(|e| constraint(e, UNIQUE))?;
    if n == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Gives the client to another sales collaborator.
pub fn set_sales_contact(c: &Connection, id: i64, sales_contact_id: i64) -> Result<()> {
    let n = c
        .prepare_cached(
            "UPDATE clients SET sales_contact_id = ?2, updated_at = max(?3, created_at)
             WHERE id = ?1",
        )?
        .execute(params![id, sales_contact_id, super::now()])
        .map_err(|e| constraint(e, UNIQUE))?;
    if n == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Moves every client of `from` to `to`; returns how many moved.
pub fn reassign_all(c: &Connection, from: i64, to: i64) -> Result<usize> {
    c.prepare_cached("UPDATE clients SET sales_contact_id = ?2 WHERE sales_contact_id = ?1")?
        .execute(params![from, to])
        .map_err(|e| constraint(e, UNIQUE))
}

/// Number of clients whose sales contact is `collaborator_id`.
pub fn count_for_sales(c: &Connection, collaborator_id: i64) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM clients WHERE sales_contact_id = ?1",
        [collaborator_id],
        |r| r.get(0),
    )?)
}

/// Deletes a client (the foreign keys refuse while contracts point to it).
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    let n = c
        .prepare_cached("DELETE FROM clients WHERE id = ?1")?
        .execute([id])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Which of `emails` a client already has, lowercased. One cached
/// statement on the NOCASE unique index, run once per email.
pub fn existing_emails(c: &Connection, emails: &[&str]) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT lower(email) FROM clients WHERE email = ?1")?;
    let mut found = Vec::new();
    for email in emails {
        if let Some(e) = stmt
            .query_row([email], |r| r.get::<_, String>(0))
            .optional()?
        {
            found.push(e);
        }
    }
    Ok(found)
}
