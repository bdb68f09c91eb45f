//! A web service on a node: an axum HTTP front whose handlers call a pool of gen_servers, as
//! one application, configured by `examples/web.toml` and the environment.
//!
//! - `GET /square/N` asks a worker of the pool for N². A number whose square overflows
//!   crashes the worker (the poison request): the client gets a 500, and the pool's
//!   supervisor restarts the worker.
//! - `GET /slow/MS` keeps a worker busy for MS milliseconds, as a slow backend would.
//! - `GET /stats` says how many requests are in flight.
//!
//! SIGTERM (or Ctrl-C) stops the node: the HTTP server stops taking connections, finishes the
//! requests in flight (its workers still run: they stop after it), and the program exits 0.
//!
//! Run it with `cargo run --example web`, then `curl localhost:3000/square/12`;
//! `WEB__ADDR=127.0.0.1:8080 cargo run --example web` listens elsewhere.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use otp_runtime::application::Application;
use otp_runtime::node::{Node, NodeExit};
use otp_runtime::prelude::*;
use serde::{Deserialize, Serialize};

// ANCHOR: config
/// The service's configuration: `[web]` in the node's file, `WEB__ADDR=..` in the environment.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct WebConfig {
    /// Where the HTTP server listens (`127.0.0.1:0`: any free port, reported at start).
    pub addr: String,
    /// How many workers the pool has.
    pub workers: u32,
    /// How long the server may take to finish its requests in flight when told to stop,
    /// in milliseconds; past it, it is killed.
    pub drain_ms: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            addr: "127.0.0.1:3000".into(),
            workers: 4,
            drain_ms: 10_000,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: worker
/// A worker of the pool: the business logic, plain sequential Rust.
#[derive(Default)]
pub struct Worker {
    served: u64,
}

#[gen_server]
impl Worker {
    /// n², computed with a bug: an overflow panics (a poison request crashes the worker).
    #[call]
    pub fn square(&mut self, n: u64) -> u64 {
        self.served += 1;
        n.checked_mul(n).expect("the square overflows")
    }

    /// Keeps the worker busy for `ms` milliseconds, as a slow backend would.
    #[call]
    pub async fn slow(&mut self, ms: u64) -> u64 {
        otp_runtime::time::sleep(Duration::from_millis(ms)).await;
        self.served += 1;
        ms
    }
}
// ANCHOR_END: worker

// ANCHOR: pool
/// The pool, as the HTTP handlers see it: named handles to its workers, which reach whichever
/// incarnation is alive, and the count of requests in flight.
#[derive(Clone)]
pub struct Pool {
    workers: Arc<[WorkerRef]>,
    next: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
}

impl Pool {
    fn new(size: u32) -> Pool {
        let workers: Vec<WorkerRef> = (0..size).map(|i| Worker::named(worker_name(i))).collect();
        Pool {
            workers: workers.into(),
            next: Arc::new(AtomicUsize::new(0)),
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Calls the workers in turn with `f`. A worker being restarted (`NoProc`: the call never
    /// reached it) is skipped for the next one; a crash or a timeout is the request's answer:
    /// retrying a poison request elsewhere would crash every worker.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, CallError>
    where
        F: Fn(WorkerRef) -> Fut,
        Fut: std::future::Future<Output = Result<T, CallError>>,
    {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let mut result = Err(CallError::NoProc {
            target: CallTarget::Name("pool".into()),
        });
        for i in 0..self.workers.len() {
            let worker = self.workers[(first + i) % self.workers.len()].clone();
            result = f(worker).await;
            if !matches!(result, Err(CallError::NoProc { .. })) {
                break;
            }
        }
        result
    }
}

/// The registered name of worker `i`.
fn worker_name(i: u32) -> String {
    format!("worker{i}")
}

/// The pool's supervisor: `workers` workers, each restarted when it crashes. Poison requests
/// come in bursts, so it allows 20 restarts a second before it gives up.
fn pool_spec(workers: u32) -> SupervisorSpec {
    let mut pool = SupervisorSpec::one_for_one().intensity(20, Duration::from_secs(1));
    for i in 0..workers {
        pool = pool.child(ChildSpec::worker(worker_name(i), Worker::default).name(worker_name(i)));
    }
    pool
}
// ANCHOR_END: pool

// ANCHOR: handlers
/// `GET /square/N`.
async fn square(State(pool): State<Pool>, Path(n): Path<u64>) -> (StatusCode, String) {
    let _in_flight = InFlight::enter(&pool);
    answer(pool.call(|w| async move { w.square(n).await }).await)
}

/// `GET /slow/MS`.
async fn slow(State(pool): State<Pool>, Path(ms): Path<u64>) -> (StatusCode, String) {
    let _in_flight = InFlight::enter(&pool);
    let waited = pool.call(|w| async move { w.slow(ms).await }).await;
    answer(waited.map(|ms| format!("waited {ms} ms")))
}

/// `GET /stats`.
async fn stats(State(pool): State<Pool>) -> String {
    format!("in_flight {}\n", pool.in_flight.load(Ordering::SeqCst))
}

/// A worker's answer as an HTTP response: a crash is a clean 500, never a dropped connection.
fn answer<T: std::fmt::Display>(result: Result<T, CallError>) -> (StatusCode, String) {
    match result {
        Ok(v) => (StatusCode::OK, format!("{v}\n")),
        Err(CallError::Exited(reason)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the worker crashed: {reason}\n"),
        ),
        Err(CallError::Timeout { .. }) => {
            (StatusCode::GATEWAY_TIMEOUT, "the worker timed out\n".into())
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("no worker: {e}\n")),
    }
}

/// Counts a request in flight while it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(pool: &Pool) -> InFlight {
        pool.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(pool.in_flight.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: handlers

// ANCHOR: serve
/// The HTTP server, a service of the tree: it runs until its supervisor stops it, then
/// finishes the requests in flight (`with_graceful_shutdown`) and returns.
async fn serve(addr: String, pool: Pool, stop: StopSignal) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let app = Router::new()
        .route("/square/{n}", get(square))
        .route("/slow/{ms}", get(slow))
        .route("/stats", get(stats))
        .with_state(pool);
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
// ANCHOR_END: serve

// ANCHOR: app
/// The web service as an application: the pool first, then the HTTP server that calls it.
pub struct Web;

impl Application for Web {
    const NAME: &'static str = "web";
    const VERSION: &'static str = "1.0.0";
    const DESCRIPTION: &'static str = "squares over HTTP, computed by a pool of gen_servers";
    type Config = WebConfig;

    async fn start(&self, config: &WebConfig) -> Result<SupervisorRef, StartError> {
        let pool = Pool::new(config.workers);
        let addr = config.addr.clone();
        let http = ChildSpec::service("http", move |stop| serve(addr.clone(), pool.clone(), stop))
            .shutdown(Shutdown::Timeout(Duration::from_millis(config.drain_ms)));
        // rest_for_one: if the pool gives up, the server that needs it restarts too. Stopped
        // in reverse: the server drains while the pool still serves.
        SupervisorSpec::rest_for_one()
            .child(ChildSpec::supervisor("pool", pool_spec(config.workers)))
            .child(http)
            .start_link()
            .await
    }
}
// ANCHOR_END: app

// ANCHOR: main
#[tokio::main]
async fn main() -> NodeExit {
    Node::new()
        .application(Web)
        .config_file(concat!(env!("CARGO_MANIFEST_DIR"), "/web.toml"))
        .run() // until SIGINT or SIGTERM
        .await
}
// ANCHOR_END: main
