//! The shell/script line parser: any UTF-8 line parses to a command, help,
//! nothing, or an error — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        let _ = epic::commands::parse_line(line);
    }
});
