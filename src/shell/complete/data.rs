//! The records completion offers: ids with their names, collaborator
//! emails. Read through the [`Db`] trait only (so both backends answer the
//! same way), in one read transaction, and always bounded: at most
//! [`LIMIT`] candidates, found by index (first rows by id, or point lookups
//! of the ids that start with the typed digits), never by scanning a table.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::Utc;

use crate::commands::Context;
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::store::clients::ClientFilter;
use crate::store::contracts::ContractFilter;
use crate::store::events::EventFilter;
use crate::store::{Db, ListQuery, SortKey};

/// At most this many candidates are read for one Tab.
pub const LIMIT: usize = 200;

/// At most this many ids are looked up one by one for a typed prefix (ids
/// left by deleted rows cost a lookup and find nothing).
const PROBES: i64 = 400;

/// The records whose ids complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noun {
    /// `client show ID`, `contract add --client ID`.
    Client,
    /// `contract show ID`, `event add --contract ID`.
    Contract,
    /// `event show ID`.
    Event,
    /// `collaborator show ID` (once a digit is typed).
    Collaborator,
}

/// What a word wants from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Ids of these records.
    Ids(Noun),
    /// Collaborator emails, of one department or of all.
    Emails(Option<Department>),
}

/// One candidate: the value to type and the name shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The id or email.
    pub value: String,
    /// The record's name (a client's for a contract).
    pub label: String,
}

/// The candidates for one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// In order: ids ascending, emails alphabetical.
    pub found: Vec<Found>,
    /// True when `found` holds every match of the prefix (so a longer
    /// prefix can be answered from it without asking again).
    pub complete: bool,
}

/// Where completion finds records: the shell's session in practice
/// ([`SessionRecords`]), a fixed list in tests.
pub trait Records {
    /// The values of `want` starting with `prefix`, at most [`LIMIT`].
    fn find(&self, want: Want, prefix: &str) -> Result<Answer>;
}

/// Looks up the candidates in `db`: the first [`LIMIT`] rows by id for an
/// empty prefix; else the ids that start with `prefix` in ascending order
/// (`1`, `10`..`19`, `100`..`199`, ...) up to the largest id, one primary
/// key lookup each; emails through the collaborators' search, sorted.
pub fn lookup(db: &mut dyn Db, want: Want, prefix: &str) -> Result<Answer> {
    match want {
        Want::Ids(noun) => ids(db, noun, prefix),
        Want::Emails(department) => emails(db, department, prefix),
    }
}

fn ids(db: &mut dyn Db, noun: Noun, prefix: &str) -> Result<Answer> {
    if prefix.is_empty() {
        let mut found = first(db, noun, None, LIMIT + 1)?;
        let complete = found.len() <= LIMIT;
        found.truncate(LIMIT);
        return Ok(Answer { found, complete });
    }
    let Some(start) = prefix.parse::<i64>().ok().filter(|&p| {
        p > 0 && prefix.bytes().all(|b| b.is_ascii_digit()) && !prefix.starts_with('0')
    }) else {
        // Not an id anyone could have.
        return Ok(Answer {
            found: Vec::new(),
            complete: true,
        });
    };
    // The largest id bounds the lookups. Asked with the same limit as the
    // first page, not 1: on a million events SQLite's planner answers
    // `LIMIT 1` (or 2) of the joined list by sorting every row (0.4 s),
    // `LIMIT 20` and more by walking the id index backwards (under 1 ms).
    let descending = Some(SortKey::parse("-id"));
    let newest = first(db, noun, descending, LIMIT + 1)?;
    let Some(max) = newest.first().map(|f| f.value.clone()) else {
        return Ok(Answer {
            found: Vec::new(),
            complete: true,
        });
    };
    let max: i64 = max.parse().unwrap_or(0);
    let mut found = Vec::new();
    let mut probes = 0;
    // The ids of `prefix` followed by k more digits: [p·10^k, p·10^k + 10^k - 1].
    let (mut lo, mut width) = (start, 1i64);
    while lo <= max {
        let hi = lo.saturating_add(width - 1).min(max);
        for id in lo..=hi {
            if found.len() == LIMIT || probes == PROBES {
                return Ok(Answer {
                    found,
                    complete: false,
                });
            }
            probes += 1;
            match one(db, noun, id) {
                Ok(f) => found.push(f),
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let (Some(next), Some(w)) = (lo.checked_mul(10), width.checked_mul(10)) else {
            break;
        };
        (lo, width) = (next, w);
    }
    Ok(Answer {
        found,
        complete: true,
    })
}

/// The first `limit` records of `noun` in id order (or `sort`).
fn first(db: &mut dyn Db, noun: Noun, sort: Option<SortKey>, limit: usize) -> Result<Vec<Found>> {
    let q = ListQuery {
        sort: sort.into_iter().collect(),
        limit: Some(limit as u32),
        offset: None,
    };
    let mut found = Vec::new();
    let mut keep = |id: i64, label: &str| {
        found.push(Found {
            value: id.to_string(),
            label: label.to_string(),
        });
        Ok(())
    };
    match noun {
        Noun::Client => db.each_client(&ClientFilter::default(), &q, &mut |c| {
            keep(c.id, &c.full_name)
        })?,
        Noun::Contract => db.each_contract(&ContractFilter::default(), &q, &mut |c| {
            keep(c.id, &c.client_name)
        })?,
        Noun::Event => db.each_event(&EventFilter::default(), &q, &mut |e| keep(e.id, &e.name))?,
        Noun::Collaborator => {
            for c in db.list_collaborators(None, None, &q)? {
                keep(c.id, &c.full_name)?;
            }
        }
    }
    Ok(found)
}

/// The record `id` of `noun` (not found when there is none).
fn one(db: &mut dyn Db, noun: Noun, id: i64) -> Result<Found> {
    let label = match noun {
        Noun::Client => db.client(id)?.full_name,
        Noun::Contract => db.contract(id)?.client_name,
        Noun::Event => db.event(id)?.name,
        Noun::Collaborator => db.collaborator(id)?.full_name,
    };
    Ok(Found {
        value: id.to_string(),
        label,
    })
}

fn emails(db: &mut dyn Db, department: Option<Department>, prefix: &str) -> Result<Answer> {
    let q = ListQuery::sorted("email", Some(LIMIT as u32 + 1));
    // The search narrows by substring (indexed or not, the collaborators
    // are few); the prefix is then checked here.
    let search = (!prefix.is_empty()).then_some(prefix);
    let rows = db.list_collaborators(department, search, &q)?;
    let complete = rows.len() <= LIMIT;
    let lower = prefix.to_lowercase();
    let found = rows
        .into_iter()
        .take(LIMIT)
        .filter(|c| c.email.to_lowercase().starts_with(&lower))
        .map(|c| Found {
            value: c.email,
            label: c.full_name,
        })
        .collect();
    Ok(Answer { found, complete })
}

/// The records of the shell's own session: every lookup is one read
/// transaction as the logged-in collaborator (who must be allowed to read),
/// on the connection the commands use. Logged out or expired, nothing is
/// looked up at all.
pub struct SessionRecords {
    ctx: Rc<RefCell<Context>>,
}

impl SessionRecords {
    /// Records read through `ctx`, shared with the shell's loop (which does
    /// not use it while a line is being typed).
    pub fn new(ctx: Rc<RefCell<Context>>) -> SessionRecords {
        SessionRecords { ctx }
    }
}

impl Records for SessionRecords {
    fn find(&self, want: Want, prefix: &str) -> Result<Answer> {
        let Ok(mut ctx) = self.ctx.try_borrow_mut() else {
            return Ok(Answer::default());
        };
        let live = ctx
            .last_actor
            .as_ref()
            .is_some_and(|a| a.expires_at > Utc::now());
        if !live {
            return Ok(Answer::default());
        }
        ctx.read(|db, actor| {
            policy::check(Action::Read, actor.department, actor.id)?;
            lookup(db, want, prefix)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    const HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA";

    /// Collaborators 1 (management), 2 and 4 (sales), 3 (support); clients
    /// 1..=250 but 125; one contract (5) and one event (7).
    fn seeded() -> Store {
        let store = Store::memory().unwrap();
        let mut conn = store.conn().unwrap();
        let sql = conn.as_sqlite().unwrap();
        for (id, dept, email) in [
            (1, 1, "boss@x.io"),
            (2, 2, "sam@x.io"),
            (3, 3, "sue@x.io"),
            (4, 2, "sid@x.io"),
        ] {
            sql.execute(
                "INSERT INTO collaborators (id, employee_number, full_name, email, department_id,
                                            password_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)",
                rusqlite::params![
                    id,
                    format!("E-{id}"),
                    format!("Name {id}"),
                    email,
                    dept,
                    HASH
                ],
            )
            .unwrap();
        }
        sql.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
             INSERT INTO clients (id, full_name, email, sales_contact_id, created_at, updated_at)
             SELECT i, 'Client ' || i, 'c' || i || '@x.io', 2, 0, 0 FROM n;
             DELETE FROM clients WHERE id = 125;
             INSERT INTO contracts (id, client_id, total_cents, due_cents, signed_at, created_at,
                                    updated_at)
             VALUES (5, 12, 100, 100, 0, 0, 0);
             INSERT INTO events (id, contract_id, name, start_at, end_at, location, attendees,
                                 created_at, updated_at)
             VALUES (7, 5, 'Launch', 10, 20, 'Paris', 3, 0, 0);",
        )
        .unwrap();
        drop(conn);
        store
    }

    fn ask(store: &Store, want: Want, prefix: &str) -> (Vec<String>, bool) {
        let mut conn = store.conn().unwrap();
        let answer = conn.read(|db| lookup(db, want, prefix)).unwrap();
        let values = answer
            .found
            .iter()
            .map(|f| format!("{} {}", f.value, f.label))
            .collect();
        (values, answer.complete)
    }

    fn values(store: &Store, want: Want, prefix: &str) -> Vec<String> {
        ask(store, want, prefix).0
    }

    #[test]
    fn an_empty_prefix_reads_the_first_ids_up_to_the_limit() {
        let store = seeded();
        let (found, complete) = ask(&store, Want::Ids(Noun::Client), "");
        assert_eq!(found.len(), LIMIT);
        assert!(!complete, "250 clients, 200 shown: more exist");
        assert_eq!(found[0], "1 Client 1");
        assert_eq!(found[LIMIT - 1], "201 Client 201", "id 125 is gone");
        let (events, complete) = ask(&store, Want::Ids(Noun::Event), "");
        assert_eq!((events, complete), (vec!["7 Launch".to_string()], true));
    }

    #[test]
    fn typed_digits_find_the_ids_that_start_with_them() {
        let store = seeded();
        let twelve: Vec<String> = [12, 120, 121, 122, 123, 124, 126, 127, 128, 129]
            .iter()
            .map(|i| format!("{i} Client {i}"))
            .collect();
        assert_eq!(ask(&store, Want::Ids(Noun::Client), "12"), (twelve, true));
        assert_eq!(
            values(&store, Want::Ids(Noun::Client), "25"),
            ["25 Client 25", "250 Client 250"]
        );
        // Past the largest id, or not an id at all: nothing, and no lookups.
        for prefix in ["251", "9999999999999999999", "0", "01", "-1", "x", "1 "] {
            assert_eq!(
                ask(&store, Want::Ids(Noun::Client), prefix),
                (Vec::new(), true),
                "{prefix:?}"
            );
        }
        // A contract is named by its client, an event by its name.
        assert_eq!(
            values(&store, Want::Ids(Noun::Contract), "5"),
            ["5 Client 12"]
        );
        assert_eq!(values(&store, Want::Ids(Noun::Event), "7"), ["7 Launch"]);
        assert!(values(&store, Want::Ids(Noun::Event), "8").is_empty());
        assert_eq!(
            values(&store, Want::Ids(Noun::Collaborator), "3"),
            ["3 Name 3"]
        );
    }

    #[test]
    fn emails_come_by_department_and_prefix_in_order() {
        let store = seeded();
        assert_eq!(
            values(&store, Want::Emails(None), ""),
            [
                "boss@x.io Name 1",
                "sam@x.io Name 2",
                "sid@x.io Name 4",
                "sue@x.io Name 3"
            ]
        );
        assert_eq!(
            values(&store, Want::Emails(Some(Department::Sales)), ""),
            ["sam@x.io Name 2", "sid@x.io Name 4"]
        );
        assert_eq!(
            values(&store, Want::Emails(Some(Department::Support)), "s"),
            ["sue@x.io Name 3"]
        );
        // The search matches inside; completion wants the start.
        assert_eq!(
            values(&store, Want::Emails(None), "S"),
            values(&store, Want::Emails(None), "s")
        );
        assert!(values(&store, Want::Emails(None), "x.io").is_empty());
        assert!(values(&store, Want::Emails(None), "%").is_empty());
    }
}
