use otp_runtime::prelude::*;

struct Point {
    x: i64,
    y: i64,
}

#[gen_server]
impl Point {
    #[cast]
    fn move_by(&mut self, (dx, dy): (i64, i64)) {
        self.x += dx;
        self.y += dy;
    }
}

fn main() {}
