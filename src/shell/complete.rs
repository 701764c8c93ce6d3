//! Tab completion, the greyed usage hint and the prompt colours of the
//! interactive shell.
//!
//! Everything is derived from the clap tree of [`Line`]: command names and
//! their visible aliases, verbs, long flags, required arguments and clap's
//! possible values. Nothing here lists a command or a flag by hand, so a new
//! command completes the day it is added. The only values not known to clap
//! are department names ([`Department::ALL`]) and collaborator emails, which
//! the shell caches after each command ([`EpicHelper::set_emails`]) so that
//! no keystroke touches the database.

use std::borrow::Cow;

use clap::{Arg, ArgAction, Command, CommandFactory};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::{Context as RlContext, Helper, Validator};

use crate::commands::Line;
use crate::domain::Department;

mod hint;
mod walk;

pub use hint::UsageHint;
use walk::{Walk, split};

/// The rustyline helper of the `epic>` shell: completer, hinter and
/// highlighter over the clap tree.
#[derive(Helper, Validator)]
pub struct EpicHelper {
    tree: Command,
    emails: Vec<String>,
    colour: bool,
    /// The prompt as passed to rustyline, and its coloured rendering.
    prompt: (String, String),
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
            emails: Vec::new(),
            colour,
            prompt: (String::new(), String::new()),
        }
    }

    /// Replaces the cached collaborator emails offered as values.
    pub fn set_emails(&mut self, emails: Vec<String>) {
        self.emails = emails;
    }

    /// Sets the next prompt: `plain` is what rustyline measures and shows
    /// without colour, `coloured` what it shows with colour.
    pub fn set_prompt(&mut self, plain: String, coloured: String) {
        self.prompt = (plain, coloured);
    }

    /// The clap tree the helper completes from.
    pub fn tree(&self) -> &Command {
        &self.tree
    }

    /// The start of the word to replace and the candidates for the word
    /// under the cursor (`line[..pos]`).
    fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let (words, current) = split(&line[..pos]);
        let walk = Walk::new(&self.tree, &words);
        let prefix = current.text.as_str();
        let mut start = current.start;
        let mut names: Vec<String> = if walk.lost {
            Vec::new()
        } else if let Some(arg) = walk.pending {
            self.values(arg, &walk, prefix)
        } else if let (Some(flag), Some(eq)) = (prefix.strip_prefix("--"), prefix.find('=')) {
            // `--format=js`: complete the value after the `=`.
            start += eq + 1;
            let flag = &flag[..eq - 2];
            match walk
                .cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(flag))
            {
                Some(arg) => self.values(arg, &walk, &prefix[eq + 1..]),
                None => Vec::new(),
            }
        } else if prefix.starts_with('-') {
            if walk.help {
                Vec::new()
            } else {
                flags(&walk, prefix)
            }
        } else if walk.cmd.has_subcommands() && walk.positionals == 0 {
            subcommands(walk.cmd, walk.depth, prefix, true)
        } else if walk.help {
            Vec::new()
        } else {
            let slot = walk.cmd.get_positionals().nth(walk.positionals);
            let values = slot.map(|a| self.values(a, &walk, prefix));
            match values {
                Some(v) if !v.is_empty() => v,
                _ if prefix.is_empty() => flags(&walk, prefix),
                _ => Vec::new(),
            }
        };
        names.sort();
        names.dedup();
        let pairs = names
            .into_iter()
            .map(|name| Pair {
                replacement: format!("{name} "),
                display: name,
            })
            .collect();
        (start, pairs)
    }

    /// The values worth offering for `arg`, filtered by `prefix` and quoted
    /// for the shell. A value from the database (an email) with hidden
    /// characters is offered escaped, so neither the list nor the hint nor
    /// the completed line ever holds them raw.
    fn values(&self, arg: &Arg, walk: &Walk<'_>, prefix: &str) -> Vec<String> {
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        let values: Vec<String> = if !possible.is_empty() {
            possible
        } else if arg.get_id() == "department" {
            Department::ALL.iter().map(|d| d.as_str().into()).collect()
        } else if names_collaborator(arg, walk) {
            self.emails.clone()
        } else {
            Vec::new()
        };
        values
            .into_iter()
            .map(|v| crate::domain::visible::escape(&v).into_owned())
            .filter(|v| v.starts_with(prefix))
            .map(|v| shlex::try_quote(&v).map(Cow::into_owned).unwrap_or(v))
            .collect()
    }
}

/// True when `arg` takes a collaborator: a flag whose value name is
/// `ID|EMAIL` (`--sales`, `--support`, `--reassign-to`), or the `KEY` of a
/// `collaborator` verb.
fn names_collaborator(arg: &Arg, walk: &Walk<'_>) -> bool {
    let value_name = arg.get_value_names().and_then(|v| v.first());
    value_name.is_some_and(|v| v.as_str() == "ID|EMAIL")
        || (arg.is_positional()
            && arg.get_id() == "key"
            && walk.path.first() == Some(&"collaborator"))
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
        Ok(self.candidates(line, pos))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_with_hidden_characters_are_offered_escaped() {
        let mut helper = EpicHelper::new(false);
        helper.set_emails(vec!["a@x.io".into(), "b\u{202E}\u{1b}@x.io".into()]);
        let line = "client reassign 1 --sales ";
        let (_, pairs) = helper.candidates(line, line.len());
        let shown: Vec<&str> = pairs.iter().map(|p| p.display.as_str()).collect();
        assert_eq!(shown, ["\"b\\\\u{202E}\\\\e@x.io\"", "a@x.io"]);
        assert!(
            pairs
                .iter()
                .all(|p| !p.replacement.contains(['\u{202E}', '\u{1b}']))
        );
    }
}
