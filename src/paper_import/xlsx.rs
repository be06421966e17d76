//! XLSX input: the first worksheet of the workbook.
//!
//! The sheet is read cell by cell (calamine's streaming reader), never as a
//! `Range`: a range spans the sheet's used area, so one stray cell at
//! `XFD1048576` would make it allocate 16,384 × 1,048,576 cells. Before calamine
//! opens the file, every part of the ZIP is inflated into a counting sink with
//! a cap, so a ZIP bomb is refused before any part is held in memory.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};

use super::error::ImportError;
use super::limits::{MAX_COLUMNS, MAX_ROWS, MAX_XLSX_PART_BYTES, MAX_XLSX_TOTAL_BYTES};
use super::report::RawRow;

/// Reads the first visible worksheet (or the first worksheet when all are
/// hidden). Row numbers are the sheet's own row numbers.
pub(crate) fn read_rows(bytes: &[u8]) -> Result<Vec<RawRow>, ImportError> {
    check_inflated_size(bytes)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(malformed)?;

    let worksheets: Vec<_> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .collect();
    let name = worksheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets.first())
        .map(|s| s.name.clone())
        .ok_or(ImportError::NoWorksheet)?;

    let mut reader = workbook.worksheet_cells_reader(&name).map_err(malformed)?;
    // Sheet row (0-based) → (column (0-based), text) of its non-empty cells.
    let mut cells: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(malformed)? {
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row >= MAX_ROWS {
            return Err(ImportError::TooManyRows { row: row + 1 });
        }
        if column >= MAX_COLUMNS {
            return Err(ImportError::TooManyColumns { column: column + 1 });
        }
        cells.entry(row).or_default().push((column, text));
    }
    Ok(into_rows(cells))
}

/// Lays the sparse cells out as rows from the first used row to the last,
/// rows in between blank, as a spreadsheet shows them. Bounded by
/// `MAX_ROWS × MAX_COLUMNS`, checked while reading.
fn into_rows(cells: BTreeMap<usize, Vec<(usize, String)>>) -> Vec<RawRow> {
    let (Some(&first), Some(&last)) = (cells.keys().next(), cells.keys().next_back()) else {
        return Vec::new();
    };
    let first_column = cells
        .values()
        .flatten()
        .map(|(column, _)| *column)
        .min()
        .unwrap_or(0);
    let mut cells = cells;
    (first..=last)
        .map(|row| {
            let mut line = Vec::new();
            for (column, text) in cells.remove(&row).unwrap_or_default() {
                let at = column - first_column;
                if line.len() <= at {
                    line.resize(at + 1, String::new());
                }
                line[at] = text;
            }
            RawRow {
                row: row + 1,
                cells: line,
            }
        })
        .collect()
}

/// Inflates every part of the ZIP into a sink, refusing the file as soon as
/// one part or all of them together pass the caps. The sizes a ZIP declares
/// are not trusted: the bytes are counted.
fn check_inflated_size(bytes: &[u8]) -> Result<(), ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(malformed)?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(malformed)?;
        let inflated = std::io::copy(
            &mut part.take(MAX_XLSX_PART_BYTES + 1),
            &mut std::io::sink(),
        )
        .map_err(malformed)?;
        total += inflated;
        if inflated > MAX_XLSX_PART_BYTES || total > MAX_XLSX_TOTAL_BYTES {
            return Err(ImportError::TooLarge);
        }
    }
    Ok(())
}

fn malformed(e: impl std::fmt::Display) -> ImportError {
    ImportError::Xlsx {
        message: e.to_string(),
    }
}

/// Renders a cell the way a volunteer typed it: whole numbers lose their
/// `.0` (serial `12`, phone `13812345678`), booleans are `TRUE`/`FALSE`.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        // Dates are not expected on the form; keep Excel's serial number.
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    // Below 2^53 every whole f64 is exact, so the cast is lossless.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_spreadsheet_input() {
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(13_812_345_678.0), "13812345678");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(0.0), "0");
    }
}
