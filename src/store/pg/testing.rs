//! A real PostgreSQL server for the in-module tests: `EPIC_TEST_PG` names a
//! superuser URL (`scripts/pg-test-server.sh start` prints one); each test
//! gets databases of its own, dropped when the handle is.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use super::target::{Env, Target};

/// The server, or `None` after saying that `test` is skipped on
/// PostgreSQL. With `EPIC_TEST_PG_REQUIRED=1` (CI) a missing server fails.
pub fn server(test: &str) -> Option<Server> {
    match std::env::var("EPIC_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(Server::parse(&url)),
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

/// A server the tests may create databases on.
#[derive(Clone)]
pub struct Server {
    host: String,
    port: u16,
    user: String,
    password: String,
}

struct Vars(HashMap<&'static str, String>);

impl Env for Vars {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

impl Server {
    fn parse(url: &str) -> Server {
        let rest = url.split_once("://").expect("EPIC_TEST_PG: a URL").1;
        let (auth, host) = rest
            .rsplit_once('@')
            .expect("EPIC_TEST_PG: user:password@host");
        let (user, password) = auth.split_once(':').expect("EPIC_TEST_PG: user:password");
        let host_port = host.split('/').next().unwrap_or(host);
        let (host, port) = host_port.rsplit_once(':').expect("EPIC_TEST_PG: host:port");
        Server {
            host: host.to_string(),
            port: port.parse().expect("EPIC_TEST_PG: port"),
            user: user.to_string(),
            password: password.to_string(),
        }
    }

    /// A superuser connection to `db`.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .password(&self.password)
            .dbname(db)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("EPIC_TEST_PG: cannot connect: {e}"))
    }

    /// A new empty database (a copy of `template` when given).
    pub fn create(&self, template: Option<&str>) -> Database {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("epic_u{}_{n}_{nanos}", std::process::id());
        let sql = match template {
            // FILE_COPY: a fifth of the time of the default WAL_LOG here.
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t} STRATEGY FILE_COPY"),
            None => format!("CREATE DATABASE {name}"),
        };
        self.client("postgres")
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        Database {
            name,
            server: self.clone(),
        }
    }
}

/// One test database, dropped with the handle.
pub struct Database {
    /// Its name.
    pub name: String,
    server: Server,
}

impl Database {
    /// Where epic finds it: the URL, completed with the password as
    /// `PGPASSWORD` would give it.
    pub fn target(&self) -> crate::store::Target {
        let url = format!(
            "postgresql://{}@{}:{}/{}?sslmode=disable",
            self.server.user, self.server.host, self.server.port, self.name
        );
        let vars = Vars(HashMap::from([(
            "PGPASSWORD",
            self.server.password.clone(),
        )]));
        crate::store::Target::Postgres(Box::new(
            Target::parse_with(&url, &vars).expect("test target"),
        ))
    }

    /// A superuser connection to it, on epic's schema.
    pub fn client(&self) -> postgres::Client {
        let mut c = self.server.client(&self.name);
        c.batch_execute("SET search_path = epic")
            .expect("search_path");
        c
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.server.client("postgres").batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
