//! The baseline for benchmark (e): N client inserts through rusqlite alone,
//! with the same pragmas as epic and one IMMEDIATE transaction per insert,
//! into a database `epic generate` (or `init`) created.
//!
//! ```text
//! cargo run --release --example raw_inserts -- bench.db 10000
//! ```

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};

fn main() -> rusqlite::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: raw_inserts DB N");
    let n: i64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let mut c = Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(30))?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
    )?;
    let sales: i64 = c.query_row(
        "SELECT id FROM collaborators WHERE department_id = 2 ORDER BY id LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    let base: i64 = c.query_row("SELECT coalesce(max(id), 0) FROM clients", [], |r| r.get(0))?;
    for i in 0..n {
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = chrono::Utc::now().timestamp();
        tx.prepare_cached(
            "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id,
                                  created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![
            format!("Raw Client {i}"),
            format!("raw{}@example.com", base + i),
            "+33 6 12 34 56 78",
            "Raw & Co",
            sales,
            now
        ])?;
        tx.commit()?;
    }
    Ok(())
}
