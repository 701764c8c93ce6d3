use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

use tempfile::TempDir;

use super::*;
use crate::store::OpenMode;
use crate::store::sqlite::Store;

fn chmod(p: &Path, m: u32) {
    fs::set_permissions(p, Permissions::from_mode(m)).unwrap();
}

fn is_root() -> bool {
    current_uid().unwrap() == 0
}

fn open_err(path: &Path, mode: OpenMode) -> Error {
    Store::open(path, mode).expect_err("the open should be refused")
}

#[test]
fn a_new_database_is_born_complete_and_owner_only() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("n.db");
    assert!(create_database(&path, &[("demo", "1")]).unwrap());
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    // Nothing else was left in the folder (no temporary file, no -wal).
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    let c = Connection::open(&path).unwrap();
    assert!(migrate::is_epic(&c).unwrap());
    assert_eq!(migrate::version(&c).unwrap(), migrate::LATEST);
    assert_eq!(settings::get(&c, "demo").unwrap().as_deref(), Some("1"));
    // A second call replaces nothing.
    assert!(!create_database(&path, &[]).unwrap());
}

#[test]
fn create_refuses_a_file_epic_did_not_make() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("planted.db");
    fs::write(&path, b"").unwrap();
    chmod(&path, 0o600);
    let err = open_err(&path, OpenMode::Create).to_string();
    assert!(err.contains("not an epic database"), "{err}");
    // ...while an epic database is opened as it is.
    let ok = dir.path().join("ok.db");
    drop(Store::open(&ok, OpenMode::Create).unwrap());
    drop(Store::open(&ok, OpenMode::Create).unwrap());
}

#[test]
fn loose_modes_are_refused_with_the_fix() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("m.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    for (mode, fix) in [
        (0o644, "chmod 600"),
        (0o606, "chmod 600"),
        (0o660, "chmod 600"),
    ] {
        chmod(&path, mode);
        let err = open_err(&path, OpenMode::Existing);
        assert_eq!(err.exit_code(), crate::ExitCode::Conflict);
        let msg = err.to_string();
        assert!(msg.contains(fix) && msg.contains("m.db"), "{mode:o}: {msg}");
    }
    chmod(&path, 0o600);
    // A loose -wal is refused too.
    let wal = sidecar(&path, "-wal");
    fs::write(&wal, b"").unwrap();
    chmod(&wal, 0o644);
    let msg = open_err(&path, OpenMode::Existing).to_string();
    assert!(
        msg.contains("m.db-wal") && msg.contains("chmod 600"),
        "{msg}"
    );
    fs::remove_file(&wal).unwrap();
    drop(Store::open(&path, OpenMode::Existing).unwrap());
}

#[test]
fn the_shared_group_set_up_is_allowed() {
    let dir = TempDir::new().unwrap();
    let shared = dir.path().join("team");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o2770);
    let path = shared.join("crm.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o660);
    drop(Store::open(&path, OpenMode::Existing).unwrap());
    // Others still get nothing.
    chmod(&path, 0o664);
    let msg = open_err(&path, OpenMode::Existing).to_string();
    assert!(msg.contains("chmod 660"), "{msg}");
    // Without the setgid bit the group bits are refused.
    chmod(&path, 0o660);
    chmod(&shared, 0o770);
    let msg = open_err(&path, OpenMode::Existing).to_string();
    assert!(msg.contains("shared-group"), "{msg}");
}

#[test]
fn another_users_database_is_refused() {
    if !is_root() {
        return; // only root can give a file away
    }
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("o.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
    let err = open_err(&path, OpenMode::Existing);
    assert_eq!(err.exit_code(), crate::ExitCode::Conflict);
    let msg = err.to_string();
    assert!(
        msg.contains("another user") && msg.contains("chown"),
        "{msg}"
    );
}

#[test]
fn links_directories_and_garbage_are_refused_at_once() {
    let dir = TempDir::new().unwrap();
    let real = dir.path().join("real.db");
    drop(Store::open(&real, OpenMode::Create).unwrap());
    let link = dir.path().join("link.db");
    symlink(&real, &link).unwrap();
    for mode in [OpenMode::Existing, OpenMode::Create] {
        let msg = open_err(&link, mode).to_string();
        assert!(msg.contains("symbolic link"), "{msg}");
    }
    // A dangling link is not created through either.
    let dangling = dir.path().join("dangling.db");
    symlink(dir.path().join("target.db"), &dangling).unwrap();
    assert!(
        open_err(&dangling, OpenMode::Create)
            .to_string()
            .contains("symbolic link")
    );
    assert!(!dir.path().join("target.db").exists());

    let started = std::time::Instant::now();
    let sub = dir.path().join("folder.db");
    fs::create_dir(&sub).unwrap();
    let err = open_err(&sub, OpenMode::Existing);
    assert_eq!(err.exit_code(), crate::ExitCode::Invalid);
    assert!(err.to_string().contains("is a directory"), "{err}");
    let junk = dir.path().join("junk.db");
    fs::write(&junk, vec![0x5a; 8192]).unwrap();
    chmod(&junk, 0o600);
    let msg = open_err(&junk, OpenMode::Existing).to_string();
    assert!(msg.contains("not an SQLite database"), "{msg}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn a_corrupt_database_with_a_valid_header_fails_at_once() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("c.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    // Keep the magic and the application id, garble the page size and the
    // format numbers: only SQLite can tell, and the pool must not retry it.
    let mut bytes = fs::read(&path).unwrap();
    for b in &mut bytes[16..24] {
        *b = 0xff;
    }
    fs::write(&path, &bytes).unwrap();
    let started = std::time::Instant::now();
    let err = open_err(&path, OpenMode::Existing);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{err}"
    );
    assert!(err.to_string().contains("c.db"), "{err}");
}

#[test]
fn a_linked_folder_on_the_way_is_fine() {
    let dir = TempDir::new().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    symlink(dir.path().join("real"), dir.path().join("via")).unwrap();
    let path = dir.path().join("via").join("x.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    drop(Store::open(&path, OpenMode::Existing).unwrap());
    assert!(dir.path().join("real").join("x.db").is_file());
}
