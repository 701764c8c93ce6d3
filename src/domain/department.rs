//! The three departments of Epic Events, which decide what a collaborator may do.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A department. Its [`id`](Department::id) is the row id seeded in the
/// `departments` table, so the store can map both ways without a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Department {
    /// Management: manages collaborators and every contract.
    Management,
    /// Sales: owns clients and their contracts.
    Sales,
    /// Support: runs the events assigned to them.
    Support,
}

impl Department {
    /// Every department, in id order.
    pub const ALL: [Department; 3] = [
        Department::Management,
        Department::Sales,
        Department::Support,
    ];

    /// The lowercase name: `"management"`, `"sales"` or `"support"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Department::Management => "management",
            Department::Sales => "sales",
            Department::Support => "support",
        }
    }

    /// The seeded row id in the `departments` table: 1, 2 or 3.
    pub fn id(self) -> i64 {
        match self {
            Department::Management => 1,
            Department::Sales => 2,
            Department::Support => 3,
        }
    }

    /// The department whose row id is `id`, or `None` for any other id.
    pub fn from_id(id: i64) -> Option<Department> {
        Department::ALL.into_iter().find(|d| d.id() == id)
    }

    /// Parses a department name, trimmed and case-insensitive. Also accepts
    /// the French names `gestion` (management) and `commercial` (sales);
    /// `support` is the same word in both. Errors name `field` and list the
    /// valid names.
    pub fn parse(field: &'static str, s: &str) -> Result<Department> {
        // The input is not echoed: it may be long or hold control characters.
        match s.trim().to_lowercase().as_str() {
            "management" | "gestion" => Ok(Department::Management),
            "sales" | "commercial" => Ok(Department::Sales),
            "support" => Ok(Department::Support),
            "" => Err(Error::invalid(
                field,
                "must not be empty (expected management, sales or support)",
            )),
            _ => Err(Error::invalid(
                field,
                "unknown department (expected management, sales or support)",
            )),
        }
    }
}

impl fmt::Display for Department {
    /// The lowercase name, as [`Department::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Department {
    type Err = Error;

    /// [`Department::parse`] with the field name `department`.
    fn from_str(s: &str) -> Result<Department> {
        Department::parse("department", s)
    }
}

impl serde::Serialize for Department {
    /// Serialised as the lowercase name.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_aliases() {
        let cases = [
            ("management", Department::Management),
            ("  Management ", Department::Management),
            ("GESTION", Department::Management),
            ("sales", Department::Sales),
            ("Sales", Department::Sales),
            ("commercial", Department::Sales),
            ("support", Department::Support),
            ("SUPPORT", Department::Support),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Department::parse("--department", input).unwrap(),
                expected,
                "{input}"
            );
            assert_eq!(input.parse::<Department>().unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn refuses_unknown_names_listing_the_valid_ones() {
        for input in [
            "",
            "  ",
            "admin",
            "sale",
            "commerciale",
            "manage ment",
            "x\u{0}",
        ] {
            let err = Department::parse("--department", input)
                .expect_err(input)
                .to_string();
            assert!(err.starts_with("--department: "), "{input:?}: {err}");
            assert!(
                err.contains("management, sales or support"),
                "{input:?}: {err}"
            );
            if !input.trim().is_empty() {
                assert!(err.contains("unknown department"), "{input:?}: {err}");
            }
        }
        let err = "nope".parse::<Department>().unwrap_err().to_string();
        assert!(err.starts_with("department: "), "{err}");
    }

    #[test]
    fn ids_names_and_serialisation_agree() {
        for (i, d) in Department::ALL.into_iter().enumerate() {
            assert_eq!(d.id(), i as i64 + 1);
            assert_eq!(Department::from_id(d.id()), Some(d));
            assert_eq!(d.to_string(), d.as_str());
            assert_eq!(Department::parse("d", d.as_str()).unwrap(), d);
            assert_eq!(
                serde_json::to_string(&d).unwrap(),
                format!("\"{}\"", d.as_str())
            );
        }
        assert_eq!(Department::from_id(0), None);
        assert_eq!(Department::from_id(4), None);
        assert_eq!(
            Department::ALL.map(Department::as_str),
            ["management", "sales", "support"]
        );
    }
}
