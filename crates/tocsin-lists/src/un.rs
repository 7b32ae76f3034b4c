//! The UN Security Council Consolidated List (`sc-sanctions.xsd`).
//!
//! Read with quick-xml one `INDIVIDUAL` or `ENTITY` at a time: each is
//! gathered into a small element tree, turned into a record, and dropped.
//! Quirks handled: empty elements everywhere (`<INDIVIDUAL_DOCUMENT/>`,
//! `<QUALITY/>`), newlines inside values, commas inside `FIRST_NAME`, spaces
//! inside document numbers, document types in French and Spanish, and dates
//! of birth that are exact, year-only, approximate or ranges.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;
use time::Date;
use tocsin_core::notice::{NoticeContent, NoticeType};
use tocsin_core::record::{Handling, HandlingCode, Kind, NameInput, NameType, RecordInput, Sex};

use crate::{Collector, Error, Format, ListedNotice, Parsed, add_name, country, date, document, tidy};

/// An element with its text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a Node> + use<'a, 'n> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.all(name).next()
    }

    /// The tidied text of the first child `name`, if it has any.
    fn get(&self, name: &str) -> Option<String> {
        self.child(name).and_then(|c| tidy(&c.text))
    }

    /// The tidied texts of `name/VALUE` children.
    fn values(&self, name: &str) -> Vec<String> {
        self.all(name).flat_map(|c| c.all("VALUE")).filter_map(|v| tidy(&v.text)).collect()
    }
}

pub(crate) fn parse(input: impl BufRead, today: Date) -> Result<Parsed, Error> {
    let mut out = Collector::new(Format::UnSanctions, today);
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut count = 0usize;
    loop {
        let at = reader.buffer_position();
        let bad = |out: &Collector, m: String| out.error(format!("byte {at}"), m);
        let event = reader.read_event_into(&mut buf).map_err(|e| bad(&out, e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if stack.is_empty() && name != "CONSOLIDATED_LIST" {
                    return Err(bad(&out, format!("the root element is <{name}>, not <CONSOLIDATED_LIST>")));
                }
                stack.push(Node { name, ..Node::default() });
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match stack.last_mut() {
                    Some(top) => top.children.push(Node { name, ..Node::default() }),
                    None => return Err(bad(&out, format!("the root element is <{name}/>, not <CONSOLIDATED_LIST>"))),
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| bad(&out, e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                } else if !text.trim().is_empty() {
                    return Err(bad(&out, "text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| bad(&out, e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().map_err(|e| bad(&out, e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| bad(&out, e.to_string()))?;
                        let c = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| bad(&out, format!("unknown entity &{name};")))?;
                        c.to_owned()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else { return Err(bad(&out, "an end tag without a start".into())) };
                // CONSOLIDATED_LIST / INDIVIDUALS|ENTITIES / INDIVIDUAL|ENTITY
                if stack.len() == 2 && matches!(node.name.as_str(), "INDIVIDUAL" | "ENTITY") {
                    count += 1;
                    entry(&mut out, &node, format!("{} {count} (byte {at})", node.name));
                } else if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(bad(&out, format!("the file ends inside <{}>: it is truncated", open.name)));
                }
                if count == 0 && out.out.skipped.is_empty() {
                    return Err(bad(&out, "no <CONSOLIDATED_LIST> with entries in the file".into()));
                }
                break;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
        buf.clear();
    }
    Ok(out.out)
}

fn entry(out: &mut Collector, n: &Node, at: String) {
    let id = n.get("REFERENCE_NUMBER").or_else(|| n.get("DATAID")).unwrap_or_default();
    let person = n.name == "INDIVIDUAL";
    let mut input = RecordInput::new(if person { Kind::Person } else { Kind::Organization });
    let mut names: Vec<NameInput> = vec![];
    let primary: Vec<String> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|t| n.get(t))
        .map(|p| p.replace(',', " "))
        .collect();
    add_name(&mut names, &primary.join(" "), NameType::Primary);
    if let Some(original) = n.get("NAME_ORIGINAL_SCRIPT") {
        add_name(&mut names, &original, NameType::OriginalScript);
    }
    for alias in n.all(if person { "INDIVIDUAL_ALIAS" } else { "ENTITY_ALIAS" }) {
        let Some(name) = alias.get("ALIAS_NAME") else { continue };
        let kind = match alias.get("QUALITY").as_deref() {
            Some("Low") => NameType::WeakAlias,
            _ => NameType::Alias,
        };
        add_name(&mut names, &name, kind);
    }
    if names.is_empty() {
        return out.skip(at, Some(&id), "the entry has no name");
    }
    input.names = Some(names);
    let regime = n.get("UN_LIST_TYPE");
    if person {
        input.sex = match n.get("GENDER").as_deref() {
            Some("Male") => Some(Sex::Male),
            Some("Female") => Some(Sex::Female),
            _ => None,
        };
        input.nationalities = Some(dedup(n.values("NATIONALITY").iter().filter_map(|v| country(v)).collect()));
        input.birth_dates = Some(dedup(n.all("INDIVIDUAL_DATE_OF_BIRTH").flat_map(birth_dates).collect()));
        input.birth_place = n.all("INDIVIDUAL_PLACE_OF_BIRTH").find_map(|p| {
            let parts: Vec<String> = ["CITY", "STATE_PROVINCE", "COUNTRY"].iter().filter_map(|t| p.get(t)).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        });
        input.documents = Some(
            n.all("INDIVIDUAL_DOCUMENT")
                .filter_map(|d| {
                    let issuer = d.get("ISSUING_COUNTRY").or_else(|| d.get("COUNTRY_OF_ISSUE"));
                    document(
                        &d.get("NUMBER")?,
                        issuer.as_deref().and_then(country),
                        d.get("TYPE_OF_DOCUMENT").as_deref(),
                    )
                })
                .collect(),
        );
    } else {
        let countries = n.all("ENTITY_ADDRESS").filter_map(|a| a.get("COUNTRY")).filter_map(|c| country(&c)).collect();
        input.countries = Some(dedup(countries));
    }
    let listed = n.get("LISTED_ON").map(|d| format!(", listed {d}")).unwrap_or_default();
    let regime_text = regime.as_deref().map(|r| format!(" ({r} regime{listed})")).unwrap_or_default();
    input.handling = Some(Handling {
        code: HandlingCode::Inform,
        instructions: Some(format!(
            "Subject to UN Security Council sanctions{regime_text}: asset freeze{}. Report the hit to the owner.",
            if person { ", travel ban and arms embargo" } else { " and arms embargo" }
        )),
    });
    input.access = Some(tocsin_core::record::AccessRule::All);
    let mut tags = vec!["un_sanctions".to_owned()];
    if let Some(r) = &regime {
        tags.push(format!("un_regime:{}", r.to_lowercase().replace(' ', "_")));
    }
    input.tags = Some(tags);
    let listed_on = n.get("LISTED_ON").and_then(|d| date::iso(&d));
    if out.push(at, &id, input)
        && let (Some(regime), Some(listed_on)) = (regime, listed_on)
    {
        // The UN Special Notice INTERPOL and the Security Council issue on
        // every entry of the list.
        out.out.notices.push(ListedNotice {
            source_id: id.clone(),
            notice_type: NoticeType::UnSpecial,
            content: NoticeContent {
                un_reference: Some(id),
                un_regime: Some(regime),
                un_listed_on: Some(listed_on),
                summary: n.get("COMMENTS1").map(|c| c.chars().take(tocsin_core::limits::TEXT_CHARS).collect()),
                ..NoticeContent::default()
            },
        });
    }
}

fn birth_dates(d: &Node) -> Vec<tocsin_core::PartialDate> {
    if let (Some(from), Some(to)) = (d.get("FROM_YEAR"), d.get("TO_YEAR")) {
        return date::range(&from, &to);
    }
    let exact = d.get("DATE").and_then(|s| date::iso(&s));
    let approximate = d.get("TYPE_OF_DATE").as_deref() == Some("APPROXIMATELY");
    match (exact, d.get("YEAR").and_then(|y| date::year(&y))) {
        // An approximate full date is kept to its year.
        (Some(e), _) if approximate => date::year(&e.year().to_string()).into_iter().collect(),
        (Some(e), _) => vec![e],
        (None, Some(y)) => vec![y],
        (None, None) => vec![],
    }
}

fn dedup<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn parse_str(s: &str) -> Result<Parsed, Error> {
        parse(s.as_bytes(), TODAY)
    }

    #[test]
    fn reads_an_individual_with_every_quirk() {
        let xml = r#"<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>
            <DATAID>1</DATAID><FIRST_NAME>MATHIEU, CHUI</FIRST_NAME><SECOND_NAME>NGUDJOLO</SECOND_NAME>
            <UN_LIST_TYPE>DRC</UN_LIST_TYPE><REFERENCE_NUMBER>CDi.1</REFERENCE_NUMBER><LISTED_ON>2008-01-01</LISTED_ON>
            <GENDER>Male</GENDER><NATIONALITY><VALUE>Democratic Republic of the Congo</VALUE></NATIONALITY>
            <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Chui</ALIAS_NAME></INDIVIDUAL_ALIAS>
            <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1970</FROM_YEAR><TO_YEAR>1972</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
            <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><DATE>1969-04-02</DATE></INDIVIDUAL_DATE_OF_BIRTH>
            <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification
                 Number</TYPE_OF_DOCUMENT><NUMBER>OB 0243318</NUMBER><ISSUING_COUNTRY>Rwanda</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
            <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Numéro de passeport </TYPE_OF_DOCUMENT><NUMBER>A1</NUMBER></INDIVIDUAL_DOCUMENT>
            <INDIVIDUAL_DOCUMENT/>
        </INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><FIRST_NAME>AL &amp; CO</FIRST_NAME><REFERENCE_NUMBER>QDe.1</REFERENCE_NUMBER>
            <ENTITY_ADDRESS><COUNTRY>Syrian Arab Republic</COUNTRY></ENTITY_ADDRESS></ENTITY></ENTITIES></CONSOLIDATED_LIST>"#;
        let p = parse_str(xml).expect("parses");
        assert_eq!(p.skipped, vec![]);
        let person = serde_json::to_value(&p.entries[0]).expect("json");
        assert_eq!(person["names"][0]["full"], "MATHIEU CHUI NGUDJOLO");
        assert_eq!(person["names"][1]["type"], "weak_alias");
        assert_eq!(person["names"].as_array().map(Vec::len), Some(2), "the empty alias is dropped");
        assert_eq!(person["birth_dates"], serde_json::json!(["1970", "1971", "1972", "1969"]));
        assert_eq!(person["nationalities"], serde_json::json!(["COD"]));
        assert_eq!(person["sex"], "male");
        assert_eq!(
            person["documents"],
            serde_json::json!([
                {"number": "OB0243318", "country": "RWA", "type": "national_id"},
                {"number": "A1", "type": "passport"}
            ])
        );
        assert_eq!(person["source"], serde_json::json!({"list": "un-sanctions", "id": "CDi.1"}));
        assert_eq!(person["tags"], serde_json::json!(["un_sanctions", "un_regime:drc"]));
        let org = serde_json::to_value(&p.entries[1]).expect("json");
        assert_eq!(org["names"][0]["full"], "AL & CO");
        assert_eq!(org["countries"], serde_json::json!(["SYR"]));
    }

    #[test]
    fn broken_files_are_errors_with_a_position() {
        let truncated = "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>";
        let e = parse_str(truncated).expect_err("truncated");
        assert!(e.message.contains("truncated"), "{e}");
        assert!(e.at.starts_with("byte "), "{e}");
        let wrong = parse_str("<sdnList></sdnList>").expect_err("wrong root");
        assert!(wrong.message.contains("CONSOLIDATED_LIST"), "{wrong}");
        let mismatched = parse_str("<CONSOLIDATED_LIST><A></B></CONSOLIDATED_LIST>").expect_err("mismatch");
        assert!(mismatched.at.starts_with("byte "), "{mismatched}");
        assert!(parse_str("\u{0}\u{1}garbage").is_err());
        assert!(parse_str("").is_err());
    }

    #[test]
    fn an_entry_without_a_name_is_skipped_with_its_reference() {
        let xml = "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER>\
                   </INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
        let p = parse_str(xml).expect("parses");
        assert_eq!(p.entries.len(), 0);
        assert_eq!(p.skipped[0].id.as_deref(), Some("X.1"));
        assert!(p.skipped[0].at.starts_with("INDIVIDUAL 1"), "{:?}", p.skipped[0]);
    }
}
