//! A pager like psql's: a table taller than the terminal goes through
//! `$EPIC_PAGER`, else `$PAGER`, else `less -FRSX` when it is installed.
//!
//! An empty `EPIC_PAGER` (or `PAGER`) and `--no-pager` turn it off; scripts
//! and output that is not a terminal never page. Quitting the pager before
//! the end (`q` in `less`) is not an error: the rest of the output is
//! dropped, as in psql.

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// The pager to run, as chosen from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pager {
    /// A command line from `EPIC_PAGER` or `PAGER`, run by `sh -c`.
    Shell(String),
    /// `less -FRSX` (found on `PATH`).
    Less,
}

impl Pager {
    /// The pager `EPIC_PAGER`, `PAGER` and `PATH` choose, or `None` when
    /// paging is off (one of them set but empty, or no `less`).
    pub fn from_env() -> Option<Pager> {
        Pager::choose(
            std::env::var("EPIC_PAGER").ok(),
            std::env::var("PAGER").ok(),
            || which("less"),
        )
    }

    /// The choice itself, from the two variables' values.
    pub fn choose(
        epic_pager: Option<String>,
        pager: Option<String>,
        less_installed: impl FnOnce() -> bool,
    ) -> Option<Pager> {
        match epic_pager.or(pager) {
            Some(cmd) if cmd.trim().is_empty() => None,
            Some(cmd) => Some(Pager::Shell(cmd)),
            None => less_installed().then_some(Pager::Less),
        }
    }

    /// Shows `text` through the pager and waits for it. Quitting early is
    /// not an error; a pager that cannot start is (the caller then prints
    /// the text itself).
    pub fn page(&self, text: &[u8]) -> io::Result<()> {
        let mut cmd = match self {
            Pager::Shell(line) => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(line);
                c
            }
            Pager::Less => {
                let mut c = Command::new("less");
                c.arg("-FRSX");
                c
            }
        };
        let mut child = cmd.stdin(Stdio::piped()).spawn()?;
        // Ctrl-C belongs to the pager while it runs (less uses it to stop a
        // search), not to the shell, as in psql.
        let _guard = IgnoreInterrupt::new();
        if let Some(mut stdin) = child.stdin.take() {
            match stdin.write_all(text) {
                // The pager quit before reading everything.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
        child.wait()?;
        Ok(())
    }
}

/// Ignores SIGINT until dropped.
struct IgnoreInterrupt(Option<nix::sys::signal::SigAction>);

impl IgnoreInterrupt {
    #[allow(unsafe_code)]
    fn new() -> IgnoreInterrupt {
        use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
        let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
        // SAFETY: installing SIG_IGN runs no code of ours in the handler.
        IgnoreInterrupt(unsafe { sigaction(Signal::SIGINT, &ignore) }.ok())
    }
}

impl Drop for IgnoreInterrupt {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            // SAFETY: restores the disposition that was in place before.
            let _ =
                unsafe { nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGINT, &previous) };
        }
    }
}

/// True when `program` is an executable file in a `PATH` directory.
fn which(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epic_pager_then_pager_then_less_and_empty_turns_it_off() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            Pager::choose(s("most"), s("more"), || true),
            Some(Pager::Shell("most".into()))
        );
        assert_eq!(
            Pager::choose(None, s("more"), || true),
            Some(Pager::Shell("more".into()))
        );
        assert_eq!(Pager::choose(None, None, || true), Some(Pager::Less));
        assert_eq!(Pager::choose(None, None, || false), None);
        assert_eq!(Pager::choose(s(""), s("more"), || true), None);
        assert_eq!(Pager::choose(s("  "), None, || true), None);
        assert_eq!(Pager::choose(None, s(""), || true), None);
    }
}
