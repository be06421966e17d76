//! The fields of a paper form and the header texts that name them.

use serde::Serialize;

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
    /// Every column, in a fixed order (also the index into `HeaderMap`).
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

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

fn normalise_header(header: &str) -> String {
    header
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_lowercase()
}
