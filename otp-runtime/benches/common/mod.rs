//! What the benchmarks share: a heap-counting allocator, medians and quantiles, and the raw
//! tokio shapes every workload is compared with. Included by `core.rs`, `supervisor.rs` and
//! the peer comparison (`bench-peers`, through a `#[path]` module).

// Each bench uses a different part of this module.
#![allow(dead_code)]

pub mod raw;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

// ---- heap accounting -------------------------------------------------------------------------

/// Counts live heap bytes. A bench installs it with
/// `#[global_allocator] static GLOBAL: common::Counting = common::Counting;`.
///
/// Each thread adds to its own cache line, so counting does not make the threads of a
/// multi-threaded runtime contend on one atomic on every allocation.
pub struct Counting;

const SLOTS: usize = 16;

#[repr(align(128))]
struct Slot(AtomicIsize);

static LIVE: [Slot; SLOTS] = [const { Slot(AtomicIsize::new(0)) }; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // No destructor and a const initializer: safe to touch from inside the allocator.
    static MY_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[inline]
fn count(delta: isize) {
    let slot = MY_SLOT
        .try_with(|s| {
            let mut i = s.get();
            if i == usize::MAX {
                i = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
                s.set(i);
            }
            i
        })
        .unwrap_or(0);
    LIVE[slot].0.fetch_add(delta, Ordering::Relaxed);
}

/// Live heap bytes now, over every thread.
pub fn live_bytes() -> isize {
    LIVE.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new as isize - l.size() as isize);
        unsafe { System.realloc(p, l, new) }
    }
}

// ---- statistics ------------------------------------------------------------------------------

/// The value at fraction `q` of the samples (0.5: the median); NaN for none (a system left
/// out of the run with `raw` or `otp`).
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The median of the samples.
pub fn median(mut v: Vec<f64>) -> f64 {
    quantile(&mut v, 0.5)
}
