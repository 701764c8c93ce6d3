//! Lines like psql's: `;` separates commands on one line, and a line whose
//! quote is still open goes on on the next line.
//!
//! [`split`] reads quotes, backslashes and `#` comments as the shell words
//! ([`shlex`]) later read them, so a `;` inside quotes, escaped (`\;`) or in
//! a comment is text, and an open quote is known before any word is parsed.

/// What a text holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// Complete: the text of each command, in order (empty ones left out).
    Commands(Vec<String>),
    /// Unfinished: a quote left open (`'` or `"`) or a trailing backslash
    /// (`\`); the next line continues it.
    Open(char),
}

/// Splits `text` (one line, or several joined by `\n`) at every `;` that is
/// outside quotes, not escaped and not in a comment.
pub fn split(text: &str) -> Split {
    let mut commands = Vec::new();
    let mut start = 0;
    let mut word_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '\'' => {
                if !chars.by_ref().any(|(_, c)| c == '\'') {
                    return Split::Open('\'');
                }
                word_start = false;
            }
            '"' => {
                loop {
                    match chars.next() {
                        None => return Split::Open('"'),
                        Some((_, '"')) => break,
                        Some((_, '\\')) => {
                            if chars.next().is_none() {
                                return Split::Open('"');
                            }
                        }
                        Some(_) => {}
                    }
                }
                word_start = false;
            }
            '\\' => {
                if chars.next().is_none() {
                    return Split::Open('\\');
                }
                word_start = false;
            }
            '#' if word_start => {
                // A comment to the end of the line: quotes and `;` in it
                // are words of the comment.
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            ';' => {
                commands.push(&text[start..i]);
                start = i + 1;
                word_start = true;
            }
            c if c.is_whitespace() => word_start = true,
            _ => word_start = false,
        }
    }
    commands.push(&text[start..]);
    Split::Commands(
        commands
            .into_iter()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(text: &str) -> Vec<String> {
        match split(text) {
            Split::Commands(c) => c,
            open => panic!("{text:?}: {open:?}"),
        }
    }

    #[test]
    fn semicolons_outside_quotes_separate_commands() {
        assert_eq!(
            commands("client list --limit 1; whoami"),
            ["client list --limit 1", "whoami"]
        );
        assert_eq!(commands("whoami;;  ; version;"), ["whoami", "version"]);
        assert_eq!(commands("  "), Vec::<String>::new());
        // Quoted, escaped or commented: text.
        assert_eq!(
            commands("event update 1 --notes 'a; b' --name \"c;d\"; whoami"),
            ["event update 1 --notes 'a; b' --name \"c;d\"", "whoami"]
        );
        assert_eq!(
            commands(r"client add --name a\;b"),
            [r"client add --name a\;b"]
        );
        assert_eq!(commands("whoami # then; don't"), ["whoami # then; don't"]);
        assert_eq!(commands("a#b;c"), ["a#b", "c"]);
        assert_eq!(
            commands(r#"x --n "say \"hi\"; ok""#),
            [r#"x --n "say \"hi\"; ok""#]
        );
    }

    #[test]
    fn an_open_quote_or_trailing_backslash_asks_for_more() {
        assert_eq!(
            split("event update 1 --notes 'first line"),
            Split::Open('\'')
        );
        assert_eq!(split("x --n \"abc"), Split::Open('"'));
        assert_eq!(split("x --n \"abc\\"), Split::Open('"'));
        assert_eq!(split("client list \\"), Split::Open('\\'));
        assert_eq!(
            commands("event update 1 --notes 'first\nsecond'; whoami"),
            ["event update 1 --notes 'first\nsecond'", "whoami"]
        );
        // shlex agrees on what each command's words are.
        assert_eq!(
            shlex::split(&commands("x --notes 'a\nb'")[0]).unwrap(),
            ["x", "--notes", "a\nb"]
        );
    }
}
