//! `doctor` and `backup` on PostgreSQL.

use std::path::Path;

use super::Session;
use super::query::col;
use crate::error::{Error, Result};

/// What the server can be asked about its own soundness: constraints not
/// validated, triggers disabled, and the amount-due invariant of the ledger.
pub fn integrity_problems(s: &mut Session<'_>) -> Result<Vec<String>> {
    let mut problems = security_problems(s)?;
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
        // Row-level security is forced: dump what the policies let
        // management read (everything), rather than refuse.
        .arg("--enable-row-security")
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

/// What the least-privilege set-up must hold (migration 002), each broken
/// part as one line: row-level security enabled and forced everywhere, no
/// grant to PUBLIC, every function's search_path pinned, and no login role
/// of this database with more than its department (or its session) needs.
const SECURITY_CHECKS: &str = "
    SELECT 'table ' || c.relname || ': row-level security is not enabled and forced'
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'epic'::regnamespace AND c.relkind = 'r'
      AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
    UNION ALL
    SELECT 'table ' || c.relname || ': granted to PUBLIC'
    FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
    WHERE c.relnamespace = 'epic'::regnamespace AND a.grantee = 0
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ': executable by PUBLIC'
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'epic'::regnamespace
      AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ': search_path is not pinned'
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'epic'::regnamespace
      AND NOT coalesce(p.proconfig::text LIKE '%search_path=%', false)
    UNION ALL
    SELECT 'schema epic: usable by PUBLIC'
    FROM pg_catalog.pg_namespace n, aclexplode(n.nspacl) a
    WHERE n.nspname = 'epic' AND a.grantee = 0
    UNION ALL
    SELECT 'database ' || d.datname || ': open to PUBLIC'
    FROM pg_catalog.pg_database d
    WHERE d.datname = current_database()
      AND (d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0))
    UNION ALL
    SELECT 'role ' || r.rolname || ': has more than a collaborator needs'
    FROM pg_catalog.pg_roles r
    WHERE r.rolname LIKE epic.role_tag() || '\\_%'
      AND (r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolcreatedb
           OR (r.rolcreaterole AND r.rolname <> epic.role_tag() || '_admin')
           OR (r.rolcanlogin AND r.rolname !~ '_[us][0-9a-f]+$'))
    UNION ALL
    SELECT 'role ' || r.rolname || ': is not in exactly one department group'
    FROM pg_catalog.pg_roles r
    WHERE r.rolname ~ ('^' || epic.role_tag() || '_u[0-9a-f]+$')
      AND (SELECT array_agg(g.rolname::text) FROM pg_catalog.pg_auth_members m
           JOIN pg_catalog.pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)
          IS DISTINCT FROM ARRAY[epic.role_tag() || '_' || coalesce(
              (SELECT d.name FROM epic.collaborators c JOIN epic.departments d
               ON d.id = c.department_id WHERE c.db_role = r.rolname), '?')]
    UNION ALL
    SELECT 'role ' || r.rolname || ': a session role with more than its collaborator'
    FROM pg_catalog.pg_roles r
    WHERE r.rolname ~ ('^' || epic.role_tag() || '_s[0-9a-f]+$')
      AND (SELECT count(*) FROM pg_catalog.pg_auth_members m
           JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
           WHERE m.member = r.oid AND g.rolname !~ ('^' || epic.role_tag() || '_u[0-9a-f]+$')) > 0
    UNION ALL
    SELECT 'role ' || g.rolname || ': a member of another role of this database'
    FROM pg_catalog.pg_roles g
    WHERE g.rolname IN (epic.role_tag() || '_management', epic.role_tag() || '_sales',
                        epic.role_tag() || '_support')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.member = g.oid)
    ORDER BY 1";

fn security_problems(s: &mut Session<'_>) -> Result<Vec<String>> {
    s.query(SECURITY_CHECKS, &[])?
        .iter()
        .map(|r| col(r, 0))
        .collect()
}
