//! Collaborators on PostgreSQL.

use chrono::{DateTime, Utc};
use postgres::Row;

use super::Session;
use super::error::map_with;
use super::query::{Filter, Value, col};
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::store::collaborators::{Account, Collaborator, CollaboratorChanges, NewCollaborator};
use crate::store::{ListQuery, instant, now};

const UNIQUE: &[(&str, &str)] = &[
    (
        "collaborators_email_key",
        "email: already used by another collaborator",
    ),
    (
        "collaborators_employee_number_key",
        "employee_number: already used by another collaborator",
    ),
];

const SELECT: &str = "SELECT id, employee_number, full_name, email, department_id, created_at,
                             updated_at FROM collaborators";

const SORTABLE: &[(&str, &str)] = &[
    ("id", "id"),
    ("employee_number", "employee_number COLLATE \"C\""),
    ("full_name", "lower(full_name) COLLATE \"C\""),
    ("email", "email COLLATE \"C\""),
    ("department", "department_id"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
];

fn from_row(r: &Row) -> Result<Collaborator> {
    Ok(Collaborator {
        id: col(r, 0)?,
        employee_number: col(r, 1)?,
        full_name: col(r, 2)?,
        email: col(r, 3)?,
        department: department(col(r, 4)?)?,
        created_at: col(r, 5)?,
        updated_at: col(r, 6)?,
    })
}

fn department(id: i64) -> Result<Department> {
    Department::from_id(id)
        .ok_or_else(|| Error::internal(format!("unknown department id {id} in the database")))
}

/// Inserts a collaborator; returns its id.
pub fn insert(s: &mut Session<'_>, new: &NewCollaborator<'_>) -> Result<i64> {
    let now = instant(now());
    let row = s
        .query_opt_with(
            "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                        password_hash, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            &[
                &new.employee_number,
                &new.full_name,
                &new.email,
                &new.department.id(),
                &new.password_hash,
                &now,
            ],
            |e| map_with(e, UNIQUE),
        )?
        .ok_or_else(|| Error::internal("INSERT returned no id"))?;
    col(&row, 0)
}

/// The collaborator with this id.
pub fn get(s: &mut Session<'_>, id: i64) -> Result<Collaborator> {
    match s.query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])? {
        Some(r) => from_row(&r),
        None => Err(Error::not_found("collaborator", id)),
    }
}

/// The collaborator named by `key`: a numeric id or an email.
pub fn find(s: &mut Session<'_>, key: &str) -> Result<Collaborator> {
    let key = key.trim();
    if let Ok(id) = key.parse::<i64>() {
        return get(s, id);
    }
    match s.query_opt(&format!("{SELECT} WHERE lower(email) = lower($1)"), &[&key])? {
        Some(r) => from_row(&r),
        None => Err(Error::not_found("collaborator", key)),
    }
}

/// Lists collaborators.
pub fn list(
    s: &mut Session<'_>,
    department: Option<Department>,
    search: Option<&str>,
    q: &ListQuery,
) -> Result<Vec<Collaborator>> {
    let mut f = Filter::default();
    if let Some(d) = department {
        f.bind("department_id = ?", [Box::new(d.id()) as Value]);
    }
    if let Some(text) = search {
        f.search(
            "(full_name ILIKE ? ESCAPE '\\' OR email ILIKE ? ESCAPE '\\' \
             OR employee_number ILIKE ? ESCAPE '\\')",
            text,
            3,
        );
    }
    let sql = format!("{SELECT}{}{}", f.sql(), q.tail(SORTABLE, "id")?);
    let mut out = Vec::new();
    s.each(&sql, &f.params(), &mut |r| {
        out.push(from_row(r)?);
        Ok(())
    })?;
    Ok(out)
}

const ACCOUNT: &str = "SELECT id, email, full_name, department_id, token_version, password_hash,
                              failed_logins, locked_until FROM collaborators";

fn account_row(r: &Row) -> Result<Account> {
    let locked: Option<DateTime<Utc>> = col(r, 7)?;
    Ok(Account {
        id: col(r, 0)?,
        email: col(r, 1)?,
        full_name: col(r, 2)?,
        department: department(col(r, 3)?)?,
        token_version: col(r, 4)?,
        password_hash: col(r, 5)?,
        failed_logins: col(r, 6)?,
        locked_until: locked.map(|t| t.timestamp()),
    })
}

/// The account with this id (read in the command's own transaction: under
/// SERIALIZABLE, a concurrent delete or demotion either precedes the
/// command or makes it run again).
pub fn account_by_id(s: &mut Session<'_>, id: i64) -> Result<Option<Account>> {
    s.query_opt(&format!("{ACCOUNT} WHERE id = $1"), &[&id])?
        .map(|r| account_row(&r))
        .transpose()
}

/// The account with this email (case-insensitive).
pub fn account_by_email(s: &mut Session<'_>, email: &str) -> Result<Option<Account>> {
    s.query_opt(
        &format!("{ACCOUNT} WHERE lower(email) = lower($1)"),
        &[&email.trim()],
    )?
    .map(|r| account_row(&r))
    .transpose()
}

/// Applies `changes`; a department or password change revokes the sessions.
pub fn update(s: &mut Session<'_>, id: i64, changes: &CollaboratorChanges) -> Result<()> {
    let revoke = i64::from(changes.department.is_some() || changes.password_hash.is_some());
    let n = s.execute_with(
        "UPDATE collaborators SET
            full_name = coalesce($2, full_name),
            email = coalesce($3, email),
            department_id = coalesce($4, department_id),
            password_hash = coalesce($5, password_hash),
            token_version = token_version + $6,
            updated_at = greatest($7, created_at)
         WHERE id = $1",
        &[
            &id,
            &changes.full_name,
            &changes.email,
            &changes.department.map(Department::id),
            &changes.password_hash,
            &revoke,
            &instant(now()),
        ],
        |e| map_with(e, UNIQUE),
    )?;
    if n == 0 {
        return Err(Error::not_found("collaborator", id));
    }
    Ok(())
}

/// Deletes the collaborator (a conflict while they own clients or events).
pub fn delete(s: &mut Session<'_>, id: i64) -> Result<()> {
    let n = s.execute_with("DELETE FROM collaborators WHERE id = $1", &[&id], |e| {
        if e.code() == Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION) {
            Error::conflict("collaborator still owns clients or events; use --reassign-to")
        } else {
            super::error::map(e)
        }
    })?;
    if n == 0 {
        return Err(Error::not_found("collaborator", id));
    }
    Ok(())
}

/// Revokes every session of the account.
pub fn bump_token_version(s: &mut Session<'_>, id: i64) -> Result<()> {
    s.execute(
        "UPDATE collaborators SET token_version = token_version + 1 WHERE id = $1",
        &[&id],
    )?;
    Ok(())
}

/// Counts a failed login; locks the account at `max_failures`.
pub fn record_failed_login(
    s: &mut Session<'_>,
    id: i64,
    now: i64,
    max_failures: i64,
    lock_secs: i64,
) -> Result<i64> {
    let until = instant(now.saturating_add(lock_secs));
    let r = s.query_one(
        "UPDATE collaborators SET
            failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE id = $1 RETURNING failed_logins",
        &[&id, &max_failures, &until],
    )?;
    col(&r, 0)
}

/// Clears the failure counter.
pub fn reset_failed_logins(s: &mut Session<'_>, id: i64) -> Result<()> {
    s.execute(
        "UPDATE collaborators SET failed_logins = 0, locked_until = NULL
         WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
        &[&id],
    )?;
    Ok(())
}

/// Number of collaborators.
pub fn count(s: &mut Session<'_>) -> Result<i64> {
    col(&s.query_one("SELECT count(*) FROM collaborators", &[])?, 0)
}

/// A fresh employee number, one past both the highest id ever given (the
/// identity sequence) and the highest `E-` number in use.
pub fn next_employee_number(s: &mut Session<'_>) -> Result<String> {
    let r = s.query_one(
        "SELECT greatest(
            (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM collaborators_id_seq),
            coalesce((SELECT max(substr(employee_number, 3)::bigint) FROM collaborators
                      WHERE employee_number ~ '^E-[0-9]{1,9}$'), 0)
         ) + 1",
        &[],
    )?;
    let next: i64 = col(&r, 0)?;
    Ok(format!("E-{next:04}"))
}

/// Every collaborator email, for tab completion.
pub fn emails(s: &mut Session<'_>) -> Result<Vec<String>> {
    s.query(
        "SELECT email FROM collaborators ORDER BY email COLLATE \"C\"",
        &[],
    )?
    .iter()
    .map(|r| col(r, 0))
    .collect()
}
