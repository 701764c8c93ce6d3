//! AMOUNT parsing: never a panic; an accepted amount prints and re-parses to itself.
#![no_main]
use epic::domain::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(m) = Money::parse("amount", s)
    {
        assert_eq!(Money::parse("amount", &m.to_string()).unwrap(), m);
    }
});
