//! The greyed usage hint shown after the cursor while a line is typed
//! (never asks the database: it runs at every keystroke).

use rustyline::Context as RlContext;
use rustyline::hint::{Hint, Hinter};

use super::walk::{Walk, split};
use super::{EpicHelper, placeholder, subcommands, wants};

/// A hint: the rest of a word that can only be one thing (accepted with →),
/// or the usage still to type (shown, never inserted).
#[derive(Debug)]
pub struct UsageHint {
    text: String,
    completion: Option<String>,
}

impl Hint for UsageHint {
    fn display(&self) -> &str {
        &self.text
    }

    fn completion(&self) -> Option<&str> {
        self.completion.as_deref()
    }
}

impl EpicHelper {
    /// The hint for `line` with the cursor at `pos` (only at the end).
    pub fn usage_hint(&self, line: &str, pos: usize) -> Option<UsageHint> {
        if pos < line.len() || line.trim().is_empty() {
            return None;
        }
        let (words, current) = split(line);
        if !current.text.is_empty() {
            // Mid-word: the rest of the only possible candidate.
            let (start, pairs) = self.candidates(line, pos, false);
            let [pair] = pairs.as_slice() else {
                return None;
            };
            let typed = &line[start..];
            let whole = pair.replacement.trim_end();
            let rest = whole.strip_prefix(typed).filter(|r| !r.is_empty())?;
            return Some(UsageHint {
                text: rest.to_string(),
                completion: Some(rest.to_string()),
            });
        }
        let walk = Walk::new(&self.tree, &words);
        let text = if walk.lost || (walk.help && !walk.cmd.has_subcommands()) {
            return None;
        } else if let Some(arg) = walk.pending {
            // Short lists (formats, departments) are spelled out; records
            // from the database not.
            let (_, values) = self.values(arg, &walk, "", false);
            match values.len() {
                1..=6 if wants(arg, &walk, "").is_none() => values
                    .into_iter()
                    .map(|o| o.value)
                    .collect::<Vec<_>>()
                    .join("|"),
                _ => placeholder(arg),
            }
        } else if walk.cmd.has_subcommands() && walk.positionals == 0 {
            if walk.depth == 0 {
                return None;
            }
            format!(
                "<{}>",
                subcommands(walk.cmd, walk.depth, "", false).join("|")
            )
        } else {
            required_left(&walk)
        };
        (!text.is_empty()).then_some(UsageHint {
            text,
            completion: None,
        })
    }
}

/// The required positionals and flags not yet typed, as clap writes them:
/// `<ID> --name <NAME> --email <EMAIL>`.
fn required_left(walk: &Walk<'_>) -> String {
    let positionals = walk
        .cmd
        .get_positionals()
        .skip(walk.positionals)
        .filter(|a| a.is_required_set())
        .map(placeholder);
    let flags = walk
        .cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.is_required_set())
        .filter(|a| !walk.used.contains(&a.get_id().as_str()))
        .filter_map(|a| a.get_long().map(|l| format!("--{l} {}", placeholder(a))));
    positionals.chain(flags).collect::<Vec<_>>().join(" ")
}

impl Hinter for EpicHelper {
    type Hint = UsageHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &RlContext<'_>) -> Option<UsageHint> {
        self.usage_hint(line, pos)
    }
}
