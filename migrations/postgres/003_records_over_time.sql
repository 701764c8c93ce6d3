-- Version 3: the records over time (history, deletes, imports).
--
-- * Everyone logged in reads the history of the records they may read (the
--   audit rows of collaborators, clients, contracts and events); the login
--   and logout rows stay management's.
-- * Management deletes clients, contracts and events; the foreign keys
--   (ON DELETE RESTRICT) refuse a delete while other records depend on it,
--   and the ledger is append-only, so a contract with payments stays.
-- * Management imports clients for a sales contact (`client import` with a
--   `sales_contact` column): it may insert a client whose sales contact is
--   in sales, never one of its own.

DROP POLICY IF EXISTS management_reads ON epic.audit_log;
DROP POLICY IF EXISTS read_history ON epic.audit_log;
CREATE POLICY read_history ON epic.audit_log FOR SELECT
    USING ((SELECT epic.my_department()) = 'management'
           OR (entity <> 'session' AND (SELECT epic.me()) IS NOT NULL));

DROP POLICY IF EXISTS management_imports ON epic.clients;
CREATE POLICY management_imports ON epic.clients FOR INSERT
    WITH CHECK ((SELECT epic.my_department()) = 'management'
                AND epic.department_of(sales_contact_id) = 'sales');

DROP POLICY IF EXISTS management_deletes ON epic.clients;
CREATE POLICY management_deletes ON epic.clients FOR DELETE
    USING ((SELECT epic.my_department()) = 'management');
DROP POLICY IF EXISTS management_deletes ON epic.contracts;
CREATE POLICY management_deletes ON epic.contracts FOR DELETE
    USING ((SELECT epic.my_department()) = 'management');
DROP POLICY IF EXISTS management_deletes ON epic.events;
CREATE POLICY management_deletes ON epic.events FOR DELETE
    USING ((SELECT epic.my_department()) = 'management');

-- The installation of version 2, with this version's grants.
-- Creates the roles of this database (idempotent), gives the schema to its
-- owner, and sets every GRANT: nothing to PUBLIC, nothing to roles of
-- another database, and exactly what each department needs.
CREATE OR REPLACE PROCEDURE epic.install_security()
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tag text := epic.role_tag();
    owner text := tag || '_owner';
    admin text := tag || '_admin';
    mgmt text := tag || '_management';
    sales text := tag || '_sales';
    support text := tag || '_support';
    ours text[] := ARRAY[owner, admin, mgmt, sales, support];
    groups text := format('%I, %I, %I', mgmt, sales, support);
    r text;
    t text;
    admin_functions text[] := ARRAY['require_management', 'create_login_role',
        'drop_ended_sessions', 'end_sessions',
        'collaborator_add', 'collaborator_update', 'collaborator_delete', 'session_open',
        'session_close', 'password_change'];
BEGIN
    FOREACH r IN ARRAY ours LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    EXECUTE format('ALTER ROLE %I NOLOGIN CREATEROLE', admin);
    EXECUTE format('ALTER ROLE %I NOLOGIN', owner);
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        -- A CREATEROLE installer administers what it installed.
        EXECUTE format('GRANT %I, %I TO %I', owner, admin, current_user);
    END IF;

    -- Ownership first (the old owner's privileges pass to the new one),
    -- row-level security, the owner's own policy.
    EXECUTE format('ALTER SCHEMA epic OWNER TO %I', owner);
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'epic' LOOP
        EXECUTE format('ALTER TABLE epic.%I OWNER TO %I', t, owner);
        EXECUTE format('ALTER TABLE epic.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS owner_all ON epic.%I', t);
        EXECUTE format('CREATE POLICY owner_all ON epic.%I TO %I USING (true) WITH CHECK (true)',
                       t, owner);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['collaborators', 'sessions', 'departments'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS admin_all ON epic.%I', t);
        EXECUTE format('CREATE POLICY admin_all ON epic.%I TO %I USING (true) WITH CHECK (true)',
                       t, admin);
    END LOOP;
    FOR r, t IN SELECT p.oid::regprocedure::text, p.proname FROM pg_proc p
                WHERE p.pronamespace = 'epic'::regnamespace AND p.prokind = 'f' LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r,
                       CASE WHEN t = ANY (admin_functions) THEN admin ELSE owner END);
    END LOOP;

    -- Grants of an earlier installation (another tag, after a copy or a
    -- rename) and of PUBLIC go.
    FOR r IN SELECT DISTINCT g.rolname FROM pg_class c, aclexplode(c.relacl) a
             JOIN pg_roles g ON g.oid = a.grantee
             WHERE c.relnamespace = 'epic'::regnamespace AND g.rolname <> ALL (ours) LOOP
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA epic FROM %I', r);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA epic FROM %I', r);
    END LOOP;
    FOR r IN SELECT DISTINCT g.rolname FROM pg_proc p, aclexplode(p.proacl) a
             JOIN pg_roles g ON g.oid = a.grantee
             WHERE p.pronamespace = 'epic'::regnamespace AND g.rolname <> ALL (ours) LOOP
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA epic FROM %I', r);
    END LOOP;
    FOR r IN SELECT DISTINCT g.rolname FROM pg_namespace n, aclexplode(n.nspacl) a
             JOIN pg_roles g ON g.oid = a.grantee
             WHERE n.nspname = 'epic' AND g.rolname <> ALL (ours) LOOP
        EXECUTE format('REVOKE ALL ON SCHEMA epic FROM %I', r);
    END LOOP;
    REVOKE ALL ON ALL TABLES IN SCHEMA epic FROM PUBLIC;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA epic FROM PUBLIC;
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA epic FROM PUBLIC;
    REVOKE ALL ON ALL PROCEDURES IN SCHEMA epic FROM PUBLIC;
    REVOKE ALL ON SCHEMA epic FROM PUBLIC;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', current_database(), groups);

    -- What each department may do (row-level security narrows it to rows).
    EXECUTE format('GRANT USAGE ON SCHEMA epic TO %s, %I', groups, admin);
    EXECUTE format('GRANT SELECT ON epic.departments, epic.settings, epic.schema_migrations, '
                   'epic.collaborators, epic.clients, epic.contracts, epic.payments, epic.events '
                   'TO %s', groups);
    EXECUTE format('GRANT INSERT ON epic.audit_log TO %s', groups);
    EXECUTE format('GRANT SELECT ON epic.audit_log TO %s', groups);
    EXECUTE format('GRANT SELECT ON epic.sessions TO %I', mgmt);
    EXECUTE format('GRANT INSERT ON epic.clients, epic.events, epic.payments TO %I', sales);
    EXECUTE format('GRANT UPDATE (full_name, email, phone, company_name, updated_at) '
                   'ON epic.clients TO %I', sales);
    EXECUTE format('GRANT UPDATE (total_cents, due_cents, signed_at, updated_at) '
                   'ON epic.contracts TO %I, %I', sales, mgmt);
    EXECUTE format('GRANT INSERT ON epic.clients, epic.contracts, epic.payments TO %I', mgmt);
    EXECUTE format('GRANT DELETE ON epic.clients, epic.contracts, epic.events TO %I', mgmt);
    -- `next_employee_number` looks at the identity's last value, and
    -- `backup` (pg_dump) at every sequence's.
    EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA epic TO %I', mgmt);
    EXECUTE format('GRANT UPDATE (sales_contact_id, updated_at) ON epic.clients TO %I', mgmt);
    EXECUTE format('GRANT UPDATE (name, start_at, end_at, support_contact_id, location, '
                   'attendees, notes, updated_at) ON epic.events TO %I', mgmt);
    EXECUTE format('GRANT UPDATE (name, start_at, end_at, location, attendees, notes, updated_at) '
                   'ON epic.events TO %I', support);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON epic.collaborators, epic.sessions '
                   'TO %I', admin);
    EXECUTE format('GRANT SELECT ON epic.departments TO %I', admin);
    EXECUTE format('GRANT EXECUTE ON FUNCTION epic.me(), epic.my_department(), '
                   'epic.department_of(bigint), epic.owns_contract(bigint), epic.role_tag(), '
                   'epic.session_expires(), '
                   'epic.role_of_email(text), epic.session_open(text, integer), '
                   'epic.session_close(), epic.password_change(text) TO %s', groups);
    EXECUTE format('GRANT EXECUTE ON FUNCTION epic.collaborator_add(text, text, text, text, text), '
                   'epic.collaborator_update(bigint, text, text, text, text), '
                   'epic.collaborator_delete(bigint) TO %I', mgmt);
    EXECUTE format('GRANT EXECUTE ON FUNCTION epic.me(), epic.my_department(), '
                   'epic.department_of(bigint), epic.role_tag(), epic.role_of_email(text), '
                   'epic.check_verifier(text) TO %I', admin);

    -- Sessions and roles of another tag mean nothing here.
    DELETE FROM epic.sessions WHERE role NOT LIKE tag || '\_%';
END $$;

CALL epic.install_security();
