//! Phone parsing: never a panic; parsing is idempotent.
#![no_main]
use epic::domain::Phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(p) = Phone::parse("phone", s)
    {
        assert_eq!(Phone::parse("phone", p.as_str()).unwrap(), p);
    }
});
