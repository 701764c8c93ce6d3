//! psql's `\x auto`: a list too wide for the terminal is printed as one
//! block of `key | value` lines per row instead of a table whose every
//! column is cut. Values wrap at spaces, never inside a word (a single word
//! longer than the whole line is the only thing ever broken).

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Prints `rows` as expanded records fitted to `width` columns, then `(N rows)`.
pub fn print(
    out: &mut dyn Write,
    keys: &[&str],
    rows: &[Vec<String>],
    width: usize,
) -> io::Result<()> {
    let key_width = keys.iter().map(|k| k.width()).max().unwrap_or(0);
    // `key | value`: the separator takes 3 columns.
    let room = width.saturating_sub(key_width + 3).max(10);
    for (n, row) in rows.iter().enumerate() {
        let label = format!("-[ RECORD {} ]", n + 1);
        let left = (key_width + 1).max(label.width());
        let right = width.saturating_sub(left + 1).min(room + 1);
        writeln!(
            out,
            "{label}{}+{}",
            "-".repeat(left - label.width()),
            "-".repeat(right)
        )?;
        for (key, cell) in keys.iter().zip(row) {
            let pad = key_width - key.width();
            for (i, part) in wrap(cell, room).iter().enumerate() {
                let shown = if i == 0 { *key } else { "" };
                let pad = if i == 0 { pad } else { key_width };
                writeln!(out, "{shown}{:pad$} | {part}", "")?;
            }
        }
    }
    let n = rows.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })
}

/// Breaks `text` into lines of at most `room` display columns, at spaces:
/// a word moves whole to the next line; only a word wider than `room` is
/// cut. Existing line breaks are kept; an empty text is one empty line.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    for source in text.split('\n') {
        let mut current = String::new();
        let mut used = 0;
        for word in source.split(' ') {
            let w = word.width();
            let sep = usize::from(!current.is_empty());
            if used + sep + w <= room {
                if sep == 1 {
                    current.push(' ');
                }
                current.push_str(word);
                used += sep + w;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
                used = 0;
            }
            // A word longer than a whole line: the only case that is cut.
            for ch in word.chars() {
                let cw = ch.width().unwrap_or(0);
                if used + cw > room && !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                    used = 0;
                }
                current.push(ch);
                used += cw;
            }
        }
        lines.push(current);
    }
    lines
}
