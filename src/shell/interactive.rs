//! The interactive `epic>` shell (stdin is a terminal).
//!
//! * The prompt names who the session belongs to, fresh after every command:
//!   `epic> ` logged out, `epic alice@epic.test (sales)> ` logged in,
//!   `epic (expired) alice@epic.test> ` once the session has expired. It is
//!   right from the first prompt: a session file left by an earlier `login`
//!   is checked before it (a signature check and one indexed read, no
//!   password hashing). The session is then pinned: a `login` made later in
//!   another terminal rewrites the token file but does not change who this
//!   shell is; only `login`, `logout` and `passwd` typed here do.
//! * Tab completion and the greyed usage hint come from [`EpicHelper`],
//!   which reads the ids and emails it offers through this shell's own
//!   session ([`SessionRecords`]) while a line is typed; history rules are
//!   in [`super::history`].
//! * Ctrl-C abandons the line, Ctrl-D on an empty line or `exit`/`quit`
//!   leaves with status 0; an error prints its message and the session goes
//!   on.

use std::cell::RefCell;
use std::io::{self, BufWriter, IsTerminal};
use std::path::PathBuf;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use rustyline::Editor;
use rustyline::config::{Behavior, ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use super::complete::EpicHelper;
use super::complete::data::SessionRecords;
use super::history::HistoryFile;
use super::{Terminal, run_commands};
use crate::commands::{Actor, Context, Flow};
use crate::domain::visible;

/// How many lines the history keeps.
const HISTORY_SIZE: usize = 1000;

/// Runs the read-eval-print loop until `exit` or Ctrl-D; returns the status.
pub fn run(ctx: &mut Context, term: &Terminal) -> i32 {
    // The completer reads records through this same context (its session,
    // its connection) while a line is typed, and the loop uses it between
    // lines: they share it for the session, and `ctx` gets it back after.
    let placeholder = Context::new(PathBuf::new(), PathBuf::new());
    let shared = Rc::new(RefCell::new(std::mem::replace(ctx, placeholder)));
    let code = run_shared(&shared, term);
    if let Ok(cell) = Rc::try_unwrap(shared) {
        *ctx = cell.into_inner();
    }
    code
}

fn run_shared(shared: &Rc<RefCell<Context>>, term: &Terminal) -> i32 {
    // Rustyline draws on stdout: colour needs it to be a terminal as well as
    // stderr (which `term.colour` looked at).
    let colour = term.colour && io::stdout().is_terminal();
    let mut editor = match editor(colour, shared) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return 1;
        }
    };
    let mut history = HistoryFile::open(&mut editor);
    {
        let mut ctx = shared.borrow_mut();
        // `--password-stdin` typed at the shell reads "stdin", which is this
        // terminal: read it without echo so the password never shows.
        ctx.set_line_source(Box::new(|| {
            crate::auth::tty::prompt("").map(|p| Some(p.expose().to_string()))
        }));
        // The shell is who it starts as: the token file is read once, here
        // (a `login` in another terminal later rewrites it, and must not
        // turn this shell, and its prompt, into someone else).
        if let Err(e) = ctx.pin_session() {
            eprintln!("warning: {e}; the shell starts logged out");
        }
        refresh(&mut ctx);
    }
    // The lines of a command whose quote is still open (psql's
    // continuation lines), joined by `\n`.
    let mut pending = String::new();
    loop {
        let (plain, coloured) = match super::split::split(&pending) {
            super::split::Split::Open(open) if !pending.is_empty() => continuation(open),
            _ => prompt(shared.borrow().last_actor.as_ref(), Utc::now()),
        };
        if let Some(helper) = editor.helper_mut() {
            helper.set_prompt(plain.clone(), coloured);
        }
        // No borrow of the context is held here: Tab may read through it.
        let line = match editor.readline(&plain) {
            Ok(line) => line,
            // Ctrl-C abandons the whole command, continuation lines too.
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) if !pending.is_empty() => {
                pending.clear();
                eprintln!("error: line: unterminated quote; the command was abandoned");
                continue;
            }
            Err(ReadlineError::Eof) => {
                if io::stderr().is_terminal() {
                    eprintln!();
                }
                return 0;
            }
            Err(e) => {
                eprintln!("error: reading the line: {e}");
                return 1;
            }
        };
        let text = if pending.is_empty() {
            line
        } else {
            format!("{pending}\n{line}")
        };
        if let super::split::Split::Open(_) = super::split::split(&text)
            && text.len() <= super::script::MAX_LINE
        {
            pending = text;
            continue;
        }
        pending.clear();
        history.record(&mut editor, &text);
        let mut ctx = shared.borrow_mut();
        let (code, flow) = run_line(&mut ctx, &text, term);
        if flow == Flow::Exit {
            return code;
        }
        refresh(&mut ctx);
    }
}

/// The prompt of a continuation line, naming what is still open, as psql's
/// `epic'> `.
fn continuation(open: char) -> (String, String) {
    let mark = if open == '\\' { '-' } else { open };
    let plain = format!("epic{mark}> ");
    (plain.clone(), plain)
}

fn editor(
    colour: bool,
    shared: &Rc<RefCell<Context>>,
) -> rustyline::Result<Editor<EpicHelper, FileHistory>> {
    let config = Config::builder()
        .behavior(Behavior::PreferTerm)
        .auto_add_history(false)
        .history_ignore_space(true)
        .history_ignore_dups(true)?
        .max_history_size(HISTORY_SIZE)?
        .completion_type(CompletionType::List)
        .color_mode(if colour {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .build();
    let mut editor = Editor::with_config(config)?;
    let mut helper = EpicHelper::new(colour);
    helper.set_records(Box::new(SessionRecords::new(Rc::clone(shared))));
    editor.set_helper(Some(helper));
    Ok(editor)
}

/// Runs the commands of one line (`;`-separated, stopping at the first that
/// fails), its output through a locked, buffered stdout flushed after each.
fn run_line(ctx: &mut Context, line: &str, term: &Terminal) -> (i32, Flow) {
    // The window may have been resized since the last command.
    let now = Terminal::detect(true);
    let line_term = Terminal {
        width: now.width,
        height: now.height,
        pager: term.pager.clone(),
        colour: term.colour,
        prefix: String::new(),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    run_commands(ctx, line, &mut out, &line_term)
}

/// Re-reads the session for the prompt (one read transaction per command,
/// none per keystroke; completion reads records only on Tab).
fn refresh(ctx: &mut Context) {
    if !matches!(ctx.current_token(), Ok(Some(_))) {
        ctx.last_actor = None;
        return;
    }
    if ctx.read(|_, _| Ok(())).is_err() {
        // Keep an expired session for the prompt's `(expired)` mark; any
        // other failure (revoked, account gone, database gone) means
        // logged out, and completion then asks the database nothing.
        let now = Utc::now();
        if ctx.last_actor.as_ref().is_none_or(|a| a.expires_at > now) {
            ctx.last_actor = None;
        }
    }
}

/// The prompt for `actor` at `now`: plain, and with ANSI colour. The email
/// comes from the database: its hidden characters are shown escaped.
pub fn prompt(actor: Option<&Actor>, now: DateTime<Utc>) -> (String, String) {
    const EPIC: &str = "\x1b[1;32mepic\x1b[0m";
    let email = |a: &Actor| visible::escape(&a.email).into_owned();
    match actor {
        None => ("epic> ".into(), format!("{EPIC}> ")),
        Some(a) if a.expires_at <= now => (
            format!("epic (expired) {}> ", email(a)),
            format!("{EPIC} \x1b[1;31m(expired)\x1b[0m {}> ", email(a)),
        ),
        Some(a) => {
            let dept = a.department.as_str();
            (
                format!("epic {} ({dept})> ", email(a)),
                format!("{EPIC} \x1b[36m{}\x1b[0m ({dept})> ", email(a)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Department;

    #[test]
    fn the_prompt_shows_hidden_characters_of_the_email_escaped() {
        let now = Utc::now();
        let mut actor = Actor {
            id: 1,
            email: "s\u{1b}]0;pwned\u{7}@x.io".into(),
            full_name: "S".into(),
            department: Department::Sales,
            expires_at: now + chrono::Duration::hours(1),
            db_role: None,
        };
        let (plain, coloured) = prompt(Some(&actor), now);
        assert_eq!(plain, "epic s\\e]0;pwned\\x07@x.io (sales)> ");
        assert!(coloured.contains("s\\e]0;pwned\\x07@x.io") && !coloured.contains('\u{7}'));
        actor.expires_at = now;
        let (plain, _) = prompt(Some(&actor), now);
        assert_eq!(plain, "epic (expired) s\\e]0;pwned\\x07@x.io> ");
    }
}
