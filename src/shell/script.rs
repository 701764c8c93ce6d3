//! Script mode: each line of stdin or of a file is a command.
//!
//! No prompt, no colour, no history. Blank lines and `#` comments are
//! skipped. The first failing line stops the script with `FILE:LINE:
//! message` on stderr and that line's exit status, unless `--keep-going`.
//! With `--atomic` the whole script is one transaction: all or nothing.
//!
//! Lines are read as bytes, so an overlong line (over [`MAX_LINE`]), invalid
//! UTF-8 or a NUL byte is an error for that line, never a crash or an
//! unbounded allocation.

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use super::{Terminal, run_parsed, split};
use crate::commands::{self, Context, Flow};
use crate::error::{Error, Result};

/// The longest line accepted, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// How a script runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Run every line even after a failure.
    pub keep_going: bool,
    /// All or nothing.
    pub atomic: bool,
}

/// A script's lines, shared with `--password-stdin`, which takes the next one.
pub struct Lines {
    reader: Box<dyn BufRead>,
    /// The number of the last line read (1-based).
    pub number: usize,
    /// True when the last line read holds `--password` (the start of
    /// `--password-stdin`; as bytes, so also for a line that cannot be
    /// decoded or parsed).
    pub wants_password: bool,
    /// True when the last line read starts with `passwd` (two password lines).
    pub passwd: bool,
}

impl Lines {
    /// Lines read from `reader`.
    pub fn new(reader: Box<dyn BufRead>) -> Lines {
        Lines {
            reader,
            number: 0,
            wants_password: false,
            passwd: false,
        }
    }

    /// The next line without its end-of-line, `None` at the end. A line that
    /// is too long, not UTF-8 or holds a NUL is `Some(Err(..))`.
    pub fn next_line(&mut self) -> Option<Result<String>> {
        let mut buf = Vec::new();
        let read = (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf);
        match read {
            Err(e) => return Some(Err(Error::io("reading the script", e))),
            Ok(0) => return None,
            Ok(_) => {}
        }
        self.number += 1;
        self.passwd = buf.trim_ascii_start().starts_with(b"passwd");
        self.wants_password = buf
            .windows(PASSWORD_STDIN.len())
            .any(|w| w == PASSWORD_STDIN);
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            if let Err(e) = self.skip_rest_of_line() {
                return Some(Err(e));
            }
            return Some(Err(Error::invalid(
                field_at(&buf, buf.len()),
                format!("the line is longer than {} KiB", MAX_LINE / 1024),
            )));
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if let Some(nul) = buf.iter().position(|&b| b == 0) {
            return Some(Err(Error::invalid(
                field_at(&buf, nul),
                "contains a NUL byte",
            )));
        }
        Some(String::from_utf8(buf).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            Error::invalid(field_at(e.as_bytes(), at), "is not valid UTF-8")
        }))
    }

    /// Skips to the end of an overlong line, still noticing a
    /// `--password-stdin` in it (with a tail kept across chunks).
    fn skip_rest_of_line(&mut self) -> Result<()> {
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let chunk = self
                .reader
                .fill_buf()
                .map_err(|e| Error::io("reading the script", e))?;
            if chunk.is_empty() {
                return Ok(());
            }
            let end = chunk.iter().position(|&b| b == b'\n');
            let part = &chunk[..end.unwrap_or(chunk.len())];
            tail.extend_from_slice(part);
            let seen = tail
                .windows(PASSWORD_STDIN.len())
                .any(|w| w == PASSWORD_STDIN);
            let keep = tail.len().saturating_sub(PASSWORD_STDIN.len());
            tail.drain(..keep);
            let n = end.map_or(chunk.len(), |i| i + 1);
            self.reader.consume(n);
            self.wants_password |= seen;
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

/// What a line's raw bytes are searched for: the start of
/// `--password-stdin`, so that a mistyped flag still counts (see
/// [`password_lines`]).
const PASSWORD_STDIN: &[u8] = PASSWORD_FLAG.as_bytes();

/// The prefix of `--password-stdin` that marks a line as taking a password.
const PASSWORD_FLAG: &str = "--password";

/// The field a bad byte at `at` belongs to: the last `--flag` before it
/// (`--notes` in `event update 1 --notes "...\0..."`), else `line`. Lines
/// that cannot be decoded never reach clap, so this is the best name we have.
fn field_at(buf: &[u8], at: usize) -> String {
    buf[..at.min(buf.len())]
        .split(|b| b.is_ascii_whitespace())
        .rev()
        .map(|w| w.trim_ascii_start().strip_prefix(b"'").unwrap_or(w))
        .map(|w| w.strip_prefix(b"\"").unwrap_or(w))
        .find(|w| w.starts_with(b"--") && w.len() > 2)
        .map(|w| {
            let flag = w
                .split(|&b| b == b'=' || b == b'\'' || b == b'"')
                .next()
                .unwrap_or(w);
            String::from_utf8_lossy(flag).into_owned()
        })
        .filter(|f| {
            f.chars()
                .skip(2)
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| "line".to_string())
}

/// Runs the script on stdin.
pub fn run_stdin(ctx: &mut Context, options: Options, term: &Terminal) -> i32 {
    let reader = Box::new(BufReader::new(io::stdin()));
    run(ctx, Lines::new(reader), "<stdin>", options, term)
}

/// Runs the script in `path`, exactly as `epic < path` would: its
/// `--password-stdin` lines take their password from the script's next line,
/// never from the real stdin.
pub fn run_file(ctx: &mut Context, path: &Path, options: Options, term: &Terminal) -> i32 {
    match std::fs::File::open(path) {
        Ok(file) => {
            let name = path.display().to_string();
            run(
                ctx,
                Lines::new(Box::new(BufReader::new(file))),
                &name,
                options,
                term,
            )
        }
        Err(e) => {
            // A mistyped script name is the user's error, not ours (exit 1
            // would also report it to Sentry as a crash).
            let err = match e.kind() {
                std::io::ErrorKind::NotFound => {
                    Error::NotFound(format!("no script file {}", path.display()).into())
                }
                std::io::ErrorKind::PermissionDenied => Error::invalid(
                    "-f",
                    format!("cannot read {}: permission denied", path.display()),
                ),
                _ => Error::io(format!("opening {}", path.display()), e),
            };
            term.error(&err);
            err.exit_code().code()
        }
    }
}

/// Runs every line of `lines`; returns the exit status. A command's
/// `--password-stdin` reads the next line of `lines`; whatever the command
/// does (fails before reading, fails after reading one of two, prints its
/// help instead), the lines it was owed are skipped, so a password is never
/// run as a command, nor quoted by an error.
pub fn run(ctx: &mut Context, lines: Lines, name: &str, options: Options, term: &Terminal) -> i32 {
    // A script prints no colour, whatever the terminal.
    let width = term.width;
    // Nor a pager: nobody is there to page.
    let term = Terminal {
        width,
        height: None,
        pager: None,
        colour: false,
        prefix: format!("{name}: "),
    };
    // A long script keeps the session it started with, as the shell does:
    // a login made meanwhile in another terminal is not this script's.
    ctx.pin_session_at_first_use();
    let lines = Rc::new(RefCell::new(lines));
    let shared = Rc::clone(&lines);
    ctx.set_line_source(Box::new(move || {
        shared
            .borrow_mut()
            .next_line()
            .transpose()
            .map_err(password_line_error)
    }));
    if options.atomic
        && let Err(e) = begin(ctx)
    {
        term.error(&e);
        return e.exit_code().code();
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut status = 0;
    loop {
        let next = lines.borrow_mut().next_line();
        let Some(line) = next else { break };
        let number = lines.borrow().number;
        let line_term = Terminal {
            width,
            height: None,
            pager: None,
            colour: false,
            prefix: format!("{name}:{number}: "),
        };
        let secret_lines;
        // A quote left open goes on on the next lines, up to a bound.
        let line = line.and_then(|text| continue_quote(&lines, text, number));
        let end = lines.borrow().number;
        let commands = line.map(|text| {
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                return Vec::new();
            }
            match split::split(text) {
                split::Split::Commands(commands) => commands,
                // Still open (a `--password-stdin` line, or the end of the
                // script): the one command's parse error says so.
                split::Split::Open(_) => vec![text.to_string()],
            }
        });
        let (code, flow) = match commands {
            Ok(commands) => {
                secret_lines = commands.iter().map(|c| password_lines(c)).sum();
                let mut last = (0, Flow::Continue);
                for command in &commands {
                    last = match commands::parse_line(command) {
                        Ok(parsed) => run_parsed(ctx, parsed, &mut out, &line_term),
                        Err(e) => {
                            line_term.error(&e);
                            (e.exit_code().code(), Flow::Continue)
                        }
                    };
                    if last.0 != 0 || last.1 == Flow::Exit {
                        break;
                    }
                }
                last
            }
            Err(e) => {
                // A line that could not even be decoded (NUL, not UTF-8, too
                // long): its raw bytes tell whether it took password lines.
                let l = lines.borrow();
                secret_lines = usize::from(l.wants_password) * (1 + usize::from(l.passwd));
                line_term.error(&e);
                (e.exit_code().code(), Flow::Continue)
            }
        };
        // Skip the password lines the command did not read (it failed
        // first, or printed help): a password is never run as a command.
        let read = lines.borrow().number - end;
        for _ in read..secret_lines {
            let _ = lines.borrow_mut().next_line();
        }
        if code != 0 {
            if status == 0 {
                status = code;
            }
            if !options.keep_going {
                break;
            }
        }
        if flow == Flow::Exit {
            break;
        }
    }
    if options.atomic {
        let outcome = if status == 0 {
            commit(ctx)
        } else {
            rollback(ctx)
        };
        if let Err(e) = outcome {
            term.error(&e);
            if status == 0 {
                status = e.exit_code().code();
            }
        } else if status != 0 {
            let name = crate::domain::visible::escape(name);
            eprintln!("{name}: rolled back: nothing of this script was written");
        }
    }
    status
}

/// How many lines one command may span when a quote is left open.
pub const MAX_CONTINUATION: usize = 100;

/// `text` (line `number`) joined with the lines that close the quote it
/// leaves open, as the interactive shell asks for them: at most
/// [`MAX_CONTINUATION`] lines and [`MAX_LINE`] bytes, else an error naming
/// the line the quote opened on. A line holding `--password` never takes
/// the next line (it is the password), whatever its quotes.
fn continue_quote(lines: &RefCell<Lines>, mut text: String, number: usize) -> Result<String> {
    loop {
        let split::Split::Open(open) = split::split(&text) else {
            return Ok(text);
        };
        if text.trim_start().starts_with('#') || text.contains(PASSWORD_FLAG) {
            return Ok(text);
        }
        let what = if open == '\\' {
            "a trailing backslash".to_string()
        } else {
            format!("the quote {open} opened on line {number}")
        };
        let taken = lines.borrow().number - number + 1;
        if taken >= MAX_CONTINUATION || text.len() > MAX_LINE {
            return Err(Error::invalid(
                "line",
                format!(
                    "{what} is not closed within {MAX_CONTINUATION} lines or {} KiB",
                    MAX_LINE / 1024
                ),
            ));
        }
        let next = lines.borrow_mut().next_line();
        match next {
            None => {
                return Err(Error::invalid(
                    "line",
                    format!("{what} is not closed by the end of the script"),
                ));
            }
            Some(more) => {
                text.push('\n');
                text.push_str(&more?);
            }
        }
    }
}

/// How many of the following lines a `--password-stdin` command takes from
/// the script: two for `passwd` (current and new), one for the others.
/// Looks at the words only (as the shell splits them, so `--notes "...
/// --password-stdin"` is a note; by whitespace when the line cannot be
/// split), so it also works for a line that fails to parse.
fn password_lines(text: &str) -> usize {
    let words =
        shlex::split(text).unwrap_or_else(|| text.split_whitespace().map(String::from).collect());
    // Any word that starts like the flag counts: a mistyped or misused
    // `--password-std` or `--password-stdin=yes` fails to parse, but the
    // line after it is still the password the author meant to give.
    if !words.iter().skip(1).any(|w| w.starts_with(PASSWORD_FLAG)) {
        return 0;
    }
    if words.first().map(String::as_str) == Some("passwd") {
        2
    } else {
        1
    }
}

/// A password line that cannot be read as text: said without a word of it
/// (the line's own error would name a `--flag` found in it).
fn password_line_error(e: Error) -> Error {
    match e {
        Error::Invalid { .. } => Error::invalid(
            "password",
            "the line is not valid text (NUL, not UTF-8 or too long)",
        ),
        other => other,
    }
}

fn begin(ctx: &mut Context) -> Result<()> {
    ctx.conn()?.begin_enclosing()?;
    ctx.hold_reports(true);
    Ok(())
}

fn commit(ctx: &mut Context) -> Result<()> {
    ctx.conn()?.end_enclosing(true)?;
    ctx.hold_reports(false);
    ctx.flush_reports();
    Ok(())
}

fn rollback(ctx: &mut Context) -> Result<()> {
    ctx.discard_reports();
    ctx.hold_reports(false);
    ctx.conn()?.end_enclosing(false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_lines_counts_the_flag_as_a_word_only() {
        assert_eq!(password_lines("login a@x.io --password-stdin"), 1);
        assert_eq!(password_lines("login --password-stdin --help"), 1);
        assert_eq!(password_lines("passwd --password-stdin"), 2);
        assert_eq!(password_lines("  passwd   --password-stdin --bogus"), 2);
        assert_eq!(password_lines("login a@x.io"), 0);
        // Inside a quoted value it is text, not the flag.
        assert_eq!(
            password_lines("event update 1 --notes 'see --password-stdin'"),
            0
        );
        // A line the shell cannot split still counts, by whitespace.
        assert_eq!(password_lines("login 'a@x.io --password-stdin"), 1);
        // So do a mistyped flag and a flag given a value.
        assert_eq!(password_lines("login a@x.io --password-std"), 1);
        assert_eq!(password_lines("login a@x.io --password-stdin=yes"), 1);
        assert_eq!(password_lines("passwd --password"), 2);
    }

    #[test]
    fn an_unreadable_password_line_is_not_quoted() {
        let mut lines = Lines::new(Box::new(io::Cursor::new(b"--hunter2 \0x\n".to_vec())));
        let err = lines.next_line().unwrap().unwrap_err();
        assert!(err.to_string().contains("--hunter2"), "{err}");
        let err = password_line_error(err).to_string();
        assert!(
            err.starts_with("password: ") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
