//! The file a `backup` writes, whichever backend: claimed first, owner-only
//! (a backup holds every client), and never an existing file.

use std::path::Path;

use crate::error::{Error, Result};

/// Creates `path` owner-only, refusing (a conflict) if it exists.
pub fn create_new_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::conflict(format!(
            "{} already exists; choose a new file",
            path.display()
        ))),
        Err(e) => Err(Error::io(format!("creating {}", path.display()), e)),
    }
}
