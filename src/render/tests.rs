use serde_json::json;

use super::*;

#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    full_name: &'static str,
    phone: Option<&'static str>,
    signed: bool,
    created_at: &'static str,
}

fn sample() -> Output {
    let rows = vec![
        Row {
            id: 1,
            full_name: "Kevin Casey",
            phone: None,
            signed: true,
            created_at: "2021-04-18T10:00:00+02:00",
        },
        Row {
            id: 2,
            full_name: "Zoë \"Z\", Ltd",
            phone: Some("+1 234"),
            signed: false,
            created_at: "2023-03-29T10:00:00+02:00",
        },
    ];
    list(
        &["id", "full_name", "phone", "signed", "created_at"],
        &["id", "full_name", "created_at"],
        rows,
    )
}

fn text(output: &Output, format: Format, width: Option<usize>) -> String {
    let mut buf = Vec::new();
    render(&mut buf, output, format, width).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn json_lists_are_one_array_with_null_for_absent_values() {
    let out = text(&sample(), Format::Json, None);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);
    assert_eq!(value[0]["phone"], serde_json::Value::Null);
    assert_eq!(value[1]["full_name"], "Zoë \"Z\", Ltd");
    let empty = list::<Row>(&["id"], &["id"], vec![]);
    assert_eq!(text(&empty, Format::Json, None), "[]\n");
}

#[test]
fn csv_has_a_header_of_every_key_and_empty_cells_for_null() {
    let out = text(&sample(), Format::Csv, None);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,full_name,phone,signed,created_at"
    );
    assert_eq!(
        lines.next().unwrap(),
        "1,Kevin Casey,,true,2021-04-18T10:00:00+02:00"
    );
    assert_eq!(
        lines.next().unwrap(),
        "2,\"Zoë \"\"Z\"\", Ltd\",+1 234,false,2023-03-29T10:00:00+02:00"
    );
    let empty = list::<Row>(&["id", "name"], &["id"], vec![]);
    assert_eq!(text(&empty, Format::Csv, None), "id,name\n");
}

#[test]
fn tables_show_the_table_keys_with_short_times_and_never_cut_when_piped() {
    let out = text(&sample(), Format::Table, None);
    assert!(out.contains("Kevin Casey"));
    assert!(out.contains("2021-04-18 10:00"));
    assert!(!out.contains("phone"));
    assert!(out.ends_with("(2 rows)\n"));
    // Fitting a narrow terminal cuts values with an ellipsis.
    let narrow = text(&sample(), Format::Table, Some(34));
    assert!(narrow.contains('…'), "{narrow}");
    for line in narrow.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 34, "{line}");
    }
}

#[test]
fn created_prints_the_id_or_the_record_in_json_and_show_is_vertical() {
    let record = json!({"id": 7, "notes": "a long note"})
        .as_object()
        .unwrap()
        .clone();
    let created = Output::Created {
        id: 7,
        record: record.clone(),
    };
    assert_eq!(text(&created, Format::Table, None), "7\n");
    let json: serde_json::Value =
        serde_json::from_str(&text(&created, Format::Json, None)).unwrap();
    assert_eq!(json["id"], 7);
    let shown = text(&Output::Record(record.clone()), Format::Table, None);
    assert!(shown.contains("notes") && shown.contains("a long note"));
    let wrapped = text(&Output::Record(record), Format::Table, Some(20));
    assert!(wrapped.lines().count() > 4, "{wrapped}");
    assert_eq!(text(&Output::Nothing, Format::Table, None), "");
    assert_eq!(
        text(&Output::Message("hi".into()), Format::Json, None),
        "hi\n"
    );
}
