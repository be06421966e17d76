//! CSV input: UTF-8 (with or without BOM) or GB18030/GBK, RFC 4180 quoting.

use std::borrow::Cow;

use super::error::ImportError;
use super::limits::{MAX_COLUMNS, MAX_ROWS};
use super::report::RawRow;

/// Decodes CSV bytes: UTF-8 (a BOM is stripped) or, failing that, GB18030
/// (a superset of GBK, what Chinese Excel writes for "CSV (逗号分隔)").
pub(crate) fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    if bytes.contains(&0) {
        // UTF-16 ("Unicode text") or binary: not a CSV we understand.
        return None;
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(without_bom) {
        return Some(Cow::Borrowed(text));
    }
    encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
}

/// Reads every record with its row number as a spreadsheet program would
/// show it: a quoted cell spanning several lines is still one row, and an
/// empty line between records is a (blank) row of its own. Empty lines after
/// the last record are not rows.
pub(crate) fn read_rows(bytes: &[u8]) -> Result<Vec<RawRow>, ImportError> {
    let text = decode(bytes).ok_or(ImportError::Encoding)?;
    let raw = text.as_bytes();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(raw);

    let mut rows = Vec::new();
    let mut record = ::csv::StringRecord::new();
    let mut row = 0usize;
    let mut previous_ended_with_cr = false;
    loop {
        let start = byte_offset(reader.position());
        let more = reader
            .read_record(&mut record)
            .map_err(|e| ImportError::Csv {
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let end = byte_offset(reader.position());
        let consumed = raw.get(start..end).unwrap_or_default();
        // The csv reader silently skips empty lines; count them back in.
        for _ in 0..leading_line_breaks(consumed, previous_ended_with_cr) {
            row += 1;
            if row > MAX_ROWS {
                return Err(ImportError::TooManyRows { row });
            }
            rows.push(RawRow {
                row,
                cells: Vec::new(),
            });
        }
        row += 1;
        // Trailing empty cells are not content: a row of 10,000 commas is blank.
        let width = (0..record.len())
            .rev()
            .find(|&i| record.get(i).is_some_and(|c| !c.is_empty()))
            .map_or(0, |i| i + 1);
        if row > MAX_ROWS {
            return Err(ImportError::TooManyRows { row });
        }
        if width > MAX_COLUMNS {
            return Err(ImportError::TooManyColumns { column: width });
        }
        rows.push(RawRow {
            row,
            cells: record.iter().take(width).map(str::to_owned).collect(),
        });
        previous_ended_with_cr = consumed.last() == Some(&b'\r');
    }
    Ok(rows)
}

fn byte_offset(position: &::csv::Position) -> usize {
    usize::try_from(position.byte()).unwrap_or(usize::MAX)
}

/// Counts the empty lines at the start of `consumed` (the bytes the reader
/// used for one record). A record's own terminator is consumed with it, except
/// that the `\n` of a `\r\n` may be left for the next record: that one is not
/// an empty line.
fn leading_line_breaks(consumed: &[u8], previous_ended_with_cr: bool) -> usize {
    let mut breaks = 0;
    let mut after_cr = previous_ended_with_cr;
    for &b in consumed {
        match b {
            b'\r' => {
                breaks += 1;
                after_cr = true;
            }
            b'\n' => {
                if !after_cr {
                    breaks += 1;
                }
                after_cr = false;
            }
            _ => break,
        }
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(input: &str) -> Vec<(usize, Vec<String>)> {
        read_rows(input.as_bytes())
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.row, r.cells))
            .collect()
    }

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn row_numbers_follow_spreadsheet_rows() {
        for eol in ["\n", "\r\n", "\r"] {
            let input =
                format!("h1,h2{eol}a,\"multi{eol}line\"{eol}{eol},{eol}{eol}{eol}b,c{eol}{eol}");
            let rows = numbered(&input);
            assert_eq!(
                rows,
                vec![
                    (1, cells(&["h1", "h2"])),
                    (2, cells(&["a", &format!("multi{eol}line")])),
                    (3, vec![]),
                    // Trailing empty cells are dropped: a row of commas is blank.
                    (4, vec![]),
                    (5, vec![]),
                    (6, vec![]),
                    (7, cells(&["b", "c"])),
                ],
                "eol {eol:?}"
            );
        }
    }

    #[test]
    fn decodes_bom_and_gb18030() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc").as_deref(), Some("abc"));
        // "电梯" in GBK.
        assert_eq!(decode(b"\xB5\xE7\xCC\xDD").as_deref(), Some("电梯"));
        assert_eq!(decode(b"a\0b"), None);
        assert_eq!(decode(b"\xFF\xFF"), None);
    }
}
