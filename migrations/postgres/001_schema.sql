-- Epic Events CRM on PostgreSQL — version 1, the whole schema.
--
-- The same data and the same rules as the SQLite schema at its version 3
-- (schema.sql and migrations/sqlite/), written for PostgreSQL: every rule
-- the database can hold is held here, so a client that bypasses epic (psql,
-- a script) still cannot store an invalid row.
--
-- Conventions
--   * Everything lives in the schema `epic` and is written schema-qualified;
--     the functions pin their search_path, so no caller's path can hijack them.
--   * Timestamps are timestamptz; money is bigint cents, never a float.
--   * Emails are unique case-insensitively (unique indexes on lower(email)).
--   * Ids are identities: never reused after a deletion.
--   * A broken business rule raises SQLSTATE EP001 with a message written for
--     users (`field: reason`); epic shows it as is.
--   * The amount due of a contract always equals its total minus the sum of
--     its ledger entries (payments and audited adjustments); the ledger is
--     append-only.

CREATE SCHEMA IF NOT EXISTS epic;

CREATE TABLE epic.schema_migrations (
    version    integer     PRIMARY KEY CHECK (version > 0),
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE epic.settings (
    key   text NOT NULL PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    value text NOT NULL CHECK (length(value) <= 4096)
);

CREATE TABLE epic.departments (
    id   bigint PRIMARY KEY,
    name text   NOT NULL UNIQUE CHECK (name IN ('management', 'sales', 'support'))
);

INSERT INTO epic.departments (id, name) VALUES (1, 'management'), (2, 'sales'), (3, 'support');

CREATE TABLE epic.collaborators (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_number text        NOT NULL CHECK (length(employee_number) BETWEEN 1 AND 32),
    full_name       text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email           text        NOT NULL
                    CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%._%'),
    department_id   bigint      NOT NULL REFERENCES epic.departments (id),
    -- argon2id PHC string only; never a plain password.
    password_hash   text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- Bumped on logout, password change, department change: older tokens die.
    token_version   bigint      NOT NULL DEFAULT 0 CHECK (token_version >= 0),
    -- Login throttling, shared by every client through the database.
    failed_logins   bigint      NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL CHECK (updated_at >= created_at)
);

CREATE UNIQUE INDEX collaborators_employee_number_key ON epic.collaborators (employee_number);
CREATE UNIQUE INDEX collaborators_email_key ON epic.collaborators (lower(email));
CREATE INDEX collaborators_department_idx ON epic.collaborators (department_id);

CREATE TABLE epic.clients (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name        text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email            text        NOT NULL
                     CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%._%'),
    phone            text        CHECK (phone IS NULL OR length(phone) BETWEEN 6 AND 32),
    company_name     text        CHECK (company_name IS NULL OR length(company_name) BETWEEN 1 AND 200),
    sales_contact_id bigint      NOT NULL REFERENCES epic.collaborators (id) ON DELETE RESTRICT,
    created_at       timestamptz NOT NULL,                 -- first contact
    updated_at       timestamptz NOT NULL                  -- last update or contact
                     CHECK (updated_at >= created_at)
);

CREATE UNIQUE INDEX clients_email_key ON epic.clients (lower(email));
CREATE INDEX clients_sales_contact_idx ON epic.clients (sales_contact_id);
CREATE INDEX clients_full_name_idx ON epic.clients (full_name);

CREATE TABLE epic.contracts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   bigint      NOT NULL REFERENCES epic.clients (id) ON DELETE RESTRICT,
    total_cents bigint      NOT NULL CHECK (total_cents BETWEEN 0 AND 1000000000000),
    due_cents   bigint      NOT NULL CHECK (due_cents >= 0 AND due_cents <= total_cents),
    signed_at   timestamptz,                               -- NULL while unsigned
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL CHECK (updated_at >= created_at)
);

CREATE INDEX contracts_client_idx ON epic.contracts (client_id);
CREATE INDEX contracts_unsigned_idx ON epic.contracts (id) WHERE signed_at IS NULL;
CREATE INDEX contracts_unpaid_idx ON epic.contracts (id) WHERE due_cents > 0;

-- The ledger: what was paid on a contract, and the audited adjustments
-- management made to the amount due. Append-only.
CREATE TABLE epic.payments (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id  bigint      NOT NULL REFERENCES epic.contracts (id) ON DELETE RESTRICT,
    kind         text        NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'adjustment')),
    -- A payment is positive; an adjustment lowers (positive) or raises
    -- (negative) the amount due, and says why.
    amount_cents bigint      NOT NULL
                 CHECK (amount_cents <> 0 AND (kind = 'adjustment' OR amount_cents > 0)
                        AND abs(amount_cents) <= 1000000000000),
    reason       text        CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    paid_at      timestamptz NOT NULL,
    -- Who recorded it; kept (as NULL) if that collaborator is later deleted.
    recorded_by  bigint      REFERENCES epic.collaborators (id) ON DELETE SET NULL,
    CHECK (kind = 'payment' OR reason IS NOT NULL)
);

CREATE INDEX payments_contract_idx ON epic.payments (contract_id);
CREATE INDEX payments_recorded_by_idx ON epic.payments (recorded_by);

CREATE TABLE epic.events (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id        bigint      NOT NULL REFERENCES epic.contracts (id) ON DELETE RESTRICT,
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    start_at           timestamptz NOT NULL,
    end_at             timestamptz NOT NULL CHECK (end_at > start_at),
    support_contact_id bigint      REFERENCES epic.collaborators (id) ON DELETE RESTRICT,
    location           text        NOT NULL CHECK (length(location) BETWEEN 1 AND 500),
    attendees          bigint      NOT NULL CHECK (attendees BETWEEN 0 AND 1000000),
    notes              text        CHECK (notes IS NULL OR length(notes) <= 5000),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL CHECK (updated_at >= created_at)
);

CREATE INDEX events_contract_idx ON epic.events (contract_id);
CREATE INDEX events_support_contact_idx ON epic.events (support_contact_id);
CREATE INDEX events_start_idx ON epic.events (start_at);
CREATE INDEX events_unassigned_idx ON epic.events (id) WHERE support_contact_id IS NULL;

-- Who did what to which record, and when. No foreign key on actor_id: the
-- trail must outlive the collaborators it mentions.
CREATE TABLE epic.audit_log (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor_id  bigint,
    action    text        NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    entity    text        NOT NULL
              CHECK (entity IN ('collaborator', 'client', 'contract', 'event', 'session')),
    entity_id bigint,
    detail    jsonb
);

CREATE INDEX audit_log_entity_idx ON epic.audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_idx ON epic.audit_log (actor_id);

-- Rules the CHECKs above cannot express. Each function raises EP001.

CREATE FUNCTION epic.department_of(collaborator bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT d.name FROM epic.collaborators c JOIN epic.departments d ON d.id = c.department_id
    WHERE c.id = collaborator
$$;

CREATE FUNCTION epic.check_client_sales_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF epic.department_of(NEW.sales_contact_id) IS DISTINCT FROM 'sales' THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'sales_contact: must be a collaborator of the sales department';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER clients_sales_contact BEFORE INSERT OR UPDATE OF sales_contact_id ON epic.clients
FOR EACH ROW EXECUTE FUNCTION epic.check_client_sales_contact();

CREATE FUNCTION epic.check_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.support_contact_id IS NOT NULL
       AND epic.department_of(NEW.support_contact_id) IS DISTINCT FROM 'support' THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'support_contact: must be a collaborator of the support department';
    END IF;
    IF (TG_OP = 'INSERT' OR NEW.contract_id IS DISTINCT FROM OLD.contract_id)
       AND (SELECT signed_at FROM epic.contracts WHERE id = NEW.contract_id) IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'contract: must be signed before an event is created';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_rules BEFORE INSERT OR UPDATE OF support_contact_id, contract_id ON epic.events
FOR EACH ROW EXECUTE FUNCTION epic.check_event();

-- A signed contract stays signed; a contract is born owing its total, and
-- its amount due moves only with the ledger.
CREATE FUNCTION epic.check_contract() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.due_cents IS DISTINCT FROM NEW.total_cents THEN
            RAISE EXCEPTION USING ERRCODE = 'EP001',
                MESSAGE = 'amount_due: a new contract owes its total; record a deposit as a payment';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.signed_at IS NOT NULL AND NEW.signed_at IS DISTINCT FROM OLD.signed_at THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'signed: a signed contract cannot be unsigned or re-signed';
    END IF;
    IF (NEW.due_cents, NEW.total_cents) IS DISTINCT FROM (OLD.due_cents, OLD.total_cents)
       AND NEW.due_cents <> NEW.total_cents
            - (SELECT coalesce(sum(amount_cents), 0) FROM epic.payments
               WHERE contract_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'amount_due: follows from the total and the recorded payments; record a payment or an adjustment';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER contracts_rules BEFORE INSERT OR UPDATE ON epic.contracts
FOR EACH ROW EXECUTE FUNCTION epic.check_contract();

-- Every ledger entry moves the amount due; the CHECKs on contracts then
-- refuse an amount due below zero or above the total.
CREATE FUNCTION epic.apply_payment() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE epic.contracts SET due_cents = due_cents - NEW.amount_cents
    WHERE id = NEW.contract_id;
    RETURN NULL;
END $$;

CREATE TRIGGER payments_apply AFTER INSERT ON epic.payments
FOR EACH ROW EXECUTE FUNCTION epic.apply_payment();

-- The ledger is append-only: no entry is changed or removed (only the
-- foreign key may forget who recorded it, when that collaborator is deleted).
CREATE FUNCTION epic.keep_ledger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'payments: the ledger is append-only; record an adjustment instead';
    END IF;
    IF (NEW.id, NEW.contract_id, NEW.kind, NEW.amount_cents, NEW.reason, NEW.paid_at)
       IS DISTINCT FROM (OLD.id, OLD.contract_id, OLD.kind, OLD.amount_cents, OLD.reason, OLD.paid_at)
       OR (NEW.recorded_by IS DISTINCT FROM OLD.recorded_by AND NEW.recorded_by IS NOT NULL) THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'payments: the ledger is append-only; record an adjustment instead';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON epic.payments
FOR EACH ROW EXECUTE FUNCTION epic.keep_ledger();

CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON epic.payments
FOR EACH STATEMENT EXECUTE FUNCTION epic.keep_ledger();

-- A collaborator cannot leave a department while still holding its duties.
CREATE FUNCTION epic.check_department_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dept text := (SELECT name FROM epic.departments WHERE id = NEW.department_id);
BEGIN
    IF NEW.department_id IS DISTINCT FROM OLD.department_id
       AND ((dept <> 'sales' AND EXISTS (SELECT 1 FROM epic.clients WHERE sales_contact_id = NEW.id))
         OR (dept <> 'support' AND EXISTS (SELECT 1 FROM epic.events WHERE support_contact_id = NEW.id))) THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'department: the collaborator still owns clients or events; reassign them first';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER collaborators_department_change BEFORE UPDATE OF department_id ON epic.collaborators
FOR EACH ROW EXECUTE FUNCTION epic.check_department_change();
