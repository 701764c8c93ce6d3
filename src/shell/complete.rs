//! Tab completion, the greyed usage hint and the prompt colours of the
//! interactive shell.
//!
//! Commands, verbs, flags and clap's possible values are derived from the
//! clap tree of [`Line`]: nothing here lists a command or a flag by hand, so
//! a new command completes the day it is added. `--sort` and `--columns`
//! offer the list's own field names (the backends' sort whitelist and the
//! output keys of the noun). The rest comes from the database, through
//! [`data::Records`] and only on Tab: after a verb that takes an id, the ids
//! that exist with the record's name beside them (`3  Kevin Casey`); the
//! collaborators' emails after `login`, `collaborator show`, `--support`
//! (support staff only), `--sales` (sales staff only) and `--reassign-to`.
//! Each lookup is bounded ([`data::LIMIT`]) and cached until the next
//! prompt; a database error offers nothing (and stops asking until the next
//! prompt). The typing hint never asks the database: it uses what an
//! earlier Tab at this prompt found. A line of several `;`-separated
//! commands completes its last one.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use clap::{Arg, ArgAction, Command, CommandFactory};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::{Context as RlContext, Helper, Validator};

use crate::commands::Line;
use crate::domain::{Department, visible};

pub mod data;
mod hint;
mod walk;

use data::{Answer, Found, Noun, Records, Want};
pub use hint::UsageHint;
use walk::{Walk, split};

/// How many lookups one prompt keeps (each holds at most [`data::LIMIT`]).
const CACHED: usize = 32;

/// The widest name shown beside an id, in characters.
const LABEL_CHARS: usize = 40;

/// The rustyline helper of the `epic>` shell: completer, hinter and
/// highlighter over the clap tree and the records of the session.
#[derive(Helper, Validator)]
pub struct EpicHelper {
    tree: Command,
    records: Option<Box<dyn Records>>,
    /// What Tab found at this prompt: the lookup, its prefix, the answer.
    cache: RefCell<Vec<(Want, String, Answer)>>,
    /// A lookup failed at this prompt: ask no more until the next.
    failed: Cell<bool>,
    colour: bool,
    /// The prompt as passed to rustyline, and its coloured rendering.
    prompt: (String, String),
}

/// One candidate: the word to insert, and the name shown beside it.
struct Offer {
    value: String,
    label: Option<String>,
    /// Followed by a space once inserted (not inside a `--columns` list).
    space: bool,
}

impl Offer {
    fn plain(value: String) -> Offer {
        Offer {
            value,
            label: None,
            space: true,
        }
    }
}

impl EpicHelper {
    /// A helper over the command tree; `colour` allows the grey hint and the
    /// coloured prompt.
    pub fn new(colour: bool) -> EpicHelper {
        let mut tree = Line::command();
        // Building adds clap's own `help` subcommand and `--help` flags, so
        // they complete like any other command.
        tree.build();
        EpicHelper {
            tree,
            records: None,
            cache: RefCell::new(Vec::new()),
            failed: Cell::new(false),
            colour,
            prompt: (String::new(), String::new()),
        }
    }

    /// Sets where ids and emails are looked up (none: they do not complete).
    pub fn set_records(&mut self, records: Box<dyn Records>) {
        self.records = Some(records);
        self.forget();
    }

    /// Forgets what earlier lookups found (the next Tab asks again).
    pub fn forget(&mut self) {
        self.cache.get_mut().clear();
        self.failed.set(false);
    }

    /// Sets the next prompt: `plain` is what rustyline measures and shows
    /// without colour, `coloured` what it shows with colour. The records
    /// found at the previous prompt are forgotten: a command may have
    /// changed them.
    pub fn set_prompt(&mut self, plain: String, coloured: String) {
        self.prompt = (plain, coloured);
        self.forget();
    }

    /// The clap tree the helper completes from.
    pub fn tree(&self) -> &Command {
        &self.tree
    }

    /// The start of the word to replace and the candidates for the word
    /// under the cursor (`line[..pos]`). With `ask`, the database may be
    /// asked (Tab); without, only what it answered earlier is used (the
    /// hint, at every keystroke).
    fn candidates(&self, line: &str, pos: usize, ask: bool) -> (usize, Vec<Pair>) {
        let (words, current) = split(&line[..pos]);
        let walk = Walk::new(&self.tree, &words);
        let prefix = current.text.as_str();
        let mut start = current.start;
        let mut offers: Vec<Offer> = if walk.lost {
            Vec::new()
        } else if let Some(arg) = walk.pending {
            let (skip, offers) = self.values(arg, &walk, prefix, ask);
            start += skip;
            offers
        } else if let (Some(flag), Some(eq)) = (prefix.strip_prefix("--"), prefix.find('=')) {
            // `--format=js`: complete the value after the `=`.
            start += eq + 1;
            let flag = &flag[..eq - 2];
            match walk
                .cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(flag))
            {
                Some(arg) => {
                    let (skip, offers) = self.values(arg, &walk, &prefix[eq + 1..], ask);
                    start += skip;
                    offers
                }
                None => Vec::new(),
            }
        } else if prefix.starts_with('-') {
            if walk.help {
                Vec::new()
            } else {
                plain(flags(&walk, prefix))
            }
        } else if walk.cmd.has_subcommands() && walk.positionals == 0 {
            plain(subcommands(walk.cmd, walk.depth, prefix, true))
        } else if walk.help {
            Vec::new()
        } else {
            // A positional still to type: its values (the records, for an
            // id, even when there are none); flags only where nothing has
            // to be typed first (`contract pay 5 ` wants an amount, not
            // `--help`).
            let slot = walk.cmd.get_positionals().nth(walk.positionals);
            let values = slot.map(|a| self.values(a, &walk, prefix, ask).1);
            let required = slot.is_some_and(|a| a.is_required_set());
            let data = slot.is_some_and(|a| wants(a, &walk, prefix).is_some());
            match values {
                Some(v) if !v.is_empty() || (data && required) => v,
                _ if prefix.is_empty() && !required => plain(flags(&walk, prefix)),
                _ => Vec::new(),
            }
        };
        if offers.iter().all(|o| o.label.is_none()) {
            offers.sort_by(|a, b| a.value.cmp(&b.value));
            offers.dedup_by(|a, b| a.value == b.value);
        }
        (start, pairs(offers))
    }

    /// The values worth offering for `arg`, filtered by `prefix` and quoted
    /// for the shell, and how far into the word they start (past the
    /// commas of a `--columns` list). A value from the database (an email,
    /// a name) with hidden characters is offered escaped, so neither the
    /// list nor the hint nor the completed line ever holds them raw.
    fn values(&self, arg: &Arg, walk: &Walk<'_>, prefix: &str, ask: bool) -> (usize, Vec<Offer>) {
        if let Some(want) = wants(arg, walk, prefix) {
            return (0, self.records(want, prefix, ask));
        }
        let noun = walk.path.first().copied().unwrap_or_default();
        let (skip, prefix, values): (usize, &str, Vec<String>) = match arg.get_id().as_str() {
            "sort" => {
                // `-signed_at,i`: complete the key after the last comma,
                // leaving out the fields already given (either direction).
                let skip = prefix.rfind(',').map_or(0, |i| i + 1);
                let given: Vec<&str> = prefix[..skip]
                    .split(',')
                    .map(|k| k.trim().trim_start_matches(['-', '+']))
                    .collect();
                let word = &prefix[skip..];
                let fields = crate::store::list::sortable(noun)
                    .into_iter()
                    .filter(|f| !given.contains(f));
                let values = match word.strip_prefix('-') {
                    Some(_) => fields.map(|f| format!("-{f}")).collect(),
                    None => fields.map(|f| f.to_string()).collect(),
                };
                (skip, word, values)
            }
            "columns" => {
                // `id,na`: complete the key after the last comma, leaving
                // out the keys already given.
                let skip = prefix.rfind(',').map_or(0, |i| i + 1);
                let given: Vec<&str> = prefix[..skip].split(',').collect();
                let keys = output_keys(noun).iter().filter(|k| !given.contains(k));
                (skip, &prefix[skip..], keys.map(|k| k.to_string()).collect())
            }
            _ => {
                let possible: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_string())
                    .collect();
                let values = if !possible.is_empty() {
                    possible
                } else if arg.get_id() == "department" {
                    Department::ALL.iter().map(|d| d.as_str().into()).collect()
                } else {
                    Vec::new()
                };
                (0, prefix, values)
            }
        };
        // A list of keys may go on after a comma: no space after one.
        let space = !matches!(arg.get_id().as_str(), "columns" | "sort");
        let offers = values
            .into_iter()
            .filter(|v| v.starts_with(prefix))
            .map(|value| Offer {
                value,
                label: None,
                space,
            })
            .collect();
        (skip, offers)
    }

    /// The records `want` names that start with `prefix`: from this
    /// prompt's earlier lookups when they hold the answer, else (with
    /// `ask`) from the database.
    fn records(&self, want: Want, prefix: &str, ask: bool) -> Vec<Offer> {
        let found = self.cached(want, prefix).or_else(|| {
            if !ask || self.failed.get() {
                return None;
            }
            match self.records.as_ref()?.find(want, prefix) {
                Ok(answer) => {
                    let found = answer.found.clone();
                    let mut cache = self.cache.borrow_mut();
                    if cache.len() >= CACHED {
                        cache.clear();
                    }
                    cache.push((want, prefix.to_string(), answer));
                    Some(found)
                }
                Err(_) => {
                    // A database that errs (gone, locked, revoked) offers
                    // nothing, and is not asked again at this prompt.
                    self.failed.set(true);
                    None
                }
            }
        });
        found
            .unwrap_or_default()
            .into_iter()
            .map(|f| {
                let value = visible::escape(&f.value).into_owned();
                Offer {
                    value: shlex::try_quote(&value)
                        .map(Cow::into_owned)
                        .unwrap_or(value),
                    label: Some(label(&f.label)),
                    space: true,
                }
            })
            .collect()
    }

    /// What an earlier lookup at this prompt says about `prefix`: its own
    /// answer, or the complete answer of a shorter prefix, filtered.
    fn cached(&self, want: Want, prefix: &str) -> Option<Vec<Found>> {
        let cache = self.cache.borrow();
        let (_, _, answer) = cache.iter().find(|(w, p, a)| {
            *w == want && (p == prefix || (a.complete && starts_with_folded(prefix, p)))
        })?;
        Some(
            answer
                .found
                .iter()
                .filter(|f| starts_with_folded(&f.value, prefix))
                .cloned()
                .collect(),
        )
    }
}

/// `text` starts with `prefix`, ignoring case (emails are case-insensitive).
fn starts_with_folded(text: &str, prefix: &str) -> bool {
    text.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// A record's name as shown beside its id: escaped, and cut at
/// [`LABEL_CHARS`] so that a line of the list fits a narrow terminal.
fn label(name: &str) -> String {
    let name = visible::escape(name);
    if name.chars().count() <= LABEL_CHARS {
        return name.into_owned();
    }
    let cut: String = name.chars().take(LABEL_CHARS - 1).collect();
    format!("{cut}…")
}

/// Candidates as rustyline shows them: values with a name are aligned in a
/// column (`3    Kevin Casey`).
fn pairs(offers: Vec<Offer>) -> Vec<Pair> {
    let width = offers
        .iter()
        .filter(|o| o.label.is_some())
        .map(|o| o.value.chars().count())
        .max()
        .unwrap_or(0);
    offers
        .into_iter()
        .map(|o| Pair {
            replacement: if o.space {
                format!("{} ", o.value)
            } else {
                o.value.clone()
            },
            display: match o.label {
                Some(label) => format!("{:<width$}  {label}", o.value),
                None => o.value,
            },
        })
        .collect()
}

fn plain(values: Vec<String>) -> Vec<Offer> {
    values.into_iter().map(Offer::plain).collect()
}

/// The output keys of a noun's records, which `--columns` picks among.
fn output_keys(noun: &str) -> &'static [&'static str] {
    use crate::commands::{client, collaborator, contract, event};
    match noun {
        "client" => client::KEYS,
        "contract" => contract::KEYS,
        "event" => event::KEYS,
        "collaborator" => collaborator::KEYS,
        _ => &[],
    }
}

/// What `arg` takes from the database, if anything: a collaborator (a flag
/// whose value name is `ID|EMAIL`, the `KEY` of a `collaborator` verb, the
/// email of `login`), or the id of a record (a verb's `ID`, `--client`,
/// `--contract`). `--sales` wants sales staff, `--support` support staff.
fn wants(arg: &Arg, walk: &Walk<'_>, prefix: &str) -> Option<Want> {
    let value_name = arg.get_value_names().and_then(|v| v.first());
    let id = arg.get_id().as_str();
    let noun = walk.path.first().copied();
    if value_name.is_some_and(|v| v.as_str() == "ID|EMAIL") {
        let department = match arg.get_long() {
            Some("sales") => Some(Department::Sales),
            Some("support") => Some(Department::Support),
            _ => None,
        };
        return Some(Want::Emails(department));
    }
    if arg.is_positional() {
        return match (noun, id) {
            (Some("collaborator"), "key") if prefix.starts_with(|c: char| c.is_ascii_digit()) => {
                Some(Want::Ids(Noun::Collaborator))
            }
            (Some("collaborator"), "key") | (Some("login"), "email") => Some(Want::Emails(None)),
            (Some("client"), "id") => Some(Want::Ids(Noun::Client)),
            (Some("contract"), "id") => Some(Want::Ids(Noun::Contract)),
            (Some("event"), "id") => Some(Want::Ids(Noun::Event)),
            _ => None,
        };
    }
    match id {
        "client" => Some(Want::Ids(Noun::Client)),
        "contract" => Some(Want::Ids(Noun::Contract)),
        _ => None,
    }
}

/// The names (and visible aliases, with `aliases`) of `cmd`'s subcommands
/// that start with `prefix`, in clap's order. A nested `help` verb is left
/// out: `help client` says the same.
fn subcommands(cmd: &Command, depth: usize, prefix: &str, aliases: bool) -> Vec<String> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && (depth == 0 || s.get_name() != "help"))
        .flat_map(|s| {
            let aliases = s.get_visible_aliases().filter(move |_| aliases);
            std::iter::once(s.get_name()).chain(aliases)
        })
        .filter(|n| n.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// The long flags of the walked command starting with `prefix`, except
/// those already given (unless they may repeat).
fn flags(walk: &Walk<'_>, prefix: &str) -> Vec<String> {
    walk.cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .filter(|a| repeats(a) || !walk.used.contains(&a.get_id().as_str()))
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .filter(|l| l.starts_with(prefix))
        .collect()
}

fn repeats(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
}

/// `<NAME>` for an argument, from its value name or its id.
fn placeholder(arg: &Arg) -> String {
    let name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    format!("<{name}>")
}

impl Completer for EpicHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &RlContext<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos, true))
    }
}

impl Highlighter for EpicHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        default: bool,
    ) -> Cow<'b, str> {
        if self.colour && default && prompt == self.prompt.0 {
            Cow::Borrowed(&self.prompt.1)
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.colour {
            Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }
}
