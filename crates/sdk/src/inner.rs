//! `Inner`: the state behind a `WorkTime` (engine, live connection, storage, timer) and
//! the call rule that drives it: send what the engine wants, persist before sending,
//! report every outcome, arm the one timer, and let the live connection follow.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use worktime_core::client::js::SdkStatus;
use worktime_core::client::{
    next_wake, Engine, Failure, Live, Outcome, SignOutResult, SignOutScope, Status, Timer,
    LONGEST_IN_MEMORY_TIMER_MS,
};

use crate::live::LiveIo;
use crate::storage::Store;
use crate::worktime::to_js;
use crate::{platform, transport, views};

pub(crate) struct Inner {
    pub(crate) engine: RefCell<Engine>,
    pub(crate) base_url: String,
    pub(crate) store: Store,
    pub(crate) key: String,
    /// Whether the last request got an HTTP answer.
    pub(crate) reachable: Cell<Option<bool>>,
    /// The one in-memory timer (see `arm_timer`).
    pub(crate) timer: RefCell<Option<Timeout>>,
    /// `onTimer`'s listener.
    pub(crate) on_timer: RefCell<Option<js_sys::Function>>,
    /// The live connection's state machine and its IO (socket, timer, callback).
    pub(crate) live: RefCell<Live>,
    pub(crate) live_io: RefCell<LiveIo>,
}

impl Inner {
    /// The call rule: send what the engine wants, one request at a time, persisting the
    /// snapshot before each; then arm the retry timer, and let the live connection see
    /// the engine's state (a lost token stops it).
    pub(crate) async fn pump(self: &Rc<Self>, progress: Option<&js_sys::Function>) {
        loop {
            let (transmit, snapshot) = {
                let mut engine = self.engine.borrow_mut();
                let transmit = engine.poll_transmit(platform::now());
                (transmit, engine.snapshot())
            };
            if let Err(err) = self.store.save(&self.key, &snapshot).await {
                web_sys_log(&format!("WorkTime: could not save state: {err}"));
            }
            let Some(transmit) = transmit else { break };
            let outcome = transport::send(&self.base_url, &transmit).await;
            self.reachable.set(Some(matches!(outcome, Outcome::Http { .. })));
            self.engine.borrow_mut().handle_response(platform::now(), transmit.id, outcome);
            if let (Some(callback), Ok(status)) = (progress, self.status_js()) {
                let _ = callback.call1(&JsValue::NULL, &status);
            }
        }
        self.arm_timer();
        self.drive_live();
    }

    /// Ends the sign-in on the server (`scope`) and here, as the engine decides.
    pub(crate) async fn sign_out_with(self: &Rc<Self>, scope: SignOutScope) -> SignOutResult {
        let request = self.engine.borrow().sign_out_request(scope);
        let outcome = match request {
            Some(transmit) => Some(transport::send(&self.base_url, &transmit).await),
            None => None,
        };
        if let Some(outcome) = &outcome {
            self.reachable.set(Some(matches!(outcome, Outcome::Http { .. })));
        }
        let result = self.engine.borrow_mut().finish_sign_out(scope, outcome.as_ref());
        self.pump(None).await;
        result
    }

    /// A view request refused the token (401): the engine decides whether it is the one
    /// held (then a sign-in is needed, and the live connection stops).
    pub(crate) async fn after_view(self: &Rc<Self>, context: &views::Context) {
        let Some(bearer) = context.bearer.as_deref().filter(|_| context.refused.get()) else {
            return;
        };
        let refused = Failure::Http {
            status: 401,
            code: worktime_api::ErrorCode::Unauthorized,
            message: "The sign-in was ended.".into(),
        };
        let dropped = self.engine.borrow_mut().token_refused(bearer, refused);
        if dropped {
            self.pump(None).await;
        }
    }

    /// Arms the one in-memory timer for the earliest entry of the timer table (the
    /// engine's and the live connection's), when it is near enough to outlive no service
    /// worker; later ones are `chrome.alarms`' (`nextAlarm`).
    pub(crate) fn arm_timer(self: &Rc<Self>) {
        let wake = next_wake(&self.engine.borrow(), Some(&self.live.borrow()));
        let delay = wake.map(|wake| (wake.at_ms - platform::now().0).max(0));
        let Some(delay) = delay.filter(|&delay| delay <= LONGEST_IN_MEMORY_TIMER_MS) else {
            self.timer.borrow_mut().take();
            return;
        };
        let weak = Rc::downgrade(self);
        let timer = Timeout::new(delay as u32, move || {
            let Some(inner) = weak.upgrade() else { return };
            spawn_local(async move {
                let fired = inner.wake().await;
                inner.report_timers(&fired);
            });
        });
        // The replaced timer is cancelled; this runs outside any timer callback.
        self.timer.borrow_mut().replace(timer);
    }

    /// A timer fired: every due entry of the table is handled, then the call rule runs.
    /// Returns the engine's entries that fired.
    pub(crate) async fn wake(self: &Rc<Self>) -> Vec<Timer> {
        let now = platform::now();
        let fired = self.engine.borrow_mut().handle_timeout(now);
        self.live.borrow_mut().handle_timeout(now);
        self.pump(None).await;
        fired
    }

    /// Tells the shell's `onTimer` listener which entries an in-memory timer fired (it
    /// looks at the browser on `heartbeat`).
    pub(crate) fn report_timers(&self, fired: &[Timer]) {
        let listener = self.on_timer.borrow().clone();
        if let (Some(listener), false) = (listener, fired.is_empty()) {
            if let Ok(value) = to_js(&fired) {
                let _ = listener.call1(&JsValue::NULL, &value);
            }
        }
    }

    pub(crate) fn status_js(&self) -> Result<JsValue, JsValue> {
        let engine = self.engine.borrow();
        let now = platform::now();
        let status: Status = engine.status(now);
        let online = self.reachable.get();
        let pause = engine.pause_state(now);
        let badge = engine.badge(&status, now, online);
        to_js(&SdkStatus { online, status, pause, badge })
    }

    pub(crate) fn view_context(&self) -> views::Context {
        let engine = self.engine.borrow();
        views::Context {
            base_url: self.base_url.clone(),
            bearer: engine.bearer(platform::now()),
            local: engine.history(usize::MAX, 0),
            tz_offset_minutes: platform::tz_offset_minutes(),
            device_id: engine.device_id().unwrap_or_default().to_owned(),
            refused: Cell::new(false),
        }
    }
}

pub(crate) fn error_message(body: &str) -> String {
    serde_json::from_str::<worktime_api::ErrorBody>(body)
        .map(|b| b.error.message)
        .unwrap_or_else(|_| "unexpected answer".to_owned())
}

pub(crate) fn web_sys_log(message: &str) {
    js_sys::Reflect::get(&js_sys::global(), &"console".into())
        .ok()
        .and_then(|console| js_sys::Reflect::get(&console, &"warn".into()).ok())
        .and_then(|warn| warn.dyn_into::<js_sys::Function>().ok())
        .map(|warn| warn.call1(&JsValue::NULL, &JsValue::from_str(message)));
}
