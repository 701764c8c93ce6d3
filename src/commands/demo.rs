//! `demo`: a ready-to-use database with the examples of SPEC.md.

use chrono::{Local, NaiveDate, TimeZone};
use clap::Args;

use super::Context;
use crate::auth::{self, Password};
use crate::config;
use crate::domain::{Department, Money};
use crate::error::{Error, Result};
use crate::render::Output;
use crate::store::{audit, clients, collaborators, contracts, events};

/// The password of every demo account (printed by `demo`; demo data only).
pub const DEMO_PASSWORD: &str = "epic-demo-password";

/// The demo accounts: (name, email, department).
pub const DEMO_ACCOUNTS: [(&str, &str, Department); 3] = [
    (
        "Maud Lefebvre",
        "maud.lefebvre@epicevents.demo",
        Department::Management,
    ),
    (
        "Bill Boquet",
        "bill.boquet@epicevents.demo",
        Department::Sales,
    ),
    (
        "Kate Hastroff",
        "kate.hastroff@epicevents.demo",
        Department::Support,
    ),
];

/// Arguments of `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Delete the demo database and start afresh
    #[arg(long)]
    pub reset: bool,
}

/// Switches to the demo database, creating and filling it if needed, and
/// tells how to log in.
pub fn run(ctx: &mut Context, args: &DemoArgs) -> Result<Output> {
    let path = match std::env::var_os("EPIC_DEMO_DB") {
        Some(p) if !p.is_empty() => p.into(),
        _ => config::demo_db()?,
    };
    ctx.switch_db(path.clone());
    if args.reset {
        let _ = auth::files::delete_token(&ctx.token_path());
        for suffix in ["", "-wal", "-shm", ".key"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("resetting the demo database", e)),
            }
        }
    }
    ctx.create_store()?;
    let key = auth::files::load_or_create_key(&path)?;
    ctx.set_key(key);
    let fresh = ctx.write_anonymous(|c| Ok(collaborators::count(c)? == 0))?;
    if fresh {
        let hasher = ctx.hasher.clone();
        let hash = hasher.hash(&Password::any(DEMO_PASSWORD.to_string()))?;
        ctx.write_anonymous(|c| fill(c, &hash))?;
    }
    let mut text = format!(
        "Demo database: {}\nAccounts (password \"{DEMO_PASSWORD}\"):\n",
        path.display()
    );
    for (name, email, department) in DEMO_ACCOUNTS {
        text.push_str(&format!(
            "  {:<10}  {email}  ({name})\n",
            department.as_str()
        ));
    }
    text.push_str("Log in with: login bill.boquet@epicevents.demo");
    Ok(Output::Message(text))
}

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, min, 0))
        .expect("valid demo date");
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
        .unwrap_or_else(|| naive.and_utc().timestamp())
}

fn money(cents: i64) -> Money {
    Money::from_cents(cents).expect("demo amounts are in range")
}

/// The SPEC's example people, clients, contracts and events.
fn fill(c: &rusqlite::Connection, hash: &str) -> Result<()> {
    let mut ids = Vec::new();
    for (i, (name, email, department)) in DEMO_ACCOUNTS.iter().enumerate() {
        let number = format!("E-{:04}", i + 1);
        ids.push(collaborators::insert(
            c,
            &collaborators::NewCollaborator {
                employee_number: &number,
                full_name: name,
                email,
                department: *department,
                password_hash: hash,
            },
        )?);
    }
    let (bill, kate) = (ids[1], ids[2]);
    let kevin = clients::insert(
        c,
        &clients::NewClient {
            full_name: "Kevin Casey",
            email: "kevin@startup.io",
            phone: Some("+678 123 456 78"),
            company_name: Some("Cool Startup LLC"),
            sales_contact_id: bill,
            created_at: Some(local(2021, 4, 18, 10, 0)),
            updated_at: Some(local(2023, 3, 29, 10, 0)),
        },
    )?;
    let john = clients::insert(
        c,
        &clients::NewClient {
            full_name: "John Ouick",
            email: "john.ouick@gmail.com",
            phone: Some("+1 234 567 8901"),
            company_name: None,
            sales_contact_id: bill,
            created_at: Some(local(2022, 11, 2, 9, 30)),
            updated_at: Some(local(2023, 5, 12, 16, 0)),
        },
    )?;
    let contract = |id: Option<i64>, client_id: i64, total: i64, due: i64, signed: bool| {
        contracts::insert(
            c,
            &contracts::NewContract {
                id,
                client_id,
                total: money(total),
                due: money(due),
                signed,
            },
        )
    };
    let wedding_contract = contract(Some(652), john, 2_500_000, 500_000, true)?;
    contract(None, kevin, 1_250_050, 1_250_050, false)?;
    let offsite_contract = contract(None, kevin, 880_000, 0, true)?;
    events::insert(
        c,
        &events::NewEvent {
            contract_id: wedding_contract,
            name: "John Ouick Wedding",
            start: local(2023, 6, 4, 13, 0),
            end: local(2023, 6, 5, 2, 0),
            location: "53 Rue du Château, 41120 Candé-sur-Beuvron, France",
            attendees: 75,
            notes: Some(
                "Wedding starts at 3PM, by the river. Catering is organized, reception starts \
                 at 5PM. Kate needs to organize the DJ for after party.",
            ),
            support_contact_id: Some(kate),
        },
    )?;
    events::insert(
        c,
        &events::NewEvent {
            contract_id: offsite_contract,
            name: "Cool Startup Off-site",
            start: local(2027, 9, 14, 9, 0),
            end: local(2027, 9, 16, 17, 0),
            location: "Domaine de la Forêt, 77300 Fontainebleau, France",
            attendees: 40,
            notes: None,
            support_contact_id: None,
        },
    )?;
    audit::record(c, None, "demo", "collaborator", None, None)?;
    Ok(())
}
