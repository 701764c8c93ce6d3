//! Where things live: the database, the session tokens, the history.
//!
//! Everything defaults to the user's data directory as the `directories`
//! crate computes it (`$XDG_DATA_HOME/epic` on Linux), and each location can
//! be overridden from the environment for tests and shared installations.

use std::path::PathBuf;

use directories::ProjectDirs;

use crate::error::{Error, Result};

fn project() -> Result<ProjectDirs> {
    ProjectDirs::from("", "", "epic").ok_or_else(|| {
        Error::internal("cannot find the home directory to keep epic's data in; set --db and HOME")
    })
}

/// The data directory (`$XDG_DATA_HOME/epic`).
pub fn data_dir() -> Result<PathBuf> {
    Ok(project()?.data_dir().to_path_buf())
}

/// The default database when neither `--db` nor `EPIC_DB` is given.
pub fn default_db() -> Result<PathBuf> {
    Ok(data_dir()?.join("epic.db"))
}

/// The demo database.
pub fn demo_db() -> Result<PathBuf> {
    Ok(data_dir()?.join("demo.db"))
}

/// Where session tokens are kept, one file per database.
pub fn session_dir() -> Result<PathBuf> {
    Ok(data_dir()?.join("sessions"))
}

/// The interactive history file: `EPIC_HISTFILE`, else the state directory
/// (`$XDG_STATE_HOME/epic/history`), else the data directory.
pub fn history_file() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("EPIC_HISTFILE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dirs = project()?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_dir());
    Ok(dir.join("history"))
}

/// True when colour is allowed: a terminal, and `NO_COLOR` unset or empty.
pub fn colour_allowed(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
