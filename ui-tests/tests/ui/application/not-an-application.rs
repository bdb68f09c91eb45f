// A node runs applications: a type that does not implement `Application` is named as such.
use otp_runtime::node::Node;

struct Metrics;

fn main() {
    let _node = Node::new().application(Metrics);
}
