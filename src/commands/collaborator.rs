//! `collaborator add | list | show | update | delete` (writes: management).

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::history::HistoryOpts;
use super::{Context, ListOpts, ShowOpts, history};
use crate::domain::{Department, Email, EmployeeNumber, Text, text::NAME_MAX};
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Output, record};
use crate::report::BusinessEvent;
use crate::store::collaborators;

/// Output keys of a collaborator (SPEC.md "Output contract").
pub const KEYS: &[&str] = &[
    "id",
    "employee_number",
    "full_name",
    "email",
    "department",
    "created_at",
    "updated_at",
];

/// The verbs of `collaborator`.
#[derive(Debug, Clone, Subcommand)]
pub enum Verb {
    /// Add a collaborator; their password is prompted twice (management)
    Add(AddArgs),
    /// List collaborators
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one collaborator, by id or email
    Show {
        /// Id or email
        key: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Change a collaborator's name, email, department or password (management)
    Update(UpdateArgs),
    /// Delete a collaborator, handing their clients or events to another (management)
    #[command(visible_alias = "rm")]
    Delete {
        /// Id or email
        key: String,
        /// Give their clients (sales) or events (support) to this collaborator
        #[arg(long, value_name = "ID|EMAIL")]
        reassign_to: Option<String>,
        /// Delete without asking (required without a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Show what changed on a collaborator, by whom and when (newest first)
    History {
        /// Id or email
        key: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: HistoryOpts,
    },
}

/// Arguments of `collaborator add`.
#[derive(Debug, Clone, Args)]
pub struct AddArgs {
    /// Full name
    #[arg(long)]
    pub name: String,
    /// Email (unique, case-insensitive)
    #[arg(long)]
    pub email: String,
    /// management, sales or support
    #[arg(long)]
    pub department: String,
    /// Employee number (default: the next free E-NNNN)
    #[arg(long)]
    pub employee_number: Option<String>,
    /// Read the password as one line from stdin
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Arguments of `collaborator list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only this department
    #[arg(long)]
    pub department: Option<String>,
    /// Only names, emails or employee numbers containing TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ListOpts,
}

/// Arguments of `collaborator update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Id or email
    pub key: String,
    /// New full name
    #[arg(long)]
    pub name: Option<String>,
    /// New email
    #[arg(long)]
    pub email: Option<String>,
    /// New department (ends the collaborator's sessions)
    #[arg(long)]
    pub department: Option<String>,
    /// Set a new password (prompted, or one line of stdin with --password-stdin)
    #[arg(long)]
    pub reset_password: bool,
    /// Read the new password from stdin
    #[arg(long, requires = "reset_password")]
    pub password_stdin: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Runs a `collaborator` verb.
pub fn execute(ctx: &mut Context, verb: Verb, out: &mut dyn Write) -> Result<Output> {
    match verb {
        Verb::Add(args) => add(ctx, &args),
        Verb::List(args) => {
            let department = args
                .department
                .as_deref()
                .map(|d| Department::parse("--department", d))
                .transpose()?;
            let q = args.opts.query();
            ctx.read(|c, _| {
                let rows = c.list_collaborators(department, args.search.as_deref(), &q)?;
                super::list_rows(out, &args.opts, KEYS, KEYS, |visit| {
                    rows.into_iter().try_for_each(visit)
                })
            })
        }
        Verb::Show { key, .. } => {
            ctx.read(|c, _| Ok(Output::Record(record(&c.find_collaborator(&key)?))))
        }
        Verb::Update(args) => update(ctx, &args),
        Verb::Delete {
            key,
            reassign_to,
            yes,
        } => delete(ctx, &key, reassign_to.as_deref(), yes),
        Verb::History { key, opts } => history(ctx, &key, &opts, out),
    }
}

/// Refuses early, before a password prompt, when the actor may not do it.
fn precheck(ctx: &mut Context, action: Action) -> Result<()> {
    ctx.read(|_, actor| policy::check(action, actor.department, actor.id).map(|_| ()))
}

fn add(ctx: &mut Context, args: &AddArgs) -> Result<Output> {
    let name = Text::parse("name", &args.name, NAME_MAX)?;
    let email = Email::parse("email", &args.email)?;
    let department = Department::parse("department", &args.department)?;
    let number = args
        .employee_number
        .as_deref()
        .map(|n| EmployeeNumber::parse("employee_number", n))
        .transpose()?;
    precheck(ctx, Action::CollaboratorAdd)?;
    let password = ctx.read_password(
        args.password_stdin,
        Some(&[email.as_str(), name.as_str()]),
        "Password for the new collaborator: ",
    )?;
    let hash = ctx.password_for_store(&password)?;
    ctx.write(|tx| {
        policy::check(Action::CollaboratorAdd, tx.actor.department, tx.actor.id)?;
        let number = match &number {
            Some(n) => n.as_str().to_string(),
            None => tx.conn.next_employee_number()?,
        };
        let id = tx
            .conn
            .insert_collaborator(&collaborators::NewCollaborator {
                employee_number: &number,
                full_name: name.as_str(),
                email: email.as_str(),
                department,
                password_hash: &hash,
            })?;
        let row = tx.conn.collaborator(id)?;
        let mut detail = history::created_record(&row);
        history::push_created_secret(&mut detail, "password");
        tx.audit("create", "collaborator", id, detail)?;
        tx.report(BusinessEvent::CollaboratorCreated {
            id,
            department: department.as_str(),
            actor_id: tx.actor.id,
        });
        Ok(Output::Created {
            id,
            record: record(&row),
        })
    })
}

fn update(ctx: &mut Context, args: &UpdateArgs) -> Result<Output> {
    let mut changes = collaborators::CollaboratorChanges {
        full_name: args
            .name
            .as_deref()
            .map(|n| Text::parse("--name", n, NAME_MAX).map(Text::into_string))
            .transpose()?,
        email: args
            .email
            .as_deref()
            .map(|e| Email::parse("--email", e).map(Email::into_string))
            .transpose()?,
        department: args
            .department
            .as_deref()
            .map(|d| Department::parse("--department", d))
            .transpose()?,
        password_hash: None,
    };
    let nothing = changes.full_name.is_none()
        && changes.email.is_none()
        && changes.department.is_none()
        && !args.reset_password;
    if nothing {
        return Err(Error::invalid(
            "update",
            "nothing to change; give --name, --email, --department or --reset-password",
        ));
    }
    let target = ctx.read(|c, actor| {
        policy::check(Action::CollaboratorUpdate, actor.department, actor.id)?;
        c.find_collaborator(&args.key)
    })?;
    if args.reset_password {
        let mut inputs = vec![target.email.as_str(), target.full_name.as_str()];
        inputs.extend(changes.email.as_deref());
        inputs.extend(changes.full_name.as_deref());
        let password = ctx.read_password(args.password_stdin, Some(&inputs), "New password: ")?;
        changes.password_hash = Some(ctx.password_for_store(&password)?);
    }
    ctx.write(|tx| {
        policy::check(Action::CollaboratorUpdate, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.find_collaborator(&args.key)?;
        if let Some(new) = changes.department
            && before.department == Department::Management
            && new != Department::Management
        {
            let managers = tx.conn.list_collaborators(
                Some(Department::Management),
                None,
                &Default::default(),
            )?;
            if managers.len() <= 1 {
                return Err(Error::conflict(
                    "department: this is the last management collaborator; promote another first",
                ));
            }
        }
        tx.conn.update_collaborator(before.id, &changes)?;
        let after = tx.conn.collaborator(before.id)?;
        let mut fields: Vec<&'static str> = Vec::new();
        if changes.full_name.is_some() {
            fields.push("full_name");
        }
        if changes.email.is_some() {
            fields.push("email");
        }
        if changes.department.is_some() {
            fields.push("department");
        }
        if changes.password_hash.is_some() {
            fields.push("password");
        }
        let mut detail = history::detail(Some(&before), Some(&after));
        if changes.password_hash.is_some() {
            // That it changed, never the password or its hash.
            history::push_change(&mut detail, "password", Value::Null, json!("changed"));
        }
        tx.audit("update", "collaborator", before.id, detail)?;
        tx.report(BusinessEvent::CollaboratorUpdated {
            id: before.id,
            department: after.department.as_str(),
            previous_department: before.department.as_str(),
            fields,
            actor_id: tx.actor.id,
        });
        Ok(Output::Record(record(&after)))
    })
}

/// What `collaborator delete` checks before asking and again when it
/// writes: the permission, the account, not oneself, and that whatever the
/// collaborator owns has somewhere to go. Returns the collaborator and whom
/// their records go to (when they own any).
fn delete_check(
    c: &mut dyn crate::store::Db,
    actor: &super::Actor,
    key: &str,
    reassign_to: Option<&str>,
) -> Result<(collaborators::Collaborator, Option<i64>)> {
    policy::check(Action::CollaboratorDelete, actor.department, actor.id)?;
    let victim = c.find_collaborator(key)?;
    if victim.id == actor.id {
        return Err(Error::conflict("you cannot delete your own account"));
    }
    let owned_clients = c.count_clients_of(victim.id)?;
    let owned_events = c.count_events_of(victim.id)?;
    if owned_clients + owned_events == 0 {
        return Ok((victim, None));
    }
    let Some(target_key) = reassign_to else {
        return Err(Error::conflict(format!(
            "collaborator {} still owns {owned_clients} client(s) and {owned_events} event(s); \
             use --reassign-to",
            victim.id
        )));
    };
    let target = c.find_collaborator(target_key)?;
    if target.id == victim.id {
        return Err(Error::invalid(
            "--reassign-to",
            "must name another collaborator",
        ));
    }
    if target.department != victim.department {
        return Err(Error::invalid(
            "--reassign-to",
            format!(
                "must be in {} like the collaborator deleted",
                victim.department
            ),
        ));
    }
    Ok((victim, Some(target.id)))
}

fn delete(ctx: &mut Context, key: &str, reassign_to: Option<&str>, yes: bool) -> Result<Output> {
    let (victim, _) = ctx.read(|c, actor| delete_check(c, actor, key, reassign_to))?;
    let question = format!(
        "delete collaborator {} ({}, {})",
        victim.id,
        crate::domain::visible::escape(&victim.full_name),
        crate::domain::visible::escape(&victim.email)
    );
    if !ctx.confirm(&question, yes)? {
        return Ok(Output::Message("Nothing deleted.".into()));
    }
    ctx.write(|tx| {
        let (victim, target) = delete_check(tx.conn, tx.actor, key, reassign_to)?;
        let mut detail = history::detail(Some(&victim), None);
        if let Some(target) = target {
            let moved_clients = tx.conn.reassign_clients(victim.id, target)?;
            let moved_events = tx.conn.reassign_events(victim.id, target)?;
            for (field, value) in [
                ("reassigned_to", json!(target)),
                ("clients_moved", json!(moved_clients)),
                ("events_moved", json!(moved_events)),
            ] {
                history::push_change(&mut detail, field, Value::Null, value);
            }
        }
        tx.conn.delete_collaborator(victim.id)?;
        tx.audit("delete", "collaborator", victim.id, detail)?;
        tx.report(BusinessEvent::CollaboratorDeleted {
            id: victim.id,
            department: victim.department.as_str(),
            actor_id: tx.actor.id,
        });
        Ok(Output::Message(format!(
            "deleted collaborator {}",
            victim.id
        )))
    })
}

/// `collaborator history ID|EMAIL`: by id also once deleted.
fn history(
    ctx: &mut Context,
    key: &str,
    opts: &HistoryOpts,
    out: &mut dyn Write,
) -> Result<Output> {
    let id = match key.trim().parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => ctx.read(|c, _| c.find_collaborator(key).map(|c| c.id))?,
    };
    history::record_history(ctx, "collaborator", id, opts, out, |c, id| {
        c.collaborator(id).map(|_| ())
    })
}
