-- Epic Events CRM on PostgreSQL — version 2: least privilege enforced by
-- the server.
--
-- Every collaborator is a PostgreSQL login role; PostgreSQL verifies their
-- password (SCRAM-SHA-256) and no password hash is kept in epic's tables.
-- The roles of one database share a tag derived from its name
-- (epic.role_tag(), e.g. epic_1a2b3c4d5e):
--
--   <tag>_owner       NOLOGIN: owns the schema, the tables and the rule
--                     functions; nobody logs in as it.
--   <tag>_admin       NOLOGIN CREATEROLE: owns the few SECURITY DEFINER
--                     functions that create, alter and drop roles.
--   <tag>_management, <tag>_sales, <tag>_support
--                     NOLOGIN group roles holding exactly the GRANTs their
--                     department needs.
--   <tag>_u<hash>     a collaborator (hash of the lower-case email), LOGIN,
--                     member of one department group and nothing else.
--   <tag>_s<random>   a session: LOGIN with a 256-bit random secret chosen
--                     by the client, VALID UNTIL the session's end, member
--                     of its collaborator's role; recorded in epic.sessions.
--
-- Row-level security, enabled and forced on every table, decides ownership
-- through epic.me(), the collaborator behind session_user (SET ROLE cannot
-- change it). Writes that the matrix forbids fail with SQLSTATE 42501.

ALTER TABLE epic.collaborators
    DROP COLUMN password_hash,
    DROP COLUMN token_version,
    DROP COLUMN failed_logins,
    DROP COLUMN locked_until,
    ADD COLUMN db_role text UNIQUE CHECK (db_role ~ '^epic_[0-9a-f]{10}_u[0-9a-f]{20}$');

CREATE TABLE epic.sessions (
    role            text        PRIMARY KEY CHECK (role ~ '^epic_[0-9a-f]{10}_s[0-9a-f]{32}$'),
    -- Kept (as NULL) after the collaborator is deleted, until the role is dropped.
    collaborator_id bigint      REFERENCES epic.collaborators (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz
);

CREATE INDEX sessions_collaborator_idx ON epic.sessions (collaborator_id);

-- Names -------------------------------------------------------------------

CREATE FUNCTION epic.role_tag() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'epic_' || left(encode(sha256(convert_to(current_database(), 'UTF8')), 'hex'), 10)
$$;

CREATE FUNCTION epic.role_of_email(email text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT epic.role_tag() || '_u'
        || left(encode(sha256(convert_to(lower(email), 'UTF8')), 'hex'), 20)
$$;

-- Who is acting: the collaborator of an open session, or the collaborator
-- whose own role this is.
CREATE FUNCTION epic.me() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(
        (SELECT s.collaborator_id FROM epic.sessions s
         WHERE s.role = session_user::text AND s.ended_at IS NULL AND s.expires_at > now()),
        (SELECT c.id FROM epic.collaborators c WHERE c.db_role = session_user::text))
$$;

-- When the connection's session ends (NULL when it is no open session).
CREATE FUNCTION epic.session_expires() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.expires_at FROM epic.sessions s
    WHERE s.role = session_user::text AND s.ended_at IS NULL AND s.expires_at > now()
$$;

CREATE FUNCTION epic.my_department() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT epic.department_of(epic.me())
$$;

-- True when the contract's client has the acting collaborator as sales contact.
CREATE FUNCTION epic.owns_contract(contract bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM epic.contracts k JOIN epic.clients c ON c.id = k.client_id
                   WHERE k.id = contract AND c.sales_contact_id = epic.me())
$$;

-- Row-level security ------------------------------------------------------
-- Reading: everyone logged in reads collaborators, clients, contracts,
-- payments and events; the audit log and the sessions are management's.
-- Writing: WITH CHECK says who may store which row; the column GRANTs (in
-- epic.install_security) say which columns each department may change.

CREATE POLICY read_all ON epic.departments FOR SELECT USING (true);
CREATE POLICY read_all ON epic.settings FOR SELECT USING (true);
CREATE POLICY read_all ON epic.schema_migrations FOR SELECT USING (true);
CREATE POLICY read_all ON epic.collaborators FOR SELECT USING ((SELECT epic.me()) IS NOT NULL);
CREATE POLICY read_all ON epic.clients FOR SELECT USING ((SELECT epic.me()) IS NOT NULL);
CREATE POLICY read_all ON epic.contracts FOR SELECT USING ((SELECT epic.me()) IS NOT NULL);
CREATE POLICY read_all ON epic.payments FOR SELECT USING ((SELECT epic.me()) IS NOT NULL);
CREATE POLICY read_all ON epic.events FOR SELECT USING ((SELECT epic.me()) IS NOT NULL);
CREATE POLICY management_reads ON epic.audit_log FOR SELECT
    USING ((SELECT epic.my_department()) = 'management');
CREATE POLICY management_reads ON epic.sessions FOR SELECT
    USING ((SELECT epic.my_department()) = 'management');

-- The audit log: appended to by whoever acts, in their own name.
CREATE POLICY append ON epic.audit_log FOR INSERT
    WITH CHECK (actor_id = (SELECT epic.me()));

-- Clients: sales add their own; sales update their own; management moves
-- them to another sales contact (the only column it may change).
CREATE POLICY sales_add ON epic.clients FOR INSERT
    WITH CHECK ((SELECT epic.my_department()) = 'sales'
                AND sales_contact_id = (SELECT epic.me()));
CREATE POLICY update_own ON epic.clients FOR UPDATE
    USING ((SELECT epic.me()) IS NOT NULL)
    WITH CHECK ((SELECT epic.my_department()) = 'management'
                OR ((SELECT epic.my_department()) = 'sales'
                    AND sales_contact_id = (SELECT epic.me())));

-- Contracts: management adds any and updates all; sales update their
-- clients' contracts.
CREATE POLICY management_adds ON epic.contracts FOR INSERT
    WITH CHECK ((SELECT epic.my_department()) = 'management');
CREATE POLICY update_own ON epic.contracts FOR UPDATE
    USING ((SELECT epic.me()) IS NOT NULL)
    WITH CHECK ((SELECT epic.my_department()) = 'management'
                OR ((SELECT epic.my_department()) = 'sales' AND epic.owns_contract(id)));

-- The ledger: management records payments and adjustments on any contract,
-- sales record payments on their clients' contracts; always in their name.
CREATE POLICY record ON epic.payments FOR INSERT
    WITH CHECK (recorded_by = (SELECT epic.me())
                AND ((SELECT epic.my_department()) = 'management'
                     OR ((SELECT epic.my_department()) = 'sales' AND kind = 'payment'
                         AND epic.owns_contract(contract_id))));

-- Events: sales add them, unassigned, on their clients' contracts;
-- management updates all (and assigns support); support updates theirs.
CREATE POLICY sales_add ON epic.events FOR INSERT
    WITH CHECK ((SELECT epic.my_department()) = 'sales'
                AND support_contact_id IS NULL AND epic.owns_contract(contract_id));
CREATE POLICY update_own ON epic.events FOR UPDATE
    USING ((SELECT epic.me()) IS NOT NULL)
    WITH CHECK ((SELECT epic.my_department()) = 'management'
                OR ((SELECT epic.my_department()) = 'support'
                    AND support_contact_id = (SELECT epic.me())));

-- Accounts and sessions (SECURITY DEFINER, owned by <tag>_admin) ----------

CREATE FUNCTION epic.require_management(what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF epic.my_department() IS DISTINCT FROM 'management'
       AND NOT pg_has_role(session_user, epic.role_tag() || '_owner', 'MEMBER') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'only management may ' || what;
    END IF;
END $$;

-- A password verifier as PostgreSQL stores it; never a plain password.
CREATE FUNCTION epic.check_verifier(verifier text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF verifier IS NULL
       OR verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'password: a SCRAM-SHA-256 verifier is expected, never a plain password';
    END IF;
END $$;

-- Creates a login role with nothing but `verifier` as its password and
-- membership in `member_of` (a department group, or the collaborator's role
-- for a session): no attribute beyond LOGIN, ever.
CREATE FUNCTION epic.create_login_role(name text, verifier text, member_of text,
                                       valid_until timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM epic.check_verifier(verifier);
    EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                   'NOREPLICATION NOBYPASSRLS PASSWORD %L VALID UNTIL %L IN ROLE %I',
                   name, verifier, coalesce(valid_until, 'infinity'), member_of);
END $$;

-- Drops the roles of ended or expired sessions that nobody uses any more.
CREATE FUNCTION epic.drop_ended_sessions() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT s.role FROM epic.sessions s
             WHERE (s.ended_at IS NOT NULL OR s.expires_at <= now() OR s.collaborator_id IS NULL)
               AND s.role <> session_user::text
               AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = s.role)
             FOR UPDATE SKIP LOCKED LOOP
        EXECUTE format('DROP ROLE IF EXISTS %I', r);
        DELETE FROM epic.sessions WHERE role = r;
    END LOOP;
END $$;

-- Ends every session of a collaborator at once: the roles may no longer
-- log in, and epic.me() no longer knows them (so open connections lose
-- every right with their next statement).
CREATE FUNCTION epic.end_sessions(collaborator bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text;
BEGIN
    FOR r IN UPDATE epic.sessions SET ended_at = now()
             WHERE collaborator_id = collaborator AND ended_at IS NULL RETURNING role LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    PERFORM epic.drop_ended_sessions();
END $$;

CREATE FUNCTION epic.collaborator_add(employee_number text, full_name text, email text,
                                      department text, verifier text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    dept bigint := (SELECT d.id FROM epic.departments d WHERE d.name = department);
    name text := epic.role_of_email(email);
    id bigint;
BEGIN
    PERFORM epic.require_management('add collaborators');
    PERFORM epic.check_verifier(verifier);
    IF dept IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'department: must be management, sales or support';
    END IF;
    INSERT INTO epic.collaborators AS c (employee_number, full_name, email, department_id,
                                         db_role, created_at, updated_at)
    VALUES (employee_number, full_name, email, dept, name, now(), now())
    RETURNING c.id INTO id;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001',
            MESSAGE = 'email: the server already has a role for this email; ask its administrator';
    END IF;
    PERFORM epic.create_login_role(name, verifier, epic.role_tag() || '_' || department, NULL);
    RETURN id;
END $$;

-- NULL arguments leave a field as it is. A new department or password ends
-- the collaborator's sessions.
CREATE FUNCTION epic.collaborator_update(collaborator bigint, new_name text, new_email text,
                                         new_department text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    old epic.collaborators;
    old_dept text;
    dept bigint;
    role_name text;
BEGIN
    PERFORM epic.require_management('update collaborators');
    SELECT * INTO old FROM epic.collaborators c WHERE c.id = collaborator FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'EP002', MESSAGE = 'collaborator not found';
    END IF;
    old_dept := epic.department_of(collaborator);
    IF new_department IS NOT NULL THEN
        dept := (SELECT d.id FROM epic.departments d WHERE d.name = new_department);
        IF dept IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'EP001',
                MESSAGE = 'department: must be management, sales or support';
        END IF;
    END IF;
    IF verifier IS NOT NULL THEN
        PERFORM epic.check_verifier(verifier);
    END IF;
    role_name := CASE WHEN new_email IS NULL THEN old.db_role ELSE epic.role_of_email(new_email) END;
    UPDATE epic.collaborators c SET
        full_name = coalesce(new_name, c.full_name),
        email = coalesce(new_email, c.email),
        department_id = coalesce(dept, c.department_id),
        db_role = role_name,
        updated_at = greatest(now(), c.created_at)
    WHERE c.id = collaborator;
    IF role_name IS DISTINCT FROM old.db_role THEN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            RAISE EXCEPTION USING ERRCODE = 'EP001',
                MESSAGE = 'email: the server already has a role for this email; ask its administrator';
        END IF;
        EXECUTE format('ALTER ROLE %I RENAME TO %I', old.db_role, role_name);
    END IF;
    IF new_department IS NOT NULL AND new_department <> old_dept THEN
        EXECUTE format('REVOKE %I FROM %I', epic.role_tag() || '_' || old_dept, role_name);
        EXECUTE format('GRANT %I TO %I', epic.role_tag() || '_' || new_department, role_name);
        PERFORM epic.end_sessions(collaborator);
    END IF;
    IF verifier IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', role_name, verifier);
        PERFORM epic.end_sessions(collaborator);
    END IF;
END $$;

CREATE FUNCTION epic.collaborator_delete(collaborator bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    role_name text;
BEGIN
    PERFORM epic.require_management('delete collaborators');
    PERFORM epic.end_sessions(collaborator);
    DELETE FROM epic.collaborators c WHERE c.id = collaborator RETURNING c.db_role INTO role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'EP002', MESSAGE = 'collaborator not found';
    END IF;
    IF role_name IS NOT NULL THEN
        EXECUTE format('DROP ROLE IF EXISTS %I', role_name);
    END IF;
END $$;

-- Opens a session for the collaborator logged in with their own password:
-- a role that may log in until the session's end with the verifier of a
-- secret only the client knows.
CREATE FUNCTION epic.session_open(verifier text, seconds integer)
RETURNS TABLE (role text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who epic.collaborators;
    name text := epic.role_tag() || '_s' || replace(gen_random_uuid()::text, '-', '');
    until timestamptz;
BEGIN
    SELECT * INTO who FROM epic.collaborators c WHERE c.db_role = session_user::text;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'login: a session is opened with your own password';
    END IF;
    IF seconds IS NULL OR seconds NOT BETWEEN 1 AND 31 * 86400 THEN
        RAISE EXCEPTION USING ERRCODE = 'EP001', MESSAGE = 'session: 1 s to 31 days';
    END IF;
    PERFORM epic.check_verifier(verifier);
    PERFORM epic.drop_ended_sessions();
    until := now() + make_interval(secs => seconds);
    PERFORM epic.create_login_role(name, verifier, who.db_role, until);
    INSERT INTO epic.sessions AS s (role, collaborator_id, expires_at)
    VALUES (name, who.id, until);
    RETURN QUERY SELECT name, until;
END $$;

-- Ends the caller's own session (`logout`): its role may no longer log in.
CREATE FUNCTION epic.session_close() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE epic.sessions SET ended_at = now()
    WHERE role = session_user::text AND ended_at IS NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', session_user);
    PERFORM epic.drop_ended_sessions();
    RETURN true;
END $$;

-- Changes the caller's own password (logged in with the current one) and
-- ends all their sessions.
CREATE FUNCTION epic.password_change(verifier text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who bigint := (SELECT c.id FROM epic.collaborators c WHERE c.db_role = session_user::text);
BEGIN
    IF who IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'passwd: a password is changed with the current one';
    END IF;
    PERFORM epic.check_verifier(verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, verifier);
    UPDATE epic.collaborators c SET updated_at = greatest(now(), c.created_at) WHERE c.id = who;
    PERFORM epic.end_sessions(who);
    RETURN who;
END $$;

-- Installation (run by the installing role: a superuser or CREATEROLE) ----

-- Gives every collaborator without a working role one, with `verifier` as
-- its password: after a restore on another server, or a renamed database.
CREATE FUNCTION epic.adopt_accounts(verifier text) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
BEGIN
    PERFORM epic.check_verifier(verifier);
    FOR c IN SELECT k.id, k.email, d.name AS dept FROM epic.collaborators k
             JOIN epic.departments d ON d.id = k.department_id
             WHERE k.db_role IS DISTINCT FROM epic.role_of_email(k.email)
                OR NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = k.db_role) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = epic.role_of_email(c.email)) THEN
            PERFORM epic.create_login_role(epic.role_of_email(c.email), verifier,
                                           epic.role_tag() || '_' || c.dept, NULL);
        END IF;
        UPDATE epic.collaborators SET db_role = epic.role_of_email(c.email) WHERE id = c.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- Creates the roles of this database (idempotent), gives the schema to its
-- owner, and sets every GRANT: nothing to PUBLIC, nothing to roles of
-- another database, and exactly what each department needs.
CREATE PROCEDURE epic.install_security()
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
    EXECUTE format('GRANT SELECT ON epic.audit_log, epic.sessions TO %I', mgmt);
    EXECUTE format('GRANT INSERT ON epic.clients, epic.events, epic.payments TO %I', sales);
    EXECUTE format('GRANT UPDATE (full_name, email, phone, company_name, updated_at) '
                   'ON epic.clients TO %I', sales);
    EXECUTE format('GRANT UPDATE (total_cents, due_cents, signed_at, updated_at) '
                   'ON epic.contracts TO %I, %I', sales, mgmt);
    EXECUTE format('GRANT INSERT ON epic.contracts, epic.payments TO %I', mgmt);
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
