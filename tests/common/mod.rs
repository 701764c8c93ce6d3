//! Shared helpers for the end-to-end tests: a private home for each test (data,
//! state, sessions, database) and the real `epic` binary run inside it with
//! cheap argon2 parameters.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// The variables a child keeps from this process despite `env_clear`: the
/// coverage runner's profile path (so `cargo llvm-cov` measures the spawned
/// binaries too).
pub fn inherited() -> Vec<(String, std::ffi::OsString)> {
    ["LLVM_PROFILE_FILE", "CARGO_LLVM_COV_TARGET_DIR"]
        .into_iter()
        .filter_map(|k| std::env::var_os(k).map(|v| (k.to_string(), v)))
        .collect()
}

/// The password of every account the helpers create.
pub const PASSWORD: &str = "correct horse battery";

/// A private environment: its own data directory, state directory and database.
pub struct Env {
    /// Holds the temporary directory alive.
    pub dir: TempDir,
    /// The database file (SQLite; unused on PostgreSQL).
    pub db: PathBuf,
    /// The PostgreSQL database of this test, when it runs in server mode.
    pub pg: Option<PgDatabase>,
}

impl Env {
    /// A fresh, empty environment (no database yet) on SQLite.
    pub fn new() -> Env {
        Env::on(&Backend::Sqlite)
    }

    /// A fresh, empty environment on `backend` (a new, empty PostgreSQL
    /// database of its own in server mode).
    pub fn on(backend: &Backend) -> Env {
        let dir = TempDir::new().expect("temp dir");
        let db = dir.path().join("crm.db");
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres(server) => Some(PgDatabase::create(server)),
        };
        Env { dir, db, pg }
    }

    /// True in server mode.
    pub fn is_pg(&self) -> bool {
        self.pg.is_some()
    }

    /// What `EPIC_DB` says: the file, or the PostgreSQL URL.
    pub fn db_arg(&self) -> std::ffi::OsString {
        match &self.pg {
            Some(pg) => pg.url.clone().into(),
            None => self.db.clone().into(),
        }
    }

    /// The temporary root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `$XDG_DATA_HOME/epic`.
    pub fn data_dir(&self) -> PathBuf {
        self.root().join("data").join("epic")
    }

    /// The history file the interactive shell uses.
    pub fn history(&self) -> PathBuf {
        self.root().join("state").join("epic").join("history")
    }

    /// Gives `cmd` this environment's variables and nothing else (no
    /// database chosen).
    fn isolate(&self, cmd: &mut std::process::Command) {
        cmd.env_clear()
            .envs(inherited())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root())
            .env("XDG_DATA_HOME", self.root().join("data"))
            .env("XDG_STATE_HOME", self.root().join("state"))
            .env("EPIC_ARGON2_COST", "256,1,1")
            .env("TZ", "Europe/Paris")
            .env("NO_COLOR", "1")
            .current_dir(self.root());
    }

    /// The `epic` binary, configured for this environment (no `--db` added).
    pub fn bare(&self) -> Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_epic"));
        self.isolate(&mut cmd);
        Command::from_std(cmd)
    }

    /// The `epic` binary on this environment's database.
    pub fn epic(&self) -> Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_epic"));
        self.isolate(&mut cmd);
        self.choose_db(&mut cmd);
        Command::from_std(cmd)
    }

    /// Points `cmd` at this environment's database (and, on PostgreSQL,
    /// gives it the password the way a user would: `PGPASSWORD`).
    fn choose_db(&self, cmd: &mut std::process::Command) {
        cmd.env("EPIC_DB", self.db_arg());
        if let Some(pg) = &self.pg {
            cmd.env("PGPASSWORD", &pg.password);
        }
    }

    /// Runs a one-shot command with `args` and `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.epic()
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .expect("run epic")
    }

    /// Runs `script` on stdin (script mode) with extra `args`.
    pub fn script(&self, args: &[&str], script: &str) -> Output {
        self.run(args, script)
    }

    /// `init` with a management account `admin@epic.test`.
    pub fn init(&self) {
        let out = self.run(
            &[
                "init",
                "--name",
                "Ada Admin",
                "--email",
                "admin@epic.test",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert_ok(&out);
    }

    /// Logs in as `email` (writes the session file).
    pub fn login(&self, email: &str) {
        let out = self.run(
            &["login", email, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert_ok(&out);
    }

    /// An initialised database with a management, two sales and two support
    /// accounts (admin@, sales1@, sales2@, support1@, support2@ epic.test),
    /// logged in as management.
    pub fn staffed() -> Env {
        Env::staffed_on(&Backend::Sqlite)
    }

    /// [`Env::staffed`] on `backend`.
    pub fn staffed_on(backend: &Backend) -> Env {
        let env = Env::on(backend);
        env.init();
        env.login("admin@epic.test");
        let mut script = String::new();
        for (name, email, dept) in [
            ("Bill Boquet", "sales1@epic.test", "sales"),
            ("Sam Sales", "sales2@epic.test", "sales"),
            ("Kate Hastroff", "support1@epic.test", "support"),
            ("Sue Support", "support2@epic.test", "support"),
        ] {
            script.push_str(&format!(
                "collaborator add --name '{name}' --email {email} --department {dept} --password-stdin\n{PASSWORD}\n"
            ));
        }
        assert_ok(&env.script(&[], &script));
        env
    }
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit status.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Asserts success, showing stderr otherwise.
pub fn assert_ok(out: &Output) {
    assert_eq!(
        code(out),
        0,
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

impl Env {
    /// A `std::process::Command` for `program` with this environment's
    /// variables (as [`Env::epic`] sets them), for spawning with custom pipes.
    pub fn std_command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        self.isolate(&mut cmd);
        self.choose_db(&mut cmd);
        cmd
    }

    /// The signing key: beside the database file, or this user's own key
    /// for a server, in the session folder.
    pub fn key_path(&self) -> PathBuf {
        if self.is_pg() {
            let keys: Vec<PathBuf> = std::fs::read_dir(self.sessions_dir())
                .expect("sessions dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "key"))
                .collect();
            assert_eq!(keys.len(), 1, "one server key: {keys:?}");
            return keys.into_iter().next().expect("one key");
        }
        let mut path = self.db.as_os_str().to_owned();
        path.push(".key");
        PathBuf::from(path)
    }

    /// The directory holding the session token files.
    pub fn sessions_dir(&self) -> PathBuf {
        self.data_dir().join("sessions")
    }

    /// The session token files present now.
    pub fn token_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.sessions_dir())
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "token"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// The one session token file (panics unless there is exactly one).
    pub fn token_file(&self) -> PathBuf {
        let files = self.token_files();
        assert_eq!(files.len(), 1, "token files: {files:?}");
        files.into_iter().next().expect("one file")
    }

    /// The saved session token of this environment's database.
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.token_file())
            .expect("token file")
            .trim()
            .to_string()
    }

    /// A direct connection to the database (bypassing the binary).
    pub fn db_conn(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(&self.db).expect("open db");
        c.busy_timeout(std::time::Duration::from_secs(30))
            .expect("busy timeout");
        c
    }

    /// Every row of every table, as text: equal snapshots mean nothing was
    /// written (audit log and login counters included).
    pub fn snapshot(&self) -> String {
        if self.is_pg() {
            let tables = self.sql_rows(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = 'epic' ORDER BY 1",
            );
            let mut dump = String::new();
            for t in tables {
                dump.push_str(&format!("== {}\n", t[0]));
                for row in self.sql_rows(&format!("SELECT * FROM epic.{} ORDER BY 1", t[0])) {
                    dump.push_str(&row.join("|"));
                    dump.push('\n');
                }
            }
            return dump;
        }
        let c = self.db_conn();
        let mut tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("tables")
            .query_map([], |r| r.get(0))
            .expect("tables")
            .map(|r| r.expect("name"))
            .collect();
        tables.retain(|t| !t.starts_with("sqlite_"));
        let mut dump = String::new();
        for t in tables {
            dump.push_str(&format!("== {t}\n"));
            let mut stmt = c
                .prepare(&format!("SELECT * FROM \"{t}\""))
                .expect("select");
            let n = stmt.column_count();
            let mut rows = stmt.query([]).expect("query");
            while let Some(row) = rows.next().expect("row") {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).expect("v")))
                    .collect();
                dump.push_str(&cells.join("|"));
                dump.push('\n');
            }
        }
        dump
    }

    /// Runs `args` as a one-shot command and parses its stdout as JSON
    /// (asserting success).
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args, "");
        assert_ok(&out);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&out)))
    }

    /// The ids of a `list --format json` run with `args`.
    pub fn ids(&self, args: &[&str]) -> Vec<i64> {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--format", "json"]);
        self.json(&full)
            .as_array()
            .unwrap_or_else(|| panic!("{args:?}: not an array"))
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect()
    }
}

/// The path of the `epic` binary under test.
pub fn epic_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_epic"))
}

/// Asserts the exit status, showing stdout and stderr otherwise.
pub fn assert_code(out: &Output, expected: i32) {
    assert_eq!(
        code(out),
        expected,
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

// ---------------------------------------------------------------------------
// Reliability helpers (concurrency, crash, disk): raw processes and SQL checks.

/// Texts no user may ever see: SQLite lock contention leaking out.
pub const LOCK_WORDS: [&str; 3] = ["database is locked", "busy", "SQLITE_BUSY"];

impl Env {
    /// The `epic` binary as a plain `std::process::Command` (for `spawn`,
    /// `kill` and many processes at once), same environment as [`Env::epic`].
    pub fn std_cmd(&self) -> std::process::Command {
        self.std_command(env!("CARGO_BIN_EXE_epic"))
    }

    /// Logs in as `email` and returns the saved token (for `EPIC_TOKEN`).
    pub fn token_for(&self, email: &str) -> String {
        self.login(email);
        let files = self.token_files();
        assert_eq!(files.len(), 1, "one database, one token file: {files:?}");
        std::fs::read_to_string(&files[0])
            .expect("token file")
            .trim()
            .to_string()
    }

    /// Creates a client as sales1 and a signed contract on it as admin, of
    /// `total` euros (due = total); leaves sales1 logged in. Returns the
    /// contract id.
    pub fn contract_for_sales1(&self, total: u64) -> i64 {
        self.login("sales1@epic.test");
        let out = self.run(
            &[
                "client",
                "add",
                "--name",
                "Paying Client",
                "--email",
                "payer@client.test",
            ],
            "",
        );
        assert_ok(&out);
        let client = stdout(&out).trim().to_string();
        self.login("admin@epic.test");
        let out = self.run(
            &[
                "contract",
                "add",
                "--client",
                &client,
                "--total",
                &total.to_string(),
                "--signed",
            ],
            "",
        );
        assert_ok(&out);
        let id = stdout(&out).trim().parse().expect("contract id");
        self.login("sales1@epic.test");
        id
    }

    /// A direct SQLite connection on the database (for checks).
    pub fn sql(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(&self.db).expect("open db");
        c.busy_timeout(std::time::Duration::from_secs(30))
            .expect("busy timeout");
        c
    }

    /// One integer from a query, on either backend.
    pub fn sql_i64(&self, q: &str) -> i64 {
        match &self.pg {
            Some(pg) => pg
                .client()
                .query_one(&format!("SELECT ({q})::bigint"), &[])
                .expect(q)
                .get::<_, i64>(0),
            None => self.sql().query_row(q, [], |r| r.get(0)).expect(q),
        }
    }

    /// Runs `sql` directly on the database, bypassing epic, on either
    /// backend; the error text when the database refuses.
    pub fn sql_exec(&self, sql: &str) -> Result<(), String> {
        match &self.pg {
            Some(pg) => pg.client().batch_execute(sql).map_err(|e| {
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            }),
            None => self.sql().execute_batch(sql).map_err(|e| e.to_string()),
        }
    }

    /// "ok" when the database is sound: SQLite's integrity check, and on
    /// both backends the ledger invariant (due = total − Σ ledger).
    pub fn integrity(&self) -> String {
        let mismatched = self.sql_i64(
            "SELECT count(*) FROM contracts ct
             WHERE ct.due_cents <> ct.total_cents
                 - (SELECT coalesce(sum(p.amount_cents), 0) FROM payments p
                    WHERE p.contract_id = ct.id)",
        );
        if mismatched > 0 {
            return format!("{mismatched} contracts disagree with their ledger");
        }
        if self.is_pg() {
            "ok".to_string()
        } else {
            integrity(&self.db)
        }
    }

    /// Every row of a query as text cells (NULL as `NULL`), on either backend.
    pub fn sql_rows(&self, q: &str) -> Vec<Vec<String>> {
        match &self.pg {
            Some(pg) => {
                let wrapped = format!("SELECT to_json(t) FROM ({q}) t");
                pg.client()
                    .query(&wrapped, &[])
                    .expect(q)
                    .iter()
                    .map(|r| {
                        let v: serde_json::Value = r.get(0);
                        v.as_object()
                            .expect("row")
                            .values()
                            .map(cell_text)
                            .collect()
                    })
                    .collect()
            }
            None => {
                let c = self.sql();
                let mut stmt = c.prepare(q).expect(q);
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(
                            |i| match r.get::<_, rusqlite::types::Value>(i).expect("v") {
                                rusqlite::types::Value::Null => "NULL".to_string(),
                                rusqlite::types::Value::Integer(i) => i.to_string(),
                                rusqlite::types::Value::Real(f) => f.to_string(),
                                rusqlite::types::Value::Text(t) => t,
                                rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                            },
                        )
                        .collect())
                })
                .expect(q)
                .map(|r| r.expect("row"))
                .collect()
            }
        }
    }
}

/// `PRAGMA integrity_check` of the database at `path` ("ok" when sound).
pub fn integrity(path: &Path) -> String {
    let c =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .expect("open db");
    c.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    let rows: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows.join("; ")
}

/// Panics if `text` shows SQLite lock contention.
pub fn assert_no_lock_words(text: &str) {
    for w in LOCK_WORDS {
        assert!(!text.contains(w), "a user saw {w:?}:\n{text}");
    }
}

/// True when `EPIC_HEAVY=1` asks for the full-size runs.
pub fn heavy() -> bool {
    std::env::var("EPIC_HEAVY").is_ok_and(|v| v == "1")
}

/// A tiny deterministic PRNG (xorshift64*), seeded from the clock unless
/// `EPIC_SEED` is set; the seed is printed so a failure can be replayed.
pub struct Rng(u64);

impl Rng {
    /// A generator; prints its seed.
    pub fn new(name: &str) -> Rng {
        let seed = std::env::var("EPIC_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("{name}: EPIC_SEED={seed}");
        Rng(seed)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        lo + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (hi - lo)
    }
}

/// True when running as root.
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------
// Sentry receiver, runs with extra environment, logical database dumps.
// ---------------------------------------------------------------------------

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One HTTP request received: its head (request line and headers) and body.
#[derive(Debug, Clone)]
pub struct Request {
    /// Request line and headers, as text.
    pub head: String,
    /// The body, de-chunked if it was chunked.
    pub body: Vec<u8>,
}

/// A fake Sentry server on 127.0.0.1: answers `200` to every request (or
/// never answers, see [`Receiver::silent`]) and records what it received.
pub struct Receiver {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
}

impl Receiver {
    /// A receiver that answers `200 OK` and records every request.
    pub fn start() -> Receiver {
        Receiver::spawn(true)
    }

    /// A receiver that accepts connections and never answers nor reads.
    pub fn silent() -> Receiver {
        Receiver::spawn(false)
    }

    fn spawn(answer: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (reqs, conns) = (Arc::clone(&requests), Arc::clone(&connections));
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                conns.fetch_add(1, Ordering::SeqCst);
                if answer {
                    let reqs = Arc::clone(&reqs);
                    std::thread::spawn(move || serve(stream, &reqs));
                } else {
                    held.push(stream);
                }
            }
        });
        Receiver {
            port,
            requests,
            connections,
        }
    }

    /// `http://key@127.0.0.1:PORT/1`.
    pub fn dsn(&self) -> String {
        format!("http://key@127.0.0.1:{}/1", self.port)
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    /// Every byte received (heads and bodies), for leak checks. Panics if a
    /// body is compressed: a grep through compressed bytes proves nothing.
    pub fn all_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for r in self.requests() {
            assert!(
                !r.head.to_ascii_lowercase().contains("content-encoding"),
                "compressed body: leak checks would be blind\n{}",
                r.head
            );
            all.extend_from_slice(r.head.as_bytes());
            all.extend_from_slice(&r.body);
        }
        all
    }

    /// The payloads of every `event` item of every envelope, in order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.requests()
            .iter()
            .flat_map(|r| envelope_items(&r.body))
            .filter(|(kind, _)| kind == "event")
            .map(|(_, payload)| serde_json::from_slice(&payload).expect("event payload is JSON"))
            .collect()
    }
}

/// Answers every request on one connection (keep-alive) with `200`.
fn serve(stream: TcpStream, requests: &Mutex<Vec<Request>>) {
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push_str(&line);
        }
        let lower = head.to_ascii_lowercase();
        let header = |name: &str| {
            lower
                .lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let mut body = Vec::new();
        if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
            loop {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                if reader.read_exact(&mut chunk).is_err() {
                    return;
                }
                chunk.truncate(n);
                body.extend_from_slice(&chunk);
                if n == 0 {
                    break;
                }
            }
        } else if let Some(n) = header("content-length:").and_then(|v| v.parse::<usize>().ok()) {
            body.resize(n, 0);
            if reader.read_exact(&mut body).is_err() {
                return;
            }
        }
        requests.lock().expect("lock").push(Request { head, body });
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// Splits a Sentry envelope into `(item type, payload)` pairs.
pub fn envelope_items(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut items = Vec::new();
    // Skip the envelope header line.
    let Some(nl) = body.iter().position(|&b| b == b'\n') else {
        return items;
    };
    let mut rest = &body[nl + 1..];
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let header: serde_json::Value = match serde_json::from_slice(&rest[..end]) {
            Ok(h) => h,
            Err(_) => break,
        };
        rest = &rest[(end + 1).min(rest.len())..];
        let kind = header["type"].as_str().unwrap_or_default().to_string();
        let len = match header["length"].as_u64() {
            Some(len) => len as usize,
            None => rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len()),
        };
        let len = len.min(rest.len());
        items.push((kind, rest[..len].to_vec()));
        rest = &rest[len..];
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    items
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// True if `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl Env {
    /// Runs the binary with extra environment variables, raw (possibly
    /// non-UTF-8) arguments and raw stdin.
    pub fn run_with<A: AsRef<OsStr>>(
        &self,
        envs: &[(&str, &str)],
        args: &[A],
        stdin: impl Into<Vec<u8>>,
    ) -> Output {
        let mut cmd = self.epic();
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.args(args)
            .write_stdin(stdin.into())
            .output()
            .expect("run epic")
    }
}

/// A logical dump of the database: every row of every table (schema tables
/// and `sqlite_sequence` included).
/// Opened read-only; call it only while no `epic` process runs.
pub fn dump(db: &Path) -> String {
    use rusqlite::types::ValueRef;
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open database for dump");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("list tables");
    let mut out = String::new();
    for table in tables {
        out.push_str(&format!("== {table}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..n {
                let cell = match row.get_ref(i).expect("cell") {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => format!("{b:?}"),
                };
                out.push_str(&cell);
                out.push('|');
            }
            out.push('\n');
        }
    }
    out
}

fn cell_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Server mode: the same tests on a real PostgreSQL server.

/// Where a test's database lives.
pub enum Backend {
    /// An SQLite file in the test's temporary folder.
    Sqlite,
    /// A database of its own on the server `EPIC_TEST_PG` names.
    Postgres(PgServer),
}

impl Backend {
    /// The PostgreSQL backend, or `None` (after saying the test is skipped)
    /// when `EPIC_TEST_PG` is not set. With `EPIC_TEST_PG_REQUIRED=1` (CI)
    /// a missing server fails the test instead.
    pub fn postgres(test: &str) -> Option<Backend> {
        match std::env::var("EPIC_TEST_PG") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(PgServer::parse(&url))),
            _ => {
                assert!(
                    std::env::var("EPIC_TEST_PG_REQUIRED").as_deref() != Ok("1"),
                    "{test}: EPIC_TEST_PG is not set but EPIC_TEST_PG_REQUIRED=1"
                );
                eprintln!(
                    "{test}: skipped on PostgreSQL: EPIC_TEST_PG is not set \
                     (eval \"$(scripts/pg-test-server.sh start)\" sets it)"
                );
                None
            }
        }
    }
}

/// A PostgreSQL server the tests may create databases on.
pub struct PgServer {
    /// `host:port`.
    pub host_port: String,
    /// The superuser and its password.
    pub user: String,
    /// Its password.
    pub password: String,
}

impl PgServer {
    fn parse(url: &str) -> PgServer {
        // postgresql://USER:PASSWORD@HOST:PORT/DB
        let rest = url.split_once("://").expect("EPIC_TEST_PG: a URL").1;
        let (auth, host) = rest
            .rsplit_once('@')
            .expect("EPIC_TEST_PG: user:password@host");
        let (user, password) = auth.split_once(':').expect("EPIC_TEST_PG: user:password");
        let host_port = host.split('/').next().unwrap_or(host).to_string();
        PgServer {
            host_port,
            user: user.to_string(),
            password: password.to_string(),
        }
    }

    /// A superuser connection to `db`.
    pub fn client(&self, db: &str) -> postgres::Client {
        let (host, port) = self.host_port.rsplit_once(':').expect("host:port");
        postgres::Config::new()
            .host(host)
            .port(port.parse().expect("port"))
            .user(&self.user)
            .password(&self.password)
            .dbname(db)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("EPIC_TEST_PG: cannot connect: {e}"))
    }
}

/// One test's database on the server, dropped with the test.
pub struct PgDatabase {
    /// The URL epic gets (no password in it).
    pub url: String,
    /// The password, for `PGPASSWORD`.
    pub password: String,
    name: String,
    server: PgServer,
}

impl PgDatabase {
    fn create(server: &PgServer) -> PgDatabase {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("epic_t{}_{n}_{nanos}", std::process::id());
        server
            .client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        PgDatabase {
            url: format!("postgresql://{}@{}/{name}", server.user, server.host_port),
            password: server.password.clone(),
            name,
            server: PgServer {
                host_port: server.host_port.clone(),
                user: server.user.clone(),
                password: server.password.clone(),
            },
        }
    }

    /// A plain connection to this database as `user` with `password`, as
    /// psql would make it with a collaborator's credentials.
    pub fn connect_as(&self, user: &str, password: &str) -> Result<postgres::Client, String> {
        let (host, port) = self.server.host_port.rsplit_once(':').expect("host:port");
        postgres::Config::new()
            .host(host)
            .port(port.parse().expect("port"))
            .user(user)
            .password(password)
            .dbname(&self.name)
            .connect(postgres::NoTls)
            .map_err(|e| {
                e.as_db_error()
                    .map_or(e.to_string(), |d| d.code().code().to_string())
            })
    }

    /// This database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A superuser connection to this database, on epic's schema.
    pub fn client(&self) -> postgres::Client {
        let mut c = self.server.client(&self.name);
        c.batch_execute("SET search_path = epic")
            .expect("search_path");
        c
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if std::env::var("EPIC_TEST_PG_KEEP").as_deref() == Ok("1") {
            eprintln!("kept {}", self.url);
            return;
        }
        let _ = self.server.client("postgres").batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// Defines each test twice, on SQLite and on PostgreSQL, from one body:
/// `on_both! { fn name(backend) { ... } }` makes `name::sqlite` and
/// `name::postgres` (skipped, saying so, when `EPIC_TEST_PG` is not set).
#[macro_export]
macro_rules! on_both {
    ($($(#[$meta:meta])* fn $name:ident($backend:ident) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                fn body($backend: &$crate::common::Backend) $body

                #[test]
                fn sqlite() {
                    body(&$crate::common::Backend::Sqlite);
                }

                #[test]
                fn postgres() {
                    if let Some(b) = $crate::common::Backend::postgres(concat!(
                        module_path!(),
                        "::postgres"
                    )) {
                        body(&b);
                    }
                }
            }
        )*
    };
}
