//! What is encrypted: the subject, the body, caveats, attachments and a
//! diffusion's content, and their bounds.

use serde::{Deserialize, Serialize};
use tocsin_core::FieldError;

use crate::{
    DiffusionKind, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_ATTACHMENTS_BYTES, MAX_BODY_BYTES, MAX_CAVEAT_CHARS,
    MAX_CAVEATS, MAX_DIFFUSION_FIELD_CHARS, MAX_SUBJECT_CHARS,
};

/// At most this many characters in an attachment's name.
const MAX_NAME_CHARS: usize = 200;
/// At most this many characters in an attachment's media type.
const MAX_MEDIA_TYPE_CHARS: usize = 100;
const MIB: usize = 1024 * 1024;

/// What is encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// One line, 1 to [`MAX_SUBJECT_CHARS`] characters, not blank, no
    /// control characters.
    pub subject: String,
    /// The text, at most [`MAX_BODY_BYTES`] bytes (UTF-8).
    pub body: String,
    /// Handling caveats (`not for onward transmission`): at most
    /// [`MAX_CAVEATS`], each 1 to [`MAX_CAVEAT_CHARS`] characters.
    #[serde(default)]
    pub caveats: Vec<String>,
    /// Files: at most [`MAX_ATTACHMENTS`], each at most
    /// [`MAX_ATTACHMENT_BYTES`], [`MAX_ATTACHMENTS_BYTES`] in all.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// What the diffusion says, exactly when the header names a diffusion
    /// kind, and of that kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<DiffusionContent>,
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Its file name: 1 to 200 characters, no `/`, `\` or control
    /// characters, not `.` or `..`.
    pub name: String,
    /// Its media type, `type/subtype` (`application/pdf`), at most 100
    /// characters, no parameters.
    pub media_type: String,
    /// Its content, standard base64 in JSON.
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// Standard base64 (with padding) for bytes in JSON.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(data))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(|e| serde::de::Error::custom(format!("not standard base64: {e}")))
    }
}

/// What each diffusion kind must say. In JSON, an object tagged by `kind`
/// (`wanted`, `missing`, `information`, `warning`, as [`DiffusionKind`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DiffusionContent {
    /// Locate and arrest a person.
    Wanted {
        /// The offence the person is sought for.
        offence: String,
        /// The arrest warrant or judicial decision it rests on.
        warrant: String,
        /// What the sender asks for (arrest with a view to extradition…).
        requested_action: String,
    },
    /// Locate a missing person.
    Missing {
        /// How the person went missing.
        circumstances: String,
        /// Where and when the person was last seen.
        last_seen: String,
    },
    /// Collect or share information.
    Information {
        /// What the information is sought or shared for.
        purpose: String,
    },
    /// Warn of a threat.
    Warning {
        /// The threat.
        threat: String,
        /// How the threat operates, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        modus_operandi: Option<String>,
    },
}

impl DiffusionContent {
    /// Its kind.
    pub fn kind(&self) -> DiffusionKind {
        match self {
            DiffusionContent::Wanted { .. } => DiffusionKind::Wanted,
            DiffusionContent::Missing { .. } => DiffusionKind::Missing,
            DiffusionContent::Information { .. } => DiffusionKind::Information,
            DiffusionContent::Warning { .. } => DiffusionKind::Warning,
        }
    }

    /// Its texts by field name, the optional ones when present.
    fn texts(&self) -> Vec<(&'static str, &str)> {
        match self {
            DiffusionContent::Wanted { offence, warrant, requested_action } => {
                vec![("offence", offence), ("warrant", warrant), ("requested_action", requested_action)]
            }
            DiffusionContent::Missing { circumstances, last_seen } => {
                vec![("circumstances", circumstances), ("last_seen", last_seen)]
            }
            DiffusionContent::Information { purpose } => vec![("purpose", purpose)],
            DiffusionContent::Warning { threat, modus_operandi } => {
                let mut texts = vec![("threat", threat.as_str())];
                texts.extend(modus_operandi.as_deref().map(|m| ("modus_operandi", m)));
                texts
            }
        }
    }
}

/// What a diffusion of `kind` must say, for messages.
fn needs(kind: DiffusionKind) -> &'static str {
    match kind {
        DiffusionKind::Wanted => "a wanted diffusion needs its content: offence, warrant, requested_action",
        DiffusionKind::Missing => "a missing diffusion needs its content: circumstances, last_seen",
        DiffusionKind::Information => "an information diffusion needs its content: purpose",
        DiffusionKind::Warning => "a warning diffusion needs its content: threat (and modus_operandi when known)",
    }
}

/// A size over a bound, in MiB (`1.3 MiB`), or in bytes where one decimal
/// would read as the bound itself.
fn size(bytes: usize, bound: usize) -> String {
    let tenths = bytes.saturating_mul(10) / MIB;
    match tenths <= bound.saturating_mul(10) / MIB {
        true => format!("{bytes} bytes"),
        false => format!("{}.{} MiB", tenths / 10, tenths % 10),
    }
}

/// Checks a one-line text: not blank, no control characters, at most `max`
/// characters.
fn line(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::field(field, "blank"));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::field(field, "control characters (a line break, a tab…) are not allowed"));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(FieldError::field(field, format!("{chars} characters; at most {max}")));
    }
    Ok(())
}

/// Whether `s` is a media type's `type/subtype`, RFC 6838's restricted
/// names.
fn is_media_type(s: &str) -> bool {
    let name = |part: &str| {
        !part.is_empty()
            && part.len() <= 127
            && part.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    s.split_once('/').is_some_and(|(t, sub)| name(t) && name(sub))
}

impl Payload {
    /// Checks every bound, and that the diffusion content is present
    /// exactly when `kind` (the header's) is, and of that kind, its texts
    /// not blank. Errors name the field: `subject`, `attachments[1].data`
    /// (`1.3 MiB; at most 1 MiB each`), `attachments` (the total),
    /// `diffusion.offence`, `diffusion`.
    pub fn check(&self, kind: Option<DiffusionKind>) -> Result<(), FieldError> {
        line("subject", &self.subject, MAX_SUBJECT_CHARS)?;
        if self.body.len() > MAX_BODY_BYTES {
            return Err(FieldError::field(
                "body",
                format!("{} bytes; at most {MAX_BODY_BYTES} (64 KiB)", self.body.len()),
            ));
        }
        if self.caveats.len() > MAX_CAVEATS {
            return Err(FieldError::field("caveats", format!("{} caveats; at most {MAX_CAVEATS}", self.caveats.len())));
        }
        for (i, caveat) in self.caveats.iter().enumerate() {
            line(&format!("caveats[{i}]"), caveat, MAX_CAVEAT_CHARS)?;
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(FieldError::field(
                "attachments",
                format!("{} attachments; at most {MAX_ATTACHMENTS}", self.attachments.len()),
            ));
        }
        let mut total = 0usize;
        for (i, a) in self.attachments.iter().enumerate() {
            a.check().map_err(|e| e.at(&format!("attachments[{i}]")))?;
            total = total.saturating_add(a.data.len());
        }
        if total > MAX_ATTACHMENTS_BYTES {
            return Err(FieldError::field(
                "attachments",
                format!(
                    "{} in all; at most {} MiB together",
                    size(total, MAX_ATTACHMENTS_BYTES),
                    MAX_ATTACHMENTS_BYTES / MIB
                ),
            ));
        }
        match (kind, &self.diffusion) {
            (None, None) => Ok(()),
            (None, Some(content)) => Err(FieldError::field(
                "diffusion",
                format!("the message is no diffusion, yet its content is a {} diffusion's", content.kind()),
            )),
            (Some(kind), None) => Err(FieldError::field("diffusion", needs(kind))),
            (Some(kind), Some(content)) if content.kind() != kind => Err(FieldError::field(
                "diffusion.kind",
                format!(
                    "the message is a {kind} diffusion, its content a {} diffusion's; {}",
                    content.kind(),
                    needs(kind)
                ),
            )),
            (Some(_), Some(content)) => {
                for (field, text) in content.texts() {
                    let field = format!("diffusion.{field}");
                    if text.trim().is_empty() {
                        return Err(FieldError::field(field, "blank"));
                    }
                    let chars = text.chars().count();
                    if chars > MAX_DIFFUSION_FIELD_CHARS {
                        return Err(FieldError::field(
                            field,
                            format!("{chars} characters; at most {MAX_DIFFUSION_FIELD_CHARS}"),
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

impl Attachment {
    fn check(&self) -> Result<(), FieldError> {
        line("name", &self.name, MAX_NAME_CHARS)?;
        if self.name.contains(['/', '\\']) || self.name == "." || self.name == ".." {
            return Err(FieldError::field("name", "a file name, without `/` or `\\`, not `.` or `..`"));
        }
        if self.media_type.chars().count() > MAX_MEDIA_TYPE_CHARS || !is_media_type(&self.media_type) {
            return Err(FieldError::field(
                "media_type",
                format!(
                    "`{}` is not a media type (type/subtype, e.g. application/pdf, at most {MAX_MEDIA_TYPE_CHARS} characters)",
                    self.media_type.chars().take(MAX_MEDIA_TYPE_CHARS).collect::<String>().escape_debug()
                ),
            ));
        }
        if self.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(FieldError::field(
                "data",
                format!(
                    "{}; at most {} MiB each",
                    size(self.data.len(), MAX_ATTACHMENT_BYTES),
                    MAX_ATTACHMENT_BYTES / MIB
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn payload() -> Payload {
        Payload {
            subject: "Request for information".into(),
            body: "Details inside.\n".into(),
            caveats: vec!["not for onward transmission".into()],
            attachments: vec![Attachment {
                name: "photo.jpg".into(),
                media_type: "image/jpeg".into(),
                data: vec![1; 10],
            }],
            diffusion: None,
        }
    }

    fn field(p: &Payload, kind: Option<DiffusionKind>) -> String {
        p.check(kind).unwrap_err().field
    }

    #[test]
    fn a_payload_within_bounds_passes_and_reads_back_from_json() {
        let p = payload();
        p.check(None).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"data\":\"AQEBAQEBAQEBAQ==\""), "{json}");
        let back: Payload = tocsin_core::json::from_slice(json.as_bytes()).unwrap();
        assert_eq!(back, p);
        let minimal: Payload = tocsin_core::json::from_slice(br#"{"subject": "s", "body": ""}"#).unwrap();
        minimal.check(None).unwrap();
    }

    #[test]
    fn bounds_name_their_field() {
        let with = |f: &dyn Fn(&mut Payload)| {
            let mut p = payload();
            f(&mut p);
            field(&p, None)
        };
        assert_eq!(with(&|p| p.subject = "  ".into()), "subject");
        assert_eq!(with(&|p| p.subject = "a\nb".into()), "subject");
        assert_eq!(with(&|p| p.subject = "é".repeat(MAX_SUBJECT_CHARS + 1)), "subject");
        assert_eq!(with(&|p| p.body = "a".repeat(MAX_BODY_BYTES + 1)), "body");
        assert_eq!(with(&|p| p.caveats = vec!["c".into(); MAX_CAVEATS + 1]), "caveats");
        assert_eq!(with(&|p| p.caveats.push("c".repeat(MAX_CAVEAT_CHARS + 1))), "caveats[1]");
        assert_eq!(with(&|p| p.caveats.push(String::new())), "caveats[1]");
        assert_eq!(with(&|p| p.attachments = vec![p.attachments[0].clone(); MAX_ATTACHMENTS + 1]), "attachments");
        for bad in ["", "a/b", "a\\b", "..", "a\u{0}b", " "] {
            assert_eq!(with(&|p| p.attachments[0].name = bad.into()), "attachments[0].name", "{bad:?}");
        }
        for bad in ["", "image", "image/", "/jpeg", "image/jpeg; q=1", "text/plain/x", "a b/c"] {
            assert_eq!(with(&|p| p.attachments[0].media_type = bad.into()), "attachments[0].media_type", "{bad:?}");
        }
        let mut p = payload();
        p.body = "a".repeat(MAX_BODY_BYTES);
        p.subject = "é".repeat(MAX_SUBJECT_CHARS);
        p.check(None).unwrap();
    }

    #[test]
    fn an_attachment_over_the_limit_names_its_data() {
        let mut p = payload();
        p.attachments.push(Attachment {
            name: "big.bin".into(),
            media_type: "application/octet-stream".into(),
            data: vec![0; MAX_ATTACHMENT_BYTES * 13 / 10 + 10],
        });
        let e = p.check(None).unwrap_err();
        assert_eq!(e.field, "attachments[1].data");
        assert_eq!(e.message, "1.3 MiB; at most 1 MiB each");
        p.attachments[1].data.truncate(MAX_ATTACHMENT_BYTES + 1);
        let e = p.check(None).unwrap_err();
        assert_eq!(e.message, format!("{} bytes; at most 1 MiB each", MAX_ATTACHMENT_BYTES + 1));
        p.attachments[1].data.truncate(MAX_ATTACHMENT_BYTES);
        p.check(None).unwrap();
        let big = p.attachments[1].clone();
        p.attachments.push(big.clone());
        p.attachments.push(big);
        let e = p.check(None).unwrap_err();
        assert_eq!(e.field, "attachments");
        assert!(e.message.starts_with("3.0 MiB in all"), "{}", e.message);
    }

    #[test]
    fn diffusion_content_must_match_the_kind() {
        let wanted = DiffusionContent::Wanted {
            offence: "Armed robbery".into(),
            warrant: "Arrest warrant 2026/114, Paris court".into(),
            requested_action: "Arrest with a view to extradition".into(),
        };
        let mut p = payload();
        assert_eq!(field(&p, Some(DiffusionKind::Wanted)), "diffusion");
        assert_eq!(
            p.check(Some(DiffusionKind::Wanted)).unwrap_err().message,
            "a wanted diffusion needs its content: offence, warrant, requested_action"
        );
        p.diffusion = Some(wanted);
        p.check(Some(DiffusionKind::Wanted)).unwrap();
        assert_eq!(field(&p, None), "diffusion");
        assert_eq!(field(&p, Some(DiffusionKind::Missing)), "diffusion.kind");
        let DiffusionContent::Wanted { offence, .. } = p.diffusion.as_mut().unwrap() else { unreachable!() };
        *offence = " ".into();
        assert_eq!(field(&p, Some(DiffusionKind::Wanted)), "diffusion.offence");
        p.diffusion = Some(DiffusionContent::Warning { threat: "Explosives".into(), modus_operandi: Some("".into()) });
        assert_eq!(field(&p, Some(DiffusionKind::Warning)), "diffusion.modus_operandi");
        p.diffusion = Some(DiffusionContent::Information { purpose: "x".repeat(MAX_DIFFUSION_FIELD_CHARS + 1) });
        assert_eq!(field(&p, Some(DiffusionKind::Information)), "diffusion.purpose");
        for k in DiffusionKind::ALL {
            assert!(needs(k).starts_with(&format!("a{} {k} ", if k == DiffusionKind::Information { "n" } else { "" })));
        }
    }

    #[test]
    fn diffusion_content_is_tagged_by_kind_in_json() {
        let c = DiffusionContent::Warning { threat: "t".into(), modus_operandi: None };
        assert_eq!(serde_json::to_value(&c).unwrap(), serde_json::json!({"kind": "warning", "threat": "t"}));
        for k in DiffusionKind::ALL {
            assert!(serde_json::to_string(&k).unwrap().contains(k.as_str()));
        }
        let e = tocsin_core::json::from_slice::<DiffusionContent>(br#"{"kind": "missing", "circumstances": "c"}"#)
            .unwrap_err();
        assert_eq!(e.code, "missing_field");
        let e =
            tocsin_core::json::from_slice::<DiffusionContent>(br#"{"kind": "information", "purpose": "p", "x": 1}"#)
                .unwrap_err();
        assert_eq!(e.code, "unknown_field");
        let e = tocsin_core::json::from_slice::<Payload>(
            br#"{"subject": "s", "body": "", "attachments": [{"name": "a", "media_type": "a/b", "data": "!!"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "attachments[0].data");
    }
}
