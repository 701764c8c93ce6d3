//! `client import FILE` and `event import FILE` through the real binary
//! (issue 15, item 5), on SQLite and on PostgreSQL: all or nothing, every
//! bad row named as `FILE:LINE: field: message`, `--dry-run`,
//! `--skip-existing`, who may import what, and a round trip of the CSV
//! export.

mod common;

use common::*;

/// Writes `text` as `name` in the test's folder (the binary's working
/// directory, so messages name the file as given).
fn file(env: &Env, name: &str, text: &str) -> String {
    std::fs::write(env.root().join(name), text).expect("write the CSV file");
    name.to_string()
}

fn clients(env: &Env) -> i64 {
    env.sql_i64("SELECT count(*) FROM clients")
}

fn audits(env: &Env) -> i64 {
    env.sql_i64("SELECT count(*) FROM audit_log")
}

/// A client list with the keys that survive a round trip (not the ids).
fn portable(env: &Env) -> Vec<Vec<String>> {
    let list = env.json(&["client", "list", "--sort", "email", "--format", "json"]);
    list.as_array()
        .expect("array")
        .iter()
        .map(|c| {
            [
                "full_name",
                "email",
                "phone",
                "company_name",
                "created_at",
                "updated_at",
                "sales_contact",
            ]
            .iter()
            .map(|k| c[*k].to_string())
            .collect()
        })
        .collect()
}

on_both! {
    fn an_export_reimports_as_it_is_into_a_fresh_database(backend) {
        let from = Env::staffed_on(backend);
        from.login("sales1@epic.test");
        for (name, email, company) in [
            ("Kevin Casey", "kevin@startup.io", "Cool Startup LLC"),
            // A formula: the export neutralises it, the import reads it back.
            ("=HYPERLINK(\"http://evil/\")", "formula@x.io", "-Minus Corp"),
            ("Ann Lee", "ann@lee.io", "+cmd|' /C calc'!A0"),
        ] {
            assert_ok(&from.run(
                &["client", "add", "--name", name, "--email", email,
                  &format!("--company={company}"), "--phone", "+678 123 456 78"],
                "",
            ));
        }
        let export = from.run(&["client", "list", "--format", "csv"], "");
        assert_ok(&export);
        assert!(stdout(&export).contains("'=HYPERLINK"), "{}", stdout(&export));

        let to = Env::staffed_on(backend);
        let csv = file(&to, "export.csv", &stdout(&export));
        // Management: the export's sales_contact_id (with the name beside it,
        // which must agree) picks the sales contact.
        let out = to.run(&["client", "import", &csv], "");
        assert_ok(&out);
        assert_eq!(stdout(&out).trim(), "Imported 3 clients.");
        assert_eq!(portable(&to), portable(&from));
        // Each client got the audit row `client add` writes.
        assert_eq!(
            to.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'client' AND action = 'create'"),
            3
        );
        // Re-imported, the same file is three duplicates (exit 7) ...
        let out = to.run(&["client", "import", &csv], "");
        assert_code(&out, 7);
        // ... which --skip-existing skips.
        let out = to.run(&["client", "import", &csv, "--skip-existing"], "");
        assert_ok(&out);
        assert_eq!(stdout(&out).trim(), "Imported 0 clients (3 existing skipped).");
        assert_eq!(clients(&to), 3);
    }

    fn one_bad_row_writes_nothing_and_names_its_line(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let before = audits(&env);
        let csv = file(
            &env,
            "clients.csv",
            "full_name,email,phone\n\
             Ann Lee,ann@lee.io,\n\
             Bob Ray,bob@ray.io,+33 6 12 34 56 78\n\
             Cid Moe,not-an-email,\n\
             Dee Fox,dee@fox.io,\n",
        );
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(err.contains("clients.csv:4: email: missing '@'"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(err.matches("clients.csv:").count(), 2, "{err}");
        assert_eq!(clients(&env), 0);
        assert_eq!(audits(&env), before);
    }

    fn every_bad_row_is_reported_with_its_physical_line(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        // Line 2 holds a quoted note over three lines: the next row is line 5.
        let csv = file(
            &env,
            "c.csv",
            "full_name,email,phone,company_name,created_at\n\
             Ann Lee,ann@lee.io,,\"Lee\nand\nSons\",\n\
             Bob Ray,bob@ray.io,12,,\n\
             ,cid@moe.io,,,\n\
             Dee Fox,dee@fox.io,,,someday\n\
             Eve Oak,ann@LEE.io,,,\n\
             Fay Elm,fay@elm.io,,,2021-04-18\n\
             Gus Ash,gus@ash.io\n",
        );
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        for needle in [
            "c.csv:2: company_name: ",
            "c.csv:5: phone: ",
            "c.csv:6: full_name: must not be empty",
            "c.csv:7: created_at: ",
            "c.csv:8: email: ann@LEE.io is also on line 2",
            "c.csv:10: row: has 2 cells; the header has 5",
        ] {
            assert!(err.contains(needle), "{needle} in:\n{err}");
        }
        assert!(!err.contains("c.csv:9:"), "{err}");
        assert_eq!(clients(&env), 0);
    }

    fn unknown_columns_are_refused_and_missing_optional_ones_are_fine(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let csv = file(&env, "c.csv", "full_name,email,nickname\nAnn Lee,ann@lee.io,Annie\n");
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        assert!(
            stderr(&out).contains("c.csv:1: header: unknown column 'nickname'"),
            "{}",
            stderr(&out)
        );
        let csv = file(&env, "d.csv", "email\nann@lee.io\n");
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("missing column 'full_name'"), "{}", stderr(&out));
        assert_eq!(clients(&env), 0);
        let csv = file(&env, "e.csv", "email,full_name\nann@lee.io,Ann Lee\n");
        assert_ok(&env.run(&["client", "import", &csv], ""));
        let ann = env.json(&["client", "show", "1", "--format", "json"]);
        assert_eq!(ann["full_name"], "Ann Lee");
        assert_eq!(ann["sales_contact"], "Bill Boquet");
        assert!(ann["phone"].is_null());
    }

    fn a_dry_run_checks_everything_and_writes_nothing(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        assert_ok(&env.run(&["client", "add", "--name", "Old One", "--email", "old@x.io"], ""));
        let before = audits(&env);
        let csv = file(&env, "c.csv", "full_name,email\nAnn Lee,ann@lee.io\nBob Ray,bob@ray.io\n");
        let out = env.run(&["client", "import", &csv, "--dry-run"], "");
        assert_ok(&out);
        assert_eq!(stdout(&out).trim(), "Checked 2 clients: nothing written (--dry-run).");
        let json = env.json(&["client", "import", &csv, "--dry-run", "--format", "json"]);
        assert_eq!(json["dry_run"], true);
        assert_eq!(json["imported"], 0);
        assert_eq!(json["rows"], 2);
        // The database's checks run too: a duplicate is found.
        let csv = file(&env, "d.csv", "full_name,email\nAnn Lee,ann@lee.io\nOld Again,OLD@x.io\n");
        let out = env.run(&["client", "import", &csv, "--dry-run"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains("d.csv:3: email: OLD@x.io is already used"), "{}", stderr(&out));
        assert_eq!(clients(&env), 1);
        assert_eq!(audits(&env), before);
    }

    fn duplicates_are_reported_and_skip_existing_skips_them(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        assert_ok(&env.run(&["client", "add", "--name", "Old One", "--email", "old@x.io"], ""));
        let csv = file(&env, "c.csv", "full_name,email\nNew One,new@x.io\nOld One,Old@X.io\n");
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains("c.csv:3: email: Old@X.io is already used"), "{}", stderr(&out));
        assert_eq!(clients(&env), 1);
        let out = env.run(&["client", "import", &csv, "--skip-existing", "--format", "json"], "");
        assert_ok(&out);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((json["imported"].as_i64(), json["skipped_existing"].as_i64()), (Some(1), Some(1)));
        assert_eq!(json["ids"].as_array().map(Vec::len), Some(1));
        assert_eq!(clients(&env), 2);
        // A repeat within the file is refused even with --skip-existing.
        let csv = file(&env, "d.csv", "full_name,email\nA One,a@x.io\nA Two,A@x.io\n");
        let out = env.run(&["client", "import", &csv, "--skip-existing"], "");
        assert_code(&out, 7);
        assert!(stderr(&out).contains("d.csv:3: email: A@x.io is also on line 2"), "{}", stderr(&out));
        assert_eq!(clients(&env), 2);
    }

    fn management_names_a_sales_contact_by_email_or_id(backend) {
        let env = Env::staffed_on(backend);
        let sales2 = env.json(&["collaborator", "show", "sales2@epic.test", "--format", "json"])["id"]
            .as_i64()
            .unwrap();
        let csv = file(
            &env,
            "c.csv",
            &format!(
                "full_name,email,sales_contact_id,sales_contact\n\
                 By Email,e@x.io,,sales2@epic.test\n\
                 By Id,i@x.io,{sales2},\n\
                 By Key Id,k@x.io,,{sales2}\n"
            ),
        );
        assert_ok(&env.run(&["client", "import", &csv], ""));
        assert_eq!(
            env.sql_i64(&format!("SELECT count(*) FROM clients WHERE sales_contact_id = {sales2}")),
            3
        );
        // Support is no sales contact; a name is not a key; none at all is
        // refused for management; an unknown one is not found.
        let csv = file(
            &env,
            "d.csv",
            "full_name,email,sales_contact\n\
             To Support,s@x.io,support1@epic.test\n\
             By Name,n@x.io,Sam Sales\n\
             Nobody,no@x.io,\n\
             Ghost,g@x.io,ghost@epic.test\n",
        );
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        for needle in [
            "d.csv:2: sales_contact: support1@epic.test is in support, not sales",
            "d.csv:3: sales_contact: 'Sam Sales' is neither an email nor an id",
            "d.csv:4: sales_contact: required when management imports",
            "d.csv:5: sales_contact: collaborator ghost@epic.test not found",
        ] {
            assert!(err.contains(needle), "{needle} in:\n{err}");
        }
        assert_eq!(clients(&env), 3);
        // Beside an id, the name (as exported) must be that collaborator's;
        // the last contact may not precede the first.
        let csv = file(
            &env,
            "e.csv",
            &format!(
                "full_name,email,sales_contact_id,sales_contact,created_at,updated_at\n\
                 Wrong Name,w@x.io,{sales2},Bill Boquet,,\n\
                 Right Name,r@x.io,{sales2},Sam Sales,2021-04-18,2021-04-17\n"
            ),
        );
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("e.csv:2: sales_contact: 'Bill Boquet' is not collaborator {sales2}")),
            "{err}"
        );
        assert!(err.contains("e.csv:3: updated_at: is before created_at"), "{err}");
        assert_eq!(clients(&env), 3);
    }

    fn sales_import_only_their_own_clients_and_support_none(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let csv = file(
            &env,
            "c.csv",
            "full_name,email,sales_contact\nMine,m@x.io,sales1@epic.test\nTheirs,t@x.io,sales2@epic.test\n",
        );
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 4);
        assert!(stderr(&out).contains("c.csv:3: sales_contact: permission denied"), "{}", stderr(&out));
        assert_eq!(clients(&env), 0);
        env.login("support1@epic.test");
        let before = audits(&env);
        let out = env.run(&["client", "import", &csv], "");
        assert_code(&out, 4);
        // The refusal comes before the file is even read.
        let out = env.run(&["client", "import", "missing.csv"], "");
        assert_code(&out, 4);
        let out = env.run(&["event", "import", &csv], "");
        assert_code(&out, 4);
        assert_eq!((clients(&env), audits(&env)), (0, before));
    }

    fn events_import_for_own_signed_contracts_only(backend) {
        let env = Env::staffed_on(backend);
        let signed = env.contract_for_sales1(5000);
        // An unsigned contract of the same client, and sales2's signed one.
        env.login("admin@epic.test");
        let unsigned = stdout(&env.run(&["contract", "add", "--client", "1", "--total", "10"], ""))
            .trim()
            .to_string();
        env.login("sales2@epic.test");
        let client2 = stdout(&env.run(&["client", "add", "--name", "Other", "--email", "o@x.io"], ""))
            .trim()
            .to_string();
        env.login("admin@epic.test");
        let theirs = stdout(&env.run(
            &["contract", "add", "--client", &client2, "--total", "10", "--signed"],
            "",
        ))
        .trim()
        .to_string();
        env.login("sales1@epic.test");
        let header = "contract_id,name,start,end,location,attendees,notes,support_contact_id\n";
        // Line 2's notes span lines 2-4: the bad rows are on lines 5, 6 and 7.
        let csv = file(
            &env,
            "e.csv",
            &format!(
                "{header}\
                 {signed},Wedding,2027-06-04 13:00,2027-06-05 02:00,Paris,75,\"DJ at 11PM\n\
                 Catering at 5PM\n\
                 by the river\",\n\
                 {unsigned},Party,2027-06-04,2027-06-05,Paris,10,,\n\
                 {theirs},Party,2027-06-04,2027-06-05,Paris,10,,\n\
                 {signed},Late,2027-06-05,2027-06-04,Paris,10,,4\n"
            ),
        );
        let out = env.run(&["event", "import", &csv], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        for needle in [
            format!("e.csv:5: contract_id: contract {unsigned} is not signed yet"),
            "e.csv:6: contract_id: permission denied".to_string(),
            "e.csv:7: support_contact_id: must be empty".to_string(),
            "e.csv:7: end: must be after the start".to_string(),
        ] {
            assert!(err.contains(&needle), "{needle} in:\n{err}");
        }
        assert!(!err.contains("e.csv:2:"), "{err}");
        assert_eq!(env.sql_i64("SELECT count(*) FROM events"), 0);
        // Only the unsigned one: a conflict, exit 7.
        let csv = file(&env, "u.csv", &format!("{header}{unsigned},P,2027-06-04,2027-06-05,Paris,1,,\n"));
        assert_code(&env.run(&["event", "import", &csv], ""), 7);
        // The good row alone imports, its notes kept whole.
        let csv = file(
            &env,
            "ok.csv",
            &format!(
                "{header}{signed},Wedding,2027-06-04 13:00,2027-06-05 02:00,Paris,75,\"DJ at 11PM\nby the river\",\n"
            ),
        );
        let out = env.run(&["event", "import", &csv, "--dry-run"], "");
        assert_ok(&out);
        assert_eq!(stdout(&out).trim(), "Checked 1 event: nothing written (--dry-run).");
        assert_eq!(env.sql_i64("SELECT count(*) FROM events"), 0);
        let json = env.json(&["event", "import", &csv, "--format", "json"]);
        assert_eq!(json["imported"], 1);
        let id = json["first_id"].as_i64().unwrap().to_string();
        let ev = env.json(&["event", "show", &id, "--format", "json"]);
        assert_eq!(ev["notes"], "DJ at 11PM\nby the river");
        assert!(ev["support_contact_id"].is_null());
        assert_eq!(
            env.sql_i64("SELECT count(*) FROM audit_log WHERE entity = 'event' AND action = 'create'"),
            1
        );
        // Management may not import events (as `event add`).
        env.login("admin@epic.test");
        assert_code(&env.run(&["event", "import", &csv], ""), 4);
        // An event export re-imports (its derived columns ignored).
        env.login("sales1@epic.test");
        let export = env.run(&["event", "list", "--format", "csv"], "");
        let csv = file(&env, "export.csv", &stdout(&export));
        let out = env.run(&["event", "import", &csv], "");
        assert_ok(&out);
        assert_eq!(stdout(&out).trim(), "Imported 1 event.");
        assert_eq!(env.sql_i64("SELECT count(*) FROM events"), 2);
    }

    fn a_quoted_formula_is_stored_as_text(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let csv = file(
            &env,
            "c.csv",
            "full_name,email,company_name\n\"=cmd|' /C calc'!A0\",f@x.io,\"'@SUM(A1:A9)\"\n",
        );
        assert_ok(&env.run(&["client", "import", &csv], ""));
        let c = env.json(&["client", "show", "1", "--format", "json"]);
        assert_eq!(c["full_name"], "=cmd|' /C calc'!A0");
        // The export's neutralising quote is taken off on the way in.
        assert_eq!(c["company_name"], "@SUM(A1:A9)");
        let export = stdout(&env.run(&["client", "list", "--format", "csv"], ""));
        assert!(export.contains("'=cmd"), "{export}");
    }
}

#[test]
fn a_long_file_imports_quietly_on_a_pipe_and_caps_its_errors() {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    let mut text = String::from("full_name,email\n");
    for i in 0..1500 {
        text.push_str(&format!("Client {i},c{i}@x.io\n"));
    }
    let csv = file(&env, "long.csv", &text);
    let out = env.run(&["client", "import", &csv], "");
    assert_ok(&out);
    assert_eq!(stdout(&out).trim(), "Imported 1500 clients.");
    // No progress bar on a pipe: nothing on stderr.
    assert_eq!(stderr(&out), "");
    // 150 bad rows: the first 100 printed, then a count.
    let mut text = String::from("full_name,email\n");
    for i in 0..150 {
        text.push_str(&format!("Bad {i},bad{i}\n"));
    }
    let csv = file(&env, "bad.csv", &text);
    let out = env.run(&["client", "import", &csv], "");
    assert_code(&out, 5);
    let err = stderr(&out);
    assert_eq!(err.matches("bad.csv:").count(), 101, "{err}");
    assert!(err.contains("bad.csv:101: email:"), "{err}");
    assert!(!err.contains("bad.csv:102:"), "{err}");
    assert!(err.contains("... and 50 more"), "{err}");
    assert_eq!(env.sql_i64("SELECT count(*) FROM clients"), 1500);
}

#[test]
fn the_commands_are_in_help() {
    let env = Env::new();
    for (args, needle) in [
        (
            &["help", "client", "import"][..],
            "FILE:LINE: field: message",
        ),
        (&["help", "client", "import"][..], "--skip-existing"),
        (&["help", "event", "import"][..], "imported unassigned"),
        (&["help", "client"][..], "import"),
        (&["help", "event"][..], "import"),
    ] {
        let out = env.run(args, "");
        assert_ok(&out);
        assert!(stdout(&out).contains(needle), "{args:?}: {}", stdout(&out));
    }
}

#[test]
fn a_missing_or_empty_file_is_one_clear_line() {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    let out = env.run(&["client", "import", "nowhere.csv"], "");
    assert_code(&out, 5);
    assert!(
        stderr(&out).contains("cannot read nowhere.csv: no such file"),
        "{}",
        stderr(&out)
    );
    let csv = file(&env, "empty.csv", "");
    let out = env.run(&["client", "import", &csv], "");
    assert_code(&out, 5);
    assert!(
        stderr(&out).contains("empty.csv: the file is empty"),
        "{}",
        stderr(&out)
    );
    let csv = file(&env, "bytes.csv", "full_name,email\nAnn\u{0}\n");
    std::fs::write(env.root().join(&csv), b"full_name,email\nAnn \xff,a@x.io\n").unwrap();
    let out = env.run(&["client", "import", &csv], "");
    assert_code(&out, 5);
    assert!(
        stderr(&out).contains("bytes.csv:2: full_name: is not valid UTF-8"),
        "{}",
        stderr(&out)
    );
}
