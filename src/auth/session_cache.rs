//! A short-lived cache of checked sessions, so a busy client does not cost two store queries per
//! request. Any revocation, disabling or scope change made through this process clears it at
//! once; one made through another process takes effect within `TTL`.
use super::identity::Caller;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Instant, Caller)>>,
}

impl SessionCache {
    pub fn get(&self, sid: &str) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(sid)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, c)| c.clone())
    }

    pub fn put(&self, caller: &Caller) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        entries.insert(caller.session_id.clone(), (Instant::now(), caller.clone()));
    }

    /// Forget everything: after a logout, a revocation, a disabled account or a scope change.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
