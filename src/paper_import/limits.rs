//! Bounds on what one uploaded file may make the importer hold in memory.
//!
//! A paper batch has at most 10,000 sheets, and a form has a handful of
//! columns, so anything much larger is a mistake or an attack. The bounds are
//! checked while reading, before anything proportional to the file's claimed
//! size is allocated: a 1.5 KB XLSX whose one cell sits at `XFD1048576` must be
//! refused, not expanded into a 16,384 × 1,048,576 grid.

/// The largest sheet row number (1-based, as a spreadsheet shows it) that may
/// hold a value: room for a 10,000-sheet batch, its header and blank rows.
pub const MAX_ROWS: usize = 20_000;

/// The widest column (1-based) that may hold a value. The form has eight
/// known columns; volunteers' own notes columns are ignored, not refused.
pub const MAX_COLUMNS: usize = 64;

/// The most bytes one part of an XLSX file (a worksheet's XML, the shared
/// strings) may inflate to. 20,000 rows × 64 cells of short text fit easily.
pub const MAX_XLSX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// The most bytes all parts of an XLSX file together may inflate to.
pub const MAX_XLSX_TOTAL_BYTES: u64 = 160 * 1024 * 1024;
