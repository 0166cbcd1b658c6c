//! Compile-time behaviour of `#[cors(...)]`: each mistake is one file under
//! `tests/ui/fail/`, named for it, whose `.stderr` is the error the
//! developer sees (on the token at fault, with the runtime's own message);
//! each routing attribute `#[cors]` works with is a program under
//! `tests/ui/pass/` that compiles and answers CORS requests.
//!
//! Compilers word and lay out diagnostics differently from one release to
//! the next, so the snapshots are checked only with the toolchain they were
//! made with.

use std::process::Command;

/// `rustc -V` of the toolchain the `.stderr` snapshots were made with.
const SNAPSHOT_TOOLCHAIN: &str = "rustc 1.95.0 ";

#[test]
fn ui() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(SNAPSHOT_TOOLCHAIN) {
        eprintln!(
            "skipping the UI snapshots: they were made with `{}`, this is `{}`",
            SNAPSHOT_TOOLCHAIN.trim(),
            version.trim()
        );
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
