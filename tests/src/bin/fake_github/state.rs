//! What the fake GitHub remembers: pending authorize codes, issued tokens and the request
//! log, behind one mutex that a panicking thread cannot poison for the others.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub type Shared = Arc<Mutex<State>>;

#[derive(Default)]
pub struct State {
    /// Makes codes and tokens unique.
    counter: u64,
    /// One-time codes from the authorize step.
    pub codes: HashMap<String, PendingCode>,
    /// Issued access tokens.
    pub tokens: HashMap<String, TokenUser>,
    /// Requests received, for `/_fake/requests`.
    pub log: Vec<Value>,
}

/// A code from `GET /login/oauth/authorize`, until a token request names it.
#[derive(Debug, Clone)]
pub struct PendingCode {
    pub login: String,
    pub code_challenge: Option<String>,
    pub redirect_uri: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserBehaviour {
    Normal,
    /// `/user` answers 500.
    Down,
    /// `/user` answers 200 with an unexpected shape.
    Malformed,
}

/// The GitHub user behind an access token.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub id: u64,
    pub login: String,
    pub behaviour: UserBehaviour,
}

/// The state, even after a thread panicked holding it.
pub fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// A fresh random-looking hex string of `len` characters (len ≤ 64).
    pub fn fresh_hex(&mut self, len: usize) -> String {
        self.counter = self.counter.wrapping_add(1);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut hasher = DefaultHasher::new();
        (self.counter, nanos, std::process::id()).hash(&mut hasher);
        let seed = format!("{}:{}:{}:{}", self.counter, nanos, std::process::id(), hasher.finish());
        let hex = format!("{:x}", Sha256::digest(seed.as_bytes()));
        hex[..len.min(hex.len())].to_owned()
    }

    /// A new `gho_` access token for `user`.
    pub fn issue_token(&mut self, user: TokenUser) -> String {
        let token = format!("gho_{}", self.fresh_hex(36));
        self.tokens.insert(token.clone(), user);
        token
    }
}

/// A stable user id for a login: the same login always gets the same id, in [1000, 10^9+1000).
pub fn id_for_login(login: &str) -> u64 {
    let digest = Sha256::digest(login.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 1_000_000_000 + 1000
}
