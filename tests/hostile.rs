//! The hostile input corpus (`tests/hostile_input.txt`, issue 8) through
//! every create and update command of the real binary: each bad value is
//! refused with exit 5 and one error line naming its field, no panic, the
//! database unchanged and nothing sent to Sentry; valid-but-odd text is
//! stored literally and read back identical.
//!
//! Most cases run as `--keep-going` scripts (one process per batch, errors
//! as `<stdin>:N: error: FIELD: reason`); each bad case also runs once as a
//! one-shot command with its value as raw argv bytes, unless it holds a NUL
//! or is too long for argv.
mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use common::*;

/// The corpus, next to this file.
const CORPUS: &str = include_str!("hostile_input.txt");

/// Longest value passed as one argv word (Linux caps one at 128 KiB).
const ARGV_MAX: usize = 100_000;

/// Who runs a command: a sales collaborator owning client 1, or management.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Actor {
    Sales,
    Admin,
}

/// One command taking a field: its words, with `@V` (and `@W`) standing for
/// the value(s), and the field its error must name.
struct Use {
    actor: Actor,
    words: &'static [&'static str],
    field: &'static str,
}

const fn u(actor: Actor, field: &'static str, words: &'static [&'static str]) -> Use {
    Use {
        actor,
        words,
        field,
    }
}

use Actor::{Admin, Sales};

/// Every create/update command, per target of the corpus.
fn uses(target: &str) -> Vec<Use> {
    let event_add = |field: &'static str, words: &'static [&'static str]| u(Sales, field, words);
    let name = vec![
        u(
            Sales,
            "name",
            &[
                "client",
                "add",
                "--name",
                "@V",
                "--email",
                "h1@hostile.test",
            ],
        ),
        u(Sales, "name", &["client", "update", "1", "--name", "@V"]),
        event_add(
            "name",
            &[
                "event",
                "add",
                "--contract",
                "1",
                "--name",
                "@V",
                "--start",
                "2027-06-04 13:00",
                "--end",
                "2027-06-05 02:00",
                "--location",
                "Quai",
                "--attendees",
                "10",
            ],
        ),
        u(
            Admin,
            "name",
            &[
                "collaborator",
                "add",
                "--name",
                "@V",
                "--email",
                "h2@hostile.test",
                "--department",
                "sales",
                "--password-stdin",
            ],
        ),
        u(
            Admin,
            "name",
            &["collaborator", "update", "2", "--name", "@V"],
        ),
        u(Admin, "name", &["event", "update", "1", "--name", "@V"]),
    ];
    let company = vec![
        u(
            Sales,
            "company",
            &[
                "client",
                "add",
                "--name",
                "H",
                "--email",
                "h3@hostile.test",
                "--company",
                "@V",
            ],
        ),
        u(
            Sales,
            "company",
            &["client", "update", "1", "--company", "@V"],
        ),
    ];
    let location = vec![
        event_add(
            "location",
            &[
                "event",
                "add",
                "--contract",
                "1",
                "--name",
                "E",
                "--start",
                "2027-06-04 13:00",
                "--end",
                "2027-06-05 02:00",
                "--location",
                "@V",
                "--attendees",
                "10",
            ],
        ),
        u(
            Admin,
            "location",
            &["event", "update", "1", "--location", "@V"],
        ),
    ];
    let notes = vec![
        event_add(
            "notes",
            &[
                "event",
                "add",
                "--contract",
                "1",
                "--name",
                "E",
                "--start",
                "2027-06-04 13:00",
                "--end",
                "2027-06-05 02:00",
                "--location",
                "Quai",
                "--attendees",
                "10",
                "--notes",
                "@V",
            ],
        ),
        u(Admin, "notes", &["event", "update", "1", "--notes", "@V"]),
    ];
    match target {
        "name" => name,
        "company" => company,
        "location" => location,
        "notes" => notes,
        "text" => [name, company, location, notes]
            .into_iter()
            .flatten()
            .collect(),
        "email" => vec![
            u(
                Sales,
                "email",
                &["client", "add", "--name", "H", "--email", "@V"],
            ),
            u(Sales, "email", &["client", "update", "1", "--email", "@V"]),
            u(
                Admin,
                "email",
                &[
                    "collaborator",
                    "add",
                    "--name",
                    "H",
                    "--email",
                    "@V",
                    "--department",
                    "sales",
                    "--password-stdin",
                ],
            ),
            u(
                Admin,
                "email",
                &["collaborator", "update", "2", "--email", "@V"],
            ),
        ],
        "phone" => vec![
            u(
                Sales,
                "phone",
                &[
                    "client",
                    "add",
                    "--name",
                    "H",
                    "--email",
                    "h4@hostile.test",
                    "--phone",
                    "@V",
                ],
            ),
            u(Sales, "phone", &["client", "update", "1", "--phone", "@V"]),
        ],
        "amount" => vec![
            u(
                Admin,
                "total",
                &["contract", "add", "--client", "1", "--total", "@V"],
            ),
            u(
                Admin,
                "due",
                &[
                    "contract", "add", "--client", "1", "--total", "10000000", "--due", "@V",
                ],
            ),
            u(
                Admin,
                "total",
                &["contract", "update", "1", "--total", "@V"],
            ),
            u(
                Admin,
                "due",
                &[
                    "contract", "update", "1", "--due", "@V", "--reason", "rebate",
                ],
            ),
            u(Admin, "amount", &["contract", "pay", "1", "@V"]),
        ],
        "date" => vec![
            event_add(
                "start",
                &[
                    "event",
                    "add",
                    "--contract",
                    "1",
                    "--name",
                    "E",
                    "--start",
                    "@V",
                    "--end",
                    "2027-06-05 02:00",
                    "--location",
                    "Quai",
                    "--attendees",
                    "10",
                ],
            ),
            event_add(
                "end",
                &[
                    "event",
                    "add",
                    "--contract",
                    "1",
                    "--name",
                    "E",
                    "--start",
                    "2027-06-04 13:00",
                    "--end",
                    "@V",
                    "--location",
                    "Quai",
                    "--attendees",
                    "10",
                ],
            ),
            u(Admin, "start", &["event", "update", "1", "--start", "@V"]),
            u(Admin, "end", &["event", "update", "1", "--end", "@V"]),
        ],
        "attendees" => vec![
            event_add(
                "attendees",
                &[
                    "event",
                    "add",
                    "--contract",
                    "1",
                    "--name",
                    "E",
                    "--start",
                    "2027-06-04 13:00",
                    "--end",
                    "2027-06-05 02:00",
                    "--location",
                    "Quai",
                    "--attendees",
                    "@V",
                ],
            ),
            u(
                Admin,
                "attendees",
                &["event", "update", "1", "--attendees", "@V"],
            ),
        ],
        "department" => vec![
            u(
                Admin,
                "department",
                &[
                    "collaborator",
                    "add",
                    "--name",
                    "H",
                    "--email",
                    "h5@hostile.test",
                    "--department",
                    "@V",
                    "--password-stdin",
                ],
            ),
            u(
                Admin,
                "department",
                &["collaborator", "update", "2", "--department", "@V"],
            ),
        ],
        "due>total" => vec![
            u(
                Admin,
                "due",
                &[
                    "contract", "add", "--client", "1", "--total", "@V", "--due", "@W",
                ],
            ),
            u(
                Admin,
                "due",
                &[
                    "contract", "update", "1", "--total", "@V", "--due", "@W", "--reason", "x",
                ],
            ),
        ],
        "end<=start" => vec![
            event_add(
                "end",
                &[
                    "event",
                    "add",
                    "--contract",
                    "1",
                    "--name",
                    "E",
                    "--start",
                    "@V",
                    "--end",
                    "@W",
                    "--location",
                    "Quai",
                    "--attendees",
                    "10",
                ],
            ),
            u(
                Admin,
                "end",
                &["event", "update", "1", "--start", "@V", "--end", "@W"],
            ),
        ],
        other => panic!("unknown corpus target {other:?}"),
    }
}

/// One line of the corpus.
#[derive(Debug)]
struct Case {
    line: usize,
    bad: bool,
    target: String,
    values: Vec<Vec<u8>>,
}

/// Expands `@repeat(N,TEXT)`.
fn expand(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("@repeat(") {
        out.push_str(&rest[..at]);
        let args = &rest[at + "@repeat(".len()..];
        let close = args.find(')').expect("@repeat(N,TEXT) is closed");
        let (n, text) = args[..close].split_once(',').expect("@repeat(N,TEXT)");
        out.push_str(&text.repeat(n.parse().expect("@repeat count")));
        rest = &args[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Decodes `\\ \t \n \r \xHH \u{H..}` into bytes.
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next().expect("escape at end of value") {
            '\\' => out.push(b'\\'),
            't' => out.push(b'\t'),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("\\xHH"));
            }
            'u' => {
                assert_eq!(chars.next(), Some('{'), "\\u{{...}}");
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let c = char::from_u32(u32::from_str_radix(&hex, 16).expect("hex"))
                    .expect("a scalar value");
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            other => panic!("unknown escape \\{other}"),
        }
    }
    out
}

fn corpus() -> Vec<Case> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 3, "corpus line {}: {l:?}", i + 1);
            let bad = match cols[0] {
                "bad" => true,
                "odd" => false,
                other => panic!("corpus line {}: EXPECT {other:?}", i + 1),
            };
            Case {
                line: i + 1,
                bad,
                target: cols[1].to_string(),
                values: cols[2..].iter().map(|v| unescape(&expand(v))).collect(),
            }
        })
        .collect()
}

/// The words of `use_` with the case's values in place.
fn words(use_: &Use, case: &Case) -> Vec<Vec<u8>> {
    use_.words
        .iter()
        .map(|w| match *w {
            "@V" => case.values[0].clone(),
            "@W" => case.values[1].clone(),
            w => w.as_bytes().to_vec(),
        })
        .collect()
}

/// One word quoted for a script line (POSIX single quotes, as shlex reads),
/// left bare when it needs no quotes (`--name`), as people write them.
fn quote(word: &[u8]) -> Vec<u8> {
    let bare = !word.is_empty()
        && word
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,@:+/".contains(b));
    if bare {
        return word.to_vec();
    }
    let mut out = b"'".to_vec();
    for &b in word {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// The environment: staffed, client 1 (of sales1), contract 1 signed
/// (total 1000, due 500), event 1; and a token per actor.
struct World {
    env: Env,
    sales: String,
    admin: String,
    rx: Receiver,
    /// Reports sent by the setup (the signed contract).
    setup_reports: usize,
}

impl World {
    fn new(backend: &Backend) -> World {
        let env = Env::staffed_on(backend);
        let rx = Receiver::start();
        env.login("sales1@epic.test");
        let sales = env.token();
        env.login("admin@epic.test");
        let admin = env.token();
        let world = World {
            env,
            sales,
            admin,
            rx,
            setup_reports: 0,
        };
        let run = |actor, args: &[&str]| assert_ok(&world.run(actor, args, Vec::new()));
        run(
            Sales,
            &[
                "client",
                "add",
                "--name",
                "Setup Client",
                "--email",
                "setup@hostile.test",
            ],
        );
        run(
            Admin,
            &[
                "contract", "add", "--client", "1", "--total", "1000", "--due", "500", "--signed",
            ],
        );
        run(
            Sales,
            &[
                "event",
                "add",
                "--contract",
                "1",
                "--name",
                "Setup Event",
                "--start",
                "2027-06-04 13:00",
                "--end",
                "2027-06-05 02:00",
                "--location",
                "Quai",
                "--attendees",
                "10",
            ],
        );
        World {
            setup_reports: world.rx.requests().len(),
            ..world
        }
    }

    /// Reports sent since the setup.
    fn new_reports(&self) -> Vec<serde_json::Value> {
        self.rx.events().split_off(self.setup_reports)
    }

    fn run<A: AsRef<std::ffi::OsStr>>(
        &self,
        actor: Actor,
        args: &[A],
        stdin: Vec<u8>,
    ) -> std::process::Output {
        let token = match actor {
            Sales => &self.sales,
            Admin => &self.admin,
        };
        let dsn = self.rx.dsn();
        self.env
            .run_with(&[("EPIC_TOKEN", token), ("SENTRY_DSN", &dsn)], args, stdin)
    }
}

/// What one script line must produce.
struct Expect {
    field: &'static str,
    /// Also accepted: a positional value (`contract pay 1 AMOUNT`) that cannot
    /// even be decoded is named by its place (`line`, `argument 3`), as no
    /// flag precedes it.
    alt: Option<&'static str>,
    what: String,
}

/// The name accepted besides the field, for undecodable positional values.
fn alternative(use_: &Use, case: &Case, name: &'static str) -> Option<&'static str> {
    let i = use_.words.iter().position(|w| *w == "@V")?;
    let positional = !use_.words[i - 1].starts_with("--");
    let undecodable = case
        .values
        .iter()
        .any(|v| v.contains(&0) || v.len() > 64 * 1024 || std::str::from_utf8(v).is_err());
    (positional && undecodable).then_some(name)
}

/// Checks an error message names `field` first (`name: ...` or `--name: ...`).
fn names_field(message: &str, field: &str) -> bool {
    let m = message.trim_start_matches('-');
    m.starts_with(&format!("{field}:"))
}

/// `client update --phone ""` or `event update --notes ""` (or blank)
/// clears the optional field: valid.
fn clears_optional_field(use_: &Use, case: &Case) -> bool {
    ((use_.words.starts_with(&["client", "update"])
        && (use_.field == "phone" || use_.field == "company"))
        || (use_.words.starts_with(&["event", "update"]) && use_.field == "notes"))
        && case
            .values
            .iter()
            .all(|v| v.iter().all(u8::is_ascii_whitespace))
}

/// No raw control, bidi or zero-width character may reach the terminal.
fn printable(stderr: &str) -> bool {
    !stderr.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}')
    })
}

on_both! {
fn every_bad_value_is_refused_by_every_command_naming_its_field(backend) {
    let world = World::new(backend);
    let before = world.env.snapshot();
    let cases = corpus();
    let bad: Vec<&Case> = cases.iter().filter(|c| c.bad).collect();
    assert!(bad.len() > 100, "the corpus is shorter than expected");

    // Script batches, one per actor.
    let mut total_lines = 0;
    for actor in [Sales, Admin] {
        let mut script: Vec<u8> = Vec::new();
        let mut expect: BTreeMap<usize, Expect> = BTreeMap::new();
        let mut line = 0;
        for case in &bad {
            for use_ in uses(&case.target).iter().filter(|u| u.actor == actor) {
                if clears_optional_field(use_, case) {
                    continue;
                }
                let ws = words(use_, case);
                if ws.iter().any(|w| w.contains(&b'\n') || w.contains(&b'\r')) {
                    continue; // one line cannot hold it: argv below
                }
                let quoted: Vec<Vec<u8>> = ws.iter().map(|w| quote(w)).collect();
                script.extend_from_slice(&quoted.join(&b' '));
                script.push(b'\n');
                line += 1;
                expect.insert(
                    line,
                    Expect {
                        field: use_.field,
                        alt: alternative(use_, case, "line"),
                        what: format!("corpus line {} via {:?}", case.line, use_.words),
                    },
                );
                if use_.words.contains(&"--password-stdin") {
                    // Must be dropped with its failed command, never run.
                    script.extend_from_slice(format!("{PASSWORD}\n").as_bytes());
                    line += 1;
                }
            }
        }
        total_lines += expect.len();
        let out = world.run(actor, &["--keep-going"], script);
        let err = stderr(&out);
        assert_eq!(code(&out), 5, "{actor:?} batch: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            printable(&err),
            "raw control characters on stderr:\n{err:?}"
        );
        assert!(
            !err.contains(PASSWORD),
            "a password line was run as a command"
        );
        let mut seen: BTreeMap<usize, String> = BTreeMap::new();
        for l in err.lines() {
            assert!(!l.starts_with("  "), "an error spans lines: {l}");
            let rest = l.strip_prefix("<stdin>:").expect("script error prefix");
            let (n, message) = rest.split_once(": error: ").expect("N: error: message");
            let n: usize = n.parse().expect("line number");
            assert!(
                seen.insert(n, message.to_string()).is_none(),
                "two errors for line {n}"
            );
        }
        for (n, e) in &expect {
            let message = seen
                .get(n)
                .unwrap_or_else(|| panic!("{} was accepted (script line {n})", e.what));
            assert!(
                names_field(message, e.field) || e.alt.is_some_and(|a| names_field(message, a)),
                "{}: expected the field {:?} first, got {message:?}",
                e.what,
                e.field
            );
        }
        assert_eq!(seen.len(), expect.len(), "unexpected errors: {err}");
        assert_eq!(
            world.env.snapshot(),
            before,
            "the {actor:?} batch wrote something"
        );
    }
    assert!(total_lines > 300, "only {total_lines} script lines");

    // One-shot, raw argv bytes: each bad case once through its first command,
    // and every command for values that are not UTF-8.
    let mut runs = 0;
    for case in &bad {
        if case
            .values
            .iter()
            .any(|v| v.contains(&0) || v.len() > ARGV_MAX)
        {
            continue;
        }
        let all = case.values.iter().any(|v| std::str::from_utf8(v).is_err());
        let uses = uses(&case.target);
        for use_ in uses.iter().take(if all { usize::MAX } else { 1 }) {
            let args: Vec<OsString> = words(use_, case)
                .into_iter()
                .filter(|w| w != b"--password-stdin")
                .map(OsString::from_vec)
                .collect();
            let out = world.run(use_.actor, &args, Vec::new());
            runs += 1;
            let err = stderr(&out);
            let what = format!("corpus line {} via {:?} (argv)", case.line, use_.words);
            assert_eq!(code(&out), 5, "{what}: {err}");
            assert_eq!(err.lines().count(), 1, "{what}: not one line: {err}");
            let message = err
                .trim_end()
                .strip_prefix("error: ")
                .expect("error: prefix");
            let alt = alternative(use_, case, "argument");
            let named = names_field(message, use_.field)
                || alt.is_some_and(|a| message.starts_with(&format!("{a} ")));
            assert!(named, "{what}: {message:?}");
            assert!(printable(&err), "{what}: {err:?}");
            assert!(out.stdout.is_empty(), "{what}: printed {}", stdout(&out));
        }
    }
    assert!(runs > 60, "only {runs} one-shot runs");
    assert_eq!(
        world.env.snapshot(),
        before,
        "a one-shot run wrote something"
    );
    assert_eq!(world.setup_reports, 1, "the setup's contract.signed");
    assert_eq!(
        world.new_reports(),
        Vec::<serde_json::Value>::new(),
        "bad input was reported to Sentry"
    );
}
}

on_both! {
fn odd_but_valid_text_is_stored_literally_and_read_back_identical(backend) {
    let world = World::new(backend);
    let odd: Vec<(String, String)> = corpus()
        .iter()
        .filter(|c| !c.bad)
        .enumerate()
        .map(|(i, c)| {
            assert_eq!(c.target, "text", "odd cases are free text");
            let value = String::from_utf8(c.values[0].clone()).expect("odd values are UTF-8");
            (value, format!("odd{i}@hostile.test"))
        })
        .collect();
    assert!(odd.len() >= 10);

    // Half through a script line, half as raw argv.
    let mut script = Vec::new();
    for (value, email) in odd.iter().step_by(2) {
        let words = [
            "client",
            "add",
            "--name",
            value,
            "--email",
            email,
            "--company",
            value,
        ];
        let quoted: Vec<Vec<u8>> = words.iter().map(|w| quote(w.as_bytes())).collect();
        script.extend_from_slice(&quoted.join(&b' '));
        script.push(b'\n');
    }
    let out = world.run(Sales, &[] as &[&str], script);
    assert_ok(&out);
    for (value, email) in odd.iter().skip(1).step_by(2) {
        let out = world.run(
            Sales,
            &[
                "client",
                "add",
                "--name",
                value,
                "--email",
                email,
                "--company",
                value,
            ],
            Vec::new(),
        );
        assert_ok(&out);
    }

    // Every one read back through `client show --format json`.
    let out = world.run(Sales, &["client", "list", "--format", "json"], Vec::new());
    assert_ok(&out);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON list");
    let ids: BTreeMap<String, i64> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_string(),
                c["id"].as_i64().unwrap(),
            )
        })
        .collect();
    for (value, email) in &odd {
        let id = ids[email].to_string();
        let out = world.run(
            Sales,
            &["client", "show", &id, "--format", "json"],
            Vec::new(),
        );
        assert_ok(&out);
        let client: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(client["full_name"], value.as_str(), "name of {email}");
        assert_eq!(client["company_name"], value.as_str(), "company of {email}");
    }
    // The injection attempts did nothing: every table still answers.
    let out = world.run(Admin, &["doctor"], Vec::new());
    assert_ok(&out);
    assert_eq!(world.new_reports(), Vec::<serde_json::Value>::new());
}
}

#[test]
fn the_corpus_covers_what_issue_8_lists() {
    let cases = corpus();
    let has = |pred: &dyn Fn(&Case) -> bool| cases.iter().any(pred);
    let bytes = |c: &Case, needle: &[u8]| c.values.iter().any(|v| contains_bytes(v, needle));
    assert!(
        has(&|c| c.bad && bytes(c, b"DROP TABLE")),
        "SQL injection refused"
    );
    assert!(
        has(&|c| !c.bad && bytes(c, b"'; DROP TABLE")),
        "SQL injection stored"
    );
    assert!(has(&|c| c.bad
        && c.target == "name"
        && c.values[0].len() > 200));
    assert!(has(&|c| c.bad
        && c.target == "notes"
        && c.values[0].len() > 5000));
    assert!(
        has(&|c| c.values[0].len() >= 10 * 1024 * 1024),
        "a 10 MB value"
    );
    for target in [
        "email",
        "phone",
        "date",
        "amount",
        "due>total",
        "end<=start",
    ] {
        assert!(has(&|c| c.bad && c.target == target), "{target}");
    }
    assert!(
        has(&|c| c.bad && bytes(c, "\u{202E}".as_bytes())),
        "RTL override"
    );
    assert!(
        has(&|c| c.bad && bytes(c, "\u{200B}".as_bytes())),
        "zero width"
    );
    assert!(has(&|c| c.bad && bytes(c, b"\0")), "NUL");
    assert!(
        has(&|c| c.bad && std::str::from_utf8(&c.values[0]).is_err()),
        "invalid UTF-8"
    );
    assert!(has(&|c| !c.bad && bytes(c, "Candé-sur-Beuvron".as_bytes())));
}

/// A date whose display in some zone would fall past year 9999 (or before
/// 1900) is refused at input, naming the field; a corrupt far-future value
/// in the file is shown clamped, as valid RFC 3339.
#[test]
fn dates_stay_within_four_digit_years_in_every_zone() {
    let env = Env::staffed();
    let contract = env.contract_for_sales1(1000).to_string();
    for start in [
        "9999-12-31T23:00:00-05:00",
        "9999-12-31 12:00",
        "1900-01-01T00:30+01:00",
    ] {
        let out = env.run(
            &[
                "event",
                "add",
                "--contract",
                &contract,
                "--name",
                "Late",
                "--start",
                start,
                "--end",
                "9999-12-31T23:30:00-05:00",
                "--location",
                "Paris",
                "--attendees",
                "1",
            ],
            "",
        );
        assert_code(&out, 5);
        assert!(
            stderr(&out).contains("--start"),
            "{start}: {}",
            stderr(&out)
        );
    }
    let out = env.run(
        &[
            "event",
            "add",
            "--contract",
            &contract,
            "--name",
            "Ok",
            "--start",
            "2030-01-01",
            "--end",
            "2030-01-02",
            "--location",
            "Paris",
            "--attendees",
            "1",
        ],
        "",
    );
    assert_ok(&out);
    env.sql()
        .execute("UPDATE events SET end_at = 9223372036854775807", [])
        .unwrap();
    let v = env.json(&["event", "list", "--format", "json"]);
    let end = v[0]["end"].as_str().unwrap().to_string();
    assert!(end.starts_with("9999-12-3"), "{end}");
}

/// Dates as people type them through the binary (in Paris): words via the
/// GNU `date -d` syntax, slashed dates refused as ambiguous, and the hour
/// the clocks go back refused naming both offsets.
#[test]
fn dates_in_words_and_ambiguous_dates() {
    let env = Env::staffed();
    let contract = env.contract_for_sales1(1000).to_string();
    let add = |start: &str, end: &str| {
        env.run(
            &[
                "event",
                "add",
                "--contract",
                &contract,
                "--name",
                "Words",
                "--start",
                start,
                "--end",
                end,
                "--location",
                "Paris",
                "--attendees",
                "1",
            ],
            "",
        )
    };
    assert_ok(&add("tomorrow 13:00", "tomorrow 15:00"));
    assert_ok(&add("next friday 18:00", "next friday 23:00"));
    let out = add("04/06/2027", "2027-06-05");
    assert_code(&out, 5);
    assert!(
        stderr(&out).contains("--start") && stderr(&out).contains("ambiguous"),
        "{}",
        stderr(&out)
    );
    let out = add("2026-10-25 02:30", "2026-10-25 05:00");
    assert_code(&out, 5);
    let err = stderr(&out);
    assert!(
        err.contains("happens twice") && err.contains("+02:00") && err.contains("+01:00"),
        "{err}"
    );
    let out = add("2026-10-25T02:30+01:00", "2026-10-25 05:00");
    assert_ok(&out);
}
