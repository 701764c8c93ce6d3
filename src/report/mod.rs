//! Sentry reporting: unexpected errors, panics and business events, scrubbed.
//!
//! Without `SENTRY_DSN` nothing is set up and every function here returns at
//! once. With it, [`init`] binds a client whose transport never blocks the
//! program for long (see `transport.rs`) and whose `before_send` runs
//! [`scrub_event`]. The caller keeps the [`Reporter`] alive for the whole run
//! (`let _ = init()` would drop it at once and send nothing) and calls
//! [`Reporter::flush`] before every `process::exit`, which skips destructors
//! (measured: one of two events lost without it).
//!
//! Panics are reported by sentry's panic integration, whose hook captures the
//! panic and flushes for up to `shutdown_timeout` ([`FLUSH_TIMEOUT`]) itself.

mod scrub;
mod transport;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sentry::protocol::{Event, Level, Map, Value};
use sentry::types::Dsn;

pub use scrub::{scrub, scrub_breadcrumb, scrub_event};
pub use transport::REQUEST_TIMEOUT;

/// Longest a flush waits for queued reports (and what the panic hook waits).
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// The `release` sent with every event.
const RELEASE: &str = concat!("epic@", env!("CARGO_PKG_VERSION"));

/// Holds the Sentry client for the life of the process. Disabled (`None`
/// inside, zero cost) when `SENTRY_DSN` is unset, empty or invalid. Dropping
/// it drains what is queued, within [`FLUSH_TIMEOUT`].
#[must_use = "dropping the Reporter shuts Sentry down: keep it for the whole run"]
pub struct Reporter {
    guard: Option<sentry::ClientInitGuard>,
    /// Set when a flush gave up: the server is slow, so drop does not wait again.
    gave_up: AtomicBool,
}

/// Reads `SENTRY_DSN` and `SENTRY_ENVIRONMENT` and starts reporting if a DSN
/// is set. An invalid DSN prints one warning line to stderr and disables
/// reporting; it never fails the program.
pub fn init() -> Reporter {
    init_with(
        std::env::var("SENTRY_DSN").ok(),
        std::env::var("SENTRY_ENVIRONMENT").ok(),
    )
}

/// [`init`] with the DSN and environment given rather than read from the
/// process environment (tests use it). `None` or blank `dsn` disables.
pub fn init_with(dsn: Option<String>, environment: Option<String>) -> Reporter {
    let disabled = Reporter::new(None);
    let Some(dsn) = dsn.as_deref().map(str::trim).filter(|d| !d.is_empty()) else {
        return disabled;
    };
    let dsn: Dsn = match dsn.parse() {
        Ok(dsn) => dsn,
        Err(err) => {
            // The DSN itself is not echoed: it holds the project key.
            eprintln!("epic: warning: SENTRY_DSN is invalid ({err}); error reporting is off");
            return disabled;
        }
    };
    let mut options = sentry::ClientOptions::new()
        .release(RELEASE)
        .send_default_pii(false)
        .shutdown_timeout(FLUSH_TIMEOUT)
        .before_send(scrub_event)
        .before_breadcrumb(scrub_breadcrumb)
        .transport(transport::BoundedUreqFactory);
    if let Some(env) = environment.filter(|e| !e.trim().is_empty()) {
        options = options.environment(env);
    }
    // Set the parsed value: the `dsn()` builder would parse again and panic.
    options.dsn = Some(dsn);
    // Default integrations stay on: panic, contexts, debug images, backtraces.
    Reporter::new(Some(sentry::init(options)))
}

impl Reporter {
    fn new(guard: Option<sentry::ClientInitGuard>) -> Self {
        Reporter {
            guard,
            gave_up: AtomicBool::new(false),
        }
    }

    /// True when reports are being sent.
    pub fn enabled(&self) -> bool {
        self.guard.as_ref().is_some_and(|g| g.is_enabled())
    }

    /// Waits up to [`FLUSH_TIMEOUT`] for queued reports to be sent. Call it
    /// before every `process::exit`.
    pub fn flush(&self) {
        if let Some(guard) = &self.guard
            && !guard.flush(Some(FLUSH_TIMEOUT))
        {
            self.gave_up.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        if let Some(guard) = &self.guard {
            // Closing here (before the guard's own drop, which then finds the
            // transport gone) lets us shorten the wait after a failed flush.
            let wait = if self.gave_up.load(Ordering::SeqCst) {
                Duration::ZERO
            } else {
                FLUSH_TIMEOUT
            };
            guard.close(Some(wait));
        }
    }
}

/// True when the current hub has a live client: lets every reporting
/// function return before building anything when Sentry is off.
fn active() -> bool {
    sentry::Hub::current()
        .client()
        .is_some_and(|c| c.is_enabled())
}

/// Tags later events with the command being run (`"client add"`) and the
/// user's department, if logged in. No-op when disabled.
pub fn set_command(name: &str, department: Option<&str>) {
    if !active() {
        return;
    }
    sentry::configure_scope(|scope| {
        scope.set_tag("command", name);
        match department {
            Some(d) => scope.set_tag("department", d),
            None => scope.remove_tag("department"),
        }
    });
}

/// Sets the department tag once the actor is known (the command tag stays).
pub fn set_command_department(department: &str) {
    if !active() {
        return;
    }
    sentry::configure_scope(|scope| scope.set_tag("department", department));
}

/// Reports an unexpected error (a bug or an environment failure) as an
/// error-level event; user errors (`!err.is_unexpected()`) are not reported.
/// The message is scrubbed by `before_send` like everything else.
pub fn report_error(err: &crate::error::Error) {
    if !err.is_unexpected() || !active() {
        return;
    }
    let mut event = sentry::event_from_error(err);
    event.level = Level::Error;
    event.message = Some(err.to_string());
    event
        .tags
        .insert("exit_code".into(), err.exit_code().code().to_string());
    sentry::capture_event(event);
}

/// A change worth recording in Sentry. Only ids, department names, field
/// names and amounts: never a name, email, phone, password or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusinessEvent {
    /// A collaborator was created.
    CollaboratorCreated {
        /// The new collaborator's id.
        id: i64,
        /// Their department.
        department: &'static str,
        /// Who created them.
        actor_id: i64,
    },
    /// A collaborator was updated.
    CollaboratorUpdated {
        /// The collaborator's id.
        id: i64,
        /// Their department after the update.
        department: &'static str,
        /// Their department before it.
        previous_department: &'static str,
        /// Names of the fields that changed (not their values).
        fields: Vec<&'static str>,
        /// Who updated them.
        actor_id: i64,
    },
    /// A collaborator was deleted.
    CollaboratorDeleted {
        /// The deleted collaborator's id.
        id: i64,
        /// Their department.
        department: &'static str,
        /// Who deleted them.
        actor_id: i64,
    },
    /// A contract became signed.
    ContractSigned {
        /// The contract's id.
        id: i64,
        /// Its client's id.
        client_id: i64,
        /// The client's sales contact.
        sales_contact_id: i64,
        /// Total amount, in cents.
        total_cents: i64,
        /// Amount still due, in cents.
        due_cents: i64,
        /// Who signed it off.
        actor_id: i64,
    },
}

impl BusinessEvent {
    /// The event's name, sent as its message: `"collaborator.created"`...
    pub fn name(&self) -> &'static str {
        match self {
            BusinessEvent::CollaboratorCreated { .. } => "collaborator.created",
            BusinessEvent::CollaboratorUpdated { .. } => "collaborator.updated",
            BusinessEvent::CollaboratorDeleted { .. } => "collaborator.deleted",
            BusinessEvent::ContractSigned { .. } => "contract.signed",
        }
    }

    /// The Sentry event: info level, the name as message, ids and
    /// departments as (searchable) tags, amounts and field lists as extra.
    fn to_event(&self) -> Event<'static> {
        let mut tags = Map::new();
        let mut extra = Map::new();
        let mut tag = |k: &str, v: String| {
            tags.insert(k.to_owned(), v);
        };
        tag("event", self.name().to_owned());
        match self {
            BusinessEvent::CollaboratorCreated {
                id,
                department,
                actor_id,
            }
            | BusinessEvent::CollaboratorDeleted {
                id,
                department,
                actor_id,
            } => {
                tag("collaborator_id", id.to_string());
                tag("collaborator_department", (*department).to_owned());
                tag("actor_id", actor_id.to_string());
            }
            BusinessEvent::CollaboratorUpdated {
                id,
                department,
                previous_department,
                fields,
                actor_id,
            } => {
                tag("collaborator_id", id.to_string());
                tag("collaborator_department", (*department).to_owned());
                tag("previous_department", (*previous_department).to_owned());
                tag("actor_id", actor_id.to_string());
                extra.insert("fields".into(), Value::from(fields.clone()));
            }
            BusinessEvent::ContractSigned {
                id,
                client_id,
                sales_contact_id,
                total_cents,
                due_cents,
                actor_id,
            } => {
                tag("contract_id", id.to_string());
                tag("client_id", client_id.to_string());
                tag("sales_contact_id", sales_contact_id.to_string());
                tag("actor_id", actor_id.to_string());
                extra.insert("total".into(), Value::from(money(*total_cents)));
                extra.insert("due".into(), Value::from(money(*due_cents)));
            }
        }
        Event {
            level: Level::Info,
            message: Some(self.name().to_owned()),
            tags,
            extra,
            ..Default::default()
        }
    }
}

/// Cents as a plain decimal string, `12500.00`, with no currency or grouping.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Records a business event as an info-level Sentry event named
/// [`BusinessEvent::name`]. No-op when disabled.
pub fn business(event: BusinessEvent) {
    if !active() {
        return;
    }
    sentry::capture_event(event.to_event());
}
