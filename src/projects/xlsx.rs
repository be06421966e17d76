//! The 公益创投 report as a workbook for the civil-affairs bureau: the figures, organisations by
//! stage, and one row per project. Numbers are numbers (money in yuan with two decimals), dates
//! are Asia/Shanghai, labels Chinese.
use super::figures::Figures;
use crate::hall::xlsx::{datetime_format, header, headers, write_time};
use crate::store::{EvaluationRow, ProjectRow, ProjectSums};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One project's line of the report.
pub struct ProjectLine {
    pub community: String,
    pub project: ProjectRow,
    pub sums: ProjectSums,
    pub evaluation: Option<EvaluationRow>,
}

fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

pub fn workbook(title: &str, f: &Figures, projects: &[ProjectLine]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let money = Format::new().set_num_format("#,##0.00");
    let hours = Format::new().set_num_format("0.0");
    let bold = header();
    let s = wb.add_worksheet().set_name("汇总")?;
    s.write_string_with_format(0, 0, title, &bold)?;
    headers(s, 1, &[("指标", 24.0), ("数值", 16.0), ("单位", 8.0)])?;
    for (i, r) in f.rows.iter().enumerate() {
        let row = 2 + i as u32;
        s.write_string(row, 0, r.label)?;
        match r.unit {
            "fen" => {
                s.write_number_with_format(row, 1, r.value / 100.0, &money)?;
                s.write_string(row, 2, "元")?;
            }
            "hours" => {
                s.write_number_with_format(row, 1, r.value, &hours)?;
                s.write_string(row, 2, "小时")?;
            }
            _ => {
                s.write_number(row, 1, r.value)?;
                s.write_string(row, 2, "个/次")?;
            }
        }
    }
    let s = wb.add_worksheet().set_name("社会组织")?;
    headers(s, 0, &[("发展阶段", 12.0), ("组织数", 10.0)])?;
    for (i, st) in f.organisations_by_stage.iter().enumerate() {
        s.write_string(1 + i as u32, 0, st.label)?;
        s.write_number(1 + i as u32, 1, st.count as f64)?;
    }
    let s = wb.add_worksheet().set_name("项目")?;
    headers(
        s,
        0,
        &[
            ("社区", 14.0),
            ("社会组织", 18.0),
            ("项目名称", 24.0),
            ("状态", 8.0),
            ("申请金额（元）", 14.0),
            ("资助金额（元）", 14.0),
            ("已支出（元）", 14.0),
            ("活动次数", 10.0),
            ("受益人次", 10.0),
            ("志愿服务时长（小时）", 12.0),
            ("评估等级", 10.0),
            ("立项时间", 17.0),
        ],
    )?;
    let when = datetime_format();
    for (i, l) in projects.iter().enumerate() {
        let row = 1 + i as u32;
        let p = &l.project;
        s.write_string(row, 0, &l.community)?;
        s.write_string(row, 1, &p.organisation_name)?;
        s.write_string(row, 2, &p.title)?;
        s.write_string(row, 3, p.status.label())?;
        s.write_number_with_format(row, 4, yuan(p.requested_fen), &money)?;
        s.write_number_with_format(row, 5, yuan(p.awarded_fen.unwrap_or(0)), &money)?;
        s.write_number_with_format(row, 6, yuan(l.sums.spent_fen), &money)?;
        s.write_number(row, 7, l.sums.activities as f64)?;
        s.write_number(row, 8, l.sums.beneficiaries as f64)?;
        s.write_number_with_format(row, 9, l.sums.volunteer_tenths as f64 / 10.0, &hours)?;
        if let Some(e) = &l.evaluation {
            s.write_string(row, 10, e.grade.label())?;
        }
        if let Some(at) = p.decided_at {
            write_time(s, row, 11, at, &when)?;
        }
    }
    wb.save_to_buffer()
}
