//! The database file itself: who may have made it, who may read it, and
//! whether it is an SQLite file at all — all checked before SQLite opens it.
//!
//! Anyone who can write the file can rewrite a `password_hash` and log in as
//! management; anyone who can read it can take the hashes away. So, as libpq
//! refuses a loose `.pgpass` and epic its own token file, every open refuses
//! a database (or its `-wal`/`-shm`) that
//!
//! * is a symbolic link (never followed: replace it with the file), or not a
//!   regular file (a directory, a device);
//! * belongs to another user, or is readable or writable by others;
//!
//! except the shared-group set-up of the README: a folder with the setgid
//! bit (and not writable by others), the file in the folder's group, group
//! read-write and nothing for others (0660). There the team's members open a
//! file one of them created, which is what the set-up is for.
//!
//! New databases are born complete: the file is created `O_EXCL` (0600, or
//! 0660 in a shared folder) under a temporary name, migrated there, and only
//! then linked into place, refusing to replace anything. So a file at the
//! path that is not an epic database was not made by epic, and `init` and
//! `demo` refuse it instead of adopting it.

use std::fs::{self, Metadata, OpenOptions, Permissions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{configure, migrate, settings};
use crate::error::{Error, Result};

/// What the `-wal` and `-shm` files are called in messages.
const JOURNAL: &str = "database journal";

/// The first 16 bytes of every SQLite 3 database.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// `path` with `suffix` appended (`crm.db` → `crm.db-wal`).
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `path` with its folder resolved to a real one (no symbolic link left), for
/// SQLite, which is opened with `SQLITE_OPEN_NOFOLLOW` and so refuses a link
/// anywhere in the path. The file name itself is never resolved: a link
/// there is refused by [`probe`].
pub(crate) fn resolve(path: &Path) -> Result<PathBuf> {
    let dir = parent(path);
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("--db", format!("{} is not a file path", path.display())))?;
    fs::canonicalize(dir)
        .map(|d| d.join(name))
        .map_err(|e| Error::io(format!("finding the folder of {}", path.display()), e))
}

/// The group of `dir` when it is set up for a shared team database: setgid,
/// and not writable by others (who could otherwise swap the file).
fn shared_group(dir: &Path) -> Option<u32> {
    let m = fs::metadata(dir).ok()?;
    (m.mode() & 0o2000 != 0 && m.mode() & 0o002 == 0).then(|| m.gid())
}

/// The effective uid, without `unsafe`: `/proc/self` is owned by it.
fn current_uid() -> Result<u32> {
    fs::metadata("/proc/self")
        .map(|m| m.uid())
        .map_err(|e| Error::io("finding the current user from /proc/self", e))
}

/// What a database path holds: nothing, or a regular file (anything else is
/// refused here, with the fix).
pub(crate) fn probe(path: &Path) -> Result<Option<Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => {
            refuse_non_file(path, &m, "database")?;
            Ok(Some(m))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(path_error(path, e)),
    }
}

/// An error looking a database path up: the path's fault (a file used as
/// a folder, a name too long, a folder we may not enter) is invalid
/// `--db` input naming the fix, not an internal error reported as a crash.
fn path_error(path: &Path, e: io::Error) -> Error {
    let p = path.display();
    let why = match e.kind() {
        io::ErrorKind::NotADirectory => "a part of it before the file name is not a folder",
        io::ErrorKind::InvalidFilename => "the name is too long",
        io::ErrorKind::PermissionDenied => "you may not enter one of its folders",
        _ => return Error::io(format!("reading {p}"), e),
    };
    Error::invalid("--db", format!("cannot use {p}: {why}; check the path"))
}

fn refuse_non_file(path: &Path, meta: &Metadata, what: &str) -> Result<()> {
    let p = path.display();
    if what == JOURNAL {
        // SQLite names its journals itself: a link or a folder there was
        // planted, and the only fix is to take it away (never "use its
        // target", which is the file it would have had SQLite overwrite).
        if !meta.is_file() || meta.file_type().is_symlink() {
            let kind = if meta.file_type().is_symlink() {
                "a symbolic link"
            } else if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file"
            };
            return Err(Error::conflict(format!(
                "{what} {p} is {kind}; epic does not follow or use it: remove it (`rm {p}`), \
                 SQLite makes its own"
            )));
        }
        return Ok(());
    }
    if meta.file_type().is_symlink() {
        let target = fs::canonicalize(path)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "the real file".into());
        return Err(Error::conflict(format!(
            "{what} {p} is a symbolic link; epic does not follow it: use the real path ({target})"
        )));
    }
    if meta.is_dir() {
        return Err(Error::invalid(
            "--db",
            format!("{p} is a directory, not a database file; name a file inside it"),
        ));
    }
    if !meta.is_file() {
        return Err(Error::invalid(
            "--db",
            format!("{p} is not a regular file, so it cannot be a database"),
        ));
    }
    Ok(())
}

/// Refuses the database and its `-wal`/`-shm` (when present) if they are
/// links, belong to another user, or are open to others: see the module doc.
/// Each message names the file and the command that fixes it.
pub(crate) fn check_ownership(path: &Path) -> Result<()> {
    let me = current_uid()?;
    let group = shared_group(parent(path));
    for (file, what) in [
        (path.to_path_buf(), "database"),
        (sidecar(path, "-wal"), JOURNAL),
        (sidecar(path, "-shm"), JOURNAL),
    ] {
        let meta = match fs::symlink_metadata(&file) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(path_error(&file, e)),
        };
        refuse_non_file(&file, &meta, what)?;
        check_one(&file, &meta, what, me, group)?;
    }
    Ok(())
}

/// The rule for one file; `group` is the shared folder's group, if any.
fn check_one(file: &Path, meta: &Metadata, what: &str, me: u32, group: Option<u32>) -> Result<()> {
    let p = file.display();
    let mode = meta.mode() & 0o777;
    let shared = group == Some(meta.gid());
    // The owner first: `chmod` is no fix for a file someone else owns (and
    // can chmod back), and a journal planted by another user is theirs to
    // rewrite whatever its mode.
    if meta.uid() != me && !shared {
        let fix = if what == JOURNAL {
            format!("remove it (`rm {p}`) once no epic is running, if the database is yours")
        } else {
            format!("run `chown {me} {p}` as root, or use your own copy")
        };
        return Err(Error::conflict(format!(
            "{what} {p} belongs to another user (uid {}); epic opens only your own database \
             (or a shared-group one, see the README): {fix}",
            meta.uid()
        )));
    }
    if mode & 0o007 != 0 {
        let fix = if shared { "660" } else { "600" };
        return Err(Error::conflict(format!(
            "{what} {p} is open to other users (mode {mode:03o}); anyone could read the \
             password hashes or rewrite them: run `chmod {fix} {p}`"
        )));
    }
    if mode & 0o070 != 0 && !(shared && mode & 0o010 == 0) {
        return Err(Error::conflict(format!(
            "{what} {p} is open to its group (mode {mode:03o}) outside a shared-group folder \
             (setgid, same group: see the README); run `chmod 600 {p}`"
        )));
    }
    Ok(())
}

/// Refuses, at once and before SQLite writes anything to it, a file that is
/// not an epic database: not SQLite at all (SQLite itself would only say so
/// once the pool gave up), an empty file, or another program's database
/// (its `application_id`, bytes 68-71 of the header). Every database epic
/// makes is born with its id (see [`create_database`]); when a `-wal` is
/// there the id may still be only in it, and SQLite is asked instead.
pub(crate) fn check_header(path: &Path) -> Result<()> {
    let mut head = Vec::with_capacity(100);
    fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut head))
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if head.is_empty() {
        return Err(not_epic(path));
    }
    if head.len() < 100 || &head[..16] != MAGIC {
        return Err(not_a_database(path));
    }
    let id = i32::from_be_bytes([head[68], head[69], head[70], head[71]]);
    let wal = fs::metadata(sidecar(path, "-wal")).is_ok_and(|m| m.len() > 0);
    if id != super::APPLICATION_ID && !wal {
        return Err(not_epic(path));
    }
    Ok(())
}

/// The error for a file epic did not make.
pub(crate) fn not_epic(path: &Path) -> Error {
    Error::conflict(format!(
        "{} is not an epic database: epic did not create it and will not adopt it; \
         choose a new path, or remove the file if it is yours",
        path.display()
    ))
}

/// The error for a file that is not an SQLite database.
pub(crate) fn not_a_database(path: &Path) -> Error {
    Error::conflict(format!(
        "{} is not an SQLite database (corrupt, or some other kind of file); check --db, \
         or restore the database from a backup",
        path.display()
    ))
}

/// Creates a complete, migrated epic database at `path`, with `marks` in its
/// settings table, unless something is already there: `Ok(false)` then
/// (the caller checks what it is). See the module doc for why the file is
/// built under a temporary name and linked into place.
pub fn create_database(path: &Path, marks: &[(&str, &str)]) -> Result<bool> {
    if probe(path)?.is_some() {
        return Ok(false);
    }
    let dir = parent(path);
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mode = if shared_group(dir).is_some() {
        0o660
    } else {
        0o600
    };
    let real = resolve(path)?;
    let tmp = temp_name(&real)?;
    let built = build(&tmp, mode, marks);
    let placed = built.and_then(|()| place(&tmp, &real));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = fs::remove_file(sidecar(&tmp, suffix));
    }
    placed
}

/// A fresh, random sibling name of `path`.
fn temp_name(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("--db", format!("{} is not a file path", path.display())))?;
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd)
        .map_err(|e| Error::internal(format!("OS random number generator: {e}")))?;
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    Ok(parent(path).join(format!(".{}.{suffix}.new", name.to_string_lossy())))
}

/// Creates `tmp` (`O_CREAT|O_EXCL|O_NOFOLLOW`, exactly `mode`), migrates it,
/// writes `marks`, and closes it (checkpointed: no `-wal` left).
fn build(tmp: &Path, mode: u32, marks: &[(&str, &str)]) -> Result<()> {
    let ctx = || format!("creating {}", tmp.display());
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .mode(mode)
        .open(tmp)
        .map_err(|e| Error::io(ctx(), e))?;
    // The umask may have removed bits we asked for; set them exactly.
    file.set_permissions(Permissions::from_mode(mode))
        .map_err(|e| Error::io(ctx(), e))?;
    drop(file);
    let mut conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    configure(&mut conn)?;
    migrate::to_latest(&mut conn)?;
    for (key, value) in marks {
        settings::set(&conn, key, value)?;
    }
    conn.close().map_err(|(_, e)| Error::from(e))?;
    Ok(())
}

/// Links the finished `tmp` to `path`, never replacing what is there.
fn place(tmp: &Path, path: &Path) -> Result<bool> {
    match fs::hard_link(tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests;
