//! Where the PostgreSQL server is and how to reach it safely: a libpq-style
//! connection URL, completed from the `PG*` environment variables and
//! `~/.pgpass` the way `psql` does, and the TLS policy of its `sslmode`.
//!
//! * `--db postgresql://[user@]host[:port]/dbname[?sslmode=...&sslrootcert=FILE]`
//!   (also `postgres://`). A password in the URL is accepted (libpq does)
//!   but never shown; prefer `PGPASSWORD` or `~/.pgpass` (used only when it
//!   is 0600 or stricter, as libpq does).
//! * `sslmode`: `disable`, `prefer`, `require` (encrypted, server not
//!   authenticated), `verify-ca` (its certificate chains to `sslrootcert`),
//!   `verify-full` (and names the host). Unlike libpq, the default is
//!   `verify-full` for every server that is not on this machine: a password
//!   exchange with an unauthenticated remote server is refused unless
//!   `sslmode=require` (or weaker) says so. On a Unix socket or a loopback
//!   address the default stays libpq's `prefer`.
//! * `connect_timeout` (seconds) defaults to 5, so an unreachable server
//!   fails fast instead of hanging a shell.

use std::fmt;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode as DriverSslMode};
use r2d2_postgres::PostgresConnectionManager;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// Seconds a connection attempt may take when the URL does not say.
const DEFAULT_CONNECT_TIMEOUT: u64 = 5;

/// True for a PostgreSQL URL.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// How much of the server TLS must prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS if the server offers it, unauthenticated.
    Prefer,
    /// TLS, unauthenticated (unless a root certificate is given).
    Require,
    /// TLS, the certificate chains to the root certificate.
    VerifyCa,
    /// TLS, the certificate chains to the root and names the host.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::invalid(
                    "sslmode",
                    format!(
                        "'{}' is not one of disable, prefer, require, verify-ca, verify-full",
                        other.escape_debug()
                    ),
                ));
            }
        })
    }

    /// The libpq name.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL server to connect to, with credentials and TLS policy.
#[derive(Clone)]
pub struct Target {
    config: postgres::Config,
    ssl: SslMode,
    root_cert: Option<PathBuf>,
    /// `postgresql://user@host:port/dbname`: never a password.
    pub display: String,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("server", &self.display)
            .field("sslmode", &self.ssl)
            .finish()
    }
}

/// The environment a target is completed from (tests pass their own).
pub trait Env {
    /// The variable's value, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Target {
    /// Parses a URL, completed from the process environment.
    pub fn parse(url: &str) -> Result<Target> {
        Target::parse_with(url, &ProcessEnv)
    }

    /// Parses a URL, completed from `env`.
    pub fn parse_with(url: &str, env: &dyn Env) -> Result<Target> {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        // Our own parameters; the rest goes to the driver's parser.
        let mut ssl = env.var("PGSSLMODE");
        let mut root_cert = env.var("PGSSLROOTCERT");
        let mut passfile = env.var("PGPASSFILE");
        let mut timeout_given = false;
        let mut passed = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| Error::invalid("--db", format!("{key}: not valid UTF-8")))?
                .into_owned();
            match key {
                "sslmode" => ssl = Some(decoded),
                "sslrootcert" => root_cert = Some(decoded),
                "passfile" => passfile = Some(decoded),
                "password" => {
                    return Err(Error::invalid(
                        "--db",
                        "a password in the URL would show in `ps` and the shell history; \
                         use PGPASSWORD or ~/.pgpass",
                    ));
                }
                _ => {
                    timeout_given |= key == "connect_timeout";
                    passed.push(pair);
                }
            }
        }
        // The driver fills in 5432 for a host without a port; PGPORT must
        // win over that default, so it goes into the URL first.
        let pgport = match env.var("PGPORT") {
            Some(p) => Some(p.parse::<u16>().map_err(|_| {
                Error::invalid("PGPORT", format!("'{}' is not a port", p.escape_debug()))
            })?),
            None => None,
        };
        let base = match pgport {
            Some(port) => with_default_port(base, port),
            None => base.to_string(),
        };
        let rebuilt = if passed.is_empty() {
            base.clone()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| {
            Error::invalid(
                "--db",
                format!("not a PostgreSQL URL ({})", driver_reason(&e)),
            )
        })?;
        if config.get_password().is_some() {
            return Err(Error::invalid(
                "--db",
                "a password in the URL would show in `ps` and the shell history; \
                 use PGPASSWORD or ~/.pgpass",
            ));
        }
        if config.get_hosts().is_empty() {
            match env.var("PGHOST") {
                Some(h) => {
                    config.host(&h);
                }
                None => {
                    config.host("localhost");
                }
            }
        }
        if config.get_ports().is_empty()
            && let Some(port) = pgport
        {
            config.port(port);
        }
        if config.get_user().is_none() {
            let user = env
                .var("PGUSER")
                .or_else(|| env.var("USER"))
                .or_else(|| env.var("LOGNAME"))
                .unwrap_or_else(|| "postgres".to_string());
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            let db = env
                .var("PGDATABASE")
                .or_else(|| config.get_user().map(str::to_string))
                .unwrap_or_default();
            config.dbname(&db);
        }
        if !timeout_given {
            let secs = match env.var("PGCONNECT_TIMEOUT") {
                Some(s) => s.parse().map_err(|_| {
                    Error::invalid("PGCONNECT_TIMEOUT", "not a whole number of seconds")
                })?,
                None => DEFAULT_CONNECT_TIMEOUT,
            };
            config.connect_timeout(Duration::from_secs(secs.max(1)));
        }
        if config.get_application_name().is_none() {
            config.application_name("epic");
        }
        let local = config.get_hosts().iter().all(is_local);
        let defaulted = ssl.is_none();
        let ssl = match ssl {
            Some(s) => SslMode::parse(&s)?,
            None if local => SslMode::Prefer,
            None => SslMode::VerifyFull,
        };
        let root_cert = root_cert.map(PathBuf::from).or_else(|| {
            let home = env.var("HOME")?;
            let default = Path::new(&home).join(".postgresql/root.crt");
            default.exists().then_some(default)
        });
        if matches!(ssl, SslMode::VerifyCa | SslMode::VerifyFull) && root_cert.is_none() {
            let why = if defaulted {
                "a server on another machine must prove who it is (sslmode=verify-full by \
                 default), which needs the certificate of the CA that signed the server's"
                    .to_string()
            } else {
                format!(
                    "{} needs the certificate of the CA that signed the server's",
                    ssl.as_str()
                )
            };
            return Err(Error::invalid(
                "sslmode",
                format!(
                    "{why}: give sslrootcert=FILE (or PGSSLROOTCERT){}",
                    if local {
                        ""
                    } else {
                        ", or sslmode=require to encrypt without authenticating the server"
                    }
                ),
            ));
        }
        config.ssl_mode(match ssl {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        let display = display(&config);
        if config.get_password().is_none()
            && let Some(pw) = env.var("PGPASSWORD").or_else(|| {
                let file = passfile
                    .map(PathBuf::from)
                    .or_else(|| env.var("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
                pgpass_lookup(&file, &config)
            })
        {
            config.password(pw);
        }
        Ok(Target {
            config,
            ssl,
            root_cert,
            display,
        })
    }

    /// The same server and database, logged in as `user` with `password`
    /// (a collaborator's role, or a session's).
    pub fn as_role(&self, user: &str, password: &[u8]) -> Target {
        let mut t = self.clone();
        t.config.user(user);
        t.config.password(password);
        t
    }

    /// The database's name.
    pub fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or_default()
    }

    /// The login role of the collaborator with this email in this database:
    /// the same name `epic.role_of_email` gives, so `login` needs no lookup.
    pub fn role_of_email(&self, email: &str) -> String {
        crate::store::pg::roles::of_email(self.dbname(), email)
    }

    /// The TLS mode in force.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl
    }

    /// The connection manager, with the TLS policy of `sslmode`.
    pub fn manager(&self) -> Result<PostgresConnectionManager<MakeRustlsConnect>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match (&self.root_cert, self.ssl) {
            (_, SslMode::Disable) | (None, SslMode::Prefer | SslMode::Require) => {
                Arc::new(Unauthenticated(provider.clone()))
            }
            (Some(file), mode) => {
                let roots = Arc::new(load_roots(file)?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(|e| Error::invalid("sslrootcert", e.to_string()))?;
                if mode == SslMode::VerifyFull {
                    webpki
                } else {
                    // libpq: with a root certificate, require means verify-ca.
                    Arc::new(ChainOnly(webpki))
                }
            }
            (None, SslMode::VerifyCa | SslMode::VerifyFull) => {
                return Err(Error::internal("verify mode without a root certificate"));
            }
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::internal(format!("TLS set-up: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(PostgresConnectionManager::new(
            self.config.clone(),
            MakeRustlsConnect::new(tls),
        ))
    }

    /// The libpq variables naming this server, for `pg_dump`.
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        let c = &self.config;
        let mut env = Vec::new();
        if let Some(host) = c.get_hosts().first() {
            env.push(("PGHOST".into(), host_text(host)));
        }
        if let Some(port) = c.get_ports().first() {
            env.push(("PGPORT".into(), port.to_string()));
        }
        if let Some(user) = c.get_user() {
            env.push(("PGUSER".into(), user.to_string()));
        }
        if let Some(db) = c.get_dbname() {
            env.push(("PGDATABASE".into(), db.to_string()));
        }
        if let Some(pw) = c.get_password() {
            env.push((
                "PGPASSWORD".into(),
                String::from_utf8_lossy(pw).into_owned(),
            ));
        }
        env.push(("PGSSLMODE".into(), self.ssl.as_str().into()));
        if let Some(root) = &self.root_cert {
            env.push(("PGSSLROOTCERT".into(), root.display().to_string()));
        }
        if let Some(t) = c.get_connect_timeout() {
            env.push(("PGCONNECT_TIMEOUT".into(), t.as_secs().to_string()));
        }
        env
    }
}

/// The URL with `:port` added to each of its hosts that has none.
fn with_default_port(base: &str, port: u16) -> String {
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (user, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    if hosts.is_empty() {
        return base.to_string();
    }
    let hosts: Vec<String> = hosts
        .split(',')
        .map(|h| {
            if h.rsplit_once(']')
                .map_or(h, |(_, after)| after)
                .contains(':')
            {
                h.to_string()
            } else {
                format!("{h}:{port}")
            }
        })
        .collect();
    format!("{scheme}://{user}{}{path}", hosts.join(","))
}

fn driver_reason(e: &postgres::Error) -> String {
    std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string())
}

fn host_text(h: &Host) -> String {
    match h {
        Host::Tcp(name) => name.clone(),
        Host::Unix(path) => path.display().to_string(),
    }
}

fn is_local(h: &Host) -> bool {
    match h {
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
    }
}

fn display(c: &postgres::Config) -> String {
    let host = c.get_hosts().first().map(host_text).unwrap_or_default();
    let host = if host.contains(':') && !host.starts_with('/') {
        format!("[{host}]")
    } else {
        host
    };
    let port = c
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "postgresql://{}@{host}{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// The password `~/.pgpass` holds for this server, as libpq reads it:
/// `host:port:database:user:password` lines, `*` matching anything, `\`
/// escaping `:` and `\`. A file readable by group or others is ignored (and
/// said so), as libpq does.
fn pgpass_lookup(file: &Path, c: &postgres::Config) -> Option<String> {
    let meta = std::fs::symlink_metadata(file).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.mode() & 0o077 != 0 {
        eprintln!(
            "warning: {} is readable by others; ignored (fix: chmod 600 {})",
            file.display(),
            file.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let host = c.get_hosts().first().map(host_text).unwrap_or_default();
    let host = if host.starts_with('/') {
        "localhost".to_string()
    } else {
        host
    };
    let port = c.get_ports().first().copied().unwrap_or(5432).to_string();
    let want = [
        host.as_str(),
        port.as_str(),
        c.get_dbname().unwrap_or(""),
        c.get_user().unwrap_or(""),
    ];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(want)
            .all(|(field, want)| field == "*" || field == want)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => {
                if let Some(f) = fields.last_mut() {
                    f.push(ch);
                }
            }
        }
    }
    fields
}

fn load_roots(file: &Path) -> Result<RootCertStore> {
    let bad = |why: String| Error::invalid("sslrootcert", format!("{}: {why}", file.display()));
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file).map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    Ok(roots)
}

/// `require` without a root certificate (libpq's meaning): the channel is
/// encrypted and the handshake signature is checked, but any certificate is
/// accepted, so the server is not authenticated.
#[derive(Debug)]
struct Unauthenticated(Arc<CryptoProvider>);

impl ServerCertVerifier for Unauthenticated {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the certificate must chain to the root; its names are not
/// checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Vars(HashMap<&'static str, String>);

    impl Env for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
    }

    fn vars(pairs: &[(&'static str, &str)]) -> Vars {
        Vars(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    #[test]
    fn urls_are_completed_from_the_environment_and_never_show_a_password() {
        let t = Target::parse_with(
            "postgresql://db.example.com/crm?sslmode=require",
            &vars(&[
                ("PGUSER", "maud"),
                ("PGPASSWORD", "s3cret"),
                ("PGPORT", "6543"),
            ]),
        )
        .unwrap();
        assert_eq!(t.display, "postgresql://maud@db.example.com:6543/crm");
        assert!(!format!("{t:?}").contains("s3cret"));
        assert_eq!(t.ssl_mode(), SslMode::Require);
        let env = t.libpq_env();
        assert!(env.contains(&("PGPASSWORD".into(), "s3cret".into())));
        assert!(env.contains(&("PGCONNECT_TIMEOUT".into(), "5".into())));
        assert!(t.manager().is_ok());
    }

    #[test]
    fn a_remote_server_is_authenticated_unless_the_url_says_otherwise() {
        let err = Target::parse_with("postgresql://u@db.example.com/crm", &vars(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sslmode") && err.contains("sslrootcert"),
            "{err}"
        );
        let local = Target::parse_with("postgresql://u@127.0.0.1:5432/crm", &vars(&[])).unwrap();
        assert_eq!(local.ssl_mode(), SslMode::Prefer);
        let err = Target::parse_with("postgresql://u@h/crm?sslmode=sometimes", &vars(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("sslmode:") || err.contains("sslmode"),
            "{err}"
        );
    }

    #[test]
    fn a_password_in_the_url_is_refused() {
        for url in [
            "postgresql://u:pw@127.0.0.1/crm",
            "postgresql://u@127.0.0.1/crm?password=pw",
        ] {
            let err = Target::parse_with(url, &vars(&[])).unwrap_err().to_string();
            assert!(err.contains("PGPASSWORD"), "{err}");
            assert!(!err.contains("pw@") && !err.contains("=pw"), "{err}");
        }
    }

    #[test]
    fn pgpass_is_read_only_when_private() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:*:nope\n127.0.0.1:5433:crm:maud:pa\\:ss\n*:*:*:*:fallback\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let env = vars(&[("PGPASSFILE", file.to_str().unwrap())]);
        let t = Target::parse_with("postgresql://maud@127.0.0.1:5433/crm", &env).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"pa:ss"[..]));
        let t = Target::parse_with("postgresql://ada@127.0.0.1:5433/crm", &env).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"fallback"[..]));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = Target::parse_with("postgresql://maud@127.0.0.1:5433/crm", &env).unwrap();
        assert_eq!(t.config.get_password(), None);
    }

    #[test]
    fn a_root_certificate_must_hold_certificates() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("root.crt");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let url = format!(
            "postgresql://u@db.example.com/crm?sslmode=verify-full&sslrootcert={}",
            file.display()
        );
        let t = Target::parse_with(&url, &vars(&[])).unwrap();
        let err = t.manager().err().unwrap().to_string();
        assert!(err.starts_with("sslrootcert:"), "{err}");
    }
}
