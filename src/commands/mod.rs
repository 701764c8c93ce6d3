//! The command tree (one clap derive tree for every mode) and its execution.
//!
//! Parsing and executing are separate steps: [`parse_line`] turns text into
//! a [`Command`], [`execute`] runs it against a [`Context`] and returns an
//! [`Output`] for [`crate::render`]. One noun, one module, with its verb enum
//! and its execute functions.
//!
//! Each command is one transaction: authentication (the account is re-read
//! from the database every time), the permission check, validation, the
//! write and its audit row all happen inside it, and business events are
//! reported to Sentry only after it commits.

pub mod admin;
pub mod client;
pub mod collaborator;
mod context;
pub mod contract;
pub mod demo;
pub mod event;
mod fields;
mod finding;
pub mod history;
pub mod import;
pub mod reports;
pub mod session;

pub use context::{Actor, Context};

use std::error::Error as _;
use std::io::Write;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::render::{Format, Output};
use crate::store::{ListQuery, SortKey};

/// A line of the shell (or a script): a command without the program name.
#[derive(Debug, Parser)]
#[command(
    name = "epic",
    no_binary_name = true,
    disable_version_flag = true,
    help_template = "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}",
    about = "Epic Events CRM: clients, contracts and events",
    after_help = "Run `help COMMAND` (e.g. `help client add`) for the details of a command."
)]
pub struct Line {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command of SPEC.md.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create the database and its first management account
    Init(session::InitArgs),
    /// Open the shell on a demo database with one account per department
    Demo(demo::DemoArgs),
    /// Log in (the session is kept for later commands)
    Login(session::LoginArgs),
    /// Log out and revoke the session
    Logout,
    /// Show who is logged in and until when
    Whoami(ShowOpts),
    /// Change your own password
    Passwd(session::PasswdArgs),
    /// Manage collaborators (staff accounts)
    #[command(subcommand, visible_alias = "collab")]
    Collaborator(collaborator::Verb),
    /// Manage clients
    #[command(subcommand)]
    Client(ClientVerb),
    /// Manage contracts
    #[command(subcommand)]
    Contract(contract::Verb),
    /// Manage events
    #[command(subcommand)]
    Event(EventVerb),
    /// Read the audit log: who changed what, when (management)
    #[command(subcommand)]
    Audit(history::AuditVerb),
    /// Reports: the sales pipeline, events per month, contracts still owing
    #[command(subcommand)]
    Report(reports::Verb),
    /// Check the database's integrity and foreign keys (management)
    Doctor(ShowOpts),
    /// Write a consistent copy of the database to FILE (management)
    Backup(admin::BackupArgs),
    /// Print a completion script for the system shell (bash, zsh, fish...)
    #[command(
        after_help = "Install: epic completions bash > ~/.local/share/bash-completion/completions/epic\n\
                      \x20        epic completions zsh > ~/.zfunc/_epic   (with fpath+=~/.zfunc)\n\
                      \x20        epic completions fish > ~/.config/fish/completions/epic.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `epic man | man -l -`
    Man,
    /// Print the version
    Version,
    /// Show each command's elapsed time: `timing on`, `timing off` (alone: toggle)
    Timing(TimingArgs),
    /// Leave the shell
    #[command(visible_alias = "quit")]
    Exit,
}

/// The verbs of `client`: the record's own, then `import`, which sits
/// above them (it creates clients through `client add`'s validators).
#[derive(Debug, Clone, Subcommand)]
pub enum ClientVerb {
    /// `add`, `list`, `show`, ...
    #[command(flatten)]
    Record(client::Verb),
    /// Import clients from a CSV file, all or nothing (sales: as their
    /// sales contact; management: for the sales contact of each row)
    Import(import::ClientImportArgs),
}

/// The verbs of `event`: the record's own, then `import` (through `event
/// add`'s validators).
#[derive(Debug, Clone, Subcommand)]
pub enum EventVerb {
    /// `add`, `list`, `show`, ...
    #[command(flatten)]
    Record(event::Verb),
    /// Import events of signed contracts from a CSV file, all or nothing
    /// (the client's sales contact, as `event add`)
    Import(import::EventImportArgs),
}

/// A parsed command with what clap saw of it: the names of the
/// subcommands taken (`client add`, also when an alias such as `ls` was
/// typed) and the `--format` the leaf asked for. Read once from clap's
/// matches, so no noun repeats its verbs' names or formats.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The command to run.
    pub command: Command,
    name: String,
    format: Format,
}

impl Invocation {
    /// The command with its name and format read from `matches`, the clap
    /// matches it was parsed from (of [`Line`] or of the program's own
    /// command line).
    pub fn new(command: Command, matches: &clap::ArgMatches) -> Invocation {
        let mut names = Vec::new();
        let mut leaf = matches;
        while let Some((name, sub)) = leaf.subcommand() {
            names.push(name);
            leaf = sub;
        }
        let format = leaf
            .try_get_one::<Format>("format")
            .ok()
            .flatten()
            .copied()
            .unwrap_or_default();
        Invocation {
            command,
            name: names.join(" "),
            format,
        }
    }

    /// The command's name as Sentry tags and messages show it (`client add`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The output format the command asked for (`table` when it has none).
    pub fn format(&self) -> Format {
        self.format
    }
}

/// Arguments of `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses a record id on the command line: a positive whole number.
pub(crate) fn parse_id(text: &str) -> std::result::Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err("must be a positive whole number".into()),
    }
}

/// `--sort`, `--limit`, `--columns` and `--format` of every `list`.
#[derive(Debug, Clone, Args)]
pub struct ListOpts {
    /// Sort by these output keys, most significant first; prefix `-` for
    /// descending (e.g. `-signed_at,id`); the id always breaks ties
    #[arg(long, value_name = "FIELD,...", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Show at most N rows
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<u32>,
    /// Skip the first N rows (paging: `--limit 50 --offset 100`)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub offset: Option<u32>,
    /// Show only these output keys, in this order (e.g. `id,name,start`)
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl ListOpts {
    /// The keys `--columns` picked among `keys` (the list's output keys), in
    /// the order given, or `None` without `--columns`. An unknown key is
    /// invalid input naming `--columns` and listing the valid ones.
    pub fn columns(&self, keys: &[&'static str]) -> Result<Option<Vec<&'static str>>> {
        if self.columns.is_empty() {
            return Ok(None);
        }
        let mut picked = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let name = name.trim();
            match keys.iter().find(|k| **k == name) {
                Some(key) if !picked.contains(key) => picked.push(*key),
                Some(_) => {}
                None => {
                    return Err(Error::invalid(
                        "--columns",
                        format!(
                            "unknown column '{}'; valid columns: {}",
                            crate::domain::visible::escape(name),
                            keys.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Some(picked))
    }

    /// The store's view of the sort and limit.
    pub fn query(&self) -> ListQuery {
        ListQuery {
            sort: self
                .sort
                .as_deref()
                .map(SortKey::parse_list)
                .unwrap_or_default(),
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// Arguments of `client|contract|event delete`.
#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    /// Record id
    #[arg(value_parser = parse_id, allow_negative_numbers = true)]
    pub id: i64,
    /// Delete without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// How one kind of record is deleted: what it is called, what may not
/// depend on it, and the delete itself.
pub(crate) struct Deletion {
    /// `client`, `contract` or `event` (the audit log's entity).
    pub entity: &'static str,
    /// The record's name in the question (`client 3 (Kevin Casey)`, with
    /// hidden characters escaped) and its last values for the audit log.
    pub load: fn(&mut dyn crate::store::Db, i64) -> Result<(String, crate::render::Record)>,
    /// A conflict naming what still depends on the record.
    pub dependants: fn(&mut dyn crate::store::Db, i64) -> Result<()>,
    /// The delete.
    pub delete: fn(&mut dyn crate::store::Db, i64) -> Result<()>,
}

/// Deletes a record (management): refused while others depend on it,
/// confirmed by the user (or `--yes`), its last values kept in the audit
/// log. Everything is checked before the question, so nobody confirms a
/// delete that would then be refused, and again in the write transaction.
pub(crate) fn delete(ctx: &mut Context, args: &DeleteArgs, d: &Deletion) -> Result<Output> {
    use crate::policy::{self, Action};
    let check = |c: &mut dyn crate::store::Db, actor: &Actor| {
        policy::check(Action::RecordDelete, actor.department, actor.id)?;
        let loaded = (d.load)(c, args.id)?;
        (d.dependants)(c, args.id)?;
        Ok(loaded)
    };
    let (label, _) = ctx.read(|c, actor| check(c, actor))?;
    if !ctx.confirm(&format!("delete {label}"), args.yes)? {
        return Ok(Output::Message("Nothing deleted.".into()));
    }
    ctx.write(|tx| {
        let (label, before) = check(tx.conn, tx.actor)?;
        (d.delete)(tx.conn, args.id)?;
        let changes = history::changes(Some(&before), None);
        tx.audit(
            "delete",
            d.entity,
            args.id,
            serde_json::json!({ "changes": changes }),
        )?;
        Ok(Output::Message(format!("Deleted {label}.")))
    })
}

/// The conflict of a delete refused while `what` (ids) depend on `target`.
pub(crate) fn has_dependants(
    target: &str,
    what: &str,
    ids: impl Iterator<Item = i64>,
    fix: &str,
) -> Error {
    let ids: Vec<String> = ids.map(|i| i.to_string()).collect();
    let shown = if ids.len() > 10 {
        format!("{} and {} more", ids[..10].join(", "), ids.len() - 10)
    } else {
        ids.join(", ")
    };
    Error::conflict(format!("{target} still has {what} {shown}; {fix}"))
}

/// The argument of `timing`.
#[derive(Debug, Clone, Args)]
pub struct TimingArgs {
    /// `on` or `off`; without it, switches
    #[arg(value_enum)]
    pub state: Option<OnOff>,
}

/// A setting's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    /// Turned on.
    On,
    /// Turned off.
    Off,
}

/// `--format` of `show` and of the commands that create a record.
#[derive(Debug, Clone, Args)]
pub struct ShowOpts {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Parses one shell or script line (already free of comments and blanks).
/// Help and usage errors come back as [`Error::Usage`] or as the help text.
pub fn parse_line(line: &str) -> Result<ParsedLine> {
    let Some(words) = shlex::split(line) else {
        return Err(Error::invalid(
            "line",
            "unterminated quote (or a trailing backslash)",
        ));
    };
    parse_words(words)
}

/// The result of parsing a line: a command, or text to print (help).
#[derive(Debug)]
pub enum ParsedLine {
    /// A command to run.
    Command(Box<Invocation>),
    /// Help or version text, printed to stdout; the session goes on.
    Help(String),
    /// An empty line.
    Empty,
}

/// Parses already split words.
pub fn parse_words(words: Vec<String>) -> Result<ParsedLine> {
    if words.is_empty() {
        return Ok(ParsedLine::Empty);
    }
    // Build the clap tree once per thread: building it costs more than
    // parsing a line, and scripts parse thousands.
    thread_local! {
        // Unstyled: a message then holds the user's words as typed, for
        // the terminal to escape (clap's plain rendering would delete an
        // escape sequence in them instead).
        static TREE: std::cell::RefCell<clap::Command> = std::cell::RefCell::new(
            <Line as clap::CommandFactory>::command().styles(clap::builder::Styles::plain()),
        );
    }
    let parsed = TREE.with(|tree| {
        let matches = tree.borrow_mut().try_get_matches_from_mut(words)?;
        let line = <Line as clap::FromArgMatches>::from_arg_matches(&matches)?;
        Ok::<_, clap::Error>(Invocation::new(line.command, &matches))
    });
    match parsed {
        Ok(invocation) => Ok(ParsedLine::Command(Box::new(invocation))),
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                Ok(ParsedLine::Help(e.render().to_string()))
            }
            clap::error::ErrorKind::ValueValidation => Err(invalid_value(&e)),
            _ => Err(Error::Usage(usage_message(&e))),
        },
    }
}

/// A value refused by its parser (`--attendees -5`) is invalid input naming
/// the flag, not a usage error. The value is echoed escaped, so control and
/// direction-override characters cannot reach the terminal raw.
pub(crate) fn invalid_value(e: &clap::Error) -> Error {
    use clap::error::{ContextKind, ContextValue};
    let field = match e.get(ContextKind::InvalidArg) {
        // `--limit <N>` names the flag; a positional `<ID>` becomes `id`.
        Some(ContextValue::String(arg)) => {
            let name = arg.split_whitespace().next().unwrap_or("value");
            match name.strip_prefix('<').and_then(|n| n.strip_suffix('>')) {
                Some(positional) => positional.to_lowercase(),
                None => name.to_string(),
            }
        }
        _ => "value".to_string(),
    };
    let value = match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => format!("'{}'", crate::domain::visible::escape(v)),
        _ => "the value".to_string(),
    };
    let reason = match e.source().map(|s| s.to_string()) {
        // Rust's integer parse errors, in words a user reads.
        Some(s) if s.contains("invalid digit") || s.contains("too large") => {
            format!("{value} is not a whole number in range")
        }
        Some(s) => format!("{value}: {s}"),
        None => format!("{value} is invalid"),
    };
    Error::invalid(field, reason)
}

/// Clap's message without its "error: " prefix and trailing help hint, so
/// the shell can print it as one `error:` line (plus the usage line). The
/// user's words stay raw here; [`crate::shell::Terminal::error`] escapes.
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().ansi().to_string();
    let text = text.trim().strip_prefix("error: ").unwrap_or(text.trim());
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the shell should do after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// Leave the shell.
    Exit,
}

/// Streams the rows `each` yields to `out` as JSON or CSV, inside the
/// command's read transaction; the returned output is empty.
pub(crate) fn stream<T: serde::Serialize>(
    out: &mut dyn Write,
    format: Format,
    keys: &[&str],
    each: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<Output> {
    let write_error = |e| Error::io("writing the output", e);
    let mut rows = crate::render::Stream::new(out, format, keys).map_err(write_error)?;
    each(&mut |row| rows.push(&row).map_err(write_error))?;
    rows.finish().map_err(write_error)?;
    Ok(Output::Nothing)
}

/// A list as `opts` asks: table cells collected for [`Output::Table`]
/// (only the shown keys, never the whole records), or JSON/CSV streamed to
/// `out`. The shown keys are `table_keys`, or those of `--columns` (any of
/// `keys`, in every format).
pub(crate) fn list_rows<T: serde::Serialize + crate::render::Tabular>(
    out: &mut dyn Write,
    opts: &ListOpts,
    keys: &'static [&'static str],
    table_keys: &'static [&'static str],
    each: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<Output> {
    let columns = opts.columns(keys)?;
    match (opts.format, columns) {
        (Format::Table, columns) => {
            let shown = columns.unwrap_or_else(|| table_keys.to_vec());
            let mut rows = Vec::new();
            each(&mut |row| {
                rows.push(crate::render::cells(&row, &shown));
                Ok(())
            })?;
            Ok(Output::Table { keys: shown, rows })
        }
        (format, None) => stream(out, format, keys, each),
        (format, Some(shown)) => {
            // Only the picked keys of each record, in the order asked.
            let write_error = |e| Error::io("writing the output", e);
            let mut rows = crate::render::Stream::new(out, format, &shown).map_err(write_error)?;
            each(&mut |row: T| {
                let full = crate::render::record(&row);
                let picked: crate::render::Record = shown
                    .iter()
                    .map(|k| (k.to_string(), full.get(*k).cloned().unwrap_or_default()))
                    .collect();
                rows.push(&picked).map_err(write_error)
            })?;
            rows.finish().map_err(write_error)?;
            Ok(Output::Nothing)
        }
    }
}

/// Runs one command and returns what to print. Large lists in JSON or CSV
/// are streamed to `out` as they are read; everything else comes back as an
/// [`Output`] to render once the command's transaction has committed.
pub fn execute(
    ctx: &mut Context,
    invocation: Invocation,
    out: &mut dyn Write,
) -> Result<(Output, Flow)> {
    crate::report::set_command(invocation.name(), None);
    let output = match invocation.command {
        Command::Init(args) => session::init(ctx, &args)?,
        Command::Demo(args) => demo::run(ctx, &args)?,
        Command::Login(args) => session::login(ctx, &args)?,
        Command::Logout => session::logout(ctx)?,
        Command::Whoami(_) => session::whoami(ctx)?,
        Command::Passwd(args) => session::passwd(ctx, &args)?,
        Command::Collaborator(verb) => collaborator::execute(ctx, verb, out)?,
        Command::Client(ClientVerb::Record(verb)) => client::execute(ctx, verb, out)?,
        Command::Client(ClientVerb::Import(args)) => import::clients(ctx, &args)?,
        Command::Contract(verb) => contract::execute(ctx, verb, out)?,
        Command::Event(EventVerb::Record(verb)) => event::execute(ctx, verb, out)?,
        Command::Event(EventVerb::Import(args)) => import::events(ctx, &args)?,
        Command::Audit(history::AuditVerb::List(args)) => history::audit_list(ctx, &args, out)?,
        Command::Report(verb) => reports::execute(ctx, verb, out)?,
        Command::Doctor(_) => admin::doctor(ctx)?,
        Command::Backup(args) => admin::backup(ctx, &args)?,
        // Written by the shell, which owns the program's whole clap tree
        // (its global flags too); nothing to do against the database.
        Command::Completions(_) | Command::Man => Output::Nothing,
        Command::Version => Output::Message(format!("epic {}", env!("CARGO_PKG_VERSION"))),
        Command::Timing(args) => {
            // A setting of this session, as psql's `\timing`: no login needed.
            ctx.timing = match args.state {
                Some(state) => state == OnOff::On,
                None => !ctx.timing,
            };
            Output::Message(format!(
                "Timing is {}.",
                if ctx.timing { "on" } else { "off" }
            ))
        }
        Command::Exit => return Ok((Output::Nothing, Flow::Exit)),
    };
    ctx.flush_reports();
    Ok((output, Flow::Continue))
}

#[cfg(test)]
mod tests;
