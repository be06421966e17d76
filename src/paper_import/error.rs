//! File-level errors: the whole file is refused.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::header::Column;

/// Why a whole file was refused. Row-level problems are never reported here;
/// they end up in [`super::Parsed::errors`].
///
/// Messages are bilingual (zh / en) and never contain cell values, so they are
/// safe to log and to show to volunteers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A required column (serial or text) has no header.
    #[error(
        "缺少必需的列“{zh}”（可用列名：{aliases}）/ missing required column \"{column}\" (accepted headers: {aliases})",
        zh = column.zh_name(),
        aliases = column.aliases().join(", "),
        column = column.name()
    )]
    MissingColumn { column: Column },

    /// Two headers map to the same field, so it is unclear which one to use.
    #[error(
        "列“{zh}”出现了两次（表头“{first}”和“{second}”）/ column \"{column}\" appears twice (headers \"{first}\" and \"{second}\")",
        zh = column.zh_name(),
        column = column.name()
    )]
    DuplicateColumn {
        column: Column,
        first: String,
        second: String,
    },

    /// No non-blank row at all, so there is no header row.
    #[error("文件为空或没有表头行 / the file is empty or has no header row")]
    EmptyFile,

    /// A CSV file that is neither UTF-8 nor GB18030/GBK.
    #[error("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV / unrecognised text encoding, please save the CSV as UTF-8 or GBK")]
    Encoding,

    /// The CSV reader failed.
    #[error("CSV 文件格式错误：{message} / malformed CSV file: {message}")]
    Csv { message: String },

    /// The XLSX file could not be opened (corrupt, encrypted, not a workbook).
    #[error("无法读取 XLSX 文件：{message} / cannot read XLSX file: {message}")]
    Xlsx { message: String },

    /// The workbook has no worksheet (only chart sheets, for instance).
    #[error("XLSX 文件中没有工作表 / the XLSX file has no worksheet")]
    NoWorksheet,
}

impl ImportError {
    /// Stable machine-readable code, e.g. for the API or metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingColumn { .. } => "missing_column",
            Self::DuplicateColumn { .. } => "duplicate_column",
            Self::EmptyFile => "empty_file",
            Self::Encoding => "unsupported_encoding",
            Self::Csv { .. } => "malformed_csv",
            Self::Xlsx { .. } => "malformed_xlsx",
            Self::NoWorksheet => "no_worksheet",
        }
    }
}

/// Serialised as `{"code": "...", "message": "...", "column": "..."}`
/// (`column` only for column errors).
impl Serialize for ImportError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let column = match self {
            Self::MissingColumn { column } | Self::DuplicateColumn { column, .. } => Some(*column),
            _ => None,
        };
        let mut map = serializer.serialize_map(Some(if column.is_some() { 3 } else { 2 }))?;
        map.serialize_entry("code", self.code())?;
        map.serialize_entry("message", &self.to_string())?;
        if let Some(column) = column {
            map.serialize_entry("column", column.name())?;
        }
        map.end()
    }
}
