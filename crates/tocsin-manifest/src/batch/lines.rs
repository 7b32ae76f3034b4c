//! JSON lines: one screening request per line, with an optional `ref`.

use serde_json::{Map, Value};
use tocsin_core::json::from_slice;
use tocsin_match::request::Request;

use super::{Batch, BatchError, Format, Item, ItemError, Position, item_error};

/// Reads every non-blank line; a line that is not a request is an item
/// with its error.
pub(super) fn read(bytes: &[u8], max: usize) -> Result<Batch, BatchError> {
    let text = super::text(bytes);
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i + 1, l)).collect();
    if lines.len() > max {
        return Err(BatchError::TooMany { count: lines.len(), max });
    }
    let items = lines.into_iter().map(|(n, line)| item(n, line)).collect();
    Ok(Batch { format: Format::JsonLines, flight: None, items, problems: Vec::new() })
}

fn item(line: usize, text: &str) -> Item {
    let mut reference = None;
    let requests = from_slice::<Map<String, Value>>(text.as_bytes()).map_err(item_error).and_then(|mut object| {
        reference = match object.remove("ref") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                return Err(ItemError {
                    code: "invalid_field",
                    field: Some("ref".to_owned()),
                    message: "ref: must be a string or a number".to_owned(),
                });
            }
        };
        super::reference_ok(reference.as_deref())?;
        let bytes = serde_json::to_vec(&object).map_err(|e| ItemError {
            code: "invalid_json",
            field: None,
            message: e.to_string(),
        })?;
        from_slice::<Request>(&bytes).map(|r| vec![r]).map_err(item_error)
    });
    Item { position: Position::Line(line), reference, subject: None, requests, notes: Vec::new() }
}
