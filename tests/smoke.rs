//! The smallest end-to-end check: init, login, whoami through the real binary.
mod common;
use common::*;

#[test]
fn init_login_whoami() {
    let env = Env::staffed();
    let out = env.run(&["whoami", "--help"], "");
    assert_ok(&out);
    let out = env.run(&["whoami"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("admin@epic.test"));
    let out = env.run(&["collaborator", "list", "--format", "csv"], "");
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 6);
}
