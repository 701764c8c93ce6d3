#!/usr/bin/env bash
# Benchmarks epic side by side with the sqlite3 CLI and a raw rusqlite
# program, and regenerates BENCHMARKS.md. Takes about 5-10 minutes here.
#
#   bench/run.sh            full run (10k and 1M datasets)
#   bench/run.sh --quick    fewer runs, 100k events instead of 1M
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
need sqlite3 sqlite3
[[ -x /usr/bin/time ]] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --quiet --bin epic --example generate --example raw_inserts
EPIC=$PWD/target/release/epic
GEN=$PWD/target/release/examples/generate
RAW=$PWD/target/release/examples/raw_inserts
OUT=$PWD/bench/out
rm -rf "$OUT" && mkdir -p "$OUT/json"
export XDG_DATA_HOME=$OUT/data XDG_STATE_HOME=$OUT/state NO_COLOR=1 TZ=Europe/Paris
unset SENTRY_DSN EPIC_DB EPIC_TOKEN
PW=benchmark-password
BIG_EVENTS=1000000; BIG_CLIENTS=200000; RUNS=30; READ_RUNS=10
if (( QUICK )); then BIG_EVENTS=100000; BIG_CLIENTS=20000; RUNS=10; READ_RUNS=3; fi

login() { echo "$PW" | "$EPIC" --db "$1" login "$2" --password-stdin >/dev/null; }

echo "== datasets"
"$GEN" --db "$OUT/empty.db" --clients 0 --events 0 2>&1
"$GEN" --db "$OUT/10k.db" --clients 10000 --events 10000 2>&1
GEN_START=$(date +%s.%N)
"$GEN" --db "$OUT/1m.db" --clients "$BIG_CLIENTS" --events "$BIG_EVENTS" 2>&1 | tee "$OUT/generate-1m.txt"
GEN_SECONDS=$(echo "$(date +%s.%N) - $GEN_START" | bc)
echo "$GEN_SECONDS" > "$OUT/generate-1m.seconds"
login "$OUT/empty.db" admin@bench.test
login "$OUT/10k.db" admin@bench.test
login "$OUT/1m.db" admin@bench.test
cp "$OUT/10k.db" "$OUT/add-base.db"; cp "$OUT/10k.db.key" "$OUT/add.db.key"

Q10K="SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name, cl.created_at, cl.updated_at, cl.sales_contact_id, co.full_name AS sales_contact FROM clients cl JOIN collaborators co ON co.id = cl.sales_contact_id ORDER BY cl.id"

hf() { local name=$1; shift; hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/json/$name.json" "$@"; }

echo "== (a) start-up: one authenticated command on an empty database"
hf a "$EPIC --db $OUT/empty.db client list --limit 1" "$EPIC --help" \
     "sqlite3 $OUT/empty.db 'SELECT * FROM clients LIMIT 1'"

echo "== (b) 10,000 clients"
hf b-table "$EPIC --db $OUT/10k.db client list" "sqlite3 -box $OUT/10k.db '$Q10K'"
hf b-json "$EPIC --db $OUT/10k.db client list --format json" "sqlite3 -json $OUT/10k.db '$Q10K'"
hf b-csv "$EPIC --db $OUT/10k.db client list --format csv" "sqlite3 -csv -header $OUT/10k.db '$Q10K'"

echo "== (c) filtered lists at $BIG_EVENTS events"
hf c "$EPIC --db $OUT/1m.db contract list --unsigned --limit 50" \
     "$EPIC --db $OUT/1m.db event list --unassigned --limit 50" \
     "$EPIC --db $OUT/1m.db event list --upcoming --limit 50" \
     "$EPIC --db $OUT/1m.db event list --support support3@bench.test --limit 50"

echo "== (d) one client add"
# A logged-in copy of the 10k database, restored before each run (not timed),
# so every run adds the same client.
cp "$OUT/10k.db" "$OUT/one-base.db"; cp "$OUT/10k.db.key" "$OUT/one-base.db.key"
login "$OUT/one-base.db" sales1@bench.test
cp "$OUT/one-base.db.key" "$OUT/one.db.key"
restore="rm -f $OUT/one.db-wal $OUT/one.db-shm; cp $OUT/one-base.db $OUT/one.db"
sh -c "$restore"; login "$OUT/one.db" sales1@bench.test
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/json/d.json" --prepare "sh -c \"$restore\"" \
  "$EPIC --db $OUT/one.db client add --name 'Kevin Casey' --email kevin@startup.io --phone '+678 123 456 78' --company 'Cool Startup LLC'"

echo "== (e) 10,000 client add lines as a script vs raw rusqlite"
for i in $(seq 1 10000); do
  echo "client add --name 'Bench Client $i' --email bench$i@example.org --phone '+33 6 12 34 56 78' --company 'Bench & Co'"
done > "$OUT/adds.epic"
prep="rm -f $OUT/add.db-wal $OUT/add.db-shm; cp $OUT/add-base.db $OUT/add.db"
cp "$OUT/add-base.db" "$OUT/add.db"; login "$OUT/add.db" sales1@bench.test
hyperfine --runs 3 --export-json "$OUT/json/e.json" --prepare "$prep" \
  "$EPIC --db $OUT/add.db -f $OUT/adds.epic" "$RAW $OUT/add.db 10000"

echo "== (f) login (argon2id, OWASP parameters)"
hyperfine --warmup 2 --runs "$RUNS" --export-json "$OUT/json/f.json" \
  "echo $PW | $EPIC --db $OUT/10k.db login admin@bench.test --password-stdin"

echo "== (g) peak memory, 10,000-client list"
for fmt in table json csv; do
  /usr/bin/time -v "$EPIC" --db "$OUT/10k.db" client list --format $fmt 2>"$OUT/mem-$fmt.txt" >/dev/null
done
/usr/bin/time -v sqlite3 -box "$OUT/10k.db" "$Q10K" 2>"$OUT/mem-sqlite3.txt" >/dev/null

echo "== (h) in-session latency: 10,000 read lines in one process, epic vs sqlite3"
# A copy of the 10k database with a support collaborator's session (who has
# events of their own for --mine), so that the other sections keep admin.
cp "$OUT/10k.db" "$OUT/reads.db"; cp "$OUT/10k.db.key" "$OUT/reads.db.key"
login "$OUT/reads.db" support3@bench.test
# The same rows and shown columns as epic's `client show` (a vertical
# record: sqlite3's line mode) and `event list --mine --limit 20` (a table:
# box mode), dates formatted in local time as epic shows them.
when() { echo "strftime('%Y-%m-%d %H:%M', $1, 'unixepoch', 'localtime')"; }
QSHOW="SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name, $(when cl.created_at) AS created_at, $(when cl.updated_at) AS updated_at, cl.sales_contact_id, co.full_name AS sales_contact FROM clients cl JOIN collaborators co ON co.id = cl.sales_contact_id WHERE cl.id ="
QMINE="SELECT ev.id, ev.contract_id, ev.name, cl.full_name AS client_name, $(when ev.start_at) AS start, $(when ev.end_at) AS end, su.full_name AS support_contact, ev.location, ev.attendees FROM events ev JOIN contracts ct ON ct.id = ev.contract_id JOIN clients cl ON cl.id = ct.client_id LEFT JOIN collaborators su ON su.id = ev.support_contact_id WHERE ev.support_contact_id = (SELECT id FROM collaborators WHERE email = 'support3@bench.test') ORDER BY ev.id LIMIT 20"
: > "$OUT/reads.epic"; : > "$OUT/reads.sql"
for i in $(seq 0 4999); do
  n=$(( (i * 7919) % 10000 + 1 ))
  printf 'client show %d\nevent list --mine --limit 20\n' "$n" >> "$OUT/reads.epic"
  printf '.mode line\n%s %d;\n.mode box\n%s;\n' "$QSHOW" "$n" "$QMINE" >> "$OUT/reads.sql"
done
hyperfine --warmup 1 --runs "$READ_RUNS" --export-json "$OUT/json/h.json" \
  "$EPIC --db $OUT/reads.db -f $OUT/reads.epic" "sqlite3 $OUT/reads.db -init /dev/null -batch < $OUT/reads.sql"

python3 bench/report.py "$OUT" > "$OUT/BENCHMARKS.md" && mv "$OUT/BENCHMARKS.md" BENCHMARKS.md
echo "BENCHMARKS.md written"
