//! The schema's own guarantees, checked on a real SQLite file by SQL that
//! bypasses the application, and the migration rules.

use rusqlite::{Connection, params};
use tempfile::TempDir;

use super::*;

const HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA";

/// A fresh database file with one collaborator per department
/// (ids 1 management, 2 sales, 3 support) and one client of 2.
fn seeded() -> (TempDir, Store) {
    let dir = TempDir::new().unwrap();
    let store = Store::open(&dir.path().join("t.db"), OpenMode::Create).unwrap();
    let conn = store.conn().unwrap();
    for (i, dept) in [(1, 1), (2, 2), (3, 3)] {
        conn.execute(
            "INSERT INTO collaborators (id, employee_number, full_name, email, department_id,
                                        password_hash, created_at, updated_at)
             VALUES (?1, ?2, 'N', ?3, ?4, ?5, 0, 0)",
            params![i, format!("E-{i}"), format!("c{i}@x.io"), dept, HASH],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO clients (id, full_name, email, sales_contact_id, created_at, updated_at)
         VALUES (1, 'Kevin', 'kevin@startup.io', 2, 0, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    (dir, store)
}

fn refused(conn: &Connection, sql: &str) -> String {
    match conn.execute_batch(sql) {
        Ok(()) => panic!("the database accepted: {sql}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_database_refuses_invalid_rows_by_itself() {
    let (_dir, store) = seeded();
    let c = store.conn().unwrap();
    let cases = [
        // due above total
        "INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
         VALUES (1, 100, 101, 0, 0)",
        // negative total
        "INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
         VALUES (1, -1, 0, 0, 0)",
        // '12abc' in an integer column (STRICT)
        "INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
         VALUES (1, '12abc', 0, 0, 0)",
        // a client whose sales contact is in support
        "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('X', 'x@y.io', 3, 0, 0)",
        // duplicate email in another case
        "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('K', 'KEVIN@Startup.IO', 2, 0, 0)",
        "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                    password_hash, created_at, updated_at)
         VALUES ('E-9', 'N', 'C1@X.IO', 1, '$argon2id$x', 0, 0)",
        // a plain-text password
        "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                    password_hash, created_at, updated_at)
         VALUES ('E-9', 'N', 'new@x.io', 1, 'hunter2', 0, 0)",
        // an unknown department
        "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                    password_hash, created_at, updated_at)
         VALUES ('E-9', 'N', 'new@x.io', 9, '$argon2id$x', 0, 0)",
        // a client with no sales contact
        "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('X', 'x@y.io', 99, 0, 0)",
        // an empty name
        "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('', 'x@y.io', 2, 0, 0)",
    ];
    for sql in cases {
        refused(&c, sql);
    }
    c.execute_batch(
        "INSERT INTO contracts (id, client_id, total_cents, due_cents, created_at, updated_at)
         VALUES (10, 1, 1000, 1000, 0, 0);
         INSERT INTO contracts (id, client_id, total_cents, due_cents, signed_at, created_at,
                                updated_at)
         VALUES (11, 1, 1000, 1000, 5, 0, 0);",
    )
    .unwrap();
    let event = |contract: i64, start: i64, end: i64, support: &str, attendees: i64| {
        format!(
            "INSERT INTO events (contract_id, name, start_at, end_at, support_contact_id,
                                 location, attendees, created_at, updated_at)
             VALUES ({contract}, 'E', {start}, {end}, {support}, 'L', {attendees}, 0, 0)"
        )
    };
    // end before or at start
    refused(&c, &event(11, 100, 100, "NULL", 1));
    refused(&c, &event(11, 100, 50, "NULL", 1));
    // negative attendees
    refused(&c, &event(11, 100, 200, "NULL", -1));
    // an unsigned contract
    assert!(refused(&c, &event(10, 100, 200, "NULL", 1)).contains("must be signed"));
    // a support contact from sales
    assert!(refused(&c, &event(11, 100, 200, "2", 1)).contains("support department"));
    c.execute_batch(&event(11, 100, 200, "3", 1)).unwrap();
    // a signed contract cannot be unsigned
    refused(&c, "UPDATE contracts SET signed_at = NULL WHERE id = 11");
    // a support collaborator holding events cannot move to sales
    assert!(
        refused(
            &c,
            "UPDATE collaborators SET department_id = 2 WHERE id = 3"
        )
        .contains("reassign")
    );
    // and a collaborator owning clients cannot be deleted
    refused(&c, "DELETE FROM collaborators WHERE id = 2");
}

#[test]
fn a_fresh_database_reaches_the_latest_version_and_reopens_idempotently() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("m.db");
    let store = Store::open(&path, OpenMode::Create).unwrap();
    assert_eq!(
        migrate::version(&store.conn().unwrap()).unwrap(),
        migrate::LATEST
    );
    drop(store);
    let again = Store::open(&path, OpenMode::Existing).unwrap();
    let c = again.conn().unwrap();
    assert_eq!(migrate::version(&c).unwrap(), migrate::LATEST);
    let app: i32 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = c
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let departments: i64 = c
        .query_row("SELECT count(*) FROM departments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(departments, 3);
}

#[test]
fn a_database_from_the_future_or_another_program_is_refused() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("future.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", migrate::LATEST + 1)
        .unwrap();
    let err = Store::open(&path, OpenMode::Existing)
        .unwrap_err()
        .to_string();
    assert!(err.contains("newer than this epic"), "{err}");

    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    // Owner-only, so that what is refused is the content, not the mode.
    std::fs::set_permissions(
        &other,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .unwrap();
    let err = Store::open(&other, OpenMode::Existing)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an epic database"), "{err}");
}

#[test]
fn a_missing_database_is_not_created_by_ordinary_commands() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("typo.db");
    let err = Store::open(&path, OpenMode::Existing).unwrap_err();
    assert_eq!(err.exit_code(), crate::ExitCode::NotFound);
    assert!(!path.exists());
}

#[test]
fn new_database_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("p.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn writes_nest_as_savepoints_inside_an_open_transaction() {
    let (_dir, store) = seeded();
    let mut c = store.conn().unwrap();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    let failed: Result<()> = write(&mut c, |c| {
        c.execute("UPDATE clients SET full_name = 'Changed' WHERE id = 1", [])?;
        Err(Error::conflict("stop"))
    });
    assert!(failed.is_err());
    write(&mut c, |c| {
        c.execute(
            "UPDATE clients SET phone = '+33 1 23 45 67 89' WHERE id = 1",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    c.execute_batch("COMMIT").unwrap();
    let (name, phone): (String, String) = c
        .query_row(
            "SELECT full_name, phone FROM clients WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), phone.as_str()),
        ("Kevin", "+33 1 23 45 67 89")
    );
}

#[test]
fn payments_never_take_the_amount_due_below_zero() {
    let (_dir, store) = seeded();
    let c = store.conn().unwrap();
    let money = |c| crate::domain::Money::from_cents(c).unwrap();
    let id = contracts::insert(
        &c,
        &crate::store::contracts::NewContract {
            id: None,
            client_id: 1,
            total: money(10_000),
            due: money(10_000),
            signed_at: Some(0),
            created_at: None,
            recorded_by: None,
        },
    )
    .unwrap();
    assert_eq!(
        contracts::pay(&c, id, money(6_000), 1).unwrap(),
        money(4_000)
    );
    let err = contracts::pay(&c, id, money(6_000), 1).unwrap_err();
    assert_eq!(err.exit_code(), crate::ExitCode::Conflict);
    assert_eq!(contracts::get(&c, id).unwrap().amount_due, money(4_000));
    assert_eq!(contracts::paid(&c, id).unwrap(), money(6_000));
}

#[test]
fn backup_writes_a_consistent_copy_and_refuses_to_overwrite() {
    let (dir, store) = seeded();
    let c = store.conn().unwrap();
    let dest = dir.path().join("copy.db");
    backup(&c, &dest).unwrap();
    let copy = Connection::open(&dest).unwrap();
    let n: i64 = copy
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert!(integrity_problems(&copy).unwrap().is_empty());
    assert!(foreign_key_problems(&copy).unwrap().is_empty());
    assert_eq!(
        backup(&c, &dest).unwrap_err().exit_code(),
        crate::ExitCode::Conflict
    );
}

#[test]
fn ids_are_never_reused_after_a_deletion() {
    let (_dir, store) = seeded();
    let c = store.conn().unwrap();
    let new = |email: &str| {
        collaborators::insert(
            &c,
            &crate::store::collaborators::NewCollaborator {
                employee_number: email,
                full_name: "N",
                email,
                department: crate::domain::Department::Support,
                password_hash: HASH,
            },
        )
        .unwrap()
    };
    let first = new("gone@x.io");
    collaborators::delete(&c, first).unwrap();
    assert!(new("next@x.io") > first);
}

#[test]
fn version_3_reconciles_amounts_due_set_before_the_ledger() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("v2.db");
    {
        // A database as version 2 left it: `--due` could set anything.
        let c = Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../../../schema.sql"))
            .unwrap();
        c.execute_batch(include_str!("../../../migrations/sqlite/002_settings.sql"))
            .unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        c.execute_batch(&format!(
            "INSERT INTO collaborators (id, employee_number, full_name, email, department_id,
                                        password_hash, created_at, updated_at)
             VALUES (2, 'E-2', 'S', 's@x.io', 2, '{HASH}', 0, 0);
             INSERT INTO clients (id, full_name, email, sales_contact_id, created_at, updated_at)
             VALUES (1, 'K', 'k@x.io', 2, 0, 0);
             INSERT INTO contracts (id, client_id, total_cents, due_cents, created_at, updated_at)
             VALUES (1, 1, 1000, 0, 0, 0), (2, 1, 1000, 700, 0, 0), (3, 1, 1000, 1000, 0, 0);
             INSERT INTO payments (contract_id, amount_cents, paid_at, recorded_by)
             VALUES (2, 300, 0, 2), (3, 200, 0, 2);"
        ))
        .unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let store = Store::open(&path, OpenMode::Existing).unwrap();
    let c = store.conn().unwrap();
    assert_eq!(migrate::version(&c).unwrap(), migrate::LATEST);
    // Contract 1: due 0 with nothing paid → +1000 adjustment; 2 agrees;
    // 3: 200 paid yet due 1000 → −200 adjustment. No amount due changed.
    let rows: Vec<(i64, String, i64)> = c
        .prepare("SELECT contract_id, kind, amount_cents FROM payments ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (2, "payment".into(), 300),
            (3, "payment".into(), 200),
            (1, "adjustment".into(), 1000),
            (3, "adjustment".into(), -200),
        ]
    );
    let dues: Vec<i64> = c
        .prepare("SELECT due_cents FROM contracts ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(dues, vec![0, 700, 1000]);
    assert!(integrity_problems(&c).unwrap().is_empty());
    // A collaborator who recorded a payment may leave: the ledger keeps the
    // entry and forgets who recorded it.
    c.execute_batch(&format!(
        "INSERT INTO collaborators (id, employee_number, full_name, email, department_id,
                                    password_hash, created_at, updated_at)
         VALUES (9, 'E-9', 'M', 'm@x.io', 1, '{HASH}', 0, 0);
         INSERT INTO payments (contract_id, amount_cents, paid_at, recorded_by)
         VALUES (3, 100, 0, 9);
         DELETE FROM collaborators WHERE id = 9;"
    ))
    .unwrap();
    let kept: (i64, Option<i64>) = c
        .query_row(
            "SELECT amount_cents, recorded_by FROM payments ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kept, (100, None));
    assert!(integrity_problems(&c).unwrap().is_empty());
}
