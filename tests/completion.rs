//! The interactive shell's completer, hinter and prompt, called directly
//! (no terminal): what Tab offers after a given line.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{Duration, Utc};
use epic::commands::Actor;
use epic::domain::Department;
use epic::error::{Error, Result};
use epic::shell::complete::EpicHelper;
use epic::shell::complete::data::{Answer, Found, Noun, Records, Want};
use epic::shell::interactive::prompt;
use rustyline::completion::Completer;
use rustyline::hint::Hint;
use rustyline::history::MemHistory;

/// Records held in memory, counting the lookups; `fail` makes every lookup
/// a database error.
struct Fixed {
    calls: Rc<Cell<usize>>,
    fail: bool,
}

const STAFF: &[(i64, &str, &str, Department)] = &[
    (1, "admin@epic.test", "Ada Admin", Department::Management),
    (2, "sales1@epic.test", "Sam Sales", Department::Sales),
    (3, "support1@epic.test", "Sue Support", Department::Support),
    (4, "sales2@epic.test", "Sid Sales", Department::Sales),
];
const CLIENTS: &[(i64, &str)] = &[
    (1, "Kevin Casey"),
    (3, "Lou \u{1b}]0;x\u{7}"),
    (12, "Jo Bloggs"),
];
const CONTRACTS: &[(i64, &str)] = &[(5, "Kevin Casey"), (50, "Jo Bloggs")];
const EVENTS: &[(i64, &str)] = &[(7, "Launch party")];

impl Records for Fixed {
    fn find(&self, want: Want, prefix: &str) -> Result<Answer> {
        self.calls.set(self.calls.get() + 1);
        if self.fail {
            return Err(Error::database(
                "the server went away",
                std::io::Error::from(std::io::ErrorKind::ConnectionAborted),
            ));
        }
        let pick = |rows: &[(i64, &str)]| -> Vec<Found> {
            rows.iter()
                .map(|(id, name)| Found {
                    value: id.to_string(),
                    label: name.to_string(),
                })
                .collect()
        };
        let all = match want {
            Want::Ids(Noun::Client) => pick(CLIENTS),
            Want::Ids(Noun::Contract) => pick(CONTRACTS),
            Want::Ids(Noun::Event) => pick(EVENTS),
            Want::Ids(Noun::Collaborator) => {
                pick(&STAFF.iter().map(|s| (s.0, s.2)).collect::<Vec<_>>())
            }
            Want::Emails(dept) => {
                let mut staff: Vec<_> = STAFF
                    .iter()
                    .filter(|s| dept.is_none_or(|d| d == s.3))
                    .map(|s| Found {
                        value: s.1.to_string(),
                        label: s.2.to_string(),
                    })
                    .collect();
                staff.sort_by(|a, b| a.value.cmp(&b.value));
                staff
            }
        };
        Ok(Answer {
            found: all
                .into_iter()
                .filter(|f| f.value.starts_with(prefix))
                .collect(),
            complete: true,
        })
    }
}

fn helper() -> EpicHelper {
    counted(Rc::new(Cell::new(0)), false)
}

fn counted(calls: Rc<Cell<usize>>, fail: bool) -> EpicHelper {
    let mut helper = EpicHelper::new(false);
    helper.set_records(Box::new(Fixed { calls, fail }));
    helper
}

fn tab(helper: &EpicHelper, line: &str) -> Vec<String> {
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let (_, pairs) = helper.complete(line, line.len(), &ctx).unwrap();
    pairs.into_iter().map(|p| p.display).collect()
}

/// The start offset and the displayed candidates for `line` (cursor at end).
fn complete(line: &str) -> (usize, Vec<String>) {
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let (start, pairs) = helper().complete(line, line.len(), &ctx).unwrap();
    (start, pairs.into_iter().map(|p| p.display).collect())
}

fn shown(line: &str) -> Vec<String> {
    complete(line).1
}

fn hint(line: &str) -> Option<String> {
    helper()
        .usage_hint(line, line.len())
        .map(|h| h.display().to_string())
}

#[test]
fn a_command_name_completes() {
    assert_eq!(complete("cli"), (0, vec!["client".to_string()]));
    // The replacement ends with a space, ready for the verb.
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let (_, pairs) = helper().complete("cli", 3, &ctx).unwrap();
    assert_eq!(pairs[0].replacement, "client ");
}

#[test]
fn aliases_and_help_are_commands_too() {
    assert_eq!(shown("coll"), ["collab", "collaborator"]);
    assert_eq!(shown("he"), ["help"]);
    assert_eq!(shown("qu"), ["quit"]);
}

#[test]
fn the_verbs_of_a_noun_complete_with_their_aliases() {
    assert_eq!(
        complete("client "),
        (
            7,
            [
                "add", "delete", "history", "import", "list", "ls", "reassign", "rm", "show",
                "update"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert_eq!(shown("collaborator d"), ["delete"]);
    assert_eq!(shown("collaborator h"), ["history"]);
}

#[test]
fn flags_of_the_selected_verb_complete() {
    assert_eq!(
        complete("client add --na"),
        (11, vec!["--name".to_string()])
    );
    let flags = shown("client add --");
    assert!(flags.contains(&"--email".to_string()), "{flags:?}");
    assert!(!flags.contains(&"--mine".to_string()), "{flags:?}");
    // A flag already given is not offered again.
    assert!(!shown("client add --name x --").contains(&"--name".to_string()));
    // After a verb, an empty word offers its flags.
    assert!(shown("client add ").contains(&"--company".to_string()));
}

#[test]
fn departments_complete() {
    assert_eq!(
        shown("collaborator add --department s"),
        ["sales", "support"]
    );
    assert_eq!(
        shown("collab ls --department "),
        ["management", "sales", "support"]
    );
}

#[test]
fn formats_come_from_clap() {
    assert_eq!(shown("event list --format "), ["csv", "json", "table"]);
    assert_eq!(
        complete("event list --format=j"),
        (20, vec!["json".to_string()])
    );
}

#[test]
fn collaborator_emails_complete_with_their_names() {
    // --sales: sales staff only; --support: support staff only.
    assert_eq!(
        shown("client reassign 3 --sales s"),
        ["sales1@epic.test  Sam Sales", "sales2@epic.test  Sid Sales"]
    );
    assert_eq!(
        shown("client list --sales "),
        ["sales1@epic.test  Sam Sales", "sales2@epic.test  Sid Sales"]
    );
    assert_eq!(
        shown("event assign 7 --support "),
        ["support1@epic.test  Sue Support"]
    );
    assert_eq!(
        shown("event list --support="),
        ["support1@epic.test  Sue Support"]
    );
    assert_eq!(
        shown("collaborator show su"),
        ["support1@epic.test  Sue Support"]
    );
    // Anyone may take over a deleted collaborator's records.
    assert_eq!(
        shown("collaborator delete x --reassign-to "),
        [
            "admin@epic.test     Ada Admin",
            "sales1@epic.test    Sam Sales",
            "sales2@epic.test    Sid Sales",
            "support1@epic.test  Sue Support"
        ]
    );
    // A new client's email is not a collaborator's.
    assert!(shown("client add --email s").is_empty());
    // The inserted text is the email alone.
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let (start, pairs) = helper().complete("login sales2", 12, &ctx).unwrap();
    assert_eq!(start, 6);
    assert_eq!(pairs[0].replacement, "sales2@epic.test ");
}

#[test]
fn login_offers_the_known_emails() {
    assert_eq!(
        shown("login "),
        [
            "admin@epic.test     Ada Admin",
            "sales1@epic.test    Sam Sales",
            "sales2@epic.test    Sid Sales",
            "support1@epic.test  Sue Support"
        ]
    );
    assert_eq!(shown("login ad"), ["admin@epic.test  Ada Admin"]);
}

#[test]
fn a_verb_that_takes_an_id_offers_the_ids_that_exist() {
    // Ids, in order, with the record's name (escaped) beside them.
    let clients = ["1   Kevin Casey", "3   Lou \\e]0;x\\x07", "12  Jo Bloggs"];
    assert_eq!(shown("client show "), clients);
    assert_eq!(shown("client update "), clients);
    assert_eq!(shown("client reassign "), clients);
    assert_eq!(shown("client show 1"), ["1   Kevin Casey", "12  Jo Bloggs"]);
    assert_eq!(
        shown("contract show "),
        ["5   Kevin Casey", "50  Jo Bloggs"]
    );
    assert_eq!(
        shown("contract sign 5"),
        ["5   Kevin Casey", "50  Jo Bloggs"]
    );
    assert_eq!(shown("contract pay 50"), ["50  Jo Bloggs"]);
    assert_eq!(
        shown("contract update "),
        ["5   Kevin Casey", "50  Jo Bloggs"]
    );
    assert_eq!(shown("event show "), ["7  Launch party"]);
    assert_eq!(shown("event update "), ["7  Launch party"]);
    assert_eq!(shown("event assign "), ["7  Launch party"]);
    // Flags that take an id.
    assert_eq!(
        shown("contract add --client 1"),
        ["1   Kevin Casey", "12  Jo Bloggs"]
    );
    assert_eq!(shown("contract list --client="), clients);
    assert_eq!(
        shown("event add --contract "),
        ["5   Kevin Casey", "50  Jo Bloggs"]
    );
    // A collaborator by id once a digit is typed, else by email.
    assert_eq!(shown("collaborator update 2"), ["2  Sam Sales"]);
    assert_eq!(shown("collab rm 4"), ["4  Sid Sales"]);
    // The id completes alone; the amount of `contract pay` is not an id.
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let (start, pairs) = helper().complete("contract pay 50", 15, &ctx).unwrap();
    assert_eq!((start, pairs[0].replacement.as_str()), (13, "50 "));
    assert!(shown("contract pay 50 ").is_empty());
    // Not an id: nothing.
    assert!(shown("client show x").is_empty());
    // Once the id is given, the flags come back.
    assert!(shown("client show 3 ").contains(&"--format".to_string()));
}

#[test]
fn sort_and_columns_offer_the_fields_of_the_list() {
    assert_eq!(
        shown("client list --sort "),
        [
            "company_name",
            "created_at",
            "email",
            "full_name",
            "id",
            "phone",
            "sales_contact",
            "sales_contact_id",
            "updated_at"
        ]
    );
    assert_eq!(shown("contract ls --sort -a"), ["-amount_due"]);
    assert_eq!(shown("event list --sort=st"), ["start"]);
    // Several keys: the one after the last comma, without those given
    // (in either direction), and no space (another comma may follow).
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let line = "contract list --sort -signed_at,-s";
    let (start, pairs) = helper().complete(line, line.len(), &ctx).unwrap();
    let offered: Vec<&str> = pairs.iter().map(|p| p.display.as_str()).collect();
    assert_eq!(start, line.len() - 2);
    assert_eq!(offered, ["-sales_contact_id", "-signed"]);
    assert_eq!(pairs[0].replacement, "-sales_contact_id");
    assert!(!shown("contract list --sort signed_at,").contains(&"signed_at".to_string()));
    assert!(shown("contract list --sort signed_at,").contains(&"id".to_string()));
    // Only the fields a list can be sorted on (notes cannot).
    assert!(!shown("event list --sort ").contains(&"notes".to_string()));
    assert!(shown("event list --columns ").contains(&"notes".to_string()));
    // `--columns` completes the key after the last comma, without the
    // keys already given, and adds no space (another comma may follow).
    let history = MemHistory::new();
    let ctx = rustyline::Context::new(&history);
    let line = "event list --columns id,name,s";
    let (start, pairs) = helper().complete(line, line.len(), &ctx).unwrap();
    let shown: Vec<&str> = pairs.iter().map(|p| p.display.as_str()).collect();
    assert_eq!(start, line.len() - 1);
    assert_eq!(shown, ["start", "support_contact", "support_contact_id"]);
    assert_eq!(pairs[0].replacement, "start");
    assert_eq!(
        shown_of("collaborator list --columns email,"),
        [
            "created_at",
            "department",
            "employee_number",
            "full_name",
            "id",
            "updated_at"
        ]
    );
}

fn shown_of(line: &str) -> Vec<String> {
    shown(line)
}

#[test]
fn the_last_command_of_a_line_completes() {
    assert_eq!(shown("whoami; event show "), ["7  Launch party"]);
    assert_eq!(
        shown("client list --limit 1;contract pay 5"),
        ["5   Kevin Casey", "50  Jo Bloggs"]
    );
    assert_eq!(shown("whoami ; cli"), ["client"]);
    // A quoted or escaped `;` is text of the command, not a separator.
    assert!(shown("event update 7 --notes 'a; client show ").is_empty());
    assert!(shown("client add --name a\\;cli").is_empty());
}

#[test]
fn lookups_are_cached_for_the_prompt_and_never_made_by_the_hint() {
    let calls = Rc::new(Cell::new(0));
    let mut helper = counted(Rc::clone(&calls), false);
    assert_eq!(
        helper
            .usage_hint("client show 1", 13)
            .map(|h| h.display().to_string()),
        None
    );
    assert_eq!(calls.get(), 0, "the hint asked the database");
    assert_eq!(tab(&helper, "client show ").len(), 3);
    assert_eq!(tab(&helper, "client show ").len(), 3);
    // A longer prefix is answered from the complete answer.
    assert_eq!(
        tab(&helper, "client show 1"),
        ["1   Kevin Casey", "12  Jo Bloggs"]
    );
    assert_eq!(calls.get(), 1);
    // Now the hint can use what Tab found.
    assert_eq!(
        helper
            .usage_hint("client show 12", 14)
            .map(|h| h.display().to_string()),
        None
    );
    assert_eq!(
        helper
            .usage_hint("contract show 5", 15)
            .map(|h| h.display().to_string()),
        None
    );
    assert_eq!(tab(&helper, "event show ").len(), 1);
    assert_eq!(calls.get(), 2);
    assert_eq!(
        helper
            .usage_hint("event show ", 11)
            .map(|h| h.display().to_string()),
        Some("<ID>".to_string())
    );
    assert_eq!(
        helper
            .usage_hint("event show 7", 12)
            .map(|h| h.display().to_string()),
        None
    );
    // A new prompt forgets: a command may have changed the records.
    helper.set_prompt("epic> ".into(), "epic> ".into());
    tab(&helper, "client show ");
    assert_eq!(calls.get(), 3);
}

#[test]
fn a_database_error_offers_nothing_and_is_not_retried_at_the_prompt() {
    let calls = Rc::new(Cell::new(0));
    let mut helper = counted(Rc::clone(&calls), true);
    assert!(tab(&helper, "client show ").is_empty());
    // `login`'s email is optional: its flag is still offered.
    assert_eq!(tab(&helper, "login "), ["--help", "--password-stdin"]);
    assert_eq!(calls.get(), 1);
    // The rest still completes from the clap tree.
    assert_eq!(tab(&helper, "client show 1 --fo"), ["--format"]);
    helper.set_prompt("epic> ".into(), "epic> ".into());
    assert!(tab(&helper, "client show ").is_empty());
    assert_eq!(calls.get(), 2);
}

#[test]
fn without_records_nothing_is_looked_up() {
    let helper = EpicHelper::new(false);
    // An id must be typed: no flags instead.
    assert!(tab(&helper, "client show ").is_empty());
    assert_eq!(tab(&helper, "login "), ["--help", "--password-stdin"]);
    assert_eq!(tab(&helper, "client list --sort i"), ["id"]);
}

#[test]
fn help_completes_like_the_tree() {
    assert_eq!(shown("help cl"), ["client"]);
    assert_eq!(shown("help client a"), ["add"]);
    assert!(shown("help client --").is_empty());
}

#[test]
fn nothing_is_guessed_after_an_unknown_word() {
    assert!(shown("frobnicate ").is_empty());
    assert!(shown("client frob --").is_empty());
}

#[test]
fn the_hint_shows_the_required_flags_left() {
    assert_eq!(
        hint("client add ").as_deref(),
        Some("--name <NAME> --email <EMAIL>")
    );
    assert_eq!(
        hint("client add --name x ").as_deref(),
        Some("--email <EMAIL>")
    );
    assert_eq!(hint("client show ").as_deref(), Some("<ID>"));
    assert_eq!(
        hint("client ").as_deref(),
        Some("<add|list|show|update|reassign|history|delete|import>")
    );
    assert_eq!(
        hint("event list --format ").as_deref(),
        Some("table|json|csv")
    );
    assert_eq!(hint("cli").as_deref(), Some("ent"));
    assert_eq!(hint("client list "), None);
    assert_eq!(hint(""), None);
}

#[test]
fn the_prompt_names_the_session() {
    let now = Utc::now();
    let alice = Actor {
        id: 2,
        email: "alice@epic.test".into(),
        full_name: "Alice".into(),
        department: Department::Sales,
        expires_at: now + Duration::hours(1),
        db_role: None,
    };
    assert_eq!(prompt(None, now).0, "epic> ");
    assert_eq!(
        prompt(Some(&alice), now).0,
        "epic alice@epic.test (sales)> "
    );
    let later = now + Duration::hours(2);
    assert_eq!(
        prompt(Some(&alice), later).0,
        "epic (expired) alice@epic.test> "
    );
    assert!(prompt(Some(&alice), now).1.contains("\x1b["));
}
