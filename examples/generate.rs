//! Fills a database with realistic data quickly, for benchmarks and demos.
//!
//! ```text
//! cargo run --release --example generate -- --db bench.db --clients 10000 --events 10000
//! ```
//!
//! Everything goes in one transaction through the store's own typed inserts
//! (so every CHECK and trigger of the schema still applies). The accounts
//! `admin@bench.test`, `sales1@bench.test`, ... `support1@bench.test`, ...
//! share the password given by `--password` (default
//! `benchmark-password`). A progress bar is drawn when stderr is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use epic::auth::{self, Hasher, Password};
use epic::domain::{Department, Money};
use epic::store::OpenMode;
use epic::store::sqlite::{self as store, Store, clients, collaborators, contracts, events};
use indicatif::{ProgressBar, ProgressStyle};

/// Command-line options.
#[derive(Debug, Parser)]
struct Args {
    /// The database to create (must not exist, or be empty)
    #[arg(long)]
    db: PathBuf,
    /// Number of clients
    #[arg(long, default_value_t = 10_000)]
    clients: u64,
    /// Number of events (spread over the signed contracts)
    #[arg(long, default_value_t = 10_000)]
    events: u64,
    /// Sales collaborators (support gets as many)
    #[arg(long, default_value_t = 20)]
    staff: u64,
    /// Password of every generated account
    #[arg(long, default_value = "benchmark-password")]
    password: String,
}

const FIRST: &[&str] = &[
    "Kevin", "John", "Kate", "Bill", "Ana", "Lucas", "Emma", "Hugo", "Léa", "Noah", "Chloé",
    "Jules", "Inès", "Louis", "Zoé", "Paul",
];
const LAST: &[&str] = &[
    "Casey", "Ouick", "Hastroff", "Boquet", "Martin", "Bernard", "Dubois", "Durand", "Lefèvre",
    "Moreau", "Laurent", "Simon", "Michel", "Garcia", "Roux", "Fournier",
];
const TOWNS: &[&str] = &[
    "Candé-sur-Beuvron",
    "Blois",
    "Tours",
    "Amboise",
    "Chambord",
    "Orléans",
    "Paris",
    "Lyon",
];

fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(what.to_string());
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

fn main() -> epic::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let store = Store::open(&args.db, OpenMode::Create)?;
    auth::files::load_or_create_key(&args.db)?;
    let hash = Hasher::from_env().hash(&Password::new(args.password.clone(), &[])?)?;
    let mut conn = store.conn()?;
    // Bulk load: one transaction; FULL sync at commit is enough.
    store::write(&mut conn, |c| {
        if collaborators::count(c)? > 0 {
            return Err(epic::Error::conflict("the database already has data"));
        }
        let staff = |dept: Department, prefix: &str, n: u64| -> epic::Result<Vec<i64>> {
            (1..=n)
                .map(|i| {
                    collaborators::insert(
                        c,
                        &collaborators::NewCollaborator {
                            employee_number: &format!("{}-{i:05}", &prefix[..2].to_uppercase()),
                            full_name: &format!(
                                "{} {}",
                                FIRST[i as usize % 16],
                                LAST[i as usize % 16]
                            ),
                            email: &if dept == Department::Management {
                                format!("{prefix}@bench.test")
                            } else {
                                format!("{prefix}{i}@bench.test")
                            },
                            department: dept,
                            password_hash: &hash,
                        },
                    )
                })
                .collect()
        };
        staff(Department::Management, "admin", 1)?;
        let sales = staff(Department::Sales, "sales", args.staff)?;
        let support = staff(Department::Support, "support", args.staff)?;

        let now = store::now();
        let progress = bar(args.clients, "clients");
        let mut signed = Vec::with_capacity(args.clients as usize);
        for i in 0..args.clients {
            let first = FIRST[(i % 16) as usize];
            let last = LAST[((i / 16) % 16) as usize];
            let client = clients::insert(
                c,
                &clients::NewClient {
                    full_name: &format!("{first} {last} {i}"),
                    email: &format!("client{i}@example.com"),
                    phone: Some(&format!(
                        "+33 6 {:02} {:02} {:02} {:02}",
                        i % 100,
                        (i / 100) % 100,
                        (i / 7) % 100,
                        (i / 13) % 100
                    )),
                    company_name: Some(&format!("{last} & Co {}", i % 997)),
                    sales_contact_id: sales[(i % sales.len() as u64) as usize],
                    created_at: Some(now - 86_400 * 365 + (i as i64 % 86_400)),
                    updated_at: None,
                },
            )?;
            let total = 100_000 + (i as i64 * 7919) % 5_000_000;
            // Every client gets a contract; two in three are signed, one in
            // four is fully paid.
            let is_signed = i % 3 != 0;
            let due = if i % 4 == 0 { 0 } else { total / 2 };
            let contract = contracts::insert(
                c,
                &contracts::NewContract {
                    id: None,
                    client_id: client,
                    total: Money::from_cents(total).expect("in range"),
                    due: Money::from_cents(due).expect("in range"),
                    signed_at: is_signed.then_some(now),
                    created_at: None,
                    recorded_by: None,
                },
            )?;
            if is_signed {
                signed.push(contract);
            }
            progress.inc(1);
        }
        progress.finish();

        let progress = bar(args.events, "events");
        for i in 0..args.events {
            let contract = signed[(i % signed.len().max(1) as u64) as usize];
            let start = now - 86_400 * 180 + (i as i64 * 3_607) % (86_400 * 720);
            let town = TOWNS[(i % TOWNS.len() as u64) as usize];
            events::insert(
                c,
                &events::NewEvent {
                    contract_id: contract,
                    name: &format!("Event {i}"),
                    start,
                    end: start + 3_600 * (2 + (i as i64 % 12)),
                    location: &format!("{} Rue du Château, {town}, France", 1 + i % 120),
                    attendees: (i % 300) as i64,
                    notes: (i % 5 == 0).then_some("Catering is organized."),
                    // One in ten waits for a support contact.
                    support_contact_id: (i % 10 != 0)
                        .then(|| support[(i % support.len() as u64) as usize]),
                },
            )?;
            progress.inc(1);
        }
        progress.finish();
        Ok(())
    })?;
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
    eprintln!(
        "generated {} clients, {} contracts, {} events in {:.1} s",
        args.clients,
        args.clients,
        args.events,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
