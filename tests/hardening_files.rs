//! Issue 12, files and sessions: databases, keys and history files epic did
//! not make or that others can reach, `demo` on a real database, files that
//! are not databases, a shell that changes who it is, and tokens with
//! absurd lifetimes. Each test fails on the code before the fix.
mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// Gives `p` to `nobody` (uid 65534): only root can.
fn chown_nobody(p: &Path) {
    std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
}

fn key_of(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.key", db.display()))
}

/// `epic --db DB ARGS` with `stdin`.
fn on(env: &Env, db: &Path, args: &[&str], stdin: &str) -> Output {
    env.bare()
        .arg("--db")
        .arg(db)
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap()
}

fn init_on(env: &Env, db: &Path) -> Output {
    on(
        env,
        db,
        &[
            "init",
            "--name",
            "Ada Admin",
            "--email",
            "admin@epic.test",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )
}

/// Asserts a refusal with `code`, one line on stderr containing every needle.
fn refused(out: &Output, code: i32, needles: &[&str]) {
    assert_code(out, code);
    let e = stderr(out);
    assert_eq!(e.trim().lines().count(), 1, "one line: {e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} missing from: {e}");
    }
}

// ---------------------------------------------------------------------------
// 1. Database files epic did not create, or that others can reach.

#[test]
fn init_refuses_a_file_planted_by_another_user() {
    let env = Env::new();
    std::fs::write(&env.db, b"").unwrap();
    chmod(&env.db, 0o666);
    if is_root() {
        chown_nobody(&env.db);
    }
    let out = init_on(&env, &env.db);
    if is_root() {
        // Another user's file: `chmod` is no fix (they can chmod it back).
        refused(&out, 7, &["crm.db", "belongs to another user", "chown"]);
        assert!(!stderr(&out).contains("chmod"), "{}", stderr(&out));
    } else {
        refused(&out, 7, &["crm.db", "chmod 600"]);
    }
    // Nothing adopted: the file is as it was, and no key was made.
    assert_eq!(mode(&env.db), 0o666);
    assert_eq!(std::fs::metadata(&env.db).unwrap().len(), 0);
    assert!(!key_of(&env.db).exists());
}

#[test]
fn init_refuses_an_existing_file_that_is_not_an_epic_database() {
    let env = Env::new();
    std::fs::write(&env.db, b"").unwrap();
    chmod(&env.db, 0o600);
    let out = init_on(&env, &env.db);
    refused(&out, 7, &["crm.db", "not an epic database"]);
    assert_eq!(std::fs::metadata(&env.db).unwrap().len(), 0);
    assert!(!key_of(&env.db).exists());
    // A new file is created owner-only, and an epic database without
    // accounts yet may still be initialised.
    let fresh = env.root().join("fresh.db");
    assert_ok(&init_on(&env, &fresh));
    assert_eq!(mode(&fresh), 0o600);
    assert_eq!(mode(&key_of(&fresh)), 0o600);
}

#[test]
fn every_open_refuses_a_database_or_journal_open_to_others() {
    let env = Env::staffed();
    let db = env.db.display().to_string();
    chmod(&env.db, 0o644);
    let out = env.run(&["client", "list"], "");
    refused(&out, 7, &[&db, &format!("chmod 600 {db}")]);
    chmod(&env.db, 0o640);
    let out = env.run(&["whoami"], "");
    refused(&out, 7, &[&db, "chmod 600"]);
    chmod(&env.db, 0o600);
    assert_ok(&env.run(&["whoami"], ""));

    let wal = PathBuf::from(format!("{db}-wal"));
    if !wal.exists() {
        std::fs::write(&wal, b"").unwrap();
    }
    chmod(&wal, 0o666);
    let out = env.run(&["whoami"], "");
    refused(&out, 7, &[&format!("{db}-wal"), "chmod 600"]);
    chmod(&wal, 0o600);
    assert_ok(&env.run(&["whoami"], ""));
}

#[test]
fn a_database_owned_by_another_user_is_refused() {
    if !is_root() {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    let env = Env::staffed();
    chown_nobody(&env.db);
    let out = env.run(&["client", "list"], "");
    refused(&out, 7, &["crm.db", "another user", "chown"]);
    std::os::unix::fs::chown(&env.db, Some(0), Some(0)).unwrap();
    assert_ok(&env.run(&["client", "list"], ""));
}

#[test]
fn the_shared_group_set_up_works_and_nothing_looser() {
    let env = Env::new();
    let team = env.root().join("team");
    std::fs::create_dir(&team).unwrap();
    chmod(&team, 0o2770);
    let db = team.join("crm.db");
    assert_ok(&init_on(&env, &db));
    assert_eq!(mode(&db), 0o660);
    assert_eq!(mode(&key_of(&db)), 0o640);
    assert_ok(&on(
        &env,
        &db,
        &["login", "admin@epic.test", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    ));
    assert_ok(&on(&env, &db, &["whoami"], ""));
    // Others never: 0664 is refused even there.
    chmod(&db, 0o664);
    let out = on(&env, &db, &["whoami"], "");
    refused(&out, 7, &["crm.db", "chmod 660"]);
    // And without the setgid folder, group access is refused.
    chmod(&db, 0o660);
    chmod(&team, 0o770);
    let out = on(&env, &db, &["whoami"], "");
    refused(&out, 7, &["crm.db", "chmod 600"]);
}

#[test]
fn a_symlinked_database_path_is_refused_and_never_written_through() {
    let env = Env::staffed();
    let link = env.root().join("link.db");
    symlink(&env.db, &link).unwrap();
    let before = dump(&env.db);
    let out = on(&env, &link, &["client", "list"], "");
    refused(&out, 7, &["link.db", "symbolic link"]);
    // `init` through a dangling link creates nothing at its target.
    let target = env.root().join("elsewhere.db");
    let dangling = env.root().join("dangling.db");
    symlink(&target, &dangling).unwrap();
    let out = init_on(&env, &dangling);
    refused(&out, 7, &["dangling.db", "symbolic link"]);
    assert!(!target.exists());
    assert_eq!(dump(&env.db), before);
}

// ---------------------------------------------------------------------------
// 4. Files that are not databases fail at once.

#[test]
fn a_corrupt_database_or_a_directory_fails_at_once() {
    let env = Env::new();
    let junk = env.root().join("junk.db");
    let bytes: Vec<u8> = (0..16384u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&junk, bytes).unwrap();
    chmod(&junk, 0o600);
    let started = Instant::now();
    let out = on(&env, &junk, &["whoami"], "");
    let took = started.elapsed();
    refused(&out, 7, &["junk.db", "not an SQLite database"]);
    assert!(took < Duration::from_millis(1500), "took {took:?}");

    let folder = env.root().join("folder.db");
    std::fs::create_dir(&folder).unwrap();
    let started = Instant::now();
    let out = on(&env, &folder, &["whoami"], "");
    let took = started.elapsed();
    refused(&out, 5, &["folder.db", "is a directory"]);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    // `init` on either says the same at once, before asking for anything.
    let started = Instant::now();
    refused(&init_on(&env, &junk), 7, &["not an SQLite database"]);
    refused(&init_on(&env, &folder), 5, &["is a directory"]);
    assert!(started.elapsed() < Duration::from_millis(3000));
}

// ---------------------------------------------------------------------------
// 2. The signing key's owner; a symlinked history file.

#[test]
fn a_signing_key_owned_by_another_user_is_refused() {
    if !is_root() {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    let env = Env::staffed();
    let key = key_of(&env.db);
    chown_nobody(&key);
    let out = env.run(&["whoami"], "");
    refused(&out, 3, &["crm.db.key", "another user", "chown"]);
    let out = env.run(
        &["login", "admin@epic.test", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    refused(&out, 3, &["crm.db.key", "another user"]);
    std::os::unix::fs::chown(&key, Some(0), Some(0)).unwrap();
    assert_ok(&env.run(&["whoami"], ""));
}

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

/// `epic` (the interactive shell) in a pseudo-terminal on `env`.
fn shell(env: &Env, extra: &[(&str, &str)]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.env("TERM", "xterm");
    for (key, value) in extra {
        cmd.env(key, value);
    }
    let options = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    spawn_with_options(cmd, options).expect("spawn epic in a pty")
}

/// Ctrl-D, and the shell's exit status.
fn leave(mut p: PtySession) {
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    match p.process.wait().unwrap() {
        rexpect::process::wait::WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("epic did not exit normally: {other:?}"),
    }
}

const ADMIN_PROMPT: &str = "epic admin@epic.test (management)> ";
/// Any logged-in prompt.
const A_PROMPT: &str = r"epic \S+@\S+ \(\w+\)> ";

#[test]
fn a_symlinked_history_file_is_refused_and_its_target_untouched() {
    let env = Env::staffed();
    let target = env.root().join("notes.txt");
    std::fs::write(&target, "my notes\n").unwrap();
    chmod(&target, 0o644);
    let link = env.root().join("history-link");
    symlink(&target, &link).unwrap();
    let mut p = shell(&env, &[("EPIC_HISTFILE", link.to_str().unwrap())]);
    p.exp_string("history not saved").unwrap();
    p.exp_string("symbolic link").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("client list").unwrap();
    p.exp_string("(0 rows)").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    leave(p);
    assert_eq!(mode(&target), 0o644, "the link's target was re-moded");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "my notes\n");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

// ---------------------------------------------------------------------------
// 9. A running shell keeps the identity it started with.

#[test]
fn a_login_in_another_terminal_does_not_change_a_running_shell() {
    let env = Env::staffed(); // the token file says admin
    let mut p = shell(&env, &[("NO_COLOR", "1")]);
    p.exp_string(ADMIN_PROMPT).unwrap();
    // Another terminal logs in as someone else: the token file changes.
    env.login("sales1@epic.test");
    p.send_line("whoami").unwrap();
    let said = p.exp_string("session_expires").unwrap();
    assert!(said.contains("admin@epic.test"), "whoami said: {said}");
    assert!(!said.contains("sales1@epic.test"), "whoami said: {said}");
    let (_, prompt) = p.exp_regex(A_PROMPT).unwrap();
    assert_eq!(prompt, ADMIN_PROMPT);
    // What the shell does, it does as admin: management may not add clients.
    p.send_line("client add --name 'Ann Lee' --email ann@lee.io")
        .unwrap();
    p.exp_string("permission denied").unwrap();
    let (_, prompt) = p.exp_regex(A_PROMPT).unwrap();
    assert_eq!(prompt, ADMIN_PROMPT);
    // The one-shot commands of the other terminal follow the file, as ever.
    let out = env.run(&["whoami"], "");
    assert!(stdout(&out).contains("sales1@epic.test"));
    leave(p);
    assert_eq!(env.sql_i64("SELECT count(*) FROM clients"), 0);
}

// ---------------------------------------------------------------------------
// 3. `demo` resets or reuses only a database it created.

fn demo(env: &Env, db: &Path, args: &[&str]) -> Output {
    env.bare()
        .env("EPIC_DEMO_DB", db)
        .arg("demo")
        .args(args)
        .write_stdin("")
        .output()
        .unwrap()
}

#[test]
fn demo_refuses_to_reset_or_reuse_a_database_it_did_not_create() {
    let env = Env::staffed();
    let before = dump(&env.db);
    let key = std::fs::read(key_of(&env.db)).unwrap();
    let token = env.token();
    for args in [&["--reset"][..], &[][..]] {
        let out = demo(&env, &env.db, args);
        let verb = if args.is_empty() { "reuse" } else { "reset" };
        refused(&out, 7, &["crm.db", "not a demo database", verb]);
        assert!(
            !stdout(&out).contains("epic-demo-password"),
            "{}",
            stdout(&out)
        );
    }
    // The real database, its key and its session are untouched.
    assert_eq!(dump(&env.db), before);
    assert_eq!(std::fs::read(key_of(&env.db)).unwrap(), key);
    assert_eq!(env.token(), token);
    assert_ok(&env.run(&["whoami"], ""));
}

#[test]
fn demo_marks_the_database_it_creates_and_may_reset_it() {
    let env = Env::new();
    let db = env.root().join("my-demo.db");
    assert_ok(&demo(&env, &db, &[]));
    let mark: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT value FROM settings WHERE key = 'demo'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!mark.is_empty());
    assert_eq!(mode(&db), 0o600);
    assert_ok(&demo(&env, &db, &["--reset"]));
    assert_ok(&demo(&env, &db, &[]));
}

// ---------------------------------------------------------------------------
// 10. Correctly signed tokens with absurd claims are refused, never a panic.

/// A token for admin (id 1, their current token version) signed with the
/// database's real key, with the given time claims.
fn forged(env: &Env, iat: i64, nbf: i64, exp: i64) -> String {
    let key = std::fs::read(key_of(&env.db)).unwrap();
    let ver = env.sql_i64("SELECT token_version FROM collaborators WHERE id = 1");
    let claims = serde_json::json!({"sub": "1", "ver": ver, "iat": iat, "nbf": nbf, "exp": exp});
    let enc = jsonwebtoken::EncodingKey::from_secret(&key).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &enc,
    )
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn signed_tokens_with_absurd_lifetimes_are_refused_not_panicked_on() {
    let env = Env::staffed();
    let t = now();
    let day = 24 * 3600;
    // A sane forged token works: the key and the claims are right.
    let sane = forged(&env, t, t, t + 3600);
    assert_ok(&env.run_with(&[("EPIC_TOKEN", &sane)], &["whoami"], ""));
    let cases = [
        ("exp = 2^62", t, t, 1i64 << 62),
        ("exp = i64::MAX", t, t, i64::MAX),
        ("a year-long session", t, t, t + 365 * day),
        ("32 days", t, t, t + 32 * day),
        ("iat in the future", t + 3600, t, t + 7200),
        ("iat far in the future", i64::MAX - 10, t, t + 60),
        ("exp before iat", t, t, t - 1),
        ("negative iat", -(1i64 << 62), t, t + 60),
        ("huge nbf", t, 1i64 << 62, (1i64 << 62) + 60),
    ];
    for (what, iat, nbf, exp) in cases {
        let token = forged(&env, iat, nbf, exp);
        for args in [&["whoami"][..], &["client", "list"][..]] {
            let out = env.run_with(&[("EPIC_TOKEN", &token)], args, "");
            assert_code(&out, 3);
            let e = stderr(&out);
            assert!(!e.contains("panicked"), "{what}: {e}");
            assert!(e.contains("log in again"), "{what}: {e}");
        }
    }
}
