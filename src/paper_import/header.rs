//! Header row: which column holds which field.

use super::column::Column;
use super::error::ImportError;

/// Where each known field sits in a data row.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMap {
    positions: [Option<usize>; Column::ALL.len()],
    /// Non-empty headers that matched no field, trimmed, in file order.
    pub(crate) ignored: Vec<String>,
}

impl HeaderMap {
    /// Maps a header row. Refuses the file when a required column is missing
    /// or when two headers name the same field.
    pub(crate) fn from_cells(cells: &[String]) -> Result<Self, ImportError> {
        let mut positions = [None; Column::ALL.len()];
        let mut ignored = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            match Column::from_header(cell) {
                Some(column) => {
                    let slot = &mut positions[column.index()];
                    if let Some(first) = *slot {
                        return Err(ImportError::DuplicateColumn {
                            column,
                            first: header_text(cells, first),
                            second: header_text(cells, i),
                        });
                    }
                    *slot = Some(i);
                }
                None => {
                    let trimmed = cell.trim();
                    if !trimmed.is_empty() {
                        ignored.push(trimmed.to_owned());
                    }
                }
            }
        }
        for column in Column::REQUIRED {
            if positions[column.index()].is_none() {
                return Err(ImportError::MissingColumn { column });
            }
        }
        Ok(Self { positions, ignored })
    }

    /// The trimmed cell of `column` in `cells`; `None` when the column is
    /// absent, the row is short, or the cell is blank.
    pub(crate) fn get<'a>(&self, cells: &'a [String], column: Column) -> Option<&'a str> {
        let i = self.positions[column.index()]?;
        let value = cells.get(i)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

fn header_text(cells: &[String], i: usize) -> String {
    cells
        .get(i)
        .map(|c| c.trim().to_owned())
        .unwrap_or_default()
}
