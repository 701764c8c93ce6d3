//! The `settings` table (migration 2): facts about the database itself, one
//! row per key, such as the mark `demo` leaves on the databases it creates.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

pub use crate::store::DEMO_MARK as DEMO;

/// The value stored under `key`, if any.
pub fn get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT value FROM settings WHERE key = ?1",
        params![key],
        |r| r.get(0),
    )
    .optional()?)
}

/// Stores `value` under `key`, replacing any previous value.
pub fn set(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
