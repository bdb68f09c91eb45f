//! A group's members read from its scope's table, beside the same list asked of a
//! gen_server that holds it (the alternative without `pg`), and the default scope's
//! `pg::members` (which finds the scope by name first).
//!
//! Run: `cargo bench -p otp-runtime --bench pg` (add `-- quick` for fewer rounds).

use std::hint::black_box;
use std::time::Instant;

use otp_runtime::pg::{self, Scope};
use otp_runtime::prelude::*;

/// A server holding the members, as a program without groups would.
pub struct Registry {
    members: Vec<Pid>,
}

#[gen_server]
impl Registry {
    #[call]
    pub fn members(&self) -> Vec<Pid> {
        self.members.clone()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (rounds, n) = if quick { (3, 20_000) } else { (11, 200_000) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (read, default, call) = rt.block_on(async {
        tokio::spawn(async move {
            let scope: Scope<String> = Scope::start("bench").unwrap();
            let pids: Vec<Pid> = (0..10)
                .map(|_| {
                    otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
                        ctx.recv().await;
                        ExitReason::Normal
                    })
                    .pid()
                })
                .collect();
            scope.join_many("workers", pids.clone()).await.unwrap();
            pg::join_many("workers", pids.clone()).await.unwrap();
            let registry = Registry { members: pids }.start().await.unwrap();
            let (mut read, mut default, mut call) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(scope.members("workers"));
                }
                read.push(t.elapsed().as_nanos() as f64 / n as f64);
                let t = Instant::now();
                for _ in 0..n {
                    black_box(pg::members("workers"));
                }
                default.push(t.elapsed().as_nanos() as f64 / n as f64);
                let t = Instant::now();
                for _ in 0..n {
                    black_box(registry.members().await.unwrap());
                }
                call.push(t.elapsed().as_nanos() as f64 / n as f64);
            }
            (median(read), median(default), median(call))
        })
        .await
        .unwrap()
    });
    println!("members of a group of 10 (median of {rounds} rounds of {n}):");
    println!("  Scope::members (table read)      {read:8.1} ns");
    println!("  pg::members (default scope)      {default:8.1} ns");
    println!("  gen_server call holding the list {call:8.1} ns");
    println!("  call / table read: {:.1}x", call / read);
}
