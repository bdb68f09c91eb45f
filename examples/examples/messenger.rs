//! The messenger of Erlang's *Getting Started* guide (`examples::messenger`): peter, james
//! and fred log on, send each other messages and read them. A second fred is refused, so is a
//! message to someone not logged on, and one from someone who logged off. James's client is
//! killed, as if his connection dropped, and the server, which monitors every client, logs
//! him off. Then the messenger stops.
//!
//! Run it with `cargo run --example messenger`.

use std::error::Error;
use std::time::Duration;

use examples::messenger::{self, MessengerError, MessengerSup, User};
use examples::supervision::show;
use otp_runtime::prelude::*;

/// Sends `text` from `from` to `to`, and prints what happened.
async fn send(from: &User, to: &str, text: &str) {
    match from.message_to(to, text).await {
        Ok(()) => println!("{} to {to}: {text:?}", from.name()),
        Err(e) => println!("{} to {to}: {e}", from.name()),
    }
}

/// Prints what `user` got since the last read.
async fn read(user: &User) -> Result<(), Box<dyn Error>> {
    for message in user.read().await? {
        println!("{} read: {message}", user.name());
    }
    Ok(())
}

// ANCHOR: logged_off
/// Waits until the server no longer lists `name`. It learns that a client died through its
/// monitor, a moment after the death: a request sent at once could come first.
async fn logged_off(name: &str) -> Result<(), Box<dyn Error>> {
    let gone = async {
        while messenger::users().await?.iter().any(|user| user == name) {
            tokio::task::yield_now().await;
        }
        Ok::<_, MessengerError>(())
    };
    match otp_runtime::time::timeout(Duration::from_secs(5), gone).await {
        Some(result) => Ok(result?),
        None => Err(format!("{name} is still logged on after 5 seconds").into()),
    }
}
// ANCHOR_END: logged_off

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    let tree = MessengerSup::start().await?;
    println!(
        "started the messenger: {}",
        show(&tree.which_children().await?)
    );
    // ANCHOR_END: start

    // ANCHOR: logon
    let peter = messenger::logon("peter").await?;
    let james = messenger::logon("james").await?;
    let fred = messenger::logon("fred").await?;
    println!("logged on: {}", messenger::users().await?.join(", "));
    if let Err(e) = messenger::logon("fred").await {
        println!("a second fred: {e}");
    }
    // ANCHOR_END: logon

    // ANCHOR: messages
    send(&peter, "fred", "hello").await;
    read(&fred).await?;
    send(&fred, "peter", "go away, I'm at lunch").await;
    send(&james, "peter", "lunch? me too").await;
    read(&peter).await?;
    send(&james, "harry", "are you there?").await;
    // ANCHOR_END: messages

    // ANCHOR: logoff
    fred.logoff().await?;
    println!(
        "fred logged off; logged on: {}",
        messenger::users().await?.join(", ")
    );
    send(&peter, "fred", "are you back?").await;
    send(&fred, "peter", "I'm back").await;
    // ANCHOR_END: logoff

    // ANCHOR: killed
    // James's connection drops: his client is killed.
    let client = james.pid().ok_or("james has a client")?;
    otp_runtime::exit(client, ExitReason::Kill);
    logged_off("james").await?;
    println!(
        "james's client was killed; logged on: {}",
        messenger::users().await?.join(", ")
    );
    send(&peter, "james", "still there?").await;
    send(&james, "peter", "I'm back").await;
    // ANCHOR_END: killed

    // ANCHOR: stop
    tree.stop().await?;
    println!("stopped the messenger");
    if let Err(e) = messenger::logon("mary").await {
        println!("mary: {e}");
    }
    // ANCHOR_END: stop
    Ok(())
}
