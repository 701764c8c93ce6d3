//! `WHERE` clauses of the PostgreSQL list queries, and reading columns.

use postgres::Row;
use postgres::types::{FromSql, ToSql};

use crate::error::{Error, Result};

/// A bound value.
pub type Value = Box<dyn ToSql + Sync + Send>;

/// A `WHERE` clause under construction: fixed fragments whose `?` become
/// numbered placeholders, and their bound values.
#[derive(Default)]
pub struct Filter {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// Adds a fragment with no parameter.
    pub fn add(&mut self, clause: &'static str) {
        self.clauses.push(clause.to_string());
    }

    /// Adds a fragment whose `?` take `values`, in order.
    pub fn bind(&mut self, clause: &'static str, values: impl IntoIterator<Item = Value>) {
        let mut text = String::with_capacity(clause.len() + 8);
        let mut values = values.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                self.params
                    .push(values.next().expect("one value per placeholder"));
                text.push_str(&format!("${}", self.params.len()));
            } else {
                text.push(ch);
            }
        }
        self.clauses.push(text);
    }

    /// Adds a case-insensitive substring search; `clause` holds `arity` `?`.
    pub fn search(&mut self, clause: &'static str, text: &str, arity: usize) {
        let pattern = format!("%{}%", escape_like(text));
        let values: Vec<Value> = (0..arity)
            .map(|_| Box::new(pattern.clone()) as Value)
            .collect();
        self.bind(clause, values);
    }

    /// The ` WHERE ...` text (empty when there is no clause).
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The values, as the driver takes them.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// Escapes LIKE wildcards (used with `ESCAPE '\'`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Column `i` of a row, or an error (never a panic) if its type is not the
/// expected one.
pub fn col<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i)
        .map_err(|e| Error::internal(format!("reading column {i}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut f = Filter::default();
        f.bind("a = ?", [Box::new(1_i64) as Value]);
        f.add("b IS NULL");
        f.search("(c ILIKE ? ESCAPE '\\' OR d ILIKE ? ESCAPE '\\')", "50%", 2);
        assert_eq!(
            f.sql(),
            " WHERE a = $1 AND b IS NULL AND (c ILIKE $2 ESCAPE '\\' OR d ILIKE $3 ESCAPE '\\')"
        );
        assert_eq!(f.params().len(), 3);
        assert_eq!(escape_like(r"50%_\x"), r"50\%\_\\x");
    }
}
