//! Least privilege enforced by PostgreSQL: a collaborator who connects with
//! a plain PostgreSQL client, with their own password or with their session
//! file's credentials, can do no more than `epic` lets them. Every forbidden
//! statement is refused by the server and leaves the data (and the roles)
//! exactly as they were. Skipped, saying so, without `EPIC_TEST_PG`.

mod common;

use common::*;

fn staffed(test: &str) -> Option<Env> {
    Backend::postgres(test).map(|b| Env::staffed_on(&b))
}

fn pg(env: &Env) -> &PgDatabase {
    env.pg.as_ref().expect("a server test")
}

/// The login role of `email`, as `collaborator show` gives it.
fn db_role(env: &Env, email: &str) -> String {
    let out = env.run(&["collaborator", "show", email, "--format", "json"], "");
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["db_role"].as_str().expect("db_role").to_string()
}

/// The session role and secret the token file holds.
fn session_credentials(env: &Env) -> (String, String) {
    let token = env.token();
    let rest = token.strip_prefix("pg1.").expect("a server-mode token");
    let (role, secret) = rest.split_once('.').expect("role.secret");
    assert!(!token.contains(PASSWORD), "the token holds no password");
    (role.to_string(), secret.to_string())
}

/// Everything that must not move: every row, and the roles of this
/// database (passwords, validity, memberships).
fn state(env: &Env) -> String {
    let mut s = env.snapshot();
    // This database's roles only: other tests change theirs meanwhile.
    let tag = env.sql_rows("SELECT epic.role_tag()")[0][0].clone();
    for row in env.sql_rows(&format!(
        "SELECT r.rolname, coalesce(a.rolpassword, ''), coalesce(r.rolvaliduntil::text, ''),
                r.rolcanlogin::text, r.rolsuper::text, r.rolcreaterole::text,
                coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
                          FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                          WHERE m.member = r.oid), '')
         FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid
         WHERE r.rolname LIKE '{tag}\\_%' ORDER BY 1"
    )) {
        s.push_str(&row.join("|"));
        s.push('\n');
    }
    s
}

/// Attacks every department tries (with `{me}`, `{other_sales}`, ... filled in).
const EVERYONE: &[&str] = &[
    "INSERT INTO epic.collaborators (employee_number, full_name, email, department_id, created_at, updated_at) VALUES ('E-9', 'X', 'x@x.io', 1, now(), now())",
    "UPDATE epic.collaborators SET department_id = 1 WHERE id = {me}",
    "DELETE FROM epic.collaborators WHERE id = {other_sales}",
    "UPDATE epic.audit_log SET action = 'nothing'",
    "DELETE FROM epic.audit_log",
    "TRUNCATE epic.audit_log",
    "INSERT INTO epic.audit_log (at, actor_id, action, entity) VALUES (now(), {other_sales}, 'forged', 'client')",
    "SELECT rolpassword FROM pg_authid",
    "SELECT * FROM pg_shadow",
    "SET ROLE {foreign_group}",
    "SET SESSION AUTHORIZATION postgres",
    "CREATE TABLE epic.mine (x int)",
    "CREATE FUNCTION epic.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE TABLE public.mine (x int)",
    "ALTER TABLE epic.clients DISABLE ROW LEVEL SECURITY",
    "DROP POLICY read_all ON epic.clients",
    "UPDATE epic.payments SET amount_cents = 1",
    "DELETE FROM epic.payments",
    "DELETE FROM epic.sessions",
    "UPDATE epic.sessions SET expires_at = now() + interval '10 years'",
    "GRANT {foreign_group} TO {me_role}",
    "ALTER ROLE {me_role} CREATEROLE",
    "ALTER ROLE {me_role} VALID UNTIL 'infinity'",
    "CREATE ROLE intruder LOGIN PASSWORD 'x'",
    "SELECT epic.adopt_accounts('SCRAM-SHA-256$4096:AAAA$AAAA:AAAA')",
    "CALL epic.install_security()",
    "SELECT epic.end_sessions({management_id})",
    "SELECT epic.drop_ended_sessions()",
    "UPDATE epic.settings SET value = 'x'",
    "DELETE FROM epic.payments WHERE contract_id = {own_contract}",
];

/// What sales may not do.
const SALES: &[&str] = &[
    "UPDATE epic.clients SET phone = '+33 1 23 45 67 89' WHERE id = {other_client}",
    "UPDATE epic.clients SET sales_contact_id = {me} WHERE id = {other_client}",
    "UPDATE epic.clients SET sales_contact_id = {other_sales} WHERE id = {own_client}",
    "INSERT INTO epic.clients (full_name, email, sales_contact_id, created_at, updated_at) VALUES ('X', 'x@x.io', {other_sales}, now(), now())",
    "UPDATE epic.contracts SET signed_at = now() WHERE id = {other_contract}",
    "UPDATE epic.contracts SET total_cents = 1 WHERE id = {other_contract}",
    "INSERT INTO epic.contracts (client_id, total_cents, due_cents, created_at, updated_at) VALUES ({own_client}, 100, 100, now(), now())",
    "INSERT INTO epic.payments (contract_id, amount_cents, paid_at, recorded_by) VALUES ({other_contract}, 1, now(), {me})",
    "INSERT INTO epic.payments (contract_id, kind, amount_cents, reason, paid_at, recorded_by) VALUES ({own_contract}, 'adjustment', 1, 'gift', now(), {me})",
    "INSERT INTO epic.payments (contract_id, amount_cents, paid_at, recorded_by) VALUES ({own_contract}, 1, now(), {management_id})",
    "INSERT INTO epic.events (contract_id, name, start_at, end_at, location, attendees, created_at, updated_at) VALUES ({other_contract}, 'E', now(), now() + interval '1 hour', 'L', 1, now(), now())",
    "INSERT INTO epic.events (contract_id, name, start_at, end_at, support_contact_id, location, attendees, created_at, updated_at) VALUES ({own_contract}, 'E', now(), now() + interval '1 hour', {support}, 'L', 1, now(), now())",
    "UPDATE epic.events SET support_contact_id = {support}",
    "UPDATE epic.events SET notes = 'x' WHERE id = {own_event}",
    "SELECT epic.collaborator_add('E-9', 'X', 'x@x.io', 'management', 'SCRAM-SHA-256$4096:AAAA$AAAA:AAAA')",
    "SELECT epic.collaborator_update({me}, NULL, NULL, 'management', NULL)",
    "SELECT epic.collaborator_delete({other_sales})",
    "DELETE FROM epic.clients",
    "SELECT count(*) FROM epic.sessions",
    "DELETE FROM epic.contracts WHERE id = {own_contract}",
    "DELETE FROM epic.events WHERE id = {own_event}",
];

/// What support may not do.
const SUPPORT: &[&str] = &[
    "UPDATE epic.events SET notes = 'x' WHERE id = {own_event}",
    "UPDATE epic.events SET support_contact_id = {me} WHERE id = {own_event}",
    "UPDATE epic.clients SET phone = '+33 1 23 45 67 89'",
    "UPDATE epic.contracts SET signed_at = now()",
    "INSERT INTO epic.clients (full_name, email, sales_contact_id, created_at, updated_at) VALUES ('X', 'x@x.io', {other_sales}, now(), now())",
    "INSERT INTO epic.payments (contract_id, amount_cents, paid_at, recorded_by) VALUES ({own_contract}, 1, now(), {me})",
    "SELECT epic.collaborator_update({me}, NULL, NULL, 'management', NULL)",
    "DELETE FROM epic.events",
    "DELETE FROM epic.clients",
    "SELECT count(*) FROM epic.sessions",
];

/// What management may not do.
const MANAGEMENT: &[&str] = &[
    "UPDATE epic.clients SET phone = '+33 1 23 45 67 89' WHERE id = {own_client}",
    "INSERT INTO epic.clients (full_name, email, sales_contact_id, created_at, updated_at) VALUES ('X', 'x@x.io', {me}, now(), now())",
    "INSERT INTO epic.clients (full_name, email, sales_contact_id, created_at, updated_at) VALUES ('X', 'x@x.io', {support}, now(), now())",
    "DELETE FROM epic.contracts WHERE id = {own_contract}",
    "DELETE FROM epic.clients WHERE id = {own_client}",
    "INSERT INTO epic.events (contract_id, name, start_at, end_at, location, attendees, created_at, updated_at) VALUES ({own_contract}, 'E', now(), now() + interval '1 hour', 'L', 1, now(), now())",
    "INSERT INTO epic.payments (contract_id, amount_cents, paid_at, recorded_by) VALUES ({own_contract}, 1, now(), {other_sales})",
    "SELECT epic.collaborator_add('E-9', 'X', 'x@x.io', 'management', 'plain password')",
];

#[test]
fn forbidden_statements_are_refused_by_the_server_and_change_nothing() {
    let Some(env) = staffed("least_privilege::bypass") else {
        return;
    };
    // sales1 owns client 1, its contract 1 (signed) and event 1; sales2
    // owns client 2 and contract 2; support1 has event 1.
    env.login("sales1@epic.test");
    assert_ok(&env.run(
        &["client", "add", "--name", "Own", "--email", "own@c.io"],
        "",
    ));
    env.login("sales2@epic.test");
    assert_ok(&env.run(
        &["client", "add", "--name", "Other", "--email", "other@c.io"],
        "",
    ));
    env.login("admin@epic.test");
    assert_ok(&env.run(
        &[
            "contract", "add", "--client", "1", "--total", "100", "--signed",
        ],
        "",
    ));
    assert_ok(&env.run(
        &[
            "contract", "add", "--client", "2", "--total", "100", "--signed",
        ],
        "",
    ));
    env.login("sales1@epic.test");
    assert_ok(&env.run(
        &[
            "event",
            "add",
            "--contract",
            "1",
            "--name",
            "Party",
            "--start",
            "2030-01-01 10:00",
            "--end",
            "2030-01-01 12:00",
            "--location",
            "Here",
            "--attendees",
            "5",
        ],
        "",
    ));
    env.login("admin@epic.test");
    assert_ok(&env.run(
        &["event", "assign", "1", "--support", "support1@epic.test"],
        "",
    ));
    let tag = &db_role(&env, "admin@epic.test")[..15];
    let fill = |sql: &str, me: i64, me_role: &str| {
        // A group role this collaborator is not in.
        let foreign = if me == 1 { "sales" } else { "management" };
        sql.replace("{me}", &me.to_string())
            .replace("{foreign_group}", &format!("{tag}_{foreign}"))
            .replace("{me_role}", &format!("\"{me_role}\""))
            .replace("{management_group}", &format!("{tag}_management"))
            .replace("{management_id}", "1")
            .replace("{other_sales}", "3")
            .replace("{support}", "4")
            .replace("{own_client}", "1")
            .replace("{other_client}", "2")
            .replace("{own_contract}", "1")
            .replace("{other_contract}", "2")
            .replace("{own_event}", "1")
    };
    let mut tried = 0;
    for (email, id, own) in [
        ("sales1@epic.test", 2, SALES),
        ("support2@epic.test", 5, SUPPORT),
        ("admin@epic.test", 1, MANAGEMENT),
    ] {
        let role = db_role(&env, email);
        env.login(email);
        let (session, secret) = session_credentials(&env);
        let before = state(&env);
        for (user, password) in [
            (role.as_str(), PASSWORD),
            (session.as_str(), secret.as_str()),
        ] {
            let mut c = pg(&env)
                .connect_as(user, password)
                .expect("a collaborator connects");
            for sql in EVERYONE.iter().chain(own) {
                let sql = fill(sql, id, &role);
                let result = c.batch_execute(&sql);
                assert!(result.is_err(), "{email} as {user}: accepted: {sql}");
                tried += 1;
            }
        }
        assert_eq!(before, state(&env), "{email}: something changed");
    }
    assert!(tried > 100, "{tried}");
}

#[test]
fn what_the_matrix_allows_works_from_a_plain_client_too() {
    let Some(env) = staffed("least_privilege::allowed") else {
        return;
    };
    let role = db_role(&env, "sales1@epic.test");
    let mut c = pg(&env).connect_as(&role, PASSWORD).unwrap();
    c.batch_execute(
        "INSERT INTO epic.clients (full_name, email, sales_contact_id, created_at, updated_at)
         VALUES ('Mine', 'mine@c.io', 2, now(), now());
         UPDATE epic.clients SET phone = '+33 1 23 45 67 89' WHERE id = 1;
         INSERT INTO epic.audit_log (at, actor_id, action, entity, entity_id)
         VALUES (now(), 2, 'psql', 'client', 1);",
    )
    .expect("sales adds and updates their own client");
    let n: i64 = c
        .query_one("SELECT count(*) FROM epic.collaborators", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 5, "everyone reads every collaborator");
    let cols: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.columns
             WHERE table_schema = 'epic' AND table_name = 'collaborators'
               AND column_name LIKE '%password%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(cols, 0, "no password material in the tables");
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM epic.clients WHERE phone IS NOT NULL"),
        1
    );
    // Crafted arguments to the SECURITY DEFINER functions are data, never SQL.
    let admin = db_role(&env, "admin@epic.test");
    let mut m = pg(&env).connect_as(&admin, PASSWORD).unwrap();
    m.batch_execute(
        "SELECT epic.collaborator_update(3, 'Robert''); DROP ROLE postgres; --', \
         'x\"; DROP ROLE postgres; --@x.io', NULL, NULL)",
    )
    .expect("management may rename a collaborator");
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'"),
        1
    );
    assert_eq!(
        env.sql_rows("SELECT email FROM epic.collaborators WHERE id = 3")[0][0],
        "x\"; DROP ROLE postgres; --@x.io"
    );
}

fn refused(env: &Env, user: &str, password: &str) -> bool {
    pg(env).connect_as(user, password).is_err()
}

#[test]
fn logout_delete_demote_and_passwd_end_sessions_at_once() {
    let Some(env) = staffed("least_privilege::revocation") else {
        return;
    };
    // logout
    env.login("sales1@epic.test");
    let (role, secret) = session_credentials(&env);
    assert!(!refused(&env, &role, &secret));
    assert_ok(&env.run(&["logout"], ""));
    assert!(refused(&env, &role, &secret), "logout");
    // passwd: the old session dies, the new one works
    env.login("sales1@epic.test");
    let (old, old_secret) = session_credentials(&env);
    let new_password = "purple tapir umbrella 91";
    assert_ok(&env.run(
        &["passwd", "--password-stdin"],
        &format!("{PASSWORD}\n{new_password}\n"),
    ));
    assert!(refused(&env, &old, &old_secret), "passwd");
    let (fresh, fresh_secret) = session_credentials(&env);
    assert!(!refused(&env, &fresh, &fresh_secret));
    assert_ok(&env.run(&["whoami"], ""));
    assert!(
        refused(&env, &db_role_of(&env, 2), PASSWORD),
        "the old password"
    );
    // demote
    env.login("support1@epic.test");
    let (support, support_secret) = session_credentials(&env);
    env.login("admin@epic.test");
    assert_ok(&env.run(
        &[
            "collaborator",
            "update",
            "support1@epic.test",
            "--department",
            "sales",
        ],
        "",
    ));
    assert!(refused(&env, &support, &support_secret), "demote");
    // delete
    env.login("support2@epic.test");
    let (deleted, deleted_secret) = session_credentials(&env);
    let own_role = db_role_of(&env, 5);
    env.login("admin@epic.test");
    assert_ok(&env.run(
        &["collaborator", "delete", "support2@epic.test", "--yes"],
        "",
    ));
    assert!(refused(&env, &deleted, &deleted_secret), "delete");
    assert!(
        refused(&env, &own_role, PASSWORD),
        "a deleted collaborator's own role"
    );
    assert_eq!(
        env.sql_i64(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{own_role}'"
        )),
        0
    );
}

fn db_role_of(env: &Env, id: i64) -> String {
    env.sql_rows(&format!(
        "SELECT db_role FROM epic.collaborators WHERE id = {id}"
    ))[0][0]
        .clone()
}

#[test]
fn an_expired_session_role_cannot_log_in() {
    let Some(env) = staffed("least_privilege::expired") else {
        return;
    };
    let out = env
        .epic()
        .env("EPIC_SESSION_TTL", "1")
        .args(["login", "sales1@epic.test", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_ok(&out);
    let (role, secret) = session_credentials(&env);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(refused(&env, &role, &secret), "past VALID UNTIL");
    let out = env.run(&["whoami"], "");
    assert_code(&out, 3);
    assert!(stderr(&out).contains("log in again"), "{}", stderr(&out));
}

#[test]
fn doctor_checks_the_security_set_up() {
    let Some(env) = staffed("least_privilege::doctor") else {
        return;
    };
    let out = env.run(&["doctor"], "");
    assert_ok(&out);
    let sales = db_role(&env, "sales1@epic.test");
    env.sql_exec(&format!(
        "ALTER TABLE epic.clients NO FORCE ROW LEVEL SECURITY;
         GRANT SELECT ON epic.events TO PUBLIC;
         ALTER FUNCTION epic.owns_contract(bigint) RESET search_path;
         ALTER ROLE \"{sales}\" CREATEDB;"
    ))
    .unwrap();
    let out = env.run(&["doctor"], "");
    assert_ne!(code(&out), 0);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    for needle in [
        "table clients: row-level security is not enabled and forced",
        "table events: granted to PUBLIC",
        "function owns_contract(bigint): search_path is not pinned",
        &format!("role {sales}: has more than a collaborator needs"),
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}
