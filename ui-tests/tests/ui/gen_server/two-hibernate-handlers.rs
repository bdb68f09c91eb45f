use otp_runtime::prelude::*;

struct Cache {
    items: Vec<u64>,
    index: Vec<u64>,
}

#[gen_server]
impl Cache {
    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[hibernate]
    fn shrink_items(&mut self) {
        self.items.shrink_to_fit();
    }

    #[hibernate]
    fn shrink_index(&mut self) {
        self.index.shrink_to_fit();
    }
}

fn main() {}
