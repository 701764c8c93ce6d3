//! Versioned schema migrations, applied automatically when a database opens.
//!
//! Version 1 is `schema.sql` itself, included verbatim, so the DDL exists in
//! exactly one place. Later changes append `M::up(...)` steps; each step runs
//! in its own transaction and bumps `PRAGMA user_version`. Steps after the
//! first live in `migrations/sqlite/`, one file each.

use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use super::APPLICATION_ID;
use crate::error::{Error, Result};

/// The migrations, oldest first. Version N is reached after step N.
const STEPS: &[M<'static>] = &[
    M::up(include_str!("../../../schema.sql")).foreign_key_check(),
    M::up(include_str!("../../../migrations/sqlite/002_settings.sql")),
    M::up(include_str!("../../../migrations/sqlite/003_ledger.sql")).foreign_key_check(),
    M::up(include_str!("../../../migrations/sqlite/004_reports.sql")),
];

/// The schema version this binary writes.
pub const LATEST: i64 = STEPS.len() as i64;

/// Brings the database to [`LATEST`]; refuses a database from a newer binary
/// and a file that is some other application's SQLite database.
pub fn to_latest(conn: &mut Connection) -> Result<()> {
    let (app_id, version): (i32, i64) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                (SELECT user_version FROM pragma_user_version)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(Error::conflict(
            "this file is not an epic database (its application_id belongs to another program)",
        ));
    }
    if version > LATEST {
        return Err(too_new(version));
    }
    if version == LATEST && app_id == APPLICATION_ID {
        return Ok(()); // the common case: no write lock taken at all
    }
    if version == 0 && app_id == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(Error::conflict(
                "this file is a SQLite database of another program, not an epic database",
            ));
        }
    }
    // Several processes may open a fresh database at once: take the write
    // lock up front rather than fail to upgrade a read lock.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let result = Migrations::from_slice(STEPS).to_latest(conn);
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    match result {
        Ok(()) => {}
        Err(rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        )) => return Err(too_new(version)),
        Err(rusqlite_migration::Error::RusqliteError { err, .. }) => return Err(err.into()),
        Err(e) => return Err(Error::internal(format!("migrating the schema: {e}"))),
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

fn too_new(version: i64) -> Error {
    Error::conflict(format!(
        "the database has schema version {version}, newer than this epic understands ({LATEST}); upgrade epic"
    ))
}

/// The schema version recorded in the database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// True when the file says it is an epic database (its `application_id`).
pub fn is_epic(conn: &Connection) -> Result<bool> {
    let id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    Ok(id == APPLICATION_ID)
}
