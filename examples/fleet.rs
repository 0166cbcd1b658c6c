//! A fleet: several processes of one app (replicas behind a load balancer)
//! share their allowed origins through a store they all read, the one the
//! app already runs, instead of a sync of their own. Each process asks the
//! store about an origin its static list refuses (`allowed_origin_async`)
//! and remembers the answer for `FLEET_ORIGIN_TTL_SECS`, so an origin added
//! to or removed from the store reaches every process within that time, and
//! the store sees about one query per origin per process per time-to-live
//! (more only while requests for an origin not yet answered arrive at once).
//!
//! ```sh
//! # SQLite (the default, `sqlite://fleet.db` in the working directory):
//! # several processes on one machine, nothing to install.
//! PORT=8081 cargo run --example fleet &
//! PORT=8082 cargo run --example fleet &
//! cargo run --example fleet -- add-origin https://tenant.example.com
//! curl -si -H 'Origin: https://tenant.example.com' http://127.0.0.1:8082/api/data
//!
//! # Redis: processes on any number of machines. The origins are the set
//! # `cors:origins`, which `redis-cli SADD cors:origins …` changes as well.
//! export FLEET_STORE=redis://127.0.0.1:6379/
//! PORT=8081 cargo run --example fleet &
//! cargo run --example fleet -- add-origin https://tenant.example.com
//! cargo run --example fleet -- remove-origin https://tenant.example.com
//! ```
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `FLEET_STORE` | `sqlite://relative/file.db`, `sqlite:///absolute/file.db` or `redis://host:port/db` | `sqlite://fleet.db` |
//! | `FLEET_ORIGIN_TTL_SECS` | how long an answer of the store is trusted | `5` (the library's default is 60) |
//! | `CORS_ALLOWED_ORIGINS` | comma-separated origins allowed without asking the store | none |
//! | `PORT` | the port on 127.0.0.1; `0` picks a free one | `8080` |
//!
//! The server prints `listening on http://127.0.0.1:PORT` on standard output
//! once it accepts connections; logs go to standard error.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use cors_actix::{Cors, OriginCheckConfig};

/// The Redis set holding the shared origins.
pub const REDIS_KEY: &str = "cors:origins";

/// The SQLite table holding the shared origins.
const SQLITE_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS cors_origins (origin TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID";

/// The longest a lookup may take: past it the origin is refused (and the
/// refusal remembered like any answer), so a slow store never holds a
/// request for long.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(1);

/// Where the fleet's origins live.
#[derive(Clone)]
pub enum Store {
    /// One connection per process; SQLite's own locking lets several
    /// processes read while one writes.
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    /// A connection multiplexed over every worker, reconnecting by itself.
    Redis(redis::aio::ConnectionManager),
}

impl Store {
    /// Opens the store named by `url` (`sqlite://…` or `redis://…`).
    pub async fn open(url: &str) -> Result<Store, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(format!(
                    "`{url}` names no file; write `sqlite://fleet.db` or `sqlite:///var/lib/app/fleet.db`"
                ));
            }
            open_sqlite(path)
                .map(|conn| Store::Sqlite(Arc::new(Mutex::new(conn))))
                .map_err(|e| format!("cannot open the SQLite store `{path}`: {e}"))
        } else if url.starts_with("redis://") || url.starts_with("redis+unix://") {
            let client =
                redis::Client::open(url).map_err(|e| format!("invalid Redis URL `{url}`: {e}"))?;
            // Bounded waits: a store that is down costs a request at most
            // about `LOOKUP_TIMEOUT`, and reconnection goes on in the background.
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(LOOKUP_TIMEOUT))
                .set_response_timeout(Some(LOOKUP_TIMEOUT))
                .set_number_of_retries(2);
            redis::aio::ConnectionManager::new_lazy_with_config(client, config)
                .map(Store::Redis)
                .map_err(|e| format!("cannot use the Redis store `{url}`: {e}"))
        } else {
            Err(format!(
                "unknown store `{url}`: expected `sqlite://path/to/file.db` or `redis://host:port/`"
            ))
        }
    }

    /// Whether `origin` is in the store.
    pub async fn contains(&self, origin: String) -> Result<bool, String> {
        match self {
            Store::Sqlite(conn) => {
                let conn = Arc::clone(conn);
                // rusqlite blocks: run it on the blocking pool, not the worker.
                web::block(move || {
                    let conn = conn.lock().map_err(|_| "the connection is poisoned")?;
                    conn.query_row(
                        "SELECT EXISTS (SELECT 1 FROM cors_origins WHERE origin = ?1)",
                        [&origin],
                        |row| row.get::<_, bool>(0),
                    )
                    .map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
            Store::Redis(conn) => redis::cmd("SISMEMBER")
                .arg(REDIS_KEY)
                .arg(&origin)
                .query_async::<bool>(&mut conn.clone())
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Adds (`true`) or removes (`false`) `origin`.
    pub async fn set(&self, origin: &str, allowed: bool) -> Result<(), String> {
        match self {
            Store::Sqlite(conn) => {
                let conn = conn.lock().map_err(|_| "the connection is poisoned")?;
                let sql = if allowed {
                    "INSERT OR IGNORE INTO cors_origins (origin) VALUES (?1)"
                } else {
                    "DELETE FROM cors_origins WHERE origin = ?1"
                };
                conn.execute(sql, [origin]).map_err(|e| e.to_string())?;
            }
            Store::Redis(conn) => {
                redis::cmd(if allowed { "SADD" } else { "SREM" })
                    .arg(REDIS_KEY)
                    .arg(origin)
                    .query_async::<()>(&mut conn.clone())
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// The store's answer for a request: `false` (refused) when the store
    /// fails or is slow, logged. Failing open would let any origin in
    /// during an outage.
    async fn allows(&self, origin: String) -> bool {
        let shown = origin.clone();
        match actix_web::rt::time::timeout(LOOKUP_TIMEOUT, self.contains(origin)).await {
            Ok(Ok(allowed)) => allowed,
            Ok(Err(e)) => {
                tracing::warn!(origin = %shown.escape_debug(), "origin store failed, refused: {e}");
                false
            }
            Err(_) => {
                tracing::warn!(origin = %shown.escape_debug(), "origin store too slow, refused");
                false
            }
        }
    }
}

fn open_sqlite(path: &str) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    // Several processes open the file at once: wait for each other's locks
    // rather than fail, and let readers go on while the admin writes (WAL).
    conn.busy_timeout(LOOKUP_TIMEOUT)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch(SQLITE_SCHEMA)?;
    Ok(conn)
}

/// The fleet's CORS policy: `static_origins` without asking, and whatever
/// `store` holds, each answer trusted for `ttl`.
pub fn cors(static_origins: &[String], store: Store, ttl: Duration) -> Result<Cors, String> {
    Cors::builder()
        .allowed_origins(static_origins)
        .allowed_methods(["GET"])
        .allowed_origin_async(move |origin: String| {
            let store = store.clone();
            async move { store.allows(origin).await }
        })
        .origin_check_config(OriginCheckConfig {
            time_to_live: ttl,
            ..OriginCheckConfig::default()
        })
        // A lookup of the whole origin: exact, never a pattern.
        .origin_check_is_exact(true)
        .build()
        .map_err(|e| e.to_string())
}

async fn data() -> HttpResponse {
    HttpResponse::Ok()
        .json(serde_json::json!({ "replica": std::process::id(), "items": [1, 2, 3] }))
}

/// The routes, shared by every replica.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/data", web::get().to(data));
}

/// Checks an origin before it is written to the store: one origin exactly as
/// browsers send it, since the store is asked for the request's `Origin`
/// as it is.
fn valid_origin(origin: &str) -> Result<(), String> {
    if origin.contains('*') || origin == "null" {
        return Err(format!(
            "`{origin}` is not one origin: the store holds exact origins, such as `https://app.example.com`"
        ));
    }
    if origin.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "`{origin}` has upper-case letters; browsers send `{}`",
            origin.to_ascii_lowercase()
        ));
    }
    Cors::builder()
        .allowed_origin(origin)
        .build()
        .map(drop)
        .map_err(|e| e.to_string())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

async fn run() -> Result<(), String> {
    let store = Store::open(&env_or("FLEET_STORE", "sqlite://fleet.db")).await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => {}
        [command @ ("add-origin" | "remove-origin"), origin] => {
            let allowed = command == "add-origin";
            if allowed {
                valid_origin(origin)?;
            }
            store.set(origin, allowed).await?;
            println!("{command} {origin}: done; every replica sees it within its time-to-live");
            return Ok(());
        }
        _ => {
            return Err(
                "usage: fleet                          (serve)\n       fleet add-origin ORIGIN\n       fleet remove-origin ORIGIN"
                    .to_owned(),
            )
        }
    }

    let ttl = env_or("FLEET_ORIGIN_TTL_SECS", "5");
    let ttl = ttl
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("FLEET_ORIGIN_TTL_SECS must be whole seconds, not `{ttl}`"))?;
    let static_origins: Vec<String> = env_or("CORS_ALLOWED_ORIGINS", "")
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    let port = env_or("PORT", "8080");
    let port: u16 = port
        .parse()
        .map_err(|_| format!("PORT must be a port number, such as 8080, not `{port}`"))?;

    if let Err(e) = store
        .contains("https://startup-check.invalid".to_owned())
        .await
    {
        tracing::warn!("the origin store does not answer yet: {e}; until it does, only CORS_ALLOWED_ORIGINS are allowed");
    }
    let cors = cors(&static_origins, store, ttl)?;
    let server = HttpServer::new(move || App::new().wrap(cors.clone()).configure(routes))
        .bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await.map_err(|e| e.to_string())
}

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet: {e}");
            ExitCode::FAILURE
        }
    }
}
