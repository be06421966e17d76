//! XLSX input: the first worksheet of the workbook.

use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible, Xlsx};

use super::error::ImportError;
use super::report::RawRow;

/// Reads the first visible worksheet (or the first worksheet when all are
/// hidden). Row numbers are the sheet's own row numbers.
pub(crate) fn read_rows(bytes: &[u8]) -> Result<Vec<RawRow>, ImportError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| ImportError::Xlsx {
        message: e.to_string(),
    })?;

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

    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ImportError::Xlsx {
            message: e.to_string(),
        })?;
    // `start` is the top-left used cell (0-based); None for an empty sheet.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow {
            row: first_row + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect())
}

/// Renders a cell the way a volunteer typed it: whole numbers lose their
/// `.0` (serial `12`, phone `13812345678`), booleans are `TRUE`/`FALSE`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        // Dates are not expected on the form; keep Excel's serial number.
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => e.to_string(),
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
