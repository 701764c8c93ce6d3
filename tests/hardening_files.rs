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
    refused(&out, 7, &["crm.db", "chmod 600"]);
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
