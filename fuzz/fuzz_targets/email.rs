//! Email parsing: never a panic; parsing is idempotent.
#![no_main]
use epic::domain::Email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(e) = Email::parse("email", s)
    {
        assert_eq!(Email::parse("email", e.as_str()).unwrap(), e);
    }
});
