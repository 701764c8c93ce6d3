//! The PostgreSQL schema's own guarantees, checked on a real server by SQL
//! that bypasses the application, and the migration rules. Skipped, saying
//! so, without `EPIC_TEST_PG`.

use super::testing::{Database, server};
use super::*;
use crate::store::Target;

fn open(db: &Database, mode: OpenMode) -> Result<Store> {
    match db.target() {
        Target::Postgres(t) => Store::open(&t, mode),
        Target::File(_) => unreachable!(),
    }
}

/// A migrated database with one collaborator per department (ids 1
/// management, 2 sales, 3 support), client 1 of 2 and contract 1 (unsigned,
/// total 1000, nothing paid).
fn seeded(test: &str) -> Option<(Database, postgres::Client)> {
    let db = server(test)?.create(None);
    drop(open(&db, OpenMode::Create).unwrap());
    let mut c = db.client();
    for (name, dept) in [("m", 1), ("s", 2), ("p", 3)] {
        c.execute(
            "INSERT INTO collaborators (employee_number, full_name, email, department_id,
                                        created_at, updated_at)
             VALUES ($1, 'N', $2, $3, now(), now())",
            &[
                &format!("E-{name}"),
                &format!("{name}@x.io"),
                &(dept as i64),
            ],
        )
        .unwrap();
    }
    c.batch_execute(
        "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('Kevin', 'kevin@startup.io', 2, now(), now());
         INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
         VALUES (1, 1000, 1000, now(), now());",
    )
    .unwrap();
    Some((db, c))
}

fn refused(c: &mut postgres::Client, sql: &str) -> String {
    match c.batch_execute(sql) {
        Ok(()) => panic!("the database accepted: {sql}"),
        Err(e) => e
            .as_db_error()
            .map(|d| format!("{}: {}", d.code().code(), d.message()))
            .unwrap_or_else(|| e.to_string()),
    }
}

#[test]
fn the_schema_refuses_invalid_rows_by_itself() {
    let Some((_db, mut c)) = seeded("store::pg::the_schema_refuses_invalid_rows_by_itself") else {
        return;
    };
    let cases = [
        (
            "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
             VALUES ('X', 'x@y.io', 3, now(), now())",
            "sales_contact: must be a collaborator of the sales department",
        ),
        (
            "INSERT INTO clients (full_name, email, sales_contact_id, created_at, updated_at)
             VALUES ('X', 'KEVIN@startup.io', 2, now(), now())",
            "clients_email_key",
        ),
        (
            "INSERT INTO events (contract_id, name, start_at, end_at, location, attendees,
                                 created_at, updated_at)
             VALUES (1, 'E', now(), now() + interval '1 hour', 'Paris', 1, now(), now())",
            "contract: must be signed",
        ),
        (
            "UPDATE contracts SET due_cents = 0",
            "amount_due: follows from the total and the recorded payments",
        ),
        (
            "INSERT INTO contracts (client_id, total_cents, due_cents, created_at, updated_at)
             VALUES (1, 100, 0, now(), now())",
            "a new contract owes its total",
        ),
        (
            "INSERT INTO payments (contract_id, amount_cents, paid_at) VALUES (1, 1001, now())",
            "contracts_check",
        ),
        (
            "INSERT INTO payments (contract_id, amount_cents, paid_at) VALUES (1, -5, now())",
            "payments_check",
        ),
        (
            "INSERT INTO payments (contract_id, kind, amount_cents, paid_at)
             VALUES (1, 'adjustment', 5, now())",
            "payments_check",
        ),
        (
            "UPDATE collaborators SET department_id = 3 WHERE id = 2",
            "department: the collaborator still owns clients",
        ),
        (
            "UPDATE collaborators SET db_role = 'postgres' WHERE id = 1",
            "collaborators_db_role_check",
        ),
        (
            "UPDATE clients SET updated_at = created_at - interval '1 day'",
            "clients_check",
        ),
        (
            "DELETE FROM collaborators WHERE id = 2",
            "violates foreign key",
        ),
    ];
    for (sql, expected) in cases {
        let err = refused(&mut c, sql);
        assert!(err.contains(expected), "{sql}\n→ {err}");
    }
    // Business rules come back as SQLSTATE EP001 with the user's message.
    let err = refused(&mut c, "UPDATE contracts SET due_cents = 0");
    assert!(err.starts_with("EP001: "), "{err}");
    // The ledger: a payment lowers the amount due; it is append-only.
    c.batch_execute(
        "INSERT INTO payments (contract_id, amount_cents, paid_at, recorded_by)
         VALUES (1, 400, now(), 2)",
    )
    .unwrap();
    let due: i64 = c
        .query_one("SELECT due_cents FROM contracts WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(due, 600);
    for sql in [
        "UPDATE payments SET amount_cents = 1",
        "DELETE FROM payments",
        "TRUNCATE payments",
    ] {
        assert!(refused(&mut c, sql).contains("append-only"), "{sql}");
    }
    // Signed stays signed.
    c.batch_execute("UPDATE contracts SET signed_at = now() WHERE id = 1")
        .unwrap();
    assert!(refused(&mut c, "UPDATE contracts SET signed_at = NULL").contains("signed:"));
}

#[test]
fn migrations_apply_once_and_refuse_what_is_not_theirs() {
    let Some(srv) = server("store::pg::migrations_apply_once_and_refuse_what_is_not_theirs") else {
        return;
    };
    // Opening an empty database without creating says how to create.
    let empty = srv.create(None);
    let err = open(&empty, OpenMode::Existing).unwrap_err();
    assert_eq!(err.exit_code(), crate::ExitCode::NotFound, "{err}");
    assert!(err.to_string().contains("init"), "{err}");
    // Two processes creating at once: one migrates, both open.
    let fresh = srv.create(None);
    std::thread::scope(|s| {
        let a = s.spawn(|| open(&fresh, OpenMode::Create).map(drop));
        let b = s.spawn(|| open(&fresh, OpenMode::Create).map(drop));
        a.join().unwrap().unwrap();
        b.join().unwrap().unwrap();
    });
    let mut c = fresh.client();
    let versions: Vec<i32> = c
        .query("SELECT version FROM schema_migrations ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=migrate::LATEST as i32).collect::<Vec<_>>());
    let store = open(&fresh, OpenMode::Existing).unwrap();
    let version = store.conn().unwrap().read(|d| d.schema_version()).unwrap();
    assert_eq!(version, migrate::LATEST);
    // A database from a newer epic is refused, not downgraded.
    c.batch_execute("INSERT INTO schema_migrations (version) VALUES (999)")
        .unwrap();
    let err = open(&fresh, OpenMode::Existing).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    // Another application's database is refused.
    let foreign = srv.create(None);
    foreign
        .client()
        .batch_execute("CREATE TABLE public.invoices (id int)")
        .unwrap();
    let err = open(&foreign, OpenMode::Create).unwrap_err();
    assert!(err.to_string().contains("not an epic database"), "{err}");
}
