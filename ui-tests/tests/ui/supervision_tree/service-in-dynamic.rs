use otp_runtime::prelude::*;

async fn serve(stop: StopSignal) {
    stop.await
}

supervision_tree! {
    pub Pool: dynamic {
        service "conn" => |_: u32| serve;
    }
}

fn main() {}
