//! Launching headless Chromium (Debian's `chromium`) on the test page.
//!
//! Outside connections: `--host-resolver-rules` maps every host name except
//! `localhost` and `127.0.0.1` to `NOTFOUND`, so no request (and no DNS
//! lookup) can leave the machine whatever a page or a background service
//! asks for; the `--disable-*` flags keep the background services from
//! trying in the first place, and `--no-proxy-server` keeps a system proxy
//! out of the way. The profile is a fresh `--user-data-dir`.

use std::path::Path;
use std::process::Command;

use super::{spawn_logged, Running};

/// Flags every Chromium run gets.
pub(super) const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--enable-logging=stderr",
];

/// Starts Chromium on `url` with a fresh profile under `scratch`;
/// `extra_args` are more command-line flags.
pub(super) fn launch(
    binary: &Path,
    scratch: &Path,
    log: &Path,
    extra_args: &[&str],
    url: &str,
) -> Running {
    let profile = scratch.join("profile");
    std::fs::create_dir(&profile).expect("create Chromium profile directory");
    let mut command = Command::new(binary);
    command
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra_args)
        .arg(url);
    let mut running = Running::default();
    running.push("chromium", spawn_logged(&mut command, log));
    running
}
