//! Launching WebKitGTK's `MiniBrowser` (Debian's `libwebkit2gtk-4.1-0`,
//! pulled in by `webkit2gtk-driver`) on the test page, under its own `Xvfb`.
//!
//! The page drives itself (see the harness docs), so MiniBrowser only has to
//! open one URL; `WebKitWebDriver` is not needed. Its automation session
//! would not see network events anyway: requests are counted on the
//! servers, for every engine alike.
//!
//! Outside connections: `--proxy=http://127.0.0.1:9` (the discard port,
//! nothing listens) with `--ignore-host` for `127.0.0.1` and `localhost`
//! sends every
//! non-loopback URL to a dead loopback proxy, so neither a request nor a DNS
//! query for it leaves the machine; `--enable-dns-prefetching=false` stops
//! speculative lookups; `--private` keeps all website data in memory.
//! WebKitGTK has no update, telemetry or Safe Browsing service to switch
//! off.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::{spawn_logged, Running};

/// Flags every MiniBrowser run gets.
pub(super) const FLAGS: &[&str] = &[
    "--private",
    "--proxy=http://127.0.0.1:9",
    // One host per flag: a comma-separated list is taken as one (unmatched)
    // host, and then the page itself goes to the dead proxy.
    "--ignore-host=127.0.0.1",
    "--ignore-host=localhost",
    "--enable-dns-prefetching=false",
    "--enable-page-cache=false",
    // Console messages (CORS failure reasons among them) go to the log.
    "--enable-write-console-messages-to-stdout=true",
];

/// How long Xvfb gets to create its socket.
const XVFB_START: Duration = Duration::from_secs(10);

/// Starts Xvfb on a free display, then MiniBrowser on `url` in it;
/// `extra_args` are more MiniBrowser arguments.
pub(super) fn launch(
    binary: &Path,
    xvfb: &Path,
    scratch: &Path,
    log: &Path,
    extra_args: &[&str],
    url: &str,
) -> Running {
    let mut running = Running::default();
    let display = start_xvfb(xvfb, &mut running);
    let home = scratch.join("home");
    std::fs::create_dir(&home).expect("create MiniBrowser home directory");

    let mut command = Command::new(binary);
    command
        .args(FLAGS)
        .args(extra_args)
        .arg(url)
        .env("DISPLAY", format!(":{display}"))
        .env_remove("WAYLAND_DISPLAY")
        .env("GDK_BACKEND", "x11")
        // No accessibility bus, no session bus, software rendering.
        .env("NO_AT_BRIDGE", "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "disabled:")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", &home);
    running.push("minibrowser", spawn_logged(&mut command, log));
    running
}

/// Starts `Xvfb :N` for the first free `N` from a per-process base and
/// returns `N`. A display is free when Xvfb can take its lock file; if it
/// cannot, Xvfb exits at once and the next number is tried.
fn start_xvfb(xvfb: &Path, running: &mut Running) -> u32 {
    let base = 100 + std::process::id() % 400;
    for display in base..base + 50 {
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{display}"));
        let lock = PathBuf::from(format!("/tmp/.X{display}-lock"));
        if socket.exists() || lock.exists() {
            continue;
        }
        let mut child = Command::new(xvfb)
            .arg(format!(":{display}"))
            .args(["-nolisten", "tcp", "-screen", "0", "1024x768x24"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start Xvfb at {}: {e}", xvfb.display()));
        let until = Instant::now() + XVFB_START;
        loop {
            if socket.exists() {
                running.push("xvfb", child);
                return display;
            }
            if matches!(child.try_wait(), Ok(Some(_))) || Instant::now() >= until {
                // Lost a race for this display (or Xvfb is stuck): next one.
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("no free X display for Xvfb in :{base}..:{}", base + 50);
}
