%% A client of the messenger of Erlang's "Getting Started" guide, for an Erlang shell: it
%% logs on to the Rust server of otp-rs (`cargo run --example dist_messenger -- server`),
%% or to the tutorial's own, on node messenger@localhost. The commands and the messages
%% are the tutorial's: logon(Name), message(ToName, Message) and logoff(); one user per
%% node, whose client process is registered as mess_client.
%%
%%   $ erlc messenger_client.erl
%%   $ erl -sname c1@localhost -setcookie tutorial
%%   (c1@localhost)1> messenger_client:logon(peter).
%%   ok
%%   logged_on
-module(messenger_client).
-export([logon/1, message/2, logoff/0]).

%% Where the server runs, and its registered name.
-define(SERVER, {messenger, 'messenger@localhost'}).

logon(Name) ->
    case whereis(mess_client) of
        undefined ->
            register(mess_client, spawn(fun() -> logged_on(Name) end)),
            ok;
        _ ->
            already_logged_on
    end.

message(ToName, Message) ->
    command({message_to, ToName, Message}).

logoff() ->
    command(logoff).

%% A command for this node's client, if it has one.
command(Command) ->
    case whereis(mess_client) of
        undefined -> not_logged_on;
        Client -> Client ! Command, ok
    end.

%% The client: logs on, then serves the commands and prints what others send.
logged_on(Name) ->
    ?SERVER ! {self(), logon, Name},
    answer(),
    serve().

serve() ->
    receive
        {message_to, ToName, Message} ->
            ?SERVER ! {self(), message_to, ToName, Message},
            answer(),
            serve();
        {message_from, FromName, Message} ->
            io:format("Message from ~p: ~p~n", [FromName, Message]),
            serve();
        logoff ->
            ?SERVER ! {self(), logoff},
            io:format("logged off~n")
    end.

%% The server's answer to the request just sent: printed; a refusal ends the client.
answer() ->
    receive
        {messenger, stop, Why} ->
            io:format("~p~n", [Why]),
            exit(normal);
        {messenger, What} ->
            io:format("~p~n", [What])
    after 5000 ->
        io:format("No response from server~n"),
        exit(timeout)
    end.
