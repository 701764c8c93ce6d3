//! Finding records (issue 15, items 7 and 8) through the binary, on both
//! backends: `--offset` paging, several `--sort` keys, `--search`,
//! `--from`/`--to`, and filters that could only return nothing refused.

mod common;

use common::*;
use serde_json::Value;

fn list(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut full = args.to_vec();
    full.extend(["--format", "json"]);
    env.json(&full).as_array().expect("array").clone()
}

fn refused(env: &Env, args: &[&str], flag: &str) -> String {
    let out = env.run(args, "");
    assert_code(&out, 5);
    let err = stderr(&out);
    assert!(err.contains(flag), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    err
}

/// Four clients of two reps (one with `%` and `_` in the name), seven
/// contracts with repeated totals, events on several days.
fn world(backend: &Backend) -> Env {
    let env = Env::staffed_on(backend);
    let pw = PASSWORD;
    let script = format!(
        "login sales1@epic.test --password-stdin\n{pw}\n\
         client add --name 'Kevin Casey' --email kevin@startup.io\n\
         client add --name 'Jo 50%_Off' --email jo@off.io\n\
         login sales2@epic.test --password-stdin\n{pw}\n\
         client add --name 'Ana Martin' --email ana@martin.io\n\
         client add --name 'KEVIN Other' --email other@kevin.io\n\
         login admin@epic.test --password-stdin\n{pw}\n\
         contract add --client 1 --total 500 --signed\n\
         contract add --client 1 --total 900\n\
         contract add --client 2 --total 500 --signed\n\
         contract add --client 3 --total 700 --signed\n\
         contract add --client 3 --total 500\n\
         contract add --client 4 --total 900 --signed\n\
         contract add --client 4 --total 100 --signed\n\
         login sales1@epic.test --password-stdin\n{pw}\n\
         event add --contract 1 --name 'Casey Wedding' --start '2026-06-29 23:30' --end '2026-06-30 02:00' --location Paris --attendees 75\n\
         event add --contract 1 --name 'Kick-off' --start '2026-06-30 18:00' --end '2026-06-30 20:00' --location 'Salle 50%' --attendees 10\n\
         event add --contract 3 --name 'Gala' --start '2026-07-01 00:00' --end '2026-07-01 04:00' --location Lyon --attendees 20\n\
         login sales2@epic.test --password-stdin\n{pw}\n\
         event add --contract 4 --name 'Ana party' --start '2026-05-01 12:00' --end '2026-05-01 18:00' --location 'Nice' --attendees 5\n\
         event add --contract 6 --name 'Wedding reception' --start '2026-06-30 12:00' --end '2026-06-30 23:00' --location 'Casey Hall' --attendees 40\n\
         login admin@epic.test --password-stdin\n{pw}\n\
         event assign 2 --support support1@epic.test\n\
         event assign 4 --support support2@epic.test\n"
    );
    assert_ok(&env.script(&[], &script));
    env
}

/// Pages of `size` rows of `args` (with `--limit`/`--offset`), joined.
fn paged(env: &Env, args: &[&str], size: usize) -> Vec<i64> {
    let mut all = Vec::new();
    for page in 0.. {
        let offset = (page * size).to_string();
        let limit = size.to_string();
        let mut full = args.to_vec();
        full.extend(["--limit", &limit, "--offset", &offset]);
        let ids = env.ids(&full);
        if ids.is_empty() {
            break;
        }
        assert!(ids.len() <= size);
        all.extend(ids);
    }
    all
}

on_both! {
    fn paging_with_offset_shows_every_row_once(backend) {
        let env = world(backend);
        for args in [
            &["contract", "list", "--sort", "-total_amount"][..],
            &["contract", "list", "--sort", "signed,-total_amount"][..],
            &["event", "list", "--sort", "-start"][..],
            &["event", "list", "--sort", "support_contact_id,attendees"][..],
            &["client", "list", "--sort", "sales_contact_id"][..],
        ] {
            let whole = env.ids(args);
            for size in [1, 2, 3] {
                assert_eq!(paged(&env, args, size), whole, "{args:?} by {size}");
            }
            // An offset alone skips; past the end there is nothing.
            let mut skip = args.to_vec();
            skip.extend(["--offset", "2"]);
            assert_eq!(env.ids(&skip), whole[2..], "{args:?}");
            let mut past = args.to_vec();
            past.extend(["--offset", "1000"]);
            assert!(env.ids(&past).is_empty());
        }
        refused(&env, &["contract", "list", "--offset", "-1"], "--offset");
        refused(&env, &["contract", "list", "--offset", "lots"], "--offset");
    }

    fn several_sort_keys_apply_in_order_with_the_id_last(backend) {
        let env = world(backend);
        let rows = list(&env, &["contract", "list", "--sort", "signed,-total_amount"]);
        let keys: Vec<(bool, String, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r["signed"].as_bool().unwrap(),
                    r["total_amount"].as_str().unwrap().to_string(),
                    r["id"].as_i64().unwrap(),
                )
            })
            .collect();
        // Unsigned first; by total, largest first; equal totals by id.
        let cents = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
        let mut want = keys.clone();
        want.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(cents(&b.1).cmp(&cents(&a.1)))
                .then(a.2.cmp(&b.2))
        });
        assert_eq!(keys, want);
        assert_eq!(
            keys.iter().map(|k| k.2).collect::<Vec<_>>(),
            [2, 5, 6, 4, 1, 3, 7]
        );
        // An explicit id key ends the order, in its direction.
        assert_eq!(
            env.ids(&["contract", "list", "--sort", "-total_amount,-id"]),
            [6, 2, 4, 5, 3, 1, 7]
        );
        let err = refused(&env, &["contract", "list", "--sort", "-signed_at,nope"], "--sort");
        assert!(err.contains("unknown field 'nope'"), "{err}");
    }

    fn search_finds_contracts_by_client_and_events_by_name_location_or_client(backend) {
        let env = world(backend);
        // Any case: Kevin Casey's and KEVIN Other's contracts.
        assert_eq!(env.ids(&["contract", "list", "--search", "kEvIn"]), [1, 2, 6, 7]);
        // Wildcards are literal.
        assert_eq!(env.ids(&["contract", "list", "--search", "50%_"]), [3]);
        assert!(env.ids(&["contract", "list", "--search", "%"]) == [3]);
        assert!(env.ids(&["contract", "list", "--search", "nobody"]).is_empty());
        // Events: name (Wedding), location (Casey Hall) or client (Kevin Casey).
        assert_eq!(env.ids(&["event", "list", "--search", "casey"]), [1, 2, 5]);
        assert_eq!(env.ids(&["event", "list", "--search", "WEDDING"]), [1, 5]);
        // `50%`: the Salle 50% and the events of Jo 50%_Off's contract.
        assert_eq!(env.ids(&["event", "list", "--search", "50%"]), [2, 3]);
        // `_` is literal too: only Jo 50%_Off's event, not every one.
        assert_eq!(env.ids(&["event", "list", "--search", "_"]), [3]);
        // With other filters and sorting.
        assert_eq!(
            env.ids(&["contract", "list", "--search", "kevin", "--unsigned"]),
            [2]
        );
        assert_eq!(
            env.ids(&["event", "list", "--search", "casey", "--sort", "-attendees"]),
            [1, 5, 2]
        );
    }

    fn date_ranges_take_in_whole_days(backend) {
        let env = world(backend);
        // A date alone as --to takes in that day: June 30 until midnight.
        assert_eq!(
            env.ids(&["event", "list", "--from", "2026-06-30", "--to", "2026-06-30"]),
            [2, 5]
        );
        assert_eq!(
            env.ids(&["event", "list", "--from", "2026-06-01", "--to", "2026-06-30"]),
            [1, 2, 5]
        );
        // A time as --to takes in that minute's start; --from is inclusive.
        assert_eq!(
            env.ids(&["event", "list", "--from", "2026-06-30 12:00", "--to", "2026-06-30 18:00"]),
            [2, 5]
        );
        assert_eq!(env.ids(&["event", "list", "--from", "2026-07-01"]), [3]);
        assert_eq!(env.ids(&["event", "list", "--to", "2026-05-31"]), [4]);
        // The same on both sides of a month end in local time, counted by
        // the events report too.
        let report = env.json(&[
            "report", "events", "--from", "2026-06-30", "--to", "2026-06-30", "--format", "json",
        ]);
        assert_eq!(report.as_array().unwrap().last().unwrap()["events"], 2);
        // Contracts by creation: all were created today.
        assert_eq!(env.ids(&["contract", "list", "--from", "2020-01-01"]).len(), 7);
        assert!(env.ids(&["contract", "list", "--to", "2020-01-01"]).is_empty());
        assert_eq!(env.ids(&["contract", "list", "--from", "yesterday", "--to", "tomorrow"]).len(), 7);
        // A range that ends before it starts names --to; bad dates their flag.
        refused(&env, &["event", "list", "--from", "2026-07-01", "--to", "2026-06-30"], "--to");
        refused(&env, &["contract", "list", "--from", "2026-07-01", "--to", "2026-06-30"], "--to");
        refused(&env, &["event", "list", "--from", "30/06/2026"], "--from");
        refused(&env, &["contract", "list", "--to", "2026-02-30"], "--to");
    }

    fn filters_that_can_only_be_empty_are_refused(backend) {
        let env = world(backend);
        // admin is management, support1 support, sales1 sales.
        let err = refused(&env, &["client", "list", "--sales", "admin@epic.test"], "--sales");
        assert!(err.contains("management"), "{err}");
        refused(&env, &["contract", "list", "--sales", "support1@epic.test"], "--sales");
        refused(&env, &["event", "list", "--support", "sales1@epic.test"], "--support");
        // Unknown people are still not found.
        assert_code(&env.run(&["client", "list", "--sales", "who@epic.test"], ""), 6);
        // The right department works.
        assert_eq!(env.ids(&["contract", "list", "--sales", "sales2@epic.test"]), [4, 5, 6, 7]);
        assert_eq!(env.ids(&["event", "list", "--support", "support1@epic.test"]), [2]);
        // --mine where the department owns none.
        let err = refused(&env, &["client", "list", "--mine"], "--mine");
        assert!(err.contains("sales"), "{err}");
        refused(&env, &["contract", "list", "--mine"], "--mine");
        refused(&env, &["event", "list", "--mine"], "--mine");
        env.login("support1@epic.test");
        refused(&env, &["client", "list", "--mine"], "--mine");
        refused(&env, &["contract", "list", "--mine"], "--mine");
        assert_eq!(env.ids(&["event", "list", "--mine"]), [2]);
        // For sales, --mine on events: the events of their clients' contracts.
        env.login("sales1@epic.test");
        let mine: Vec<i64> = list(&env, &["contract", "list"])
            .iter()
            .filter(|c| c["sales_contact_id"].as_i64() == Some(2))
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = list(&env, &["event", "list"])
            .iter()
            .filter(|e| mine.contains(&e["contract_id"].as_i64().unwrap()))
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(want, [1, 2, 3]);
        assert_eq!(env.ids(&["event", "list", "--mine"]), want);
        assert_eq!(env.ids(&["event", "list", "--mine", "--search", "gala"]), [3]);
        assert_eq!(env.ids(&["client", "list", "--mine"]), [1, 2]);
        assert_eq!(env.ids(&["contract", "list", "--mine"]), [1, 2, 3]);
    }
}

#[test]
fn help_says_what_mine_means_and_how_ranges_end() {
    let env = Env::new();
    let out = env.run(&["help", "event", "list"], "");
    assert_ok(&out);
    // Clap wraps the help to the terminal: compare words.
    let text = stdout(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("in sales, those of your clients' contracts"),
        "{text}"
    );
    for flag in ["--search", "--from", "--to", "--offset", "--sort"] {
        assert!(text.contains(flag), "{flag}: {text}");
    }
    assert!(text.contains("end of that day"), "{text}");
    let out = env.run(&["help", "contract", "list"], "");
    assert!(stdout(&out).contains("created"), "{}", stdout(&out));
}
