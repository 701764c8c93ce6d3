//! Clients on PostgreSQL.

use postgres::Row;

use super::Session;
use super::error::map_with;
use super::query::{Filter, Value, col};
use crate::error::{Error, Result};
use crate::store::clients::{Client, ClientChanges, ClientFilter, NewClient};
use crate::store::{ListQuery, Visit, instant, now};

const UNIQUE: &[(&str, &str)] = &[("clients_email_key", "email: already used by another client")];

const SELECT: &str = "SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name,
                             cl.created_at, cl.updated_at, cl.sales_contact_id, co.full_name
                      FROM clients cl JOIN collaborators co ON co.id = cl.sales_contact_id";

const SORTABLE: &[(&str, &str)] = &[
    ("id", "cl.id"),
    ("full_name", "lower(cl.full_name) COLLATE \"C\""),
    ("email", "cl.email COLLATE \"C\""),
    ("phone", "cl.phone COLLATE \"C\""),
    ("company_name", "lower(cl.company_name) COLLATE \"C\""),
    ("created_at", "cl.created_at"),
    ("updated_at", "cl.updated_at"),
    ("sales_contact_id", "cl.sales_contact_id"),
    ("sales_contact", "lower(co.full_name) COLLATE \"C\""),
];

fn from_row(r: &Row) -> Result<Client> {
    Ok(Client {
        id: col(r, 0)?,
        full_name: col(r, 1)?,
        email: col(r, 2)?,
        phone: col(r, 3)?,
        company_name: col(r, 4)?,
        created_at: col(r, 5)?,
        updated_at: col(r, 6)?,
        sales_contact_id: col(r, 7)?,
        sales_contact: col(r, 8)?,
    })
}

/// Inserts a client; returns its id.
pub fn insert(s: &mut Session<'_>, new: &NewClient<'_>) -> Result<i64> {
    let now = now();
    let created = instant(new.created_at.unwrap_or(now));
    let updated = instant(new.updated_at.unwrap_or(now));
    let row = s
        .query_opt_with(
            "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id,
                                  created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, greatest($6::timestamptz, $7::timestamptz)) RETURNING id",
            &[
                &new.full_name,
                &new.email,
                &new.phone,
                &new.company_name,
                &new.sales_contact_id,
                &created,
                &updated,
            ],
            |e| map_with(e, UNIQUE),
        )?
        .ok_or_else(|| Error::internal("INSERT returned no id"))?;
    col(&row, 0)
}

/// The client with this id.
pub fn get(s: &mut Session<'_>, id: i64) -> Result<Client> {
    match s.query_opt(&format!("{SELECT} WHERE cl.id = $1"), &[&id])? {
        Some(r) => from_row(&r),
        None => Err(Error::not_found("client", id)),
    }
}

/// Calls `visit` with each client `list` would return, in order.
pub fn each(
    s: &mut Session<'_>,
    filter: &ClientFilter,
    q: &ListQuery,
    visit: Visit<'_, Client>,
) -> Result<()> {
    let mut f = Filter::default();
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Box::new(id) as Value]);
    }
    if let Some(text) = &filter.search {
        f.search(
            "(cl.full_name ILIKE ? ESCAPE '\\' OR cl.email ILIKE ? ESCAPE '\\' \
             OR cl.company_name ILIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    let sql = format!("{SELECT}{}{}", f.sql(), q.tail(SORTABLE, "cl.id")?);
    s.each(&sql, &f.params(), &mut |r| visit(from_row(r)?))
}

/// Applies `changes`; any change moves `updated_at` to now.
pub fn update(s: &mut Session<'_>, id: i64, changes: &ClientChanges) -> Result<()> {
    let n = s.execute_with(
        "UPDATE clients SET
            full_name = coalesce($2, full_name),
            email = coalesce($3, email),
            phone = CASE WHEN $4 THEN $5 ELSE phone END,
            company_name = CASE WHEN $6 THEN $7 ELSE company_name END,
            updated_at = greatest($8, created_at)
         WHERE id = $1",
        &[
            &id,
            &changes.full_name,
            &changes.email,
            &changes.phone.is_some(),
            &changes.phone.clone().flatten(),
            &changes.company_name.is_some(),
            &changes.company_name.clone().flatten(),
            &instant(now()),
        ],
        |e| map_with(e, UNIQUE),
    )?;
    if n == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Gives the client to another sales collaborator.
pub fn set_sales_contact(s: &mut Session<'_>, id: i64, sales_contact_id: i64) -> Result<()> {
    let n = s.execute(
        "UPDATE clients SET sales_contact_id = $2, updated_at = greatest($3, created_at)
         WHERE id = $1",
        &[&id, &sales_contact_id, &instant(now())],
    )?;
    if n == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Moves every client of `from` to `to`; returns how many moved.
pub fn reassign_all(s: &mut Session<'_>, from: i64, to: i64) -> Result<usize> {
    let n = s.execute(
        "UPDATE clients SET sales_contact_id = $2 WHERE sales_contact_id = $1",
        &[&from, &to],
    )?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Number of clients whose sales contact is `collaborator_id`.
pub fn count_for_sales(s: &mut Session<'_>, collaborator_id: i64) -> Result<i64> {
    col(
        &s.query_one(
            "SELECT count(*) FROM clients WHERE sales_contact_id = $1",
            &[&collaborator_id],
        )?,
        0,
    )
}

/// Deletes a client (the foreign keys refuse while contracts point to it).
pub fn delete(s: &mut Session<'_>, id: i64) -> Result<()> {
    if s.execute("DELETE FROM clients WHERE id = $1", &[&id])? == 0 {
        return Err(Error::not_found("client", id));
    }
    Ok(())
}

/// Which of `emails` a client already has, lowercased: one query per
/// 10,000 emails on the `lower(email)` unique index.
pub fn existing_emails(s: &mut Session<'_>, emails: &[&str]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in emails.chunks(10_000) {
        let lower: Vec<String> = chunk.iter().map(|e| e.to_ascii_lowercase()).collect();
        for row in s.query(
            "SELECT lower(email) FROM clients WHERE lower(email) = ANY($1::text[])",
            &[&lower],
        )? {
            found.push(col(&row, 0)?);
        }
    }
    Ok(found)
}
