//! `doctor` and `backup`: integrity checks and a consistent online copy.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::store::backup_file::create_new_file;

/// Problems `PRAGMA integrity_check` finds (empty when the file is sound).
pub fn integrity_problems(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let lines: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    let mut problems: Vec<String> = lines.into_iter().filter(|l| l != "ok").collect();
    problems.extend(ledger_problems(c)?);
    Ok(problems)
}

/// Contracts whose amount due is not their total minus their ledger, and
/// missing ledger triggers (someone wrote to the file without epic).
fn ledger_problems(c: &Connection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for trigger in [
        "trg_contracts_born_owing",
        "trg_contracts_due_follows_ledger",
        "trg_payments_apply",
        "trg_payments_no_update",
        "trg_payments_no_delete",
    ] {
        let present: bool = c.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'trigger' AND name = ?1",
            [trigger],
            |r| r.get(0),
        )?;
        if !present {
            problems.push(format!(
                "trigger {trigger} of the payment ledger is missing"
            ));
        }
    }
    let mut stmt = c.prepare(
        "SELECT ct.id, ct.total_cents, ct.due_cents, coalesce(sum(p.amount_cents), 0)
         FROM contracts ct LEFT JOIN payments p ON p.contract_id = ct.id
         GROUP BY ct.id
         HAVING ct.due_cents <> ct.total_cents - coalesce(sum(p.amount_cents), 0)
         ORDER BY ct.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(crate::store::contracts::ledger_mismatch(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })?;
    problems.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    Ok(problems)
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
