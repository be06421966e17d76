//! End-to-end tests of `parse` on CSV and XLSX bytes built in the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

// ---------------------------------------------------------------- helpers

/// The accounting invariant: every data row is accepted, rejected or blank.
fn assert_accounted(parsed: &Parsed) {
    assert_eq!(
        parsed.rows_total,
        parsed.accepted.len() + parsed.errors.len() + parsed.blank_rows,
        "every row must be accounted for: {parsed:?}"
    );
}

fn parse_ok(bytes: &[u8], format: Format) -> Parsed {
    let parsed = parse(bytes, format).expect("file should parse");
    assert_accounted(&parsed);
    parsed
}

/// (row, serial, code) of each error, for exact comparisons.
fn error_summary(parsed: &Parsed) -> Vec<(usize, Option<&str>, &'static str)> {
    parsed
        .errors
        .iter()
        .map(|e| (e.row, e.serial.as_deref(), e.code))
        .collect()
}

fn accepted_summary(parsed: &Parsed) -> Vec<(usize, &str)> {
    parsed
        .accepted
        .iter()
        .map(|r| (r.row, r.serial.as_str()))
        .collect()
}

#[derive(Clone, Copy)]
enum Cell {
    S(&'static str),
    N(f64),
    B(bool),
    Empty,
}

struct Sheet<'a> {
    name: &'a str,
    hidden: bool,
    rows: &'a [&'a [Cell]],
}

fn xlsx(sheets: &[Sheet<'_>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let active = sheets.iter().position(|s| !s.hidden);
    for (i, sheet) in sheets.iter().enumerate() {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet.name).unwrap();
        // Excel refuses to hide the active sheet: activate the first visible.
        ws.set_active(Some(i) == active);
        ws.set_hidden(sheet.hidden);
        for (r, cells) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap();
            for (c, cell) in cells.iter().enumerate() {
                let c = u16::try_from(c).unwrap();
                match *cell {
                    Cell::S(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    Cell::N(n) => {
                        ws.write_number(r, c, n).unwrap();
                    }
                    Cell::B(b) => {
                        ws.write_boolean(r, c, b).unwrap();
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn one_sheet(rows: &[&[Cell]]) -> Vec<u8> {
    xlsx(&[Sheet {
        name: "建议汇总",
        hidden: false,
        rows,
    }])
}

const ELEVATOR: &str =
    "3号楼电梯这个月坏了三次，老人上下楼很困难，希望物业尽快联系维保单位彻底检修。";
const PARKING: &str = "小区东门晚上乱停车，消防通道被堵，希望划定停车位并加强巡查。";
const NOISE: &str =
    "楼上每天晚上十一点以后还在装修，电钻声很大，\r\n影响孩子休息，希望居委会出面协调。";
const GARBAGE: &str = "垃圾分类投放点离7号楼太远，厨余垃圾桶经常满溢，夏天味道很大。";
const LEAK: &str = "地下车库B区顶板漏水，下雨天积水严重，车辆进出容易打滑。";

// -------------------------------------------------------------------- CSV

#[test]
fn csv_chinese_headers_good_and_bad_rows_give_exact_report() {
    let too_long_title = "关于".repeat(30) + "A"; // 61 characters
    let too_long_text = "漏".repeat(TEXT_MAX_CHARS + 1);
    let csv = [
        "编号,标题,建议内容,楼栋,地点,姓名,联系电话,类别,备注".to_owned(),
        format!("001,电梯经常停运,{ELEVATOR},3号楼2单元,,王阿姨,138-1234-5678,设施维修,上门收集"),
        format!("002,,{PARKING},5号楼,东门,,,停车,"),
        format!(",无编号,{GARBAGE},7号楼,,,,环境卫生,意见箱"),
        "004,,好,,,,,,".to_owned(),
        ",,,,,,,,".to_owned(),
        format!("002,重复录入,{PARKING},5号楼,东门,,,停车,"),
        format!("005,{too_long_title},{GARBAGE},,,,,,"),
        format!("006,,{LEAK},,地下车库,李先生,12345,,"),
        format!("007,装修噪音,\"{NOISE}\",\"9号楼, 1单元\",,赵女士,+86 139 0000 1111,噪音扰民,"),
        "008,只写了标题,,,,,,,".to_owned(),
        format!("009,,{too_long_text},,,,,,"),
    ]
    .join("\r\n")
        + "\r\n";

    let parsed = parse_ok(csv.as_bytes(), Format::Csv);

    assert_eq!(
        accepted_summary(&parsed),
        vec![(2, "001"), (3, "002"), (10, "007")]
    );
    assert_eq!(
        error_summary(&parsed),
        vec![
            (4, None, RowError::MISSING_SERIAL),
            (5, Some("004"), RowError::TEXT_TOO_SHORT),
            (7, Some("002"), RowError::DUPLICATE_SERIAL_IN_FILE),
            (8, Some("005"), RowError::TITLE_TOO_LONG),
            (9, Some("006"), RowError::INVALID_PHONE),
            (11, Some("008"), RowError::MISSING_TEXT),
            (12, Some("009"), RowError::TEXT_TOO_LONG),
        ]
    );
    assert_eq!(parsed.blank_rows, 1);
    assert_eq!(parsed.rows_total, 11);
    assert_eq!(parsed.ignored_columns, vec!["备注".to_owned()]);

    let first = &parsed.accepted[0];
    assert_eq!(
        first,
        &PaperRow {
            row: 2,
            serial: "001".into(),
            text: ELEVATOR.into(),
            title: Some("电梯经常停运".into()),
            building: Some("3号楼2单元".into()),
            place: None,
            name: Some("王阿姨".into()),
            phone: Some("13812345678".into()),
            category: Some("设施维修".into()),
        }
    );
    let noise = &parsed.accepted[2];
    assert_eq!(
        noise.text,
        NOISE.replace("\r\n", "\n"),
        "quoted newline kept, as \\n"
    );
    assert_eq!(noise.building.as_deref(), Some("9号楼, 1单元"));
    assert_eq!(noise.phone.as_deref(), Some("13900001111"));

    // Reasons are bilingual and say which row came first.
    let reasons: Vec<&str> = parsed.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons[0], "缺少编号 / serial is missing");
    assert!(reasons[1].contains("建议内容太短") && reasons[1].contains("text is too short"));
    assert!(reasons[2].contains("第 3 行") && reasons[2].contains("row 3"));
    assert!(reasons[3].contains("61"));
    assert!(
        !reasons[4].contains("12345"),
        "reason must not echo the phone"
    );
    assert_eq!(reasons[5], "缺少建议内容 / text is missing");
    assert!(reasons[6].contains("2001"));
    for e in &parsed.errors {
        assert!(RowError::CODES.contains(&e.code));
    }
}

#[test]
fn csv_english_headers_case_insensitive_and_trimmed() {
    let csv = format!(
        "  Serial ,TITLE,Text,Building,Place,Name,PHONE,Category,Volunteer\n\
         A-01, Elevator ,\"  {ELEVATOR}  \",  3#  ,,  Wang ,010-6234 5678,设施,小张\n\
         A-02,,{LEAK},,car park,,,,\n\
         A-03,,{GARBAGE},,,,,"
    );
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        accepted_summary(&parsed),
        vec![(2, "A-01"), (3, "A-02"), (4, "A-03")]
    );
    assert_eq!(parsed.ignored_columns, vec!["Volunteer".to_owned()]);
    let a1 = &parsed.accepted[0];
    assert_eq!(a1.title.as_deref(), Some("Elevator"));
    assert_eq!(a1.text, ELEVATOR);
    assert_eq!(a1.building.as_deref(), Some("3#"));
    assert_eq!(a1.name.as_deref(), Some("Wang"));
    assert_eq!(a1.phone.as_deref(), Some("01062345678"));
    assert_eq!(parsed.accepted[1].place.as_deref(), Some("car park"));
    // A short (ragged) row is fine: missing cells are blank.
    assert_eq!(parsed.accepted[2].category, None);
}

#[test]
fn csv_alias_headers() {
    let csv = format!(
        "序号,意见,楼号,位置,居民姓名,手机,分类\n1,{PARKING},5栋,东门,陈大爷,13700001111,停车\n"
    );
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert!(parsed.errors.is_empty());
    let row = &parsed.accepted[0];
    assert_eq!(
        (
            row.building.as_deref(),
            row.place.as_deref(),
            row.category.as_deref()
        ),
        (Some("5栋"), Some("东门"), Some("停车"))
    );
    assert_eq!(row.name.as_deref(), Some("陈大爷"));
}

#[test]
fn csv_gbk_encoded_from_chinese_excel() {
    let text = format!(
        "表单编号,标题,内容,楼栋单元,联系电话\r\n\
         G001,电梯噪音,\"{ELEVATOR}\",3-2,0571-8888 6666\r\n\
         G002,,{GARBAGE},7号楼,\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "fixture must not be UTF-8"
    );

    assert_eq!(Format::detect("纸质建议.csv", &bytes), Some(Format::Csv));
    let parsed = parse_ok(&bytes, Format::Csv);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(accepted_summary(&parsed), vec![(2, "G001"), (3, "G002")]);
    assert_eq!(parsed.accepted[0].text, ELEVATOR);
    assert_eq!(parsed.accepted[0].title.as_deref(), Some("电梯噪音"));
    assert_eq!(parsed.accepted[0].phone.as_deref(), Some("057188886666"));
    assert_eq!(parsed.accepted[1].building.as_deref(), Some("7号楼"));
}

#[test]
fn csv_utf8_with_bom() {
    let csv = format!("\u{feff}编号,建议内容\n1,{LEAK}\n");
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(accepted_summary(&parsed), vec![(2, "1")]);
    assert!(parsed.ignored_columns.is_empty());
}

#[test]
fn csv_blank_rows_and_empty_lines_are_counted_not_errors() {
    let csv = format!(
        "编号,建议内容\n\n1,{LEAK}\n,\n  ,  \n\n2,{NOISE_FLAT}\n\n\n",
        NOISE_FLAT = "晚上广场舞音响太大声，影响休息"
    );
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(accepted_summary(&parsed), vec![(3, "1"), (7, "2")]);
    assert!(parsed.errors.is_empty());
    // rows 2, 4, 5 and 6; empty lines after the last record are not rows.
    assert_eq!(parsed.blank_rows, 4);
    assert_eq!(parsed.rows_total, 6);
}

#[test]
fn text_and_title_limits_count_characters_not_bytes() {
    let five = "漏水很严重"; // 5 chars, 15 bytes
    let four = "漏水严重";
    let max_text = "噪".repeat(TEXT_MAX_CHARS);
    let max_title = "停".repeat(TITLE_MAX_CHARS);
    let max_serial = "9".repeat(SERIAL_MAX_CHARS);
    let long_serial = "9".repeat(SERIAL_MAX_CHARS + 1);
    let csv = format!(
        "编号,标题,建议内容\n\
         1,,{five}\n\
         2,,{four}\n\
         3,,{max_text}\n\
         4,{max_title},{five}\n\
         {max_serial},,{five}\n\
         {long_serial},,{five}\n"
    );
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(
        accepted_summary(&parsed),
        vec![(2, "1"), (4, "3"), (5, "4"), (6, max_serial.as_str())]
    );
    assert_eq!(
        error_summary(&parsed),
        vec![
            (3, Some("2"), RowError::TEXT_TOO_SHORT),
            (7, Some(long_serial.as_str()), RowError::SERIAL_TOO_LONG),
        ]
    );
}

#[test]
fn duplicate_serials_first_wins_later_ones_reported() {
    let csv = format!(
        "编号,建议内容\n\
         7,{ELEVATOR}\n\
         8,太短\n\
         7,{PARKING}\n\
         8,{GARBAGE}\n\
         7,{LEAK}\n"
    );
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(accepted_summary(&parsed), vec![(2, "7")]);
    assert_eq!(parsed.accepted[0].text, ELEVATOR);
    // The first occurrence claims the serial even when it is itself invalid.
    assert_eq!(
        error_summary(&parsed),
        vec![
            (3, Some("8"), RowError::TEXT_TOO_SHORT),
            (4, Some("7"), RowError::DUPLICATE_SERIAL_IN_FILE),
            (5, Some("8"), RowError::DUPLICATE_SERIAL_IN_FILE),
            (6, Some("7"), RowError::DUPLICATE_SERIAL_IN_FILE),
        ]
    );
    assert!(parsed.errors[1].reason.contains("row 2"));
    assert!(parsed.errors[2].reason.contains("row 3"));
}

#[test]
fn missing_required_column_refuses_the_file() {
    let no_text = "编号,标题,楼栋\n1,电梯坏了,3号楼\n";
    let err = parse(no_text.as_bytes(), Format::Csv).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::MissingColumn {
                column: Column::Text
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("缺少必需的列“建议内容”"), "{message}");
    assert!(
        message.contains("missing required column \"text\""),
        "{message}"
    );
    assert!(
        message.contains("意见"),
        "lists accepted headers: {message}"
    );
    assert_eq!(err.code(), "missing_column");

    let no_serial = format!("标题,建议内容\n电梯,{ELEVATOR}\n");
    let err = parse(no_serial.as_bytes(), Format::Csv).unwrap_err();
    assert!(matches!(
        err,
        ImportError::MissingColumn {
            column: Column::Serial
        }
    ));

    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["code"], "missing_column");
    assert_eq!(json["column"], "serial");
    assert!(json["message"].as_str().unwrap().contains("编号"));
}

#[test]
fn ambiguous_or_empty_files_are_refused() {
    let twice = format!("编号,意见,建议\n1,{ELEVATOR},{PARKING}\n");
    let err = parse(twice.as_bytes(), Format::Csv).unwrap_err();
    match &err {
        ImportError::DuplicateColumn {
            column,
            first,
            second,
        } => assert_eq!(
            (*column, first.as_str(), second.as_str()),
            (Column::Text, "意见", "建议")
        ),
        other => panic!("unexpected {other:?}"),
    }

    for empty in ["", "\r\n\r\n", ",,,\n,,\n"] {
        let err = parse(empty.as_bytes(), Format::Csv).unwrap_err();
        assert!(matches!(err, ImportError::EmptyFile), "{empty:?}: {err:?}");
    }

    // Header only: a valid, empty batch.
    let parsed = parse_ok("编号,建议内容\r\n".as_bytes(), Format::Csv);
    assert_eq!(parsed.rows_total, 0);

    let err = parse(b"\xFF\xFE1\x002\x00", Format::Csv).unwrap_err();
    assert!(matches!(err, ImportError::Encoding));
}

// ------------------------------------------------------------------- XLSX

#[test]
fn xlsx_good_and_bad_rows_give_exact_report() {
    use Cell::{Empty, B, N, S};
    let bytes = one_sheet(&[
        &[
            S("编号"),
            S("标题"),
            S("建议内容"),
            S("楼栋"),
            S("姓名"),
            S("电话"),
            S("已回访"),
        ],
        &[
            N(1.0),
            S("电梯"),
            S(ELEVATOR),
            S("3号楼"),
            S("王阿姨"),
            N(13_812_345_678.0),
            B(true),
        ],
        &[N(2.0), Empty, S(GARBAGE), N(7.0), Empty, Empty, B(false)],
        &[],
        &[S("1"), Empty, S(LEAK)],
        &[N(3.0), Empty, S("漏水")],
        &[Empty, Empty, S(PARKING)],
        &[N(4.5), Empty, S(PARKING), Empty, Empty, S("138-1234-567")],
        &[S("   "), Empty, S("  ")],
        &[
            N(5.0),
            S("垃圾分类"),
            S(GARBAGE),
            S("7号楼"),
            S("刘阿姨"),
            S("+86 137 1234 5678"),
        ],
    ]);
    assert_eq!(Format::detect("建议表.xlsx", &bytes), Some(Format::Xlsx));
    let parsed = parse_ok(&bytes, Format::Xlsx);

    assert_eq!(
        accepted_summary(&parsed),
        vec![(2, "1"), (3, "2"), (10, "5")]
    );
    assert_eq!(
        error_summary(&parsed),
        vec![
            (5, Some("1"), RowError::DUPLICATE_SERIAL_IN_FILE),
            (6, Some("3"), RowError::TEXT_TOO_SHORT),
            (7, None, RowError::MISSING_SERIAL),
            (8, Some("4.5"), RowError::INVALID_PHONE),
        ]
    );
    assert_eq!(parsed.blank_rows, 2, "sheet rows 4 and 9");
    assert_eq!(parsed.rows_total, 9);
    assert_eq!(parsed.ignored_columns, vec!["已回访".to_owned()]);

    let first = &parsed.accepted[0];
    assert_eq!(
        first.phone.as_deref(),
        Some("13812345678"),
        "numeric phone, no .0"
    );
    assert_eq!(first.title.as_deref(), Some("电梯"));
    assert_eq!(parsed.accepted[1].building.as_deref(), Some("7"));
    assert_eq!(parsed.accepted[2].phone.as_deref(), Some("13712345678"));
}

#[test]
fn xlsx_english_headers_and_first_visible_worksheet() {
    use Cell::{Empty, N, S};
    let bytes = xlsx(&[
        Sheet {
            name: "模板说明",
            hidden: true,
            rows: &[&[S("说明：请按编号填写")]],
        },
        Sheet {
            name: "Batch",
            hidden: false,
            rows: &[
                &[S("SERIAL"), S("Text"), S("Category"), S("Notes")],
                &[N(12.0), S(NOISE), S("噪音"), S("夜间")],
                &[N(13.0), S(LEAK), Empty, Empty],
            ],
        },
        Sheet {
            name: "Other",
            hidden: false,
            rows: &[&[S("编号"), S("内容")], &[N(99.0), S(ELEVATOR)]],
        },
    ]);
    let parsed = parse_ok(&bytes, Format::Xlsx);
    assert_eq!(accepted_summary(&parsed), vec![(2, "12"), (3, "13")]);
    assert_eq!(parsed.accepted[0].text, NOISE.replace("\r\n", "\n"));
    assert_eq!(parsed.accepted[0].category.as_deref(), Some("噪音"));
    assert_eq!(parsed.ignored_columns, vec!["Notes".to_owned()]);
}

#[test]
fn xlsx_missing_column_and_corrupt_file() {
    use Cell::S;
    let bytes = one_sheet(&[&[S("编号"), S("楼栋")], &[S("1"), S("3号楼")]]);
    let err = parse(&bytes, Format::Xlsx).unwrap_err();
    assert!(matches!(
        err,
        ImportError::MissingColumn {
            column: Column::Text
        }
    ));

    let err = parse(b"PK\x03\x04 definitely not a workbook", Format::Xlsx).unwrap_err();
    assert!(matches!(err, ImportError::Xlsx { .. }), "{err:?}");
    assert_eq!(err.code(), "malformed_xlsx");

    let empty = one_sheet(&[]);
    assert!(matches!(
        parse(&empty, Format::Xlsx).unwrap_err(),
        ImportError::EmptyFile
    ));
}

// --------------------------------------------------------- detect, serde, Debug

#[test]
fn format_detection() {
    let workbook = one_sheet(&[&[Cell::S("编号"), Cell::S("内容")]]);
    assert_eq!(Format::detect("a.xlsx", &workbook), Some(Format::Xlsx));
    assert_eq!(Format::detect("A.XLSX", &workbook), Some(Format::Xlsx));
    assert_eq!(Format::detect("upload", &workbook), Some(Format::Xlsx));
    assert_eq!(Format::detect("a.csv", &workbook), None);

    let csv = "编号,内容\n1,电梯坏了好几天\n".as_bytes();
    assert_eq!(Format::detect("a.csv", csv), Some(Format::Csv));
    assert_eq!(Format::detect("upload", csv), Some(Format::Csv));
    assert_eq!(Format::detect("a.xlsx", csv), None);
    let (gbk, _, _) = encoding_rs::GBK.encode("编号,内容\n1,垃圾桶满了没人清\n");
    assert_eq!(Format::detect("a.txt", &gbk), Some(Format::Csv));

    // Legacy .xls (OLE) and UTF-16 text are not supported.
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
    assert_eq!(Format::detect("a.xls", xls), None);
    assert_eq!(Format::detect("a", xls), None);
    assert_eq!(Format::detect("a.csv", b"\xFF\xFE,\0"), None);
}

#[test]
fn debug_masks_name_and_phone() {
    let csv = format!("编号,建议内容,姓名,电话\n1,{ELEVATOR},王秀英,13812345678\n2,{LEAK},,\n");
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    let with_pii = format!("{:?}", parsed.accepted[0]);
    assert!(!with_pii.contains("王秀英"), "{with_pii}");
    assert!(!with_pii.contains("13812345678"), "{with_pii}");
    assert!(with_pii.contains(r#"name: Some("***")"#), "{with_pii}");
    assert!(with_pii.contains(r#"phone: Some("***")"#), "{with_pii}");
    assert!(
        with_pii.contains(ELEVATOR),
        "non-personal fields stay visible"
    );
    let without = format!("{:?}", parsed.accepted[1]);
    assert!(without.contains("name: None") && without.contains("phone: None"));
    // Also through the containing report, pretty-printed or not.
    for report in [format!("{parsed:?}"), format!("{parsed:#?}")] {
        assert!(!report.contains("王秀英") && !report.contains("13812345678"));
    }
}

#[test]
fn report_serialises_to_json() {
    let csv = format!("编号,建议内容,电话,备注\n1,{ELEVATOR},13812345678,x\n1,{LEAK},,\n,,,\n");
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    let json = serde_json::to_value(&parsed).unwrap();
    assert_eq!(json["rows_total"], 3);
    assert_eq!(json["blank_rows"], 1);
    assert_eq!(json["ignored_columns"], serde_json::json!(["备注"]));
    assert_eq!(json["accepted"][0]["row"], 2);
    assert_eq!(json["accepted"][0]["serial"], "1");
    assert_eq!(json["accepted"][0]["phone"], "13812345678");
    assert_eq!(json["accepted"][0]["title"], serde_json::Value::Null);
    assert_eq!(
        json["errors"][0],
        serde_json::json!({
            "row": 3,
            "serial": "1",
            "code": "duplicate_serial_in_file",
            "reason": parsed.errors[0].reason,
        })
    );
    assert_eq!(serde_json::to_value(Format::Xlsx).unwrap(), "xlsx");
}

#[test]
fn blank_rows_above_the_header_are_not_data_rows() {
    use Cell::{Empty, N, S};
    // Sheet rows 1-2 empty, header on row 3, an empty-string row 4.
    let bytes = one_sheet(&[
        &[],
        &[],
        &[Empty, S("编号"), S("建议内容")],
        &[Empty, S(" "), Empty],
        &[Empty, N(21.0), S(GARBAGE)],
    ]);
    let parsed = parse_ok(&bytes, Format::Xlsx);
    assert_eq!(accepted_summary(&parsed), vec![(5, "21")]);
    assert_eq!((parsed.rows_total, parsed.blank_rows), (2, 1));

    let csv = format!("\r\n,,\r\n编号,建议内容\r\n21,{GARBAGE}\r\n");
    let parsed = parse_ok(csv.as_bytes(), Format::Csv);
    assert_eq!(accepted_summary(&parsed), vec![(4, "21")]);
    assert_eq!((parsed.rows_total, parsed.blank_rows), (1, 0));
}

// ------------------------------------------------------------ size limits

/// Issue 12, finding 1: cells A1:B2 plus one cell at XFD1048576 made the
/// reader allocate the whole used range (512 GiB) and abort the process.
#[test]
fn an_xlsx_with_one_cell_at_the_last_column_and_row_is_refused_not_expanded() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(0, 0, "编号").unwrap();
    ws.write_string(0, 1, "建议内容").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(1, 1, ELEVATOR).unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    assert!(bytes.len() < 8 * 1024, "the attack file is small");

    let err = parse(&bytes, Format::Xlsx).unwrap_err();

    assert!(err.is_too_large(), "{err:?}");
    assert!(
        matches!(err, ImportError::TooManyRows { row: 1_048_576 })
            || matches!(err, ImportError::TooManyColumns { column: 16_384 }),
        "{err:?}"
    );
}

#[test]
fn a_far_away_note_column_is_refused_with_its_position() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(0, 0, "编号").unwrap();
    ws.write_string(0, 1, "建议内容").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(1, 1, ELEVATOR).unwrap();
    ws.write_string(1, 200, "备注").unwrap();

    let err = parse(&workbook.save_to_buffer().unwrap(), Format::Xlsx).unwrap_err();

    assert!(
        matches!(err, ImportError::TooManyColumns { column: 201 }),
        "{err:?}"
    );
    assert_eq!(err.code(), "too_many_columns");
    assert!(err.to_string().contains("第 201 列"), "{err}");
}

#[test]
fn formatting_far_away_without_values_does_not_refuse_the_sheet() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.write_string(0, 0, "编号").unwrap();
    ws.write_string(0, 1, "建议内容").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(1, 1, ELEVATOR).unwrap();
    // An empty, formatted cell far away widens the sheet's used range only.
    ws.write_blank(1_048_575, 16_383, &bold).unwrap();

    let parsed = parse_ok(&workbook.save_to_buffer().unwrap(), Format::Xlsx);

    assert_eq!(accepted_summary(&parsed), vec![(2, "1")]);
}

#[test]
fn an_xlsx_that_inflates_past_the_cap_is_refused_before_it_is_read() {
    use std::io::Write;
    // A valid-looking workbook part of 65 MiB of spaces compresses to ~64 KiB.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    let block = vec![b' '; 1024 * 1024];
    for _ in 0..65 {
        zip.write_all(&block).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());

    let err = parse(&bytes, Format::Xlsx).unwrap_err();

    assert!(matches!(err, ImportError::TooLarge), "{err:?}");
}

#[test]
fn a_csv_past_the_row_or_column_limit_is_refused() {
    use super::limits::{MAX_COLUMNS, MAX_ROWS};
    let mut long = String::from("编号,建议内容\n");
    long.push_str(&"\n".repeat(MAX_ROWS));
    long.push_str(&format!("1,{ELEVATOR}\n"));
    let err = parse(long.as_bytes(), Format::Csv).unwrap_err();
    assert!(
        matches!(err, ImportError::TooManyRows { row } if row == MAX_ROWS + 1),
        "{err:?}"
    );

    let wide = format!("编号,建议内容\n1,{ELEVATOR}{}x\n", ",".repeat(MAX_COLUMNS));
    let err = parse(wide.as_bytes(), Format::Csv).unwrap_err();
    assert!(
        matches!(err, ImportError::TooManyColumns { column } if column == MAX_COLUMNS + 2),
        "{err:?}"
    );

    // Trailing empty cells are not content.
    let commas = format!("编号,建议内容\n1,{ELEVATOR}{}\n", ",".repeat(10_000));
    let parsed = parse_ok(commas.as_bytes(), Format::Csv);
    assert_eq!(accepted_summary(&parsed), vec![(2, "1")]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn bounded_outcome(result: Result<Parsed, ImportError>) {
        match result {
            Ok(parsed) => assert_accounted(&parsed),
            Err(e) => {
                // Every refusal is a file-level error with a bilingual message.
                assert!(!e.code().is_empty());
                assert!(e.to_string().contains("/ "), "{e}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any bytes, either format: an answer, never a panic or an abort.
        #[test]
        fn arbitrary_bytes_never_take_the_importer_down(
            bytes in proptest::collection::vec(any::<u8>(), 0..2048),
            xlsx_magic in any::<bool>(),
        ) {
            let mut bytes = bytes;
            if xlsx_magic {
                bytes.splice(0..0, b"PK\x03\x04".iter().copied());
            }
            bounded_outcome(parse(&bytes, Format::Csv));
            bounded_outcome(parse(&bytes, Format::Xlsx));
        }

        /// CSV text built from the form's own pieces: quotes, separators,
        /// line breaks, Chinese text, in any order.
        #[test]
        fn csv_built_from_form_pieces_is_accounted_for(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just(","), Just("\""), Just("\r\n"), Just("\n"), Just("\r"),
                    Just("编号"), Just("建议内容"), Just("12"), Just(ELEVATOR), Just("138-1234-5678"),
                ],
                0..200,
            ),
        ) {
            let text = format!("编号,建议内容\n{}", pieces.concat());
            bounded_outcome(parse(text.as_bytes(), Format::Csv));
        }

        /// Real workbooks with values anywhere on the sheet, near or at the
        /// end of the grid: the answer is rows or a size refusal.
        #[test]
        fn xlsx_cells_anywhere_on_the_grid_are_bounded(
            cells in proptest::collection::vec(
                (
                    prop_oneof![0u32..30, 0u32..1_048_576],
                    prop_oneof![0u16..10, 0u16..16_384],
                    prop_oneof![Just("1"), Just(ELEVATOR), Just("王阿姨")],
                ),
                0..12,
            ),
        ) {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let ws = workbook.add_worksheet();
            ws.write_string(0, 0, "编号").unwrap();
            ws.write_string(0, 1, "建议内容").unwrap();
            for (row, column, text) in &cells {
                ws.write_string(*row + 1, *column, *text).unwrap();
            }
            let bytes = workbook.save_to_buffer().unwrap();
            let outcome = parse(&bytes, Format::Xlsx);
            let beyond = cells.iter().any(|(row, column, _)| {
                (*row as usize + 1) >= super::super::limits::MAX_ROWS
                    || (*column as usize) >= super::super::limits::MAX_COLUMNS
            });
            match &outcome {
                Err(e) => prop_assert!(beyond && e.is_too_large(), "{e:?}"),
                Ok(_) => prop_assert!(!beyond),
            }
            bounded_outcome(outcome);
        }
    }
}
