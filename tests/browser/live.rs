//! The example server's app running in a real `actix_web::HttpServer` on
//! `127.0.0.1:<ephemeral port>`, on its own thread and `actix_rt::System`,
//! with a recording layer outside the CORS middleware (so it sees every
//! request, preflights included, and every response as it leaves the server)
//! and, for the deliberately broken server only, a layer that damages the
//! middleware's answer after the fact.
//!
//! Also a minimal HTTP/1.1 client for server-side checks that no browser
//! can make (Private Network Access preflights).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use actix_web::dev::{ServerHandle, Service};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{web, App, HttpResponse, HttpServer};
use cors_actix::Cors;

use crate::server;

/// One request as it reached the server, and what the server answered.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Request method (`OPTIONS` for a preflight).
    pub(crate) method: String,
    /// Path and query, exactly as sent.
    pub(crate) uri: String,
    /// Request headers, names lower-cased, in order.
    pub(crate) request: Vec<(String, String)>,
    /// Response status.
    pub(crate) status: u16,
    /// Response headers, names lower-cased; a repeated header appears once
    /// per value, as it goes on the wire.
    pub(crate) response: Vec<(String, String)>,
}

impl Seen {
    /// Every value of request header `name`.
    pub(crate) fn request_values(&self, name: &str) -> Vec<&str> {
        values(&self.request, name)
    }

    /// Every value of response header `name`.
    pub(crate) fn response_values(&self, name: &str) -> Vec<&str> {
        values(&self.response, name)
    }
}

fn values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn header_list(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// How the broken server damages a correct answer, chosen per request by a
/// `break=` query parameter so the same server also serves intact controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breakage {
    /// `break=dup`: append a second copy of `Access-Control-Allow-Origin`
    /// (what happens when a handler or proxy adds its own on top of the
    /// middleware's).
    DuplicateAllowOrigin,
    /// `break=star`: answer preflights with `Access-Control-Allow-Headers: *`
    /// only, dropping the `authorization` the library lists next to it.
    BareWildcardHeaders,
}

impl Breakage {
    fn damage(self, headers: &mut HeaderMap) {
        match self {
            Breakage::DuplicateAllowOrigin => {
                if let Some(v) = headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).cloned() {
                    headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
                }
            }
            Breakage::BareWildcardHeaders => {
                if headers.contains_key(header::ACCESS_CONTROL_ALLOW_HEADERS) {
                    headers.insert(
                        header::ACCESS_CONTROL_ALLOW_HEADERS,
                        HeaderValue::from_static("*"),
                    );
                }
            }
        }
    }

    fn from_query(query: &str) -> Option<Breakage> {
        query.split('&').find_map(|pair| match pair {
            "break=dup" => Some(Breakage::DuplicateAllowOrigin),
            "break=star" => Some(Breakage::BareWildcardHeaders),
            _ => None,
        })
    }
}

/// A running server; stopped (without waiting for idle keep-alive
/// connections) and joined on drop.
pub(crate) struct LiveServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Seen>>>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl LiveServer {
    /// Serves `examples/server.rs`'s routes wrapped in `cors`. With `broken`,
    /// requests carrying `break=dup` or `break=star` get a damaged answer.
    pub(crate) fn start(name: &str, cors: Cors, broken: bool) -> LiveServer {
        LiveServer::start_nesting(name, cors, broken, None)
    }

    /// Like [`start`](LiveServer::start), with a scope `/nested` wrapped in
    /// a `Cors` of its own (`nested`) inside `cors`: `GET` and `PUT`
    /// `/nested/items/{id}`.
    pub(crate) fn start_nesting(
        name: &str,
        cors: Cors,
        broken: bool,
        nested: Option<Cors>,
    ) -> LiveServer {
        LiveServer::start_app(name, cors, broken, move |cfg, cors| {
            if let Some(nested) = &nested {
                cfg.service(
                    web::scope("/nested")
                        .wrap(nested.clone())
                        .route("/items/{id}", web::get().to(|| async { "nested" }))
                        .route(
                            "/items/{id}",
                            web::put().to(|| async { HttpResponse::NoContent().finish() }),
                        ),
                );
            }
            server::routes(cfg, cors);
        })
    }

    /// Serves what `routes` configures (given the app-wide `cors`, as
    /// `server::routes` takes it) wrapped in `cors`, behind the recording
    /// layer; `broken` as in [`start`](LiveServer::start).
    pub(crate) fn start_app<R>(name: &str, cors: Cors, broken: bool, routes: R) -> LiveServer
    where
        R: Fn(&mut web::ServiceConfig, &Cors) + Clone + Send + 'static,
    {
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let server_log = Arc::clone(&log);
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(format!("live-{name}"))
            .spawn(move || {
                actix_rt::System::new().block_on(async move {
                    let server = HttpServer::new(move || {
                        let routes_cors = cors.clone();
                        let routes = routes.clone();
                        let log = Arc::clone(&server_log);
                        App::new()
                            .wrap(cors.clone())
                            // Outside the middleware: damage its answer.
                            .wrap_fn(move |req, srv| {
                                let breakage = if broken {
                                    Breakage::from_query(req.query_string())
                                } else {
                                    None
                                };
                                let call = srv.call(req);
                                async move {
                                    let mut res = call.await?;
                                    if let Some(breakage) = breakage {
                                        breakage.damage(res.headers_mut());
                                    }
                                    Ok(res)
                                }
                            })
                            // Outermost: record what arrived and what left.
                            .wrap_fn(move |req, srv| {
                                let mut seen = Seen {
                                    method: req.method().as_str().to_owned(),
                                    uri: req.uri().to_string(),
                                    request: header_list(req.headers()),
                                    status: 0,
                                    response: Vec::new(),
                                };
                                let log = Arc::clone(&log);
                                let call = srv.call(req);
                                async move {
                                    let res = call.await;
                                    if let Ok(res) = &res {
                                        seen.status = res.status().as_u16();
                                        seen.response = header_list(res.headers());
                                    }
                                    // Pushed before the response is written,
                                    // so before the browser can report on it.
                                    log.lock().expect("request log").push(seen);
                                    res
                                }
                            })
                            .configure(move |cfg| routes(cfg, &routes_cors))
                    })
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind(("127.0.0.1", 0));
                    let server = match server {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let addr = server.addrs()[0];
                    let server = server.run();
                    let _ = tx.send(Ok((addr, server.handle())));
                    if let Err(e) = server.await {
                        eprintln!("live server: {e}");
                    }
                });
            })
            .expect("spawn live server thread");
        let (addr, handle) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("live server did not start within 10 s")
            .unwrap_or_else(|e| panic!("live server {name}: {e}"));
        LiveServer {
            addr,
            log,
            handle,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:{port}{path_and_query}`.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.origin())
    }

    /// Every request seen so far, in arrival order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("request log").clone()
    }

    /// Sends `request_head` (a full HTTP/1.1 head, without the final empty
    /// line) with `Connection: close` and returns the status and headers of
    /// the answer.
    pub(crate) fn raw(&self, request_head: &str) -> (u16, Vec<(String, String)>) {
        let mut stream =
            TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("read timeout");
        let head = format!(
            "{}\r\nHost: {}\r\nConnection: close\r\n\r\n",
            request_head.trim_end(),
            self.addr
        );
        stream.write_all(head.as_bytes()).expect("send request");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("read answer");
        let answer = String::from_utf8_lossy(&answer);
        let head = answer.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        (status, headers)
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        // The command is sent when `stop` is called; its future only waits
        // for completion, which joining the thread does too.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Every value of header `name` in a raw answer.
pub(crate) fn raw_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    values(headers, name)
}
