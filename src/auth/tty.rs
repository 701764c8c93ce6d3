//! The hidden password prompt on the controlling terminal.
//!
//! Not rpassword: with it, Ctrl-C at the prompt killed the whole shell and
//! left the terminal without echo. Here the terminal is switched to no-echo
//! *and* no-signal mode, Ctrl-C is made a line terminator (`VEOL`), and the
//! original settings are restored by a guard whatever happens; a Ctrl-C
//! abandons the entry with an error and the session goes on.

use std::fs::File;
use std::io::{Read, Write};

use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};
use zeroize::Zeroizing;

use super::Password;
use crate::error::{Error, Result};

/// The byte Ctrl-C sends.
const INTERRUPT: u8 = 0x03;

/// Longest entry accepted, in bytes.
const MAX_ENTRY: usize = 4096;

/// Restores the terminal's settings when dropped.
struct Restore<'a> {
    tty: &'a File,
    original: Termios,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.tty, SetArg::TCSAFLUSH, &self.original);
    }
}

/// Opens the controlling terminal, or explains what scripts must do instead.
pub fn open_terminal() -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Error::invalid(
                "password",
                "no terminal to prompt on; pass --password-stdin and pipe it",
            )
        })
}

/// Shows `text` and reads one line without echo. Ctrl-C or Ctrl-D abandon.
pub fn prompt(text: &str) -> Result<Password> {
    let entry = read_line(text, false)?;
    let text =
        std::str::from_utf8(&entry).map_err(|_| Error::invalid("password", "not valid UTF-8"))?;
    Ok(Password::any(text.trim_end_matches('\r').to_string()))
}

/// Asks a yes/no question on the terminal (`delete client 3 (Kevin
/// Casey)? [y/N] `): true only for `y` or `yes`. Ctrl-C, Ctrl-D or
/// anything else is no.
pub fn confirm(question: &str) -> Result<bool> {
    match read_line(question, true) {
        Ok(entry) => {
            let answer = String::from_utf8_lossy(&entry).trim().to_lowercase();
            Ok(answer == "y" || answer == "yes")
        }
        Err(Error::Invalid { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Shows `text` and reads one line (echoed or not) with Ctrl-C made a line
/// terminator; returns it without its terminator. Ctrl-C or Ctrl-D abandon
/// with an invalid-input error.
fn read_line(text: &str, echo: bool) -> Result<Zeroizing<Vec<u8>>> {
    let tty = open_terminal()?;
    let original = termios::tcgetattr(&tty).map_err(|e| terminal_error(e.into()))?;
    let mut hidden = original.clone();
    hidden.local_flags.remove(LocalFlags::ISIG);
    if echo {
        hidden
            .local_flags
            .insert(LocalFlags::ICANON | LocalFlags::ECHO);
    } else {
        hidden.local_flags.remove(LocalFlags::ECHO);
        hidden
            .local_flags
            .insert(LocalFlags::ICANON | LocalFlags::ECHONL);
    }
    hidden.control_chars[SpecialCharacterIndices::VEOL as usize] = INTERRUPT;
    let guard = Restore {
        tty: &tty,
        original,
    };
    termios::tcsetattr(&tty, SetArg::TCSAFLUSH, &hidden).map_err(|e| terminal_error(e.into()))?;
    let mut writer = &tty;
    writer
        .write_all(text.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(terminal_error)?;
    let entry = read_entry(&tty);
    drop(guard);
    let entry = entry?;
    if entry.last() == Some(&INTERRUPT) || entry.is_empty() {
        // No newline was echoed for Ctrl-C or Ctrl-D: end the prompt's line.
        let _ = (&tty).write_all(b"\n");
        return Err(Error::invalid("password", "entry cancelled"));
    }
    let len = entry.len() - 1;
    Ok(Zeroizing::new(entry[..len].to_vec()))
}

/// Shows `text` on the terminal and reads one line, echoed (the email at
/// `login`). Without a terminal, the `field` is required on the command line.
pub fn prompt_line(text: &str, field: &'static str) -> Result<String> {
    use std::io::{BufRead, BufReader};
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| Error::invalid(field, "required (no terminal to ask on)"))?;
    let mut writer = &tty;
    writer
        .write_all(text.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(terminal_error)?;
    let mut line = String::new();
    BufReader::new(&tty)
        .take(1024)
        .read_line(&mut line)
        .map_err(terminal_error)?;
    Ok(line.trim().to_string())
}

/// Reads up to and including the terminator (`\n` or Ctrl-C); empty at EOF.
fn read_entry(mut tty: &File) -> Result<Zeroizing<Vec<u8>>> {
    let mut entry = Zeroizing::new(Vec::with_capacity(64));
    let mut chunk = Zeroizing::new([0u8; 256]);
    loop {
        let n = tty.read(&mut chunk[..]).map_err(terminal_error)?;
        if n == 0 {
            return Ok(Zeroizing::new(Vec::new()));
        }
        for &byte in &chunk[..n] {
            entry.push(byte);
            if byte == b'\n' || byte == INTERRUPT {
                return Ok(entry);
            }
        }
        if entry.len() > MAX_ENTRY {
            return Err(Error::invalid("password", "too long"));
        }
    }
}

fn terminal_error(e: std::io::Error) -> Error {
    Error::io("reading the password from the terminal", e)
}
