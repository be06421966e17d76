//! Header row: which column holds which field.

use serde::Serialize;

use super::error::ImportError;

/// A field of the paper form, as recognised from the header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Serial,
    Text,
    Title,
    Building,
    Place,
    Name,
    Phone,
    Category,
}

impl Column {
    /// Every column, in a fixed order (also the index into [`HeaderMap`]).
    pub const ALL: [Column; 8] = [
        Column::Serial,
        Column::Text,
        Column::Title,
        Column::Building,
        Column::Place,
        Column::Name,
        Column::Phone,
        Column::Category,
    ];

    /// Columns without which the file is refused.
    pub const REQUIRED: [Column; 2] = [Column::Serial, Column::Text];

    /// Stable English name (also the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Column::Serial => "serial",
            Column::Text => "text",
            Column::Title => "title",
            Column::Building => "building",
            Column::Place => "place",
            Column::Name => "name",
            Column::Phone => "phone",
            Column::Category => "category",
        }
    }

    /// Chinese display name.
    pub fn zh_name(self) -> &'static str {
        match self {
            Column::Serial => "编号",
            Column::Text => "建议内容",
            Column::Title => "标题",
            Column::Building => "楼栋",
            Column::Place => "地点",
            Column::Name => "姓名",
            Column::Phone => "电话",
            Column::Category => "类别",
        }
    }

    /// Accepted header texts (matched after trimming, case-insensitively).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Serial => &["编号", "序号", "表单编号", "serial"],
            Column::Text => &["建议内容", "内容", "意见", "建议", "text"],
            Column::Title => &["标题", "title"],
            Column::Building => &["楼栋", "楼号", "楼栋单元", "building"],
            Column::Place => &["地点", "位置", "place"],
            Column::Name => &["姓名", "居民姓名", "name"],
            Column::Phone => &["电话", "手机", "联系电话", "phone"],
            Column::Category => &["类别", "分类", "category"],
        }
    }

    /// The column a header cell names, if any.
    pub fn from_header(header: &str) -> Option<Column> {
        let wanted = normalise_header(header);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().iter().any(|a| *a == wanted))
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn normalise_header(header: &str) -> String {
    header
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_lowercase()
}

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
