//! Sorting, limits and paging of every `list`, shared by the backends.
//!
//! User input never reaches the SQL text: a sort field is looked up in the
//! aggregate's whitelist of output keys and SQL expressions, and limits and
//! offsets are numbers.

use crate::error::{Error, Result};

/// One key of `--sort` (a leading `-` sorts descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The output key to sort on, e.g. `full_name`.
    pub field: String,
    /// Descending order.
    pub descending: bool,
}

impl SortKey {
    /// Parses `full_name` or `-created_at`.
    pub fn parse(s: &str) -> SortKey {
        let s = s.trim();
        match s.strip_prefix('-') {
            Some(field) => SortKey {
                field: field.trim().to_string(),
                descending: true,
            },
            None => SortKey {
                field: s.trim_start_matches('+').trim().to_string(),
                descending: false,
            },
        }
    }

    /// Parses a comma-separated `--sort` value: `-signed_at,id`.
    pub fn parse_list(s: &str) -> Vec<SortKey> {
        s.split(',').map(SortKey::parse).collect()
    }
}

/// Sorting, limiting and paging options of every `list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Sort keys, most significant first; empty sorts by id. The id is
    /// always the last tiebreak, so the order (and paging) is total.
    pub sort: Vec<SortKey>,
    /// Maximum number of rows.
    pub limit: Option<u32>,
    /// Rows to skip first (paging with `--offset`).
    pub offset: Option<u32>,
}

impl ListQuery {
    /// A query sorted by one key (`-created_at`), at most `limit` rows.
    pub fn sorted(key: &str, limit: Option<u32>) -> ListQuery {
        ListQuery {
            sort: vec![SortKey::parse(key)],
            limit,
            offset: None,
        }
    }

    /// The `ORDER BY ... LIMIT ... OFFSET ...` tail for an aggregate whose
    /// sortable output keys map to the SQL expressions in `columns`. Both
    /// backends take the same text.
    pub(crate) fn tail(&self, columns: &[(&str, &str)], id_column: &str) -> Result<String> {
        let mut terms: Vec<String> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut has_id = false;
        for key in &self.sort {
            let Some((name, expr)) = columns.iter().find(|(name, _)| *name == key.field) else {
                let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
                return Err(Error::invalid(
                    "--sort",
                    format!(
                        "unknown field '{}'; one of: {}",
                        key.field,
                        names.join(", ")
                    ),
                ));
            };
            if seen.contains(name) {
                continue; // `--sort id,-id`: the first wins
            }
            seen.push(name);
            if *name == "id" {
                // Ids are unique: nothing after them changes the order.
                terms.push(format!("{id_column}{}", dir(key.descending)));
                has_id = true;
                break;
            }
            terms.push(format!("{expr}{}", dir(key.descending)));
        }
        if !has_id {
            terms.push(id_column.to_string());
        }
        let mut sql = format!(" ORDER BY {}", terms.join(", "));
        match (self.limit, self.offset) {
            (Some(limit), Some(offset)) => sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}")),
            (Some(limit), None) => sql.push_str(&format!(" LIMIT {limit}")),
            // SQLite needs a LIMIT before an OFFSET (`LIMIT -1` there,
            // refused by PostgreSQL): the largest one both accept.
            (None, Some(offset)) => sql.push_str(&format!(" LIMIT {} OFFSET {offset}", i64::MAX)),
            (None, None) => {}
        }
        Ok(sql)
    }
}

fn dir(descending: bool) -> &'static str {
    if descending { " DESC" } else { " ASC" }
}

/// The fields `--sort` accepts on the list of `noun` (`client`,
/// `contract`, `event`, `collaborator`; none for anything else), in the
/// order of the backends' whitelist. Both backends accept the same names
/// (a test sorts by each one on both).
pub fn sortable(noun: &str) -> Vec<&'static str> {
    use super::sqlite::{clients, collaborators, contracts, events};
    let columns: &[(&'static str, &str)] = match noun {
        "client" => clients::SORTABLE,
        "contract" => contracts::SORTABLE,
        "event" => events::SORTABLE,
        "collaborator" => collaborators::SORTABLE,
        _ => &[],
    };
    columns.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [(&str, &str); 3] = [
        ("full_name", "c.full_name"),
        ("created_at", "c.created_at"),
        ("id", "c.id"),
    ];

    fn q(sort: &str, limit: Option<u32>, offset: Option<u32>) -> ListQuery {
        ListQuery {
            sort: SortKey::parse_list(sort),
            limit,
            offset,
        }
    }

    #[test]
    fn sort_keys_map_through_the_whitelist_only() {
        assert_eq!(
            q("-full_name", Some(5), None).tail(&COLS, "c.id").unwrap(),
            " ORDER BY c.full_name DESC, c.id LIMIT 5"
        );
        let err = q("full_name; DROP TABLE clients", None, None)
            .tail(&COLS, "c.id")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--sort: unknown field"), "{err}");
        assert_eq!(
            q("-id", None, None).tail(&COLS, "c.id").unwrap(),
            " ORDER BY c.id DESC"
        );
        assert_eq!(
            ListQuery::default().tail(&COLS, "c.id").unwrap(),
            " ORDER BY c.id"
        );
    }

    #[test]
    fn several_keys_keep_their_order_and_end_with_the_id() {
        assert_eq!(
            q("-created_at, full_name", None, None)
                .tail(&COLS, "c.id")
                .unwrap(),
            " ORDER BY c.created_at DESC, c.full_name ASC, c.id"
        );
        // An explicit id is the last key; a repeated key counts once.
        assert_eq!(
            q("-created_at,-id,full_name", None, None)
                .tail(&COLS, "c.id")
                .unwrap(),
            " ORDER BY c.created_at DESC, c.id DESC"
        );
        assert_eq!(
            q("full_name,-full_name", None, None)
                .tail(&COLS, "c.id")
                .unwrap(),
            " ORDER BY c.full_name ASC, c.id"
        );
        let err = q("full_name,", None, None)
            .tail(&COLS, "c.id")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field ''"), "{err}");
    }

    #[test]
    fn offsets_page_with_or_without_a_limit() {
        assert_eq!(
            q("id", Some(10), Some(20)).tail(&COLS, "c.id").unwrap(),
            " ORDER BY c.id ASC LIMIT 10 OFFSET 20"
        );
        assert_eq!(
            q("id", None, Some(3)).tail(&COLS, "c.id").unwrap(),
            format!(" ORDER BY c.id ASC LIMIT {} OFFSET 3", i64::MAX)
        );
    }
}
