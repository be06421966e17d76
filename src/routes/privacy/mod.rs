//! Residents' data rights over HTTP: profile (correct), consent, export, erasure; staff erasure
//! of paper-form persons; the access log and the paper-form contact reveal that writes it.
pub mod access_log;
pub mod consent;
pub mod erase;
pub mod export;
pub mod persons;
pub mod profile;

use crate::hall::status::{SuggestionState, TimelineKind, TopicStatus};

/// The labels the export shows beside codes (one source: the hall's status types). A code the
/// server does not know (none should be stored) shows as a dash rather than as itself.
pub const EXPORT_LABELS: crate::privacy::export::ExportLabels =
    crate::privacy::export::ExportLabels {
        topic_status: |s| TopicStatus::parse(s).map_or("—", TopicStatus::label),
        suggestion_state: |s| SuggestionState::parse(s).map_or("—", SuggestionState::label),
        timeline_kind: |k| TimelineKind::parse(k).map_or("—", TimelineKind::label),
    };
