//! The live connection's IO: a `WebSocket` (the global, so it works in a service worker),
//! the ticket request, one timer, and the JavaScript callback. Every decision — when to
//! connect, back off, poll, ping, stop — is `worktime_core::client::Live`'s; this module
//! performs its commands and reports back.
//!
//! Socket and timer callbacks only schedule the work (`spawn_local`): they never run the
//! state machine, or drop a closure, while JavaScript is inside that closure.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};
use worktime_core::client::live::socket_url;
use worktime_core::client::{Live, LiveCommand, LiveEvent};

use crate::inner::Inner;
use crate::{platform, transport};

/// The IO half of the live connection, kept in `Inner` next to the state machine.
#[derive(Default)]
pub struct LiveIo {
    socket: Option<Socket>,
    on_change: Option<js_sys::Function>,
}

/// An open (or opening) socket with its handlers. Dropping it closes the socket.
struct Socket {
    id: u64,
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code(1000);
    }
}

/// What a socket reported.
enum SocketEvent {
    Open,
    Message(String),
    Close(u16),
}

impl Inner {
    /// `live(onChange)`: starts the connection when signed in; returns whether it runs.
    pub(crate) fn start_live(self: &Rc<Self>, on_change: js_sys::Function) -> bool {
        let started = {
            let engine = self.engine.borrow();
            self.live.borrow_mut().start(platform::now(), &engine).is_ok()
        };
        if started {
            self.live_io.borrow_mut().on_change = Some(on_change);
        }
        self.drive_live();
        started
    }

    /// `stopLive()`: closes the socket; the callback is not called again.
    pub(crate) fn stop_live(self: &Rc<Self>) {
        self.live.borrow_mut().stop();
        self.drive_live();
        self.live_io.borrow_mut().on_change = None;
    }

    /// The live call rule: perform every command, deliver every event, arm the timer.
    /// Called after every input to the live machine and after every engine pump (a lost
    /// token stops the connection there).
    pub(crate) fn drive_live(self: &Rc<Self>) {
        loop {
            let command = {
                let engine = self.engine.borrow();
                self.live.borrow_mut().poll_command(platform::now(), &engine)
            };
            let Some(command) = command else { break };
            match command {
                LiveCommand::RequestTicket(transmit) => {
                    let inner = self.clone();
                    spawn_local(async move {
                        let outcome = transport::send(&inner.base_url, &transmit).await;
                        {
                            let mut engine = inner.engine.borrow_mut();
                            inner.live.borrow_mut().handle_ticket(
                                platform::now(),
                                transmit.id,
                                outcome,
                                &mut engine,
                            );
                        }
                        // A 401 may have dropped the token: persist, then drive both.
                        inner.pump(None).await;
                    });
                }
                LiveCommand::Open { socket, path } => self.open_socket(socket, &path),
                LiveCommand::Send { socket, text } => {
                    let io = self.live_io.borrow();
                    if let Some(open) = io.socket.as_ref().filter(|s| s.id == socket) {
                        let _ = open.ws.send_with_str(&text);
                    }
                }
                LiveCommand::Close { socket } => {
                    let closed = {
                        let mut io = self.live_io.borrow_mut();
                        if io.socket.as_ref().is_some_and(|s| s.id == socket) {
                            io.socket.take()
                        } else {
                            None
                        }
                    };
                    drop(closed);
                }
            }
        }
        self.deliver_live_events();
        // The live connection's wait is an entry of the one timer table.
        self.arm_timer();
    }

    fn deliver_live_events(&self) {
        let events: Vec<LiveEvent> = {
            let mut live = self.live.borrow_mut();
            std::iter::from_fn(|| live.poll_event()).collect()
        };
        if events.is_empty() {
            return;
        }
        // No borrow is held while JavaScript runs: the callback may call back into the SDK.
        let callback = self.live_io.borrow().on_change.clone();
        let Some(callback) = callback else { return };
        for event in events {
            if let Ok(value) = crate::worktime::to_js(&event) {
                let _ = callback.call1(&JsValue::NULL, &value);
            }
        }
    }

    fn open_socket(self: &Rc<Self>, id: u64, path: &str) {
        let opened = socket_url(&self.base_url, path)
            .ok_or_else(|| JsValue::from_str("the backend URL is not http(s)"))
            .and_then(|url| WebSocket::new(&url));
        let ws = match opened {
            Ok(ws) => ws,
            Err(_) => {
                // As if the socket had failed at once.
                let weak = Rc::downgrade(self);
                spawn_local(async move { on_socket(weak, id, SocketEvent::Close(1006)).await });
                return;
            }
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            spawn_local(on_socket(weak.clone(), id, SocketEvent::Open));
        });
        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                spawn_local(on_socket(weak.clone(), id, SocketEvent::Message(text)));
            }
        });
        let weak = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            spawn_local(on_socket(weak.clone(), id, SocketEvent::Close(event.code())));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let socket =
            Socket { id, ws, _on_open: on_open, _on_message: on_message, _on_close: on_close };
        let replaced = self.live_io.borrow_mut().socket.replace(socket);
        drop(replaced);
    }
}

/// Reports a socket's event to the state machine, then drives it.
async fn on_socket(inner: Weak<Inner>, id: u64, event: SocketEvent) {
    let Some(inner) = inner.upgrade() else { return };
    let now = platform::now();
    match event {
        SocketEvent::Open => inner.live.borrow_mut().handle_open(now, id),
        SocketEvent::Message(text) => inner.live.borrow_mut().handle_message(now, id, &text),
        SocketEvent::Close(code) => {
            let gone = {
                let mut io = inner.live_io.borrow_mut();
                if io.socket.as_ref().is_some_and(|s| s.id == id) {
                    io.socket.take()
                } else {
                    None
                }
            };
            drop(gone);
            {
                let mut engine = inner.engine.borrow_mut();
                inner.live.borrow_mut().handle_close(now, id, code, &mut engine);
            }
            // A 4001 may have dropped the token: persist, then drive both.
            inner.pump(None).await;
            return;
        }
    }
    inner.drive_live();
}

/// A fresh state machine for `Inner`.
pub(crate) fn new_live() -> (RefCell<Live>, RefCell<LiveIo>) {
    (RefCell::new(Live::default()), RefCell::new(LiveIo::default()))
}
