//! The interactive shell's history: its file, and which lines may enter it.
//!
//! The file is [`config::history_file`] (`EPIC_HISTFILE`, else
//! `$XDG_STATE_HOME/epic/history`), created 0600 in a 0700 directory, loaded
//! at start and appended after each accepted line, so a crash loses nothing
//! and two shells interleave. Rustyline's own `auto_add_history` is off:
//! [`should_record`] decides, and a line it refuses is kept out of memory
//! too (memory is what gets appended).

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory};
use rustyline::history::FileHistory;
use rustyline::{Editor, Helper};

use crate::auth::token::looks_like_token;
use crate::commands::Line;
use crate::config;

/// True when `line` may be written to the history, `previous` being the
/// last line recorded. Refused:
///
/// * blank lines, lines starting with a space (the usual "keep this out"
///   gesture of bash and psql) and a repeat of the previous line;
/// * lines that carry a secret ([`carries_secret`]);
/// * lines whose first word is not a command: most often a password typed
///   at the `epic>` prompt instead of at `Password:`.
pub fn should_record(line: &str, previous: Option<&str>, tree: &Command) -> bool {
    if line.trim().is_empty() || line.starts_with(char::is_whitespace) || previous == Some(line) {
        return false;
    }
    let words = words(line);
    let is_command = words
        .first()
        .is_some_and(|w| tree.find_subcommand(w).is_some());
    is_command && !carries_secret(line, tree)
}

/// True when `line` may hold a secret: every `login` and `passwd` line; a
/// token-shaped word (alone or as `--flag=TOKEN`); a password-like flag
/// given a value (`--password=x`, or `--password x` where no such
/// value-less flag exists in the tree, e.g. a mistyped `--password-stdin`).
pub fn carries_secret(line: &str, tree: &Command) -> bool {
    // Each of `a; login b` counts: one secret keeps the whole line out.
    if let super::split::Split::Commands(commands) = super::split::split(line)
        && commands.len() > 1
    {
        return commands.iter().any(|c| carries_secret(c, tree));
    }
    let words = words(line);
    if matches!(words.first().map(String::as_str), Some("login" | "passwd")) {
        return true;
    }
    words.iter().any(|word| {
        let (flag, value) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (word.as_str(), None),
        };
        let lower = flag.to_lowercase();
        let password_flag =
            flag.starts_with('-') && (lower.contains("password") || lower.contains("passwd"));
        looks_like_token(word)
            || value.is_some_and(looks_like_token)
            || (password_flag
                && (value.is_some() || !valueless_flag(tree, flag.trim_start_matches('-'))))
    })
}

/// The words of a line as the shell splits them; an unterminated quote
/// falls back to whitespace so the check still sees every word.
fn words(line: &str) -> Vec<String> {
    shlex::split(line).unwrap_or_else(|| line.split_whitespace().map(String::from).collect())
}

/// True when some command of the tree has a long flag `name` taking no value.
fn valueless_flag(tree: &Command, name: &str) -> bool {
    tree.get_arguments()
        .any(|a| a.get_long() == Some(name) && !a.get_action().takes_values())
        || tree.get_subcommands().any(|s| valueless_flag(s, name))
}

/// The history file of this session, if it can be used.
pub struct HistoryFile {
    path: Option<PathBuf>,
    /// The built clap tree, to tell commands from stray words.
    tree: Command,
    warned: bool,
    last: Option<String>,
}

impl HistoryFile {
    /// Finds (or creates, owner-only) the history file and loads it into the
    /// editor. A problem is reported once; the session goes on without it.
    pub fn open<H: Helper>(editor: &mut Editor<H, FileHistory>) -> HistoryFile {
        let mut tree = Line::command();
        tree.build();
        let mut history = HistoryFile {
            path: None,
            tree,
            warned: false,
            last: None,
        };
        let path = match config::history_file() {
            Ok(path) => path,
            Err(e) => {
                history.warn(&e.to_string());
                return history;
            }
        };
        let loaded = prepare(&path)
            .map_err(|e| e.to_string())
            .and_then(|()| editor.load_history(&path).map_err(|e| e.to_string()));
        match loaded {
            Ok(()) => {
                history.last = editor.history().iter().next_back().cloned();
                history.path = Some(path);
            }
            Err(e) => history.warn(&format!("{}: {e}", path.display())),
        }
        history
    }

    /// Adds `line` to the history (memory and file) if [`should_record`]
    /// allows it.
    pub fn record<H: Helper>(&mut self, editor: &mut Editor<H, FileHistory>, line: &str) {
        if !should_record(line, self.last.as_deref(), &self.tree) {
            return;
        }
        self.last = Some(line.to_string());
        if let Err(e) = editor.add_history_entry(line) {
            self.warn(&e.to_string());
            return;
        }
        if let Some(path) = &self.path
            && let Err(e) = editor.append_history(path)
        {
            let message = format!("{}: {e}", path.display());
            self.warn(&message);
        }
    }

    fn warn(&mut self, message: &str) {
        if !self.warned {
            self.warned = true;
            // The message names the file, from `EPIC_HISTFILE`: escaped.
            let message = crate::domain::visible::escape(message);
            eprintln!("warning: history not saved ({message}); the session goes on without it");
        }
    }
}

/// Creates the file's directory (0700) and the file (0600) if missing, and
/// narrows an existing file that others could read. Refuses (the error says
/// why and what to do) a symbolic link, which would have the target
/// rewritten and its mode changed, anything but a regular file, and a file
/// of another user.
fn prepare(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let refuse = |why: String| Err(io::Error::other(why));
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return refuse(
                "it is a symbolic link, which epic does not follow: point EPIC_HISTFILE at \
                 a regular file"
                    .into(),
            );
        }
        Ok(m) if !m.is_file() => {
            return refuse("it is not a regular file: point EPIC_HISTFILE at one".into());
        }
        Ok(m) => {
            let me = crate::auth::files::current_uid().map_err(io::Error::other)?;
            if m.uid() != me {
                return refuse(format!(
                    "it belongs to another user (uid {}): run `chown {me} {}` or point \
                     EPIC_HISTFILE elsewhere",
                    m.uid(),
                    path.display()
                ));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .mode(0o600)
        .open(path)?;
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::complete::EpicHelper;

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";

    fn record(line: &str, previous: Option<&str>) -> bool {
        should_record(line, previous, EpicHelper::new(false).tree())
    }

    #[test]
    fn ordinary_commands_are_recorded() {
        assert!(record("client list", None));
        assert!(record("help client add", None));
        assert!(record("collab ls", Some("client list")));
        assert!(record("collaborator update 3 --reset-password", None));
        assert!(record("logout", None));
    }

    #[test]
    fn blank_spaced_and_repeated_lines_are_not() {
        assert!(!record("", None));
        assert!(!record("   ", None));
        assert!(!record(" client list", None));
        assert!(!record("client list", Some("client list")));
    }

    #[test]
    fn secrets_are_not() {
        assert!(!record("login alice@epic.test", None));
        assert!(!record("login", None));
        assert!(!record("whoami; login alice@epic.test", None));
        assert!(!record("version ;passwd --password-stdin", None));
        assert!(!record("passwd --password-stdin", None));
        assert!(!record(&format!("whoami {TOKEN}"), None));
        assert!(!record(&format!("client list --sales={TOKEN}"), None));
        assert!(!record(
            "collaborator add --name A --password hunter2",
            None
        ));
        assert!(!record(
            "collaborator add --name A --password=hunter2",
            None
        ));
        assert!(!record("collaborator add --name 'A --passwd x", None));
    }

    #[test]
    fn a_password_typed_at_the_prompt_is_not() {
        assert!(!record("correct horse battery", None));
        assert!(!record("hunter2", None));
    }

    #[test]
    fn a_linked_or_special_history_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.txt");
        std::fs::write(&target, "mine\n").unwrap();
        std::fs::set_permissions(&target, Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("history");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = prepare(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let meta = std::fs::metadata(&target).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n");
        let err = prepare(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        // A plain file is created owner-only.
        let plain = dir.path().join("h");
        prepare(&plain).unwrap();
        let mode = std::fs::metadata(&plain).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
