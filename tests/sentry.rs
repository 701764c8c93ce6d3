//! Sentry end to end (issue 6, "Show"): the real binary reports to a fake
//! Sentry server on 127.0.0.1, which must receive exactly the business events
//! and the internal error of the story, with the right tags, and none of the
//! secrets or personal data; a silent or absent server never slows a command
//! past 3 s nor shows on stdout; without a DSN nothing at all is sent.
mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const CANARY_PASSWORD: &str = "Canary-Pw-7f3a9c41d2";
const WRONG_PASSWORD: &str = "Wrong-Canary-Pw-0b9e2a6c55";

/// Personal data of the story: none of it may reach Sentry.
const PERSONAL: &[&str] = &[
    "Ada Canaryadmin",
    "ada.canary@epic.test",
    "Salma Canarysales",
    "salma.canary@epic.test",
    "Salma Renamed",
    "Bill Canaryseller",
    "bill.canary@epic.test",
    "Kevin Canaryclient",
    "kevin.canary@startup.test",
    "+678 123 456 78",
];

/// Runs `epic` in `env` with `SENTRY_DSN` set to `dsn`.
fn run(env: &Env, dsn: &str, args: &[&str], stdin: &str) -> Output {
    env.run_with(&[("SENTRY_DSN", dsn)], args, stdin)
}

fn ok(env: &Env, dsn: &str, args: &[&str], stdin: &str) -> Output {
    let out = run(env, dsn, args, stdin);
    assert_ok(&out);
    out
}

fn pw() -> String {
    format!("{CANARY_PASSWORD}\n")
}

/// The tags of an event as `key=value` strings, sorted, for readable asserts.
fn tags(event: &Value) -> Vec<String> {
    let mut tags: Vec<String> = event["tags"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().expect("tag values are strings")))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

fn tag<'a>(event: &'a Value, key: &str) -> &'a str {
    event["tags"][key].as_str().unwrap_or_default()
}

/// `init` as Ada with the canary password, then log in; returns the token.
fn init_and_login(env: &Env, dsn: &str) -> String {
    ok(
        env,
        dsn,
        &[
            "init",
            "--name",
            "Ada Canaryadmin",
            "--email",
            "ada.canary@epic.test",
            "--password-stdin",
        ],
        &pw(),
    );
    login(env, dsn, "ada.canary@epic.test")
}

fn login(env: &Env, dsn: &str, email: &str) -> String {
    ok(env, dsn, &["login", email, "--password-stdin"], &pw());
    env.token()
}

#[test]
fn the_receiver_gets_exactly_the_story_events_with_tags_and_no_secret() {
    let rx = Receiver::start();
    let dsn = rx.dsn();
    let env = Env::new();
    let mut tokens = vec![init_and_login(&env, &dsn)];

    // A collaborator created, updated (name and department), deleted.
    ok(
        &env,
        &dsn,
        &[
            "collaborator",
            "add",
            "--name",
            "Salma Canarysales",
            "--email",
            "salma.canary@epic.test",
            "--department",
            "sales",
            "--password-stdin",
        ],
        &pw(),
    );
    ok(
        &env,
        &dsn,
        &[
            "collaborator",
            "update",
            "salma.canary@epic.test",
            "--name",
            "Salma Renamed",
            "--department",
            "support",
        ],
        "",
    );
    ok(&env, &dsn, &["collaborator", "delete", "2", "--yes"], "");

    // A sales collaborator with a client, and two contracts signed.
    let bill = ok(
        &env,
        &dsn,
        &[
            "collaborator",
            "add",
            "--name",
            "Bill Canaryseller",
            "--email",
            "bill.canary@epic.test",
            "--department",
            "sales",
            "--password-stdin",
        ],
        &pw(),
    );
    // `add` prints the new id (ids of deleted rows may be reused).
    let bill: i64 = stdout(&bill).trim().parse().expect("the new id");
    tokens.push(login(&env, &dsn, "bill.canary@epic.test"));
    ok(
        &env,
        &dsn,
        &[
            "client",
            "add",
            "--name",
            "Kevin Canaryclient",
            "--email",
            "kevin.canary@startup.test",
            "--phone",
            "+678 123 456 78",
        ],
        "",
    );
    tokens.push(login(&env, &dsn, "ada.canary@epic.test"));
    ok(
        &env,
        &dsn,
        &[
            "contract", "add", "--client", "1", "--total", "12500", "--due", "5000",
        ],
        "",
    );
    ok(&env, &dsn, &["contract", "sign", "1"], "");
    ok(
        &env,
        &dsn,
        &[
            "contract", "add", "--client", "1", "--total", "300,50", "--signed",
        ],
        "",
    );

    // An internal error: a backup into /proc cannot be created (exit 1).
    let out = run(
        &env,
        &dsn,
        &["backup", "/proc/epic-no-such-dir-copy.db"],
        "",
    );
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));

    let events = rx.events();
    let summary: Vec<(String, Vec<String>)> = events
        .iter()
        .map(|e| (e["level"].as_str().unwrap_or("?").to_string(), tags(e)))
        .collect();
    let s = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let bill_id = format!("collaborator_id={bill}");
    let bill_sales = format!("sales_contact_id={bill}");
    let expected_business = [
        s(&[
            "actor_id=1",
            "collaborator_department=management",
            "collaborator_id=1",
            "event=collaborator.created",
        ]),
        s(&[
            "actor_id=1",
            "collaborator_department=sales",
            "collaborator_id=2",
            "event=collaborator.created",
        ]),
        s(&[
            "actor_id=1",
            "collaborator_department=support",
            "collaborator_id=2",
            "event=collaborator.updated",
            "previous_department=sales",
        ]),
        s(&[
            "actor_id=1",
            "collaborator_department=support",
            "collaborator_id=2",
            "event=collaborator.deleted",
        ]),
        s(&[
            "actor_id=1",
            "collaborator_department=sales",
            &bill_id,
            "event=collaborator.created",
        ]),
        s(&[
            "actor_id=1",
            "client_id=1",
            "contract_id=1",
            "event=contract.signed",
            &bill_sales,
        ]),
        s(&[
            "actor_id=1",
            "client_id=1",
            "contract_id=2",
            "event=contract.signed",
            &bill_sales,
        ]),
    ];
    assert_eq!(events.len(), 8, "events received: {summary:#?}");
    for (i, want) in expected_business.iter().enumerate() {
        let got = &events[i];
        assert_eq!(got["level"], "info", "event {i}: {summary:#?}");
        let name = tag(got, "event");
        assert_eq!(got["message"], name, "event {i} message");
        // The scope tags (command, department, release...) come on top.
        let got_tags = tags(got);
        for t in want {
            assert!(got_tags.contains(t), "event {i} lacks {t}: {got_tags:?}");
        }
        assert_eq!(got["release"], concat!("epic@", env!("CARGO_PKG_VERSION")));
    }
    // Command tags and the extra: fields changed, amounts as decimal strings.
    assert_eq!(tag(&events[1], "command"), "collaborator add");
    assert_eq!(tag(&events[1], "department"), "management");
    assert_eq!(tag(&events[2], "command"), "collaborator update");
    assert_eq!(
        events[2]["extra"]["fields"],
        serde_json::json!(["full_name", "department"])
    );
    assert_eq!(tag(&events[5], "command"), "contract sign");
    assert_eq!(events[5]["extra"]["total"], "12500.00");
    assert_eq!(events[5]["extra"]["due"], "5000.00");
    assert_eq!(tag(&events[6], "command"), "contract add");
    assert_eq!(events[6]["extra"]["total"], "300.50");
    assert_eq!(events[6]["extra"]["due"], "300.50");

    let error = &events[7];
    // Sentry leaves out the level when it is the default, `error`.
    assert!(
        error["level"].is_null() || error["level"] == "error",
        "{error:#}"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("/proc/epic-no-such-dir")),
        "{error:#}"
    );
    assert_eq!(error["exception"]["values"][1]["type"], "Io", "{error:#}");
    assert_eq!(tag(error, "command"), "backup");
    assert_eq!(tag(error, "department"), "management");
    assert_eq!(tag(error, "exit_code"), "1");
    assert!(error["tags"].get("event").is_none());

    // User errors (exit 2-7) are not crashes: nothing more is sent.
    let before = rx.requests().len();
    let user_errors: &[(&[&str], &str, i32)] = &[
        (&["collaborator", "frobnicate"], "", 2),
        (
            &["login", "ada.canary@epic.test", "--password-stdin"],
            "Wrong-Canary-Pw-0b9e2a6c55\n",
            3,
        ),
        (
            &["client", "add", "--name", "X", "--email", "x@example.test"],
            "",
            4,
        ),
        (
            &[
                "collaborator",
                "add",
                "--name",
                "Bad Mail",
                "--email",
                "bad-mail",
                "--department",
                "sales",
            ],
            "",
            5,
        ),
        (
            &["contract", "add", "--client", "1", "--total", "-5"],
            "",
            5,
        ),
        (&["collaborator", "delete", "999"], "", 6),
        (&["contract", "sign", "999"], "", 6),
        (&["collaborator", "delete", "1"], "", 7),
    ];
    for (args, stdin, want) in user_errors {
        let out = run(&env, &dsn, args, stdin);
        assert_eq!(code(&out), *want, "{args:?}: {}", stderr(&out));
    }
    ok(&env, &dsn, &["logout"], "");
    let out = run(&env, &dsn, &["client", "list"], "");
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(
        rx.requests().len(),
        before,
        "user errors were reported: {:#?}",
        rx.events().iter().skip(8).map(tags).collect::<Vec<_>>()
    );

    // Not one secret, name, email or phone in any byte received; and the
    // bytes are plain JSON (the grep is not blind).
    let all = rx.all_bytes();
    assert!(contains_bytes(&all, b"contract.signed"));
    let root = env.root().to_string_lossy().into_owned();
    let mut secrets: Vec<&str> = vec![CANARY_PASSWORD, WRONG_PASSWORD, &root];
    secrets.extend(PERSONAL);
    secrets.extend(tokens.iter().map(String::as_str));
    for secret in secrets {
        assert!(
            !contains_bytes(&all, secret.as_bytes()),
            "{secret:?} reached Sentry"
        );
    }
    // Token pieces too: the JWT signature and payload segments.
    for token in &tokens {
        for piece in token.split('.').filter(|p| p.len() >= 16) {
            assert!(
                !contains_bytes(&all, piece.as_bytes()),
                "token piece leaked"
            );
        }
    }
}

/// One `collaborator add` on an initialised database, with `SENTRY_DSN=dsn`;
/// returns the output and how long it took.
fn timed_add(env: &Env, dsn: &str, n: u32) -> (Output, Duration) {
    let email = format!("timed{n}@epic.test");
    let args = [
        "collaborator",
        "add",
        "--name",
        "Timed Person",
        "--email",
        &email,
        "--department",
        "support",
        "--password-stdin",
    ];
    let start = Instant::now();
    let out = run(env, dsn, &args, &format!("{PASSWORD}\n"));
    (out, start.elapsed())
}

fn no_sentry_noise(out: &Output) {
    assert_ok(out);
    let text = stdout(out).to_lowercase();
    assert!(!text.contains("sentry"), "stdout: {text}");
    assert!(
        text.trim().parse::<i64>().is_ok(),
        "stdout: the new id, got {text}"
    );
    assert_eq!(stderr(out), "", "stderr");
}

#[test]
fn a_silent_server_costs_at_most_3s_and_a_closed_port_nothing() {
    let env = Env::new();
    env.init();
    env.login("admin@epic.test");

    let silent = Receiver::silent();
    let (out, took) = timed_add(&env, &silent.dsn(), 1);
    no_sentry_noise(&out);
    assert!(
        took < Duration::from_secs(3),
        "silent server: took {took:?}"
    );
    assert!(
        silent.connections() >= 1,
        "the event was not even attempted"
    );

    // The same with a department change (the update event) and a script of
    // three events: still bounded, the queue is not drained serially.
    let script = format!(
        "collaborator update timed1@epic.test --department sales\n\
         collaborator add --name 'Timed B' --email tb@epic.test --department sales --password-stdin\n{PASSWORD}\n\
         collaborator delete tb@epic.test --yes\n"
    );
    let start = Instant::now();
    let out = run(&env, &silent.dsn(), &[], &script);
    let took = start.elapsed();
    assert_ok(&out);
    assert!(
        took < Duration::from_secs(3),
        "silent server, script: {took:?}"
    );

    let closed = format!("http://key@127.0.0.1:{}/1", closed_port());
    let (out, took) = timed_add(&env, &closed, 2);
    no_sentry_noise(&out);
    assert!(
        took < Duration::from_millis(1500),
        "closed port: took {took:?}"
    );
}

#[test]
fn without_a_dsn_nothing_is_sent() {
    let rx = Receiver::start();
    let proxy = format!("http://127.0.0.1:{}", rx.port());
    // Every proxy variable points at the receiver, so any attempt to reach
    // any Sentry (a default DSN, a stray env var) would land there.
    let proxies = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("https_proxy", proxy.as_str()),
        ("SENTRY_ENVIRONMENT", "test"),
    ];
    let env = Env::new();
    let story = |extra: &[(&str, &str)], n: u32| {
        let mut envs = proxies.to_vec();
        envs.extend_from_slice(extra);
        let email = format!("np{n}@epic.test");
        for (args, stdin) in [
            (
                vec![
                    "collaborator",
                    "add",
                    "--name",
                    "No Dsn",
                    "--email",
                    email.as_str(),
                    "--department",
                    "sales",
                    "--password-stdin",
                ],
                format!("{PASSWORD}\n"),
            ),
            (
                vec![
                    "collaborator",
                    "update",
                    email.as_str(),
                    "--department",
                    "support",
                ],
                String::new(),
            ),
            (
                vec!["collaborator", "delete", email.as_str(), "--yes"],
                String::new(),
            ),
        ] {
            assert_ok(&env.run_with(&envs, &args, stdin));
        }
        let out = env.run_with(&envs, &["backup", "/proc/epic-no-such-dir-x.db"], "");
        assert_eq!(code(&out), 1);
    };
    env.init();
    env.login("admin@epic.test");

    story(&[], 1);
    story(&[("SENTRY_DSN", "")], 2);
    story(&[("SENTRY_DSN", "   ")], 3);
    assert_eq!(rx.requests().len(), 0, "{:#?}", rx.requests());
    assert_eq!(rx.connections(), 0);

    // The check can fail: with a DSN, the proxy does see the report.
    story(&[("SENTRY_DSN", "http://key@sentry.invalid/1")], 4);
    assert!(
        rx.requests()
            .iter()
            .any(|r| r.head.contains("sentry.invalid")),
        "the proxy saw nothing even with a DSN: {:#?}",
        rx.requests()
    );
}

#[test]
fn a_rolled_back_atomic_script_sends_no_business_event() {
    let rx = Receiver::start();
    let env = Env::staffed();
    let body = format!(
        "collaborator add --name 'Atomic One' --email a1@epic.test --department sales --password-stdin\n{PASSWORD}\n\
         collaborator update support2@epic.test --department sales\n\
         collaborator delete sales2@epic.test --yes\n"
    );

    // A failing last line rolls everything back: nothing is sent.
    let failing = format!("{body}contract sign 999\n");
    let out = run(&env, &rx.dsn(), &["--atomic"], &failing);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    assert_eq!(rx.requests().len(), 0, "{:#?}", rx.events());
    let out = env.run(&["collaborator", "show", "a1@epic.test"], "");
    assert_eq!(code(&out), 6, "the script was not rolled back");

    // A user error inside a non-atomic script drops that command's events only.
    let out = run(
        &env,
        &rx.dsn(),
        &["--keep-going"],
        "collaborator update sales2@epic.test --department nowhere\n\
         collaborator update sales2@epic.test --name 'Sam Renamed'\n",
    );
    assert_eq!(code(&out), 5);
    let events = rx.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(tag(&events[0], "event"), "collaborator.updated");

    // The same atomic script, committed, sends its three events after COMMIT.
    let out = run(&env, &rx.dsn(), &["--atomic"], &body);
    assert_ok(&out);
    let names: Vec<String> = rx.events()[1..]
        .iter()
        .map(|e| tag(e, "event").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "collaborator.created",
            "collaborator.updated",
            "collaborator.deleted"
        ]
    );
}

#[test]
fn a_password_change_is_reported_as_a_collaborator_update_without_the_password() {
    let rx = Receiver::start();
    let env = Env::staffed();
    env.login("sales1@epic.test");
    let new = "a brand new canary password";
    ok(
        &env,
        &rx.dsn(),
        &["passwd", "--password-stdin"],
        &format!("{PASSWORD}\n{new}\n"),
    );
    let events = rx.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(tag(&events[0], "event"), "collaborator.updated");
    assert_eq!(tag(&events[0], "collaborator_department"), "sales");
    let bodies: Vec<u8> = rx.requests().into_iter().flat_map(|r| r.body).collect();
    for secret in [PASSWORD, new] {
        assert!(
            !contains_bytes(&bodies, secret.as_bytes()),
            "{secret} was sent"
        );
    }
}
