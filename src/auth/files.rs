//! The signing key and session token files: owner-only, written atomically,
//! and refused on read when their permissions say someone else could have
//! read or planted them (as libpq refuses a loose `.pgpass`).
//!
//! Unix only, like the rest of the shell's file handling.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::token::SigningKey;
use crate::error::{Error, Result};

/// Neither file legitimately exceeds this; a bigger one is not ours.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// The signing key's path: the database path with `.key` appended
/// (`crm.db` → `crm.db.key`), so the key travels with its database.
pub fn key_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

/// Generates a signing key and writes it beside the database, refusing to
/// replace an existing one (that would log everybody out, and a racing
/// process may already be using it): [`Error::Conflict`] if it exists.
///
/// The file is 0600, except 0640 when the database's directory is
/// group-shared (setgid bit, and not world-writable like /tmp; the same rule
/// as the database file's 0660): there the whole team opens
/// the database and must read the key to log in, while the SPEC's threat
/// model already grants staff the database file itself. Others never get
/// access.
pub fn create_key(db_path: &Path) -> Result<SigningKey> {
    let path = key_path(db_path);
    let dir = parent(&path);
    let shared = fs::metadata(dir)
        .map(|m| m.mode() & 0o2000 != 0 && m.mode() & 0o002 == 0)
        .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    let key = SigningKey::generate()?;
    let tmp = write_temp(&path, key.as_bytes(), if shared { 0o640 } else { 0o600 })?;
    // `hard_link` fails if the target exists, atomically, where `rename`
    // would silently replace it.
    let linked = fs::hard_link(&tmp, &path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(dir);
            Ok(key)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::conflict(format!(
            "a signing key already exists at {}; refusing to replace it",
            path.display()
        ))),
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}

/// Reads the signing key beside the database. Refuses a symbolic link, a
/// key with any permission for others, and a key owned by another user
/// (outside the shared-group set-up).
pub fn load_key(db_path: &Path) -> Result<SigningKey> {
    let path = key_path(db_path);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::auth(format!(
                "no signing key beside the database ({}); was it created with `epic init`?",
                path.display()
            )));
        }
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    refuse_non_file(&path, &meta, "signing key")?;
    // Others may not touch it at all, and nobody but the owner may replace
    // it (whoever writes the key can mint sessions for every account).
    if meta.mode() & 0o027 != 0 {
        return Err(Error::auth(format!(
            "signing key {} is writable by its group or open to others (mode {:03o}); run `chmod go-w,o= {}`",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        )));
    }
    // Its group may read it only in the shared set-up (the 0640 key that
    // `create_key` makes there): elsewhere the group is not the team, and
    // reading the key is minting sessions for every account.
    let shared = in_shared_folder(&path, &meta);
    if meta.mode() & 0o040 != 0 && !shared {
        return Err(Error::auth(format!(
            "signing key {} is readable by its group (mode {:03o}) outside a shared-group \
             folder (setgid, same group: see the README); run `chmod 600 {}`",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        )));
    }
    // Whoever owns the key can rewrite it: only this user, or (the shared
    // set-up) whoever created it in the team's setgid folder.
    let me = current_uid()?;
    if meta.uid() != me && !shared {
        return Err(Error::auth(format!(
            "signing key {} belongs to another user (uid {}), who could mint sessions for \
             every account; run `chown {me} {}` as root, or `epic init` a database of your own",
            path.display(),
            meta.uid(),
            path.display()
        )));
    }
    SigningKey::from_bytes(read_same_file(&path, &meta)?).map_err(|_| {
        // Not a bug of ours (exit 1, a crash report): the file was cut or
        // replaced; tokens it would check mean nothing.
        Error::auth(format!(
            "signing key {} is damaged (too short to be one epic made); restore it from \
             the backup of the database, or `epic init` a new database",
            path.display()
        ))
    })
}

/// True when `path` sits in a group-shared folder (setgid, not writable by
/// others) and belongs to that folder's group: the README's shared set-up.
fn in_shared_folder(path: &Path, meta: &fs::Metadata) -> bool {
    fs::metadata(parent(path))
        .is_ok_and(|d| d.mode() & 0o2000 != 0 && d.mode() & 0o002 == 0 && d.gid() == meta.gid())
}

/// Replaces the signing key with a fresh one (`init` on a database with no
/// account yet): tokens signed for an earlier database at this path die.
pub fn rotate_key(db_path: &Path) -> Result<SigningKey> {
    match fs::remove_file(key_path(db_path)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("replacing the signing key", e)),
    }
    create_key(db_path)
}

/// Writes `key` beside the database at `db_path` (a backup's copy), refusing
/// to replace a file that is already there.
pub fn save_key_copy(db_path: &Path, key: &SigningKey) -> Result<()> {
    let path = key_path(db_path);
    let tmp = write_temp(&path, key.as_bytes(), 0o600)?;
    let linked = fs::hard_link(&tmp, &path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::conflict(format!(
            "{} already exists; choose a new file",
            path.display()
        ))),
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}

/// [`load_key`], or [`create_key`] when there is none yet. Two processes
/// racing here end up with the same key: the loser of the link loads it.
pub fn load_or_create_key(db_path: &Path) -> Result<SigningKey> {
    match fs::symlink_metadata(key_path(db_path)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match create_key(db_path) {
            Err(Error::Conflict(_)) => load_key(db_path),
            other => other,
        },
        _ => load_key(db_path),
    }
}

/// The session token file for a database: `<16 hex digits>.token` in
/// `session_dir`, the digits from the SHA-256 of the database's canonical
/// path. One file per database, so logging in to the demo database does not
/// log you out of another one.
pub fn token_path(session_dir: &Path, db_path: &Path) -> PathBuf {
    let canonical = fs::canonicalize(db_path)
        .or_else(|_| std::path::absolute(db_path))
        .unwrap_or_else(|_| db_path.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    session_dir.join(format!("{hex}.token"))
}

/// Saves a session token, owner-only (0600), replacing any previous one
/// atomically; creates its directory 0700 if missing.
pub fn write_token(path: &Path, token: &str) -> Result<()> {
    let dir = parent(path);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    write_secret_atomically(path, token.as_bytes(), 0o600)
}

/// The saved session token, or `None` if there is none. Refuses (with the
/// file and the fix in the message) a symbolic link, a file with any group or
/// other permission, or a file owned by another user: such a token may have
/// been read or planted by someone else.
pub fn read_token(path: &Path) -> Result<Option<String>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    refuse_non_file(path, &meta, "session file")?;
    if meta.mode() & 0o077 != 0 {
        return Err(Error::auth(format!(
            "session file {} has group or other permissions (mode {:03o}); it must be \
             owner-only: run `chmod 600 {}`, or delete it and log in again",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        )));
    }
    if meta.uid() != current_uid()? {
        return Err(Error::auth(format!(
            "session file {} belongs to another user (uid {}); delete it and log in again",
            path.display(),
            meta.uid()
        )));
    }
    let text = String::from_utf8(read_same_file(path, &meta)?).map_err(|_| {
        Error::auth(format!(
            "session file {} is corrupt; delete it and log in again",
            path.display()
        ))
    })?;
    let token = text.trim();
    Ok((!token.is_empty()).then(|| token.to_owned()))
}

/// Deletes the session token file; a missing one is fine (already logged out).
pub fn delete_token(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(Error::io(format!("deleting {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` with permission bits exactly `mode` (whatever
/// the umask), via a temporary file in the same directory that is fsynced
/// and renamed over `path`: a crash leaves the old file or the new one,
/// never half of either.
pub fn write_secret_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = write_temp(path, bytes, mode)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("replacing {}", path.display()), e));
    }
    sync_dir(parent(path));
    sweep_stale_temps(path);
    Ok(())
}

/// Removes temporary siblings of `path` that a killed writer left behind
/// (older than a minute, so a concurrent writer's file is never touched).
fn sweep_stale_temps(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(parent(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !(file_name.starts_with(&prefix) && file_name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 60);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Writes and fsyncs a fresh, randomly named sibling of `path`.
fn write_temp(path: &Path, bytes: &[u8], mode: u32) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::internal(format!("{} is not a file path", path.display())))?;
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd)
        .map_err(|e| Error::internal(format!("OS random number generator: {e}")))?;
    let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = parent(path).join(format!(".{}.{suffix}.tmp", name.to_string_lossy()));
    let written = (|| -> io::Result<()> {
        // create_new: never follow or reuse something already there.
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask can only clear bits from `mode`; setting them explicitly
        // makes the result exact (0640 survives a umask of 077).
        f.set_permissions(Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(Error::io(format!("writing {}", path.display()), e))
        }
    }
}

/// Makes a rename durable. Best effort: some filesystems cannot fsync a
/// directory, and the data itself is already on disk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn refuse_non_file(path: &Path, meta: &fs::Metadata, what: &str) -> Result<()> {
    if meta.file_type().is_symlink() {
        return Err(Error::auth(format!(
            "{what} {} is a symbolic link; refusing to follow it: replace it with the file itself",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(Error::auth(format!(
            "{what} {} is not a regular file",
            path.display()
        )));
    }
    Ok(())
}

/// Reads `path`, checking that the opened file is the one `meta` described,
/// so a symlink swapped in after the checks is not followed.
fn read_same_file(path: &Path, meta: &fs::Metadata) -> Result<Vec<u8>> {
    let ctx = || format!("reading {}", path.display());
    let f = File::open(path).map_err(|e| Error::io(ctx(), e))?;
    let now = f.metadata().map_err(|e| Error::io(ctx(), e))?;
    if (now.dev(), now.ino()) != (meta.dev(), meta.ino()) {
        return Err(Error::auth(format!(
            "{} changed while being checked; try again",
            path.display()
        )));
    }
    let mut buf = Vec::new();
    f.take(MAX_SECRET_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(ctx(), e))?;
    if buf.len() as u64 > MAX_SECRET_FILE {
        return Err(Error::auth(format!("{} is too large", path.display())));
    }
    Ok(buf)
}

/// The effective uid, without `unsafe`: `/proc/self` is owned by it (for any
/// dumpable process, which this one is).
pub(crate) fn current_uid() -> Result<u32> {
    fs::metadata("/proc/self")
        .map(|m| m.uid())
        .map_err(|e| Error::io("finding the current user from /proc/self", e))
}

#[cfg(test)]
mod tests;
