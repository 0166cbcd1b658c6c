//! Compile-time behaviour of `#[cors(...)]`: each mistake is one file under
//! `tests/ui/fail/`, named for it, whose `.stderr` is the error the
//! developer sees (on the token at fault, with the runtime's own message);
//! each routing attribute `#[cors]` works with is a program under
//! `tests/ui/pass/` that compiles and answers CORS requests.
//!
//! The same run checks `cors-actix`'s cases in `../cors-actix/tests/ui/`:
//! code moved from actix-cors 0.7, each line either compiling (deprecated
//! names, `pass/`) or failing with an error that names the fix (`fail/`).
//! They need nothing beyond this crate's dev-dependencies, and one
//! `TestCases` builds every case in one throwaway crate, compiling
//! actix-web for it once. A runner of their own in `cors-actix` would
//! compile actix-web once more, with `cors-actix`'s dev-dependencies
//! (criterion, actix-cors) unified in: about a minute more on a fresh clone
//! on two cores.
//!
//! Compilers word and lay out diagnostics differently from one release to
//! the next, so the snapshots are checked only with the toolchain they were
//! made with.

use std::path::Path;
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
    // Absent from the published `cors-macros` package, which holds this
    // crate only.
    if Path::new("../cors-actix/tests/ui").is_dir() {
        cases.compile_fail("../cors-actix/tests/ui/fail/*.rs");
        cases.pass("../cors-actix/tests/ui/pass/*.rs");
    }
}
