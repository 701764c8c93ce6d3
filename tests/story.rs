//! Issue 5 "Show": the business story of SPEC.md through the real binary in
//! script mode, then every filter, format and refusal checked on its data,
//! and the audit log holding exactly one row per write.
mod common;

use chrono::DateTime;
use common::*;
use serde_json::{Value, json};

const COLLABORATOR_KEYS: &[&str] = &[
    "id",
    "employee_number",
    "full_name",
    "email",
    "department",
    "created_at",
    "updated_at",
];
const CLIENT_KEYS: &[&str] = &[
    "id",
    "full_name",
    "email",
    "phone",
    "company_name",
    "created_at",
    "updated_at",
    "sales_contact_id",
    "sales_contact",
];
const CONTRACT_KEYS: &[&str] = &[
    "id",
    "client_id",
    "client_name",
    "sales_contact_id",
    "total_amount",
    "amount_due",
    "signed",
    "signed_at",
    "created_at",
];
const EVENT_KEYS: &[&str] = &[
    "id",
    "contract_id",
    "name",
    "client_name",
    "client_email",
    "client_phone",
    "start",
    "end",
    "support_contact_id",
    "support_contact",
    "location",
    "attendees",
    "notes",
    "created_at",
    "updated_at",
];
const TIME_KEYS: &[&str] = &["created_at", "updated_at", "signed_at", "start", "end"];

const NOTES: &str = "Wedding starts at 3PM, by the river. Catering is organized, reception \
                     starts at 5PM. Kate needs to organize the DJ for after party.";
const LOCATION: &str = "53 Rue du Château, 41120 Candé-sur-Beuvron, France";

/// The expected audit trail: (action, entity, entity id, actor id).
type Audit = Vec<(&'static str, &'static str, i64, i64)>;

/// Collaborator ids, in creation order.
const ADMIN: i64 = 1;
const BILL: i64 = 2;
const KATE: i64 = 3;
const SAM: i64 = 4;

/// Runs `script` logged in as `email` (the script's first line logs in).
fn as_user(env: &Env, audit: &mut Audit, id: i64, email: &str, script: &str) {
    let full = format!("login {email} --password-stdin\n{PASSWORD}\n{script}");
    let out = env.script(&[], &full);
    assert_ok(&out);
    audit.push(("login", "session", id, id));
}

/// Logs in (the token file) as `email`.
fn login(env: &Env, audit: &mut Audit, id: i64, email: &str) {
    env.login(email);
    audit.push(("login", "session", id, id));
}

/// Runs a command that must be refused with `expected`, changing nothing.
fn refused(env: &Env, args: &[&str], expected: i32, says: &str) {
    let before = env.snapshot();
    let out = env.run(args, "");
    assert_code(&out, expected);
    assert!(
        stderr(&out).contains(says),
        "{args:?}: expected {says:?} in {}",
        stderr(&out)
    );
    assert_eq!(env.snapshot(), before, "{args:?} changed the database");
}

/// Checks the output contract on every row of a JSON list: the SPEC keys
/// are all there, timestamps are RFC 3339 with an offset, and the CSV
/// header row is the same key list.
fn check_contract(env: &Env, noun: &str, spec_keys: &[&str]) -> Vec<Value> {
    let rows = env.json(&[noun, "list", "--format", "json"]);
    let rows = rows.as_array().unwrap().clone();
    assert!(!rows.is_empty(), "{noun}: no rows");
    let keys: Vec<String> = rows[0].as_object().unwrap().keys().cloned().collect();
    for row in &rows {
        let obj = row.as_object().unwrap();
        for key in spec_keys {
            assert!(obj.contains_key(*key), "{noun}: no key {key} in {row}");
        }
        assert!(obj.get("password_hash").is_none(), "{row}");
        assert_eq!(
            obj.keys().cloned().collect::<Vec<_>>(),
            keys,
            "{noun}: same keys on every row"
        );
        for key in TIME_KEYS {
            match obj.get(*key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => {
                    DateTime::parse_from_rfc3339(s)
                        .unwrap_or_else(|e| panic!("{noun}.{key} = {s}: {e}"));
                    assert!(
                        s.ends_with("+01:00") || s.ends_with("+02:00"),
                        "{noun}.{key} = {s}: local time (Europe/Paris) with its offset"
                    );
                }
                Some(other) => panic!("{noun}.{key} = {other}"),
            }
        }
    }
    // CSV: a header row of the same keys, then one row per record.
    let out = env.run(&[noun, "list", "--format", "csv"], "");
    assert_ok(&out);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, keys, "{noun}: CSV header");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        for (i, key) in keys.iter().enumerate() {
            let expected = match &row[key] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(&record[i], expected, "{noun}.{key} in CSV");
        }
    }
    rows
}

fn show(env: &Env, noun: &str, id: i64) -> Value {
    env.json(&[noun, "show", &id.to_string(), "--format", "json"])
}

on_both! {
fn the_business_story(backend) {
    let env = Env::on(backend);
    let mut audit: Audit = Vec::new();
    env.init();
    audit.push(("init", "collaborator", ADMIN, ADMIN));
    login(&env, &mut audit, ADMIN, "admin@epic.test");

    // Management creates the staff.
    let mut script = String::from("# the staff\n");
    for (name, email, dept) in [
        ("Bill Boquet", "bill@epic.test", "sales"),
        ("Kate Hastroff", "kate@epic.test", "support"),
        ("Sam Sales", "sam@epic.test", "sales"),
        ("Sue Support", "sue@epic.test", "support"),
    ] {
        script.push_str(&format!(
            "collaborator add --name '{name}' --email {email} --department {dept} --password-stdin\n{PASSWORD}\n"
        ));
    }
    let out = env.script(&[], &script);
    assert_ok(&out);
    assert_eq!(stdout(&out), "2\n3\n4\n5\n");
    for id in 2..=5 {
        audit.push(("create", "collaborator", id, ADMIN));
    }

    // Sales find their clients.
    as_user(
        &env,
        &mut audit,
        BILL,
        "bill@epic.test",
        "client add --name 'Kevin Casey' --email kevin@startup.io --phone '+678 123 456 78' --company 'Cool Startup LLC'\n",
    );
    audit.push(("create", "client", 1, BILL));
    as_user(
        &env,
        &mut audit,
        SAM,
        "sam@epic.test",
        "client add --name 'John Ouick' --email john.ouick@gmail.com --phone '+1 234 567 8901'\n",
    );
    audit.push(("create", "client", 2, SAM));

    // Management drafts contracts.
    as_user(
        &env,
        &mut audit,
        ADMIN,
        "admin@epic.test",
        "contract add --client 1 --total '12 500,50'\n\
         contract add --client 2 --total 1000 --due 0 --signed\n\
         contract add --client 1 --total 300\n",
    );
    for id in 1..=3 {
        audit.push(("create", "contract", id, ADMIN));
    }
    refused(
        &env,
        &["client", "add", "--name", "X", "--email", "x@y.io"],
        4,
        "permission denied",
    );
    refused(
        &env,
        &["contract", "add", "--client", "1", "--total", "abc"],
        5,
        "--total",
    );
    refused(
        &env,
        &[
            "contract", "add", "--client", "1", "--total", "10", "--due", "20",
        ],
        5,
        "--due",
    );
    refused(
        &env,
        &["contract", "add", "--client", "99", "--total", "10"],
        6,
        "client 99",
    );
    let c1 = show(&env, "contract", 1);
    assert_eq!(c1["total_amount"], "12500.50");
    assert_eq!(c1["amount_due"], "12500.50");
    assert_eq!(c1["signed"], false);
    assert_eq!(c1["signed_at"], Value::Null);
    assert_eq!(c1["sales_contact_id"], BILL);

    // Sales signs and adds the event.
    let wedding = format!(
        "event add --contract 1 --name 'John Ouick Wedding' --start '2023-06-04 13:00' \
         --end '2023-06-05 02:00' --location '{LOCATION}' --attendees 75 --notes '{NOTES}'\n"
    );
    login(&env, &mut audit, BILL, "bill@epic.test");
    refused(
        &env,
        &[
            "event",
            "add",
            "--contract",
            "1",
            "--name",
            "Early",
            "--start",
            "2023-06-04",
            "--end",
            "2023-06-05",
            "--location",
            "Paris",
            "--attendees",
            "5",
        ],
        7,
        "not signed",
    );
    refused(
        &env,
        &[
            "event",
            "add",
            "--contract",
            "3",
            "--name",
            "Early",
            "--start",
            "2023-06-04",
            "--end",
            "2023-06-05",
            "--location",
            "Paris",
            "--attendees",
            "5",
        ],
        7,
        "not signed",
    );
    as_user(
        &env,
        &mut audit,
        BILL,
        "bill@epic.test",
        &format!("contract sign 1\n{wedding}"),
    );
    audit.push(("sign", "contract", 1, BILL));
    audit.push(("create", "event", 1, BILL));
    refused(
        &env,
        &[
            "event",
            "add",
            "--contract",
            "1",
            "--name",
            "Backwards",
            "--start",
            "2023-06-05 02:00",
            "--end",
            "2023-06-04 13:00",
            "--location",
            "Paris",
            "--attendees",
            "5",
        ],
        5,
        "--end",
    );
    refused(
        &env,
        &[
            "event",
            "add",
            "--contract",
            "2",
            "--name",
            "Not mine",
            "--start",
            "2099-01-01",
            "--end",
            "2099-01-02",
            "--location",
            "Paris",
            "--attendees",
            "5",
        ],
        4,
        "permission denied",
    );

    as_user(
        &env,
        &mut audit,
        SAM,
        "sam@epic.test",
        "event add --contract 2 --name 'Future Gala' --start 2099-01-01T18:00 --end '2099-01-02 01:00' --location Paris --attendees 10\n",
    );
    audit.push(("create", "event", 2, SAM));
    refused(&env, &["contract", "sign", "3"], 4, "permission denied");
    refused(
        &env,
        &["client", "update", "1", "--phone", "+33 1 23 45 67 89"],
        4,
        "permission denied",
    );

    // Management finds the events without support and assigns Kate.
    login(&env, &mut audit, ADMIN, "admin@epic.test");
    assert_eq!(env.ids(&["event", "list", "--unassigned"]), [1, 2]);
    refused(
        &env,
        &["event", "assign", "1", "--support", "bill@epic.test"],
        5,
        "--support",
    );
    let out = env.script(&[], "event assign 1 --support kate@epic.test\n");
    assert_ok(&out);
    audit.push(("assign", "event", 1, ADMIN));
    assert_eq!(env.ids(&["event", "list", "--unassigned"]), [2]);

    // Support reads its events and updates the notes.
    login(&env, &mut audit, KATE, "kate@epic.test");
    assert_eq!(env.ids(&["event", "list", "--mine"]), [1]);
    let new_notes = format!("{NOTES} DJ booked: DJ Kev, 23:00.");
    let out = env.script(&[], &format!("event update 1 --notes '{new_notes}'\n"));
    assert_ok(&out);
    audit.push(("update", "event", 1, KATE));
    refused(
        &env,
        &["event", "update", "2", "--notes", "hijack"],
        4,
        "permission denied",
    );
    refused(
        &env,
        &["event", "assign", "1", "--support", "sue@epic.test"],
        4,
        "permission denied",
    );

    // The wedding, exactly.
    let e1 = show(&env, "event", 1);
    let expected = json!({
        "id": 1,
        "contract_id": 1,
        "name": "John Ouick Wedding",
        "client_name": "Kevin Casey",
        "client_email": "kevin@startup.io",
        "client_phone": "+678 123 456 78",
        "start": "2023-06-04T13:00:00+02:00",
        "end": "2023-06-05T02:00:00+02:00",
        "support_contact_id": KATE,
        "support_contact": "Kate Hastroff",
        "location": LOCATION,
        "attendees": 75,
        "notes": new_notes,
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&e1[key], value, "event.{key}");
    }
    let e2 = show(&env, "event", 2);
    assert_eq!(e2["support_contact_id"], Value::Null);
    assert_eq!(e2["support_contact"], Value::Null);
    assert_eq!(e2["client_name"], "John Ouick");
    assert_eq!(e2["start"], "2099-01-01T18:00:00+01:00");

    let k = show(&env, "client", 1);
    let expected = json!({
        "id": 1,
        "full_name": "Kevin Casey",
        "email": "kevin@startup.io",
        "phone": "+678 123 456 78",
        "company_name": "Cool Startup LLC",
        "sales_contact_id": BILL,
        "sales_contact": "Bill Boquet",
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&k[key], value, "client.{key}");
    }
    assert_eq!(show(&env, "client", 2)["company_name"], Value::Null);

    // Output contract on every entity, JSON and CSV.
    let collaborators = check_contract(&env, "collaborator", COLLABORATOR_KEYS);
    assert_eq!(collaborators.len(), 5);
    check_contract(&env, "client", CLIENT_KEYS);
    let contracts = check_contract(&env, "contract", CONTRACT_KEYS);
    assert_eq!(contracts[1]["amount_due"], "0.00");
    assert_eq!(contracts[1]["total_amount"], "1000.00");
    assert_eq!(contracts[1]["signed"], true);
    assert!(contracts[0]["signed_at"].is_string());
    assert_eq!(contracts[2]["signed_at"], Value::Null);
    check_contract(&env, "event", EVENT_KEYS);

    // Filters, each returning exactly the expected ids.
    assert_eq!(env.ids(&["contract", "list"]), [1, 2, 3]);
    assert_eq!(env.ids(&["contract", "list", "--unsigned"]), [3]);
    assert_eq!(env.ids(&["contract", "list", "--unpaid"]), [1, 3]);
    assert_eq!(env.ids(&["contract", "list", "--client", "1"]), [1, 3]);
    assert_eq!(env.ids(&["contract", "list", "--client", "2"]), [2]);
    assert_eq!(
        env.ids(&["contract", "list", "--unpaid", "--client", "2"]),
        Vec::<i64>::new()
    );
    assert_eq!(env.ids(&["contract", "list", "--sort", "-id"]), [3, 2, 1]);
    assert_eq!(env.ids(&["contract", "list", "--limit", "1"]), [1]);
    assert_eq!(
        env.ids(&["contract", "list", "--sort", "-id", "--limit", "1"]),
        [3]
    );
    assert_eq!(env.ids(&["client", "list", "--search", "startup"]), [1]);
    assert_eq!(env.ids(&["client", "list", "--search", "OUICK"]), [2]);
    assert_eq!(
        env.ids(&[
            "client",
            "list",
            "--search",
            "nobody'; DROP TABLE clients; --"
        ]),
        Vec::<i64>::new()
    );
    assert_eq!(
        env.ids(&["client", "list", "--sales", "sam@epic.test"]),
        [2]
    );
    assert_eq!(env.ids(&["client", "list", "--sort", "-id"]), [2, 1]);
    assert_eq!(env.ids(&["event", "list", "--upcoming"]), [2]);
    assert_eq!(env.ids(&["event", "list", "--contract", "1"]), [1]);
    assert_eq!(env.ids(&["event", "list", "--contract", "2"]), [2]);
    assert_eq!(
        env.ids(&["event", "list", "--support", "kate@epic.test"]),
        [1]
    );
    assert_eq!(env.ids(&["event", "list", "--support", "3"]), [1]);
    assert_eq!(env.ids(&["event", "list", "--sort", "-start"]), [2, 1]);
    assert_eq!(
        env.ids(&["collaborator", "list", "--department", "sales"]),
        [BILL, SAM]
    );

    login(&env, &mut audit, SAM, "sam@epic.test");
    assert_eq!(env.ids(&["client", "list", "--mine"]), [2]);
    assert_eq!(env.ids(&["contract", "list", "--mine"]), [2]);
    // For sales, --mine means the events of their clients' contracts.
    assert_eq!(env.ids(&["event", "list", "--mine"]), [2]);

    // Bill records payments; never below zero.
    login(&env, &mut audit, BILL, "bill@epic.test");
    assert_eq!(env.ids(&["client", "list", "--mine"]), [1]);
    assert_eq!(env.ids(&["contract", "list", "--mine"]), [1, 3]);
    assert_eq!(env.ids(&["contract", "list", "--mine", "--unsigned"]), [3]);
    let out = env.script(&[], "contract pay 1 '2 500,50'\n");
    assert_ok(&out);
    audit.push(("pay", "contract", 1, BILL));
    assert_eq!(show(&env, "contract", 1)["amount_due"], "10000.00");
    refused(&env, &["contract", "pay", "1", "10000.01"], 7, "amount");
    refused(&env, &["contract", "pay", "1", "-5"], 5, "amount");
    refused(&env, &["contract", "pay", "2", "1"], 4, "permission denied");
    assert_ok(&env.run(&["contract", "pay", "1", "10000"], ""));
    audit.push(("pay", "contract", 1, BILL));
    let c1 = show(&env, "contract", 1);
    assert_eq!(c1["amount_due"], "0.00");
    assert_eq!(c1["total_amount"], "12500.50");
    refused(&env, &["contract", "pay", "1", "0.01"], 7, "amount");
    assert_eq!(env.ids(&["contract", "list", "--unpaid"]), [3]);

    // The audit log: one row per write, in order, with its actor.
    let rows = env.sql_rows("SELECT action, entity, entity_id, actor_id FROM audit_log ORDER BY id");
    let expected: Vec<Vec<String>> = audit
        .iter()
        .map(|(a, e, id, actor)| vec![a.to_string(), e.to_string(), id.to_string(), actor.to_string()])
        .collect();
    assert_eq!(rows, expected);
}
}
