//! [`PgDb`]: the PostgreSQL functions of each aggregate behind [`Db`].

use std::path::Path;

use super::query::col;
use super::{Session, clients, collaborators, contracts, events, maintenance, sessions};
use crate::domain::{Department, Money};
use crate::error::Result;
use crate::store::audit::{AuditEntry, AuditFilter, Payment};
use crate::store::clients::{Client, ClientChanges, ClientFilter, NewClient};
use crate::store::collaborators::{
    Account, Collaborator, CollaboratorChanges, NewCollaborator, ServerSession,
};
use crate::store::contracts::{Contract, ContractFilter, NewContract};
use crate::store::events::{Event, EventChanges, EventFilter, NewEvent};
use crate::store::{Db, ListQuery, Visit};

/// A session inside a transaction, seen through [`Db`].
pub struct PgDb<'a> {
    s: Session<'a>,
    /// libpq variables naming this server (for `pg_dump`).
    env: &'a [(String, String)],
}

impl<'a> PgDb<'a> {
    /// Wraps a session on which a transaction is open.
    pub fn new(s: Session<'a>, env: &'a [(String, String)]) -> PgDb<'a> {
        PgDb { s, env }
    }
}

impl Db for PgDb<'_> {
    fn insert_collaborator(&mut self, new: &NewCollaborator<'_>) -> Result<i64> {
        collaborators::insert(&mut self.s, new)
    }
    fn collaborator(&mut self, id: i64) -> Result<Collaborator> {
        collaborators::get(&mut self.s, id)
    }
    fn find_collaborator(&mut self, key: &str) -> Result<Collaborator> {
        collaborators::find(&mut self.s, key)
    }
    fn list_collaborators(
        &mut self,
        department: Option<Department>,
        search: Option<&str>,
        q: &ListQuery,
    ) -> Result<Vec<Collaborator>> {
        collaborators::list(&mut self.s, department, search, q)
    }
    fn account_by_id(&mut self, id: i64) -> Result<Option<Account>> {
        collaborators::account_by_id(&mut self.s, id)
    }
    fn account_by_email(&mut self, email: &str) -> Result<Option<Account>> {
        collaborators::account_by_email(&mut self.s, email)
    }
    fn update_collaborator(&mut self, id: i64, changes: &CollaboratorChanges) -> Result<()> {
        collaborators::update(&mut self.s, id, changes)
    }
    fn delete_collaborator(&mut self, id: i64) -> Result<()> {
        collaborators::delete(&mut self.s, id)
    }
    fn bump_token_version(&mut self, id: i64) -> Result<()> {
        collaborators::bump_token_version(&mut self.s, id)
    }
    fn record_failed_login(
        &mut self,
        id: i64,
        now: i64,
        max_failures: i64,
        lock_secs: i64,
    ) -> Result<i64> {
        collaborators::record_failed_login(&mut self.s, id, now, max_failures, lock_secs)
    }
    fn reset_failed_logins(&mut self, id: i64) -> Result<()> {
        collaborators::reset_failed_logins(&mut self.s, id)
    }
    fn server_session(&mut self) -> Result<Option<ServerSession>> {
        sessions::current(&mut self.s)
    }
    fn open_server_session(
        &mut self,
        verifier: &str,
        seconds: i64,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>)> {
        sessions::open(&mut self.s, verifier, seconds)
    }
    fn close_server_session(&mut self) -> Result<bool> {
        sessions::close(&mut self.s)
    }
    fn change_own_password(&mut self, verifier: &str) -> Result<i64> {
        sessions::change_own_password(&mut self.s, verifier)
    }
    fn count_collaborators(&mut self) -> Result<i64> {
        collaborators::count(&mut self.s)
    }
    fn next_employee_number(&mut self) -> Result<String> {
        collaborators::next_employee_number(&mut self.s)
    }
    fn collaborator_emails(&mut self) -> Result<Vec<String>> {
        collaborators::emails(&mut self.s)
    }

    fn insert_client(&mut self, new: &NewClient<'_>) -> Result<i64> {
        clients::insert(&mut self.s, new)
    }
    fn client(&mut self, id: i64) -> Result<Client> {
        clients::get(&mut self.s, id)
    }
    fn each_client(
        &mut self,
        filter: &ClientFilter,
        q: &ListQuery,
        visit: Visit<'_, Client>,
    ) -> Result<()> {
        clients::each(&mut self.s, filter, q, visit)
    }
    fn update_client(&mut self, id: i64, changes: &ClientChanges) -> Result<()> {
        clients::update(&mut self.s, id, changes)
    }
    fn set_sales_contact(&mut self, id: i64, sales_contact_id: i64) -> Result<()> {
        clients::set_sales_contact(&mut self.s, id, sales_contact_id)
    }
    fn reassign_clients(&mut self, from: i64, to: i64) -> Result<usize> {
        clients::reassign_all(&mut self.s, from, to)
    }
    fn count_clients_of(&mut self, collaborator_id: i64) -> Result<i64> {
        clients::count_for_sales(&mut self.s, collaborator_id)
    }
    fn existing_client_emails(&mut self, emails: &[&str]) -> Result<Vec<String>> {
        clients::existing_emails(&mut self.s, emails)
    }

    fn insert_contract(&mut self, new: &NewContract) -> Result<i64> {
        contracts::insert(&mut self.s, new)
    }
    fn contract(&mut self, id: i64) -> Result<Contract> {
        contracts::get(&mut self.s, id)
    }
    fn each_contract(
        &mut self,
        filter: &ContractFilter,
        q: &ListQuery,
        visit: Visit<'_, Contract>,
    ) -> Result<()> {
        contracts::each(&mut self.s, filter, q, visit)
    }
    fn set_contract_total(&mut self, id: i64, total: Money) -> Result<()> {
        contracts::set_total(&mut self.s, id, total)
    }
    fn adjust_contract(
        &mut self,
        id: i64,
        cents: i64,
        reason: &str,
        recorded_by: i64,
    ) -> Result<Money> {
        contracts::adjust(&mut self.s, id, cents, reason, recorded_by)
    }
    fn sign_contract(&mut self, id: i64) -> Result<()> {
        contracts::sign(&mut self.s, id)
    }
    fn pay_contract(&mut self, id: i64, amount: Money, recorded_by: i64) -> Result<Money> {
        contracts::pay(&mut self.s, id, amount, recorded_by)
    }
    fn contract_paid(&mut self, id: i64) -> Result<Money> {
        contracts::paid(&mut self.s, id)
    }

    fn insert_event(&mut self, new: &NewEvent<'_>) -> Result<i64> {
        events::insert(&mut self.s, new)
    }
    fn event(&mut self, id: i64) -> Result<Event> {
        events::get(&mut self.s, id)
    }
    fn each_event(
        &mut self,
        filter: &EventFilter,
        q: &ListQuery,
        visit: Visit<'_, Event>,
    ) -> Result<()> {
        events::each(&mut self.s, filter, q, visit)
    }
    fn update_event(&mut self, id: i64, changes: &EventChanges) -> Result<()> {
        events::update(&mut self.s, id, changes)
    }
    fn delete_event(&mut self, id: i64) -> Result<()> {
        events::delete(&mut self.s, id)
    }
    fn delete_contract(&mut self, id: i64) -> Result<()> {
        contracts::delete(&mut self.s, id)
    }
    fn contract_payments(&mut self, id: i64) -> Result<Vec<Payment>> {
        contracts::payments(&mut self.s, id)
    }
    fn delete_client(&mut self, id: i64) -> Result<()> {
        clients::delete(&mut self.s, id)
    }
    fn each_audit(&mut self, filter: &AuditFilter, visit: Visit<'_, AuditEntry>) -> Result<()> {
        super::audit::each(&mut self.s, filter, visit)
    }
    fn assign_event(&mut self, id: i64, support_contact_id: Option<i64>) -> Result<()> {
        events::assign(&mut self.s, id, support_contact_id)
    }
    fn reassign_events(&mut self, from: i64, to: i64) -> Result<usize> {
        events::reassign_all(&mut self.s, from, to)
    }
    fn count_events_of(&mut self, collaborator_id: i64) -> Result<i64> {
        events::count_for_support(&mut self.s, collaborator_id)
    }

    fn report_pipeline(&mut self) -> Result<Vec<crate::store::reports::PipelineRow>> {
        super::reports::pipeline(&mut self.s)
    }
    fn report_events(
        &mut self,
        from: i64,
        before: i64,
    ) -> Result<Vec<crate::store::reports::EventsRow>> {
        super::reports::events(&mut self.s, from, before)
    }
    fn report_due(&mut self, now: i64) -> Result<Vec<crate::store::reports::DueRow>> {
        super::reports::due(&mut self.s, now)
    }

    fn audit(
        &mut self,
        actor: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: Option<&serde_json::Value>,
    ) -> Result<()> {
        self.s.execute(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &crate::store::instant(crate::store::now()),
                &actor,
                &action,
                &entity,
                &entity_id,
                &detail,
            ],
        )?;
        Ok(())
    }
    fn setting(&mut self, key: &str) -> Result<Option<String>> {
        self.s
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
            .map(|r| col(&r, 0))
            .transpose()
    }
    fn schema_version(&mut self) -> Result<i64> {
        let r = self
            .s
            .query_one("SELECT max(version)::bigint FROM schema_migrations", &[])?;
        Ok(col::<Option<i64>>(&r, 0)?.unwrap_or(0))
    }
    fn integrity_problems(&mut self) -> Result<Vec<String>> {
        maintenance::integrity_problems(&mut self.s)
    }
    fn foreign_key_problems(&mut self) -> Result<Vec<String>> {
        maintenance::foreign_key_problems(&mut self.s)
    }
    fn table_counts(&mut self) -> Result<Vec<(&'static str, i64)>> {
        maintenance::table_counts(&mut self.s)
    }
    fn backup(&mut self, dest: &Path) -> Result<()> {
        maintenance::backup(&mut self.s, self.env, dest)
    }
}
