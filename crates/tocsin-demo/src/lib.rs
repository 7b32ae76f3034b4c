//! Deterministic synthetic data: persons with names in Latin (with
//! diacritics), Cyrillic, Arabic and Chinese, and stolen or lost travel
//! documents, under a mix of access rules. The same seed gives the same data.
//!
//! Names are drawn from small pools of common names, paired with their
//! original-script forms, so screening demos have realistic collisions.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration};
use tocsin_core::record::{
    AccessRule, DocumentStatus, DocumentType, Handling, HandlingCode, IdentityDocument, Name, NameType, Person,
    RecordBody, RecordData, Script, Sex, TravelDocument, default_review_date,
};
use tocsin_core::{AgencyCode, CountryCode, DocumentNumber, PartialDate};

/// A name pool: (Latin form, original-script form, female?) given names,
/// (Latin, original) surnames, and the nationalities that go with them.
struct Pool {
    given: &'static [(&'static str, &'static str, bool)],
    surnames: &'static [(&'static str, &'static str)],
    countries: &'static [&'static str],
}

const LATIN: Pool = Pool {
    given: &[
        ("José", "José", false),
        ("François", "François", false),
        ("Jürgen", "Jürgen", false),
        ("Łukasz", "Łukasz", false),
        ("Søren", "Søren", false),
        ("João", "João", false),
        ("Zoë", "Zoë", true),
        ("Inès", "Inès", true),
        ("Małgorzata", "Małgorzata", true),
        ("Šárka", "Šárka", true),
        ("Ağca", "Ağca", false),
        ("Chloé", "Chloé", true),
        ("Marco", "Marco", false),
        ("Giulia", "Giulia", true),
        ("Ana", "Ana", true),
        ("Pierre", "Pierre", false),
    ],
    surnames: &[
        ("Müller", "Müller"),
        ("García", "García"),
        ("Nowak", "Nowak"),
        ("Dubois", "Dubois"),
        ("Rossi", "Rossi"),
        ("Jensen", "Jensen"),
        ("Kovačević", "Kovačević"),
        ("Şahin", "Şahin"),
        ("Fernández", "Fernández"),
        ("Lefèvre", "Lefèvre"),
        ("Novák", "Novák"),
        ("Øvergård", "Øvergård"),
        ("Bianchi", "Bianchi"),
        ("Silva", "Silva"),
    ],
    countries: &["FRA", "DEU", "ITA", "ESP", "POL", "PRT", "TUR", "CZE", "DNK", "HRV"],
};

const CYRILLIC: Pool = Pool {
    given: &[
        ("Ivan", "Иван", false),
        ("Dmitry", "Дмитрий", false),
        ("Sergei", "Сергей", false),
        ("Vladimir", "Владимир", false),
        ("Aleksandr", "Александр", false),
        ("Yuri", "Юрий", false),
        ("Olga", "Ольга", true),
        ("Natalia", "Наталья", true),
        ("Yelena", "Елена", true),
        ("Tatiana", "Татьяна", true),
    ],
    surnames: &[
        ("Sidorov", "Сидоров"),
        ("Ivanov", "Иванов"),
        ("Petrov", "Петров"),
        ("Smirnov", "Смирнов"),
        ("Kuznetsov", "Кузнецов"),
        ("Popov", "Попов"),
        ("Volkov", "Волков"),
        ("Sokolov", "Соколов"),
        ("Shevchenko", "Шевченко"),
        ("Kovalenko", "Коваленко"),
    ],
    countries: &["RUS", "UKR", "BLR", "KAZ", "SRB", "BGR"],
};

const ARABIC: Pool = Pool {
    given: &[
        ("Mohammed", "محمد", false),
        ("Ahmed", "أحمد", false),
        ("Abdul Rahman", "عبد الرحمن", false),
        ("Omar", "عمر", false),
        ("Khalid", "خالد", false),
        ("Youssef", "يوسف", false),
        ("Fatima", "فاطمة", true),
        ("Aisha", "عائشة", true),
        ("Mariam", "مريم", true),
        ("Layla", "ليلى", true),
    ],
    surnames: &[
        ("Al-Hashimi", "الهاشمي"),
        ("Haddad", "حداد"),
        ("Al-Masri", "المصري"),
        ("Nasser", "ناصر"),
        ("Khalil", "خليل"),
        ("Al-Tamimi", "التميمي"),
        ("Saleh", "صالح"),
        ("Mansour", "منصور"),
        ("Ibrahim", "إبراهيم"),
        ("Hassan", "حسن"),
    ],
    countries: &["ARE", "SAU", "EGY", "IRQ", "SYR", "JOR", "MAR", "YEM", "LBY"],
};

const CHINESE: Pool = Pool {
    given: &[
        ("Wei", "伟", false),
        ("Jie", "杰", false),
        ("Hao", "浩", false),
        ("Lei", "磊", false),
        ("Qiang", "强", false),
        ("Na", "娜", true),
        ("Fang", "芳", true),
        ("Jing", "静", true),
        ("Min", "敏", true),
        ("Li", "丽", true),
    ],
    surnames: &[
        ("Wang", "王"),
        ("Li", "李"),
        ("Zhang", "张"),
        ("Liu", "刘"),
        ("Chen", "陈"),
        ("Yang", "杨"),
        ("Huang", "黄"),
        ("Zhao", "赵"),
        ("Wu", "吴"),
        ("Zhou", "周"),
    ],
    countries: &["CHN", "TWN", "SGP", "HKG", "MYS"],
};

/// Syllables (Latin, Cyrillic) from which most surnames are built, so a
/// large data set has a realistic spread of names rather than a few hundred
/// combinations.
const SYLLABLES: [(&str, &str); 24] = [
    ("ko", "ко"),
    ("ra", "ра"),
    ("ni", "ни"),
    ("vo", "во"),
    ("sha", "ша"),
    ("mi", "ми"),
    ("to", "то"),
    ("le", "ле"),
    ("du", "ду"),
    ("ga", "га"),
    ("bo", "бо"),
    ("ze", "зе"),
    ("lu", "лу"),
    ("pe", "пе"),
    ("ta", "та"),
    ("ry", "ры"),
    ("che", "че"),
    ("ma", "ма"),
    ("ki", "ки"),
    ("so", "со"),
    ("da", "да"),
    ("vi", "ви"),
    ("ne", "не"),
    ("gu", "гу"),
];
const ENDINGS: [(&str, &str); 8] =
    [("v", "в"), ("n", "н"), ("nko", "нко"), ("ski", "ски"), ("vich", "вич"), ("lin", "лин"), ("sh", "ш"), ("r", "р")];

/// Agencies that own demo records (the General Secretariat is added too).
pub const AGENCIES: [(&str, &str); 10] = [
    ("FRA", "France NCB"),
    ("DEU", "Germany NCB"),
    ("ITA", "Italy NCB"),
    ("ESP", "Spain NCB"),
    ("USA", "United States NCB"),
    ("RUS", "Russia NCB"),
    ("ARE", "United Arab Emirates NCB"),
    ("CHN", "China NCB"),
    ("GBR", "United Kingdom NCB"),
    ("NLD", "Netherlands NCB"),
];

const HANDLING: [HandlingCode; 6] = [
    HandlingCode::Arrest,
    HandlingCode::Locate,
    HandlingCode::DiscreetCheck,
    HandlingCode::RefuseEntry,
    HandlingCode::SeizeDocument,
    HandlingCode::Inform,
];

/// A seeded generator of synthetic records.
pub struct Generator {
    rng: StdRng,
    today: Date,
}

impl Generator {
    /// A generator; `today` sets review dates.
    pub fn new(seed: u64, today: Date) -> Generator {
        Generator { rng: StdRng::seed_from_u64(seed), today }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn code(&self, c: &str) -> CountryCode {
        // The pools hold valid codes only; a typo there is a bug caught by the tests.
        CountryCode::parse(c).unwrap_or_else(|_| panic!("bad country code {c} in a demo pool"))
    }

    fn access(&mut self) -> AccessRule {
        let agencies: Vec<AgencyCode> =
            AGENCIES.iter().map(|(c, _)| AgencyCode::parse(c).unwrap_or(AgencyCode::GS)).collect();
        let roll = self.rng.random_range(0..10);
        let mut some = |n: usize| {
            let mut v: Vec<AgencyCode> = (0..n).map(|_| *self.pick(&agencies)).collect();
            v.sort();
            v.dedup();
            v
        };
        match roll {
            0..=5 => AccessRule::All,
            6 | 7 => AccessRule::Only { countries: some(3) },
            _ => AccessRule::Except { countries: some(1) },
        }
    }

    fn birth_date(&mut self) -> PartialDate {
        let year = self.rng.random_range(1950..2006);
        let s = match self.rng.random_range(0..10) {
            0 => format!("{year}"),
            1 => format!("{year}-{:02}", self.rng.random_range(1..=12)),
            _ => format!("{year}-{:02}-{:02}", self.rng.random_range(1..=12), self.rng.random_range(1..=28)),
        };
        PartialDate::parse(&s).unwrap_or_else(|_| panic!("generated an invalid date {s}"))
    }

    fn document_number(&mut self) -> DocumentNumber {
        let letters: String = (0..2).map(|_| char::from(b'A' + self.rng.random_range(0..26u8))).collect();
        let digits: u32 = self.rng.random_range(0..10_000_000);
        DocumentNumber::parse(&format!("{letters}{digits:07}")).unwrap_or_else(|_| panic!("bad demo document number"))
    }

    fn common(&mut self, body: RecordBody) -> RecordData {
        let tags = match self.rng.random_range(0..20) {
            0 => vec!["foreign_terrorist_fighter".to_owned()],
            1 => vec!["wanted".to_owned()],
            _ => vec![],
        };
        RecordData {
            body,
            handling: Handling { code: *self.pick(&HANDLING), instructions: None },
            access: self.access(),
            tags,
            review_by: default_review_date(self.today),
            source: None,
            level: tocsin_core::level::Level::default(),
        }
    }

    /// One synthetic person, with one to four name forms.
    pub fn person(&mut self) -> RecordData {
        let pool = match self.rng.random_range(0..20) {
            0..=9 => &LATIN,
            10..=13 => &CYRILLIC,
            14..=16 => &ARABIC,
            _ => &CHINESE,
        };
        let &(given, given_native, female) = self.pick(pool.given);
        let &(surname, surname_native) = self.pick(pool.surnames);
        let built;
        let (surname, surname_native) =
            if std::ptr::eq(pool, &CHINESE) || std::ptr::eq(pool, &ARABIC) || self.rng.random_bool(0.3) {
                (surname, surname_native)
            } else {
                built = self.surname(std::ptr::eq(pool, &CYRILLIC));
                (built.0.as_str(), built.1.as_str())
            };
        let name = |full: String, name_type, script| Name { full, name_type, script };
        let mut names =
            vec![name(format!("{given} {}", surname.to_uppercase()), NameType::Primary, Script::detect(given))];
        let native_script = Script::detect(given_native);
        if native_script != Script::Latin {
            let native = match native_script {
                Script::Han => format!("{surname_native}{given_native}"),
                _ => format!("{given_native} {surname_native}"),
            };
            names.push(name(native, NameType::OriginalScript, native_script));
        }
        if self.rng.random_bool(0.4) {
            names.push(name(format!("{surname}, {given}"), NameType::Alias, Script::Latin));
        }
        if self.rng.random_bool(0.15) {
            let initial = given.chars().next().unwrap_or('X');
            names.push(name(format!("{initial}. {surname}"), NameType::WeakAlias, Script::Latin));
        }
        let nationality = *self.pick(pool.countries);
        let nationality = self.code(nationality);
        let birth_dates = (0..self.rng.random_range(1..=2)).map(|_| self.birth_date()).collect();
        let documents = (0..self.rng.random_range(0..=2))
            .map(|_| IdentityDocument {
                number: self.document_number(),
                country: Some(nationality),
                doc_type: DocumentType::Passport,
            })
            .collect();
        let body = RecordBody::Person(Person {
            names,
            birth_dates,
            birth_place: None,
            nationalities: vec![nationality],
            sex: Some(if female { Sex::Female } else { Sex::Male }),
            documents,
        });
        self.common(body)
    }

    /// A surname of two or three syllables and an ending, in Latin and, for
    /// Cyrillic pools, in Cyrillic.
    fn surname(&mut self, cyrillic: bool) -> (String, String) {
        let n = self.rng.random_range(2..=3);
        let (mut latin, mut native) = (String::new(), String::new());
        for i in 0..=n {
            let &(l, c) = if i == n { self.pick(&ENDINGS) } else { self.pick(&SYLLABLES) };
            latin.push_str(l);
            native.push_str(if cyrillic { c } else { l });
        }
        let capitalize = |s: &str| {
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        };
        (capitalize(&latin), capitalize(&native))
    }

    /// One synthetic stolen, lost or revoked travel document.
    pub fn travel_document(&mut self) -> RecordData {
        let countries = [LATIN.countries, CYRILLIC.countries, ARABIC.countries, CHINESE.countries].concat();
        let country = *self.pick(&countries);
        let country = self.code(country);
        let status = *self.pick(&[
            DocumentStatus::Stolen,
            DocumentStatus::Stolen,
            DocumentStatus::Lost,
            DocumentStatus::Lost,
            DocumentStatus::Revoked,
            DocumentStatus::Invalid,
            DocumentStatus::StolenBlank,
        ]);
        let days_ago = self.rng.random_range(1..3650);
        let reported_on = Some(PartialDate::from_date(self.today - Duration::days(days_ago)));
        let body = RecordBody::TravelDocument(TravelDocument {
            number: self.document_number(),
            country,
            doc_type: *self.pick(&[DocumentType::Passport, DocumentType::NationalId, DocumentType::ResidencePermit]),
            status,
            reported_on,
        });
        let mut data = self.common(body);
        data.handling.code = HandlingCode::SeizeDocument;
        data
    }
}

#[cfg(test)]
mod tests {
    use tocsin_core::record::{Kind, RecordInput};

    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let today = time::macros::date!(2026 - 11 - 23);
        let a: Vec<_> = (0..50).map(|_| Generator::new(7, today).person()).collect();
        let b: Vec<_> = (0..50).map(|_| Generator::new(7, today).person()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn generated_records_pass_input_validation_and_cover_every_script() {
        let today = time::macros::date!(2026 - 11 - 23);
        let mut g = Generator::new(1, today);
        let mut scripts = std::collections::HashSet::new();
        for i in 0..2000 {
            let data = if i % 4 == 0 { g.travel_document() } else { g.person() };
            if let RecordBody::Person(p) = &data.body {
                scripts.extend(p.names.iter().map(|n| n.script));
            }
            let json = serde_json::to_string(&data).expect("serialize");
            let input: RecordInput = serde_json::from_str(&json).expect(&json);
            let back = input.validate(today).expect(&json);
            assert_eq!(back, data);
            assert!(matches!(back.kind(), Kind::Person | Kind::TravelDocument));
        }
        for s in [Script::Latin, Script::Cyrillic, Script::Arabic, Script::Han] {
            assert!(scripts.contains(&s), "{s:?} missing");
        }
    }
}
