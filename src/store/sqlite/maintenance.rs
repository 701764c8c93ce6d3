//! `doctor` and `backup`: integrity checks and a consistent online copy.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::create_new_file;
use crate::error::{Error, Result};

/// Problems `PRAGMA integrity_check` finds (empty when the file is sound).
pub fn integrity_problems(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let lines: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(lines.into_iter().filter(|l| l != "ok").collect())
}

/// Rows whose foreign keys point nowhere, as `table rowid -> parent`.
pub fn foreign_key_problems(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "{} row {} -> missing {}",
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
            r.get::<_, String>(2)?
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Row counts of the main tables, for `doctor`.
pub fn table_counts(c: &Connection) -> Result<Vec<(&'static str, i64)>> {
    const TABLES: [&str; 6] = [
        "collaborators",
        "clients",
        "contracts",
        "payments",
        "events",
        "audit_log",
    ];
    TABLES
        .iter()
        .map(|t| {
            // Table names come from the constant list above, never from input.
            let n = c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            Ok((*t, n))
        })
        .collect()
}

/// Writes a consistent copy of the database to `dest` (which must not exist)
/// with SQLite's online backup API, in one step under one read lock, so
/// writers elsewhere neither block it for long nor make it restart.
pub fn backup(c: &Connection, dest: &Path) -> Result<()> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Error::NotFound(
            format!("no folder {} to write the backup in", dir.display()).into(),
        ));
    }
    // create_new: refuse an existing file, atomically (no check-then-create).
    create_new_file(dest)?;
    let result = (|| -> Result<()> {
        let mut target = Connection::open_with_flags(
            dest,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        {
            use rusqlite::backup::{Backup, StepResult};
            let backup = Backup::new(c, &mut target)?;
            // -1: every page in one step, under one read lock.
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More | StepResult::Busy | StepResult::Locked => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
        target.execute_batch("PRAGMA journal_mode = DELETE;")?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}
