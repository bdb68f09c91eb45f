//! `service ID => FN` in `supervision_tree!`: an async fn by path, a closure, and every child
//! setting a service takes.
use otp_runtime::prelude::*;
use std::time::Duration;

async fn serve(stop: StopSignal) -> std::io::Result<()> {
    stop.await;
    Ok(())
}

supervision_tree! {
    /// Services beside a worker.
    pub Front: one_for_one, auto_shutdown: any_significant {
        service "http" => serve, name: "front_http", shutdown: 10s;
        service metrics => |stop: StopSignal| async move { stop.await }, restart: transient, significant;
        service "jobs" => |stop: StopSignal| async move {
            stop.await;
            Err::<(), _>("jobs interrupted")
        }, restart: temporary, shutdown: brutal_kill;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let front = Front::start().await.unwrap();
    assert!(otp_runtime::whereis("front_http").is_some());
    let http = front.get_childspec("http").await.unwrap();
    assert_eq!(http.shutdown_policy(), Shutdown::Timeout(Duration::from_secs(10)));
    assert_eq!(http.child_type(), ChildType::Worker);
    let metrics = front.get_childspec("metrics").await.unwrap();
    assert!(metrics.is_significant());
    assert_eq!(metrics.restart_type(), Restart::Transient);
    assert_eq!(
        front.get_childspec("jobs").await.unwrap().shutdown_policy(),
        Shutdown::BrutalKill
    );
    front.stop().await.unwrap();
}
