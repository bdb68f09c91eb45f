//! Faults: what the user switches on ([`Faults`]), and what one seed expands that to (the
//! plan, printed with a failure).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::rng::Rng;
use super::world::{Event, World};
use crate::registry::Name;
use crate::ExitReason;

/// The faults a simulation injects while they are on (see [`Sim::faults`](super::Sim::faults)
/// and [`Sim::calm`](super::Sim::calm)). Each is off until switched on, and each seed expands
/// the ones switched on into a plan of its own: each fault is in force in about three seeds in
/// four (so that every fault is also tested alone and with the others off), at a rate drawn
/// between half of the one given and the one given: never more often than asked, so a test
/// can keep its faults within its supervisors' restart intensity. The plan is printed with a
/// failure.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use otp_runtime::sim::Faults;
///
/// let faults = Faults::new()
///     .kill(Duration::from_secs(5)) // a random process about every 5 simulated seconds
///     .buggify(0.05) // each buggify!() point that is on panics one pass in 20
///     .slow(0.01, Duration::from_millis(200)) // 1% of steps held back up to 200 ms
///     .spare("db"); // never kill the process registered as "db"
/// # let _ = faults;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Faults {
    kill: Option<Duration>,
    buggify: Option<f64>,
    slow: Option<(f64, Duration)>,
    partition: Option<(Duration, Duration)>,
    disconnect: Option<Duration>,
    restart: Option<Duration>,
    spare: Vec<Name>,
}

impl Faults {
    /// No faults.
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Kills (`kill`, untrappable) a random process about every `mean_interval` of
    /// simulated time (a seed's mean is between one and two times it, and two kills are
    /// never closer than half of it): any process but the roots (a process linked to nothing
    /// older than itself: the top of a tree, or a process started alone), a node's
    /// application controller and the top supervisors of its applications (as in OTP, an
    /// application whose top supervisor dies is stopped: that is not a fault to heal from),
    /// and the spared ones.
    pub fn kill(mut self, mean_interval: Duration) -> Faults {
        self.kill = Some(mean_interval.max(Duration::from_millis(1)));
        self
    }

    /// Makes each `buggify!()` point that is on in this seed (each is on in half the seeds,
    /// drawn at its first pass) panic with `probability` at each pass.
    pub fn buggify(mut self, probability: f64) -> Faults {
        self.buggify = Some(probability.clamp(0.0, 1.0));
        self
    }

    /// Holds a process back before a step with `probability`, for a random time up to
    /// `max`: a slow handler, a slow scheduler, a message that took its time.
    pub fn slow(mut self, probability: f64, max: Duration) -> Faults {
        self.slow = Some((
            probability.clamp(0.0, 1.0),
            max.max(Duration::from_millis(1)),
        ));
        self
    }

    /// Partitions the run's distributed nodes about every `mean_interval` (a random side
    /// against the rest), each partition lasting up to `max_length`, then healing. A
    /// partition shorter than the nodes' tick time is one TCP would ride out; a longer one
    /// takes their connections down (`nodedown`, `noconnection`), as in Erlang.
    pub fn partition(mut self, mean_interval: Duration, max_length: Duration) -> Faults {
        self.partition = Some((
            mean_interval.max(Duration::from_millis(1)),
            max_length.max(Duration::from_millis(1)),
        ));
        self
    }

    /// Resets a random connection between the run's nodes about every `mean_interval` (the
    /// nodes see it drop at once, and reconnect on their next message).
    pub fn disconnect(mut self, mean_interval: Duration) -> Faults {
        self.disconnect = Some(mean_interval.max(Duration::from_millis(1)));
        self
    }

    /// Stops a random child of a random supervisor through its supervisor and starts it
    /// again, about every `mean_interval`, as an operator would
    /// (`supervisor:terminate_child` then `restart_child`): the child's whole subtree stops
    /// in order and comes back. Only children of static supervisors (a dynamic supervisor's
    /// children are not restarted by id, as in OTP), and never a spared name. A restart is
    /// not a crash: it does not count against the supervisor's intensity.
    pub fn restart(mut self, mean_interval: Duration) -> Faults {
        self.restart = Some(mean_interval.max(Duration::from_millis(1)));
        self
    }

    pub(crate) fn restart_on(&self) -> bool {
        self.restart.is_some()
    }

    pub(crate) fn partition_on(&self) -> bool {
        self.partition.is_some()
    }

    pub(crate) fn disconnect_on(&self) -> bool {
        self.disconnect.is_some()
    }

    pub(crate) fn kill_on(&self) -> bool {
        self.kill.is_some()
    }

    pub(crate) fn buggify_on(&self) -> bool {
        self.buggify.is_some()
    }

    pub(crate) fn slow_on(&self) -> bool {
        self.slow.is_some()
    }

    /// Never kills the process registered as `name` (whichever incarnation holds it).
    pub fn spare(mut self, name: impl Into<Name>) -> Faults {
        self.spare.push(name.into());
        self
    }
}

/// One seed's expansion of the faults.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// The probability that a process yields its turn before a step: the scheduling choices,
    /// always on in a simulation.
    pub(crate) yield_p: f64,
    pub(crate) kill: Option<Duration>,
    pub(crate) buggify: Option<f64>,
    pub(crate) slow: Option<(f64, Duration)>,
    pub(crate) partition: Option<(Duration, Duration)>,
    pub(crate) disconnect: Option<Duration>,
    pub(crate) restart: Option<Duration>,
    pub(crate) spare: Vec<Name>,
    /// What the user asked for, to say which faults this seed left off.
    pub(crate) asked: Faults,
}

impl Plan {
    /// The scheduling part, drawn at the start of every run.
    pub(crate) fn scheduling(rng: &mut Rng) -> Plan {
        // Some seeds keep the scheduler's own order (FIFO), most shuffle it a little or more.
        let yield_p = if rng.chance(0.2) {
            0.0
        } else {
            rng.unit() * 0.3
        };
        Plan {
            yield_p,
            ..Plan::default()
        }
    }

    /// Expands `faults` for this seed.
    pub(crate) fn expand(&mut self, faults: &Faults, rng: &mut Rng) {
        // Between half the intensity asked and all of it.
        let mut scale = |on: bool| -> Option<f64> {
            let keep = rng.chance(0.75);
            let factor = 0.5 + 0.5 * rng.unit();
            (on && keep).then_some(factor)
        };
        let kill = scale(faults.kill.is_some());
        let buggify = scale(faults.buggify.is_some());
        let slow = scale(faults.slow.is_some());
        let partition = scale(faults.partition.is_some());
        let disconnect = scale(faults.disconnect.is_some());
        let restart = scale(faults.restart.is_some());
        self.restart = faults.restart.zip(restart).map(|(d, f)| d.div_f64(f));
        self.partition = faults
            .partition
            .zip(partition)
            .map(|((every, max), f)| (every.div_f64(f), max));
        self.disconnect = faults.disconnect.zip(disconnect).map(|(d, f)| d.div_f64(f));
        self.kill = faults.kill.zip(kill).map(|(d, f)| d.div_f64(f));
        self.buggify = faults.buggify.zip(buggify).map(|(p, f)| (p * f).min(1.0));
        self.slow = faults
            .slow
            .zip(slow)
            .map(|((p, max), f)| ((p * f).min(1.0), max));
        self.spare = faults.spare.clone();
        self.asked = faults.clone();
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.yield_p == 0.0 {
            writeln!(f, "  scheduling: the scheduler's own order (no yields)")?;
        } else {
            writeln!(
                f,
                "  scheduling: a process yields its turn with p = {:.3} before a step",
                self.yield_p
            )?;
        }
        match (self.asked.kill, self.kill) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  kill: off in this seed")?,
            (Some(_), Some(d)) => writeln!(f, "  kill: a random process about every {d:?}")?,
        }
        match (self.asked.buggify, self.buggify) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  buggify: off in this seed")?,
            (Some(_), Some(p)) => writeln!(f, "  buggify: p = {p:.3} per pass at the sites on")?,
        }
        match (self.asked.slow, self.slow) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  slow: off in this seed")?,
            (Some(_), Some((p, max))) => writeln!(f, "  slow: p = {p:.3} per step, up to {max:?}")?,
        }
        match (self.asked.partition, self.partition) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  partition: off in this seed")?,
            (Some(_), Some((every, max))) => {
                writeln!(f, "  partition: about every {every:?}, each up to {max:?}")?
            }
        }
        match (self.asked.disconnect, self.disconnect) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  disconnect: off in this seed")?,
            (Some(_), Some(d)) => writeln!(f, "  disconnect: a connection about every {d:?}")?,
        }
        match (self.asked.restart, self.restart) {
            (None, _) => {}
            (Some(_), None) => writeln!(f, "  restart: off in this seed")?,
            (Some(_), Some(d)) => writeln!(
                f,
                "  restart: a child through its supervisor about every {d:?}"
            )?,
        }
        if !self.spare.is_empty() {
            let names: Vec<&str> = self.spare.iter().map(|n| n.as_str()).collect();
            writeln!(f, "  spared: {}", names.join(", "))?;
        }
        Ok(())
    }
}

/// Kills a random process about every `mean` while the faults are on: the simulator's own
/// task (not a process, so it is never a victim).
pub(crate) async fn killer(world: Arc<World>) {
    loop {
        let wait = {
            let st = world.state();
            let Some(mean) = st.plan.kill.filter(|_| st.faults_on) else {
                return;
            };
            // Never closer than half the mean, so that a test can keep its kills within a
            // supervisor's restart intensity.
            drop(st);
            gap(&world, mean)
        };
        tokio::time::sleep(wait).await;
        if !world.state().faults_on || world.has_failed() {
            return;
        }
        kill_one(&world);
    }
}

fn kill_one(world: &World) {
    let (nodes, spare) = {
        let st = world.state();
        (st.nodes.clone(), st.plan.spare.clone())
    };
    let mut victims = Vec::new();
    for node in &nodes {
        // The node's own process (its application controller) and the top supervisors of its
        // applications (linked to it): OTP stops an application whose top supervisor dies.
        let controller = node.controller().and_then(|c| c.pid());
        for e in node.0.table.all() {
            let sh = e.shared();
            let system = controller.is_some_and(|c| sh.pid() == c || sh.is_linked_to(c.number()));
            if sh.is_exited() || sh.is_root() || system {
                continue;
            }
            let name = sh.name();
            if name.as_ref().is_some_and(|n| spare.contains(n)) {
                continue;
            }
            victims.push((e, name));
        }
    }
    if victims.is_empty() {
        return;
    }
    let i = world.state().rng.below(victims.len() as u64) as usize;
    let (victim, name) = &victims[i];
    let proc = {
        let mut st = world.state();
        st.struck.kills += 1;
        st.proc_of(victim.shared().node(), victim.shared().pid())
    };
    world.record(Event::Kill(
        proc,
        name.as_ref().map(|n| n.as_str().to_owned()),
    ));
    crate::process::core::exit_signal(crate::Pid::nobody(), &**victim, ExitReason::Kill, false);
}

/// The gap before the next strike of a fault whose mean interval is `mean`: uniform in
/// [mean / 2, 3 × mean / 2], never closer than half the mean.
fn gap(world: &World, mean: Duration) -> Duration {
    mean.mul_f64(0.5 + world.state().rng.unit())
}

/// The alive parts (before `@`) of the run's distributed nodes, in the order the run saw them.
fn distributed(world: &World) -> Vec<String> {
    let nodes = world.state().nodes.clone();
    nodes
        .iter()
        .filter(|n| n.is_distributed() && !n.is_stopped())
        .map(|n| n.name().split('@').next().unwrap_or_default().to_owned())
        .collect()
}

/// Partitions the network now and then while the faults are on; heals each partition after
/// its length, and any partition left when the faults stop.
pub(crate) async fn partitioner(world: Arc<World>) {
    while let Some((every, max)) = {
        let st = world.state();
        st.plan.partition.filter(|_| st.faults_on)
    } {
        tokio::time::sleep(gap(&world, every)).await;
        if !world.state().faults_on || world.has_failed() {
            break;
        }
        let nodes = distributed(&world);
        if nodes.len() < 2 {
            continue;
        }
        let (side, length) = {
            let mut st = world.state();
            let mut side: Vec<String> = nodes
                .iter()
                .filter(|_| st.rng.chance(0.5))
                .cloned()
                .collect();
            if side.is_empty() || side.len() == nodes.len() {
                let i = st.rng.below(nodes.len() as u64) as usize;
                side = vec![nodes[i].clone()];
            }
            st.struck.partitions += 1;
            let length = Duration::from_nanos(
                1 + st
                    .rng
                    .below(max.as_nanos().min(u128::from(u64::MAX)) as u64),
            );
            (side, length)
        };
        world.record(Event::Partition(side.clone()));
        world.net.partition(side);
        tokio::time::sleep(length).await;
        world.net.heal();
        world.record(Event::Heal);
    }
    if world.net.is_partitioned() {
        world.net.heal();
        world.record(Event::Heal);
    }
}

/// Resets a random connection now and then while the faults are on.
pub(crate) async fn disconnecter(world: Arc<World>) {
    loop {
        let Some(every) = ({
            let st = world.state();
            st.plan.disconnect.filter(|_| st.faults_on)
        }) else {
            return;
        };
        tokio::time::sleep(gap(&world, every)).await;
        if !world.state().faults_on || world.has_failed() {
            return;
        }
        let pairs = world.net.connected();
        if pairs.is_empty() {
            continue;
        }
        let (a, b) = {
            let mut st = world.state();
            st.struck.disconnects += 1;
            pairs[st.rng.below(pairs.len() as u64) as usize].clone()
        };
        world.record(Event::Disconnect(a.clone(), b.clone()));
        world.net.disconnect(&a, &b);
    }
}

/// Stops and restarts a random child through its supervisor now and then while the faults
/// are on.
pub(crate) async fn restarter(world: Arc<World>) {
    use crate::supervisor::{ChildState, SupervisorRef};
    loop {
        let Some(every) = ({
            let st = world.state();
            st.plan.restart.filter(|_| st.faults_on)
        }) else {
            return;
        };
        tokio::time::sleep(gap(&world, every)).await;
        if !world.state().faults_on || world.has_failed() {
            return;
        }
        let (nodes, spare) = {
            let st = world.state();
            (st.nodes.clone(), st.plan.spare.clone())
        };
        // Every running child of every static supervisor, in pid order.
        let mut choices = Vec::new();
        for node in nodes.iter().filter(|n| !n.is_stopped()) {
            for e in node.0.table.all() {
                let pid = e.shared().pid();
                let Ok(server) = node.sync_scope(|| {
                    crate::ServerRef::<crate::supervisor::server::Supervisor>::from_pid(pid)
                }) else {
                    continue;
                };
                let sup = SupervisorRef::from_server(server);
                let Ok(Ok(children)) =
                    crate::time::timeout(Duration::from_secs(5), node.scope(sup.which_children()))
                        .await
                        .ok_or(())
                else {
                    continue;
                };
                for child in children {
                    if let ChildState::Running(child_pid) = child.state {
                        let spared =
                            node.0.table.get(child_pid).is_some_and(|c| {
                                c.shared().name().is_some_and(|n| spare.contains(&n))
                            });
                        if !spared {
                            choices.push((node.clone(), sup.clone(), child.id.clone(), child_pid));
                        }
                    }
                }
            }
        }
        if choices.is_empty() {
            continue;
        }
        let (node, sup, id, pid) = {
            let mut st = world.state();
            st.struck.restarts += 1;
            let (node, sup, id, pid) =
                choices.swap_remove(st.rng.below(choices.len() as u64) as usize);
            let proc = st.proc_of(&node, pid);
            (node, sup, id, proc)
        };
        world.record(Event::Restart(pid, id.to_string()));
        // Either may fail if the tree changed meanwhile (a kill, a restart): that is fine.
        let _ = node.scope(sup.terminate_child(&id)).await;
        let _ = node.scope(sup.restart_child(&id)).await;
    }
}
