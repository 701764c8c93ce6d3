//! Disk full, read-only filesystems and databases this user cannot write.
//!
//! These need root (to mount a tiny tmpfs, a read-only bind mount, or to run
//! the binary as `nobody` through `setpriv`). Without those privileges each
//! test prints why it skipped and passes; CI containers here run as root.
mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A filesystem mounted by the test, unmounted (lazily) on drop.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Mounts a tmpfs of `size` at `dir`, or says why it cannot.
fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
    if !is_root() {
        return Err("not running as root, cannot mount a tmpfs".into());
    }
    std::fs::create_dir_all(dir).unwrap();
    sh(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size},mode=0755"),
            "tmpfs",
            dir.to_str().unwrap(),
        ],
    )?;
    Ok(Mount(dir.to_path_buf()))
}

fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// Initialises `env` (whose `db` may live on a tmpfs) with a management
/// and a sales account, logged in as management.
fn staff(env: &Env) {
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    env.init();
    env.login("admin@epic.test");
    let out = env.script(
        &[],
        &format!(
            "collaborator add --name 'Bill Boquet' --email sales1@epic.test --department sales --password-stdin\n{PASSWORD}\n"
        ),
    );
    assert_ok(&out);
}

/// Lets the last SQLite connection close the WAL so `-wal`/`-shm` vanish.
fn settle(db: &Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(c);
}

fn wal_files(db: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", db.display())))
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn disk_full_is_a_clear_error_and_loses_nothing() {
    let mut env = Env::new();
    let mnt = env.root().join("tiny");
    // Declared after `env`: unmounted before the temporary directory goes.
    let _mount = match tmpfs(&mnt, "1m") {
        Ok(m) => m,
        Err(why) => return skip("disk_full", &why),
    };
    env.db = mnt.join("crm.db");
    staff(&env);
    env.login("sales1@epic.test");

    // Leave ~400 KiB free: a few dozen clients' worth of WAL.
    let filler = mnt.join("filler");
    let free = {
        let out = Command::new("df")
            .args(["-k", "--output=avail"])
            .arg(&mnt)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    std::fs::write(
        &filler,
        vec![7u8; (free.saturating_sub(400) * 1024) as usize],
    )
    .unwrap();

    let script: String = (0..5000)
        .map(|j| {
            format!(
                "client add --name 'Filling Client {j}' --email fill{j}@disk.test --company '{}'\n",
                "C".repeat(150)
            )
        })
        .collect();
    let started = Instant::now();
    let out = env.script(&[], &script);
    let (o, e) = (stdout(&out), stderr(&out));
    let acknowledged: Vec<i64> = o.lines().map(|l| l.trim().parse().unwrap()).collect();
    eprintln!(
        "disk full after {} clients in {:?}; stderr: {}",
        acknowledged.len(),
        started.elapsed(),
        e.trim()
    );
    assert!(!acknowledged.is_empty() && acknowledged.len() < 5000);
    assert_eq!(code(&out), 1, "{e}");
    assert!(
        e.contains("disk full") || e.contains("No space left"),
        "unclear message: {e}"
    );
    assert!(!e.contains("panicked"), "{e}");

    // A one-shot command on the full disk fails the same clear way (or,
    // if SQLite found room, succeeds): never a panic or a lock error.
    let one = env.run(
        &[
            "client",
            "add",
            "--name",
            "One Shot",
            "--email",
            "one@disk.test",
        ],
        "",
    );
    let mut also = Vec::new();
    if code(&one) == 0 {
        also.push(stdout(&one).trim().parse::<i64>().unwrap());
    } else {
        assert_eq!(code(&one), 1, "{}", stderr(&one));
        let e = stderr(&one);
        assert!(
            e.contains("disk full") || e.contains("No space left"),
            "{e}"
        );
    }

    // Space returns: nothing acknowledged is missing, writes work again.
    std::fs::remove_file(&filler).unwrap();
    let stored: std::collections::BTreeSet<i64> = {
        let c = env.sql();
        let mut st = c.prepare("SELECT id FROM clients").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    for id in acknowledged.iter().chain(&also) {
        assert!(stored.contains(id), "acknowledged client {id} lost");
    }
    let again = env.run(
        &[
            "client",
            "add",
            "--name",
            "After Space",
            "--email",
            "after@disk.test",
        ],
        "",
    );
    assert_ok(&again);
    assert_eq!(integrity(&env.db), "ok");
}

/// Runs `epic client list` on `db` with a valid `EPIC_TOKEN`, optionally as
/// another user (`setpriv` prefix); returns the output and the time taken.
fn open_elsewhere(
    env: &Env,
    db: &Path,
    token: &str,
    as_user: Option<u32>,
) -> (std::process::Output, Duration) {
    let mut cmd = match as_user {
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg(env!("CARGO_BIN_EXE_epic"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_epic")),
    };
    let home = env.root().join("other-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("EPIC_ARGON2_COST", "256,1,1")
        .env("EPIC_DB", db)
        .env("EPIC_TOKEN", token)
        .args(["client", "list"])
        .stdin(Stdio::null())
        .current_dir(&home);
    let started = Instant::now();
    let out = cmd.output().expect("run epic");
    (out, started.elapsed())
}

fn assert_fails_fast_and_clean(test: &str, out: &std::process::Output, took: Duration, db: &Path) {
    let e = stderr(out);
    eprintln!("{test}: exit {} in {took:?}: {}", code(out), e.trim());
    assert_eq!(code(out), 1, "{test}: {e}");
    assert!(took < Duration::from_secs(2), "{test}: took {took:?}");
    assert!(
        e.contains("read-only") && e.contains(&db.display().to_string()),
        "{test}: unclear message: {e}"
    );
    assert!(!e.contains("panicked") && !e.contains("timed out"), "{e}");
    assert_eq!(
        wal_files(db),
        Vec::<PathBuf>::new(),
        "{test}: left files behind"
    );
}

/// A staffed environment whose database is in `root/shared/`, with no
/// `-wal`/`-shm` left; returns it and a management token.
fn shared_env() -> (Env, String) {
    let mut env = Env::new();
    env.db = env.root().join("shared").join("crm.db");
    staff(&env);
    let token = env.token_for("admin@epic.test");
    settle(&env.db);
    assert!(wal_files(&env.db).is_empty(), "precondition: no WAL files");
    (env, token)
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_nobody(p: &Path) -> Result<(), String> {
    sh("chown", &["65534:65534", p.to_str().unwrap()])
}

/// Root ignores permission bits: as root, run the binary as `nobody`.
fn other_user(test: &str) -> Result<Option<u32>, ()> {
    if !is_root() {
        return Ok(None);
    }
    match sh(
        "setpriv",
        &["--reuid=65534", "--regid=65534", "--clear-groups", "true"],
    ) {
        Ok(()) => Ok(Some(65534)),
        Err(why) => {
            skip(test, &format!("root, and cannot drop to nobody: {why}"));
            Err(())
        }
    }
}

#[test]
fn read_only_mount_fails_fast_and_leaves_nothing() {
    if !is_root() {
        return skip("read_only_mount", "needs root for a read-only bind mount");
    }
    let (env, token) = shared_env();
    let ro = env.root().join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    let src = env.db.parent().unwrap().to_str().unwrap().to_string();
    if let Err(why) = sh("mount", &["--bind", &src, ro.to_str().unwrap()]) {
        return skip("read_only_mount", &why);
    }
    let _mount = Mount(ro.clone());
    if let Err(why) = sh("mount", &["-o", "remount,bind,ro", ro.to_str().unwrap()]) {
        return skip("read_only_mount", &why);
    }
    let db = ro.join("crm.db");
    let (out, took) = open_elsewhere(&env, &db, &token, None);
    assert_fails_fast_and_clean("read_only_mount", &out, took, &db);
}

/// The user's own folder and file, made read-only (0555 / 0444).
#[test]
fn read_only_folder_fails_fast_and_leaves_nothing() {
    let Ok(user) = other_user("read_only_folder") else {
        return;
    };
    let (env, token) = shared_env();
    let dir = env.db.parent().unwrap().to_path_buf();
    let key = PathBuf::from(format!("{}.key", env.db.display()));
    if user.is_some() {
        chmod(env.root(), 0o755);
        for p in [&dir, &env.db, &key] {
            chown_nobody(p).unwrap();
        }
    }
    chmod(&env.db, 0o444);
    chmod(&dir, 0o555);
    let (out, took) = open_elsewhere(&env, &env.db, &token, user);
    chmod(&dir, 0o755);
    assert_fails_fast_and_clean("read_only_folder", &out, took, &env.db);
}

/// A database owned by another user who can read it but not write it, in a
/// folder this user *can* write: the dangerous case, where a read-only open
/// would create `-wal`/`-shm` files owned by this user and lock the owner out.
#[test]
fn database_owned_by_someone_else_fails_fast_and_leaves_nothing() {
    if !is_root() {
        return skip(
            "foreign_owner",
            "needs root to make a file owned by another user",
        );
    }
    let Ok(Some(user)) = other_user("foreign_owner") else {
        return;
    };
    let (env, token) = shared_env();
    let dir = env.db.parent().unwrap().to_path_buf();
    let key = PathBuf::from(format!("{}.key", env.db.display()));
    chmod(env.root(), 0o755);
    chown_nobody(&dir).unwrap(); // the folder is writable by the user...
    chown_nobody(&key).unwrap(); // ...who may read the signing key...
    chmod(&env.db, 0o644); // ...but the database belongs to root.
    let (out, took) = open_elsewhere(&env, &env.db, &token, Some(user));
    assert_fails_fast_and_clean("foreign_owner", &out, took, &env.db);
    // The owner still works normally, once the files are theirs and closed
    // to others again (a 0644 database, or a key owned by someone else, is
    // refused to its owner too: tests/hardening_files.rs).
    chmod(&env.db, 0o600);
    sh("chown", &["0:0", key.to_str().unwrap()]).unwrap();
    let own = env.run(&["client", "list"], "");
    assert_ok(&own);
}
