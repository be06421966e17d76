//! Workbooks for people: numbers as numbers, dates and times as Excel dates in Asia/Shanghai,
//! Chinese headers in bold. Shared by the meeting and statistics exports.
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, Worksheet, XlsxError};

pub fn header() -> Format {
    Format::new().set_bold()
}

pub fn datetime_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd hh:mm")
}

pub fn date_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd")
}

pub fn percent_format() -> Format {
    Format::new().set_num_format("0.0%")
}

pub fn wrap() -> Format {
    Format::new().set_text_wrap()
}

/// A UTC time as an Excel date-time in Shanghai local time.
pub fn local_datetime(t: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let l = t.with_timezone(&super::shanghai());
    ExcelDateTime::from_ymd(l.year() as u16, l.month() as u8, l.day() as u8)?.and_hms(
        l.hour() as u16,
        l.minute() as u8,
        l.second(),
    )
}

pub fn date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// A day in a cell: an Excel date, or the date as text where Excel cannot hold it (years
/// outside 1900–9999), so an odd value in the data never fails a whole export.
pub fn write_day(
    s: &mut Worksheet,
    row: u32,
    col: u16,
    d: NaiveDate,
    format: &Format,
) -> Result<(), XlsxError> {
    match date(d) {
        Ok(x) => s
            .write_datetime_with_format(row, col, x, format)
            .map(|_| ()),
        Err(_) => s.write_string(row, col, d.to_string()).map(|_| ()),
    }
}

/// A time in a cell, as `write_day` does for days (Shanghai local time).
pub fn write_time(
    s: &mut Worksheet,
    row: u32,
    col: u16,
    t: DateTime<Utc>,
    format: &Format,
) -> Result<(), XlsxError> {
    match local_datetime(t) {
        Ok(x) => s
            .write_datetime_with_format(row, col, x, format)
            .map(|_| ()),
        Err(_) => {
            let l = t.with_timezone(&super::shanghai());
            s.write_string(row, col, l.format("%Y-%m-%d %H:%M").to_string())
                .map(|_| ())
        }
    }
}

/// A row of bold headers, and the columns' widths (in characters).
pub fn headers(s: &mut Worksheet, row: u32, names: &[(&str, f64)]) -> Result<(), XlsxError> {
    let bold = header();
    for (c, (name, width)) in names.iter().enumerate() {
        s.write_string_with_format(row, c as u16, *name, &bold)?;
        s.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_day_excel_cannot_hold_is_written_as_text() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let s = wb.add_worksheet();
        let f = date_format();
        let old = NaiveDate::from_ymd_opt(281, 11, 28).unwrap();
        assert!(date(old).is_err(), "Excel holds no year 281");
        write_day(s, 0, 0, old, &f).unwrap();
        write_time(
            s,
            1,
            0,
            Utc.with_ymd_and_hms(281, 11, 28, 7, 0, 0).unwrap(),
            &f,
        )
        .unwrap();
        write_day(s, 2, 0, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(), &f).unwrap();
        assert!(!wb.save_to_buffer().unwrap().is_empty());
    }

    #[test]
    fn times_are_written_in_shanghai_time() {
        // 17:30 UTC on 1 November is 01:30 on 2 November in Shanghai.
        let t = Utc
            .with_ymd_and_hms(2026, 11, 1, 17, 30, 0)
            .single()
            .unwrap();
        let expected = ExcelDateTime::from_ymd(2026, 11, 2)
            .unwrap()
            .and_hms(1, 30, 0)
            .unwrap();
        assert_eq!(local_datetime(t).unwrap().to_excel(), expected.to_excel());
    }
}
