//! WHEN parsing (local and RFC 3339 forms): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = epic::domain::when::parse_when("start", s);
    }
});
