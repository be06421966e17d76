//! File-level errors: the whole file is refused.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::column::Column;

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

    /// A value sits below the last row a batch can have.
    #[error(
        "表格行数过多：第 {row} 行有内容，最多 {max} 行 / too many rows: row {row} has content, at most {max} rows are read",
        max = super::limits::MAX_ROWS
    )]
    TooManyRows { row: usize },

    /// A value sits right of the last column the importer reads.
    #[error(
        "表格列数过多：第 {column} 列有内容，最多 {max} 列 / too many columns: column {column} has content, at most {max} columns are read",
        max = super::limits::MAX_COLUMNS
    )]
    TooManyColumns { column: usize },

    /// The XLSX file inflates to more than the importer will read (a ZIP bomb,
    /// or a workbook that is not a batch of paper forms).
    #[error(
        "XLSX 文件解压后过大（超过 {mb} MB）/ the XLSX file is too large once uncompressed (over {mb} MB)",
        mb = super::limits::MAX_XLSX_TOTAL_BYTES / (1024 * 1024)
    )]
    TooLarge,
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
            Self::TooManyRows { .. } => "too_many_rows",
            Self::TooManyColumns { .. } => "too_many_columns",
            Self::TooLarge => "file_too_large",
        }
    }

    /// Whether the file was refused for its size rather than its content
    /// (the API answers 413 instead of 400).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            Self::TooManyRows { .. } | Self::TooManyColumns { .. } | Self::TooLarge
        )
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
