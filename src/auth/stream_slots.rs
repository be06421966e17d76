//! Open live-event streams per session, capped so one token cannot hold unlimited connections.
//! Counted per process (each API process enforces the cap on the streams it serves).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open stream; dropping it (the stream ended or the client went away) frees the slot.
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    session: String,
}

impl StreamSlots {
    /// Take a slot for `session` unless it already holds `cap` streams.
    pub fn try_open(&self, session: &str, cap: usize) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(session.to_string()).or_default();
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            open: self.open.clone(),
            session: session.to_string(),
        })
    }

    pub fn open_for(&self, session: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(session).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.session) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_cap_streams_and_closing_one_frees_its_slot() {
        let slots = StreamSlots::default();
        let a = slots.try_open("s1", 2);
        let b = slots.try_open("s1", 2);
        assert!(a.is_some() && b.is_some());
        assert!(slots.try_open("s1", 2).is_none());
        assert!(
            slots.try_open("s2", 2).is_some(),
            "sessions are independent"
        );
        drop(a);
        assert_eq!(slots.open_for("s1"), 1);
        assert!(slots.try_open("s1", 2).is_some());
    }
}
