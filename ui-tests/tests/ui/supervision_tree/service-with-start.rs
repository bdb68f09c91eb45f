use otp_runtime::prelude::*;

async fn serve(stop: StopSignal) {
    stop.await
}

supervision_tree! {
    pub Front: one_for_one {
        service "http" => start serve;
    }
}

fn main() {}
