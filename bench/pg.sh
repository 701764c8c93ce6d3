#!/usr/bin/env bash
# Benchmarks epic in server mode side by side with psql, against one
# throw-away local PostgreSQL server (scripts/pg-test-server.sh), and
# regenerates the "Server mode (PostgreSQL)" section of BENCHMARKS.md (the
# rest of the file is bench/run.sh's). Takes about 6 minutes here.
#
#   bench/pg.sh            full run
#   bench/pg.sh --quick    fewer runs
#
# Every measurement runs twice: with sslmode=prefer (the default for
# 127.0.0.1, so TLS) and with sslmode=disable, epic and psql always in the
# same mode; each ratio is to psql in that mode.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
need psql postgresql-client
# Debian's /usr/bin/psql is pg_wrapper, a Perl script that adds ~40 ms to
# every start; time the real binary, as a user of psql's own package gets.
PSQL=$(command -v psql)
for d in /usr/lib/postgresql/*/bin; do [[ -x $d/psql ]] && PSQL=$d/psql; done

cargo build --release --quiet --bin epic
EPIC=$PWD/target/release/epic
OUT=$PWD/bench/out-pg
rm -rf "$OUT" && mkdir -p "$OUT/json"
export XDG_DATA_HOME=$OUT/data XDG_STATE_HOME=$OUT/state NO_COLOR=1 TZ=Europe/Paris
unset SENTRY_DSN EPIC_DB EPIC_TOKEN PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSSLMODE \
      PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLROOTCERT PGCONNECT_TIMEOUT
export PGPASSFILE=/nonexistent
PW=quiet-lantern-orbit-42
RUNS=30; ADD_RUNS=3
if (( QUICK )); then RUNS=10; ADD_RUNS=2; fi

echo "== server"
eval "$(scripts/pg-test-server.sh start)"
trap 'scripts/pg-test-server.sh stop "$EPIC_TEST_PG_DIR"' EXIT
# EPIC_TEST_PG is postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres; the
# password goes to PGPASSWORD (epic refuses one in the URL), for both tools.
rest=${EPIC_TEST_PG#postgresql://postgres:}
export PGPASSWORD=${rest%%@*}
hostport=${rest#*@}; hostport=${hostport%%/*}
BASE="postgresql://postgres@$hostport"
url() { echo "$BASE/$1?sslmode=$2"; }
sql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$(url "$1" disable)" "${@:2}"; }

sql postgres -c 'CREATE DATABASE list' -c 'CREATE DATABASE adds'
for db in list adds; do
  U=$(url $db prefer)
  echo "$PW" | "$EPIC" --db "$U" init --name Admin --email admin@bench.test --password-stdin >/dev/null
  echo "$PW" | "$EPIC" --db "$U" login admin@bench.test --password-stdin >/dev/null
  echo "$PW" | "$EPIC" --db "$U" collaborator add --name 'Sam Sales' --email sales@bench.test \
    --department sales --password-stdin >/dev/null
done
SALES_ID=$(sql list -At -c "SELECT id FROM epic.collaborators WHERE email = 'sales@bench.test'")

echo "== 10,000 clients in 'list' (psql, one INSERT ... SELECT)"
sql list -c "INSERT INTO epic.clients (full_name, email, phone, company_name, sales_contact_id,
                                       created_at, updated_at)
             SELECT 'Client ' || i, 'client' || i || '@example.org', '+33 6 12 34 56 78',
                    'Company ' || (i % 500), $SALES_ID,
                    now() - i * interval '1 hour', now() - i * interval '1 minute'
             FROM generate_series(1, 10000) AS i" -c 'VACUUM ANALYZE'
# Listing as the admin (management sees every client).

# The query epic runs (src/store/pg/clients.rs SELECT, ORDER BY and LIMIT
# from src/store/list.rs), schema-qualified instead of epic's search_path.
Q="SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name, cl.created_at, cl.updated_at, cl.sales_contact_id, co.full_name FROM epic.clients cl JOIN epic.collaborators co ON co.id = cl.sales_contact_id ORDER BY cl.id"
hf() { local name=$1; shift; hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/json/$name.json" "$@"; }
psql_tls() { "$PSQL" -X -At -d "$(url list "$1")" -c 'SELECT coalesce((SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl), $$none$$)'; }
for mode in prefer disable; do psql_tls $mode > "$OUT/psql-tls-$mode.txt"; done

for mode in prefer disable; do
  U=$(url list $mode)
  echo "== (1) one-shot client list --limit 50, sslmode=$mode"
  hf "list50-$mode" "$PSQL -X -d $U -c '$Q LIMIT 50'" "$EPIC --db $U client list --limit 50"

  echo "== (3) 10,000-client list, sslmode=$mode"
  hf "list10k-table-$mode" "$PSQL -X -d $U -c '$Q'" "$EPIC --db $U client list"
  hf "list10k-csv-$mode" "$PSQL -X --csv -d $U -c '$Q'" "$EPIC --db $U client list --format csv"
done

echo "== (2) 10,000 client add lines vs 10,000 INSERTs"
# The sales collaborator adds the clients (only sales may).
echo "$PW" | "$EPIC" --db "$(url adds prefer)" login sales@bench.test --password-stdin >/dev/null
ADDS_SALES=$(sql adds -At -c "SELECT id FROM epic.collaborators WHERE email = 'sales@bench.test'")
for i in $(seq 1 10000); do
  echo "client add --name 'Bench Client $i' --email bench$i@example.org --phone '+33 6 12 34 56 78' --company 'Bench & Co'"
done > "$OUT/adds.epic"
# psql, autocommit: one INSERT per line, each its own transaction.
for i in $(seq 1 10000); do
  echo "INSERT INTO epic.clients (full_name, email, phone, company_name, sales_contact_id, created_at, updated_at) VALUES ('Bench Client $i', 'bench$i@example.org', '+33 6 12 34 56 78', 'Bench & Co', $ADDS_SALES, now(), now());"
done > "$OUT/adds.sql"
# For reference, not a goal: psql sending the statements epic sends for one
# `client add` (src/commands/client.rs add, src/commands/context.rs write):
# BEGIN SERIALIZABLE, re-read the account, INSERT the client, INSERT the
# audit row, read the client back with the join, COMMIT.
for i in $(seq 1 10000); do
  echo "BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT id, email, full_name, department_id, token_version, password_hash, failed_logins, locked_until FROM epic.collaborators WHERE id = $ADDS_SALES;
INSERT INTO epic.clients (full_name, email, phone, company_name, sales_contact_id, created_at, updated_at) VALUES ('Bench Client $i', 'bench$i@example.org', '+33 6 12 34 56 78', 'Bench & Co', $ADDS_SALES, now(), now()) RETURNING id;
INSERT INTO epic.audit_log (at, actor_id, action, entity, entity_id, detail) VALUES (now(), $ADDS_SALES, 'create', 'client', currval('epic.clients_id_seq'), '{\"sales_contact_id\": $ADDS_SALES}');
${Q/ ORDER BY cl.id/} WHERE cl.id = currval('epic.clients_id_seq');
COMMIT;"
done > "$OUT/adds-same-work.sql"
reset="$PSQL -X -q -d $(url adds disable) -c 'DELETE FROM epic.audit_log' -c 'DELETE FROM epic.clients' -c 'VACUUM epic.clients, epic.audit_log'"
for mode in prefer disable; do
  U=$(url adds $mode)
  hyperfine --runs "$ADD_RUNS" --prepare "$reset" --export-json "$OUT/json/adds-$mode.json" \
    "$PSQL -X -q -v ON_ERROR_STOP=1 -d $U < $OUT/adds.sql" \
    "$EPIC --db $U < $OUT/adds.epic" \
    "$PSQL -X -q -v ON_ERROR_STOP=1 -d $U < $OUT/adds-same-work.sql"
done
n=$(sql adds -At -c 'SELECT count(*) FROM epic.clients')
[[ $n == 10000 ]] || { echo "expected 10000 clients after the last run, found $n" >&2; exit 1; }

sql postgres -At -c 'SHOW server_version' > "$OUT/server-version.txt"
echo "$PSQL" > "$OUT/psql-path.txt"
python3 bench/pg_report.py "$OUT" > "$OUT/section.md"
python3 - "$OUT/section.md" <<'EOF'
import re, sys
section = open(sys.argv[1]).read().rstrip() + "\n"
text = open("BENCHMARKS.md").read() if __import__("os").path.exists("BENCHMARKS.md") else ""
begin, end = "<!-- bench/pg.sh: begin -->", "<!-- bench/pg.sh: end -->"
block = f"{begin}\n{section}{end}\n"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end) + "\n?", lambda _: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block
open("BENCHMARKS.md", "w").write(text)
EOF
echo "BENCHMARKS.md: server mode section written"
