//! The `epic` binary: pick the mode, run, exit with the mapped status.

fn main() {
    let reporter = epic::report::init();
    let code = epic::shell::run(std::env::args_os());
    reporter.flush();
    std::process::exit(code);
}
