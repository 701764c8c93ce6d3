//! Issue 4 "Show", the script half: scripts stop at the failing line (or keep
//! going, or roll back), bad bytes are per-line errors, one-shot commands exit
//! with the documented statuses, and output survives pipes.
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

/// A staffed environment logged in as `sales1@epic.test`.
fn sales(backend: &Backend) -> Env {
    let env = Env::staffed_on(backend);
    env.login("sales1@epic.test");
    env
}

fn client_add(name: &str) -> String {
    format!(
        "client add --name '{name}' --email {}@clients.test\n",
        name.to_lowercase()
    )
}

/// The client emails present, sorted.
fn client_emails(env: &Env) -> Vec<String> {
    let list = env.json(&["client", "list", "--format", "json"]);
    let mut emails: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap().to_string())
        .collect();
    emails.sort();
    emails
}

fn emails(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names
        .iter()
        .map(|n| format!("{}@clients.test", n.to_lowercase()))
        .collect();
    v.sort();
    v
}

/// Five lines; the third is a not-found error.
fn five_lines() -> String {
    [
        client_add("Alice"),
        client_add("Bob"),
        "client show 99\n".to_string(),
        client_add("Dave"),
        client_add("Erin"),
    ]
    .concat()
}

on_both! {
fn a_script_stops_at_its_first_failing_line(backend) {
    let env = sales(backend);
    let out = env.script(&[], &five_lines());
    assert_code(&out, 6);
    let err = stderr(&out);
    assert!(err.contains("<stdin>:3: "), "{err}");
    assert!(err.contains("client 99 not found"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(client_emails(&env), emails(&["Alice", "Bob"]));
}
}

on_both! {
fn keep_going_runs_every_line_and_still_fails(backend) {
    let env = sales(backend);
    let out = env.script(&["--keep-going"], &five_lines());
    assert_code(&out, 6);
    assert!(stderr(&out).contains("<stdin>:3: "));
    assert_eq!(
        client_emails(&env),
        emails(&["Alice", "Bob", "Dave", "Erin"])
    );
}
}

on_both! {
fn atomic_scripts_are_all_or_nothing(backend) {
    let env = sales(backend);
    let before = env.snapshot();
    let out = env.script(&["--atomic"], &five_lines());
    assert_code(&out, 6);
    assert!(stderr(&out).contains("<stdin>:3: "));
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
    assert_eq!(env.snapshot(), before, "a failed atomic script wrote");
    assert!(client_emails(&env).is_empty());

    let good = five_lines().replace("client show 99", "client list");
    let out = env.script(&["--atomic"], &good);
    assert_ok(&out);
    assert_eq!(
        client_emails(&env),
        emails(&["Alice", "Bob", "Dave", "Erin"])
    );
}
}

#[test]
fn file_scripts_name_the_file_and_dash_reads_stdin() {
    let env = sales(&Backend::Sqlite);
    let path = env.root().join("import.epic");
    std::fs::write(&path, five_lines()).unwrap();
    let out = env.run(&["-f", path.to_str().unwrap()], "");
    assert_code(&out, 6);
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3: ", path.display())), "{err}");
    assert_eq!(client_emails(&env), emails(&["Alice", "Bob"]));

    let script = [client_add("Frank"), "client show 98\n".into()].concat();
    let out = env.run(&["-f", "-"], &script);
    assert_code(&out, 6);
    assert!(stderr(&out).contains("<stdin>:2: "), "{}", stderr(&out));
    assert_eq!(client_emails(&env), emails(&["Alice", "Bob", "Frank"]));

    let out = env.run(&["-f", "/nonexistent/script"], "");
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("/nonexistent/script"));
}

#[test]
fn oversize_nul_and_non_utf8_lines_are_rejected_with_their_number() {
    let env = sales(&Backend::Sqlite);
    let mut script: Vec<u8> = Vec::new();
    script.extend(client_add("Alice").bytes()); // 1
    script.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024)); // 2
    script.push(b'\n');
    script.extend(client_add("Bob").bytes()); // 3
    script.extend(b"client list\0 --mine\n"); // 4
    script.extend(client_add("Carol").bytes()); // 5
    script.extend(b"client add --name '\xff\xfe' --email z@clients.test\n"); // 6
    script.extend(client_add("Dave").bytes()); // 7
    let out = env
        .epic()
        .arg("--keep-going")
        .write_stdin(script)
        .output()
        .unwrap();
    assert_code(&out, 5);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("<stdin>:2: ") && lines[0].contains("longer than"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("<stdin>:4: ") && lines[1].contains("NUL"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("<stdin>:6: ") && lines[2].contains("UTF-8"),
        "{err}"
    );
    assert_eq!(
        client_emails(&env),
        emails(&["Alice", "Bob", "Carol", "Dave"])
    );

    // Without --keep-going, each stops the script at its line with status 5.
    for (i, (bad, what)) in [
        (vec![b'y'; 100 * 1024], "longer than"),
        (b"client list\0".to_vec(), "NUL"),
        (b"client show \xc3\x28".to_vec(), "UTF-8"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut script = client_add(&format!("Zed{i}")).into_bytes();
        script.extend(bad);
        script.push(b'\n');
        script.extend(client_add("Never").bytes());
        let out = env.epic().write_stdin(script).output().unwrap();
        assert_code(&out, 5);
        assert!(
            stderr(&out).starts_with("<stdin>:2: ") && stderr(&out).contains(what),
            "{}",
            stderr(&out)
        );
        assert!(client_emails(&env).contains(&format!("zed{i}@clients.test")));
        assert!(!client_emails(&env).contains(&"never@clients.test".to_string()));
    }
}

#[test]
fn comments_blank_lines_help_and_version() {
    let env = Env::new();
    let script = "# a comment\n\n   \n\t# indented comment\nhelp\nhelp client add\nclient add --help\nversion\n";
    let out = env.script(&[], script);
    assert_ok(&out);
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    assert!(text.contains("Usage"), "{text}");
    assert!(text.contains("collaborator"), "{text}");
    assert_eq!(text.matches("--company").count(), 2, "{text}");
    assert!(
        text.contains(&format!("epic {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );

    let out = env.script(&[], "version\nclent list\nversion\n");
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.starts_with("<stdin>:2: "), "{err}");
    assert!(err.contains("'client'"), "a suggestion: {err}");
    assert_eq!(stdout(&out).lines().count(), 1, "stopped at line 2");
}

on_both! {
fn one_shot_exit_statuses(backend) {
    let env = Env::staffed_on(backend);
    let version = env.run(&["version"], "");
    assert_ok(&version);
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
    assert_code(&env.run(&["frobnicate"], ""), 2);
    assert_code(&env.run(&["client", "list", "--no-such-flag"], ""), 2);
    // management may not add clients
    let out = env.run(&["client", "add", "--name", "A", "--email", "a@b.io"], "");
    assert_code(&out, 4);
    assert!(
        stderr(&out).contains("permission denied"),
        "{}",
        stderr(&out)
    );
    env.login("sales1@epic.test");
    let out = env.run(
        &["client", "add", "--name", "A", "--email", "not-an-email"],
        "",
    );
    assert_code(&out, 5);
    assert!(stderr(&out).contains("email"));
    assert_code(&env.run(&["client", "show", "99"], ""), 6);
    assert_ok(&env.run(&["client", "add", "--name", "A", "--email", "a@b.io"], ""));
    let out = env.run(&["client", "add", "--name", "B", "--email", "A@B.io"], "");
    assert_code(&out, 7);
    assert_ok(&env.run(&["logout"], ""));
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 3);
    // A broken database file is an internal error (1).
    let out = env
        .epic()
        .env("EPIC_DB", env.root().join("missing.db"))
        .args(["client", "list"])
        .output()
        .unwrap();
    assert_ne!(code(&out), 0);
    assert!(!stderr(&out).contains("panic"));
}
}

#[test]
fn closing_the_pipe_early_is_quiet_and_a_full_disk_is_an_error() {
    let env = sales(&Backend::Sqlite);
    let mut script = String::new();
    for i in 0..2000 {
        script.push_str(&format!(
            "client add --name 'Client {i}' --email c{i}@bulk.test --company 'Bulk Company {i}'\n"
        ));
    }
    assert_ok(&env.script(&["--atomic"], &script));

    // `epic client list | head -1`, in every format.
    for (format, first_char) in [("table", '┌'), ("json", '['), ("csv", 'i')] {
        let mut child = env
            .std_command(epic_bin())
            .args(["client", "list", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with(first_char), "{format}: {first}");
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
    }

    // `epic client list > /dev/full`
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env
        .std_command(epic_bin())
        .args(["client", "list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("error:"), "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert!(!err.contains("panic"), "{err}");
}

#[test]
fn piped_tables_never_truncate() {
    let env = sales(&Backend::Sqlite);
    // 200 characters is the longest company name the schema allows; with the
    // name it makes a row far wider than any terminal.
    let company: String = "Cool Startup LLC ".repeat(12)[..199].to_string() + "Z";
    let name = format!("Kevin {}", "Casey".repeat(38));
    assert_eq!(company.chars().count(), 200);
    let out = env.run(
        &[
            "client",
            "add",
            "--name",
            &name,
            "--email",
            "kevin@startup.io",
            "--company",
            &company,
        ],
        "",
    );
    assert_ok(&out);
    let out = env.run(&["client", "list"], "");
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains(&company), "{text}");
    assert!(text.contains(&name), "{text}");
    assert!(!text.contains('…'), "{text}");
    let out = env.run(&["client", "show", "1"], "");
    assert!(stdout(&out).contains(&company), "{}", stdout(&out));
}
