//! FollowTheMoney entities as JSON lines (`{"id", "schema", "properties"}`),
//! as OpenSanctions and Aleph publish them.
//!
//! `Person` becomes a person; `Organization`, `LegalEntity` and `Company` an
//! organization. `Passport` and `Identification` entities become documents
//! of the person their `holder` names, so they are gathered first and
//! attached at the end. Other schemas are skipped with the reason.
//! Countries are alpha-2 codes; property values are lists.

use std::collections::HashMap;
use std::io::BufRead;

use serde::Deserialize;
use time::Date;
use tocsin_core::record::{
    AccessRule, DocumentType, Handling, HandlingCode, IdentityDocument, Kind, NameInput, NameType, RecordInput, Sex,
};

use crate::{Collector, Error, Format, Parsed, add_name, alpha2, date, document, tidy};

#[derive(Deserialize)]
struct Entity {
    #[serde(default)]
    id: String,
    schema: String,
    #[serde(default)]
    properties: HashMap<String, Vec<serde_json::Value>>,
}

impl Entity {
    fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.properties.get(key).into_iter().flatten().filter_map(serde_json::Value::as_str)
    }

    fn first(&self, key: &str) -> Option<String> {
        self.all(key).find_map(tidy)
    }
}

pub(crate) fn parse(mut input: impl BufRead, today: Date) -> Result<Parsed, Error> {
    let mut out = Collector::new(Format::Ftm, today);
    let mut subjects: Vec<(String, String, RecordInput)> = vec![];
    let mut holders: HashMap<String, usize> = HashMap::new();
    let mut documents: Vec<(String, String, IdentityDocument)> = vec![];
    let mut line = String::new();
    let mut n = 0u64;
    loop {
        line.clear();
        n += 1;
        let at = format!("line {n}");
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(out.error(at, format!("not UTF-8 text: {e}"))),
        }
        if line.trim().is_empty() {
            continue;
        }
        let e: Entity = serde_json::from_str(&line).map_err(|e| out.error(at.clone(), e.to_string()))?;
        match e.schema.as_str() {
            "Person" | "Organization" | "LegalEntity" | "Company" => match subject(&e) {
                Some(input) => {
                    holders.insert(e.id.clone(), subjects.len());
                    subjects.push((at, e.id, input));
                }
                None => out.skip(at, Some(&e.id), "the entity has no name"),
            },
            "Passport" | "Identification" => {
                let Some(holder) = e.first("holder") else {
                    out.skip(at, Some(&e.id), "the document has no holder");
                    continue;
                };
                let country = e.all("country").find_map(alpha2);
                let default = if e.schema == "Passport" { "passport" } else { "national id" };
                let label = e.first("type").unwrap_or_else(|| default.to_owned());
                match e.first("number").and_then(|num| document(&num, country, Some(&label))) {
                    Some(d) => documents.push((at, holder, d)),
                    None => out.skip(at, Some(&e.id), "the document has no usable number"),
                }
            }
            other => out.skip(at, Some(&e.id), format!("schema {other} is not imported")),
        }
    }
    for (at, holder, d) in documents {
        match holders.get(&holder).map(|&i| &mut subjects[i].2) {
            Some(input) if input.kind == Kind::Person => input.documents.get_or_insert_with(Vec::new).push(d),
            Some(_) => out.skip(at, None, format!("the holder {holder} is not a person")),
            None => out.skip(at, None, format!("the holder {holder} is not in the file")),
        }
    }
    for (at, id, input) in subjects {
        out.push(at, &id, input);
    }
    Ok(out.out)
}

fn subject(e: &Entity) -> Option<RecordInput> {
    let person = e.schema == "Person";
    let mut input = RecordInput::new(if person { Kind::Person } else { Kind::Organization });
    let mut names: Vec<NameInput> = vec![];
    let mut primary = e.all("name");
    match primary.next() {
        Some(first) => add_name(&mut names, first, NameType::Primary),
        None => {
            let parts: Vec<String> =
                ["firstName", "middleName", "lastName"].iter().filter_map(|k| e.first(k)).collect();
            add_name(&mut names, &parts.join(" "), NameType::Primary);
        }
    }
    for other in primary.chain(e.all("alias")).chain(e.all("previousName")) {
        add_name(&mut names, other, NameType::Alias);
    }
    for weak in e.all("weakAlias") {
        add_name(&mut names, weak, NameType::WeakAlias);
    }
    if names.is_empty() {
        return None;
    }
    names.truncate(tocsin_core::limits::NAMES);
    input.names = Some(names);
    let countries = |keys: &[&str]| {
        let mut out = vec![];
        for c in keys.iter().flat_map(|k| e.all(k)).filter_map(alpha2) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.truncate(tocsin_core::limits::LIST_ITEMS);
        out
    };
    if person {
        let mut dates = vec![];
        for d in e.all("birthDate").filter_map(date::iso) {
            if !dates.contains(&d) {
                dates.push(d);
            }
        }
        input.birth_dates = Some(dates);
        input.birth_place = e.first("birthPlace");
        input.nationalities = Some(countries(&["nationality", "citizenship"]));
        input.sex = match e.first("gender").as_deref() {
            Some("male") => Some(Sex::Male),
            Some("female") => Some(Sex::Female),
            _ => None,
        };
        let docs = e
            .all("passportNumber")
            .filter_map(|n| document(n, None, Some("passport")))
            .chain(e.all("idNumber").filter_map(|n| {
                document(n, None, None).map(|d| IdentityDocument { doc_type: DocumentType::NationalId, ..d })
            }))
            .collect::<Vec<_>>();
        input.documents = Some(docs);
    } else {
        input.countries = Some(countries(&["country", "jurisdiction", "mainCountry"]));
    }
    input.handling = Some(Handling { code: HandlingCode::Inform, instructions: None });
    input.access = Some(AccessRule::All);
    let tags: Vec<String> = e.all("topics").filter_map(tidy).map(|t| format!("ftm_topic:{t}")).collect();
    input.tags = Some(tags);
    Some(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn reads_people_companies_and_their_documents() {
        let lines = r#"{"id": "p1", "schema": "Person", "properties": {"name": ["Ivan Petrov"], "alias": ["Иван Петров"], "weakAlias": ["Vanya"], "birthDate": ["1970-05-01", "1970"], "nationality": ["ru"], "gender": ["male"], "topics": ["sanction"]}}
{"id": "doc1", "schema": "Passport", "properties": {"holder": ["p1"], "number": ["72 0000123"], "country": ["ru"]}}
{"id": "c1", "schema": "Company", "properties": {"name": ["Example Trading LLC"], "jurisdiction": ["ae"]}}
{"id": "doc2", "schema": "Identification", "properties": {"holder": ["nobody"], "number": ["1"]}}
{"id": "v1", "schema": "Vessel", "properties": {"name": ["SEA STAR"]}}
"#;
        let p = parse(lines.as_bytes(), TODAY).expect("parses");
        let v: Vec<serde_json::Value> = p.entries.iter().map(|e| serde_json::to_value(e).expect("json")).collect();
        assert_eq!(v[0]["names"][1]["full"], "Иван Петров");
        assert_eq!(v[0]["names"][2]["type"], "weak_alias");
        assert_eq!(v[0]["birth_dates"], serde_json::json!(["1970-05-01", "1970"]));
        assert_eq!(
            v[0]["documents"],
            serde_json::json!([{"number": "720000123", "country": "RUS", "type": "passport"}])
        );
        assert_eq!(v[0]["tags"], serde_json::json!(["ftm_topic:sanction"]));
        assert_eq!(v[1]["countries"], serde_json::json!(["ARE"]));
        let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons, ["schema Vessel is not imported", "the holder nobody is not in the file"]);
        assert_eq!(p.skipped[1].at, "line 4");
    }

    #[test]
    fn a_bad_line_is_an_error_naming_it() {
        let e = parse(&b"{\"id\": \"a\", \"schema\": \"Person\"}\n{\"id\": \n"[..], TODAY).expect_err("bad");
        assert_eq!(e.at, "line 2");
        assert!(parse(&b"\xff\xfe\x00garbage\n"[..], TODAY).is_err());
    }
}
