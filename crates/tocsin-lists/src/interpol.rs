//! JSON shaped as INTERPOL's public notices API
//! (`ws-public.interpol.int/notices/v1/{red,yellow,un}`).
//!
//! The input is one or more JSON values (a file, an array, or JSON lines),
//! each a list page (`_embedded.notices`) or one notice's details. A notice's
//! type comes from its `_links.self.href` (`/red/`, `/yellow/`, `/un/`), or
//! from the page's. Nationalities are alpha-2 codes; dates are `YYYY/MM/DD`,
//! `YYYY/MM` or `YYYY`.
//!
//! Red notices are kept with handling `arrest`, yellow (missing persons) with
//! `locate`, UN Security Council special notices with `inform`.

use std::io::BufRead;

use serde_json::Value;
use time::Date;
use tocsin_core::limits;
use tocsin_core::record::{AccessRule, Handling, HandlingCode, Kind, NameInput, NameType, RecordInput, Sex};

use crate::{Collector, Error, Format, Parsed, add_name, alpha2, date, tidy};

/// Characters of arrest-warrant charges kept in the handling instructions.
const CHARGE_CHARS: usize = 600;

pub(crate) fn parse(input: impl BufRead, today: Date) -> Result<Parsed, Error> {
    let mut out = Collector::new(Format::InterpolNotices, today);
    let mut stream = serde_json::Deserializer::from_reader(input).into_iter::<Value>();
    let mut count = 0usize;
    loop {
        let start = stream.byte_offset();
        let value = match stream.next() {
            None => break,
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Err(out.error(format!("line {} column {}", e.line(), e.column()), e.to_string()));
            }
        };
        let items: Vec<Value> = match value {
            Value::Array(items) => items,
            v => vec![v],
        };
        for item in items {
            let page_type = notice_type(&item);
            match item.pointer("/_embedded/notices").and_then(Value::as_array) {
                Some(notices) => {
                    for n in notices {
                        count += 1;
                        notice(&mut out, n, page_type, format!("notice {count} (byte {start})"));
                    }
                }
                None if item.get("entity_id").is_some() => {
                    count += 1;
                    notice(&mut out, &item, None, format!("notice {count} (byte {start})"));
                }
                None => {
                    return Err(out.error(
                        format!("byte {start}"),
                        "neither a notice list (`_embedded.notices`) nor a notice (`entity_id`)",
                    ));
                }
            }
        }
    }
    if count == 0 {
        return Err(out.error("byte 0", "no notices in the input"));
    }
    Ok(out.out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoticeType {
    Red,
    Yellow,
    Un,
}

fn notice_type(v: &Value) -> Option<NoticeType> {
    let href = v.pointer("/_links/self/href")?.as_str()?;
    ["/red", "/yellow", "/un/", "/un?"]
        .iter()
        .zip([NoticeType::Red, NoticeType::Yellow, NoticeType::Un, NoticeType::Un])
        .find_map(|(p, t)| href.contains(p).then_some(t))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).and_then(tidy)
}

fn notice(out: &mut Collector, n: &Value, page_type: Option<NoticeType>, at: String) {
    let id = text(n, "entity_id").unwrap_or_default();
    let Some(kind) = notice_type(n).or(page_type) else {
        return out.skip(at, Some(&id), "notice type unknown: no `_links.self.href` naming red, yellow or un");
    };
    let mut input = RecordInput::new(Kind::Person);
    let mut names: Vec<NameInput> = vec![];
    let full = [text(n, "forename"), text(n, "name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    add_name(&mut names, &full, NameType::Primary);
    if let Some(birth_name) = text(n, "birth_name") {
        let with_forename = [text(n, "forename"), Some(birth_name)].into_iter().flatten().collect::<Vec<_>>().join(" ");
        add_name(&mut names, &with_forename, NameType::Alias);
    }
    if names.is_empty() {
        return out.skip(at, Some(&id), "the notice has no name");
    }
    input.names = Some(names);
    input.birth_dates = Some(text(n, "date_of_birth").and_then(|d| date::iso(&d)).into_iter().collect());
    input.nationalities = Some(
        n.get("nationalities")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).filter_map(alpha2).collect())
            .unwrap_or_default(),
    );
    input.sex = match text(n, "sex_id").as_deref() {
        Some("M") => Some(Sex::Male),
        Some("F") => Some(Sex::Female),
        _ => None,
    };
    let country_of_birth = text(n, "country_of_birth_id").and_then(|c| alpha2(&c)).map(|c| c.to_string());
    let place = [text(n, "place_of_birth"), country_of_birth].into_iter().flatten().collect::<Vec<_>>();
    input.birth_place = (!place.is_empty()).then(|| place.join(", "));
    let charges: Vec<String> = n
        .get("arrest_warrants")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|w| text(w, "charge")).collect())
        .unwrap_or_default();
    let mut charges = charges.join("; ");
    if charges.chars().count() > CHARGE_CHARS {
        charges = charges.chars().take(CHARGE_CHARS).collect::<String>() + "…";
    }
    let (code, what, tag) = match kind {
        NoticeType::Red => (
            HandlingCode::Arrest,
            "INTERPOL Red Notice: locate and provisionally arrest pending extradition; contact the owner at once.",
            "red",
        ),
        NoticeType::Yellow => {
            (HandlingCode::Locate, "INTERPOL Yellow Notice (missing person): locate and inform the owner.", "yellow")
        }
        NoticeType::Un => (
            HandlingCode::Inform,
            "INTERPOL-UN Security Council Special Notice: UN sanctions apply; inform the owner.",
            "un_special",
        ),
    };
    let instructions = match charges.is_empty() {
        true => what.to_owned(),
        false => format!("{what} Charges: {charges}"),
    };
    input.handling =
        Some(Handling { code, instructions: Some(instructions.chars().take(limits::TEXT_CHARS).collect()) });
    input.access = Some(AccessRule::All);
    input.tags = Some(vec![format!("interpol_notice:{tag}")]);
    out.push(at, &id, input);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn reads_a_list_page_and_a_detail() {
        let page = r#"{"total": 2, "_embedded": {"notices": [
              {"forename": "JOHN", "name": "EXAMPLE", "date_of_birth": "1970/05/01", "entity_id": "2020/1",
               "nationalities": ["GB", "zz"], "_links": {"self": {"href": "https://x/notices/v1/red/2020-1"}}},
              {"forename": "ANNA", "name": "SAMPLE", "date_of_birth": "1985", "entity_id": "2021/2"}]},
            "_links": {"self": {"href": "https://x/notices/v1/yellow?page=1"}}}
            {"entity_id": "2022/3", "name": "DOE", "forename": "JANE", "sex_id": "F", "country_of_birth_id": "FR",
             "place_of_birth": "Lyon", "arrest_warrants": [{"charge": "Fraud", "issuing_country_id": "FR"}],
             "_links": {"self": {"href": "https://x/notices/v1/red/2022-3"}}}"#;
        let p = parse(page.as_bytes(), TODAY).expect("parses");
        assert_eq!(p.skipped, vec![]);
        let v: Vec<Value> = p.entries.iter().map(|e| serde_json::to_value(e).expect("json")).collect();
        assert_eq!(v[0]["names"][0]["full"], "JOHN EXAMPLE");
        assert_eq!(v[0]["birth_dates"], serde_json::json!(["1970-05-01"]));
        assert_eq!(v[0]["nationalities"], serde_json::json!(["GBR"]));
        assert_eq!(v[0]["handling"]["code"], "arrest");
        assert_eq!(v[1]["handling"]["code"], "locate", "the page's type");
        assert_eq!(v[2]["birth_place"], "Lyon, FRA");
        assert_eq!(v[2]["sex"], "female");
        assert!(v[2]["handling"]["instructions"].as_str().is_some_and(|i| i.ends_with("Charges: Fraud")));
        assert_eq!(v[2]["source"], serde_json::json!({"list": "interpol-notices", "id": "2022/3"}));
    }

    #[test]
    fn bad_input_is_an_error_or_a_skip() {
        assert!(parse(&b"{\"_embedded\": {\"notices\": ["[..], TODAY).expect_err("truncated").at.starts_with("line"));
        assert!(parse(&b"{\"hello\": 1}"[..], TODAY).is_err());
        assert!(parse(&b"\x00\x01\xff"[..], TODAY).is_err());
        let untyped = parse(&br#"{"entity_id": "1", "name": "X"}"#[..], TODAY).expect("parses");
        assert!(untyped.skipped[0].reason.contains("notice type"));
    }
}
