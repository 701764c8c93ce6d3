//! The interactive shell's completer, hinter and prompt, called directly
//! (no terminal): what Tab offers after a given line.

use chrono::{Duration, Utc};
use epic::commands::Actor;
use epic::domain::Department;
use epic::shell::complete::EpicHelper;
use epic::shell::interactive::prompt;
use rustyline::completion::Completer;
use rustyline::hint::Hint;
use rustyline::history::MemHistory;

fn helper() -> EpicHelper {
    let mut helper = EpicHelper::new(false);
    helper.set_emails(vec!["sales1@epic.test".into(), "support1@epic.test".into()]);
    helper
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
            ["add", "list", "ls", "reassign", "show", "update"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(shown("collaborator d"), ["delete"]);
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
fn collaborator_emails_complete_from_the_cache() {
    assert_eq!(
        shown("client reassign 3 --sales s"),
        ["sales1@epic.test", "support1@epic.test"]
    );
    assert_eq!(shown("collaborator show su"), ["support1@epic.test"]);
    assert_eq!(
        shown("collaborator delete x --reassign-to sa"),
        ["sales1@epic.test"]
    );
    // A new client's email is not a collaborator's.
    assert!(shown("client add --email s").is_empty());
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
        Some("<add|list|show|update|reassign>")
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
