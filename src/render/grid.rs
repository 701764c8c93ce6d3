//! The boxed table of a `list`, printed in two passes over the cells alone.
//!
//! Not prettytable here (it still draws the vertical view of one record):
//! on 10,000 rows it kept three copies of every cell (31 MB, 2.2× `sqlite3
//! -box`); this keeps one (see BENCHMARKS.md).

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Prints `rows` under the `keys` header, fitted to `width` columns when the
/// output is a terminal, then `(N rows)`.
pub fn print(
    out: &mut dyn Write,
    keys: &[&str],
    rows: &mut [Vec<String>],
    width: Option<usize>,
) -> io::Result<()> {
    let mut widths: Vec<usize> = keys.iter().map(|k| k.width()).collect();
    for row in rows.iter() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    if let Some(width) = width {
        fit(&mut widths, width);
        for (key, &w) in keys.iter_mut().zip(&widths) {
            if key.width() > w {
                *key = truncate(key, w);
            }
        }
        for row in rows.iter_mut() {
            for (cell, &w) in row.iter_mut().zip(&widths) {
                if cell.width() > w {
                    *cell = truncate(cell, w);
                }
            }
        }
    }
    rule(out, &widths, ['┌', '┬', '┐'])?;
    line(out, &widths, keys.iter().map(String::as_str))?;
    rule(out, &widths, ['├', '┼', '┤'])?;
    for row in rows.iter() {
        line(out, &widths, row.iter().map(String::as_str))?;
    }
    rule(out, &widths, ['└', '┴', '┘'])?;
    let n = rows.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })
}

fn rule(out: &mut dyn Write, widths: &[usize], [left, mid, right]: [char; 3]) -> io::Result<()> {
    let mut text = String::with_capacity(widths.iter().sum::<usize>() * 3 + 16);
    text.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            text.push(mid);
        }
        text.extend(std::iter::repeat_n('─', w + 2));
    }
    text.push(right);
    writeln!(out, "{text}")
}

fn line<'a>(
    out: &mut dyn Write,
    widths: &[usize],
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    out.write_all("│".as_bytes())?;
    for (cell, w) in cells.zip(widths) {
        let pad = w.saturating_sub(cell.width());
        write!(out, " {cell}{:pad$} │", "")?;
    }
    out.write_all(b"\n")
}

/// Shrinks the widest columns, one column at a time and never below 4
/// (headers are cut too), until the table fits in `width` terminal columns.
fn fit(widths: &mut [usize], width: usize) {
    // Each column costs its width plus 3 (padding and separator), plus 1.
    let total = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len() + 1;
    while total(widths) > width {
        let Some((i, &widest)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return;
        };
        if widest <= 4 {
            return; // too many columns for this terminal; let it wrap
        }
        widths[i] = widest - 1;
    }
}

/// Cuts `text` to `width` columns, ending with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}
