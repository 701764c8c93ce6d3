//! Free text (names, notes): never a panic; what is accepted holds no
//! control character and re-parses to itself.
#![no_main]
use epic::domain::Text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(t) = Text::parse("name", s, 200) {
            assert!(!t.as_str().chars().any(char::is_control));
            assert_eq!(Text::parse("name", t.as_str(), 200).unwrap(), t);
        }
        let _ = Text::parse_multiline("notes", s, 5000);
    }
});
