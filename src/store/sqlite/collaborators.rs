//! Collaborators (staff accounts) and the login bookkeeping on them.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::query::Filter;
use super::{constraint, instant};
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::store::ListQuery;
pub use crate::store::model::collaborators::*;

const UNIQUE: &[(&str, &str)] = &[
    (
        "collaborators.email",
        "email: already used by another collaborator",
    ),
    (
        "collaborators.employee_number",
        "employee_number: already used by another collaborator",
    ),
];

const SELECT: &str = "SELECT id, employee_number, full_name, email, department_id, created_at,
                             updated_at FROM collaborators";

pub(crate) const SORTABLE: &[(&str, &str)] = &[
    ("id", "id"),
    ("employee_number", "employee_number"),
    ("full_name", "full_name COLLATE NOCASE"),
    ("email", "email"),
    ("department", "department_id"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
];

fn from_row(r: &Row<'_>) -> rusqlite::Result<Collaborator> {
    Ok(Collaborator {
        id: r.get(0)?,
        employee_number: r.get(1)?,
        full_name: r.get(2)?,
        email: r.get(3)?,
        department: department(r.get(4)?)?,
        created_at: instant(r.get(5)?),
        updated_at: instant(r.get(6)?),
        db_role: None,
    })
}

fn department(id: i64) -> rusqlite::Result<Department> {
    Department::from_id(id).ok_or_else(|| {
        rusqlite::Error::IntegralValueOutOfRange(4, id) // not a seeded department
    })
}

/// Inserts a collaborator; returns its id.
pub fn insert(c: &Connection, new: &NewCollaborator<'_>) -> Result<i64> {
    let now = super::now();
    c.prepare_cached(
        "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                    password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        new.employee_number,
        new.full_name,
        new.email,
        new.department.id(),
        new.password_hash,
        now
    ])
    .map_err(|e| constraint(e, UNIQUE))?;
    Ok(c.last_insert_rowid())
}

/// The collaborator with this id.
pub fn get(c: &Connection, id: i64) -> Result<Collaborator> {
    c.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("collaborator", id))
}

/// The collaborator named by `key`: a numeric id or an email.
pub fn find(c: &Connection, key: &str) -> Result<Collaborator> {
    let key = key.trim();
    if let Ok(id) = key.parse::<i64>() {
        return get(c, id);
    }
    c.prepare_cached(&format!("{SELECT} WHERE email = ?1"))?
        .query_row([key], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("collaborator", key))
}

/// Lists collaborators, optionally of one department or matching `search`
/// (name, email or employee number).
pub fn list(
    c: &Connection,
    department: Option<Department>,
    search: Option<&str>,
    q: &ListQuery,
) -> Result<Vec<Collaborator>> {
    let mut f = Filter::default();
    if let Some(d) = department {
        f.bind("department_id = ?", [Value::Integer(d.id())]);
    }
    if let Some(text) = search {
        f.search(
            "(full_name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' \
             OR employee_number LIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    let tail = q.tail(SORTABLE, "id")?;
    crate::store::collect(|visit| f.each(c, SELECT, &tail, from_row, visit))
}

const ACCOUNT: &str = "SELECT id, email, full_name, department_id, token_version, password_hash,
                              failed_logins, locked_until FROM collaborators";

fn account_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        email: r.get(1)?,
        full_name: r.get(2)?,
        department: department(r.get(3)?)?,
        token_version: r.get(4)?,
        password_hash: r.get(5)?,
        failed_logins: r.get(6)?,
        locked_until: r.get(7)?,
    })
}

/// The account with this id, if it still exists.
pub fn account_by_id(c: &Connection, id: i64) -> Result<Option<Account>> {
    Ok(c.prepare_cached(&format!("{ACCOUNT} WHERE id = ?1"))?
        .query_row([id], account_row)
        .optional()?)
}

/// The account with this email (case-insensitive), if any.
pub fn account_by_email(c: &Connection, email: &str) -> Result<Option<Account>> {
    Ok(c.prepare_cached(&format!("{ACCOUNT} WHERE email = ?1"))?
        .query_row([email.trim()], account_row)
        .optional()?)
}

/// Applies `changes`; a department or password change bumps the token
/// version so every session of the account dies at once.
pub fn update(c: &Connection, id: i64, changes: &CollaboratorChanges) -> Result<()> {
    let revoke = changes.department.is_some() || changes.password_hash.is_some();
    let n = c
        .prepare_cached(
            "UPDATE collaborators SET
                full_name = coalesce(?2, full_name),
                email = coalesce(?3, email),
                department_id = coalesce(?4, department_id),
                password_hash = coalesce(?5, password_hash),
                token_version = token_version + ?6,
                updated_at = max(?7, created_at)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            changes.full_name,
            changes.email,
            changes.department.map(Department::id),
            changes.password_hash,
            i64::from(revoke),
            super::now()
        ])
        .map_err(|e| constraint(e, UNIQUE))?;
    if n == 0 {
        return Err(Error::not_found("collaborator", id));
    }
    Ok(())
}

/// Deletes the collaborator. Fails with a conflict while they still own
/// clients or events (the caller reassigns them first).
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    let n = c
        .prepare_cached("DELETE FROM collaborators WHERE id = ?1")?
        .execute([id])
        .map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Error::conflict("collaborator still owns clients or events; use --reassign-to")
            }
            _ => Error::from(e),
        })?;
    if n == 0 {
        return Err(Error::not_found("collaborator", id));
    }
    Ok(())
}

/// Revokes every session of the account (logout).
pub fn bump_token_version(c: &Connection, id: i64) -> Result<()> {
    c.prepare_cached("UPDATE collaborators SET token_version = token_version + 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Counts a failed login; at `max_failures` consecutive failures the account
/// is locked until `now + lock_secs`. Returns the new failure count.
pub fn record_failed_login(
    c: &Connection,
    id: i64,
    now: i64,
    max_failures: i64,
    lock_secs: i64,
) -> Result<i64> {
    Ok(c.prepare_cached(
        "UPDATE collaborators SET
            failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 + ?4 ELSE locked_until END
         WHERE id = ?1 RETURNING failed_logins",
    )?
    .query_row(params![id, max_failures, now, lock_secs], |r| r.get(0))?)
}

/// Clears the failure counter after a successful login (or an expired lock).
pub fn reset_failed_logins(c: &Connection, id: i64) -> Result<()> {
    c.prepare_cached(
        "UPDATE collaborators SET failed_logins = 0, locked_until = NULL
         WHERE id = ?1 AND (failed_logins != 0 OR locked_until IS NOT NULL)",
    )?
    .execute([id])?;
    Ok(())
}

/// Number of collaborators.
pub fn count(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT count(*) FROM collaborators", [], |r| r.get(0))?)
}

/// A fresh employee number, `E-0001` style: one past both the highest id
/// ever given (ids are never reused, so neither is a deleted person's
/// number) and the highest `E-` number in use (up to nine digits: a
/// hand-typed `E-9223372036854775807` must not overflow the next one).
pub fn next_employee_number(c: &Connection) -> Result<String> {
    let next: i64 = c.query_row(
        "SELECT max(
            coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'collaborators'), 0),
            coalesce((SELECT max(CAST(substr(employee_number, 3) AS INTEGER))
                      FROM collaborators WHERE employee_number GLOB 'E-[0-9]*'
                        AND length(employee_number) <= 11), 0)
         ) + 1",
        [],
        |r| r.get(0),
    )?;
    Ok(format!("E-{next:04}"))
}

/// Every collaborator email, for tab completion.
pub fn emails(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT email FROM collaborators ORDER BY email")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
