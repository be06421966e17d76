//! The figures of 公益创投, defined once: the dashboard, the API and the XLSX export for the
//! civil-affairs bureau all read these rows. Money stays in fen here; people see yuan.
use super::codes::OrgStage;
use crate::store::{ProjectSums, StageCount};
use serde::Serialize;

/// One figure as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FigureRow {
    pub key: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
    /// A count, an amount in fen (`unit` `fen`) or hours.
    pub value: f64,
    /// `count`, `fen` or `hours`.
    pub unit: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StageFigure {
    pub stage: OrgStage,
    pub label: &'static str,
    pub label_en: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub rows: Vec<FigureRow>,
    /// The area's organisations by stage (empty for one round's figures).
    pub organisations_by_stage: Vec<StageFigure>,
}

/// The figures of a set of projects (and of the organisations of their area).
pub fn figures(s: &ProjectSums, stages: &[StageCount]) -> Figures {
    let row = |key, label, label_en, value: i64, unit| FigureRow {
        key,
        label,
        label_en,
        value: value as f64,
        unit,
    };
    let mut rows = vec![
        row(
            "applications",
            "申报项目数",
            "Applications",
            s.applications,
            "count",
        ),
        row("funded", "立项项目数", "Projects funded", s.funded, "count"),
        row(
            "requested",
            "申请资金",
            "Money requested",
            s.requested_fen,
            "fen",
        ),
        row("awarded", "资助资金", "Money awarded", s.awarded_fen, "fen"),
        row("spent", "已支出资金", "Money spent", s.spent_fen, "fen"),
        row(
            "activities",
            "开展活动次数",
            "Activities held",
            s.activities,
            "count",
        ),
        row(
            "beneficiaries",
            "直接受益人次",
            "Direct beneficiaries",
            s.beneficiaries,
            "count",
        ),
    ];
    rows.push(FigureRow {
        key: "volunteer_hours",
        label: "志愿服务时长（小时）",
        label_en: "Volunteer hours",
        value: s.volunteer_tenths as f64 / 10.0,
        unit: "hours",
    });
    rows.push(row(
        "evaluated",
        "已结项评估",
        "Projects evaluated",
        s.evaluated,
        "count",
    ));
    let organisations_by_stage = OrgStage::ALL
        .iter()
        .map(|stage| StageFigure {
            stage: *stage,
            label: stage.label(),
            label_en: stage.label_en(),
            count: stages
                .iter()
                .filter(|c| c.stage == *stage)
                .map(|c| c.count)
                .sum(),
        })
        .collect();
    Figures {
        rows,
        organisations_by_stage,
    }
}

impl Figures {
    pub fn value(&self, key: &str) -> Option<f64> {
        self.rows.iter().find(|r| r.key == key).map(|r| r.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_is_listed_and_hours_come_from_tenths() {
        let sums = ProjectSums {
            volunteer_tenths: 25,
            funded: 3,
            ..Default::default()
        };
        let f = figures(
            &sums,
            &[StageCount {
                stage: OrgStage::Mature,
                count: 2,
            }],
        );
        assert_eq!(f.value("volunteer_hours"), Some(2.5));
        assert_eq!(f.value("funded"), Some(3.0));
        let stages: Vec<(&str, i64)> = f
            .organisations_by_stage
            .iter()
            .map(|s| (s.label, s.count))
            .collect();
        assert_eq!(stages, [("萌芽期", 0), ("发展期", 0), ("成熟期", 2)]);
    }
}
