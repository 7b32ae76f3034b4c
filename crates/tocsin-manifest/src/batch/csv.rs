//! CSV with a header: the columns are named as the screening request's
//! fields, plus `ref`; one request per row.

use serde_json::{Map, Value};
use tocsin_match::request::Request;

use super::{Batch, BatchError, Format, Item, ItemError, Position, Problem};

/// The columns a header may name.
pub(super) const COLUMNS: [&str; 12] = [
    "ref",
    "name",
    "birth_date",
    "nationality",
    "sex",
    "document_number",
    "document_country",
    "mrz",
    "kinds",
    "limit",
    "location",
    "purpose",
];

/// Reads the header and every row after it. A row with the wrong number of
/// fields is an item with its error; a quote that never closes stops the
/// reading at the row it opens, the rows before it kept.
pub(super) fn read(bytes: &[u8], max: usize) -> Result<Batch, BatchError> {
    let text = super::text(bytes);
    let unclosed = unclosed_quote(&text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(BatchError::Header(e.to_string())),
    };
    if header.iter().all(String::is_empty) {
        return Err(BatchError::Empty);
    }
    check_header(&header)?;
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push(Problem { position: Position::Line(line), message: e.to_string() });
                break;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        if let Some(open) = unclosed.filter(|open| line >= *open) {
            problems.push(Problem {
                position: Position::Line(open),
                message: format!(
                    "line {open}: a quoted field opens here and never closes, so the rows from here to the end are not read"
                ),
            });
            break;
        }
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        items.push(item(&header, line, &row));
        if items.len() > max {
            let count = items.len() + reader.records().count();
            return Err(BatchError::TooMany { count, max });
        }
    }
    Ok(Batch { format: Format::Csv, flight: None, items, problems })
}

fn check_header(header: &[String]) -> Result<(), BatchError> {
    for (i, column) in header.iter().enumerate() {
        if column.is_empty() {
            return Err(BatchError::Header(format!("column {} has no name", i + 1)));
        }
        if !COLUMNS.contains(&column.as_str()) {
            return Err(BatchError::Header(format!(
                "unknown column `{column}`; the columns are {}",
                COLUMNS.join(", ")
            )));
        }
        if header[..i].contains(column) {
            return Err(BatchError::Header(format!("column `{column}` is named twice")));
        }
    }
    Ok(())
}

fn item(header: &[String], line: usize, row: &csv::StringRecord) -> Item {
    let cell = |i: usize| row.get(i).map(str::trim).filter(|v| !v.is_empty());
    let reference = header.iter().position(|c| c == "ref").and_then(cell).map(str::to_owned);
    let requests = if row.len() == header.len() {
        super::reference_ok(reference.as_deref()).and_then(|()| request(header, row)).map(|r| vec![r])
    } else {
        Err(ItemError {
            code: "invalid_row",
            field: None,
            message: format!(
                "line {line}: {} fields where the header names {} columns ({})",
                row.len(),
                header.len(),
                header.join(",")
            ),
        })
    };
    Item { position: Position::Line(line), reference, subject: None, requests, notes: Vec::new() }
}

/// The row as the JSON request it stands for, read by the same parser as a
/// JSON line, so that a bad value gets the same error naming its field.
fn request(header: &[String], row: &csv::StringRecord) -> Result<Request, ItemError> {
    let mut object = Map::new();
    for (column, value) in header.iter().zip(row.iter()) {
        let value = value.trim();
        if value.is_empty() || column == "ref" {
            continue;
        }
        let json = match column.as_str() {
            "limit" => match value.parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    return Err(ItemError {
                        code: "invalid_field",
                        field: Some("limit".to_owned()),
                        message: format!("limit: `{value}` is not a number"),
                    });
                }
            },
            "kinds" => Value::from(
                value.split([';', '|', ' ', ',']).filter(|k| !k.is_empty()).map(str::to_owned).collect::<Vec<_>>(),
            ),
            // An MRZ's lines are separated by a newline in a quoted cell, or
            // by a written `\n`.
            "mrz" => Value::from(value.replace("\\n", "\n")),
            _ => Value::from(value),
        };
        object.insert(column.clone(), json);
    }
    let bytes = serde_json::to_vec(&object).map_err(|e| ItemError {
        code: "invalid_row",
        field: None,
        message: e.to_string(),
    })?;
    tocsin_core::json::from_slice::<Request>(&bytes).map_err(super::item_error)
}

/// The line on which a quoted field opens and never closes, if one does.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened) = (1, 0);
    let (mut quoted, mut just_closed, mut field_start) = (false, false, true);
    for c in text.chars() {
        let closing = c == '"' && quoted;
        match c {
            '"' if quoted => quoted = false,
            // `""` inside a quoted field is a quote: the field goes on.
            '"' if just_closed => quoted = true,
            // A quote opens a quoted field only at the field's start; the
            // csv reader reads a quote elsewhere as text.
            '"' if field_start => {
                quoted = true;
                opened = line;
            }
            '\n' => line += 1,
            _ => {}
        }
        just_closed = closing;
        field_start = !quoted && matches!(c, ',' | '\n' | '\r');
    }
    quoted.then_some(opened)
}
