//! `report pipeline | events | due` through the binary, on both backends:
//! every figure equals a sum computed here, independently, from the lists
//! (`client list`, `contract list`, `event list` in JSON).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// Cents of a money string (`"1000.50"`).
fn cents(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("money string: {v}"));
    let (euros, frac) = s.split_once('.').expect("two decimals");
    assert_eq!(frac.len(), 2, "{s}");
    euros.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a JSON array")
}

/// Three clients of two reps, contracts signed and not, paid and not, some
/// signed long ago, and events around month ends (local time: Paris).
fn world(backend: &Backend) -> Env {
    let env = Env::staffed_on(backend);
    let pw = PASSWORD;
    let script = format!(
        "login sales1@epic.test --password-stdin\n{pw}\n\
         client add --name 'Kevin Casey' --email kevin@startup.io\n\
         client add --name 'Jo Bloggs' --email jo@bloggs.io\n\
         login sales2@epic.test --password-stdin\n{pw}\n\
         client add --name 'Ana Martin' --email ana@martin.io\n\
         login admin@epic.test --password-stdin\n{pw}\n\
         contract add --client 1 --total 1000.50 --signed\n\
         contract add --client 1 --total 200\n\
         contract add --client 2 --total 3333.33 --due 1000.01 --signed\n\
         contract add --client 3 --total 50 --signed\n\
         contract add --client 3 --total 75.25 --due 0 --signed\n\
         contract pay 1 0.49\n"
    );
    assert_ok(&env.script(&[], &script));
    // Contracts signed 45, 75 and 100 days ago (no command back-dates a
    // signature): straight into the table, owing their total.
    for (client, cents, days) in [(2, 40_010, 45), (3, 9_999, 75), (3, 123_456, 100)] {
        let sql = if env.is_pg() {
            format!(
                "INSERT INTO epic.contracts (client_id, total_cents, due_cents, signed_at, \
                 created_at, updated_at) VALUES ({client}, {cents}, {cents}, \
                 now() - interval '{days} days', now() - interval '{days} days', \
                 now() - interval '{days} days')"
            )
        } else {
            format!(
                "INSERT INTO contracts (client_id, total_cents, due_cents, signed_at, \
                 created_at, updated_at) VALUES ({client}, {cents}, {cents}, \
                 unixepoch() - {days} * 86400, unixepoch() - {days} * 86400, \
                 unixepoch() - {days} * 86400)"
            )
        };
        env.sql_exec(&sql).expect("aged contract");
    }
    let script = format!(
        "login sales1@epic.test --password-stdin\n{pw}\n\
         event add --contract 1 --name Kick-off --start '2026-03-01 00:30' --end '2026-03-01 02:00' --location Paris --attendees 10\n\
         event add --contract 1 --name Wedding --start '2026-02-28 20:00' --end '2026-03-01 01:00' --location Candé --attendees 75\n\
         event add --contract 3 --name Gala --start '2026-06-30 21:00' --end '2026-06-30 23:00' --location Lyon --attendees 120\n\
         event add --contract 3 --name Off-site --start 2026-07-01 --end 2026-07-02 --location Fontainebleau --attendees 0\n\
         login sales2@epic.test --password-stdin\n{pw}\n\
         event add --contract 4 --name 'New Year' --start '2025-12-31 23:59' --end '2026-01-01 03:00' --location Nice --attendees 33\n\
         login admin@epic.test --password-stdin\n{pw}\n\
         event assign 1 --support support1@epic.test\n\
         event assign 3 --support support1@epic.test\n\
         event assign 4 --support support2@epic.test\n"
    );
    assert_ok(&env.script(&[], &script));
    env
}

on_both! {
    fn the_pipeline_adds_up(backend) {
        let env = world(backend);
        let report = env.json(&["report", "pipeline", "--format", "json"]);
        let clients = env.json(&["client", "list", "--format", "json"]);
        let contracts = env.json(&["contract", "list", "--format", "json"]);
        // Computed here: per sales contact, [clients, unsigned, signed, value, due].
        let mut want: BTreeMap<i64, [i64; 5]> = BTreeMap::new();
        for c in rows(&clients) {
            want.entry(c["sales_contact_id"].as_i64().unwrap()).or_default()[0] += 1;
        }
        for c in rows(&contracts) {
            let w = want.entry(c["sales_contact_id"].as_i64().unwrap()).or_default();
            if c["signed"].as_bool().unwrap() {
                w[2] += 1;
                w[3] += cents(&c["total_amount"]);
                w[4] += cents(&c["amount_due"]);
            } else {
                w[1] += 1;
            }
        }
        let lines = rows(&report);
        // Both sales reps (by name: Bill Boquet, Sam Sales), then the total.
        assert_eq!(lines.len(), 3, "{report}");
        let mut total = [0_i64; 5];
        for line in &lines[..2] {
            let id = line["sales_contact_id"].as_i64().expect("rep id");
            let got = [
                line["clients"].as_i64().unwrap(),
                line["unsigned_contracts"].as_i64().unwrap(),
                line["signed_contracts"].as_i64().unwrap(),
                cents(&line["signed_value"]),
                cents(&line["amount_due"]),
            ];
            assert_eq!(got, want[&id], "rep {id}: {line}");
            for (t, g) in total.iter_mut().zip(got) {
                *t += g;
            }
        }
        assert_eq!(lines[0]["sales_contact"], "Bill Boquet");
        assert_eq!(lines[1]["sales_contact"], "Sam Sales");
        let t = &lines[2];
        assert!(t["sales_contact_id"].is_null(), "{t}");
        assert_eq!(t["sales_contact"], "total");
        assert_eq!(
            [
                t["clients"].as_i64().unwrap(),
                t["unsigned_contracts"].as_i64().unwrap(),
                t["signed_contracts"].as_i64().unwrap(),
                cents(&t["signed_value"]),
                cents(&t["amount_due"]),
            ],
            total
        );
        // The figures themselves, to the cent: 1000.50 + 3333.33 + 400.10
        // signed for Bill, of which 1000.01 + 1000.01 + 400.10 still due.
        assert_eq!(cents(&lines[0]["signed_value"]), 100_050 + 333_333 + 40_010);
        assert_eq!(cents(&lines[0]["amount_due"]), 100_001 + 100_001 + 40_010);
        assert_eq!(t["amount_due"], "3784.67");
        // The same sums straight from the tables.
        assert_eq!(
            cents(&t["signed_value"]),
            env.sql_i64("SELECT sum(total_cents) FROM contracts WHERE signed_at IS NOT NULL")
        );
        // CSV has the documented header; the table holds the total line.
        let out = env.run(&["report", "pipeline", "--format", "csv"], "");
        assert_ok(&out);
        assert_eq!(
            stdout(&out).lines().next().unwrap(),
            "sales_contact_id,sales_contact,clients,unsigned_contracts,signed_contracts,signed_value,amount_due"
        );
        assert_eq!(stdout(&out).lines().count(), 4);
        let out = env.run(&["report", "pipeline"], "");
        assert_ok(&out);
        assert!(stdout(&out).contains("total") && stdout(&out).contains("3784.67"), "{}", stdout(&out));
    }

    fn events_per_local_month_and_per_support(backend) {
        let env = world(backend);
        let events = env.json(&["event", "list", "--format", "json"]);
        let report = env.json(&["report", "events", "--format", "json"]);
        let lines = rows(&report);
        // Computed here from the list: the month of the local start.
        let mut months: BTreeMap<String, [i64; 3]> = BTreeMap::new();
        let mut support: BTreeMap<i64, [i64; 2]> = BTreeMap::new();
        for e in rows(&events) {
            let start = e["start"].as_str().unwrap();
            let m = months.entry(start[..7].to_string()).or_default();
            let attendees = e["attendees"].as_i64().unwrap();
            m[0] += 1;
            m[1] += attendees;
            match e["support_contact_id"].as_i64() {
                Some(id) => {
                    let s = support.entry(id).or_default();
                    s[0] += 1;
                    s[1] += attendees;
                }
                None => m[2] += 1,
            }
        }
        // 2026-03-01 00:30 in Paris is still February in UTC: local months.
        assert_eq!(
            months.keys().collect::<Vec<_>>(),
            ["2025-12", "2026-02", "2026-03", "2026-06", "2026-07"]
        );
        // Every month from the first event's to the last's has its line,
        // the empty ones with zeros.
        for empty in ["2026-01", "2026-04", "2026-05"] {
            months.insert(empty.to_string(), [0, 0, 0]);
        }
        let month_lines: Vec<&Value> = lines.iter().filter(|l| l["section"] == "month").collect();
        assert_eq!(month_lines.len(), months.len(), "{report}");
        for (line, (month, want)) in month_lines.iter().zip(&months) {
            assert_eq!(line["month"].as_str().unwrap(), month);
            assert_eq!(
                [
                    line["events"].as_i64().unwrap(),
                    line["attendees"].as_i64().unwrap(),
                    line["without_support"].as_i64().unwrap(),
                ],
                *want,
                "{line}"
            );
        }
        let support_lines: Vec<&Value> =
            lines.iter().filter(|l| l["section"] == "support").collect();
        assert_eq!(support_lines.len(), 2, "{report}");
        for line in &support_lines {
            let id = line["support_contact_id"].as_i64().unwrap();
            assert_eq!(
                [line["events"].as_i64().unwrap(), line["attendees"].as_i64().unwrap()],
                support[&id]
            );
        }
        let total = lines.last().unwrap();
        assert_eq!(total["section"], "total");
        assert_eq!(total["events"].as_i64().unwrap(), rows(&events).len() as i64);
        assert_eq!(total["attendees"].as_i64().unwrap(), 10 + 75 + 120 + 33);
        assert_eq!(total["without_support"].as_i64().unwrap(), 2);
        // A range: June 30 whole (a date alone takes in the day) to July.
        let june = env.json(&[
            "report", "events", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "json",
        ]);
        let total = rows(&june).last().unwrap();
        assert_eq!(total["events"].as_i64().unwrap(), 1, "{june}");
        assert_eq!(total["attendees"].as_i64().unwrap(), 120);
        let listed = env.ids(&["event", "list", "--from", "2026-06-01", "--to", "2026-06-30"]);
        assert_eq!(listed, [3]);
        // Support staff with nothing in the range still get their line.
        let empty = env.json(&[
            "report", "events", "--from", "2030-01-01", "--format", "json",
        ]);
        let lines = rows(&empty);
        assert_eq!(lines.len(), 3, "{empty}");
        assert!(lines[..2].iter().all(|l| l["section"] == "support" && l["events"] == 0));
        assert_eq!(lines[2]["events"], 0);
        // A backwards range names --to.
        let out = env.run(&["report", "events", "--from", "2026-07-01", "--to", "2026-06-01"], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--to"), "{}", stderr(&out));
        let out = env.run(&["report", "events", "--from", "someday"], "");
        assert_code(&out, 5);
        assert!(stderr(&out).contains("--from"), "{}", stderr(&out));
    }

    fn due_by_age_of_signature(backend) {
        let env = world(backend);
        let report = env.json(&["report", "due", "--format", "json"]);
        let contracts = env.json(&["contract", "list", "--format", "json"]);
        let now = chrono::Utc::now().timestamp();
        let mut want: BTreeMap<&str, [i64; 2]> = BTreeMap::new();
        for c in rows(&contracts) {
            let due = cents(&c["amount_due"]);
            let Some(signed) = c["signed_at"].as_str() else { continue };
            if due == 0 {
                continue;
            }
            let at = chrono::DateTime::parse_from_rfc3339(signed).unwrap().timestamp();
            let days = (now - at) / 86400;
            let bucket = match days {
                ..=30 => "0-30",
                31..=60 => "31-60",
                61..=90 => "61-90",
                _ => "over 90",
            };
            let w = want.entry(bucket).or_default();
            w[0] += 1;
            w[1] += due;
        }
        let lines = rows(&report);
        let ages: Vec<&str> = lines.iter().map(|l| l["age"].as_str().unwrap()).collect();
        assert_eq!(ages, ["0-30", "31-60", "61-90", "over 90", "total"]);
        let mut total = [0, 0];
        for line in &lines[..4] {
            let got = [line["contracts"].as_i64().unwrap(), cents(&line["amount_due"])];
            let age = line["age"].as_str().unwrap();
            assert_eq!(got, want.get(age).copied().unwrap_or_default(), "{line}");
            total[0] += got[0];
            total[1] += got[1];
        }
        // 3 recent (the fully paid one is not due), one in each older bucket.
        assert_eq!(lines[0]["contracts"], 3);
        assert_eq!(lines[1]["amount_due"], "400.10");
        assert_eq!(lines[2]["amount_due"], "99.99");
        assert_eq!(lines[3]["amount_due"], "1234.56");
        let t = &lines[4];
        assert_eq!([t["contracts"].as_i64().unwrap(), cents(&t["amount_due"])], total);
        assert_eq!(
            cents(&t["amount_due"]),
            env.sql_i64("SELECT sum(due_cents) FROM contracts WHERE signed_at IS NOT NULL AND due_cents > 0")
        );
        // The oldest signature of the total is the one 100 days ago.
        let oldest = chrono::DateTime::parse_from_rfc3339(t["oldest_signed_at"].as_str().unwrap())
            .unwrap()
            .timestamp();
        assert!((now - oldest - 100 * 86400).abs() < 120, "{t}");
        // It agrees with the pipeline's amount due.
        let pipeline = env.json(&["report", "pipeline", "--format", "json"]);
        assert_eq!(rows(&pipeline).last().unwrap()["amount_due"], t["amount_due"]);
        let out = env.run(&["report", "due", "--format", "csv"], "");
        assert_ok(&out);
        assert_eq!(
            stdout(&out).lines().next().unwrap(),
            "age,contracts,amount_due,oldest_signed_at"
        );
    }

    fn everyone_logged_in_runs_the_reports(backend) {
        let env = world(backend);
        for who in ["support2@epic.test", "sales2@epic.test", "admin@epic.test"] {
            env.login(who);
            for report in ["pipeline", "events", "due"] {
                assert_ok(&env.run(&["report", report, "--format", "json"], ""));
            }
        }
        assert_ok(&env.run(&["logout"], ""));
        let out = env.run(&["report", "due"], "");
        assert_code(&out, 3);
    }
}

#[test]
fn reports_are_in_help() {
    let env = Env::new();
    let out = env.run(&["help", "report"], "");
    assert_ok(&out);
    for verb in ["pipeline", "events", "due"] {
        assert!(stdout(&out).contains(verb), "{}", stdout(&out));
    }
    let out = env.run(&["help", "report", "due"], "");
    assert!(
        stdout(&out).contains("amount still due above zero"),
        "{}",
        stdout(&out)
    );
}
