//! Paper forms: one entry, or a whole imported file, into a batch. The serial number is unique
//! within the batch, so entering the same form twice (or importing the same file twice) adds
//! nothing; every imported row is either accepted or reported with its row number and reason.
use super::moderation::WordFilter;
use crate::domain::ids::BuildingId;
use crate::paper_import::{PaperRow, Parsed};
use crate::store::{Audit, CreateOutcome, DynStore, NewPerson, NewSuggestion, PaperBatchRow};
use serde::Serialize;

pub struct PaperEntry {
    pub serial: String,
    pub text: String,
    pub title: Option<String>,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub category: Option<String>,
    /// An uploaded photo of the form itself.
    pub photo_ids: Vec<String>,
}

/// Commit one paper form. The volunteer in `audit` is recorded as the one who typed it; `words`
/// is the batch's community's filter (`moderation::community_filter`).
pub async fn add_entry(
    store: &DynStore,
    words: &WordFilter,
    batch: &PaperBatchRow,
    e: PaperEntry,
    audit: &Audit,
) -> anyhow::Result<CreateOutcome> {
    let premoderate = store
        .community(batch.community_id)
        .await?
        .is_some_and(|c| c.premoderate);
    let hold = super::moderation::hold_reason(words, premoderate, &e.text, e.title.as_deref());
    let hash = super::request_hash(&serde_json::json!([
        e.serial,
        e.text,
        e.title,
        e.building_id,
        e.place,
        e.name,
        e.phone,
        e.category
    ]));
    let new = NewSuggestion {
        community_id: batch.community_id,
        client_id: format!("paper:{}:{}", batch.paper_batch_id, e.serial),
        request_hash: hash,
        channel: "paper",
        author_account_id: None,
        author_person: Some(NewPerson {
            name: e.name,
            phone: e.phone,
        }),
        entered_by: audit.actor,
        title: e.title,
        body: e.text,
        building_id: e.building_id,
        place: e.place,
        category: e.category,
        show_author: false,
        paper_batch_id: Some(batch.paper_batch_id),
        paper_serial: Some(e.serial),
        photo_ids: e.photo_ids,
        hold_for_review: hold,
        consent_by_resident: false,
    };
    store.create_suggestion(&new, Some(audit)).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowReport {
    pub row: usize,
    pub serial: Option<String>,
    pub code: String,
    /// Why the row was refused, in Chinese.
    pub reason: String,
    pub reason_en: String,
}

impl RowReport {
    fn new(row: usize, serial: Option<String>, code: &str, reason: &str) -> Self {
        let (zh, en) = crate::error::split_bilingual(reason);
        Self {
            row,
            serial,
            code: code.into(),
            reason_en: en.unwrap_or_else(|| zh.clone()),
            reason: zh,
        }
    }
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows_total: usize,
    /// Rows that became new entries.
    pub accepted: usize,
    /// Rows already in the batch with the same content (a re-import): nothing added.
    pub already_imported: usize,
    pub blank_rows: usize,
    pub errors: Vec<RowReport>,
    pub ignored_columns: Vec<String>,
}

/// Import parsed rows into `batch`, calling `progress` after each row. `words` is the
/// configured filter; the community's own lists are added here.
pub async fn import(
    store: &DynStore,
    words: &WordFilter,
    batch: &PaperBatchRow,
    parsed: Parsed,
    audit: &Audit,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<ImportReport> {
    let buildings = store.buildings(batch.community_id).await?;
    let words = &super::moderation::community_filter(store, words, batch.community_id).await?;
    let mut report = ImportReport {
        rows_total: parsed.rows_total,
        blank_rows: parsed.blank_rows,
        ignored_columns: parsed.ignored_columns,
        ..Default::default()
    };
    for e in parsed.errors {
        report
            .errors
            .push(RowReport::new(e.row, e.serial, e.code, &e.reason));
    }
    for (i, row) in parsed.accepted.into_iter().enumerate() {
        let PaperRow {
            row: row_no,
            serial,
            text,
            title,
            building,
            place,
            name,
            phone,
            category,
        } = row;
        // A building the community knows becomes a reference; any other text stays as the place.
        let building_id = building
            .as_deref()
            .and_then(|b| buildings.iter().find(|x| x.name == b))
            .map(|x| x.building_id);
        let place = match (building_id, building) {
            (None, Some(b)) => Some(match place {
                Some(p) => format!("{b} {p}"),
                None => b,
            }),
            (_, _) => place,
        };
        let entry = PaperEntry {
            serial: serial.clone(),
            text,
            title,
            building_id,
            place,
            name,
            phone,
            category,
            photo_ids: Vec::new(),
        };
        match add_entry(store, words, batch, entry, audit).await? {
            CreateOutcome::Created(_) => report.accepted += 1,
            CreateOutcome::Existing(_) => report.already_imported += 1,
            CreateOutcome::KeyConflict(_) => report.errors.push(RowReport::new(
                row_no,
                Some(serial),
                "duplicate_serial",
                "本批次已有相同编号、内容不同的表单 / this serial is already in the batch with other content",
            )),
        }
        progress(i + 1);
    }
    report.errors.sort_by_key(|e| e.row);
    Ok(report)
}

/// Serials `1..=sheet_count` that have no entry yet (serials are the sheet numbers).
pub fn missing_serials(sheet_count: i32, entered: &[String]) -> Vec<i32> {
    let have: std::collections::HashSet<i32> = entered
        .iter()
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    (1..=sheet_count).filter(|n| !have.contains(n)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_serials_are_the_sheet_numbers_without_an_entry() {
        let entered = vec!["1".to_string(), "3".into(), " 4 ".into(), "A7".into()];
        assert_eq!(super::missing_serials(5, &entered), vec![2, 5]);
        assert!(super::missing_serials(0, &entered).is_empty());
    }
}
