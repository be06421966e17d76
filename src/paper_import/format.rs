//! File format detection and the `parse` entry point.

use serde::{Deserialize, Serialize};

use super::error::ImportError;
use super::report::{build, Parsed};
use super::{csv, xlsx};

/// The file formats volunteers can upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

impl Format {
    /// Guesses the format from the content, using the file name only to veto
    /// a contradiction:
    /// - ZIP content (`PK\x03\x04`) is XLSX, unless the name says `.csv`/`.txt`;
    /// - other content is CSV when it decodes as UTF-8 (BOM or not) or
    ///   GB18030/GBK, unless the name says it is a spreadsheet (`.xlsx`,
    ///   `.xls`, ...): a legacy `.xls` is not supported;
    /// - anything else (UTF-16 text, binary) is `None`.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let named_text = matches!(extension.as_str(), "csv" | "txt");
        let named_spreadsheet =
            matches!(extension.as_str(), "xlsx" | "xlsm" | "xls" | "et" | "ods");

        if bytes.starts_with(ZIP_MAGIC) {
            return (!named_text).then_some(Format::Xlsx);
        }
        if named_spreadsheet {
            return None;
        }
        csv::decode(bytes).map(|_| Format::Csv)
    }
}

/// Parses an uploaded batch of paper forms.
///
/// `Err` means the whole file is refused (unreadable, no header row, missing
/// required column). Otherwise every data row ends up in exactly one of
/// `accepted`, `errors` or `blank_rows`.
pub fn parse(bytes: &[u8], format: Format) -> Result<Parsed, ImportError> {
    let rows = match format {
        Format::Csv => csv::read_rows(bytes)?,
        Format::Xlsx => xlsx::read_rows(bytes)?,
    };
    build(rows)
}
