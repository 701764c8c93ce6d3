//! The permission matrix through the command layer, every command × every
//! department (and logged out) × own / someone else's / unassigned records,
//! on a real database file. A refused command must leave the database
//! byte-for-byte unchanged.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use tempfile::TempDir;

use super::*;
use crate::auth::Hasher;
use crate::store::Target;

/// Passwords fed to `--password-stdin`.
type Feed = Rc<RefCell<VecDeque<String>>>;

const PASSWORD: &str = "correct horse battery";

fn cheap() -> Hasher {
    Hasher::with_params(256, 1, 1).unwrap()
}

fn context(db: &Path, sessions: &Path) -> (Context, Feed) {
    context_on(Target::File(db.to_path_buf()), sessions)
}

fn context_on(target: Target, sessions: &Path) -> (Context, Feed) {
    let mut ctx = Context::with_target(target, sessions.to_path_buf());
    ctx.clear_env_token();
    ctx.hasher = cheap();
    let feed: Feed = Rc::default();
    let source = Rc::clone(&feed);
    ctx.set_line_source(Box::new(move || Ok(source.borrow_mut().pop_front())));
    (ctx, feed)
}

/// Runs a line; returns the exit status (0 when it succeeded).
fn run(ctx: &mut Context, feed: &Feed, line: &str) -> i32 {
    for _ in 0..2 {
        feed.borrow_mut().push_back(PASSWORD.to_string());
    }
    let result = match parse_line(line) {
        Ok(ParsedLine::Command(command)) => {
            execute(ctx, *command, &mut std::io::sink()).map(|_| ())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    feed.borrow_mut().clear();
    match result {
        Ok(()) => 0,
        Err(e) => e.exit_code().code(),
    }
}

fn ok(ctx: &mut Context, feed: &Feed, line: &str) {
    assert_eq!(run(ctx, feed, line), 0, "{line}");
}

/// The base world, built once: its files and one token per role.
struct Base {
    _dir: TempDir,
    db: PathBuf,
    tokens: [String; 3],
}

/// Collaborators: 1 manager, 2 sales1, 3 sales2, 4 support1, 5 support2,
/// 6 support3 (owns nothing). Clients: 1 (sales1), 2 (sales2). Contracts:
/// 1 client 1 unsigned, 2 client 1 signed, 3 client 2 unsigned, 4 client 2
/// signed. Events: 1 on contract 2 unassigned, 2 on contract 4 with
/// support1, 3 on contract 2 with support2.
fn fill_base(ctx: &mut Context, feed: &Feed) -> [String; 3] {
    ok(
        ctx,
        feed,
        "init --name Manager --email m@x.io --password-stdin",
    );
    ok(ctx, feed, "login m@x.io --password-stdin");
    for (name, email, dept) in [
        ("Sales One", "s1@x.io", "sales"),
        ("Sales Two", "s2@x.io", "sales"),
        ("Support One", "p1@x.io", "support"),
        ("Support Two", "p2@x.io", "support"),
        ("Support Three", "p3@x.io", "support"),
    ] {
        ok(
            ctx,
            feed,
            &format!(
                "collaborator add --name '{name}' --email {email} --department {dept} \
                 --password-stdin"
            ),
        );
    }
    ok(ctx, feed, "login s1@x.io --password-stdin");
    ok(
        ctx,
        feed,
        "client add --name 'Kevin Casey' --email kevin@startup.io --phone '+678 123 456 78' --company 'Cool Startup LLC'",
    );
    ok(ctx, feed, "login s2@x.io --password-stdin");
    ok(
        ctx,
        feed,
        "client add --name 'John Ouick' --email john.ouick@gmail.com --phone '+1 234 567 8901'",
    );
    ok(ctx, feed, "login m@x.io --password-stdin");
    ok(ctx, feed, "contract add --client 1 --total 12500");
    ok(
        ctx,
        feed,
        "contract add --client 1 --total '12 500,50' --due 1000 --signed",
    );
    ok(ctx, feed, "contract add --client 2 --total 800");
    ok(ctx, feed, "contract add --client 2 --total 900 --signed");
    let event = "--name 'John Ouick Wedding' --start '2026-06-04 13:00' --end '2026-06-05 02:00' \
                 --location '53 Rue du Château, 41120 Candé-sur-Beuvron, France' --attendees 75";
    ok(ctx, feed, "login s1@x.io --password-stdin");
    ok(ctx, feed, &format!("event add --contract 2 {event}"));
    ok(ctx, feed, "login s2@x.io --password-stdin");
    ok(ctx, feed, &format!("event add --contract 4 {event}"));
    ok(ctx, feed, "login s1@x.io --password-stdin");
    ok(ctx, feed, &format!("event add --contract 2 {event}"));
    ok(ctx, feed, "login m@x.io --password-stdin");
    ok(ctx, feed, "event assign 2 --support p1@x.io");
    ok(ctx, feed, "event assign 3 --support 5");
    let mut tokens = Vec::new();
    for email in ["m@x.io", "s1@x.io", "p1@x.io"] {
        ok(ctx, feed, &format!("login {email} --password-stdin"));
        tokens.push(ctx.current_token().unwrap().unwrap());
    }
    tokens.try_into().unwrap()
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let db = dir.path().join("base.db");
        let sessions = dir.path().join("sessions");
        let (mut ctx, feed) = context(&db, &sessions);
        let tokens = fill_base(&mut ctx, &feed);
        // Checkpoint, so that copying the main file copies everything.
        ctx.conn()
            .unwrap()
            .as_sqlite()
            .unwrap()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        Base {
            _dir: dir,
            db,
            tokens,
        }
    })
}

/// A private copy of the base world, logged in as `role` (0 management,
/// 1 sales1, 2 support1, 3 logged out).
fn world(role: usize) -> (World, Context, Feed) {
    let base = base();
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("w.db");
    std::fs::copy(&base.db, &db).unwrap();
    let key = crate::auth::files::key_path(&base.db);
    std::fs::copy(&key, crate::auth::files::key_path(&db)).unwrap();
    let (mut ctx, feed) = context(&db, &dir.path().join("sessions"));
    if role < 3 {
        ctx.keep_token(base.tokens[role].clone()).unwrap();
    }
    (
        World {
            _dir: dir,
            _pg: None,
        },
        ctx,
        feed,
    )
}

/// What keeps a world alive: its folder, and its database on a server.
struct World {
    _dir: TempDir,
    _pg: Option<crate::store::pg::testing::Database>,
}

impl World {
    fn path(&self) -> &Path {
        self._dir.path()
    }
}

/// The base world on PostgreSQL: a template database (each world logs in
/// on its own copy).
struct PgBase {
    _dir: TempDir,
    server: crate::store::pg::testing::Server,
    template: crate::store::pg::testing::Database,
}

fn pg_base() -> Option<&'static PgBase> {
    static BASE: OnceLock<Option<PgBase>> = OnceLock::new();
    BASE.get_or_init(|| {
        let server = crate::store::pg::testing::server("commands::tests (PostgreSQL)")?;
        let template = server.create(None);
        let dir = TempDir::new().unwrap();
        let (mut ctx, feed) = context_on(template.target(), &dir.path().join("sessions"));
        fill_base(&mut ctx, &feed);
        drop(ctx); // a template must have no connections
        Some(PgBase {
            _dir: dir,
            server,
            template,
        })
    })
    .as_ref()
}

/// A private copy of the PostgreSQL base world, logged in as `role`. The
/// copy has a name of its own, so it gets roles of its own: the installer
/// sets them up (as after a restore) and every account gets its role back.
fn pg_world(base: &PgBase, role: usize) -> (World, Context, Feed) {
    let db = base.server.create(Some(&base.template.name));
    let verifier = crate::store::pg::roles::verifier(PASSWORD);
    db.client()
        .execute("CALL epic.install_security()", &[])
        .unwrap();
    db.client()
        .execute("SELECT epic.adopt_accounts($1)", &[&verifier])
        .unwrap();
    let dir = TempDir::new().unwrap();
    let (mut ctx, feed) = context_on(db.target(), &dir.path().join("sessions"));
    if role < 3 {
        let email = ["m@x.io", "s1@x.io", "p1@x.io"][role];
        ok(&mut ctx, &feed, &format!("login {email} --password-stdin"));
    }
    (
        World {
            _dir: dir,
            _pg: Some(db),
        },
        ctx,
        feed,
    )
}

/// The whole database as bytes: equal images mean nothing was written.
fn image(ctx: &mut Context) -> Vec<u8> {
    if ctx.is_server() {
        // As the installer: a collaborator may not read every table.
        let store =
            crate::store::Store::open(ctx.target(), crate::store::OpenMode::Existing).unwrap();
        let mut conn = store.conn().unwrap();
        let pg = conn.as_postgres().unwrap();
        let mut out = Vec::new();
        let tables = pg
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = 'epic' ORDER BY 1",
                &[],
            )
            .unwrap();
        for t in tables {
            let name: String = t.get(0);
            for row in pg
                .query(
                    &format!("SELECT to_json(t)::text FROM epic.{name} t ORDER BY 1"),
                    &[],
                )
                .unwrap()
            {
                out.extend(row.get::<_, String>(0).into_bytes());
                out.push(b'\n');
            }
        }
        return out;
    }
    let conn = ctx.conn().unwrap();
    let conn = conn.as_sqlite().unwrap();
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

/// A world maker: a private copy of the base world, logged in as a role.
type WorldFn = dyn Fn(usize) -> (World, Context, Feed);

/// Makes `body` (which takes its worlds from a [`WorldFn`]) a test on
/// SQLite, `name::sqlite`, and one on PostgreSQL, `name::postgres`
/// (skipped, saying so, without `EPIC_TEST_PG`).
macro_rules! on_both_worlds {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$body(&super::world);
            }

            #[test]
            fn postgres() {
                if let Some(base) = super::pg_base() {
                    super::$body(&|role| super::pg_world(base, role));
                }
            }
        }
    };
}

const M: i32 = 0;
const DENIED: i32 = 4;
const LOGGED_OUT: i32 = 3;
/// A filter that could only return nothing (`--mine` for a department
/// that owns no such record): invalid input, not an empty list.
const INVALID: i32 = 5;

/// (line, expected status for [management, sales1, support1, logged out]).
/// "own" means sales1's client 1 (and its contracts 1, 2 and events 1, 3)
/// and support1's event 2; "other" means sales2's or support2's.
const MATRIX: &[(&str, [i32; 4])] = &[
    // collaborators
    ("collaborator list", [M, M, M, LOGGED_OUT]),
    (
        "collaborator list --department sales --format json",
        [M, M, M, LOGGED_OUT],
    ),
    ("collaborator show 3", [M, M, M, LOGGED_OUT]),
    ("collaborator show p1@x.io", [M, M, M, LOGGED_OUT]),
    (
        "collaborator add --name 'New Person' --email new@x.io --department sales --password-stdin",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator add --name 'New Boss' --email boss@x.io --department management --password-stdin",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator update 3 --name Renamed",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator update 2 --email sales.one@x.io",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator update 6 --department sales",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator update 4 --reset-password --password-stdin",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator delete 6 --yes",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator delete 3 --reassign-to 2 --yes",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "collaborator delete 5 --reassign-to p1@x.io --yes",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    // clients
    ("client list", [M, M, M, LOGGED_OUT]),
    (
        "client list --mine --format csv",
        [INVALID, M, INVALID, LOGGED_OUT],
    ),
    (
        "client list --sales 2 --search kev --offset 1",
        [M, M, M, LOGGED_OUT],
    ),
    (
        "client list --sales m@x.io",
        [INVALID, INVALID, INVALID, LOGGED_OUT],
    ),
    (
        "client list --sales 3 --sort -full_name --limit 1",
        [M, M, M, LOGGED_OUT],
    ),
    ("client show 1", [M, M, M, LOGGED_OUT]),
    ("client show 2 --format json", [M, M, M, LOGGED_OUT]),
    (
        "client add --name 'Ann Lee' --email ann@lee.io",
        [DENIED, M, DENIED, LOGGED_OUT],
    ),
    (
        "client update 1 --phone '+33 6 12 34 56 78'",
        [DENIED, M, DENIED, LOGGED_OUT],
    ),
    (
        "client update 2 --phone '+33 6 12 34 56 78'",
        [DENIED, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "client update 1 --contacted",
        [DENIED, M, DENIED, LOGGED_OUT],
    ),
    (
        "client update 2 --contacted",
        [DENIED, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "client update 1 --name 'Kevin C.' --company 'Cooler Startup'",
        [DENIED, M, DENIED, LOGGED_OUT],
    ),
    (
        "client update 2 --email j.o@gmail.com",
        [DENIED, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "client reassign 1 --sales 3",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "client reassign 2 --sales s1@x.io",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    // contracts
    ("contract list", [M, M, M, LOGGED_OUT]),
    ("contract list --unsigned --unpaid", [M, M, M, LOGGED_OUT]),
    (
        "contract list --mine --client 1",
        [INVALID, M, INVALID, LOGGED_OUT],
    ),
    (
        "contract list --search kev --from 2020-01-01 --to 2030-12-31 --sort -signed_at,id --offset 1",
        [M, M, M, LOGGED_OUT],
    ),
    (
        "contract list --sales p1@x.io",
        [INVALID, INVALID, INVALID, LOGGED_OUT],
    ),
    ("contract show 1", [M, M, M, LOGGED_OUT]),
    (
        "contract add --client 1 --total 5000",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "contract add --client 2 --total 5000 --due 10 --signed",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "contract update 1 --total 20000",
        [M, M, DENIED, LOGGED_OUT],
    ),
    (
        "contract update 2 --due 500 --reason rebate",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "contract update 3 --total 2000",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "contract update 4 --due 0 --reason 'written off'",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    ("contract sign 1", [M, M, DENIED, LOGGED_OUT]),
    ("contract sign 3", [M, DENIED, DENIED, LOGGED_OUT]),
    ("contract pay 2 100", [M, M, DENIED, LOGGED_OUT]),
    ("contract pay 1 '1 000,50'", [M, M, DENIED, LOGGED_OUT]),
    ("contract pay 4 100", [M, DENIED, DENIED, LOGGED_OUT]),
    ("contract pay 3 100", [M, DENIED, DENIED, LOGGED_OUT]),
    // events
    ("event list", [M, M, M, LOGGED_OUT]),
    ("event list --unassigned", [M, M, M, LOGGED_OUT]),
    ("event list --mine --upcoming", [INVALID, M, M, LOGGED_OUT]),
    (
        "event list --search wedding --from 2020-01-01 --to 2030-12-31 --sort -start,name --limit 2 --offset 1",
        [M, M, M, LOGGED_OUT],
    ),
    (
        "event list --support s1@x.io",
        [INVALID, INVALID, INVALID, LOGGED_OUT],
    ),
    (
        "event list --support p2@x.io --contract 2 --format json",
        [M, M, M, LOGGED_OUT],
    ),
    ("event show 1", [M, M, M, LOGGED_OUT]),
    (
        "event add --contract 2 --name Party --start 2027-01-01T10:00 --end '2027-01-01 12:00' --location Paris --attendees 10",
        [DENIED, M, DENIED, LOGGED_OUT],
    ),
    (
        "event add --contract 4 --name Party --start 2027-01-01 --end 2027-01-02 --location Paris --attendees 0",
        [DENIED, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "event assign 1 --support 4",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "event assign 2 --support p2@x.io",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "event assign 3 --support 4",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "event update 2 --notes 'DJ booked'",
        [M, DENIED, M, LOGGED_OUT],
    ),
    (
        "event update 2 --attendees 80 --location 'Blois, France'",
        [M, DENIED, M, LOGGED_OUT],
    ),
    (
        "event update 2 --start '2026-06-04 14:00' --end '2026-06-05 03:00' --name 'Wedding'",
        [M, DENIED, M, LOGGED_OUT],
    ),
    (
        "event update 3 --notes 'not mine'",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "event update 1 --notes 'unassigned'",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    ("event update 2 --notes ''", [M, DENIED, M, LOGGED_OUT]),
    ("event assign 2 --none", [M, DENIED, DENIED, LOGGED_OUT]),
    // the records over time: everyone reads histories and the ledger
    ("client history 1", [M, M, M, LOGGED_OUT]),
    ("contract history 2 --format json", [M, M, M, LOGGED_OUT]),
    (
        "event history 2 --limit 1 --format csv",
        [M, M, M, LOGGED_OUT],
    ),
    ("collaborator history p1@x.io", [M, M, M, LOGGED_OUT]),
    ("contract payments 2 --format json", [M, M, M, LOGGED_OUT]),
    (
        "audit list --entity client",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    (
        "audit list --actor 2 --since 2020-01-01 --format csv",
        [M, DENIED, DENIED, LOGGED_OUT],
    ),
    // deletes: management only; dependants refuse (7)
    ("event delete 3 --yes", [M, DENIED, DENIED, LOGGED_OUT]),
    ("event rm 2 --yes", [M, DENIED, DENIED, LOGGED_OUT]),
    ("contract delete 1 --yes", [M, DENIED, DENIED, LOGGED_OUT]),
    ("contract delete 3 --yes", [M, DENIED, DENIED, LOGGED_OUT]),
    ("contract delete 2 --yes", [7, DENIED, DENIED, LOGGED_OUT]),
    ("client delete 1 --yes", [7, DENIED, DENIED, LOGGED_OUT]),
    // reports: everyone logged in reads
    ("report pipeline", [M, M, M, LOGGED_OUT]),
    ("report pipeline --format csv", [M, M, M, LOGGED_OUT]),
    (
        "report events --from 2020-01-01 --to 2030-12-31 --format json",
        [M, M, M, LOGGED_OUT],
    ),
    ("report events", [M, M, M, LOGGED_OUT]),
    ("report due --format json", [M, M, M, LOGGED_OUT]),
    // maintenance and session
    ("doctor", [M, DENIED, DENIED, LOGGED_OUT]),
    ("whoami", [M, M, M, LOGGED_OUT]),
];

/// The import commands' rows of the matrix: their CSV files live in a
/// folder of their own, so the lines are built once at run time. Sales1
/// imports clients for themselves, management for any sales contact;
/// events as `event add` (sales1's signed contract 2; sales2's contract 4;
/// sales1's unsigned contract 1, a conflict).
fn import_matrix() -> &'static [MatrixRow] {
    static ROWS: OnceLock<(TempDir, Vec<MatrixRow>)> = OnceLock::new();
    &ROWS
        .get_or_init(|| {
            let dir = TempDir::new().unwrap();
            let event = "name,start,end,location,attendees\n";
            let files = [
                (
                    "own.csv",
                    "full_name,email,sales_contact\nAnn Lee,ann@lee.io,s1@x.io\n".to_string(),
                ),
                (
                    "other.csv",
                    "full_name,email,sales_contact_id\nBob Ray,bob@ray.io,3\n".to_string(),
                ),
                (
                    "plain.csv",
                    "full_name,email\nCid Moe,cid@moe.io\n".to_string(),
                ),
                (
                    "own-events.csv",
                    format!("contract_id,{event}2,Party,2027-01-01,2027-01-02,Paris,10\n"),
                ),
                (
                    "other-events.csv",
                    format!("contract_id,{event}4,Party,2027-01-01,2027-01-02,Paris,10\n"),
                ),
                (
                    "unsigned-events.csv",
                    format!("contract_id,{event}1,Party,2027-01-01,2027-01-02,Paris,10\n"),
                ),
            ];
            for (name, text) in &files {
                std::fs::write(dir.path().join(name), text).unwrap();
            }
            let at = |name: &str| dir.path().join(name).display().to_string();
            let rows = vec![
                (
                    format!("client import {}", at("own.csv")),
                    [M, M, DENIED, LOGGED_OUT],
                ),
                (
                    format!("client import {} --dry-run", at("own.csv")),
                    [M, M, DENIED, LOGGED_OUT],
                ),
                (
                    format!("client import {} --skip-existing", at("other.csv")),
                    [M, DENIED, DENIED, LOGGED_OUT],
                ),
                // Management must name the sales contact: invalid input.
                (
                    format!("client import {}", at("plain.csv")),
                    [5, M, DENIED, LOGGED_OUT],
                ),
                (
                    format!("event import {}", at("own-events.csv")),
                    [DENIED, M, DENIED, LOGGED_OUT],
                ),
                (
                    format!("event import {}", at("other-events.csv")),
                    [DENIED, DENIED, DENIED, LOGGED_OUT],
                ),
                (
                    format!("event import {} --dry-run", at("unsigned-events.csv")),
                    [DENIED, 7, DENIED, LOGGED_OUT],
                ),
            ];
            (dir, rows)
        })
        .1
}

/// A line and its expected status per role.
type MatrixRow = (String, [i32; 4]);

/// Every row of the matrix: the fixed lines, then the import lines.
fn matrix_rows() -> Vec<MatrixRow> {
    MATRIX
        .iter()
        .map(|(line, expected)| (line.to_string(), *expected))
        .chain(import_matrix().iter().cloned())
        .collect()
}

#[test]
fn the_permission_matrix_holds_for_every_command_role_and_record() {
    permission_matrix(&world);
}

#[test]
fn the_permission_matrix_holds_on_postgresql() {
    if let Some(base) = pg_base() {
        permission_matrix(&|role| pg_world(base, role));
    }
}

/// The same matrix on PostgreSQL with epic's own policy check switched off
/// (a switch of test builds only): every case the matrix forbids is still
/// refused, now by the server (GRANTs, row-level security, the SECURITY
/// DEFINER functions, the schema's rules), and writes nothing.
#[test]
fn the_database_alone_refuses_what_the_matrix_forbids() {
    let Some(base) = pg_base() else {
        return;
    };
    let (mut cases, mut by_privilege) = (0, 0);
    for (line, expected) in matrix_rows() {
        // Lines that only read are refused by epic alone: a dry run writes
        // nothing whoever runs it, `doctor` reads what every role may read
        // (and the catalogs), `audit list` the histories everyone reads
        // (the login rows stay hidden: checked below).
        if line.contains("--dry-run") || line == "doctor" || line.starts_with("audit list") {
            continue;
        }
        let line = line.as_str();
        for (role, want) in expected.iter().enumerate().take(3) {
            if *want != DENIED {
                continue;
            }
            let (_world, mut ctx, feed) = pg_world(base, role);
            let before = image(&mut ctx);
            crate::policy::skip::set(true);
            let err = error_of(&mut ctx, &feed, line);
            crate::policy::skip::set(false);
            // The refusal is the server's, not epic's sentence.
            if err.exit_code().code() == DENIED {
                assert!(
                    err.to_string().contains("the database refused"),
                    "role {role}: {line}: {err}"
                );
                by_privilege += 1;
            }
            assert!(
                before == image(&mut ctx),
                "role {role} changed the database: {line}"
            );
            cases += 1;
        }
    }
    for role in [1, 2] {
        let (_world, mut ctx, _feed) = pg_world(base, role);
        crate::policy::skip::set(true);
        let ParsedLine::Command(c) = parse_line("audit list --format json").unwrap() else {
            unreachable!()
        };
        let mut out = Vec::new();
        let result = execute(&mut ctx, *c, &mut out);
        crate::policy::skip::set(false);
        result.unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "role {role} reads the histories");
        assert!(
            rows.iter().all(|r| r["entity"] != "session"),
            "role {role} read login rows"
        );
    }
    eprintln!(
        "{cases} forbidden cases refused by PostgreSQL alone, {by_privilege} as a privilege error"
    );
    assert!(cases >= 40, "only {cases} cases");
}

fn permission_matrix(world: &dyn Fn(usize) -> (World, Context, Feed)) {
    let mut cases = 0;
    for (line, expected) in matrix_rows() {
        let line = line.as_str();
        for (role, want) in expected.iter().enumerate() {
            let (_world, mut ctx, feed) = world(role);
            let before = image(&mut ctx);
            let got = run(&mut ctx, &feed, line);
            assert_eq!(got, *want, "role {role}: {line}");
            if got != 0 {
                assert!(
                    before == image(&mut ctx),
                    "role {role} changed the database: {line}"
                );
            }
            cases += 1;
        }
    }
    assert!(cases >= 200, "only {cases} cases");
}

#[test]
fn backup_is_management_only_and_copies_the_key() {
    for (role, want) in [(0, M), (1, DENIED), (2, DENIED), (3, LOGGED_OUT)] {
        let (dir, mut ctx, feed) = world(role);
        let dest = dir.path().join("copy.db");
        assert_eq!(
            run(&mut ctx, &feed, &format!("backup {}", dest.display())),
            want
        );
        assert_eq!(dest.exists(), want == M);
        assert_eq!(crate::auth::files::key_path(&dest).exists(), want == M);
    }
}

on_both_worlds!(a_refusal_names_the_rule, a_refusal_names_the_rule_on);

fn a_refusal_names_the_rule_on(world: &WorldFn) {
    let (_dir, mut ctx, _feed) = world(1);
    let err = match parse_line("client update 2 --contacted").unwrap() {
        ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
        _ => unreachable!(),
    };
    assert_eq!(
        err.to_string(),
        "permission denied: only the client's sales contact may update it"
    );
}

fn error_of(ctx: &mut Context, feed: &Feed, line: &str) -> Error {
    for _ in 0..2 {
        feed.borrow_mut().push_back(PASSWORD.to_string());
    }
    let result = match parse_line(line) {
        Ok(ParsedLine::Command(command)) => {
            execute(ctx, *command, &mut std::io::sink()).map(|_| ())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    feed.borrow_mut().clear();
    result.expect_err(line)
}

on_both_worlds!(
    bad_input_names_the_field_and_writes_nothing,
    bad_input_names_the_field_and_writes_nothing_on
);

fn bad_input_names_the_field_and_writes_nothing_on(world: &WorldFn) {
    let cases: &[(usize, &str, i32, &str)] = &[
        (1, "client add --name Ann --email not-an-email", 5, "email"),
        (
            1,
            "client add --name Ann --email ann@lee.io --phone 'call me'",
            5,
            "phone",
        ),
        (1, "client add --name '' --email ann@lee.io", 5, "name"),
        (
            1,
            "client add --name Ann --email KEVIN@startup.io",
            7,
            "email",
        ),
        (
            0,
            "contract add --client 1 --total 100 --due 200",
            5,
            "--due",
        ),
        (0, "contract add --client 1 --total -5", 5, "--total"),
        (0, "contract add --client 1 --total 1.234", 5, "--total"),
        (0, "contract add --client 1 --total NaN", 5, "--total"),
        (0, "contract add --client 99 --total 100", 6, "client 99"),
        (0, "contract update 2 --total 10", 7, "--total"),
        (1, "contract pay 2 5000", 7, "amount"),
        (1, "contract pay 2 0", 5, "amount"),
        (1, "contract sign 2", 7, "already signed"),
        (
            1,
            "event add --contract 1 --name P --start 2027-01-01 --end 2027-01-02 --location L --attendees 1",
            7,
            "not signed",
        ),
        (
            1,
            "event add --contract 2 --name P --start 2027-01-02 --end 2027-01-01 --location L --attendees 1",
            5,
            "--end",
        ),
        (
            1,
            "event add --contract 2 --name P --start 2027-13-01 --end 2027-01-01 --location L --attendees 1",
            5,
            "--start",
        ),
        (
            1,
            "event add --contract 2 --name P --start 2027-01-01 --end 2027-01-02 --location L --attendees -1",
            5,
            "--attendees",
        ),
        (2, "event update 2 --end '2020-01-01 00:00'", 5, "--end"),
        (2, "event update 99 --notes x", 6, "event 99"),
        (0, "event assign 1 --support s1@x.io", 5, "--support"),
        (0, "client reassign 1 --sales p1@x.io", 5, "--sales"),
        (
            0,
            "collaborator add --name X --email s1@X.IO --department sales --password-stdin",
            7,
            "email",
        ),
        (
            0,
            "collaborator add --name X --email x@x.io --department finance --password-stdin",
            5,
            "department",
        ),
        (0, "collaborator delete 1", 7, "own account"),
        (0, "collaborator delete 2", 7, "--reassign-to"),
        (
            0,
            "collaborator delete 2 --reassign-to 4 --yes",
            5,
            "--reassign-to",
        ),
        (
            0,
            "collaborator update 4 --department sales",
            7,
            "department",
        ),
        (
            0,
            "collaborator update 1 --department sales",
            7,
            "last management",
        ),
        (
            0,
            "client list --sort 'full_name; DROP TABLE clients'",
            5,
            "--sort",
        ),
        (0, "client update 1", 5, "nothing to change"),
        (0, "client show 42", 6, "client 42"),
        (0, "collaborator show nobody@x.io", 6, "nobody@x.io"),
        (
            0,
            "client add --name 'unterminated",
            5,
            "line: unterminated quote",
        ),
        (0, "client frobnicate", 2, "frobnicate"),
        (0, "contract list --client 99", 6, "client 99"),
        (0, "event list --contract 99", 6, "contract 99"),
        (0, "client show -1", 5, "id: '-1'"),
        (0, "contract list --limit many", 5, "--limit"),
        (
            2,
            "event update 2 --start '2030-01-01 00:00'",
            5,
            "--start: must be before",
        ),
        (0, "backup /nonexistent-epic-dir/b.db", 6, "no folder"),
    ];
    for (role, line, code, needle) in cases {
        let (_dir, mut ctx, feed) = world(*role);
        let before = image(&mut ctx);
        let err = error_of(&mut ctx, &feed, line);
        assert_eq!(err.exit_code().code(), *code, "{line}: {err}");
        assert!(err.to_string().contains(needle), "{line}: {err}");
        assert!(before == image(&mut ctx), "{line} wrote something");
    }
}

on_both_worlds!(
    odd_but_valid_text_is_stored_literally,
    odd_but_valid_text_is_stored_literally_on
);

fn odd_but_valid_text_is_stored_literally_on(world: &WorldFn) {
    let (_dir, mut ctx, feed) = world(1);
    let name = "O'Brien \"Bobby\"; DROP TABLE clients; --";
    ok(
        &mut ctx,
        &feed,
        &format!(
            "client add --name \"{}\" --email bobby@tables.io",
            name.replace('"', "\\\"")
        ),
    );
    let client = ctx.read(|c, _| c.client(3)).unwrap();
    assert_eq!(client.full_name, name);
}

#[test]
fn a_demoted_or_deleted_account_loses_access_at_once() {
    let (dir, mut manager, mfeed) = world(0);
    let (mut sales, sfeed) = context(manager.db_path(), &dir.path().join("other-sessions"));
    sales.keep_token(base().tokens[1].clone()).unwrap();
    ok(&mut sales, &sfeed, "client list --mine");
    // Demoting sales1 needs their clients moved first.
    ok(&mut manager, &mfeed, "client reassign 1 --sales 3");
    ok(
        &mut manager,
        &mfeed,
        "collaborator update 2 --department support",
    );
    assert_eq!(run(&mut sales, &sfeed, "client list"), LOGGED_OUT);
    // Logging in again gives the new role.
    ok(&mut sales, &sfeed, "login s1@x.io --password-stdin");
    assert_eq!(
        run(&mut sales, &sfeed, "client add --name A --email a@b.io"),
        DENIED
    );
    ok(&mut manager, &mfeed, "collaborator delete 2 --yes");
    assert_eq!(run(&mut sales, &sfeed, "whoami"), LOGGED_OUT);
}

#[test]
fn logout_and_passwd_revoke_sessions() {
    let (dir, mut one, feed1) = world(1);
    let (mut two, feed2) = context(one.db_path(), &dir.path().join("two"));
    two.keep_token(base().tokens[1].clone()).unwrap();
    ok(&mut one, &feed1, "logout");
    assert_eq!(run(&mut two, &feed2, "whoami"), LOGGED_OUT);
    assert_eq!(run(&mut one, &feed1, "whoami"), LOGGED_OUT);
    ok(&mut one, &feed1, "login s1@x.io --password-stdin");
    ok(&mut two, &feed2, "login s1@x.io --password-stdin");
    feed1
        .borrow_mut()
        .extend([PASSWORD.to_string(), "a brand new password".to_string()]);
    let out = match parse_line("passwd --password-stdin").unwrap() {
        ParsedLine::Command(c) => execute(&mut one, *c, &mut std::io::sink()),
        _ => unreachable!(),
    };
    assert!(out.is_ok(), "{out:?}");
    ok(&mut one, &feed1, "whoami");
    assert_eq!(run(&mut two, &feed2, "whoami"), LOGGED_OUT);
    assert_eq!(
        run(&mut two, &feed2, "login s1@x.io --password-stdin"),
        LOGGED_OUT
    );
}

/// SQLite only: in server mode PostgreSQL verifies passwords and epic counts
/// nothing (the server's own throttling applies; see the README).
#[test]
fn five_failures_lock_the_account() {
    five_failures_lock_the_account_on(&world);
}

fn five_failures_lock_the_account_on(world: &WorldFn) {
    let (dir, mut ctx, feed) = world(3);
    let _ = dir;
    for _ in 0..5 {
        feed.borrow_mut().push_back("wrong password!".into());
        let err = match parse_line("login s1@x.io --password-stdin").unwrap() {
            ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
            _ => unreachable!(),
        };
        assert!(
            err.to_string().contains("unknown email or wrong password"),
            "{err}"
        );
    }
    feed.borrow_mut().push_back(PASSWORD.into());
    let err = match parse_line("login s1@x.io --password-stdin").unwrap() {
        ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
        _ => unreachable!(),
    };
    assert!(err.to_string().contains("locked"), "{err}");
    // An unknown email gets the same answer as a wrong password.
    feed.borrow_mut().push_back(PASSWORD.into());
    let err = match parse_line("login ghost@x.io --password-stdin").unwrap() {
        ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
        _ => unreachable!(),
    };
    assert_eq!(
        err.to_string(),
        "login failed: unknown email or wrong password"
    );
}

on_both_worlds!(
    init_refuses_a_database_that_has_collaborators,
    init_refuses_a_database_that_has_collaborators_on
);

fn init_refuses_a_database_that_has_collaborators_on(world: &WorldFn) {
    let (_dir, mut ctx, feed) = world(3);
    assert_eq!(
        run(
            &mut ctx,
            &feed,
            "init --name X --email x@x.io --password-stdin"
        ),
        7
    );
}

/// Every leaf of the clap tree, typed as a user would (aliases too), with
/// the name and format clap reports for it.
#[test]
fn every_command_is_named_by_clap_and_keeps_its_format() {
    let cases: &[(&str, &str, Format)] = &[
        ("init --name N --email n@x.io", "init", Format::Table),
        ("demo", "demo", Format::Table),
        ("login a@x.io", "login", Format::Table),
        ("logout", "logout", Format::Table),
        ("whoami --format json", "whoami", Format::Json),
        ("passwd", "passwd", Format::Table),
        (
            "collab add --name N --email n@x.io --department sales --format json",
            "collaborator add",
            Format::Json,
        ),
        (
            "collaborator ls --format csv",
            "collaborator list",
            Format::Csv,
        ),
        (
            "collaborator show 1 --format json",
            "collaborator show",
            Format::Json,
        ),
        (
            "collaborator update 1 --name M",
            "collaborator update",
            Format::Table,
        ),
        (
            "collaborator delete 1",
            "collaborator delete",
            Format::Table,
        ),
        (
            "client add --name N --email n@x.io",
            "client add",
            Format::Table,
        ),
        ("client ls --format json", "client list", Format::Json),
        ("client show 1 --format json", "client show", Format::Json),
        (
            "client update 1 --contacted --format json",
            "client update",
            Format::Json,
        ),
        (
            "client reassign 1 --sales 2 --format json",
            "client reassign",
            Format::Json,
        ),
        (
            "client import c.csv --dry-run --skip-existing --format json",
            "client import",
            Format::Json,
        ),
        (
            "event import e.csv --dry-run",
            "event import",
            Format::Table,
        ),
        (
            "contract add --client 1 --total 10",
            "contract add",
            Format::Table,
        ),
        ("contract list --format csv", "contract list", Format::Csv),
        ("contract show 1", "contract show", Format::Table),
        (
            "contract update 1 --total 5 --format json",
            "contract update",
            Format::Json,
        ),
        (
            "contract sign 1 --format json",
            "contract sign",
            Format::Json,
        ),
        ("contract pay 1 10", "contract pay", Format::Table),
        (
            "event add --contract 1 --name N --start 2030-01-01 --end 2030-01-02 \
             --location L --attendees 3 --format json",
            "event add",
            Format::Json,
        ),
        ("event ls --format csv", "event list", Format::Csv),
        ("event show 1 --format json", "event show", Format::Json),
        ("event update 1 --name M", "event update", Format::Table),
        (
            "event assign 1 --support 4 --format json",
            "event assign",
            Format::Json,
        ),
        (
            "client history 1 --format csv",
            "client history",
            Format::Csv,
        ),
        ("client rm 1 --yes", "client delete", Format::Table),
        (
            "contract payments 1 --format json",
            "contract payments",
            Format::Json,
        ),
        ("contract history 1", "contract history", Format::Table),
        ("contract delete 1 -y", "contract delete", Format::Table),
        (
            "event history 1 --format json",
            "event history",
            Format::Json,
        ),
        ("event delete 1", "event delete", Format::Table),
        (
            "collaborator history 1",
            "collaborator history",
            Format::Table,
        ),
        ("audit ls --format csv", "audit list", Format::Csv),
        (
            "contract pay 1 10 --format json",
            "contract pay",
            Format::Json,
        ),
        ("doctor --format json", "doctor", Format::Json),
        ("backup /tmp/x.db", "backup", Format::Table),
        ("completions zsh", "completions", Format::Table),
        ("man", "man", Format::Table),
        ("version", "version", Format::Table),
        (
            "report pipeline --format csv",
            "report pipeline",
            Format::Csv,
        ),
        (
            "report events --from 2026-01-01 --format json",
            "report events",
            Format::Json,
        ),
        ("report due", "report due", Format::Table),
        ("timing on", "timing", Format::Table),
        ("quit", "exit", Format::Table),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (line, name, format) in cases {
        let ParsedLine::Command(c) = parse_line(line).unwrap() else {
            panic!("{line}: not a command")
        };
        assert_eq!((c.name(), c.format()), (*name, *format), "{line}");
        seen.insert(name.to_string());
    }
    // Every leaf of the tree is covered, so a new verb gets its name from
    // clap without anyone listing it.
    fn leaves(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{prefix}{}", sub.get_name());
            if sub.has_subcommands() {
                leaves(sub, &format!("{path} "), out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    leaves(&<Line as clap::CommandFactory>::command(), "", &mut all);
    let missing: Vec<_> = all.iter().filter(|p| !seen.contains(*p)).collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
}

#[test]
fn command_names_and_formats() {
    let ParsedLine::Command(c) = parse_line("client list --format csv").unwrap() else {
        unreachable!()
    };
    assert_eq!(c.name(), "client list");
    assert_eq!(c.format(), Format::Csv);
    assert!(
        matches!(parse_line("help client add").unwrap(), ParsedLine::Help(t) if t.contains("--email"))
    );
    assert!(matches!(parse_line("").unwrap(), ParsedLine::Empty));
}

on_both_worlds!(
    sessions_cannot_change_inside_an_atomic_transaction,
    sessions_cannot_change_inside_an_atomic_transaction_on
);

fn sessions_cannot_change_inside_an_atomic_transaction_on(world: &WorldFn) {
    let (_dir, mut ctx, feed) = world(1);
    ctx.conn().unwrap().begin_enclosing().unwrap();
    for line in [
        "login s1@x.io --password-stdin",
        "logout",
        "passwd --password-stdin",
    ] {
        let err = error_of(&mut ctx, &feed, line);
        assert_eq!(err.exit_code().code(), 7, "{line}: {err}");
        assert!(err.to_string().contains("--atomic"), "{err}");
    }
    ctx.conn().unwrap().end_enclosing(false).unwrap();
}

/// SQLite only: in server mode PostgreSQL verifies passwords and epic counts
/// nothing (the server's own throttling applies; see the README).
#[test]
fn wrong_current_passwords_at_passwd_count_towards_the_lock() {
    wrong_current_passwords_at_passwd_count_towards_the_lock_on(&world);
}

fn wrong_current_passwords_at_passwd_count_towards_the_lock_on(world: &WorldFn) {
    let (_dir, mut ctx, feed) = world(1);
    for _ in 0..5 {
        feed.borrow_mut().extend([
            "not my password".to_string(),
            "a brand new password".to_string(),
        ]);
        let err = match parse_line("passwd --password-stdin").unwrap() {
            ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
            _ => unreachable!(),
        };
        assert!(
            err.to_string().contains("current password is wrong"),
            "{err}"
        );
    }
    feed.borrow_mut()
        .extend([PASSWORD.to_string(), "a brand new password".to_string()]);
    let err = match parse_line("passwd --password-stdin").unwrap() {
        ParsedLine::Command(c) => execute(&mut ctx, *c, &mut std::io::sink()).unwrap_err(),
        _ => unreachable!(),
    };
    assert!(err.to_string().contains("locked"), "{err}");
}

on_both_worlds!(
    optional_client_fields_can_be_cleared_and_numbers_are_not_reused,
    optional_client_fields_can_be_cleared_and_numbers_are_not_reused_on
);

fn optional_client_fields_can_be_cleared_and_numbers_are_not_reused_on(world: &WorldFn) {
    let (_dir, mut ctx, feed) = world(1);
    ok(&mut ctx, &feed, "client update 1 --phone '' --company ' '");
    let client = ctx.read(|c, _| c.client(1)).unwrap();
    assert_eq!((client.phone, client.company_name), (None, None));

    let (_dir, mut admin, feed) = world(0);
    ok(&mut admin, &feed, "collaborator delete 6 --yes");
    ok(
        &mut admin,
        &feed,
        "collaborator add --name Next --email next@x.io --department support --password-stdin",
    );
    let next = admin.read(|c, _| c.find_collaborator("next@x.io")).unwrap();
    assert_eq!((next.id, next.employee_number.as_str()), (7, "E-0007"));
}

#[test]
fn the_published_demo_password_passes_the_policy_for_every_demo_account() {
    for (name, email, _) in super::demo::DEMO_ACCOUNTS {
        crate::auth::Password::new(super::demo::DEMO_PASSWORD.to_string(), &[email, name])
            .unwrap_or_else(|e| panic!("{email}: {e}"));
    }
}
