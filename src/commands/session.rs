//! `init`, `login`, `logout`, `whoami`, `passwd`.

use chrono::Local;
use clap::Args;
use serde_json::json;

use super::Context;
use crate::auth::{self, Password};
use crate::domain::{Department, Email, EmployeeNumber, Text, text::NAME_MAX};
use crate::error::{Error, Result};
use crate::render::{Output, record};
use crate::report::BusinessEvent;
use crate::store::{self, collaborators};

/// Consecutive failures that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long the lock lasts.
pub const LOCK_SECONDS: i64 = 15 * 60;

/// Arguments of `init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Full name of the first (management) account
    #[arg(long)]
    pub name: String,
    /// Email of the first account
    #[arg(long)]
    pub email: String,
    /// Employee number (default: the next free E-NNNN)
    #[arg(long)]
    pub employee_number: Option<String>,
    /// Read the password as one line from stdin instead of a hidden prompt
    #[arg(long)]
    pub password_stdin: bool,
}

/// Arguments of `login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Your email (asked for when omitted on a terminal)
    pub email: Option<String>,
    /// Read the password as one line from stdin instead of a hidden prompt
    #[arg(long)]
    pub password_stdin: bool,
}

/// Creates the database, its signing key and the first management account.
pub fn init(ctx: &mut Context, args: &InitArgs) -> Result<Output> {
    let name = Text::parse("name", &args.name, NAME_MAX)?;
    let email = Email::parse("email", &args.email)?;
    let number = args
        .employee_number
        .as_deref()
        .map(|n| EmployeeNumber::parse("employee_number", n))
        .transpose()?;
    // Refuse before asking for a password: a database with accounts, and a
    // file that is not one epic may open (someone else's, open to others, not
    // an epic database).
    match store::Store::open(ctx.target(), store::OpenMode::Existing) {
        Ok(store) => {
            if store.conn()?.read(|c| c.count_collaborators())? > 0 {
                return Err(already_initialised());
            }
        }
        Err(Error::NotFound(_)) => {}
        Err(_) if ctx.is_server() => {}
        Err(e) => return Err(e),
    }
    let password = ctx.read_password(
        args.password_stdin,
        Some(&[email.as_str(), name.as_str()]),
        "Password for the new account: ",
    )?;
    let hash = ctx.password_for_store(&password)?;
    ctx.refuse_in_transaction("init")?;
    // Server mode: as the installing role of the URL (a superuser or
    // CREATEROLE), once; the migration creates the database's roles.
    ctx.create_store()?;
    if !ctx.is_server() {
        // A database with no account yet gets a fresh key, so no token
        // signed for an earlier database at this path can ever be accepted.
        ctx.rotate_key()?;
    }
    let (id, row) = ctx.write_anonymous(|c| {
        if c.count_collaborators()? > 0 {
            return Err(already_initialised());
        }
        let number = match &number {
            Some(n) => n.as_str().to_string(),
            None => c.next_employee_number()?,
        };
        let id = c.insert_collaborator(&collaborators::NewCollaborator {
            employee_number: &number,
            full_name: name.as_str(),
            email: email.as_str(),
            department: Department::Management,
            password_hash: &hash,
        })?;
        c.audit(
            Some(id),
            "init",
            "collaborator",
            Some(id),
            Some(&json!({"department": "management"})),
        )?;
        Ok((id, c.collaborator(id)?))
    })?;
    // Everything after runs as the collaborators themselves.
    ctx.reset_connection();
    ctx.queue_report(BusinessEvent::CollaboratorCreated {
        id,
        department: Department::Management.as_str(),
        actor_id: id,
    });
    Ok(Output::Created {
        id,
        record: record(&row),
    })
}

fn already_initialised() -> Error {
    Error::conflict("the database already has collaborators; `init` only sets up a new one")
}

/// The same answer for an unknown email and a wrong password.
fn bad_credentials() -> Error {
    Error::auth("login failed: unknown email or wrong password")
}

/// Verifies the password and keeps a signed session token.
pub fn login(ctx: &mut Context, args: &LoginArgs) -> Result<Output> {
    let email = match &args.email {
        Some(e) => e.trim().to_string(),
        None => auth::tty::prompt_line("Email: ", "email")?,
    };
    ctx.refuse_in_transaction("login")?;
    let password = ctx.read_password(args.password_stdin, None, "Password: ")?;
    if ctx.is_server() {
        return login_server(ctx, &email, &password);
    }
    let key = ctx.key()?;
    let hasher = ctx.hasher.clone();
    hasher.prepare_dummy();
    // Check, verify and count in one IMMEDIATE transaction, so concurrent
    // attempts from many processes are counted exactly.
    let outcome = ctx.write_anonymous(|c| {
        let now = store::now();
        let Some(account) = c.account_by_email(&email)? else {
            hasher.verify_dummy(&password);
            return Ok(Err(bad_credentials()));
        };
        match account.locked_until {
            Some(until) if until > now => {
                // Same time as a real check. The message does tell that the
                // account exists: telling a locked-out colleague why is
                // worth more than hiding it (the README says so).
                hasher.verify_dummy(&password);
                let minutes = (until - now + 59) / 60;
                return Ok(Err(Error::auth(format!(
                    "too many failed logins: this account is locked for {minutes} more minute(s)"
                ))));
            }
            Some(_) => c.reset_failed_logins(account.id)?,
            None => {}
        }
        if !hasher.verify(&account.password_hash, &password) {
            c.record_failed_login(account.id, now, MAX_FAILED_LOGINS, LOCK_SECONDS)?;
            return Ok(Err(bad_credentials()));
        }
        c.reset_failed_logins(account.id)?;
        c.audit(Some(account.id), "login", "session", Some(account.id), None)?;
        Ok(Ok(account))
    })?;
    let account = outcome?;
    let (token, claims) = auth::token::issue(
        &key,
        account.id,
        account.token_version,
        auth::token::default_ttl(),
    )?;
    ctx.keep_token(token)?;
    let until = claims.expires_at().with_timezone(&Local);
    Ok(Output::Message(format!(
        "logged in as {} ({}) until {}",
        account.email,
        account.department,
        until.format("%Y-%m-%d %H:%M")
    )))
}

/// Server mode: PostgreSQL checks the password (the collaborator's own
/// role logs in), then a session role is created whose secret only the
/// token file holds.
fn login_server(ctx: &mut Context, email: &str, password: &Password) -> Result<Output> {
    let store = open_as_collaborator(ctx, email, password, bad_credentials)?;
    let new = NewSession::create()?;
    let (session, until, account) = store.conn()?.write(&mut |c| {
        let account = c
            .account_by_email(email)?
            .ok_or_else(|| Error::internal("a role without its collaborator"))?;
        c.audit(Some(account.id), "login", "session", Some(account.id), None)?;
        let (session, until) = c.open_server_session(&new.verifier, new.ttl)?;
        Ok((session, until, account))
    })?;
    ctx.keep_token(Context::server_token_for(&session, &new.secret))?;
    Ok(Output::Message(format!(
        "logged in as {} ({}) until {}",
        account.email,
        account.department,
        until.with_timezone(&Local).format("%Y-%m-%d %H:%M")
    )))
}

/// Revokes the session (every token of the account; in server mode, this
/// session's role) and deletes the file.
pub fn logout(ctx: &mut Context) -> Result<Output> {
    ctx.refuse_in_transaction("logout")?;
    let server = ctx.is_server();
    let revoked = ctx.write(|tx| {
        tx.audit("logout", "session", tx.actor.id, serde_json::Value::Null)?;
        if server {
            tx.conn.close_server_session().map(|_| ())
        } else {
            tx.conn.bump_token_version(tx.actor.id)
        }
    });
    ctx.forget_token()?;
    match revoked {
        Ok(()) => Ok(Output::Message("logged out".into())),
        // An expired or already revoked session: the file is gone all the same.
        Err(Error::Auth(_)) => Ok(Output::Message(
            "logged out (the session had already ended)".into(),
        )),
        Err(e) => Err(e),
    }
}

/// Who is logged in, and until when.
pub fn whoami(ctx: &mut Context) -> Result<Output> {
    ctx.read(|_, actor| {
        let mut r = crate::render::Record::new();
        r.insert("id".into(), json!(actor.id));
        r.insert("email".into(), json!(actor.email));
        r.insert("full_name".into(), json!(actor.full_name));
        r.insert("department".into(), json!(actor.department.as_str()));
        if let Some(role) = &actor.db_role {
            r.insert("db_role".into(), json!(role));
        }
        // Serialized as every other instant: RFC 3339 in JSON, and the
        // same short local time as every table shows.
        r.insert(
            "session_expires".into(),
            json!(crate::domain::when::to_rfc3339_local(actor.expires_at)),
        );
        Ok(Output::Record(r))
    })
}

/// Arguments of `passwd`.
#[derive(Debug, Clone, Args)]
pub struct PasswdArgs {
    /// Read the current and the new password as two lines from stdin
    #[arg(long)]
    pub password_stdin: bool,
}

/// Changes your own password; every other session of yours ends.
pub fn passwd(ctx: &mut Context, args: &PasswdArgs) -> Result<Output> {
    ctx.refuse_in_transaction("passwd")?;
    let me = ctx.read(|_, actor| Ok((actor.email.clone(), actor.full_name.clone())))?;
    let old = ctx.read_password(args.password_stdin, None, "Current password: ")?;
    let new = ctx.read_password(
        args.password_stdin,
        Some(&[me.0.as_str(), me.1.as_str()]),
        "New password: ",
    )?;
    change_password(ctx, &old, &new)
}

/// The work of `passwd`, once both passwords are read.
pub fn change_password(ctx: &mut Context, old: &Password, new: &Password) -> Result<Output> {
    if ctx.is_server() {
        return change_password_server(ctx, old, new);
    }
    let hasher = ctx.hasher.clone();
    let hash = hasher.hash(new)?;
    let key = ctx.key()?;
    // A wrong current password counts as a failed login (and is committed,
    // not rolled back), so an unlocked session cannot guess without limit.
    let outcome = ctx.write(|tx| {
        let account = tx
            .conn
            .account_by_id(tx.actor.id)?
            .ok_or_else(|| Error::auth("this account no longer exists"))?;
        let now = store::now();
        if account.locked_until.is_some_and(|until| until > now) {
            return Ok(Err(Error::auth(
                "too many failed attempts: this account is locked; try again later",
            )));
        }
        if !hasher.verify(&account.password_hash, old) {
            tx.conn
                .record_failed_login(account.id, now, MAX_FAILED_LOGINS, LOCK_SECONDS)?;
            return Ok(Err(Error::auth("the current password is wrong")));
        }
        tx.conn.reset_failed_logins(account.id)?;
        tx.conn.update_collaborator(
            tx.actor.id,
            &collaborators::CollaboratorChanges {
                password_hash: Some(hash.clone()),
                ..Default::default()
            },
        )?;
        tx.audit(
            "passwd",
            "collaborator",
            tx.actor.id,
            json!({"fields": ["password"]}),
        )?;
        // A password change is a change of the collaborator (SPEC "Sentry").
        tx.report(BusinessEvent::CollaboratorUpdated {
            id: account.id,
            department: account.department.as_str(),
            previous_department: account.department.as_str(),
            fields: vec!["password"],
            actor_id: account.id,
        });
        Ok(Ok((tx.actor.id, account.token_version + 1)))
    })?;
    let (id, version) = outcome?;
    let (token, _) = auth::token::issue(&key, id, version, auth::token::default_ttl())?;
    ctx.keep_token(token)?;
    Ok(Output::Message(
        "password changed; your other sessions are logged out".into(),
    ))
}

/// Server mode: the current password is proved by logging in with it (the
/// collaborator's own role), which the database requires to change it; every
/// session ends, and this one goes on with a new session role.
fn change_password_server(ctx: &mut Context, old: &Password, new: &Password) -> Result<Output> {
    let me = ctx.read(|_, actor| Ok(actor.clone()))?;
    let store = open_as_collaborator(ctx, &me.email, old, || {
        Error::auth("the current password is wrong")
    })?;
    let verifier = store::pg::roles::verifier(new.expose());
    let session = NewSession::create()?;
    let role = store.conn()?.write(&mut |c| {
        let id = c.change_own_password(&verifier)?;
        c.audit(
            Some(id),
            "passwd",
            "collaborator",
            Some(id),
            Some(&json!({"fields": ["password"]})),
        )?;
        Ok(c.open_server_session(&session.verifier, session.ttl)?.0)
    })?;
    ctx.queue_report(BusinessEvent::CollaboratorUpdated {
        id: me.id,
        department: me.department.as_str(),
        previous_department: me.department.as_str(),
        fields: vec!["password"],
        actor_id: me.id,
    });
    ctx.keep_token(Context::server_token_for(&role, &session.secret))?;
    Ok(Output::Message(
        "password changed; your other sessions are logged out".into(),
    ))
}

/// Server mode: the server, logged in as the collaborator's own role with
/// `password` (PostgreSQL checks it); `refused` is the answer to a wrong one.
fn open_as_collaborator(
    ctx: &Context,
    email: &str,
    password: &Password,
    refused: fn() -> Error,
) -> Result<store::Store> {
    let role = ctx.role_of_email(email)?;
    let target = ctx.server_target(&role, password.expose().as_bytes())?;
    store::Store::open(&target, store::OpenMode::Existing).map_err(|e| match e {
        Error::Auth(_) => refused(),
        e => e,
    })
}

/// A server-mode session to open: the secret only the token file will hold,
/// the verifier the server keeps for it, and how long it lives.
struct NewSession {
    secret: String,
    verifier: String,
    ttl: i64,
}

impl NewSession {
    fn create() -> Result<NewSession> {
        let secret = store::pg::roles::session_secret()?;
        Ok(NewSession {
            verifier: store::pg::roles::verifier(&secret),
            secret,
            ttl: i64::try_from(auth::token::default_ttl().as_secs()).unwrap_or(i64::MAX),
        })
    }
}
