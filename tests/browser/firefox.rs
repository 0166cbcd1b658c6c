//! Launching headless Firefox (Debian's `firefox-esr`) on the test page.
//!
//! The page drives itself (see the harness docs), so Firefox only has to
//! open one URL: no geckodriver, no WebDriver BiDi session.
//!
//! Outside connections, three layers:
//!
//! 1. `MOZ_DISABLE_NONLOCAL_CONNECTIONS=1` in Firefox's environment: its
//!    socket layer refuses (and aborts the browser on) any connection to a
//!    non-loopback address, so a leak fails the run loudly.
//! 2. A manual proxy at `127.0.0.1:9` (the discard port, nothing listens):
//!    every non-loopback `http`/`https` URL goes there instead of being
//!    resolved, so not even a DNS query leaves; loopback hosts are never
//!    proxied (`network.proxy.allow_hijacking_localhost` stays `false`).
//! 3. [`PREFS`] in a fresh profile's `user.js` switch off everything that
//!    calls home on its own: updates, telemetry and data reporting, captive
//!    portal and connectivity checks, DNS over HTTPS (`network.trr.mode` 5),
//!    DNS and link prefetch, speculative connections, Safe Browsing, Remote
//!    Settings, add-on and plugin updates, first-run pages.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::{spawn_logged, Running};

/// Preferences written to the fresh profile's `user.js`, as
/// `(name, JavaScript literal)`.
pub(super) const PREFS: &[(&str, &str)] = &[
    // First run and start-up pages.
    ("browser.shell.checkDefaultBrowser", "false"),
    ("browser.startup.homepage_override.mstone", "\"ignore\""),
    ("browser.startup.page", "0"),
    ("startup.homepage_welcome_url", "\"\""),
    ("startup.homepage_welcome_url.additional", "\"\""),
    ("browser.aboutwelcome.enabled", "false"),
    ("datareporting.policy.firstRunURL", "\"\""),
    ("browser.tabs.warnOnClose", "false"),
    // Updates (application, add-ons, system add-ons, media plugins).
    ("app.update.disabledForTesting", "true"),
    ("app.update.auto", "false"),
    ("extensions.update.enabled", "false"),
    ("extensions.getAddons.cache.enabled", "false"),
    ("extensions.systemAddon.update.enabled", "false"),
    ("extensions.blocklist.enabled", "false"),
    ("media.gmp-manager.updateEnabled", "false"),
    ("browser.search.update", "false"),
    // Telemetry, studies, data reporting.
    ("toolkit.telemetry.enabled", "false"),
    ("toolkit.telemetry.unified", "false"),
    ("toolkit.telemetry.archive.enabled", "false"),
    ("toolkit.telemetry.server", "\"\""),
    ("toolkit.telemetry.reportingpolicy.firstRun", "false"),
    ("datareporting.healthreport.uploadEnabled", "false"),
    ("datareporting.policy.dataSubmissionEnabled", "false"),
    ("app.normandy.enabled", "false"),
    ("app.shield.optoutstudies.enabled", "false"),
    // Network checks Firefox makes by itself.
    ("network.captive-portal-service.enabled", "false"),
    ("network.connectivity-service.enabled", "false"),
    ("network.trr.mode", "5"),
    ("network.dns.disablePrefetch", "true"),
    ("network.prefetch-next", "false"),
    ("network.predictor.enabled", "false"),
    ("network.http.speculative-parallel-limit", "0"),
    ("browser.urlbar.speculativeConnect.enabled", "false"),
    ("network.http.http3.enable", "false"),
    ("geo.provider.network.url", "\"\""),
    ("browser.region.network.url", "\"\""),
    ("browser.region.update.enabled", "false"),
    // Safe Browsing and Remote Settings (blocklists, CRLite, ...).
    ("browser.safebrowsing.malware.enabled", "false"),
    ("browser.safebrowsing.phishing.enabled", "false"),
    ("browser.safebrowsing.downloads.enabled", "false"),
    ("browser.safebrowsing.blockedURIs.enabled", "false"),
    ("browser.safebrowsing.update.enabled", "false"),
    ("services.settings.server", "\"http://127.0.0.1:9/v1\""),
    ("security.remote_settings.crlite_filters.enabled", "false"),
    ("security.OCSP.enabled", "0"),
    ("identity.fxaccounts.enabled", "false"),
    ("browser.newtabpage.enabled", "false"),
    // Everything that still tries goes to a dead loopback proxy.
    ("network.proxy.type", "1"),
    ("network.proxy.http", "\"127.0.0.1\""),
    ("network.proxy.http_port", "9"),
    ("network.proxy.ssl", "\"127.0.0.1\""),
    ("network.proxy.ssl_port", "9"),
    ("network.proxy.share_proxy_settings", "true"),
    ("network.proxy.allow_hijacking_localhost", "false"),
    // The page closes its own window when done, which ends Firefox.
    ("dom.allow_scripts_to_close_windows", "true"),
    // Console messages (CORS failure reasons among them) go to the log.
    ("devtools.console.stdout.content", "true"),
];

/// Starts Firefox on `url` with a fresh profile under `scratch`;
/// `extra_prefs` are more `(name, literal)` preferences for `user.js`.
pub(super) fn launch(
    binary: &Path,
    scratch: &Path,
    log: &Path,
    extra_prefs: &[(&str, &str)],
    url: &str,
) -> Running {
    let profile = scratch.join("profile");
    let home = scratch.join("home");
    std::fs::create_dir(&profile).expect("create Firefox profile directory");
    std::fs::create_dir(&home).expect("create Firefox home directory");
    let mut user_js = String::new();
    for (name, value) in PREFS.iter().chain(extra_prefs) {
        let _ = writeln!(user_js, "user_pref({name:?}, {value});");
    }
    std::fs::write(profile.join("user.js"), user_js).expect("write Firefox user.js");

    let mut command = Command::new(binary);
    command
        .args(["--headless", "--no-remote", "--profile"])
        .arg(&profile)
        .arg(url)
        .env("MOZ_DISABLE_NONLOCAL_CONNECTIONS", "1")
        .env("MOZ_CRASHREPORTER_DISABLE", "1")
        .env("MOZ_HEADLESS", "1")
        // Keep the real home directory (and its caches) out of the run.
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    let mut running = Running::default();
    running.push("firefox", spawn_logged(&mut command, log));
    running
}
