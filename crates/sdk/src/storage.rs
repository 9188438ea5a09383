//! Where the engine's snapshot lives: `chrome.storage.local` in the extension, or an
//! in-memory map (shared by every instance in the page) for tests and plain pages.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = get)]
    fn chrome_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = set)]
    fn chrome_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = remove)]
    fn chrome_remove(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    static MEMORY: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// A key-value store of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Chrome,
    Memory,
}

impl Store {
    /// `chrome.storage.local` when it exists, else memory.
    pub fn detect() -> Store {
        let chrome =
            js_sys::Reflect::get(&js_sys::global(), &"chrome".into()).unwrap_or(JsValue::UNDEFINED);
        let storage =
            js_sys::Reflect::get(&chrome, &"storage".into()).unwrap_or(JsValue::UNDEFINED);
        if storage.is_object() {
            Store::Chrome
        } else {
            Store::Memory
        }
    }

    pub async fn load(self, key: &str) -> Result<Option<String>, String> {
        match self {
            Store::Memory => Ok(MEMORY.with(|m| m.borrow().get(key).cloned())),
            Store::Chrome => {
                let promise = chrome_get(&JsValue::from_str(key)).map_err(describe)?;
                let items = JsFuture::from(promise).await.map_err(describe)?;
                let value =
                    js_sys::Reflect::get(&items, &JsValue::from_str(key)).map_err(describe)?;
                Ok(value.as_string())
            }
        }
    }

    pub async fn save(self, key: &str, value: &str) -> Result<(), String> {
        match self {
            Store::Memory => {
                MEMORY.with(|m| m.borrow_mut().insert(key.to_owned(), value.to_owned()));
                Ok(())
            }
            Store::Chrome => {
                let items = js_sys::Object::new();
                js_sys::Reflect::set(&items, &JsValue::from_str(key), &JsValue::from_str(value))
                    .map_err(describe)?;
                let promise = chrome_set(&items).map_err(describe)?;
                JsFuture::from(promise).await.map_err(describe)?;
                Ok(())
            }
        }
    }

    pub async fn remove(self, key: &str) -> Result<(), String> {
        match self {
            Store::Memory => {
                MEMORY.with(|m| m.borrow_mut().remove(key));
                Ok(())
            }
            Store::Chrome => {
                let promise = chrome_remove(&JsValue::from_str(key)).map_err(describe)?;
                JsFuture::from(promise).await.map_err(describe)?;
                Ok(())
            }
        }
    }
}

fn describe(err: JsValue) -> String {
    err.as_string()
        .or_else(|| js_sys::Reflect::get(&err, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "storage failed".to_owned())
}
