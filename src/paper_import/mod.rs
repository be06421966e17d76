//! Bulk import of paper suggestion forms (纸质建议表批量导入).
//!
//! A pure parser: bytes of a CSV or XLSX file in, accepted rows plus a
//! per-row report out. No file system, no database, no logging.
//!
//! Entry points: [`parse`] and [`Format::detect`].

mod column;
mod csv;
mod error;
mod format;
mod header;
pub mod limits;
mod report;
mod row;
mod xlsx;

#[cfg(test)]
mod tests;

pub use column::Column;
pub use error::ImportError;
pub use format::{parse, Format};
pub use report::Parsed;
pub use row::{
    PaperRow, RowError, SERIAL_MAX_CHARS, TEXT_MAX_CHARS, TEXT_MIN_CHARS, TITLE_MAX_CHARS,
};
