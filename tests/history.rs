//! The records over time (issue 15, items 1–4): history with old and new
//! values after a scripted day, the payment ledger, deletes with their
//! confirmation, clearing fields and unassigning, on both backends.

mod common;

use common::*;
use serde_json::Value;

/// The `(action, field, old, new)` lines of a history, newest first.
fn lines(env: &Env, args: &[&str]) -> Vec<(String, String, Value, Value)> {
    let mut full = args.to_vec();
    full.extend(["--format", "json"]);
    env.json(&full)
        .as_array()
        .unwrap_or_else(|| panic!("{args:?}: not an array"))
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap_or_default().to_string(),
                l["field"].as_str().unwrap_or_default().to_string(),
                l["old"].clone(),
                l["new"].clone(),
            )
        })
        .collect()
}

fn line(action: &str, field: &str, old: Value, new: Value) -> (String, String, Value, Value) {
    (action.to_string(), field.to_string(), old, new)
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

/// The id a creating command printed.
fn created(out: &std::process::Output) -> String {
    assert_ok(out);
    stdout(out).trim().to_string()
}

on_both! {
    fn a_day_of_changes_reads_back_with_old_and_new_values(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let client = created(&env.run(
            &["client", "add", "--name", "Kevin Casey", "--email", "kevin@startup.io",
              "--phone", "+678 123 456 78"],
            "",
        ));
        assert_ok(&env.run(
            &["client", "update", &client, "--name", "Kevin J. Casey", "--phone", "",
              "--company", "Cool Startup LLC"],
            "",
        ));
        env.login("admin@epic.test");
        assert_ok(&env.run(&["client", "reassign", &client, "--sales", "sales2@epic.test"], ""));
        let contract = created(&env.run(
            &["contract", "add", "--client", &client, "--total", "5000", "--signed"],
            "",
        ));
        assert_ok(&env.run(&["contract", "update", &contract, "--total", "8000"], ""));
        assert_ok(&env.run(&["contract", "pay", &contract, "1500"], ""));

        // The client: newest first, each changed field with its values.
        let history = lines(&env, &["client", "history", &client]);
        assert_eq!(
            history,
            [
                line("reassign", "sales_contact_id", 2.into(), 3.into()),
                line("reassign", "sales_contact", s("Bill Boquet"), s("Sam Sales")),
                line("update", "full_name", s("Kevin Casey"), s("Kevin J. Casey")),
                line("update", "phone", s("+678 123 456 78"), Value::Null),
                line("update", "company_name", Value::Null, s("Cool Startup LLC")),
                line("create", "full_name", Value::Null, s("Kevin Casey")),
                line("create", "email", Value::Null, s("kevin@startup.io")),
                line("create", "phone", Value::Null, s("+678 123 456 78")),
                line("create", "sales_contact_id", Value::Null, 2.into()),
            ]
        );
        // Who did it: the actor's email on every line.
        let raw = env.json(&["client", "history", &client, "--format", "json", "--limit", "1"]);
        let raw = raw.as_array().expect("array");
        assert_eq!(raw.len(), 2, "--limit counts changes, not lines: {raw:?}");
        assert!(raw.iter().all(|l| l["actor"] == "admin@epic.test"), "{raw:?}");

        // The contract: who changed the amount, and from what.
        let history = lines(&env, &["contract", "history", &contract]);
        assert_eq!(history[0], line("pay", "amount_due", s("8000.00"), s("6500.00")));
        assert_eq!(history[1], line("pay", "amount", Value::Null, s("1500.00")));
        assert_eq!(history[2], line("update", "total_amount", s("5000.00"), s("8000.00")));
        assert_eq!(history[3], line("update", "amount_due", s("5000.00"), s("8000.00")));
        assert_eq!(history[4].0, "create");

        // Everyone reads a record's history; only management the whole log.
        env.login("support1@epic.test");
        assert_eq!(lines(&env, &["contract", "history", &contract]), history);
        let out = env.run(&["audit", "list"], "");
        assert_code(&out, 4);
        assert!(stderr(&out).contains("only management"), "{}", stderr(&out));
        env.login("admin@epic.test");
        let log = env.json(&["audit", "list", "--actor", "sales1@epic.test", "--entity", "client",
                             "--format", "json"]);
        let actions: Vec<&str> = log.as_array().expect("array").iter()
            .map(|l| l["action"].as_str().unwrap_or_default()).collect();
        assert!(!actions.is_empty() && actions.iter().all(|a| ["update", "create"].contains(a)),
                "{actions:?}");
        let sessions = env.json(&["audit", "list", "--entity", "session", "--format", "json"]);
        assert!(sessions.as_array().expect("array").iter().any(|l| l["action"] == "login"));
        // A date range that holds nothing, and one that holds everything.
        let none = env.json(&["audit", "list", "--until", "2000-01-01", "--format", "json"]);
        assert_eq!(none.as_array().map(Vec::len), Some(0));
        let all = env.json(&["audit", "list", "--since", "2000-01-01", "--format", "json"]);
        assert!(all.as_array().map(Vec::len).unwrap_or(0) > 10);
        let out = env.run(&["audit", "list", "--since", "2026-06-02", "--until", "2026-06-01"], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--until"), "{}", stderr(&out));
        // CSV has the same keys.
        let out = env.run(&["client", "history", &client, "--format", "csv"], "");
        assert_ok(&out);
        assert!(stdout(&out).starts_with(
            "audit_id,at,actor_id,actor,action,entity,entity_id,field,old,new\n"));
        // A record that never existed is not found.
        assert_code(&env.run(&["event", "history", "999"], ""), 6);
    }

    fn a_password_change_is_recorded_but_never_its_value(backend) {
        let env = Env::staffed_on(backend);
        let out = env.run(
            &["collaborator", "update", "sales1@epic.test", "--name", "Bill B. Boquet",
              "--reset-password", "--password-stdin"],
            "another horse battery staple\n",
        );
        assert_ok(&out);
        let history = lines(&env, &["collaborator", "history", "sales1@epic.test"]);
        assert_eq!(history[0], line("update", "full_name", s("Bill Boquet"), s("Bill B. Boquet")));
        assert_eq!(history[1], line("update", "password", Value::Null, s("changed")));
        for row in env.sql_rows("SELECT coalesce(CAST(detail AS TEXT), '') FROM audit_log") {
            let detail = row[0].to_lowercase();
            assert!(!detail.contains("argon2") && !detail.contains("scram")
                    && !detail.contains("staple"), "{detail}");
        }
        // Deleted: the history by id still reads, ending with the last values.
        assert_ok(&env.run(&["collaborator", "delete", "support2@epic.test", "--yes"], ""));
        let history = lines(&env, &["collaborator", "history", "5"]);
        assert_eq!(history[0].0, "delete");
        assert!(history.contains(&line("delete", "email", s("support2@epic.test"), Value::Null)),
                "{history:?}");
    }

    fn rows_written_before_old_and_new_values_still_display(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let client = created(&env.run(&["client", "add", "--name", "Old Row", "--email", "o@r.io"], ""));
        let at = if env.is_pg() { "now()" } else { "unixepoch()" };
        env.sql_exec(&format!(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)
             VALUES ({at}, 2, 'update', 'client', {client}, '{{\"fields\": [\"phone\", \"email\"]}}')"
        )).expect("legacy row");
        let history = lines(&env, &["client", "history", &client]);
        assert_eq!(history[0], line("update", "phone", Value::Null, Value::Null));
        assert_eq!(history[1], line("update", "email", Value::Null, Value::Null));
        let out = env.run(&["client", "history", &client], "");
        assert_ok(&out);
        assert!(stdout(&out).contains("phone"), "{}", stdout(&out));
    }

    fn the_ledger_lists_each_payment_with_the_running_amount_due(backend) {
        let env = Env::staffed_on(backend);
        let id = env.contract_for_sales1(5000);
        let sid = id.to_string();
        assert_ok(&env.run(&["contract", "pay", &sid, "1000"], ""));
        let paid = env.json(&["contract", "pay", &sid, "250.50", "--format", "json"]);
        assert_eq!(paid["amount_due"], "3749.50");
        env.login("admin@epic.test");
        assert_ok(&env.run(
            &["contract", "update", &sid, "--due", "4000", "--reason", "cheque bounced"],
            "",
        ));
        env.login("support1@epic.test"); // everyone reads the ledger
        let ledger = env.json(&["contract", "payments", &sid, "--format", "json"]);
        let rows: Vec<(String, String, String, String, String)> = ledger
            .as_array()
            .expect("array")
            .iter()
            .map(|r| {
                let t = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (t("kind"), t("amount"), t("recorded_by"), t("paid_total"), t("amount_due"))
            })
            .collect();
        let row = |k: &str, a: &str, by: &str, p: &str, d: &str| {
            (k.to_string(), a.to_string(), by.to_string(), p.to_string(), d.to_string())
        };
        assert_eq!(
            rows,
            [
                row("payment", "1000.00", "Bill Boquet", "1000.00", "4000.00"),
                row("payment", "250.50", "Bill Boquet", "1250.50", "3749.50"),
                row("adjustment", "-250.50", "Ada Admin", "1000.00", "4000.00"),
            ]
        );
        assert_eq!(ledger[2]["reason"], "cheque bounced");
        // The last running amount is the contract's amount due.
        assert_eq!(env.json(&["contract", "show", &sid, "--format", "json"])["amount_due"], "4000.00");
        assert_code(&env.run(&["contract", "payments", "999"], ""), 6);
    }

    fn deletes_ask_refuse_dependants_and_keep_the_last_values(backend) {
        let env = Env::staffed_on(backend);
        let contract = env.contract_for_sales1(5000);
        let sc = contract.to_string();
        let event = created(&env.run(
            &["event", "add", "--contract", &sc, "--name", "Launch", "--start", "2030-06-04 13:00",
              "--end", "2030-06-04 18:00", "--location", "Paris", "--attendees", "50"],
            "",
        ));
        let client = env.json(&["contract", "show", &sc, "--format", "json"])["client_id"].to_string();
        // Sales may not delete.
        let out = env.run(&["event", "delete", &event, "--yes"], "");
        assert_code(&out, 4);
        env.login("admin@epic.test");
        // Without a terminal and without --yes: refused, naming --yes.
        let out = env.run(&["event", "rm", &event], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
        assert!(stderr(&out).contains("delete event"), "{}", stderr(&out));
        // Dependants are named, and nothing is written.
        let before = env.snapshot();
        let out = env.run(&["client", "delete", &client, "--yes"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains(&format!("contracts {contract}")), "{}", stderr(&out));
        let out = env.run(&["contract", "delete", &sc, "--yes"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains(&format!("events {event}")), "{}", stderr(&out));
        assert!(env.snapshot() == before, "a refused delete changed the database");
        // The event goes; its history keeps its last values.
        let out = env.run(&["event", "delete", &event, "--yes"], "");
        assert_ok(&out);
        assert!(stdout(&out).contains("Deleted event"), "{}", stdout(&out));
        assert_code(&env.run(&["event", "show", &event], ""), 6);
        let history = lines(&env, &["event", "history", &event]);
        assert!(history.contains(&line("delete", "name", s("Launch"), Value::Null)), "{history:?}");
        assert!(history.contains(&line("delete", "location", s("Paris"), Value::Null)), "{history:?}");
        // A contract with payments is never deleted (the ledger is kept).
        assert_ok(&env.run(&["contract", "pay", &sc, "10"], ""));
        let out = env.run(&["contract", "delete", &sc, "--yes"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains("ledger"), "{}", stderr(&out));
        // An unsigned contract without payments goes, then its client.
        env.login("sales1@epic.test");
        let other = created(&env.run(&["client", "add", "--name", "Gone Soon", "--email", "g@s.io"], ""));
        env.login("admin@epic.test");
        let draft = created(&env.run(&["contract", "add", "--client", &other, "--total", "100"], ""));
        assert_ok(&env.run(&["contract", "delete", &draft, "--yes"], ""));
        assert_ok(&env.run(&["client", "delete", &other, "-y"], ""));
        assert_code(&env.run(&["client", "show", &other], ""), 6);
        assert_code(&env.run(&["client", "delete", &other, "--yes"], ""), 6);
        // Collaborators too ask first.
        let out = env.run(&["collaborator", "delete", "support2@epic.test"], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
        assert_eq!(env.integrity(), "ok");
    }

    fn optional_fields_clear_and_support_unassigns(backend) {
        let env = Env::staffed_on(backend);
        let contract = env.contract_for_sales1(5000).to_string();
        let event = created(&env.run(
            &["event", "add", "--contract", &contract, "--name", "Gala", "--start", "2030-06-04 13:00",
              "--end", "2030-06-04 18:00", "--location", "Lyon", "--attendees", "80",
              "--notes", "vegan menu"],
            "",
        ));
        env.login("admin@epic.test");
        assert_ok(&env.run(&["event", "assign", &event, "--support", "support1@epic.test"], ""));
        env.login("support1@epic.test");
        let shown = env.json(&["event", "update", &event, "--notes", "", "--format", "json"]);
        assert_eq!(shown["notes"], Value::Null);
        env.login("admin@epic.test");
        let shown = env.json(&["event", "assign", &event, "--none", "--format", "json"]);
        assert_eq!(shown["support_contact_id"], Value::Null);
        assert_eq!(env.ids(&["event", "list", "--unassigned"]), [event.parse::<i64>().unwrap()]);
        let out = env.run(&["event", "assign", &event], "");
        assert_code(&out, 2);
        let out = env.run(&["event", "assign", &event, "--none", "--support", "4"], "");
        assert_code(&out, 2);
        let history = lines(&env, &["event", "history", &event]);
        assert_eq!(history[0], line("unassign", "support_contact_id", 4.into(), Value::Null));
        assert_eq!(history[1], line("unassign", "support_contact", s("Kate Hastroff"), Value::Null));
        assert_eq!(history[2], line("update", "notes", s("vegan menu"), Value::Null));
    }
}
