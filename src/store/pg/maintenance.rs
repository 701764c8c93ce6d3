//! `doctor` and `backup` on PostgreSQL.

use std::path::Path;

use super::Session;
use super::query::col;
use crate::error::{Error, Result};

/// What the server can be asked about its own soundness: constraints not
/// validated, triggers disabled, and the amount-due invariant of the ledger.
pub fn integrity_problems(s: &mut Session<'_>) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for r in s.query(
        "SELECT conrelid::regclass::text, conname FROM pg_catalog.pg_constraint
         WHERE connamespace = 'epic'::regnamespace AND NOT convalidated
         ORDER BY 1, 2",
        &[],
    )? {
        let (table, name): (String, String) = (col(&r, 0)?, col(&r, 1)?);
        problems.push(format!("{table}: constraint {name} is not validated"));
    }
    for r in s.query(
        "SELECT tgrelid::regclass::text, tgname FROM pg_catalog.pg_trigger t
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = 'epic'::regnamespace AND NOT t.tgisinternal
           AND t.tgenabled = 'D'
         ORDER BY 1, 2",
        &[],
    )? {
        let (table, name): (String, String) = (col(&r, 0)?, col(&r, 1)?);
        problems.push(format!("{table}: trigger {name} is disabled"));
    }
    for r in s.query(
        "SELECT ct.id, ct.total_cents, ct.due_cents, coalesce(sum(p.amount_cents), 0)::bigint
         FROM contracts ct LEFT JOIN payments p ON p.contract_id = ct.id
         GROUP BY ct.id
         HAVING ct.due_cents <> ct.total_cents - coalesce(sum(p.amount_cents), 0)
         ORDER BY ct.id",
        &[],
    )? {
        let (id, total, due, paid): (i64, i64, i64, i64) =
            (col(&r, 0)?, col(&r, 1)?, col(&r, 2)?, col(&r, 3)?);
        problems.push(crate::store::contracts::ledger_mismatch(
            id, total, due, paid,
        ));
    }
    Ok(problems)
}

/// Rows whose references point nowhere (the server enforces foreign keys;
/// this proves no constraint was bypassed).
pub fn foreign_key_problems(s: &mut Session<'_>) -> Result<Vec<String>> {
    const CHECKS: &[(&str, &str)] = &[
        (
            "clients",
            "SELECT x.id FROM clients x LEFT JOIN collaborators p ON p.id = x.sales_contact_id
             WHERE p.id IS NULL",
        ),
        (
            "contracts",
            "SELECT x.id FROM contracts x LEFT JOIN clients p ON p.id = x.client_id
             WHERE p.id IS NULL",
        ),
        (
            "payments",
            "SELECT x.id FROM payments x LEFT JOIN contracts p ON p.id = x.contract_id
             WHERE p.id IS NULL",
        ),
        (
            "events",
            "SELECT x.id FROM events x LEFT JOIN contracts p ON p.id = x.contract_id
             WHERE p.id IS NULL",
        ),
    ];
    let mut problems = Vec::new();
    for (table, sql) in CHECKS {
        for r in s.query(sql, &[])? {
            let id: i64 = col(&r, 0)?;
            problems.push(format!("{table} row {id} -> missing parent"));
        }
    }
    Ok(problems)
}

/// Row counts of the main tables.
pub fn table_counts(s: &mut Session<'_>) -> Result<Vec<(&'static str, i64)>> {
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
            let r = s.query_one(&format!("SELECT count(*) FROM {t}"), &[])?;
            Ok((*t, col(&r, 0)?))
        })
        .collect()
}

/// Writes a consistent copy with `pg_dump` (custom format, schema `epic`),
/// reading the snapshot of this very transaction (`pg_export_snapshot`), so
/// the copy is exactly what this command sees while others keep writing.
/// Restore with `pg_restore -d NEWDB FILE`.
pub fn backup(s: &mut Session<'_>, env: &[(String, String)], dest: &Path) -> Result<()> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Error::NotFound(
            format!("no folder {} for the backup", dir.display()).into(),
        ));
    }
    // Claim the name first: an existing file is never overwritten.
    crate::store::backup_file::create_new_file(dest)?;
    let snapshot: String = col(&s.query_one("SELECT pg_export_snapshot()", &[])?, 0)?;
    let result = std::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--schema=epic")
        .arg("--no-owner")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(dest)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .output();
    let failed = |message: String| {
        let _ = std::fs::remove_file(dest);
        Err(Error::io(message, std::io::Error::other("pg_dump")))
    };
    match result {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => failed(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => failed(
            "backup in server mode runs pg_dump, which is not installed \
             (apt-get install postgresql-client)"
                .into(),
        ),
        Err(e) => failed(format!("running pg_dump: {e}")),
    }
}
