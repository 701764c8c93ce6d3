//! Issue 12, checked again from outside after the merge: the variations an
//! attacker (or a new user) tries next, each one a gap the first round left.
mod common;

use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn key_of(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

/// A staffed environment with client 1 added by sales1, who is logged in.
fn with_client() -> Env {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    let out = env.run(
        &[
            "client",
            "add",
            "--name",
            "Kevin Casey",
            "--email",
            "kevin@startup.io",
        ],
        "",
    );
    assert_ok(&out);
    env
}

// ---- Item 5: JSON wrote DEL (U+007F) raw: serde_json leaves it unescaped.

#[test]
fn json_escapes_del_too() {
    let env = with_client();
    env.sql()
        .execute_batch("update clients set full_name = 'x'||char(127)||'y' where id = 1")
        .unwrap();
    for args in [
        &["client", "list", "--format", "json"][..],
        &["client", "show", "1", "--format", "json"][..],
    ] {
        let out = env.run(args, "");
        assert_ok(&out);
        let text = stdout(&out);
        assert!(!text.contains('\u{7f}'), "raw DEL in {args:?}: {text:?}");
        assert!(text.contains(r"x\u007fy"), "{text}");
        // Still the same JSON value.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = if value.is_array() {
            value[0]["full_name"].clone()
        } else {
            value["full_name"].clone()
        };
        assert_eq!(name, "x\u{7f}y");
    }
    // CSV and tables escaped it already; they still do.
    for format in ["csv", "table"] {
        let out = env.run(&["client", "list", "--format", format], "");
        assert!(!stdout(&out).contains('\u{7f}'), "{format}");
    }
}

// ---- Item 8: a mistyped `--password-stdin` let the next line (the
// password) run as a command under --keep-going, quoted by its error.

#[test]
fn a_mistyped_password_flag_still_keeps_the_next_line_secret() {
    let env = Env::staffed();
    for flag in ["--password-std", "--password-stdin=yes", "--password"] {
        let script =
            format!("login admin@epic.test {flag}\nHunter2-Secret-Line\nwhoami --format json\n");
        for (args, stdin) in [
            (vec!["--keep-going"], script.clone()),
            (vec!["--keep-going", "-f", "s.epic"], String::new()),
        ] {
            std::fs::write(env.root().join("s.epic"), &script).unwrap();
            let out = env.run(&args, &stdin);
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!all.contains("Hunter2"), "{flag} {args:?}: {all}");
            assert_ne!(code(&out), 0, "{flag}");
            // The line after the password still runs.
            assert!(stdout(&out).contains("admin@epic.test"), "{flag}: {all}");
        }
    }
}

// ---- Item 9: a long script kept following the token file.

#[test]
fn a_long_script_keeps_the_identity_it_started_with() {
    let env = Env::staffed();
    let marker = env.root().join("first-command-ran.db");
    let mut child = env
        .std_command(epic_bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The first command reads the session (admin's) and leaves a mark.
    writeln!(stdin, "backup {}", marker.display()).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "backup never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Meanwhile, another terminal logs in as someone else.
    env.login("sales1@epic.test");
    writeln!(stdin, "whoami --format json").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_ok(&out);
    // After the backup's message, whoami's record.
    let text = stdout(&out);
    let who: serde_json::Value = serde_json::from_str(&text[text.find('{').unwrap()..]).unwrap();
    assert_eq!(who["email"], "admin@epic.test", "{who}");
    // The other terminal's session is left alone, and a new script uses it.
    let out = env.run(&["whoami", "--format", "json"], "");
    assert!(stdout(&out).contains("sales1@epic.test"));
}

// ---- Items 1 and 2: file checks that named the wrong fix, or none.

#[test]
fn a_group_readable_key_outside_a_shared_folder_is_refused() {
    let env = Env::staffed();
    chmod(&key_of(&env.db), 0o640);
    let out = env.run(&["whoami"], "");
    assert_code(&out, 3);
    let e = stderr(&out);
    assert!(
        e.contains("crm.db.key") && e.contains("readable by its group") && e.contains("chmod 600"),
        "{e}"
    );
    chmod(&key_of(&env.db), 0o600);
    assert_ok(&env.run(&["whoami"], ""));
}

#[test]
fn a_damaged_key_is_an_authentication_error_not_a_crash() {
    let env = Env::staffed();
    let key = key_of(&env.db);
    let f = std::fs::OpenOptions::new().write(true).open(&key).unwrap();
    f.set_len(5).unwrap();
    let out = env.run(&["whoami"], "");
    assert_code(&out, 3);
    let e = stderr(&out);
    assert!(
        e.contains("crm.db.key") && e.contains("damaged") && !e.contains("internal"),
        "{e}"
    );
}

#[test]
fn a_planted_journal_is_to_be_removed_never_used() {
    let env = Env::staffed();
    let victim = env.root().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let wal = env.root().join("crm.db-wal");
    symlink(&victim, &wal).unwrap();
    let out = env.run(&["whoami"], "");
    assert_code(&out, 7);
    let e = stderr(&out);
    assert!(e.contains("crm.db-wal") && e.contains("rm "), "{e}");
    // Never "use the real path (the victim)".
    assert!(!e.contains("real path") && !e.contains("victim"), "{e}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    std::fs::remove_file(&wal).unwrap();
    // A folder in its place: the fix is the same, not "name a file inside it".
    std::fs::create_dir(&wal).unwrap();
    let out = env.run(&["whoami"], "");
    assert_code(&out, 7);
    let e = stderr(&out);
    assert!(e.contains("directory") && e.contains("rm "), "{e}");
    assert!(!e.contains("--db"), "{e}");
    std::fs::remove_dir(&wal).unwrap();
    if is_root() {
        // Another user's journal, open to all: theirs, so no chmod advice.
        std::fs::write(&wal, b"").unwrap();
        chmod(&wal, 0o666);
        std::process::Command::new("chown")
            .args(["nobody"])
            .arg(&wal)
            .status()
            .unwrap();
        let out = env.run(&["whoami"], "");
        assert_code(&out, 7);
        let e = stderr(&out);
        assert!(
            e.contains("belongs to another user") && !e.contains("chmod"),
            "{e}"
        );
    }
}

#[test]
fn an_unusable_database_path_is_invalid_input_not_an_internal_error() {
    let env = Env::staffed();
    let long = env.root().join(format!("{}.db", "a".repeat(300)));
    let through_a_file = env.db.join("x.db");
    for db in [long, through_a_file] {
        for args in [
            vec!["whoami"],
            vec![
                "init",
                "--name",
                "Ada Admin",
                "--email",
                "a@b.io",
                "--password-stdin",
            ],
        ] {
            let out = env.run_with(
                &[("EPIC_DB", db.to_str().unwrap())],
                &args,
                format!("{PASSWORD}\n"),
            );
            assert_code(&out, 5);
            let e = stderr(&out);
            assert!(
                e.starts_with("error: --db: cannot use") && !e.contains("internal"),
                "{e}"
            );
        }
    }
}
