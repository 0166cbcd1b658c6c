//! A cookie session from a single-page app on another port.
//!
//! Two servers run in this one process:
//!
//! - the API on `http://127.0.0.1:$PORT` (default 8082): `POST /login` sets
//!   a `session` cookie, `GET /me` reads it, `POST /logout` ends it; its CORS
//!   policy allows credentials for the page's origin only;
//! - the page on `http://127.0.0.1:$PORT+1` (default 8083): a static HTML
//!   file whose script calls the API with `fetch(…, { credentials: 'include' })`.
//!
//! ```sh
//! cargo run --example credentials
//! # then open http://127.0.0.1:8083/ in a browser
//! ```
//!
//! What makes the cookie travel:
//!
//! - The page asks for it: `credentials: 'include'` on every `fetch`.
//!   Without it the browser neither sends the cookie nor stores the one in
//!   the response.
//! - The API allows it: `Access-Control-Allow-Credentials: true` together with
//!   the page's exact origin in `Access-Control-Allow-Origin` (never `*`,
//!   which browsers refuse on credentialed requests). The policy below lists
//!   the page's origin and calls `allow_credentials(true)`.
//!
//! Why the cookie needs no `SameSite=None`: `SameSite` is about *sites*
//! (scheme and registrable domain, or the IP address), and ports do not
//! count. `http://127.0.0.1:8083` and `http://127.0.0.1:8082` are different
//! origins but the same site, so a `SameSite=Lax` cookie (the browsers'
//! default) is stored and sent. The same holds in production for
//! `https://app.example.com` calling `https://api.example.com`. Only a page
//! and an API on different sites (`https://app.example` calling
//! `https://api.other.example`) need `SameSite=None; Secure`, and then
//! browsers that block third-party cookies may drop it anyway: prefer
//! serving both from one site.
//!
//! One trap: `localhost` and `127.0.0.1` are different sites. The page
//! therefore calls the API on the host name it was itself loaded from.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, Responder};
use cors_actix::{ConfigError, Cors};
use serde::Deserialize;

/// The API's port when `PORT` is unset; the page is served on the next one.
pub const DEFAULT_PORT: u16 = 8082;

/// The name of the session cookie.
pub const COOKIE: &str = "session";

/// Logged-in users by session token. An example store: use a session crate
/// (such as actix-session) with a proper random source in production.
#[derive(Default)]
pub struct Sessions {
    users: Mutex<HashMap<String, String>>,
    issued: AtomicU64,
    keys: std::collections::hash_map::RandomState,
}

/// Shows how many sessions there are, never their tokens.
impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.users.lock().map_or(0, |users| users.len());
        f.debug_struct("Sessions").field("open", &open).finish()
    }
}

impl Sessions {
    fn create(&self, user: &str) -> Option<String> {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let word = |salt: u64| {
            let mut h = self.keys.build_hasher();
            h.write_u64(n);
            h.write_u64(salt);
            h.finish()
        };
        let token = format!("{:016x}{:016x}", word(1), word(2));
        self.users
            .lock()
            .ok()?
            .insert(token.clone(), user.to_owned());
        Some(token)
    }

    fn user(&self, token: &str) -> Option<String> {
        self.users.lock().ok()?.get(token).cloned()
    }

    fn remove(&self, token: &str) {
        if let Ok(mut users) = self.users.lock() {
            users.remove(token);
        }
    }
}

/// The API's CORS policy: credentials, for the page's origin only (under
/// both names of the loopback host, since the page may be opened either way).
pub fn api_cors(page_port: u16) -> Result<Cors, ConfigError> {
    api_cors_for([
        format!("http://127.0.0.1:{page_port}"),
        format!("http://localhost:{page_port}"),
    ])
}

/// The API's CORS policy for these page origins.
pub fn api_cors_for<I, S>(page_origins: I) -> Result<Cors, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    Cors::builder()
        .allowed_origins(page_origins)
        .allowed_methods(["GET", "POST"])
        // `POST /login` sends JSON, so the browser asks for `content-type`.
        .allowed_header("content-type")
        .allow_credentials(true)
        .max_age(600)
        .build()
}

#[derive(Deserialize)]
struct Login {
    name: String,
}

/// The value of the `session` cookie in the request's `Cookie` header.
fn session_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

async fn login(sessions: web::Data<Sessions>, body: web::Json<Login>) -> impl Responder {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 64 {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({ "error": "a name of 1 to 64 bytes, please" }));
    }
    let Some(token) = sessions.create(name) else {
        return HttpResponse::InternalServerError().finish();
    };
    HttpResponse::Ok()
        // `HttpOnly`: scripts never see it (the browser sends it for them).
        // `SameSite=Lax`: enough here, see the module docs.
        .insert_header((
            header::SET_COOKIE,
            format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600"),
        ))
        .json(serde_json::json!({ "name": name }))
}

async fn me(sessions: web::Data<Sessions>, req: HttpRequest) -> impl Responder {
    match session_token(&req).and_then(|token| sessions.user(token)) {
        Some(name) => HttpResponse::Ok().json(serde_json::json!({ "name": name })),
        // The CORS headers are on this 401 too, so the page can read it.
        None => HttpResponse::Unauthorized().json(serde_json::json!({ "error": "not logged in" })),
    }
}

async fn logout(sessions: web::Data<Sessions>, req: HttpRequest) -> impl Responder {
    if let Some(token) = session_token(&req) {
        sessions.remove(token);
    }
    HttpResponse::NoContent()
        .insert_header((
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        ))
        .finish()
}

/// The API's routes; shared by `main` and the tests.
pub fn api_routes(cfg: &mut web::ServiceConfig, sessions: web::Data<Sessions>) {
    cfg.app_data(sessions)
        .route("/login", web::post().to(login))
        .route("/me", web::get().to(me))
        .route("/logout", web::post().to(logout));
}

/// The page: plain HTML and a script calling the API with credentials.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>cors-actix: cookies across origins</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  button, input { font: inherit; margin: 0 .5rem .5rem 0; }
  pre { background: #f4f4f4; padding: 1rem; white-space: pre-wrap; }
</style>
<h1>A cookie session across origins</h1>
<p>This page is one origin; the API at <code id="api"></code> is another.
Every call below uses <code>fetch(url, { credentials: 'include' })</code>,
except the one that says otherwise. Open the developer tools' Network tab to
see the preflight before <code>POST /login</code> and the cookie on
<code>GET /me</code>.</p>
<p>
  <input id="name" value="ada" aria-label="name">
  <button id="login">Log in</button>
  <button id="me">Who am I?</button>
  <button id="anonymous">Who am I? (without credentials)</button>
  <button id="logout">Log out</button>
</p>
<pre id="out">…</pre>
<script>
  // The API on the same host name as this page: `localhost` and `127.0.0.1`
  // are different sites, and a cookie set by one is not sent to the other.
  const api = `${location.protocol}//${location.hostname}:__API_PORT__`;
  document.getElementById('api').textContent = api;
  const out = document.getElementById('out');

  async function call(label, path, options) {
    try {
      const res = await fetch(api + path, options);
      const body = await res.text();
      out.textContent = `${label}: ${res.status} ${res.statusText}\n${body}`;
    } catch (e) {
      // A CORS failure is a TypeError with no detail, on purpose: the reason
      // is in the browser console, and in the API's log.
      out.textContent = `${label}: ${e}\n(see the console and the API's log)`;
    }
  }

  document.getElementById('login').onclick = () => call('POST /login', '/login', {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: document.getElementById('name').value }),
  });
  document.getElementById('me').onclick = () =>
    call('GET /me', '/me', { credentials: 'include' });
  document.getElementById('anonymous').onclick = () =>
    call('GET /me without credentials', '/me', {});
  document.getElementById('logout').onclick = () =>
    call('POST /logout', '/logout', { method: 'POST', credentials: 'include' });
</script>
</html>
"#;

/// The page, pointing at the API's port.
pub fn page(api_port: u16) -> String {
    PAGE.replace("__API_PORT__", &api_port.to_string())
}

/// The page server's routes; shared by `main` and the tests.
pub fn page_routes(cfg: &mut web::ServiceConfig, api_port: u16) {
    let html = page(api_port);
    cfg.route(
        "/",
        web::get().to(move || {
            let html = html.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(html)
            }
        }),
    );
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("PORT must be a port number, such as {DEFAULT_PORT}, not `{p}`");
            std::process::exit(1);
        }),
        Err(_) => DEFAULT_PORT,
    };
    let Some(page_port) = port.checked_add(1) else {
        eprintln!("PORT must leave room for the page on PORT+1");
        std::process::exit(1);
    };
    let cors = match api_cors(page_port) {
        Ok(cors) => cors,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let sessions = web::Data::new(Sessions::default());

    let api = HttpServer::new(move || {
        let sessions = sessions.clone();
        App::new()
            .wrap(cors.clone())
            .configure(|cfg| api_routes(cfg, sessions))
    })
    .bind(("127.0.0.1", port))?
    .run();
    let page = HttpServer::new(move || App::new().configure(|cfg| page_routes(cfg, port)))
        .workers(1)
        .bind(("127.0.0.1", page_port))?
        .run();
    tracing::info!("API on http://127.0.0.1:{port}; open http://127.0.0.1:{page_port}/");
    futures_util::future::try_join(api, page).await?;
    Ok(())
}
