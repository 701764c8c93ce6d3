#!/usr/bin/env bash
# `epic client import` of 100,000 clients against sqlite3's `.import` of
# the same rows into the same `clients` table, in one hyperfine run.
#
#   bench/import.sh [ROWS]      (default 100000; RUNS=5 runs each)
#
# Writes its section of BENCHMARKS.md (between its begin/end markers).
#
# Both start from the same freshly generated database (staff, no clients),
# copied anew before every run. The two files hold the same rows in the
# table's column order (id, full_name, email, phone, company_name,
# sales_contact_id, created_at, updated_at); they differ only in how the
# two timestamps are written: RFC 3339 for epic (what `client list --format
# csv` prints), unix seconds for sqlite3 (the STRICT table stores integers
# and `.import` converts nothing). epic ignores `id` (new ids are given).
#
# epic runs with every check in force: logged in as management (the
# session, account and permission checked), each row through `client add`'s
# validators, the sales contact looked up, duplicates searched in the file
# and in the database, one audit row per client, one IMMEDIATE transaction
# with synchronous=FULL. sqlite3 only inserts (the schema's CHECKs, UNIQUE
# and foreign keys still apply to both).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-100000}
RUNS=${RUNS:-5}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }

cargo build --release --locked --quiet --bin epic --example generate
EPIC=$PWD/target/release/epic
GEN=$PWD/target/release/examples/generate
OUT=$PWD/bench/out/import
rm -rf "$OUT" && mkdir -p "$OUT"
export XDG_DATA_HOME=$OUT/data XDG_STATE_HOME=$OUT/state NO_COLOR=1 TZ=Europe/Paris
unset SENTRY_DSN EPIC_DB EPIC_TOKEN
PW=benchmark-password

"$GEN" --db "$OUT/base.db" --clients 0 --events 0 >/dev/null 2>&1
SALES=$(sqlite3 "$OUT/base.db" "SELECT id FROM collaborators WHERE email = 'sales1@bench.test'")

python3 - "$ROWS" "$SALES" "$OUT" <<'PY'
import csv, datetime, sys
rows, sales, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
header = ["id", "full_name", "email", "phone", "company_name", "sales_contact_id",
          "created_at", "updated_at"]
base = 1_600_000_000
utc = datetime.timezone.utc
with open(f"{out}/clients.csv", "w", newline="") as e, \
     open(f"{out}/clients-sqlite.csv", "w", newline="") as s:
    we, ws = csv.writer(e), csv.writer(s)
    we.writerow(header); ws.writerow(header)
    for i in range(1, rows + 1):
        created, updated = base + i * 60, base + i * 60 + 86_400
        common = [i, f"Import Client {i}", f"import{i}@example.org", "+33 6 12 34 56 78",
                  f"Company {i % 997} SARL", sales]
        iso = lambda t: datetime.datetime.fromtimestamp(t, utc).isoformat()
        we.writerow(common + [iso(created), iso(updated)])
        ws.writerow(common + [created, updated])
PY

cp "$OUT/base.db" "$OUT/run.db"
cp "$OUT/base.db.key" "$OUT/run.db.key"
echo "$PW" | "$EPIC" --db "$OUT/run.db" login admin@bench.test --password-stdin >/dev/null
prep="rm -f $OUT/run.db-wal $OUT/run.db-shm; cp $OUT/base.db $OUT/run.db"

# Once each, checked: both load every row.
sh -c "$prep"
"$EPIC" --db "$OUT/run.db" client import "$OUT/clients.csv"
test "$(sqlite3 "$OUT/run.db" 'SELECT count(*) FROM clients')" = "$ROWS"
test "$(sqlite3 "$OUT/run.db" "SELECT count(*) FROM audit_log WHERE entity = 'client'")" = "$ROWS"
sh -c "$prep"
sqlite3 "$OUT/run.db" ".import --csv --skip 1 $OUT/clients-sqlite.csv clients"
test "$(sqlite3 "$OUT/run.db" 'SELECT count(*) FROM clients')" = "$ROWS"

hyperfine -N --runs "$RUNS" --prepare "sh -c '$prep'" --export-json "$OUT/import.json" \
  "$EPIC --db $OUT/run.db client import $OUT/clients.csv" \
  "sqlite3 $OUT/run.db '.import --csv --skip 1 $OUT/clients-sqlite.csv clients'"

python3 - "$OUT/import.json" "$ROWS" "$RUNS" > "$OUT/section.md" <<'PY'
import json, subprocess, sys
runs = json.load(open(sys.argv[1]))["results"]
rows, n = int(sys.argv[2]), int(sys.argv[3])
epic, base = runs[0]["median"], runs[1]["median"]
def fmt(s): return f"{s:.2f} s" if s >= 1 else f"{s * 1000:.0f} ms"
version = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split(" ")[0]
ratio = epic / base
print(f"""## Client import: {rows:,} clients against sqlite3 `.import`

`bench/import.sh` (regenerates this section): one CSV file of {rows:,}
clients, imported into a fresh copy of the same staffed, empty database
({n} runs each, the copy made before every run). epic runs with every check
in force: logged in as management, the session, account and permission
checked; every row through `client add`'s validators (name, email, phone,
company, both timestamps parsed); the sales contact looked up; duplicate
emails searched in the file and in the database; one audit row per client;
all in one IMMEDIATE transaction with `synchronous=FULL`. sqlite3 {version}
only inserts the rows (the schema's CHECKs, UNIQUE index and foreign key
apply to both). The two files hold the same rows in the table's column
order and differ only in the timestamps: RFC 3339 for epic (as `client
list --format csv` writes them), unix seconds for sqlite3 (the STRICT table
stores integers and `.import` converts nothing).

| command | median | min | max | ratio |
|---|---|---|---|---|""")
for r, name in zip(runs, ["`epic --db run.db client import clients.csv`",
                          "`sqlite3 run.db '.import --csv --skip 1 clients-sqlite.csv clients'`"]):
    print(f"| {name} | {fmt(r['median'])} | {fmt(r['min'])} | {fmt(r['max'])} | {r['median'] / base:.2f}× |")
verdict = "**Met**" if ratio <= 3 else "**Not met**"
print(f"""
Target: ≤ 3× sqlite3. {verdict}: {ratio:.2f}×. Per row: {epic / rows * 1e6:.1f} µs for epic,
{base / rows * 1e6:.1f} µs for sqlite3.""")
PY
cat "$OUT/section.md"
python3 - "$OUT/section.md" <<'PY'
import os, re, sys
section = open(sys.argv[1]).read().rstrip() + "\n"
text = open("BENCHMARKS.md").read() if os.path.exists("BENCHMARKS.md") else ""
begin, end = "<!-- bench/import.sh: begin -->", "<!-- bench/import.sh: end -->"
block = f"{begin}\n{section}{end}\n"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end) + "\n?", lambda _: block, text, flags=re.S)
elif "<!-- bench/pg.sh: begin -->" in text:
    text = text.replace("<!-- bench/pg.sh: begin -->", block + "\n<!-- bench/pg.sh: begin -->", 1)
else:
    text = text.rstrip() + "\n\n" + block
open("BENCHMARKS.md", "w").write(text)
PY
echo "BENCHMARKS.md: client import section written"
