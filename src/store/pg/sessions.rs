//! Sessions in server mode: login roles the database creates, ends and
//! drops through its SECURITY DEFINER functions (see
//! `migrations/postgres/002_least_privilege.sql`).

use chrono::{DateTime, Utc};

use super::Session;
use super::collaborators::department;
use super::query::col;
use crate::error::{Error, Result};
use crate::store::collaborators::{Account, ServerSession};

/// The open session of this connection's role, if any.
pub fn current(s: &mut Session<'_>) -> Result<Option<ServerSession>> {
    // A role whose collaborator was deleted lost the schema with its
    // groups: for it, the session has ended.
    let Some(r) = s.query_opt_with(
        "SELECT c.id, c.email, c.full_name, c.department_id, c.db_role, epic.session_expires()
         FROM epic.collaborators c WHERE c.id = epic.me() AND epic.session_expires() IS NOT NULL",
        &[],
        |e| match e.code().map(|c| c.code()) {
            Some("42501" | "42P01" | "3F000" | "42883") => Error::auth(
                "session ended (the account was deleted or its rights changed); log in again",
            ),
            _ => super::error::map(e),
        },
    )?
    else {
        return Ok(None);
    };
    Ok(Some(ServerSession {
        account: Account {
            id: col(&r, 0)?,
            email: col(&r, 1)?,
            full_name: col(&r, 2)?,
            department: department(col(&r, 3)?)?,
            token_version: 0,
            password_hash: String::new(),
            failed_logins: 0,
            locked_until: None,
        },
        db_role: col(&r, 4)?,
        expires_at: col(&r, 5)?,
    }))
}

/// Opens a session (the connection's role must be a collaborator's own).
pub fn open(s: &mut Session<'_>, verifier: &str, seconds: i64) -> Result<(String, DateTime<Utc>)> {
    let seconds = i32::try_from(seconds).map_err(|_| Error::invalid("session", "too long"))?;
    let r = s.query_one(
        "SELECT role, expires_at FROM epic.session_open($1, $2)",
        &[&verifier, &seconds],
    )?;
    Ok((col(&r, 0)?, col(&r, 1)?))
}

/// Ends this connection's own session.
pub fn close(s: &mut Session<'_>) -> Result<bool> {
    col(&s.query_one("SELECT epic.session_close()", &[])?, 0)
}

/// Sets the caller's own password and ends their sessions.
pub fn change_own_password(s: &mut Session<'_>, verifier: &str) -> Result<i64> {
    col(
        &s.query_one("SELECT epic.password_change($1)", &[&verifier])?,
        0,
    )
}
