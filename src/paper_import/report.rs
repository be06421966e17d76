//! Turns raw rows (from CSV or XLSX) into accepted rows plus a report.

use std::collections::HashMap;

use serde::Serialize;

use super::error::ImportError;
use super::header::HeaderMap;
use super::row::{check_row, PaperRow, RowError};

/// One row of cells as read from the file, before any interpretation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRow {
    /// Row number as a person sees it in a spreadsheet.
    pub(crate) row: usize,
    pub(crate) cells: Vec<String>,
}

impl RawRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// The result of parsing one file.
///
/// Every data row below the header is accounted for exactly once:
/// `rows_total == accepted.len() + errors.len() + blank_rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parsed {
    /// Valid rows, in file order.
    pub accepted: Vec<PaperRow>,
    /// Rejected rows, in file order, one entry per row.
    pub errors: Vec<RowError>,
    /// Data rows whose cells are all empty; skipped, not errors.
    pub blank_rows: usize,
    /// Data rows below the header row, blank ones included.
    pub rows_total: usize,
    /// Header texts that matched no known field, in file order.
    pub ignored_columns: Vec<String>,
}

/// The first non-blank row is the header; every row after it is a data row.
/// Blank rows above the header are not data rows and are not counted.
pub(crate) fn build(rows: Vec<RawRow>) -> Result<Parsed, ImportError> {
    let mut rows = rows.into_iter().skip_while(RawRow::is_blank);
    let header_row = rows.next().ok_or(ImportError::EmptyFile)?;
    let header = HeaderMap::from_cells(&header_row.cells)?;

    let mut parsed = Parsed {
        accepted: Vec::new(),
        errors: Vec::new(),
        blank_rows: 0,
        rows_total: 0,
        ignored_columns: header.ignored.clone(),
    };
    let mut seen = HashMap::new();
    for raw in rows {
        parsed.rows_total += 1;
        if raw.is_blank() {
            parsed.blank_rows += 1;
            continue;
        }
        match check_row(raw.row, &raw.cells, &header, &mut seen) {
            Ok(row) => parsed.accepted.push(row),
            Err(error) => parsed.errors.push(error),
        }
    }
    debug_assert_eq!(
        parsed.rows_total,
        parsed.accepted.len() + parsed.errors.len() + parsed.blank_rows
    );
    Ok(parsed)
}
