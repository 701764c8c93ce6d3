//! The three front doors over one command tree: one-shot (`epic client
//! list`), scripts (`epic < file`, `epic -f file`) and the interactive
//! `epic>` shell.
//!
//! Whatever the door, a line becomes a [`Command`] through the same clap
//! tree, runs through [`commands::execute`], and its [`Output`] is rendered
//! to one buffered writer. Errors print as one line on stderr and map to the
//! exit statuses of SPEC.md.

pub mod complete;
pub mod docs;
pub mod history;
pub mod interactive;
pub mod pager;
pub mod script;
pub mod split;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::Parser;

use crate::commands::{self, Command, Context, Flow};
use crate::config;
use crate::domain::visible;
use crate::error::Error;
use crate::render::{self, Format, Output};
use crate::store::Target;

/// The program's own command line.
#[derive(Debug, Parser)]
#[command(
    name = "epic",
    version,
    about = "Epic Events CRM shell: clients, contracts and events over an embedded SQLite database or a PostgreSQL server",
    long_about = None,
    after_help = "With no COMMAND, epic opens the interactive shell on a terminal, or runs the \
                  lines of stdin as a script.\nExit status: 0 ok, 1 internal error, 2 usage, \
                  3 not logged in, 4 permission denied, 5 invalid input, 6 not found, 7 conflict."
)]
pub struct Cli {
    /// Database file, or a PostgreSQL server as postgresql://USER@HOST[:PORT]/DB[?sslmode=...]
    /// [default: epic.db in the data directory]
    #[arg(long, env = "EPIC_DB", global = true, value_name = "PATH|URL")]
    pub db: Option<std::ffi::OsString>,
    /// Run the lines of FILE as a script (`-` for stdin)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Run one command line and exit, e.g. -c "client list --mine"
    #[arg(short = 'c', long = "command", value_name = "LINE")]
    pub line: Option<String>,
    /// In a script, run every line even after a failure (exit non-zero if any failed)
    #[arg(long, conflicts_with = "atomic")]
    pub keep_going: bool,
    /// Run the whole script as one transaction: all or nothing
    #[arg(long)]
    pub atomic: bool,
    /// Never use colour (also: NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Never page tables taller than the terminal (also: EPIC_PAGER=)
    #[arg(long, global = true)]
    pub no_pager: bool,
    /// The command to run once
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where output goes and how wide it may be.
pub struct Terminal {
    /// Terminal width, or `None` when stdout is not a terminal.
    pub width: Option<usize>,
    /// Terminal height, or `None` when stdout is not a terminal.
    pub height: Option<usize>,
    /// The pager for tables taller than the terminal (`None`: never page;
    /// always `None` in scripts).
    pub pager: Option<pager::Pager>,
    /// Colour allowed on stderr messages.
    pub colour: bool,
    /// Put before every error line (`FILE:LINE: ` in scripts).
    pub prefix: String,
}

impl Terminal {
    /// Reads the state of this process's stdout and stderr.
    pub fn detect(no_color: bool) -> Terminal {
        let size = if io::stdout().is_terminal() {
            terminal_size::terminal_size().filter(|(w, _)| w.0 >= 20)
        } else {
            None
        };
        Terminal {
            width: size.map(|(w, _)| w.0 as usize),
            height: size.map(|(_, h)| h.0 as usize).filter(|&h| h > 0),
            pager: None,
            colour: !no_color && config::colour_allowed(io::stderr().is_terminal()),
            prefix: String::new(),
        }
    }

    /// Prints an error line on stderr (red `error:` when colour is allowed).
    pub fn error(&self, err: &Error) {
        let _ = io::stderr()
            .lock()
            .write_all(self.error_text(err).as_bytes());
    }

    /// The error as printed: `PREFIX error: first line`, further lines
    /// indented. The message may quote user input or database values: every
    /// hidden character in it (and in the prefix, a script's name) is
    /// escaped.
    pub fn error_text(&self, err: &Error) -> String {
        let prefix = visible::escape(&self.prefix);
        let text = err.to_string();
        let mut lines = text.lines().map(visible::escape);
        let first = lines.next().unwrap_or_default();
        let mut out = format!("{prefix}{}: {first}\n", self.label());
        for line in lines {
            out.push_str(&format!("  {line}\n"));
        }
        out
    }

    /// `error`, in bold red when colour is allowed.
    fn label(&self) -> &'static str {
        if self.colour {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        }
    }
}

/// Runs the program with its arguments; returns the exit status.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches_from(&args)
        .and_then(|matches| {
            let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches)?;
            Ok((cli, matches))
        });
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidUtf8 => {
            // clap's message names no argument and is a usage error (2); a
            // value that is not UTF-8 is invalid input naming its field.
            let err = Error::invalid(non_utf8_field(&args), "is not valid UTF-8");
            Terminal::detect(args.iter().any(|a| a == "--no-color")).error(&err);
            return err.exit_code().code();
        }
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            // The same one line naming the field as in the shell and scripts.
            let err = commands::invalid_value(&e);
            Terminal::detect(args.iter().any(|a| a == "--no-color")).error(&err);
            return err.exit_code().code();
        }
        Err(e) => return clap_exit(&e, &args),
    };
    let mut term = Terminal::detect(cli.no_color);
    if !cli.no_pager && term.width.is_some() {
        term.pager = pager::Pager::from_env();
    }
    let target = match &cli.db {
        Some(db) => match db.to_str() {
            Some(text) => Target::parse(text),
            None => Ok(Target::File(PathBuf::from(db))),
        },
        None => config::default_db().map(Target::File),
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => {
            term.error(&e);
            return e.exit_code().code();
        }
    };
    let session_dir = match config::session_dir() {
        Ok(d) => d,
        Err(e) => {
            term.error(&e);
            return e.exit_code().code();
        }
    };
    let mut ctx = Context::with_target(target, session_dir);
    if cli.file.is_none() && io::stdin().is_terminal() {
        // A person at a terminal confirms deletes; scripts and pipes say --yes.
        ctx.set_confirm(Some(Box::new(crate::auth::tty::confirm)));
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());

    if let Some(line) = &cli.line {
        return run_commands(&mut ctx, line, &mut out, &term).0;
    }
    if let Some(command) = cli.command.take() {
        let enter_shell = matches!(command, Command::Demo(_));
        let invocation = commands::Invocation::new(command, &matches);
        let (code, flow) = run_one(&mut ctx, invocation, &mut out, &term);
        if code != 0 || !enter_shell || flow == Flow::Exit {
            return code;
        }
        drop(out);
        return front_door(&mut ctx, &cli.file, cli.keep_going, cli.atomic, &term);
    }
    drop(out);
    front_door(&mut ctx, &cli.file, cli.keep_going, cli.atomic, &term)
}

/// The interactive shell on a terminal, else a script.
fn front_door(
    ctx: &mut Context,
    file: &Option<PathBuf>,
    keep_going: bool,
    atomic: bool,
    term: &Terminal,
) -> i32 {
    let options = script::Options { keep_going, atomic };
    match file {
        Some(path) if path.as_os_str() != "-" => script::run_file(ctx, path, options, term),
        Some(_) => script::run_stdin(ctx, options, term),
        None if io::stdin().is_terminal() => interactive::run(ctx, term),
        None => script::run_stdin(ctx, options, term),
    }
}

/// The flag whose value is the first argument that is not UTF-8 (`--name`
/// for `--name <bytes>` or `--name=<bytes>`), else its position.
fn non_utf8_field(args: &[std::ffi::OsString]) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Some(i) = args.iter().position(|a| a.to_str().is_none()) else {
        return "argument".to_string();
    };
    let bytes = args[i].as_bytes();
    if bytes.starts_with(b"-")
        && let Some(eq) = bytes.iter().position(|&b| b == b'=')
        && let Ok(flag) = std::str::from_utf8(&bytes[..eq])
    {
        return flag.to_string();
    }
    match i.checked_sub(1).and_then(|p| args[p].to_str()) {
        Some(prev) if prev.starts_with('-') && i > 1 => prev.to_string(),
        _ => format!("argument {i}"),
    }
}

/// Prints clap's own message (help and version on stdout, errors on
/// stderr) and returns its status: 0 for `--help`/`--version`, 2 for usage
/// errors, including a noun given without its verb (`epic client`).
///
/// An error quotes the user's words (`unrecognized subcommand '...'`), so it
/// is printed with hidden characters escaped, never with clap's styling
/// around raw input: the arguments are parsed again by an unstyled tree,
/// whose message holds the user's words as typed (clap's plain rendering
/// would delete an escape sequence in them rather than show it), and only
/// our `error` label is coloured.
fn clap_exit(e: &clap::Error, args: &[std::ffi::OsString]) -> i32 {
    if !e.use_stderr() {
        let _ = e.print();
        return e.exit_code();
    }
    let term = Terminal::detect(args.iter().any(|a| a == "--no-color"));
    let _ = write!(io::stderr().lock(), "{}", clap_message(e, args, &term));
    e.exit_code()
}

/// The text of clap's error `e` about `args`, escaped, with our label.
fn clap_message(e: &clap::Error, args: &[std::ffi::OsString], term: &Terminal) -> String {
    let plain = <Cli as clap::CommandFactory>::command()
        .styles(clap::builder::Styles::plain())
        .try_get_matches_from(args)
        .err();
    let text = plain.as_ref().unwrap_or(e).render().ansi().to_string();
    let text = visible::escape_keeping(&text, &['\n']);
    match text.strip_prefix("error:") {
        Some(rest) => format!("{}:{rest}", term.label()),
        None => text.into_owned(),
    }
}

/// Prints an error and returns its exit status.
fn report(term: &Terminal, e: &Error) -> i32 {
    crate::report::report_error(e);
    term.error(e);
    e.exit_code().code()
}

/// Runs a parsed line: prints help, or executes and renders a command.
pub fn run_parsed(
    ctx: &mut Context,
    parsed: commands::ParsedLine,
    out: &mut dyn Write,
    term: &Terminal,
) -> (i32, Flow) {
    match parsed {
        commands::ParsedLine::Empty => (0, Flow::Continue),
        commands::ParsedLine::Help(text) => {
            let help = Output::Message(text.trim_end().into());
            match write_out(out, help, Format::Table, term) {
                Ok(()) => (0, Flow::Continue),
                Err(e) => output_failure(term, e),
            }
        }
        commands::ParsedLine::Command(command) => run_one(ctx, *command, out, term),
    }
}

/// Executes one command and renders its output; with `timing on`, then
/// prints how long it took (as psql's `\timing`, also after an error).
pub fn run_one(
    ctx: &mut Context,
    invocation: commands::Invocation,
    out: &mut dyn Write,
    term: &Terminal,
) -> (i32, Flow) {
    let started = std::time::Instant::now();
    let timed = !matches!(invocation.command, Command::Timing(_) | Command::Exit);
    let (code, flow) = execute_and_render(ctx, invocation, out, term);
    if ctx.timing && timed && flow == Flow::Continue {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Err(e) = writeln!(out, "Time: {ms:.3} ms").and_then(|()| out.flush()) {
            return output_failure(term, e);
        }
    }
    (code, flow)
}

fn execute_and_render(
    ctx: &mut Context,
    invocation: commands::Invocation,
    out: &mut dyn Write,
    term: &Terminal,
) -> (i32, Flow) {
    let format = invocation.format();
    let docs = match &invocation.command {
        Command::Completions(args) => Some(docs::completions(args.shell, out)),
        Command::Man => Some(docs::man(out)),
        _ => None,
    };
    if let Some(written) = docs {
        return match written.and_then(|()| out.flush()) {
            Ok(()) => (0, Flow::Continue),
            Err(e) => output_failure(term, e),
        };
    }
    let name = invocation.name().to_string();
    match commands::execute(ctx, invocation, out) {
        Ok((output, flow)) => {
            match write_out(out, for_a_person(&name, output, format), format, term) {
                Ok(()) => (0, flow),
                Err(e) => output_failure(term, e),
            }
        }
        // A list streamed into a closed pipe (`| head`) or a full disk.
        Err(Error::Io { context, source }) if context == "writing the output" => {
            ctx.discard_reports();
            output_failure(term, source)
        }
        Err(e) => {
            ctx.discard_reports();
            (report(term, &e), Flow::Continue)
        }
    }
}

/// On a terminal a person reads the output: a creation says what it
/// created (`created client 3 (Kevin Casey)`) and `init` what to do next.
/// Piped, it stays the bare id of the output contract (and JSON stays the
/// record everywhere).
fn for_a_person(command: &str, output: Output, format: Format) -> Output {
    match output {
        Output::Created { id, record } if format != Format::Json && io::stdout().is_terminal() => {
            Output::Message(created_message(command, id, &record))
        }
        other => other,
    }
}

/// `created client 3 (Kevin Casey)`; after `init`, the next steps too.
fn created_message(command: &str, id: i64, record: &render::Record) -> String {
    let text = |key: &str| record.get(key).and_then(|v| v.as_str()).unwrap_or("");
    let noun = match command {
        "init" => "collaborator",
        other => other.split(' ').next().unwrap_or(other),
    };
    let label = match noun {
        "contract" => format!("for {}", text("client_name")),
        "event" => text("name").to_string(),
        _ => text("full_name").to_string(),
    };
    let mut message = format!("created {noun} {id} ({label})");
    if command == "init" {
        let email = text("email");
        message.push_str(&format!(
            ", the first management account\n\
             next: log in with `epic login {email}`, then add your staff with \
             `epic collaborator add --name N --email E --department sales|support|management`"
        ));
    }
    message
}

/// Runs the commands of one line (`;`-separated) in order, stopping at the
/// first that fails; returns the last status. An unterminated quote is
/// invalid input (the interactive shell and scripts ask for the next line
/// before they get here).
pub fn run_commands(
    ctx: &mut Context,
    text: &str,
    out: &mut dyn Write,
    term: &Terminal,
) -> (i32, Flow) {
    let commands = match split::split(text) {
        split::Split::Commands(c) => c,
        split::Split::Open(_) => {
            // The same message as for one command.
            return match commands::parse_line(text) {
                Err(e) => (report_line(term, &e), Flow::Continue),
                Ok(parsed) => run_parsed(ctx, parsed, out, term),
            };
        }
    };
    let mut last = (0, Flow::Continue);
    for command in commands {
        last = match commands::parse_line(&command) {
            Ok(parsed) => run_parsed(ctx, parsed, out, term),
            Err(e) => (report_line(term, &e), Flow::Continue),
        };
        if last.0 != 0 || last.1 == Flow::Exit {
            break;
        }
    }
    last
}

/// A line that does not parse: printed, not sent to Sentry.
fn report_line(term: &Terminal, e: &Error) -> i32 {
    term.error(e);
    e.exit_code().code()
}

fn write_out(
    out: &mut dyn Write,
    output: Output,
    format: Format,
    term: &Terminal,
) -> io::Result<()> {
    let pageable =
        format == Format::Table && matches!(output, Output::Table { .. } | Output::Record(_));
    if let (true, Some(pager), Some(height)) = (pageable, &term.pager, term.height) {
        let mut text = Vec::new();
        render::render(&mut text, output, format, term.width)?;
        // Taller than the terminal (keeping a line for the next prompt).
        if text.iter().filter(|&&b| b == b'\n').count() >= height {
            out.flush()?;
            if pager.page(&text).is_ok() {
                return Ok(());
            }
        }
        out.write_all(&text)?;
        return out.flush();
    }
    render::render(out, output, format, term.width)?;
    out.flush()
}

/// A failure to write the output: a closed pipe (`| head`) ends quietly with
/// success; anything else (a full disk) is an error.
fn output_failure(term: &Terminal, e: io::Error) -> (i32, Flow) {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return (0, Flow::Exit);
    }
    let err = Error::io("writing the output", e);
    term.error(&err);
    (err.exit_code().code(), Flow::Exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(colour: bool, prefix: &str) -> Terminal {
        Terminal {
            width: None,
            height: None,
            pager: None,
            colour,
            prefix: prefix.into(),
        }
    }

    #[test]
    fn error_lines_escape_hidden_characters_in_message_and_prefix() {
        let err = Error::invalid(
            "--sort",
            "unknown field '\u{1b}]0;pwned\u{7}'\nusage \u{202E}x",
        );
        assert_eq!(
            term(false, "s\u{1b}[2J:3: ").error_text(&err),
            "s\\e[2J:3: error: --sort: unknown field '\\e]0;pwned\\x07'\n  usage \\u{202E}x\n"
        );
        let coloured = term(true, "").error_text(&Error::auth("no"));
        assert_eq!(coloured, "\u{1b}[1;31merror\u{1b}[0m: no\n");
    }

    #[test]
    fn clap_errors_keep_the_users_words_escaped() {
        let args: Vec<std::ffi::OsString> =
            ["epic", "client", "list", "--format", "\u{1b}]0;x\u{7}"]
                .iter()
                .map(Into::into)
                .collect();
        let e = Cli::try_parse_from(&args).unwrap_err();
        let text = clap_message(&e, &args, &term(false, ""));
        assert!(
            text.starts_with("error: invalid value '\\e]0;x\\x07' for '--format <FORMAT>'"),
            "{text}"
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
}
