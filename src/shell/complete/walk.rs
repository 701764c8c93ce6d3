//! Splitting the line being typed into words, and walking them down the
//! clap tree to the command they name.

use clap::{Arg, Command};

/// A word of the line: where it starts (a byte offset) and its text
/// without quotes.
#[derive(Debug, Default)]
pub(super) struct Word {
    pub(super) start: usize,
    pub(super) text: String,
}

/// Splits `line` into its complete words and the word under the cursor
/// (empty when the line ends with a space). Quotes are honoured as `shlex`
/// does, but an unterminated one is not an error: the user is still typing.
/// An unquoted `;` ends a command (as [`crate::shell::split`] reads it):
/// only the words of the last command are returned.
pub(super) fn split(line: &str) -> (Vec<Word>, Word) {
    let mut words = Vec::new();
    let mut word: Option<Word> = None;
    let (mut quote, mut escaped) = (None, false);
    for (i, c) in line.char_indices() {
        let w = word.get_or_insert_with(|| Word {
            start: i,
            text: String::new(),
        });
        match (quote, c) {
            _ if escaped => {
                escaped = false;
                w.text.push(c);
            }
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), _) => w.text.push(c),
            (_, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, ';') => {
                // A new command starts: only its words count.
                word = None;
                words.clear();
            }
            (None, c) if c.is_whitespace() => {
                let done = word.take().expect("just set");
                if !done.text.is_empty() || done.start < i {
                    words.push(done);
                }
            }
            _ => w.text.push(c),
        }
    }
    let current = word.unwrap_or(Word {
        start: line.len(),
        text: String::new(),
    });
    (words, current)
}

/// Where the complete words of a line lead in the clap tree.
pub(super) struct Walk<'a> {
    pub(super) cmd: &'a Command,
    /// The subcommand names walked (`["collaborator", "show"]`).
    pub(super) path: Vec<&'a str>,
    pub(super) depth: usize,
    /// After a leading `help`: only command names follow.
    pub(super) help: bool,
    /// A word matched nothing: offer nothing rather than guess.
    pub(super) lost: bool,
    pub(super) positionals: usize,
    pub(super) used: Vec<&'a str>,
    /// A flag still waiting for its value.
    pub(super) pending: Option<&'a Arg>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(root: &'a Command, words: &[Word]) -> Walk<'a> {
        let mut walk = Walk {
            cmd: root,
            path: Vec::new(),
            depth: 0,
            help: false,
            lost: false,
            positionals: 0,
            used: Vec::new(),
            pending: None,
        };
        for word in words {
            walk.step(&word.text);
            if walk.lost {
                break;
            }
        }
        walk
    }

    fn step(&mut self, word: &str) {
        if self.pending.take().is_some() {
            return;
        }
        let cmd = self.cmd;
        if let Some(flag) = word.strip_prefix("--") {
            let (name, has_value) = match flag.split_once('=') {
                Some((name, _)) => (name, true),
                None => (flag, false),
            };
            if let Some(arg) = cmd.get_arguments().find(|a| a.get_long() == Some(name)) {
                self.used.push(arg.get_id().as_str());
                if arg.get_action().takes_values() && !has_value {
                    self.pending = Some(arg);
                }
            }
        } else if word.len() > 1 && word.starts_with('-') {
            let short = word.chars().nth(1);
            if let Some(arg) = cmd.get_arguments().find(|a| a.get_short() == short) {
                self.used.push(arg.get_id().as_str());
                if arg.get_action().takes_values() && word.len() == 2 {
                    self.pending = Some(arg);
                }
            }
        } else if cmd.has_subcommands() && self.positionals == 0 {
            if self.depth == 0 && !self.help && word == "help" {
                self.help = true;
                return;
            }
            match cmd.find_subcommand(word) {
                Some(sub) => {
                    self.cmd = sub;
                    self.path.push(sub.get_name());
                    self.depth += 1;
                    self.used.clear();
                }
                None => self.lost = true,
            }
        } else if self.help {
            self.lost = true;
        } else {
            self.positionals += 1;
        }
    }
}
