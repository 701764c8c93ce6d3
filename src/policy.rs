//! The permission matrix of SPEC.md, as data.
//!
//! [`MATRIX`] says, for every action beyond reading, what each department may
//! do: everything, only records it owns, or nothing. [`check`] is consulted
//! before a command touches anything; the ownership half of a rule is
//! checked by the service once it has loaded the record ([`Grant::require`]).
//! No handler tests a department by itself.

use crate::domain::Department;
use crate::error::{Error, Result};

/// Something a collaborator may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read any collaborator, client, contract or event.
    Read,
    /// `report pipeline | events | due` (reading, in sums).
    Report,
    /// `collaborator add`.
    CollaboratorAdd,
    /// `collaborator update`.
    CollaboratorUpdate,
    /// `collaborator delete`.
    CollaboratorDelete,
    /// `client add` (the creator becomes the sales contact).
    ClientAdd,
    /// `client update`.
    ClientUpdate,
    /// `client reassign`.
    ClientReassign,
    /// `client import`: sales for themselves, management for any sales
    /// contact (checked row by row with [`Grant::require`]).
    ClientImport,
    /// `contract add`.
    ContractAdd,
    /// `contract update`.
    ContractUpdate,
    /// `contract update --due --reason`: an audited adjustment of the
    /// amount due, beyond what the ledger's payments say.
    ContractAdjust,
    /// `contract sign`.
    ContractSign,
    /// `contract pay`.
    ContractPay,
    /// `event add`.
    EventAdd,
    /// `event import`: as `event add`, row by row.
    EventImport,
    /// `event assign`.
    EventAssign,
    /// `event update`.
    EventUpdate,
    /// `client delete`, `contract delete`, `event delete`.
    RecordDelete,
    /// `audit list`: the whole audit log, logins and logouts included.
    AuditRead,
    /// `doctor` and `backup`.
    Maintain,
}

/// Which records an owner-limited grant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Records whose client has the actor as sales contact.
    ClientSalesContact,
    /// Events whose support contact is the actor.
    EventSupportContact,
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Allowed on every record.
    All,
    /// Allowed only on the actor's own records.
    Own(Ownership),
    /// Refused.
    No,
}

use Ownership::{ClientSalesContact as Client, EventSupportContact as Support};
use Rule::{All, No, Own};

/// Action → (management, sales, support), with the sentence a refusal shows.
pub const MATRIX: &[(Action, [Rule; 3], &str)] = &[
    (Action::Read, [All, All, All], "every collaborator may read"),
    (
        Action::Report,
        [All, All, All],
        "every collaborator may run the reports",
    ),
    (
        Action::CollaboratorAdd,
        [All, No, No],
        "only management may add collaborators",
    ),
    (
        Action::CollaboratorUpdate,
        [All, No, No],
        "only management may update collaborators",
    ),
    (
        Action::CollaboratorDelete,
        [All, No, No],
        "only management may delete collaborators",
    ),
    (
        Action::ClientAdd,
        [No, All, No],
        "only sales may add clients (they become the sales contact)",
    ),
    (
        Action::ClientUpdate,
        [No, Own(Client), No],
        "only the client's sales contact may update it",
    ),
    (
        Action::ClientReassign,
        [All, No, No],
        "only management may reassign a client to another sales contact",
    ),
    (
        Action::ClientImport,
        [All, Own(Client), No],
        "only sales may import clients (their own), or management (for a sales contact)",
    ),
    (
        Action::ContractAdd,
        [All, No, No],
        "only management may create contracts",
    ),
    (
        Action::ContractUpdate,
        [All, Own(Client), No],
        "only management or the client's sales contact may update a contract",
    ),
    (
        Action::ContractAdjust,
        [All, No, No],
        "only management may adjust the amount due of a contract",
    ),
    (
        Action::ContractSign,
        [All, Own(Client), No],
        "only management or the client's sales contact may sign a contract",
    ),
    (
        Action::ContractPay,
        [All, Own(Client), No],
        "only management or the client's sales contact may record a payment",
    ),
    (
        Action::EventAdd,
        [No, Own(Client), No],
        "only the client's sales contact may create an event for its contract",
    ),
    (
        Action::EventImport,
        [No, Own(Client), No],
        "only the client's sales contact may import events for its contracts",
    ),
    (
        Action::EventAssign,
        [All, No, No],
        "only management may assign a support contact to an event",
    ),
    (
        Action::EventUpdate,
        [All, No, Own(Support)],
        "only management or the event's support contact may update an event",
    ),
    (
        Action::RecordDelete,
        [All, No, No],
        "only management may delete clients, contracts and events",
    ),
    (
        Action::AuditRead,
        [All, No, No],
        "only management may read the whole audit log (everyone reads a record's history)",
    ),
    (
        Action::Maintain,
        [All, No, No],
        "only management may check or back up the database",
    ),
];

/// What [`check`] granted: everything, or the actor's own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    rule: Rule,
    actor_id: i64,
    sentence: &'static str,
}

impl Grant {
    /// Refuses unless the grant covers a record owned by `owner`
    /// (the owner id of the kind the rule names; `None` when unassigned).
    pub fn require(&self, owner: Option<i64>) -> Result<()> {
        match self.rule {
            All => Ok(()),
            Own(_) if owner == Some(self.actor_id) => Ok(()),
            Own(_) | No => Err(Error::permission(self.sentence)),
        }
    }

    /// True when the grant covers every record.
    pub fn is_all(&self) -> bool {
        self.rule == All
    }

    /// The ownership the grant is limited to, if any.
    pub fn ownership(&self) -> Option<Ownership> {
        match self.rule {
            Own(o) => Some(o),
            _ => None,
        }
    }
}

/// The rule for `action` and `department`.
pub fn rule(action: Action, department: Department) -> (Rule, &'static str) {
    let (_, rules, sentence) = MATRIX
        .iter()
        .find(|(a, _, _)| *a == action)
        .expect("every action has a row in MATRIX");
    let column = match department {
        Department::Management => 0,
        Department::Sales => 1,
        Department::Support => 2,
    };
    (rules[column], sentence)
}

/// Checks the matrix before a command runs. A refusal names the rule.
pub fn check(action: Action, department: Department, actor_id: i64) -> Result<Grant> {
    let (rule, sentence) = rule(action, department);
    #[cfg(test)]
    if skip::active() {
        // Test builds only: grant everything, so that what is refused is
        // refused by the database alone.
        return Ok(Grant {
            rule: All,
            actor_id,
            sentence,
        });
    }
    if rule == No {
        return Err(Error::permission(sentence));
    }
    Ok(Grant {
        rule,
        actor_id,
        sentence,
    })
}

/// A switch that exists only in test builds: while on (in this thread),
/// [`check`] grants everything, so a test can show that the database alone
/// refuses what the matrix forbids.
#[cfg(test)]
pub mod skip {
    use std::cell::Cell;

    thread_local! {
        static SKIP: Cell<bool> = const { Cell::new(false) };
    }

    /// Turns epic's own policy check off (or on again) in this thread.
    pub fn set(on: bool) {
        SKIP.with(|s| s.set(on));
    }

    /// True while the check is off.
    pub fn active() -> bool {
        SKIP.with(Cell::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_row() {
        let all = [
            Action::Read,
            Action::Report,
            Action::CollaboratorAdd,
            Action::CollaboratorUpdate,
            Action::CollaboratorDelete,
            Action::ClientAdd,
            Action::ClientUpdate,
            Action::ClientReassign,
            Action::ClientImport,
            Action::ContractAdd,
            Action::ContractUpdate,
            Action::ContractAdjust,
            Action::ContractSign,
            Action::ContractPay,
            Action::EventAdd,
            Action::EventImport,
            Action::EventAssign,
            Action::EventUpdate,
            Action::RecordDelete,
            Action::AuditRead,
            Action::Maintain,
        ];
        for action in all {
            assert_eq!(MATRIX.iter().filter(|(a, ..)| *a == action).count(), 1);
        }
        assert_eq!(MATRIX.len(), all.len());
    }

    #[test]
    fn ownership_limits_the_grant_to_own_records() {
        let grant = check(Action::ClientUpdate, Department::Sales, 7).unwrap();
        assert!(grant.require(Some(7)).is_ok());
        let err = grant.require(Some(8)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "permission denied: only the client's sales contact may update it"
        );
        assert!(grant.require(None).is_err());
        let all = check(Action::ContractSign, Department::Management, 1).unwrap();
        assert!(all.require(Some(99)).is_ok() && all.is_all());
        assert!(check(Action::ClientAdd, Department::Management, 1).is_err());
        assert_eq!(
            check(Action::EventUpdate, Department::Support, 3)
                .unwrap()
                .ownership(),
            Some(Ownership::EventSupportContact)
        );
    }
}
