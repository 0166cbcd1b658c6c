//! Code moved from actix-cors 0.7: each builder line either compiles with
//! the same meaning (`tests/ui/pass/`, deprecated names with a warning
//! naming the new one) or fails with an error naming the replacement
//! (`tests/ui/fail/`, one mistake per file, the `.stderr` being what the
//! developer sees). See `src/migration.rs` for how each is done and
//! `docs/migration-from-actix-cors.md` for the guide.
//!
//! Compilers word and lay out diagnostics differently from one release to
//! the next, so the snapshots are checked only with the toolchain they were
//! made with.

use std::process::Command;

/// `rustc -V` of the toolchain the `.stderr` snapshots were made with.
const SNAPSHOT_TOOLCHAIN: &str = "rustc 1.95.0 ";

#[test]
fn migration_from_actix_cors() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(SNAPSHOT_TOOLCHAIN) {
        eprintln!(
            "skipping the migration UI snapshots: they were made with `{}`, this is `{}`",
            SNAPSHOT_TOOLCHAIN.trim(),
            version.trim()
        );
        return;
    }
    // One `TestCases`: trybuild builds every case in one crate, so the
    // dependencies are compiled once for passes and failures alike.
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
