//! The secrets canary (issue 8): the whole story with a canary password, a
//! canary client email and the real session tokens, reporting to a fake
//! Sentry. Then stdout, stderr, every file of the private home and every
//! byte Sentry received are searched: the passwords and tokens appear
//! nowhere (a token only in its own 0600 token file), the email only where
//! it is data (the database, and the output of commands that show it).
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

const CANARY_PASSWORD: &str = "Canary-Pw-7f3a9c41d2";
const NEW_PASSWORD: &str = "Canary-New-Pw-3e8b51aa07";
const CANARY_EMAIL: &str = "canary.client.5e1d@example.test";

/// One command of the story and what it printed.
struct Step {
    args: Vec<String>,
    out: Output,
    /// True for commands whose job is to show the client's data.
    shows_data: bool,
}

struct Story {
    env: Env,
    rx: Receiver,
    steps: Vec<Step>,
    tokens: Vec<String>,
}

impl Story {
    fn run(&mut self, args: &[&str], stdin: &str, shows_data: bool) -> &Output {
        let dsn = self.rx.dsn();
        let out = self.env.run_with(&[("SENTRY_DSN", &dsn)], args, stdin);
        self.steps.push(Step {
            args: args.iter().map(|a| a.to_string()).collect(),
            out,
            shows_data,
        });
        &self.steps.last().expect("just pushed").out
    }

    fn ok(&mut self, args: &[&str], stdin: &str) {
        let out = self.run(args, stdin, false);
        assert_ok(out);
    }

    fn show(&mut self, args: &[&str]) -> String {
        let out = self.run(args, "", true);
        assert_ok(out);
        stdout(out)
    }

    fn login(&mut self, email: &str, password: &str) {
        self.ok(
            &["login", email, "--password-stdin"],
            &format!("{password}\n"),
        );
        let file = self.env.token_file();
        let mode = std::fs::metadata(&file)
            .expect("token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
        let token = self.env.token();
        assert!(token.len() > 40, "a real token: {token}");
        self.tokens.push(token);
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn passwords_and_tokens_leak_nowhere_and_the_email_only_where_it_is_data() {
    let mut s = Story {
        env: Env::new(),
        rx: Receiver::start(),
        steps: Vec::new(),
        tokens: Vec::new(),
    };
    let pw = format!("{CANARY_PASSWORD}\n");

    // Staff.
    s.ok(
        &[
            "init",
            "--name",
            "Ada Admin",
            "--email",
            "ada@epic.test",
            "--password-stdin",
        ],
        &pw,
    );
    s.login("ada@epic.test", CANARY_PASSWORD);
    s.ok(
        &[],
        &format!(
            "collaborator add --name 'Bill Boquet' --email bill@epic.test --department sales --password-stdin\n{CANARY_PASSWORD}\n\
             collaborator add --name 'Kate Hastroff' --email kate@epic.test --department support --password-stdin\n{CANARY_PASSWORD}\n"
        ),
    );
    // A script line that fails before reading its password: the password
    // line after it must be dropped, not run and echoed as a command.
    let out = s.run(
        &["--keep-going"],
        &format!(
            "collaborator add --name 'Nope' --email not-an-email --department sales --password-stdin\n{CANARY_PASSWORD}\n\
             passwd --password-stdin --no-such-flag\n{CANARY_PASSWORD}\n{NEW_PASSWORD}\n"
        ),
        false,
    );
    assert_eq!(code(out), 5, "{}", stderr(out));
    let errors: Vec<String> = stderr(out)
        .lines()
        .filter(|l| l.starts_with("<stdin>:"))
        .map(|l| l.split(": error").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(errors, ["<stdin>:1", "<stdin>:3"], "{}", stderr(out));

    // Sales: the canary client.
    s.login("bill@epic.test", CANARY_PASSWORD);
    s.ok(
        &[
            "client",
            "add",
            "--name",
            "Kevin Casey",
            "--email",
            CANARY_EMAIL,
            "--phone",
            "+678 123 456 78",
            "--company",
            "Cool Startup LLC",
        ],
        "",
    );
    assert!(s.show(&["client", "list"]).contains(CANARY_EMAIL));
    assert!(
        s.show(&["client", "show", "1", "--format", "json"])
            .contains(CANARY_EMAIL)
    );
    // Commands that print the updated record show the data too.
    s.show(&["client", "update", "1", "--contacted"]);

    // Management: contract, signature.
    s.login("ada@epic.test", CANARY_PASSWORD);
    s.ok(
        &[
            "contract", "add", "--client", "1", "--total", "12500", "--due", "5000",
        ],
        "",
    );
    s.ok(&["contract", "sign", "1"], "");

    // Sales: the event; management assigns Kate; Kate updates it.
    s.login("bill@epic.test", CANARY_PASSWORD);
    s.ok(
        &[
            "event",
            "add",
            "--contract",
            "1",
            "--name",
            "Kevin Casey Party",
            "--start",
            "2027-06-04 13:00",
            "--end",
            "2027-06-05 02:00",
            "--location",
            "53 Rue du Château, 41120 Candé-sur-Beuvron, France",
            "--attendees",
            "75",
        ],
        "",
    );
    s.login("ada@epic.test", CANARY_PASSWORD);
    s.show(&["event", "assign", "1", "--support", "kate@epic.test"]);
    s.login("kate@epic.test", CANARY_PASSWORD);
    s.show(&["event", "update", "1", "--notes", "DJ after the party"]);
    assert!(s.show(&["event", "show", "1"]).contains(CANARY_EMAIL));

    // Password change, failed logins, whoami, an internal error, logout.
    s.ok(
        &["passwd", "--password-stdin"],
        &format!("{CANARY_PASSWORD}\n{NEW_PASSWORD}\n"),
    );
    s.login("kate@epic.test", NEW_PASSWORD);
    s.ok(&["whoami"], "");
    let out = s.run(
        &["login", "kate@epic.test", "--password-stdin"],
        &format!("{CANARY_PASSWORD}\n"),
        false,
    );
    assert_eq!(code(out), 3, "the old password is refused");
    let out = s.run(
        &["login", CANARY_EMAIL, "--password-stdin"],
        &format!("{NEW_PASSWORD}\n"),
        false,
    );
    assert_eq!(code(out), 3, "a client is no account");
    s.login("ada@epic.test", CANARY_PASSWORD);
    let out = s.run(&["backup", "/proc/epic-canary-copy.db"], "", false);
    assert_eq!(code(out), 1, "{}", stderr(out));
    s.ok(
        &[
            "collaborator",
            "update",
            "kate@epic.test",
            "--name",
            "Kate H.",
        ],
        "",
    );
    s.ok(&["logout"], "");
    assert!(
        s.env.token_files().is_empty(),
        "logout removes the token file"
    );

    let passwords = [CANARY_PASSWORD, NEW_PASSWORD];
    let tokens: Vec<&str> = s.tokens.iter().map(String::as_str).collect();
    assert!(tokens.len() >= 7);
    let never: Vec<&str> = passwords.iter().copied().chain(tokens).collect();

    // 1. Outputs: no password, no token; the email only where data is shown.
    for step in &s.steps {
        for (stream, bytes) in [("stdout", &step.out.stdout), ("stderr", &step.out.stderr)] {
            for secret in &never {
                assert!(
                    !contains_bytes(bytes, secret.as_bytes()),
                    "{stream} of {:?} holds a secret",
                    step.args
                );
            }
            let email_ok = step.shows_data && stream == "stdout";
            assert!(
                email_ok || !contains_bytes(bytes, CANARY_EMAIL.as_bytes()),
                "{stream} of {:?} holds the client's email",
                step.args
            );
        }
    }

    // 2. Files: every file of the private home (data, state, history if any,
    // the database, its -wal, the key). The email only in the database.
    let files = files_under(s.env.root());
    assert!(files.iter().any(|f| f.ends_with("crm.db")), "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).expect("read file");
        for secret in &never {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "{} holds a secret",
                file.display()
            );
        }
        let name = file.file_name().unwrap().to_string_lossy();
        let is_database = name == "crm.db" || name == "crm.db-wal";
        assert!(
            is_database || !contains_bytes(&bytes, CANARY_EMAIL.as_bytes()),
            "{} holds the client's email",
            file.display()
        );
    }
    let db = std::fs::read(&s.env.db).expect("database");
    let wal = std::fs::read(s.env.db.with_extension("db-wal")).unwrap_or_default();
    assert!(
        contains_bytes(&db, CANARY_EMAIL.as_bytes())
            || contains_bytes(&wal, CANARY_EMAIL.as_bytes()),
        "the email is data: it must be in the database (the search is not blind)"
    );

    // 3. Sentry: it did receive the story, and none of the canaries.
    let all = s.rx.all_bytes();
    let names: Vec<String> =
        s.rx.events()
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect();
    assert!(
        names
            .iter()
            .filter(|n| *n == "collaborator.created")
            .count()
            == 3,
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "contract.signed"), "{names:?}");
    assert!(
        names.iter().any(|n| n == "collaborator.updated"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("/proc/epic-canary")),
        "{names:?}"
    );
    for secret in never.iter().chain([&CANARY_EMAIL]) {
        assert!(
            !contains_bytes(&all, secret.as_bytes()),
            "{secret:?} reached Sentry"
        );
    }
}
