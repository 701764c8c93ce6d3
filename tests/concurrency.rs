//! Many processes writing one database at once, through the real binary.
//!
//! CI size: 4 writers × 50 operations and 20 payment races. `EPIC_HEAVY=1`
//! (scripts/reliability-full.sh) runs 8 × 300 and 200 races.
mod common;
use common::*;

use std::io::Write;
use std::process::{Output, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

/// What one writer process (or a run of one-shot processes) achieved.
#[derive(Default)]
struct Tally {
    paid: i64,
    clients: i64,
    errors: Vec<String>,
}

fn is_payment_ack(line: &str) -> bool {
    line.starts_with("recorded 1.00 on contract ")
}

fn check_output(out: &Output, tally: &mut Tally) {
    let (o, e) = (stdout(out), stderr(out));
    assert_no_lock_words(&o);
    assert_no_lock_words(&e);
    for line in o.lines() {
        if is_payment_ack(line) {
            tally.paid += 1;
        } else if line.trim().parse::<i64>().is_ok() {
            tally.clients += 1; // `client add` prints the new id
        }
    }
    if !e.trim().is_empty() {
        tally.errors.push(e);
    }
}

/// One writer: a script of `m` lines (`script == true`) or `m` one-shot
/// processes, alternating payments of 1 € and new clients.
fn writer(env: &Env, w: usize, m: usize, contract: i64, script: bool) -> Tally {
    let mut tally = Tally::default();
    let line = |j: usize| -> Vec<String> {
        if j.is_multiple_of(2) {
            vec![
                "contract".into(),
                "pay".into(),
                contract.to_string(),
                "1".into(),
            ]
        } else {
            vec![
                "client".into(),
                "add".into(),
                "--name".into(),
                format!("Writer {w} Client {j}"),
                "--email".into(),
                format!("w{w}.c{j}@conc.test"),
                "--company".into(),
                format!("Co {w}"),
            ]
        }
    };
    if script {
        let mut text = String::new();
        for j in 0..m {
            let words = line(j);
            text.push_str(&shlex::try_join(words.iter().map(String::as_str)).unwrap());
            text.push('\n');
        }
        let mut child = env
            .std_cmd()
            .arg("--keep-going")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn script");
        let mut stdin = child.stdin.take().unwrap();
        let feeder = thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
        let out = child.wait_with_output().expect("script");
        feeder.join().unwrap();
        check_output(&out, &mut tally);
        if code(&out) != 0 {
            tally.errors.push(format!("script exit {}", code(&out)));
        }
    } else {
        for j in 0..m {
            let out = env
                .std_cmd()
                .args(line(j))
                .stdin(Stdio::null())
                .output()
                .expect("one-shot");
            check_output(&out, &mut tally);
            if code(&out) != 0 {
                tally.errors.push(format!("one-shot exit {}", code(&out)));
            }
        }
    }
    tally
}

on_both! {
fn concurrent_writers_lose_nothing_and_never_see_locked(backend) {
    let (n, m) = if heavy() { (8, 300) } else { (4, 50) };
    let env = Arc::new(Env::staffed_on(backend));
    let total: i64 = 1_000_000;
    let contract = env.contract_for_sales1(total as u64);
    let clients_before = env.sql_i64("SELECT count(*) FROM clients");

    let started = Instant::now();
    let gate = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|w| {
            let (env, gate) = (Arc::clone(&env), Arc::clone(&gate));
            thread::spawn(move || {
                gate.wait();
                // Half the writers run one script, half run one-shot commands.
                writer(&env, w, m, contract, w.is_multiple_of(2))
            })
        })
        .collect();
    let tallies: Vec<Tally> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();

    let paid: i64 = tallies.iter().map(|t| t.paid).sum();
    let added: i64 = tallies.iter().map(|t| t.clients).sum();
    let errors: Vec<&String> = tallies.iter().flat_map(|t| &t.errors).collect();
    eprintln!(
        "{n} writers x {m} ops in {elapsed:?}: {paid} payments, {added} clients acknowledged, {} errors",
        errors.len()
    );
    assert!(errors.is_empty(), "writers failed: {errors:#?}");
    // Every operation was acknowledged (none refused, none lost).
    assert_eq!(paid + added, (n * m) as i64);

    let due = env.sql_i64(&format!(
        "SELECT due_cents FROM contracts WHERE id = {contract}"
    ));
    assert_eq!(due, (total - paid) * 100, "due = total - acknowledged");
    assert_eq!(
        env.sql_i64(&format!(
            "SELECT count(*) FROM payments WHERE contract_id = {contract}"
        )),
        paid
    );
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM clients") - clients_before,
        added
    );
    assert_eq!(env.integrity(), "ok");
}

fn two_payments_exceeding_the_due_exactly_one_succeeds(backend) {
    let rounds = if heavy() { 200 } else { 20 };
    let env = Env::staffed_on(backend);
    let first = env.contract_for_sales1(100);
    // The other contracts, on the same client, as management.
    env.login("admin@epic.test");
    let client = env.sql_i64(&format!(
        "SELECT client_id FROM contracts WHERE id = {first}"
    ));
    let script: String = (1..rounds)
        .map(|_| format!("contract add --client {client} --total 100 --signed\n"))
        .collect();
    let out = env.script(&[], &script);
    assert_ok(&out);
    let mut ids = vec![first];
    ids.extend(
        stdout(&out)
            .lines()
            .map(|l| l.trim().parse::<i64>().unwrap()),
    );
    assert_eq!(ids.len(), rounds);
    env.login("sales1@epic.test");

    let started = Instant::now();
    for &id in &ids {
        let gate = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let gate = Arc::clone(&gate);
                let mut cmd = env.std_cmd();
                cmd.args(["contract", "pay", &id.to_string(), "60"])
                    .stdin(Stdio::null());
                thread::spawn(move || {
                    gate.wait();
                    cmd.output().expect("pay")
                })
            })
            .collect();
        let outs: Vec<Output> = racers.into_iter().map(|h| h.join().unwrap()).collect();
        let codes: Vec<i32> = outs.iter().map(code).collect();
        for out in &outs {
            assert_no_lock_words(&stdout(out));
            assert_no_lock_words(&stderr(out));
        }
        let ok: Vec<&Output> = outs.iter().filter(|o| code(o) == 0).collect();
        assert_eq!(ok.len(), 1, "contract {id}: exit codes {codes:?}");
        let refused = outs.iter().find(|o| code(o) != 0).unwrap();
        assert_eq!(code(refused), 7, "{}", stderr(refused));
        assert!(stderr(refused).contains("more than"), "{}", stderr(refused));
        assert!(
            stdout(ok[0]).contains("40.00 still due"),
            "{}",
            stdout(ok[0])
        );
        assert_eq!(
            env.sql_i64(&format!("SELECT due_cents FROM contracts WHERE id = {id}")),
            4000
        );
    }
    eprintln!(
        "{rounds} payment races in {:?}: exactly one winner each",
        started.elapsed()
    );
    assert_eq!(env.integrity(), "ok");
}
}

/// `backup` and `doctor` run while four scripts keep adding clients: the
/// copy is sound and holds a count between the before and after counts.
#[test]
fn backup_and_doctor_while_others_write() {
    let env = Arc::new(Env::staffed());
    let admin = env.token_for("admin@epic.test");
    let sales = env.token_for("sales1@epic.test");
    let per_writer = 60;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let script: String = (0..per_writer)
                .map(|j| format!("client add --name 'Bk {w} {j}' --email bk{w}.{j}@backup.test\n"))
                .collect();
            let mut child = env
                .std_cmd()
                .env("EPIC_TOKEN", &sales)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("writer");
            let mut stdin = child.stdin.take().unwrap();
            thread::spawn(move || {
                let _ = stdin.write_all(script.as_bytes());
            });
            child
        })
        .collect();

    // Let the writers get going.
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    while env.sql_i64("SELECT count(*) FROM clients") < 20 && Instant::now() < deadline {
        thread::sleep(std::time::Duration::from_millis(10));
    }
    let copy = env.root().join("copy.db");
    let before = env.sql_i64("SELECT count(*) FROM clients");
    let out = env
        .std_cmd()
        .env("EPIC_TOKEN", &admin)
        .args(["backup", copy.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let after = env.sql_i64("SELECT count(*) FROM clients");
    assert_ok(&out);
    assert_no_lock_words(&stderr(&out));

    let doctor = env
        .std_cmd()
        .env("EPIC_TOKEN", &admin)
        .args(["doctor"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_ok(&doctor);
    assert!(stdout(&doctor).contains("integrity"), "{}", stdout(&doctor));
    assert!(!stdout(&doctor).contains("damaged"), "{}", stdout(&doctor));

    let mut finished_during = 0;
    for child in writers {
        let out = child.wait_with_output().unwrap();
        assert_ok(&out);
        assert_no_lock_words(&stderr(&out));
        finished_during += stdout(&out).lines().count();
    }
    assert_eq!(finished_during, 4 * per_writer);

    assert_eq!(integrity(&copy), "ok");
    let c = rusqlite::Connection::open(&copy).unwrap();
    let in_copy: i64 = c
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    eprintln!("backup under 4 writers: before {before}, copy {in_copy}, after {after}");
    assert!(
        before <= in_copy && in_copy <= after,
        "copy has {in_copy} clients, outside {before}..={after}"
    );
    assert!(
        after < (4 * per_writer) as i64,
        "the writers had finished before the backup: the test proved nothing"
    );
    assert_eq!(integrity(&env.db), "ok");
}

on_both! {
/// Two writers updating different fields of one event, at the same time
/// and again and again: neither change is ever lost (SQLite serializes the
/// writers; PostgreSQL retries the one that loses the serialization race).
fn two_writers_updating_one_event_lose_nothing(backend) {
    let rounds = if heavy() { 100 } else { 15 };
    let env = Env::staffed_on(backend);
    let contract = env.contract_for_sales1(1000);
    let out = env.run(
        &[
            "event", "add", "--contract", &contract.to_string(), "--name", "Gala", "--start",
            "2030-01-01 18:00", "--end", "2030-01-02 01:00", "--location", "Paris",
            "--attendees", "1",
        ],
        "",
    );
    assert_ok(&out);
    let event = stdout(&out).trim().to_string();
    env.login("admin@epic.test");
    let gate = Arc::new(Barrier::new(2));
    let racers: Vec<_> = [("--notes", "note"), ("--attendees", "")]
        .into_iter()
        .map(|(flag, prefix)| {
            let gate = Arc::clone(&gate);
            let cmds: Vec<std::process::Command> = (0..rounds)
                .map(|i| {
                    let mut cmd = env.std_cmd();
                    cmd.args(["event", "update", &event, flag, &format!("{prefix}{i}")])
                        .stdin(Stdio::null());
                    cmd
                })
                .collect();
            thread::spawn(move || {
                gate.wait();
                cmds.into_iter()
                    .map(|mut c| c.output().expect("update"))
                    .collect::<Vec<Output>>()
            })
        })
        .collect();
    for racer in racers {
        for out in racer.join().unwrap() {
            assert_no_lock_words(&stderr(&out));
            assert_ok(&out);
        }
    }
    let v = env.json(&["event", "show", &event, "--format", "json"]);
    assert_eq!(v["notes"], format!("note{}", rounds - 1));
    assert_eq!(v["attendees"], rounds - 1);
}

/// A sales rep keeps adding clients while management deletes them (handing
/// their clients to another rep): every acknowledged client exists, owned by
/// someone who still exists; the rep's later commands are refused as logged
/// out, never half-applied.
fn a_collaborator_deleted_while_they_work(backend) {
    let adds = if heavy() { 200 } else { 40 };
    let env = Env::staffed_on(backend);
    let rep = env.token_for("sales2@epic.test");
    env.login("admin@epic.test");
    let mut script = String::new();
    for i in 0..adds {
        script.push_str(&format!(
            "client add --name 'Late Client {i}' --email late{i}@conc.test\n"
        ));
    }
    let mut child = env
        .std_cmd()
        .env("EPIC_TOKEN", &rep)
        .arg("--keep-going")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (deleted_tx, deleted_rx) = std::sync::mpsc::channel::<()>();
    let feeder = thread::spawn(move || {
        for (i, line) in script.lines().enumerate() {
            if i == adds / 4 {
                // The deletion lands here, in the middle of the script.
                deleted_rx.recv().unwrap();
            }
            if writeln!(stdin, "{line}").is_err() {
                break;
            }
            thread::sleep(std::time::Duration::from_millis(2));
        }
    });
    // Wait until the first quarter has been acknowledged, then delete.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while env.sql_i64("SELECT count(*) FROM clients WHERE email LIKE 'late%@conc.test'")
        < (adds / 4) as i64
    {
        assert!(Instant::now() < deadline, "the script made no progress");
        thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = env.run(
        &["collaborator", "delete", "sales2@epic.test", "--reassign-to", "sales1@epic.test", "--yes"],
        "",
    );
    assert_ok(&out);
    deleted_tx.send(()).unwrap();
    feeder.join().unwrap();
    let out = child.wait_with_output().unwrap();
    let acked: Vec<i64> = stdout(&out)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let err = stderr(&out);
    assert_no_lock_words(&err);
    for line in err.lines() {
        assert!(
            line.contains("not logged in") || line.contains("no longer exists")
                || line.contains("session"),
            "{line}"
        );
    }
    eprintln!("{} clients acknowledged before the deletion, {} refused after", acked.len(), err.lines().count());
    assert!(!acked.is_empty() && acked.len() < adds, "the deletion did not fall mid-script");
    assert_eq!(acked.len() + err.lines().count(), adds, "{err}");
    for id in &acked {
        let owner = env.sql_i64(&format!("SELECT sales_contact_id FROM clients WHERE id = {id}"));
        assert_eq!(owner, 2, "client {id} belongs to sales1 now");
    }
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM clients WHERE email LIKE 'late%@conc.test'"),
        acked.len() as i64
    );
    assert_eq!(env.integrity(), "ok");
}
}
