//! Reading back the medians criterion saved, so a bench can print the ratio
//! tables of `BENCHMARKS.md` after its run. Shared by `cors-core`'s and
//! `cors-actix`'s benches (included with `#[path]`; not a bench itself).

use std::path::PathBuf;

/// Where criterion saved its figures (its own search order, minus `cargo metadata`).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // Both crates sit one level below the workspace's `target`.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

/// The median, in nanoseconds, of one benchmark of this run.
pub(crate) fn median(group: &str, function: &str) -> Option<f64> {
    let path = criterion_home()
        .join(group.replace('/', "_"))
        .join(function)
        .join("new/estimates.json");
    let json = std::fs::read_to_string(path).ok()?;
    let median = &json[json.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}
