//! Issue 12, items 5–8: output that cannot hurt a terminal or a spreadsheet,
//! text without invisible characters, and `-f FILE` reading passwords from
//! the script as `epic < FILE` does.
mod common;

use common::*;

/// A staffed environment logged in as `sales1@epic.test`.
fn sales() -> Env {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    env
}

/// Adds a client as the logged-in sales rep; returns its id.
fn add_client(env: &Env, name: &str, email: &str) -> i64 {
    let out = env.run(&["client", "add", "--name", name, "--email", email], "");
    assert_ok(&out);
    stdout(&out).trim().parse().expect("client id")
}

// ---- Item 7: invisible characters in text input ----

#[test]
fn invisible_characters_are_refused_naming_field_and_code_point() {
    let env = sales();
    let before = env.snapshot();
    let chars = [
        0x00AD, 0x200E, 0x200F, 0x061C, 0x180E, 0x2061, 0x3164, 0x115F, 0x1160, 0xFFA0, 0x2800,
        0xE0041, 0x034F, 0x200B, 0x202E, 0xE000, 0x2028,
    ];
    for cp in chars {
        let c = char::from_u32(cp).unwrap();
        for flag in ["--name", "--company"] {
            let name = if flag == "--name" {
                format!("Ke{c}vin")
            } else {
                "Kevin".to_string()
            };
            let mut args = vec!["client", "add", "--name", &name, "--email", "k@x.io"];
            let company = format!("Cool{c} LLC");
            if flag == "--company" {
                args.extend(["--company", &company]);
            }
            let out = env.run(&args, "");
            assert_code(&out, 5);
            assert_eq!(
                stderr(&out),
                format!(
                    "error: {}: invisible character U+{cp:04X} is not allowed\n",
                    flag.trim_start_matches('-')
                ),
            );
        }
    }
    assert_eq!(env.snapshot(), before, "a refused value wrote something");
}

#[test]
fn legitimate_text_is_accepted_and_stored_nfc() {
    let env = sales();
    let names = [
        ("Zoë 李 مريم", "Zoë 李 مريم"),
        ("東京 太郎", "東京 太郎"),
        ("Team 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️", "Team 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️"),
        // Decomposed input is stored composed (NFC).
        ("Rene\u{301} A\u{30A}se", "Ren\u{E9} \u{C5}se"),
    ];
    for (i, (input, stored)) in names.into_iter().enumerate() {
        let id = add_client(&env, input, &format!("c{i}@x.io"));
        let got: String = env
            .sql()
            .query_row("select full_name from clients where id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(got, stored);
    }
}
