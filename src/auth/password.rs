//! Passwords: the policy for new ones, hidden prompts, and argon2id hashing.

use std::fmt;
use std::io::{BufRead, Read};
use std::sync::{Arc, OnceLock};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Shortest new password, in characters (NIST SP 800-63B asks for 8; we ask
/// more because nothing else rate-limits an offline attack on a copied file).
const MIN_CHARS: usize = 12;
/// Least zxcvbn score of a new password: 3 is "safely unguessable" (about
/// 10^10 guesses), what NIST's check against common and context-specific
/// passwords asks for.
const MIN_SCORE: u8 = 3;
/// Words of this service that no password should be built from.
const SERVICE_WORDS: [&str; 4] = ["epic", "epicevents", "epic events", "crm"];
/// Longest password, in bytes: long passphrases are welcome, megabytes are not.
const MAX_BYTES: usize = 1024;
/// Most bytes `read_password_line` reads before giving up on finding a newline.
const MAX_LINE: u64 = 4096;

/// Ceilings on the parameters `verify` accepts from a stored PHC string: the
/// hash comes from a database file that any staff member can edit, and a
/// crafted `m=4000000` must not make a login allocate gigabytes.
const MAX_M_KIB: u32 = 256 * 1024;
const MAX_T: u32 = 16;
const MAX_P: u32 = 16;

/// A password in memory. Its `Debug` never shows it, and its bytes are
/// overwritten when it is dropped.
pub struct Password(String);

impl Password {
    /// A new password (account creation, password change), checked against
    /// the policy of NIST SP 800-63B: at least 12 characters, at most 1024
    /// bytes, no control characters, and not guessable — zxcvbn scores it
    /// against common passwords, dictionary words, keyboard patterns and
    /// `user_inputs` (the account's email and name) plus this service's own
    /// words. No composition rules. Errors name the field `password` and
    /// say why.
    pub fn new(s: String, user_inputs: &[&str]) -> Result<Password> {
        // Wrap first so that `s` is zeroized even when it is refused.
        let p = Password(s);
        if p.0.chars().count() < MIN_CHARS {
            return Err(Error::invalid(
                "password",
                format!("must be at least {MIN_CHARS} characters"),
            ));
        }
        if p.0.len() > MAX_BYTES {
            return Err(Error::invalid(
                "password",
                format!("must be at most {MAX_BYTES} bytes"),
            ));
        }
        if p.0.chars().any(char::is_control) {
            return Err(Error::invalid(
                "password",
                "must not contain control characters",
            ));
        }
        p.check_strength(user_inputs)?;
        Ok(p)
    }

    fn check_strength(&self, user_inputs: &[&str]) -> Result<()> {
        let mut words: Vec<String> = SERVICE_WORDS.iter().map(|w| w.to_string()).collect();
        for input in user_inputs {
            let input = input.trim().to_lowercase();
            // The email whole, its parts, and each word of a name.
            words.extend(
                input
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 3)
                    .map(str::to_string),
            );
            words.push(input);
        }
        // What is left once the context words are taken out must be strong
        // by itself: "Boquet!Bill!2026" is no stronger than "!!2026" to
        // whoever knows Bill Boquet.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let mut rest = self.0.to_lowercase();
        for w in &words {
            if w.chars().count() >= 3 {
                rest = rest.replace(w.as_str(), "");
            }
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(&rest, &words);
        let rest = Password(rest); // zeroized on drop
        if rest.0.is_empty() {
            return Err(Error::invalid(
                "password",
                "too easy to guess (it is made of your name, your email or this service's name)",
            ));
        }
        if u8::from(estimate.score()) >= MIN_SCORE {
            return Ok(());
        }
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| w.to_string().trim_end_matches('.').to_lowercase());
        Err(Error::invalid(
            "password",
            match why {
                Some(why) => {
                    format!("too easy to guess ({why}); a few uncommon words make a strong one")
                }
                None => "too easy to guess (it is built on your name, your email or this \
                         service's name); a few uncommon words make a strong one"
                    .to_string(),
            },
        ))
    }

    /// A password being verified (login): no policy check, since an old
    /// account may predate the policy and refusing says something about it.
    pub fn any(s: String) -> Password {
        Password(s)
    }

    /// The password text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Fails early, with the advice scripts need, when there is no terminal:
/// the prompt reads `/dev/tty`, never a piped stdin.
fn require_terminal() -> Result<()> {
    super::tty::open_terminal().map(|_| ())
}

fn prompt(text: &str) -> Result<Password> {
    super::tty::prompt(text)
}

/// Asks twice for a new password on the terminal, without echo; the entries
/// must match and pass [`Password::new`] with `user_inputs`.
pub fn read_new_password(prompt_text: &str, user_inputs: &[&str]) -> Result<Password> {
    require_terminal()?;
    let first = prompt(prompt_text)?;
    let second = prompt("again: ")?;
    if first.expose() != second.expose() {
        return Err(Error::invalid("password", "the two entries differ"));
    }
    Password::new(first.expose().to_owned(), user_inputs)
}

/// Asks once for a password on the terminal, without echo (login).
pub fn read_password(prompt_text: &str) -> Result<Password> {
    require_terminal()?;
    prompt(prompt_text)
}

/// Reads one line from `reader` (`--password-stdin`), without its trailing
/// `\n` or `\r\n`. With `new` (the account's email and name), the line
/// must pass [`Password::new`].
pub fn read_password_line(reader: &mut impl BufRead, new: Option<&[&str]>) -> Result<Password> {
    let mut line = Password::any(String::new());
    let n = reader
        .take(MAX_LINE)
        .read_line(&mut line.0)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Error::invalid("password", "not valid UTF-8"),
            _ => Error::io("reading the password from stdin", e),
        })?;
    if n == 0 {
        return Err(Error::invalid("password", "nothing on stdin"));
    }
    if !line.0.ends_with('\n') && n as u64 == MAX_LINE {
        return Err(Error::invalid("password", "line too long"));
    }
    // `truncate` keeps the buffer, so the stripped bytes are zeroized on drop.
    if line.0.ends_with('\n') {
        line.0.truncate(line.0.len() - 1);
        if line.0.ends_with('\r') {
            line.0.truncate(line.0.len() - 1);
        }
    }
    match new {
        Some(inputs) => Password::new(line.expose().to_owned(), inputs),
        None => Ok(line),
    }
}

/// Argon2id with fixed parameters. Cloning shares the lazily computed dummy
/// hash used by [`Hasher::verify_dummy`].
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    dummy: Arc<OnceLock<String>>,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        write!(
            f,
            "Hasher(argon2id m={} t={} p={})",
            p.m_cost(),
            p.t_cost(),
            p.p_cost()
        )
    }
}

impl Hasher {
    /// OWASP's recommendation: Argon2id, m = 19456 KiB, t = 2, p = 1.
    pub fn owasp() -> Hasher {
        Hasher::from_params(Params::DEFAULT)
    }

    /// Argon2id with explicit costs (memory in KiB, iterations, lanes).
    /// Meant for tests; refuses costs below argon2's minimums.
    pub fn with_params(m_kib: u32, t: u32, p: u32) -> Result<Hasher> {
        Params::new(m_kib, t, p, None)
            .map(Hasher::from_params)
            .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))
    }

    /// [`Hasher::owasp`], except that debug builds honour
    /// `EPIC_ARGON2_COST="m,t,p"` so that test suites can log in quickly.
    /// Release builds ignore the variable: nobody can weaken production
    /// hashes through the environment.
    pub fn from_env() -> Hasher {
        if cfg!(debug_assertions)
            && let Ok(v) = std::env::var("EPIC_ARGON2_COST")
            && let Some(h) = parse_cost(&v)
        {
            return h;
        }
        Hasher::owasp()
    }

    fn from_params(params: Params) -> Hasher {
        Hasher {
            params,
            dummy: Arc::new(OnceLock::new()),
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string (`$argon2id$v=19$m=...`) of `p`, with a random 16-byte
    /// salt from the OS RNG.
    pub fn hash(&self, p: &Password) -> Result<String> {
        self.argon2()
            .hash_password(p.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("hashing a password: {e}")))
    }

    /// Whether `p` matches the PHC string `phc`, computed with the parameters
    /// stored in the string. False on a mismatch, an unparsable string, an
    /// algorithm other than argon2id, or costs above sane ceilings.
    pub fn verify(&self, phc: &str, p: &Password) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        if parsed.algorithm != argon2::ARGON2ID_IDENT {
            return false;
        }
        match Params::try_from(&parsed) {
            Ok(q) if q.m_cost() <= MAX_M_KIB && q.t_cost() <= MAX_T && q.p_cost() <= MAX_P => {}
            _ => return false,
        }
        self.argon2()
            .verify_password(p.expose().as_bytes(), &parsed)
            .is_ok()
    }

    /// Spends the time of one [`Hasher::verify`] against a hash made with
    /// these parameters, and discards the result: a login for an unknown
    /// email then takes as long as a wrong password, and does not reveal
    /// which emails have accounts.
    pub fn verify_dummy(&self, p: &Password) {
        let _ = self.verify(self.dummy_hash(), p);
    }

    /// Computes the dummy hash now, outside any timing an attacker sees:
    /// call it before every login, so that the first unknown email of a
    /// process does not pay for a hash on top of the verify.
    pub fn prepare_dummy(&self) {
        let _ = self.dummy_hash();
    }

    fn dummy_hash(&self) -> &str {
        self.dummy.get_or_init(|| {
            // For the release parameters, a hash made once offline: a login
            // then costs one verify, not a hash plus a verify. (Any valid
            // hash of these costs takes the same time to check; the result
            // is discarded.)
            if self.params == Params::DEFAULT {
                return OWASP_DUMMY.to_string();
            }
            // A fixed salt is fine here (nothing is protected by this hash)
            // and spares the OS RNG; it can only fail on invalid parameters,
            // which `Params` has already refused.
            self.argon2()
                .hash_password_with_salt(b"epic-dummy-password", b"epic-dummy-salt!")
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
    }
}

/// An argon2id hash with the OWASP parameters of [`Hasher::owasp`].
const OWASP_DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$VgRnarjEOiWpFC3M+Pu1Kw$qHTUOGvfG9UjEaH3DA00mJHCFevCi8A6pOFx45DRDYs";

/// Parses `"m,t,p"`; `None` when malformed or below argon2's minimums.
fn parse_cost(v: &str) -> Option<Hasher> {
    let mut it = v.split(',').map(|x| x.trim().parse::<u32>().ok());
    let (m, t, p) = (it.next()??, it.next()??, it.next()??);
    if it.next().is_some() {
        return None;
    }
    Hasher::with_params(m, t, p).ok()
}

#[cfg(test)]
mod tests;
