//! Tables (`otp_runtime::ets`): ownership, heirs, give_away, access, names, the kinds and
//! their operations. Cases ported from Erlang/OTP's `lib/stdlib/test/ets_SUITE.erl` name
//! the case they come from.

use std::collections::BTreeSet;
use std::sync::Arc;

use otp_runtime::ets::{
    Access, Bag, DuplicateBag, OrderedSet, Recipient, Set, Table, TableError, Transfer,
    TransferCause,
};
use otp_runtime::node::Node;
use otp_runtime::prelude::*;
use tokio::sync::oneshot;

type T = Table<&'static str, u64>;

/// Runs `f` in a fresh process and returns what it returns.
async fn in_process<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = oneshot::channel();
    let p = otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
        let _ = tx.send(f());
        ExitReason::Normal
    });
    let r = rx.await.expect("the process answered");
    assert_eq!(p.wait_exit().await, ExitReason::Normal);
    r
}

/// A process that makes a table with `make`, sends it out, and lives until told to exit
/// with a reason (or killed).
struct Owner<Tab> {
    table: Tab,
    proc: ProcessRef<ExitReason>,
}

async fn owner<Tab: Send + 'static>(make: impl FnOnce() -> Tab + Send + 'static) -> Owner<Tab> {
    let (tx, rx) = oneshot::channel();
    let proc = otp_runtime::spawn(move |mut ctx: ProcessCtx<ExitReason>| async move {
        let _ = tx.send(make());
        match ctx.recv().await {
            Message::Msg(ExitReason::Panic(_)) => panic!("told to crash"),
            Message::Msg(reason) => reason,
            _ => ExitReason::Normal,
        }
    });
    Owner {
        table: rx.await.unwrap(),
        proc,
    }
}

#[otp_runtime::test]
async fn a_table_is_made_by_a_process_and_deleted_when_it_exits() {
    assert_eq!(T::new().unwrap_err(), TableError::NotInProcess);
    let o = owner(|| T::options().named("t").create().unwrap()).await;
    assert_eq!(o.table.owner(), Some(o.proc.pid()));
    // Protected: anyone reads, here from outside any process.
    assert_eq!(o.table.lookup(&"k"), Ok(None));
    assert_eq!(T::named("t"), Ok(o.table.clone()));
    o.proc.send(ExitReason::Normal).unwrap();
    assert_eq!(o.proc.wait_exit().await, ExitReason::Normal);
    // Deleted before the death is told: gone by the time anyone learns of it.
    assert!(o.table.is_deleted());
    assert_eq!(o.table.lookup(&"k"), Err(TableError::Deleted));
    assert_eq!(T::named("t"), Err(TableError::NoTable("t".into())));
    assert_eq!(o.table.owner(), None);
}

#[otp_runtime::test]
async fn a_killed_owner_takes_its_table_and_frees_the_name_for_its_restart() {
    let o = owner(|| T::options().named("t").create().unwrap()).await;
    otp_runtime::exit(o.proc.pid(), ExitReason::Kill);
    assert_eq!(o.proc.wait_exit().await, ExitReason::Killed);
    assert!(o.table.is_deleted());
    // The name is free for the next incarnation.
    let again = owner(|| T::options().named("t").create().unwrap()).await;
    assert_eq!(T::named("t"), Ok(again.table));
}

/// ets_SUITE `heir`: the heir receives `{'ETS-TRANSFER', T, Founder, HeirData}`, owns the
/// table, is still its heir, reads what the founder wrote, and gets the founder's `DOWN`
/// only after the transfer.
#[otp_runtime::test]
async fn heir_on_crash_gets_the_transfer_before_the_down() {
    enum M {
        Transfer(Transfer<T, &'static str>),
        Watch(Pid),
    }
    let (tx, rx) = oneshot::channel();
    let heir = otp_runtime::spawn(move |mut ctx: ProcessCtx<M>| async move {
        let Message::Msg(M::Watch(founder)) = ctx.recv().await else {
            panic!("expected the founder")
        };
        let mon = ctx.monitor(founder);
        let Message::Msg(M::Transfer(t)) = ctx.recv().await else {
            panic!("expected the transfer first")
        };
        assert_eq!(t.from, founder);
        assert_eq!(t.data, "heir data");
        assert_eq!(t.cause, TransferCause::OwnerExited(ExitReason::other("x")));
        assert_eq!(t.table.owner(), Some(ctx.pid()));
        assert_eq!(t.table.heir(), Some(ctx.pid()));
        assert_eq!(t.table.lookup(&"key"), Ok(Some(1)));
        t.table.insert("key", 2).unwrap(); // private: the new owner writes
        assert_eq!(t.table.lookup(&"key"), Ok(Some(2)));
        let Message::Down { monitor, .. } = ctx.recv().await else {
            panic!("expected the DOWN after the transfer")
        };
        assert_eq!(monitor, mon);
        let _ = tx.send(t.table);
        ExitReason::Normal
    });
    let to = Recipient::process(&heir, M::Transfer);
    let o = owner(move || {
        let t = T::options()
            .private()
            .named("foo")
            .heir(&to, "heir data")
            .create()
            .unwrap();
        t.insert("key", 1).unwrap();
        t
    })
    .await;
    // Private: not even a read from outside.
    assert!(matches!(
        o.table.lookup(&"key"),
        Err(TableError::Access {
            write: false,
            caller: None,
            ..
        })
    ));
    heir.send(M::Watch(o.proc.pid())).unwrap();
    tokio::task::yield_now().await;
    o.proc.send(ExitReason::other("x")).unwrap();
    let _ = o.proc.wait_exit().await;
    let table = rx.await.unwrap();
    assert_eq!(heir.wait_exit().await, ExitReason::Normal);
    // The heir's heir was itself, dead now: the table went with it.
    assert!(table.is_deleted());
}

#[otp_runtime::test]
async fn heir_cause_carries_any_reason() {
    let (tx, rx) = oneshot::channel();
    let heir = otp_runtime::spawn(move |mut ctx: ProcessCtx<Transfer<T>>| async move {
        let Message::Msg(t) = ctx.recv().await else {
            panic!()
        };
        let _ = tx.send(t.cause);
        ctx.recv().await;
        ExitReason::Normal
    });
    let to = Recipient::process(&heir, |t| t);
    let o = owner(move || T::options().heir(&to, ()).create().unwrap()).await;
    o.proc.send(ExitReason::Panic("boom".into())).unwrap();
    assert!(matches!(
        rx.await.unwrap(),
        TransferCause::OwnerExited(ExitReason::Panic(_))
    ));
    assert_eq!(o.table.owner(), Some(heir.pid()));
}

/// ets_SUITE `heir`: no heir, an already dead heir, and a heir that dies before the
/// founder: the table is deleted.
#[otp_runtime::test]
async fn no_live_heir_means_the_table_is_deleted() {
    let dead = otp_runtime::spawn(|_: ProcessCtx<Transfer<T>>| async { ExitReason::Normal });
    dead.wait_exit().await;
    let to = Recipient::process(&dead, |t| t);
    let o = owner(move || T::options().named("foo").heir(&to, ()).create().unwrap()).await;
    o.proc.send(ExitReason::Normal).unwrap();
    o.proc.wait_exit().await;
    assert!(o.table.is_deleted());
    assert!(T::named("foo").is_err());
}

/// ets_SUITE `give_away`: give and give back; give and let the receiver keep it (gone
/// with it); give to a receiver that dies with the giver as heir (back to the giver);
/// and the negative cases: a dead receiver, oneself, a deleted table, not the owner.
#[otp_runtime::test]
async fn give_away_as_in_ets_suite() {
    type Tab = Table<&'static str, u32>;
    enum R {
        Take(Transfer<Tab, &'static str>),
        GiveBack(Recipient<Tab, &'static str>),
        Die,
    }
    fn receiver() -> ProcessRef<R> {
        otp_runtime::spawn(|mut ctx: ProcessCtx<R>| async move {
            let mut table = None;
            loop {
                match ctx.recv().await {
                    Message::Msg(R::Take(t)) => {
                        assert_eq!(t.data, "here you are");
                        assert_eq!(t.cause, TransferCause::GiveAway);
                        assert_eq!(t.table.lookup(&"key"), Ok(Some(1)));
                        t.table.insert("key", 2).unwrap();
                        table = Some(t.table);
                    }
                    Message::Msg(R::GiveBack(to)) => {
                        let t: Tab = table.take().unwrap();
                        t.give_away(&to, "tillbakakaka").unwrap();
                        assert!(t.lookup(&"key").is_err());
                    }
                    _ => return ExitReason::Normal,
                }
            }
        })
    }
    let (done_tx, done_rx) = oneshot::channel();
    let giver = otp_runtime::spawn(
        move |mut ctx: ProcessCtx<Transfer<Tab, &'static str>>| async move {
            let me = Recipient::process(&ctx.handle(), |t| t);
            let t: Tab = Table::options().private().create().unwrap();
            t.insert("key", 1).unwrap();
            // Give and give back.
            let r = receiver();
            t.give_away(&Recipient::process(&r, R::Take), "here you are")
                .unwrap();
            assert!(matches!(t.lookup(&"key"), Err(TableError::Access { .. })));
            r.send(R::GiveBack(me.clone())).unwrap();
            let Message::Msg(back) = ctx.recv().await else {
                panic!()
            };
            assert_eq!((back.from, back.data), (r.pid(), "tillbakakaka"));
            assert_eq!(t.lookup(&"key"), Ok(Some(2)));
            r.send(R::Die).unwrap();
            r.wait_exit().await;
            // Give and let the receiver keep it: gone with it.
            t.insert("key", 1).unwrap();
            let r3 = receiver();
            t.give_away(&Recipient::process(&r3, R::Take), "here you are")
                .unwrap();
            r3.send(R::Die).unwrap();
            r3.wait_exit().await;
            assert!(t.is_deleted());
            // Give with oneself as heir, the receiver dies: back to the giver.
            let t2: Tab = Table::options().private().create().unwrap();
            t2.insert("key", 1).unwrap();
            t2.set_heir(&me, "som en gummiboll").unwrap();
            let r2 = receiver();
            t2.give_away(&Recipient::process(&r2, R::Take), "here you are")
                .unwrap();
            r2.send(R::Die).unwrap();
            let Message::Msg(back) = ctx.recv().await else {
                panic!()
            };
            assert_eq!((back.from, back.data), (r2.pid(), "som en gummiboll"));
            assert_eq!(back.cause, TransferCause::OwnerExited(ExitReason::Normal));
            assert_eq!(t2.lookup(&"key"), Ok(Some(2)));
            r2.wait_exit().await;
            // Negative cases.
            let to_dead = Recipient::process(&r, R::Take);
            assert_eq!(
                t2.give_away(&to_dead, "to a dead one"),
                Err(TableError::NoProc(Some(r.pid())))
            );
            let to_me = Recipient::process(&ctx.handle(), |_| unreachable!());
            assert_eq!(
                t2.give_away(&to_me, "to myself"),
                Err(TableError::GiveToSelf)
            );
            t2.delete_table().unwrap();
            let neg = receiver();
            let to_neg = Recipient::process(&neg, R::Take);
            assert_eq!(
                t2.give_away(&to_neg, "a deleted table"),
                Err(TableError::Deleted)
            );
            let t3: Tab = Table::options().public().create().unwrap();
            let t3c = t3.clone();
            let from_non_owner = otp_runtime::spawn(move |ctx: ProcessCtx<()>| async move {
                assert_eq!(
                    t3c.give_away(&to_neg, "from non owner"),
                    Err(TableError::NotOwner {
                        caller: Some(ctx.pid()),
                        owner: t3c.owner().unwrap()
                    })
                );
                ExitReason::Normal
            });
            assert_eq!(from_non_owner.wait_exit().await, ExitReason::Normal);
            neg.send(R::Die).unwrap();
            let _ = done_tx.send(());
            ExitReason::Normal
        },
    );
    done_rx.await.unwrap();
    assert_eq!(giver.wait_exit().await, ExitReason::Normal);
}

/// ets_SUITE `privacy` and `bad_table`: private tables refuse others everything, protected
/// ones refuse others writes, public ones refuse nothing.
#[otp_runtime::test]
async fn access_is_enforced_with_typed_errors() {
    for access in [Access::Private, Access::Protected, Access::Public] {
        let o = owner(move || {
            let t = T::options().access(access).create().unwrap();
            t.insert("k", 1).unwrap();
            t
        })
        .await;
        let t = o.table.clone();
        let owner_pid = o.proc.pid();
        let (reads, writes, caller) = in_process(move || {
            let reads = [
                t.lookup(&"k").map(|_| ()),
                t.member(&"k").map(|_| ()),
                t.len().map(|_| ()),
                t.select(|_, v| Some(*v)).map(|_| ()),
                t.iter().map(|_| ()),
            ];
            let writes = [
                t.insert("k", 2),
                t.insert_new("j", 2).map(|_| ()),
                t.delete(&"x").map(|_| ()),
                t.update_counter("k", 1, 0).map(|_| ()),
                t.update("k", |_| ()),
                t.select_delete(|_, _| false).map(|_| ()),
                t.clear(),
            ];
            (reads, writes, otp_runtime::self_pid().unwrap())
        })
        .await;
        let refused = |write| TableError::Access {
            access,
            write,
            caller: Some(caller),
            owner: owner_pid,
        };
        for r in reads {
            match access {
                Access::Private => assert_eq!(r, Err(refused(false))),
                _ => assert_eq!(r, Ok(())),
            }
        }
        for w in writes {
            match access {
                Access::Public => assert_eq!(w, Ok(())),
                _ => assert_eq!(w, Err(refused(true))),
            }
        }
        // Only the owner (or anyone, public) deletes the table.
        let t = o.table.clone();
        let deleted = in_process(move || t.delete_table()).await;
        assert_eq!(deleted.is_ok(), access == Access::Public, "{access}");
        assert_eq!(
            o.table.to_string_err(),
            if access == Access::Public {
                Some(TableError::Deleted)
            } else {
                None
            }
        );
    }
}

trait ErrOf {
    fn to_string_err(&self) -> Option<TableError>;
}
impl ErrOf for T {
    fn to_string_err(&self) -> Option<TableError> {
        self.info().err()
    }
}

#[otp_runtime::test]
async fn access_error_reads_well() {
    let o = owner(|| T::options().private().create().unwrap()).await;
    let err = o.table.lookup(&"k").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "code outside any process may not read the private table of {}",
            o.proc.pid()
        )
    );
}

#[otp_runtime::test]
async fn named_tables_are_per_node_and_type_checked() {
    let o = owner(|| T::options().named("stock").create().unwrap()).await;
    assert_eq!(
        T::options().named("stock").create().err(),
        None::<TableError>.or(Some(TableError::NotInProcess))
    );
    let taken = in_process(|| T::options().named("stock").create().map(|_| ())).await;
    assert_eq!(taken, Err(TableError::NameTaken("stock".into())));
    let wrong = Table::<&'static str, u64, Bag>::named("stock").unwrap_err();
    assert!(matches!(wrong, TableError::WrongType { ref name, .. } if name == "stock"));
    assert!(
        wrong
            .to_string()
            .contains("is a otp_runtime::ets::table::Table<&str, u64>"),
        "{wrong}"
    );
    // Another node has its own names.
    let other = Node::new();
    assert_eq!(
        T::named_on(&other, "stock"),
        Err(TableError::NoTable("stock".into()))
    );
    let there = other
        .scope(async { owner(|| T::options().named("stock").create().unwrap()).await })
        .await;
    assert_ne!(T::named_on(&other, "stock").unwrap(), o.table);
    assert_eq!(T::named_on(&other, "stock").unwrap(), there.table);
    assert_eq!(
        otp_runtime::ets::named_tables(&other),
        vec!["stock".to_string()]
    );
}

/// ets_SUITE `t_insert_new`, `t_take`, `update_counter_with_default`.
#[otp_runtime::test]
async fn set_operations() {
    in_process(|| {
        let t: Table<u32, String> = Table::new().unwrap();
        assert_eq!(t.insert_new(1, "a".into()), Ok(true));
        assert_eq!(t.insert_new(1, "b".into()), Ok(false));
        t.insert(2, "b".into()).unwrap();
        assert_eq!(t.len(), Ok(2));
        assert_eq!(t.take(&1), Ok(Some("a".into())));
        assert_eq!(t.take(&1), Ok(None));
        assert_eq!(t.member(&2), Ok(true));
        assert_eq!(t.lookup_with(&2, String::len), Ok(Some(1)));
        assert_eq!(
            t.update(3, |v| {
                *v = Some("c".into());
                7
            }),
            Ok(7)
        );
        assert_eq!(t.lookup(&3), Ok(Some("c".into())));
        // A panicking update leaves the table as it was.
        let tc = t.clone();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tc.update(3, |v| {
                *v = None;
                panic!("in the closure")
            })
        }));
        assert!(panicked.is_err());
        assert_eq!(t.lookup(&3), Ok(Some("c".into())));
        // Using a table inside a closure a table runs is refused, not a deadlock.
        assert_eq!(
            t.update(2, |_| t.lookup(&2)),
            Ok(Err(TableError::Reentrant))
        );
        assert_eq!(
            t.select(|_, _| Some(t.len())).unwrap()[0],
            Err(TableError::Reentrant)
        );
        // select / filter / count / select_delete
        for k in 10..20 {
            t.insert(k, k.to_string()).unwrap();
        }
        assert_eq!(t.count(|k, _| *k >= 10), Ok(10));
        let mut f = t.filter(|k, _| *k >= 18).unwrap();
        f.sort();
        assert_eq!(f, vec![(18, "18".into()), (19, "19".into())]);
        assert_eq!(t.select_delete(|k, _| *k >= 10), Ok(10));
        assert_eq!(t.len(), Ok(2));
        let c: Table<&str, i32> = Table::new().unwrap();
        assert_eq!(c.update_counter("c", 5, 10), Ok(15));
        assert_eq!(c.update_counter("c", -20, 10), Ok(-5));
        assert_eq!(
            c.update_counter("max", 1, i32::MAX),
            Err(TableError::CounterOverflow)
        );
        assert_eq!(c.member(&"max"), Ok(false));
        let info = c.info().unwrap();
        assert_eq!((info.size, info.kind), (1, "set"));
    })
    .await;
}

/// Counters under 16 concurrent writers on several threads: no increment lost.
#[otp_runtime::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_under_16_concurrent_writers_are_exact() {
    const WRITERS: u64 = 16;
    const EACH: u64 = 10_000;
    let o = owner(|| Table::<u32, u64>::options().public().create().unwrap()).await;
    let mut procs = Vec::new();
    for w in 0..WRITERS {
        let t = o.table.clone();
        procs.push(otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
            for i in 0..EACH {
                t.update_counter(0, 1, 0).unwrap();
                t.update_counter((i % 8) as u32 + 1, 2, 0).unwrap();
                t.update(100, |v| *v = Some(v.unwrap_or(0) + 1)).unwrap();
                if i % 64 == w {
                    tokio::task::yield_now().await;
                }
            }
            ExitReason::Normal
        }));
    }
    for p in procs {
        assert_eq!(p.wait_exit().await, ExitReason::Normal);
    }
    let t = &o.table;
    assert_eq!(t.lookup(&0), Ok(Some(WRITERS * EACH)));
    let spread: u64 = (1..=8).map(|k| t.lookup(&k).unwrap().unwrap()).sum();
    assert_eq!(spread, WRITERS * EACH * 2);
    assert_eq!(t.lookup(&100), Ok(Some(WRITERS * EACH)));
}

/// ets_SUITE `t_first_next`, `ordered`, `interface_equality` (next/prev past the ends).
#[otp_runtime::test]
async fn ordered_traversal_and_ranges() {
    in_process(|| {
        let t: Table<i32, i32, OrderedSet> = Table::new().unwrap();
        assert_eq!((t.first(), t.last()), (Ok(None), Ok(None)));
        for k in [50, -3, 7, 100, 0, 7] {
            t.insert(k, k * 2).unwrap();
        }
        assert_eq!(t.len(), Ok(5));
        // first/next walks the keys in order
        let mut keys = vec![];
        let mut k = t.first().unwrap();
        while let Some(key) = k {
            keys.push(key);
            k = t.next(&key).unwrap();
        }
        assert_eq!(keys, vec![-3, 0, 7, 50, 100]);
        // last/prev backwards
        let mut back = vec![];
        let mut k = t.last().unwrap();
        while let Some(key) = k {
            back.push(key);
            k = t.prev(&key).unwrap();
        }
        keys.reverse();
        assert_eq!(back, keys);
        // next/prev of keys not in the table
        assert_eq!(t.next(&8), Ok(Some(50)));
        assert_eq!(t.prev(&8), Ok(Some(7)));
        assert_eq!(t.next(&100), Ok(None));
        // ranges, with limits and continuation
        assert_eq!(t.range(0..=50, usize::MAX).unwrap().len(), 3);
        assert_eq!(t.range(..0, 10), Ok(vec![(-3, -6)]));
        let first_two = t.range(.., 2).unwrap();
        assert_eq!(first_two, vec![(-3, -6), (0, 0)]);
        use std::ops::Bound::{Excluded, Unbounded};
        assert_eq!(
            t.range((Excluded(0), Unbounded), 2),
            Ok(vec![(7, 14), (50, 100)])
        );
        // iteration and select in key order
        assert_eq!(
            t.iter().unwrap().map(|(k, _)| k).collect::<Vec<_>>(),
            vec![-3, 0, 7, 50, 100]
        );
        assert_eq!(t.select(|k, _| Some(*k)), Ok(vec![-3, 0, 7, 50, 100]));
        // A traversal by next survives the deletion of the key it stands on.
        let mut k = t.first().unwrap().unwrap();
        t.delete(&k).unwrap();
        k = t.next(&k).unwrap().unwrap();
        assert_eq!(k, 0);
        assert_eq!(t.update_counter(0, 5, 0), Ok(5));
    })
    .await;
}

#[otp_runtime::test]
async fn ordered_iteration_with_many_keys_goes_in_chunks_in_order() {
    in_process(|| {
        let t: Table<u32, u32, OrderedSet> = Table::new().unwrap();
        for k in (0..1000).rev() {
            t.insert(k, k).unwrap();
        }
        let mut seen = Vec::new();
        for (k, _) in t.iter().unwrap() {
            // Writes while iterating: deleting far ahead, inserting behind and ahead.
            if k < 1000 {
                t.delete(&(k + 500)).unwrap();
                t.insert(k + 10_000, 0).unwrap();
            }
            seen.push(k);
        }
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "in increasing order, once each"
        );
        // Keys never deleted are all seen.
        assert!((0..500).all(|k| seen.binary_search(&k).is_ok()));
    })
    .await;
}

/// ets_SUITE `dups` and `t_delete_object` (bag and duplicate bag semantics).
#[otp_runtime::test]
async fn bag_and_duplicate_bag_semantics() {
    in_process(|| {
        let bag: Table<&str, u32, Bag> = Table::new().unwrap();
        let dup: Table<&str, u32, DuplicateBag> = Table::new().unwrap();
        for v in [1, 2, 1, 3, 1] {
            bag.insert("a", v).unwrap();
            dup.insert("a", v).unwrap();
        }
        bag.insert("b", 9).unwrap();
        assert_eq!(bag.lookup(&"a"), Ok(vec![1, 2, 3]));
        assert_eq!(dup.lookup(&"a"), Ok(vec![1, 2, 1, 3, 1]));
        assert_eq!(bag.len(), Ok(4));
        assert_eq!(dup.len(), Ok(5));
        // insert_new is about the key
        assert_eq!(bag.insert_new("a", 7), Ok(false));
        assert_eq!(dup.insert_new("c", 7), Ok(true));
        // delete_object removes every copy of the object in a duplicate bag
        assert_eq!(dup.delete_object("a", &1), Ok(3));
        assert_eq!(dup.lookup(&"a"), Ok(vec![2, 3]));
        assert_eq!(bag.delete_object("a", &2), Ok(1));
        assert_eq!(bag.lookup(&"a"), Ok(vec![1, 3]));
        assert_eq!(bag.delete_object("a", &42), Ok(0));
        // the last object of a key takes the key
        bag.delete_object("b", &9).unwrap();
        assert_eq!(bag.member(&"b"), Ok(false));
        assert_eq!(bag.len(), Ok(2));
        // select_delete on objects, not keys
        assert_eq!(dup.select_delete(|_, v| *v == 3), Ok(1));
        assert_eq!(dup.lookup(&"a"), Ok(vec![2]));
        assert_eq!(dup.len(), Ok(2));
        assert_eq!(dup.take(&"a"), Ok(vec![2]));
        assert_eq!(dup.lookup(&"a"), Ok(vec![]));
        // iteration yields each object
        let objs: BTreeSet<(&str, u32)> = bag.iter().unwrap().collect();
        assert_eq!(objs, BTreeSet::from([("a", 1), ("a", 3)]));
        assert_eq!(bag.info().unwrap().kind, "bag");
        assert_eq!(dup.info().unwrap().kind, "duplicate_bag");
    })
    .await;
}

/// Iteration while others write: every key present throughout is seen once, none twice.
#[otp_runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn iteration_tolerates_concurrent_writes() {
    let o = owner(|| Table::<u32, u32>::options().public().create().unwrap()).await;
    for k in 0..2000 {
        o.table.insert(k, k).unwrap();
    }
    let t = o.table.clone();
    let writer = otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
        for round in 0..50u32 {
            for k in 0..200 {
                // Keys 2000.. come and go; keys below 2000 stay.
                t.insert(2000 + k, round).unwrap();
                t.delete(&(2000 + (k + 100) % 200)).unwrap();
            }
            tokio::task::yield_now().await;
        }
        ExitReason::Normal
    });
    for _ in 0..20 {
        let mut seen = BTreeSet::new();
        for (k, _) in o.table.iter().unwrap() {
            assert!(seen.insert(k), "key {k} seen twice");
        }
        assert!((0..2000).all(|k| seen.contains(&k)));
        tokio::task::yield_now().await;
    }
    writer.wait_exit().await;
}

/// The same operations give the same iteration order in two tables (fixed hash seed).
#[otp_runtime::test]
async fn hash_iteration_order_is_the_same_every_time() {
    let (a, b) = in_process(|| {
        let mk = || {
            let t: Table<String, u32> = Table::new().unwrap();
            for k in 0..500 {
                t.insert(format!("key{k}"), k).unwrap();
            }
            for k in (0..500).step_by(7) {
                t.delete(&format!("key{k}")).unwrap();
            }
            t.to_vec().unwrap()
        };
        (mk(), mk())
    })
    .await;
    assert_eq!(a, b);
    // A fixed order, not the sorted one (a regression would show here across runs).
    let first: Vec<&str> = a.iter().take(3).map(|(k, _)| k.as_str()).collect();
    assert_eq!(first.len(), 3);
}

#[otp_runtime::test]
async fn values_are_clones_shared_with_arc() {
    in_process(|| {
        let t: Table<u8, Arc<Vec<u8>>> = Table::new().unwrap();
        let big = Arc::new(vec![0u8; 1 << 16]);
        t.insert(1, big.clone()).unwrap();
        let got = t.lookup(&1).unwrap().unwrap();
        assert!(Arc::ptr_eq(&got, &big));
        let info = t.info().unwrap();
        assert!(info.memory > 0 && info.memory < 1 << 16, "{}", info.memory);
    })
    .await;
}

#[otp_runtime::test]
async fn process_info_does_not_count_owned_tables_as_monitors() {
    let o = owner(|| {
        let a = T::new().unwrap();
        let _b = T::new().unwrap();
        a
    })
    .await;
    let info = otp_runtime::process_info(o.proc.pid()).unwrap();
    assert_eq!(info.monitored_by, 0);
    // Deleting a table takes it off its owner's records; the other goes at its death.
    let t = o.table.clone();
    let own = o.proc.pid();
    assert_eq!(t.owner(), Some(own));
    o.proc.send(ExitReason::Normal).unwrap();
    o.proc.wait_exit().await;
    assert!(t.is_deleted());
}

#[otp_runtime::test]
async fn a_stopped_node_deletes_its_tables() {
    let node = Node::new();
    let o = node
        .scope(async { owner(|| T::options().named("x").create().unwrap()).await })
        .await;
    node.stop().await;
    assert!(o.table.is_deleted());
    assert_eq!(
        T::named_on(&node, "x"),
        Err(TableError::NoTable("x".into()))
    );
}

#[otp_runtime::test]
async fn kinds_name_themselves() {
    use otp_runtime::ets::Kind;
    assert_eq!(Set::NAME, "set");
    assert_eq!(OrderedSet::NAME, "ordered_set");
    assert_eq!(DuplicateBag::NAME, "duplicate_bag");
}
