//! Collaborators on PostgreSQL.

use postgres::Row;

use super::Session;
use super::error::map_with;
use super::query::{Filter, Value, col};
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::store::ListQuery;
use crate::store::collaborators::{Account, Collaborator, CollaboratorChanges, NewCollaborator};

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
                             updated_at, NULL::text FROM collaborators";

/// [`SELECT`] with the database role (`show`).
const SELECT_ONE: &str = "SELECT id, employee_number, full_name, email, department_id, created_at,
                                 updated_at, db_role FROM collaborators";

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
        db_role: col(r, 7)?,
    })
}

pub(super) fn department(id: i64) -> Result<Department> {
    Department::from_id(id)
        .ok_or_else(|| Error::internal(format!("unknown department id {id} in the database")))
}

/// Inserts a collaborator and creates their login role, through the
/// SECURITY DEFINER function the database keeps for it (management only;
/// `password_hash` is the role's SCRAM-SHA-256 verifier). Returns the id.
pub fn insert(s: &mut Session<'_>, new: &NewCollaborator<'_>) -> Result<i64> {
    let row = s
        .query_opt_with(
            "SELECT epic.collaborator_add($1, $2, $3, $4, $5)",
            &[
                &new.employee_number,
                &new.full_name,
                &new.email,
                &new.department.as_str(),
                &new.password_hash,
            ],
            |e| map_with(e, UNIQUE),
        )?
        .ok_or_else(|| Error::internal("collaborator_add returned no id"))?;
    col(&row, 0)
}

/// The collaborator with this id.
pub fn get(s: &mut Session<'_>, id: i64) -> Result<Collaborator> {
    match s.query_opt(&format!("{SELECT_ONE} WHERE id = $1"), &[&id])? {
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
    match s.query_opt(
        &format!("{SELECT_ONE} WHERE lower(email) = lower($1)"),
        &[&key],
    )? {
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

/// Server mode keeps no password material, no token version and no login
/// counters: PostgreSQL verifies passwords and the sessions are roles.
const ACCOUNT: &str = "SELECT id, email, full_name, department_id FROM collaborators";

fn account_row(r: &Row) -> Result<Account> {
    Ok(Account {
        id: col(r, 0)?,
        email: col(r, 1)?,
        full_name: col(r, 2)?,
        department: department(col(r, 3)?)?,
        token_version: 0,
        password_hash: String::new(),
        failed_logins: 0,
        locked_until: None,
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

/// Applies `changes` through the database's SECURITY DEFINER function: a
/// new email renames the login role, a new department moves it to the
/// department's group, a new password (a SCRAM verifier) sets it; the last
/// two end the collaborator's sessions.
pub fn update(s: &mut Session<'_>, id: i64, changes: &CollaboratorChanges) -> Result<()> {
    s.execute_with(
        "SELECT epic.collaborator_update($1, $2, $3, $4, $5)",
        &[
            &id,
            &changes.full_name,
            &changes.email,
            &changes.department.map(Department::as_str),
            &changes.password_hash,
        ],
        |e| not_found(e, id).unwrap_or_else(|| map_with(e, UNIQUE)),
    )?;
    Ok(())
}

/// Deletes the collaborator and drops their role and sessions (a conflict
/// while they own clients or events).
pub fn delete(s: &mut Session<'_>, id: i64) -> Result<()> {
    s.execute_with("SELECT epic.collaborator_delete($1)", &[&id], |e| {
        if e.code() == Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION) {
            Error::conflict("collaborator still owns clients or events; use --reassign-to")
        } else {
            not_found(e, id).unwrap_or_else(|| super::error::map(e))
        }
    })?;
    Ok(())
}

fn not_found(e: &postgres::Error, id: i64) -> Option<Error> {
    (e.code().map(|c| c.code()) == Some("EP002")).then(|| Error::not_found("collaborator", id))
}

/// Sessions are roles in server mode: revoking them is `end_sessions`.
pub fn bump_token_version(_: &mut Session<'_>, _: i64) -> Result<()> {
    Err(server_mode_only())
}

/// PostgreSQL counts nothing here: it verifies passwords itself.
pub fn record_failed_login(_: &mut Session<'_>, _: i64, _: i64, _: i64, _: i64) -> Result<i64> {
    Err(server_mode_only())
}

/// See [`record_failed_login`].
pub fn reset_failed_logins(_: &mut Session<'_>, _: i64) -> Result<()> {
    Err(server_mode_only())
}

fn server_mode_only() -> Error {
    Error::internal("token versions and login counters do not exist in server mode")
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
