//! Name forms and the script they are written in.

use serde::{Deserialize, Serialize};
use unicode_script::{Script as U, UnicodeScript};

/// One form of a subject's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Name {
    /// The name as written, trimmed.
    pub full: String,
    /// What this form is.
    #[serde(rename = "type")]
    pub name_type: NameType,
    /// The script it is written in, detected when not given.
    pub script: Script,
}

/// What a name form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NameType {
    /// The main name, as the owner spells it.
    Primary,
    /// Another name the subject is known by.
    Alias,
    /// A nickname or short alias that matches only exactly.
    WeakAlias,
    /// The name in the script of the subject's own language.
    OriginalScript,
}

/// Writing systems a name can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Latin, with or without diacritics.
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Arabic.
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Chinese characters (Han).
    Han,
    /// Korean Hangul.
    Hangul,
    /// Japanese Hiragana or Katakana.
    Kana,
    /// Any other single script.
    Other,
    /// Letters of more than one script.
    Mixed,
}

impl Script {
    /// The script of `text`'s letters; `Mixed` when they come from more than
    /// one. Japanese names mixing Han and Kana count as `Kana`.
    pub fn detect(text: &str) -> Script {
        let mut found: Option<Script> = None;
        for c in text.chars() {
            let s = match c.script() {
                U::Common | U::Inherited | U::Unknown => continue,
                U::Latin => Script::Latin,
                U::Cyrillic => Script::Cyrillic,
                U::Greek => Script::Greek,
                U::Arabic => Script::Arabic,
                U::Hebrew => Script::Hebrew,
                U::Han => Script::Han,
                U::Hangul => Script::Hangul,
                U::Hiragana | U::Katakana => Script::Kana,
                _ => Script::Other,
            };
            found = match (found, s) {
                (None, s) => Some(s),
                (Some(a), b) if a == b => Some(a),
                (Some(Script::Han), Script::Kana) | (Some(Script::Kana), Script::Han) => Some(Script::Kana),
                _ => return Script::Mixed,
            };
        }
        found.unwrap_or(Script::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_script_of_a_name() {
        let cases = [
            ("Ivan Petrovich SIDOROV", Script::Latin),
            ("José Müller-Łukasz", Script::Latin),
            ("Иван Петрович Сидоров", Script::Cyrillic),
            ("محمد عبد الرحمن", Script::Arabic),
            ("王伟", Script::Han),
            ("山田 たろう", Script::Kana),
            ("Γιώργος", Script::Greek),
            ("김민준", Script::Hangul),
            ("Ivan Сидоров", Script::Mixed),
            ("123", Script::Other),
        ];
        for (name, script) in cases {
            assert_eq!(Script::detect(name), script, "{name}");
        }
    }
}
