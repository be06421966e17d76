use crate::domain::ids::{CommunityId, SuggestionId};
use serde::{Deserialize, Serialize};

/// What travels on the queue: a pointer into the store, never the suggestion itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMessage {
    /// Stable job name: `suggestion.accepted` or `suggestion.withdrawn`.
    pub kind: String,
    pub suggestion_id: SuggestionId,
    pub community_id: CommunityId,
    /// When the suggestion was accepted (Unix ms), for the queue's stage timings.
    #[serde(default, rename = "at", skip_serializing_if = "Option::is_none")]
    pub accepted_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    /// The partition it was read from.
    pub partition: u32,
    /// Transport-specific id (a stream entry id, or a sequence number in process).
    pub id: String,
    pub message: QueueMessage,
    /// How many times this entry has been delivered, this time included.
    pub deliveries: u64,
    /// When the entry reached the queue (Unix ms).
    pub queued_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueStats {
    /// Delivered but not yet acknowledged.
    pub pending: u64,
    /// Waiting to be delivered.
    pub waiting: u64,
    pub dead_letters: u64,
}
