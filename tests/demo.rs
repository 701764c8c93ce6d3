//! `epic demo`: the README's first command, end to end.
mod common;
use common::*;

const DEMO_PASSWORD: &str = "lagoon-tango-saffron";

#[test]
fn demo_creates_the_spec_examples_and_opens_the_shell_on_them() {
    let env = Env::new();
    let script = format!(
        "login bill.boquet@epicevents.demo --password-stdin\n{DEMO_PASSWORD}\n\
         client list\ncontract list\nevent list\ncollaborator list\nevent show 1\nexit\n\
         client list\n"
    );
    let out = env.bare().arg("demo").write_stdin(script).output().unwrap();
    assert_ok(&out);
    let text = stdout(&out);
    // The banner names the accounts and the password.
    for needle in [
        "maud.lefebvre@epicevents.demo",
        "bill.boquet@epicevents.demo",
        "kate.hastroff@epicevents.demo",
        DEMO_PASSWORD,
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // The SPEC's examples, as tables (short local times, yes/no, money).
    for needle in [
        "Kevin Casey",
        "+678 123 456 78",
        "Cool Startup LLC",
        "2023-03-29",
        "John Ouick Wedding",
        "652",
        "25000.00",
        "│ yes",
        "│ no",
        "2023-06-04 13:00",
        "Kate Hastroff",
        "Candé-sur-Beuvron",
        "│ support",
        "Kate needs to organize the DJ for after party.",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // `exit` ends the session: the last line of the script never ran.
    assert_eq!(text.matches("(2 rows)").count(), 2, "{text}");

    // Reusing the demo keeps its data; --reset starts afresh.
    let db = env.data_dir().join("demo.db");
    assert!(db.exists());
    let out = env
        .bare()
        .args(["demo"])
        .write_stdin("client add --name 'Ann Lee' --email ann@lee.io\n")
        .output()
        .unwrap();
    assert_ok(&out);
    let count = |env: &Env| -> i64 {
        rusqlite::Connection::open(env.data_dir().join("demo.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&env), 3);
    let out = env
        .bare()
        .args(["demo", "--reset"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(count(&env), 2);
    // The reset also ended the old session.
    let out = env
        .bare()
        .args(["demo"])
        .write_stdin("client list\n")
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
}
