//! Sorting and limits of every `list`, shared by the backends.
//!
//! User input never reaches the SQL text: a sort field is looked up in the
//! aggregate's whitelist of output keys and SQL expressions.

use crate::error::{Error, Result};

/// `--sort FIELD` (a leading `-` sorts descending).
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
        match s.strip_prefix('-') {
            Some(field) => SortKey {
                field: field.trim().to_string(),
                descending: true,
            },
            None => SortKey {
                field: s.trim().trim_start_matches('+').to_string(),
                descending: false,
            },
        }
    }
}

/// Sorting and limiting options of every `list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Sort key; `None` sorts by id.
    pub sort: Option<SortKey>,
    /// Maximum number of rows.
    pub limit: Option<u32>,
}

impl ListQuery {
    /// The `ORDER BY ... LIMIT ...` tail for an aggregate whose sortable
    /// output keys map to the SQL expressions in `columns`.
    pub(crate) fn tail(&self, columns: &[(&str, &str)], id_column: &str) -> Result<String> {
        let mut sql = String::from(" ORDER BY ");
        if let Some(key) = &self.sort {
            let Some((_, expr)) = columns.iter().find(|(name, _)| *name == key.field) else {
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
            sql.push_str(expr);
            sql.push_str(if key.descending { " DESC, " } else { " ASC, " });
        }
        sql.push_str(id_column);
        if self
            .sort
            .as_ref()
            .is_some_and(|k| k.descending && k.field == "id")
        {
            sql = format!(" ORDER BY {id_column} DESC");
        }
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        Ok(sql)
    }
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

    #[test]
    fn sort_keys_map_through_the_whitelist_only() {
        let cols = [("full_name", "c.full_name"), ("id", "c.id")];
        let q = ListQuery {
            sort: Some(SortKey::parse("-full_name")),
            limit: Some(5),
        };
        assert_eq!(
            q.tail(&cols, "c.id").unwrap(),
            " ORDER BY c.full_name DESC, c.id LIMIT 5"
        );
        let bad = ListQuery {
            sort: Some(SortKey::parse("full_name; DROP TABLE clients")),
            limit: None,
        };
        let err = bad.tail(&cols, "c.id").unwrap_err().to_string();
        assert!(err.starts_with("--sort: unknown field"), "{err}");
        let by_id_desc = ListQuery {
            sort: Some(SortKey::parse("-id")),
            limit: None,
        };
        assert_eq!(
            by_id_desc.tail(&cols, "c.id").unwrap(),
            " ORDER BY c.id DESC"
        );
    }
}
