//! A dynamic supervisor whose template is `start |arg: T| FUTURE`, and one of supervisors.
use otp_runtime::prelude::*;

pub struct Session {
    user: String,
}

#[gen_server]
impl Session {
    #[call]
    pub fn user(&self) -> String {
        self.user.clone()
    }
}

supervision_tree! {
    /// Sessions started by a future of the user's name.
    pub Sessions: dynamic, name: "dynamic_start_sessions" {
        worker "session" => start |user: String| GenServer::start_link(Session { user }),
            restart: transient, shutdown: 100ms;
    }

    /// Teams, each a supervisor started by a future.
    pub Teams: dynamic {
        supervisor "team" => start |_size: u8| Team::start_link(), restart: temporary;
    }

    pub Team: one_for_one {
        worker "captain" => Session { user: "captain".to_string() };
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sessions = Sessions::start().await.unwrap();
    let pid = sessions
        .start_child("ada".to_string())
        .await
        .unwrap()
        .unwrap();
    let ada = SessionRef::from(ServerRef::<Session>::from_pid(pid).unwrap());
    assert_eq!(ada.user().await, Ok("ada".to_string()));
    assert_eq!(Sessions::named().pid(), sessions.pid());
    assert_eq!(sessions.count_children().await.unwrap().workers, 1);

    let teams = Teams::start().await.unwrap();
    teams.start_child(3).await.unwrap().unwrap();
    let counts = teams.count_children().await.unwrap();
    assert_eq!((counts.supervisors, counts.workers), (1, 0));
}
