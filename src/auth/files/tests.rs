use std::os::unix::fs::symlink;
use std::process::Command;

use super::*;

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

fn chmod(p: &Path, m: u32) {
    fs::set_permissions(p, Permissions::from_mode(m)).unwrap();
}

fn auth_msg<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(Error::Auth(m)) => m.into_owned(),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

/// Runs this very test binary in a shell with `umask`, so that the child
/// (selected by `EPIC_TEST_UMASK_DIR`) writes secrets under that umask.
/// Setting the umask in-process would need `unsafe`.
fn run_child_under_umask(umask: &str, test: &str, dir: &Path) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask {umask} && exec \"$0\" --exact {test} --quiet"
        ))
        .arg(std::env::current_exe().unwrap())
        .env("EPIC_TEST_UMASK_DIR", dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn key_path_sits_beside_the_database() {
    assert_eq!(key_path(Path::new("/x/crm.db")), Path::new("/x/crm.db.key"));
    assert_eq!(key_path(Path::new("crm")), Path::new("crm.key"));
}

#[test]
fn created_key_loads_back_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let db = dir.path().join("crm.db");
    let created = create_key(&db).unwrap();
    assert_eq!(mode(&key_path(&db)), 0o600);
    assert_eq!(load_key(&db).unwrap().as_bytes(), created.as_bytes());
    assert_eq!(
        load_or_create_key(&db).unwrap().as_bytes(),
        created.as_bytes()
    );
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn existing_key_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let first = create_key(&db).unwrap();
    assert!(matches!(create_key(&db), Err(Error::Conflict(_))));
    assert_eq!(load_key(&db).unwrap().as_bytes(), first.as_bytes());
}

#[test]
fn load_or_create_creates_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let a = load_or_create_key(&db).unwrap();
    let b = load_or_create_key(&db).unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[test]
fn key_in_group_shared_dir_is_group_readable() {
    let dir = tempfile::tempdir().unwrap();
    // Shared means setgid (like the database file's 0660); a merely
    // group-writable or world-writable folder (/tmp) is not.
    for (dir_mode, key_mode) in [
        (0o2770, 0o640),
        (0o2750, 0o640),
        (0o770, 0o600),
        (0o3777, 0o600),
    ] {
        let sub = dir.path().join(format!("{dir_mode:o}"));
        fs::create_dir(&sub).unwrap();
        chmod(&sub, dir_mode);
        let db = sub.join("crm.db");
        create_key(&db).unwrap();
        assert_eq!(mode(&key_path(&db)), key_mode, "dir {dir_mode:o}");
        assert!(load_key(&db).is_ok());
    }
}

#[test]
fn group_shared_key_is_0640_even_under_umask_077() {
    if let Ok(dir) = std::env::var("EPIC_TEST_UMASK_DIR") {
        create_key(&Path::new(&dir).join("crm.db")).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o2770);
    run_child_under_umask(
        "077",
        "auth::files::tests::group_shared_key_is_0640_even_under_umask_077",
        dir.path(),
    );
    assert_eq!(mode(&dir.path().join("crm.db.key")), 0o640);
}

#[test]
fn missing_loose_linked_or_short_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let msg = auth_msg(load_key(&db));
    assert!(
        msg.contains("crm.db.key") && msg.contains("epic init"),
        "{msg}"
    );

    create_key(&db).unwrap();
    chmod(&key_path(&db), 0o644);
    assert!(auth_msg(load_key(&db)).contains("open to others"));
    chmod(&key_path(&db), 0o620);
    assert!(auth_msg(load_key(&db)).contains("writable by its group"));
    // Group-readable only in a shared-group folder, which this is not.
    chmod(&key_path(&db), 0o640);
    assert!(auth_msg(load_key(&db)).contains("readable by its group"));
    chmod(&key_path(&db), 0o600);

    let link_db = dir.path().join("link.db");
    symlink(key_path(&db), key_path(&link_db)).unwrap();
    assert!(auth_msg(load_key(&link_db)).contains("symbolic link"));

    let short_db = dir.path().join("short.db");
    write_secret_atomically(&key_path(&short_db), &[1; 16], 0o600).unwrap();
    // A cut key is the file's fault, not a bug: an auth error with the fix.
    assert!(auth_msg(load_key(&short_db)).contains("damaged"));
}

#[test]
fn token_path_is_per_database_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let db = dir.path().join("crm.db");
    fs::write(&db, b"").unwrap();
    let p = token_path(&sessions, &db);
    assert_eq!(p.parent(), Some(sessions.as_path()));
    let name = p.file_name().unwrap().to_str().unwrap();
    assert_eq!(name.len(), 16 + ".token".len(), "{name}");
    assert!(name[..16].bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    // Another spelling of the same file maps to the same session.
    let dotted = dir.path().join(".").join("crm.db");
    assert_eq!(token_path(&sessions, &dotted), p);
    assert_ne!(token_path(&sessions, &dir.path().join("demo.db")), p);
}

#[test]
fn token_round_trips_owner_only_in_a_new_private_dir() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/sessions/abc.token");
    assert_eq!(read_token(&path).unwrap(), None);
    write_token(&path, "eyJ.a.b").unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(read_token(&path).unwrap().as_deref(), Some("eyJ.a.b"));
    delete_token(&path).unwrap();
    assert_eq!(read_token(&path).unwrap(), None);
    delete_token(&path).unwrap();
}

#[test]
fn token_is_0600_even_under_umask_000() {
    if let Ok(dir) = std::env::var("EPIC_TEST_UMASK_DIR") {
        write_token(&Path::new(&dir).join("s/t.token"), "eyJ.a.b").unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run_child_under_umask(
        "000",
        "auth::files::tests::token_is_0600_even_under_umask_000",
        dir.path(),
    );
    assert_eq!(mode(&dir.path().join("s/t.token")), 0o600);
    assert_eq!(mode(&dir.path().join("s")), 0o700);
}

#[test]
fn rewriting_a_token_replaces_the_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.token");
    write_token(&path, &"a".repeat(500)).unwrap();
    let first_inode = fs::metadata(&path).unwrap().ino();
    write_token(&path, "short").unwrap();
    // A new inode renamed into place, not the old file truncated in place:
    // a reader sees the old token or the new one, never a mix.
    assert_ne!(fs::metadata(&path).unwrap().ino(), first_inode);
    assert_eq!(read_token(&path).unwrap().as_deref(), Some("short"));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn loose_token_files_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.token");
    write_token(&path, "tok").unwrap();
    for loose in [0o640, 0o604, 0o620, 0o602] {
        chmod(&path, loose);
        let msg = auth_msg(read_token(&path));
        assert!(
            msg.contains("t.token") && msg.contains("chmod 600"),
            "{msg}"
        );
    }
    chmod(&path, 0o600);

    let link = dir.path().join("link.token");
    symlink(&path, &link).unwrap();
    assert!(auth_msg(read_token(&link)).contains("symbolic link"));

    let subdir = dir.path().join("d.token");
    fs::create_dir(&subdir).unwrap();
    assert!(auth_msg(read_token(&subdir)).contains("not a regular file"));
}

#[test]
fn token_owned_by_someone_else_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.token");
    write_token(&path, "tok").unwrap();
    // Only root can give a file away; elsewhere this case cannot be staged.
    if current_uid().unwrap() != 0 {
        return;
    }
    std::os::unix::fs::chown(&path, Some(4242), None).unwrap();
    assert!(auth_msg(read_token(&path)).contains("another user"));
}

#[test]
fn empty_or_corrupt_token_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.token");
    write_secret_atomically(&path, b"  \n", 0o600).unwrap();
    assert_eq!(read_token(&path).unwrap(), None);
    write_secret_atomically(&path, b"\xff\xfe", 0o600).unwrap();
    assert!(auth_msg(read_token(&path)).contains("corrupt"));
    write_secret_atomically(&path, &vec![b'a'; 70_000], 0o600).unwrap();
    assert!(auth_msg(read_token(&path)).contains("too large"));
}

#[test]
fn a_killed_writers_stale_temp_file_is_swept_but_a_fresh_one_is_kept() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("x.token");
    let stale = dir.path().join(".x.token.0011223344556677.tmp");
    let fresh = dir.path().join(".x.token.8899aabbccddeeff.tmp");
    let other = dir.path().join(".y.token.0011223344556677.tmp");
    for p in [&stale, &fresh, &other] {
        fs::write(p, "half").unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for p in [&stale, &other] {
        File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    write_token(&path, "eyJhbGciOiJIUzI1NiJ9.e30.c2ln").unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists());
    assert!(
        other.exists(),
        "another file's temporaries are not ours to remove"
    );
}

#[test]
fn key_owned_by_someone_else_is_refused_outside_a_shared_folder() {
    // Only root can give a file away; elsewhere this case cannot be staged.
    if current_uid().unwrap() != 0 {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    create_key(&db).unwrap();
    std::os::unix::fs::chown(key_path(&db), Some(4242), None).unwrap();
    let msg = auth_msg(load_key(&db));
    assert!(
        msg.contains("crm.db.key") && msg.contains("another user") && msg.contains("chown"),
        "{msg}"
    );
    // In the team's setgid folder, a colleague's key (same group) is the
    // shared set-up.
    let team = dir.path().join("team");
    fs::create_dir(&team).unwrap();
    chmod(&team, 0o2770);
    let shared_db = team.join("crm.db");
    create_key(&shared_db).unwrap();
    std::os::unix::fs::chown(key_path(&shared_db), Some(4242), None).unwrap();
    load_key(&shared_db).unwrap();
}
