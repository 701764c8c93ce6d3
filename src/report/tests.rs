//! End-to-end tests against a real HTTP listener on 127.0.0.1: no internet,
//! the real transport, the real scrubbing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::error::Error;

/// Tests that bind a client run one at a time: the panic hook and the
/// process hub are global.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` on a fresh hub of its own, so a client bound by one test is never
/// seen by another.
fn on_own_hub<R>(f: impl FnOnce() -> R) -> R {
    let hub = sentry::Hub::new(None, Arc::new(sentry::Scope::default()));
    sentry::Hub::run(Arc::new(hub), f)
}

fn dsn(port: u16) -> Option<String> {
    Some(format!("http://key@127.0.0.1:{port}/1"))
}

type Bodies = Arc<Mutex<Vec<Vec<u8>>>>;

/// A listener that answers every request `200` and records its body.
fn answering_server() -> (u16, Bodies) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let bodies = Bodies::default();
    let recorded = Arc::clone(&bodies);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let recorded = Arc::clone(&recorded);
            thread::spawn(move || serve(stream, &recorded));
        }
    });
    (port, bodies)
}

/// One keep-alive connection: read each request, record its body, answer 200.
fn serve(stream: TcpStream, bodies: &Bodies) -> Option<()> {
    let mut writer = stream.try_clone().ok()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        bodies.lock().unwrap().push(body);
        writer
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .ok()?;
    }
}

/// A listener that accepts connections and never reads nor answers.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

fn sample_events() -> Vec<BusinessEvent> {
    vec![
        BusinessEvent::CollaboratorCreated {
            id: 11,
            department: "sales",
            actor_id: 7,
        },
        BusinessEvent::CollaboratorUpdated {
            id: 11,
            department: "support",
            previous_department: "sales",
            fields: vec!["department", "email"],
            actor_id: 7,
        },
        BusinessEvent::CollaboratorDeleted {
            id: 11,
            department: "support",
            actor_id: 7,
        },
        BusinessEvent::ContractSigned {
            id: 3,
            client_id: 5,
            sales_contact_id: 11,
            total_cents: 1_250_000,
            due_cents: 5,
            actor_id: 7,
        },
    ]
}

const PASSWORD: &str = "Canary-Pw-4821";
const EMAIL: &str = "canary.person@example.org";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJlLWNhbmFyeS0xMjM0NQ";

#[test]
fn events_errors_and_panics_reach_the_server_scrubbed() {
    let _serial = serial();
    let (port, bodies) = answering_server();
    on_own_hub(|| {
        let reporter = init_with(dsn(port), Some("test".into()));
        assert!(reporter.enabled());
        set_command("collaborator update", Some("management"));
        sample_events().into_iter().for_each(business);
        report_error(&Error::internal(format!(
            "boom: password={PASSWORD} user {EMAIL} token {JWT}"
        )));
        report_error(&Error::invalid("email", "user-mistake-canary"));
        let panicked = std::panic::catch_unwind(|| {
            panic!("panic-canary --password {PASSWORD} for {EMAIL}");
        });
        assert!(panicked.is_err());
        reporter.flush();
    });
    let bodies = bodies.lock().unwrap();
    let all = String::from_utf8_lossy(&bodies.concat()).into_owned();
    for expected in [
        "collaborator.created",
        "collaborator.updated",
        "collaborator.deleted",
        "contract.signed",
        r#""command":"collaborator update""#,
        r#""department":"management""#,
        r#""collaborator_department":"support""#,
        r#""previous_department":"sales""#,
        r#""actor_id":"7""#,
        r#""contract_id":"3""#,
        r#""total":"12500.00""#,
        r#""due":"0.05""#,
        r#""fields":["department","email"]"#,
        "boom: password=[redacted]",
        "panic-canary --password [redacted]",
        concat!("epic@", env!("CARGO_PKG_VERSION")),
        r#""environment":"test""#,
    ] {
        assert!(all.contains(expected), "missing {expected}");
    }
    for leak in [PASSWORD, EMAIL, JWT, "user-mistake-canary", "server_name"] {
        assert!(!all.contains(leak), "{leak} reached the server");
    }
}

#[test]
fn a_silent_server_delays_exit_by_less_than_three_seconds() {
    let _serial = serial();
    let port = silent_server();
    for events in [1, 10] {
        let start = Instant::now();
        on_own_hub(|| {
            let reporter = init_with(dsn(port), None);
            for _ in 0..events {
                business(sample_events().remove(0));
            }
            reporter.flush();
        });
        let took = start.elapsed();
        assert!(took < Duration::from_secs(3), "{events} events: {took:?}");
    }
}

#[test]
fn a_closed_port_costs_nothing() {
    let _serial = serial();
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let start = Instant::now();
    on_own_hub(|| {
        let reporter = init_with(dsn(port), None);
        business(sample_events().remove(0));
        report_error(&Error::internal("x"));
        reporter.flush();
    });
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn no_or_bad_dsn_disables_reporting() {
    let _serial = serial();
    on_own_hub(|| {
        for dsn in [None, Some(""), Some("   "), Some("not a dsn")] {
            let reporter = init_with(dsn.map(str::to_owned), None);
            assert!(!reporter.enabled(), "{dsn:?}");
            assert!(!active());
            // All no-ops, and instant.
            set_command("client add", None);
            business(sample_events().remove(0));
            report_error(&Error::internal("x"));
            reporter.flush();
        }
    });
}

#[test]
fn money_is_a_plain_two_decimal_string() {
    assert_eq!(money(1_250_000), "12500.00");
    assert_eq!(money(5), "0.05");
    assert_eq!(money(0), "0.00");
    assert_eq!(money(-150), "-1.50");
}
