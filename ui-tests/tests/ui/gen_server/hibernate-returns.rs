use otp_runtime::prelude::*;

struct Cache {
    items: Vec<u64>,
}

#[gen_server]
impl Cache {
    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[hibernate]
    fn shrink(&mut self) -> usize {
        self.items.shrink_to_fit();
        self.items.capacity()
    }
}

fn main() {}
