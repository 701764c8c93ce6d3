//! `demo`: a ready-to-use database with the examples of SPEC.md.

use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate, TimeZone};
use clap::Args;

use super::Context;
use crate::auth::{self, Password};
use crate::config;
use crate::domain::{Department, Money};
use crate::error::{Error, Result};
use crate::render::Output;
use crate::store::{self, Db, clients, collaborators, contracts, events, sqlite};

/// The password of every demo account (printed by `demo`; demo data only).
pub const DEMO_PASSWORD: &str = "lagoon-tango-saffron";

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
///
/// Only a database `demo` created is reused or reset: `demo` marks it (key
/// `demo` in its `settings` table) when it creates it, and refuses any other
/// (`EPIC_DEMO_DB=/srv/crm/epic.db epic demo --reset` must not wipe a real
/// database and its key), before deleting or writing anything.
pub fn run(ctx: &mut Context, args: &DemoArgs) -> Result<Output> {
    let (path, from_env) = match std::env::var_os("EPIC_DEMO_DB") {
        Some(p) if !p.is_empty() => (PathBuf::from(p), true),
        _ => (config::demo_db()?, false),
    };
    ctx.switch_db(path.clone());
    if args.reset && sqlite::file::probe(&path)?.is_some() {
        let existing = store::Store::open(
            &store::Target::File(path.clone()),
            store::OpenMode::Existing,
        )?;
        let mark = existing.conn()?.read(|c| c.setting(store::DEMO_MARK))?;
        refuse_unmarked(&path, mark, from_env, true)?;
        drop(existing);
        auth::files::delete_token(&ctx.token_path())?;
        sqlite::remove_database_files(&path)?;
    }
    // Born marked, so two demos started at once both find their mark.
    sqlite::create_database(&path, &[(store::DEMO_MARK, "1")])?;
    ctx.create_store()?;
    let mark = ctx.conn()?.read(|c| c.setting(store::DEMO_MARK))?;
    refuse_unmarked(&path, mark, from_env, args.reset)?;
    let fresh = ctx.write_anonymous(|c| Ok(c.count_collaborators()? == 0))?;
    // A fresh demo gets a fresh key (after --reset, the old one would
    // still accept the old sessions).
    let key = if fresh {
        auth::files::rotate_key(&path)?
    } else {
        auth::files::load_or_create_key(&path)?
    };
    ctx.set_key(key);
    if fresh {
        let hash = ctx.hasher.hash(&Password::any(DEMO_PASSWORD.to_string()))?;
        // Checked again inside the filling transaction: two demos started
        // at once fill it once.
        ctx.write_anonymous(|c| {
            if c.count_collaborators()? == 0 {
                fill(c, &hash)?;
            }
            Ok(())
        })?;
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
    let path_text = path.display().to_string();
    let quoted = shlex::try_quote(&path_text).unwrap_or(path_text.as_str().into());
    text.push_str(&format!(
        "From another terminal: export EPIC_DB={quoted}   (then `epic client list`...)\n"
    ));
    // A session kept for this database is still valid: no need to log in.
    match ctx.read(|_, actor| Ok(actor.email.clone())) {
        Ok(email) => text.push_str(&format!("Logged in as {email}.")),
        Err(_) => text.push_str("Log in with: login bill.boquet@epicevents.demo"),
    }
    Ok(Output::Message(text))
}

/// Refuses a database without the `demo` mark (a conflict, exit 7).
fn refuse_unmarked(path: &Path, mark: Option<String>, from_env: bool, reset: bool) -> Result<()> {
    if mark.is_some() {
        return Ok(());
    }
    let verb = if reset { "reset" } else { "reuse" };
    let fix = if from_env {
        "point EPIC_DEMO_DB at a new file, or unset it".to_string()
    } else {
        format!(
            "if it is an old demo you no longer need, remove it (`rm {}`)",
            path.display()
        )
    };
    Err(Error::conflict(format!(
        "{} is not a demo database (`demo` did not create it); refusing to {verb} it: {fix}",
        path.display()
    )))
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
fn fill(c: &mut dyn Db, hash: &str) -> Result<()> {
    let mut ids = Vec::new();
    for (i, (name, email, department)) in DEMO_ACCOUNTS.iter().enumerate() {
        let number = format!("E-{:04}", i + 1);
        ids.push(c.insert_collaborator(&collaborators::NewCollaborator {
            employee_number: &number,
            full_name: name,
            email,
            department: *department,
            password_hash: hash,
        })?);
    }
    let (bill, kate) = (ids[1], ids[2]);
    let kevin = c.insert_client(&clients::NewClient {
        full_name: "Kevin Casey",
        email: "kevin@startup.io",
        phone: Some("+678 123 456 78"),
        company_name: Some("Cool Startup LLC"),
        sales_contact_id: bill,
        created_at: Some(local(2021, 4, 18, 10, 0)),
        updated_at: Some(local(2023, 3, 29, 10, 0)),
    })?;
    let john = c.insert_client(&clients::NewClient {
        full_name: "John Ouick",
        email: "john.ouick@gmail.com",
        phone: Some("+1 234 567 8901"),
        company_name: None,
        sales_contact_id: bill,
        created_at: Some(local(2022, 11, 2, 9, 30)),
        updated_at: Some(local(2023, 5, 12, 16, 0)),
    })?;
    // (id, client, total, due, drawn up, signed) — dated like the story:
    // the wedding's contract was signed weeks before 4 June 2023.
    let mut contract = |id, client_id, total, due, created_at, signed_at| {
        c.insert_contract(&contracts::NewContract {
            id,
            client_id,
            total: money(total),
            due: money(due),
            signed_at,
            created_at: Some(created_at),
            recorded_by: None,
        })
    };
    let wedding_contract = contract(
        Some(652),
        john,
        2_500_000,
        500_000,
        local(2023, 4, 20, 11, 0),
        Some(local(2023, 5, 2, 15, 30)),
    )?;
    contract(
        None,
        kevin,
        1_250_050,
        1_250_050,
        local(2023, 3, 29, 10, 0),
        None,
    )?;
    let offsite_contract = contract(
        None,
        kevin,
        880_000,
        0,
        local(2026, 9, 1, 9, 0),
        Some(local(2026, 9, 15, 17, 0)),
    )?;
    c.insert_event(&events::NewEvent {
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
    })?;
    c.insert_event(&events::NewEvent {
        contract_id: offsite_contract,
        name: "Cool Startup Off-site",
        start: local(2027, 9, 14, 9, 0),
        end: local(2027, 9, 16, 17, 0),
        location: "Domaine de la Forêt, 77300 Fontainebleau, France",
        attendees: 40,
        notes: None,
        support_contact_id: None,
    })?;
    c.audit(None, "demo", "collaborator", None, None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_database_demo_marked_is_reused_or_reset() {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo.db");
        let real = dir.path().join("real.db");
        assert!(sqlite::create_database(&demo, &[(sqlite::settings::DEMO, "1")]).unwrap());
        assert!(sqlite::create_database(&real, &[]).unwrap());
        let mark = |p: &Path| {
            store::Store::open(
                &store::Target::File(p.to_path_buf()),
                store::OpenMode::Existing,
            )
            .unwrap()
            .conn()
            .unwrap()
            .read(|c| c.setting(store::DEMO_MARK))
            .unwrap()
        };
        refuse_unmarked(&demo, mark(&demo), true, true).unwrap();
        let err = refuse_unmarked(&real, mark(&real), true, true).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Conflict);
        let msg = err.to_string();
        assert!(
            msg.contains("real.db") && msg.contains("reset") && msg.contains("EPIC_DEMO_DB"),
            "{msg}"
        );
        let msg = refuse_unmarked(&real, mark(&real), false, false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("reuse") && msg.contains("rm "), "{msg}");
    }
}
