//! What the two backends' one-statement batch inserts share: each sends the batch its own way
//! (PostgreSQL as arrays, SQLite as JSON) and gets back the ids of the rows it wrote.
use crate::domain::ids::{AccountId, SuggestionId};
use crate::store::{NewSuggestion, SuggestionRow};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The answer to a batch, in its order: the row written for each post, or `None` where the
/// author's key was already taken. `inserted` holds `(id, author, client id)` of every row the
/// statement wrote; only the ids come back, the rest of each row is what was sent.
pub(crate) fn in_batch_order(
    batch: &[NewSuggestion],
    inserted: impl IntoIterator<Item = (SuggestionId, Option<AccountId>, String)>,
    now: DateTime<Utc>,
) -> Vec<Option<SuggestionRow>> {
    let mut by_key: HashMap<_, _> = inserted
        .into_iter()
        .map(|(id, author, key)| ((author, key), id))
        .collect();
    batch
        .iter()
        .map(|s| {
            by_key
                .remove(&(s.author_account_id, s.client_id.clone()))
                .map(|id| SuggestionRow::batched(id, s, now))
        })
        .collect()
}
