//! Friendly where a person reads, exact where a script reads: on a terminal
//! a creation says what it created and `init` what to do next; piped, the
//! bare id of the output contract stays. `demo` tells how to reach its
//! database from another terminal, and every table shows times alike.

mod common;

use common::*;
use rexpect::reader::Options;
use rexpect::session::spawn_with_options;

/// Runs `epic args` one-shot in a pseudo-terminal (80×24), typing `input`
/// lines; returns everything it printed, escape sequences removed.
fn on_terminal(env: &Env, args: &[&str], input: &[&str]) -> String {
    let mut cmd = env.std_cmd();
    cmd.args(args).env("TERM", "xterm").env("COLUMNS", "80");
    let options = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, options).expect("spawn epic in a pty");
    for line in input {
        p.send_line(line).unwrap();
    }
    let text = p.exp_eof().unwrap();
    text.replace('\r', "")
}

/// The bare id a script reads.
fn bare_id(out: &std::process::Output) -> i64 {
    assert_ok(out);
    let text = stdout(out);
    assert!(
        text.ends_with('\n') && text.trim().chars().all(|c| c.is_ascii_digit()),
        "not a bare id: {text:?}"
    );
    text.trim().parse().unwrap()
}

fn id_in(text: &str, prefix: &str) -> i64 {
    let rest = text
        .split(prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("{prefix:?} not in {text:?}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

on_both! {
    fn creations_say_what_they_created_on_a_terminal_and_stay_bare_ids_in_pipes(backend) {
        let env = Env::staffed_on(backend);
        let pw = PASSWORD;

        // collaborator (management)
        let text = on_terminal(
            &env,
            &["collaborator", "add", "--name", "Zoe Zed", "--email", "zoe@epic.test",
              "--department", "support", "--password-stdin"],
            &[pw],
        );
        let zoe = id_in(&text, "created collaborator ");
        assert!(text.contains(&format!("created collaborator {zoe} (Zoe Zed)")), "{text}");
        let piped = env.run(
            &["collaborator", "add", "--name", "Yan Yu", "--email", "yan@epic.test",
              "--department", "support", "--password-stdin"],
            &format!("{pw}\n"),
        );
        assert_eq!(bare_id(&piped), zoe + 1);

        // client (sales)
        env.login("sales1@epic.test");
        let text = on_terminal(
            &env,
            &["client", "add", "--name", "Kevin Casey", "--email", "kevin@startup.io"],
            &[],
        );
        let kevin = id_in(&text, "created client ");
        assert!(text.contains(&format!("created client {kevin} (Kevin Casey)")), "{text}");
        let piped = env.run(&["client", "add", "--name", "Ann Lee", "--email", "ann@lee.io"], "");
        assert_eq!(bare_id(&piped), kevin + 1);
        // JSON is the record, on a terminal too.
        let text = on_terminal(
            &env,
            &["client", "add", "--name", "Bo Bo", "--email", "bo@bo.io", "--format", "json"],
            &[],
        );
        assert!(text.trim_start().starts_with('{') && text.contains("\"full_name\": \"Bo Bo\""), "{text}");
        assert!(!text.contains("created client"), "{text}");

        // contract (management)
        env.login("admin@epic.test");
        let kevin_s = kevin.to_string();
        let text = on_terminal(
            &env,
            &["contract", "add", "--client", &kevin_s, "--total", "12500", "--signed"],
            &[],
        );
        let contract = id_in(&text, "created contract ");
        assert!(
            text.contains(&format!("created contract {contract} (for Kevin Casey)")),
            "{text}"
        );
        let piped = env.run(&["contract", "add", "--client", &kevin_s, "--total", "10"], "");
        assert_eq!(bare_id(&piped), contract + 1);

        // event (the client's sales contact)
        env.login("sales1@epic.test");
        let contract_s = contract.to_string();
        let event = |name: &str| {
            vec![
                "event".to_string(), "add".into(), "--contract".into(), contract_s.clone(),
                "--name".into(), name.into(), "--start".into(), "2030-06-04 13:00".into(),
                "--end".into(), "2030-06-05 02:00".into(), "--location".into(), "Candé".into(),
                "--attendees".into(), "75".into(),
            ]
        };
        let args = event("John Ouick Wedding");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = on_terminal(&env, &args, &[]);
        let wedding = id_in(&text, "created event ");
        assert!(
            text.contains(&format!("created event {wedding} (John Ouick Wedding)")),
            "{text}"
        );
        let args = event("After party");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(bare_id(&env.run(&args, "")), wedding + 1);
    }

    fn init_on_a_terminal_says_what_to_do_next_and_piped_prints_the_id(backend) {
        let env = Env::on(backend);
        let text = on_terminal(
            &env,
            &["init", "--name", "Ada Admin", "--email", "admin@epic.test", "--password-stdin"],
            &[PASSWORD],
        );
        assert!(text.contains("created collaborator 1 (Ada Admin)"), "{text}");
        assert!(text.contains("next: log in with `epic login admin@epic.test`"), "{text}");
        assert!(text.contains("epic collaborator add"), "{text}");

        let piped = Env::on(backend);
        let out = piped.run(
            &["init", "--name", "Ada Admin", "--email", "admin@epic.test", "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert_eq!(bare_id(&out), 1);
    }

    fn whoami_shows_its_time_as_every_table_does_and_json_keeps_rfc3339(backend) {
        let env = Env::staffed_on(backend);
        let table = stdout(&env.run(&["whoami"], ""));
        let line = table
            .lines()
            .find(|l| l.contains("session_expires"))
            .unwrap_or_else(|| panic!("{table}"));
        let short = regex::Regex::new(r"│ \d{4}-\d{2}-\d{2} \d{2}:\d{2} +│$").unwrap();
        assert!(short.is_match(line), "{line}");
        // The same form as created_at in `collaborator show`.
        let show = stdout(&env.run(&["collaborator", "show", "1"], ""));
        let created = show.lines().find(|l| l.contains("created_at")).unwrap();
        assert!(short.is_match(created), "{created}");

        let json = env.json(&["whoami", "--format", "json"]);
        let expires = json["session_expires"].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(expires)
            .unwrap_or_else(|e| panic!("{expires}: {e}"));
        assert!(parsed > chrono::Utc::now(), "{expires}");
    }
}

const DEMO_PASSWORD: &str = "lagoon-tango-saffron";

#[test]
fn demo_says_how_to_reach_it_from_another_terminal_and_no_login_once_logged_in() {
    let env = Env::new();
    let out = env.bare().arg("demo").write_stdin("").output().unwrap();
    assert_ok(&out);
    let banner = stdout(&out);
    let demo_db = env.data_dir().join("demo.db");
    let export = format!("export EPIC_DB={}", demo_db.display());
    assert!(banner.contains(&export), "{export} missing from:\n{banner}");
    assert!(
        banner.contains("Log in with: login bill.boquet@epicevents.demo"),
        "{banner}"
    );

    // Log in inside the demo; then the banner no longer asks to.
    let script = format!("login bill.boquet@epicevents.demo --password-stdin\n{DEMO_PASSWORD}\n");
    assert_ok(&env.bare().arg("demo").write_stdin(script).output().unwrap());
    let out = env.bare().arg("demo").write_stdin("").output().unwrap();
    assert_ok(&out);
    let banner = stdout(&out);
    assert!(!banner.to_lowercase().contains("log in"), "{banner}");
    assert!(
        banner.contains("Logged in as bill.boquet@epicevents.demo"),
        "{banner}"
    );

    // What the banner says works from another terminal: a one-shot command
    // with that EPIC_DB reads the demo, logged in.
    let out = env
        .bare()
        .env("EPIC_DB", &demo_db)
        .args(["client", "list"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(stdout(&out).contains("Kevin Casey"), "{}", stdout(&out));
}
