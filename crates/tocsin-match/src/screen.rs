//! Screening: an in-memory index of records and the scoring of a query
//! against it, with an explanation for every match.
//!
//! Candidates come from inverted indexes (name parts, their consonant
//! skeletons, document numbers exact and OCR-folded). Records the searching
//! agency may not see are dropped *before* candidates are ranked and capped,
//! so they cannot change anything the agency observes. Each remaining
//! candidate is scored from its best-matching name form, then qualified by
//! birth date, nationality and documents.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;
use serde::Serialize;
use tocsin_core::access::may_see_parts;
use tocsin_core::record::{AccessRule, Kind, NameType, Record, RecordBody, RecordId, RecordState, Sex};
use tocsin_core::{AgencyCode, CountryCode, DocumentNumber, PartialDate, Precision};

use crate::document::{ocr_fold, same_folded};
use crate::name::{self, Analyzed, NameKind, NameMatch, PartKind};

/// Posting lists longer than this (a common given name) only add evidence
/// to candidates found through rarer keys; they are not walked.
const LONG_LIST: usize = 2_000;
/// Candidates scored per query, at most (the best by index evidence).
const MAX_CANDIDATES: usize = 100;
/// Results below this score are not returned.
pub const MIN_SCORE: f64 = 0.5;

/// A screening query, validated.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// A name in any script.
    pub name: Option<String>,
    /// A birth date at any precision.
    pub birth_date: Option<PartialDate>,
    /// A nationality.
    pub nationality: Option<CountryCode>,
    /// Sex, when known.
    pub sex: Option<Sex>,
    /// A document number.
    pub document: Option<DocumentNumber>,
    /// The document's issuing country.
    pub document_country: Option<CountryCode>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Results to return at most.
    pub limit: usize,
}

impl Query {
    /// A key for the subject this query describes, the same however the
    /// name was written (script, case, part order, punctuation): its
    /// latinized name parts (sorted), birth date, nationality and document.
    /// Reviewed false positives are remembered by it.
    pub fn subject(&self) -> String {
        let mut parts: Vec<String> = self
            .name
            .as_deref()
            .map(|n| {
                name::latinize(n)
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        parts.sort_unstable();
        let field = |v: Option<String>| v.unwrap_or_default();
        [
            parts.join(" "),
            field(self.birth_date.map(|d| d.to_string())),
            field(self.nationality.map(|c| c.to_string())),
            field(self.document.as_ref().map(|d| d.to_string())),
        ]
        .join("|")
    }
}

/// One feature's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Feature {
    /// `name`, `document`, `birth_date` or `nationality`.
    pub feature: &'static str,
    /// What it added to (or took from) the score.
    pub contribution: f64,
    /// In words.
    pub detail: String,
}

/// Which name form matched, and how.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NameEvidence {
    /// The query's name.
    pub query: String,
    /// The record's name form that matched best.
    pub record: String,
    /// That form's type.
    pub record_name_type: NameType,
    /// Part-by-part detail.
    pub detail: NameMatch,
}

/// Why a record matched.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    /// The name evidence, when the query had a name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<NameEvidence>,
    /// Every feature's contribution, in the order applied.
    pub features: Vec<Feature>,
}

/// A scored result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The record.
    pub id: RecordId,
    /// Score, 0 to 1.
    pub score: f64,
    /// Why.
    pub explanation: Explanation,
}

/// A query name analyzed as a person's and as an organization's.
type QueryNames = Option<(Analyzed, Analyzed)>;

/// What the index keeps of a record.
struct Entry {
    id: RecordId,
    owner: AgencyCode,
    access: AccessRule,
    kind: Kind,
    names: Vec<(Analyzed, NameType)>,
    birth_dates: Vec<PartialDate>,
    nationalities: Vec<CountryCode>,
    sex: Option<Sex>,
    documents: Vec<(DocumentNumber, Option<CountryCode>)>,
}

/// Which posting map a query key is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Joined,
    Part,
    Skeleton,
    Affix,
    Document,
    Folded,
}

/// The in-memory screening index. Slots are never reused, so postings can
/// point at removed entries; searches skip them.
#[derive(Default)]
pub struct Index {
    slots: Vec<Option<Entry>>,
    by_id: HashMap<RecordId, u32>,
    parts: HashMap<Box<str>, Postings>,
    skeletons: HashMap<Box<str>, Postings>,
    /// Skeletons of whole names with their parts joined, for parts split,
    /// joined or cut in the wrong place (`Lauren Tnkunda` ~ `Laurent Nkunda`).
    joined: HashMap<Box<str>, Postings>,
    /// First and last four letters of longer parts (`^shch`, `$ukin`), so a
    /// typo in the rest of a part still finds it.
    affixes: HashMap<Box<str>, Postings>,
    documents: HashMap<Box<str>, Postings>,
    folded: HashMap<Box<str>, Postings>,
}

/// The slots a key is posted to, ascending. Most keys of a large index
/// (document numbers above all) have one: it is kept inline, which saves an
/// allocation and a cache miss per key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Postings {
    One(u32),
    Many(Vec<u32>),
}

impl Postings {
    fn as_slice(&self) -> &[u32] {
        match self {
            Postings::One(slot) => std::slice::from_ref(slot),
            Postings::Many(list) => list,
        }
    }

    /// Adds `slot`, which is never below the last one (slots only grow).
    fn push(&mut self, slot: u32) {
        match self {
            Postings::One(last) if *last == slot => {}
            Postings::One(last) => *self = Postings::Many(vec![*last, slot]),
            Postings::Many(list) if list.last() == Some(&slot) => {}
            Postings::Many(list) => list.push(slot),
        }
    }
}

fn post(map: &mut HashMap<Box<str>, Postings>, key: &str, slot: u32) {
    match map.get_mut(key) {
        Some(list) => list.push(slot),
        None => {
            map.insert(key.into(), Postings::One(slot));
        }
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Records currently indexed.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds or replaces a record; archived records are removed (they never match).
    pub fn upsert(&mut self, record: &Record) {
        self.remove(&record.id);
        if record.state != RecordState::Active {
            return;
        }
        let Ok(slot) = u32::try_from(self.slots.len()) else { return };
        let entry = entry(record);
        for (n, _) in &entry.names {
            if let Some(key) = joined_key(n) {
                post(&mut self.joined, &key, slot);
            }
            for p in &n.parts {
                post(&mut self.parts, &p.text, slot);
                if p.skeleton.len() >= 2 && p.kind == PartKind::Word {
                    post(&mut self.skeletons, &p.skeleton, slot);
                }
                for key in affixes(p) {
                    post(&mut self.affixes, &key, slot);
                }
            }
        }
        for (d, _) in &entry.documents {
            post(&mut self.documents, d.as_str(), slot);
            post(&mut self.folded, &ocr_fold(d.as_str()), slot);
        }
        self.by_id.insert(record.id, slot);
        self.slots.push(Some(entry));
    }

    /// Removes a record, if indexed.
    pub fn remove(&mut self, id: &RecordId) {
        if let Some(s) = self.by_id.remove(id).and_then(|slot| self.slots.get_mut(slot as usize)) {
            *s = None;
        }
    }

    /// The best matches for `query` among the records `viewer` may see, best
    /// first (ties by id), at most `query.limit`, none below [`MIN_SCORE`].
    pub fn search(&self, viewer: &AgencyCode, query: &Query) -> Vec<Match> {
        let (analyzed, mut candidates) = self.candidates(query);
        self.rank(query, analyzed.as_ref(), &mut candidates, |e| {
            may_see_parts(viewer, &e.owner, RecordState::Active, &e.access)
        })
    }

    /// [`Index::search`], and the same search among the records `viewer`
    /// may **not** see: what its query matched that only the records' owners
    /// may learn (silent hits). The second list is never shown to `viewer`
    /// and changes nothing in the first. The posting lists are walked once.
    pub fn search_with_hidden(&self, viewer: &AgencyCode, query: &Query) -> (Vec<Match>, Vec<Match>) {
        let (analyzed, mut candidates) = self.candidates(query);
        let may = |e: &Entry| may_see_parts(viewer, &e.owner, RecordState::Active, &e.access);
        let shown = self.rank(query, analyzed.as_ref(), &mut candidates, may);
        let hidden = self.rank(query, analyzed.as_ref(), &mut candidates, |e| !may(e));
        (shown, hidden)
    }

    /// The query's analyzed name forms and every candidate slot with its
    /// evidence.
    fn candidates(&self, query: &Query) -> (QueryNames, Vec<(f32, u32)>) {
        let analyzed = query
            .name
            .as_deref()
            .map(|n| (name::analyze(n, NameKind::Person), name::analyze(n, NameKind::Organization)));
        // Every key the query has, with its weight: name parts, skeletons,
        // affixes, the joined name, documents.
        let mut wanted: Vec<(Key, String, f32)> = Vec::new();
        if let Some((person, org)) = &analyzed {
            for a in [person, org] {
                if let Some(k) = joined_key(a) {
                    wanted.push((Key::Joined, k, 1.5));
                }
                for p in a.parts.iter().filter(|p| matches!(p.kind, PartKind::Word | PartKind::Number)) {
                    wanted.push((Key::Part, p.text.to_string(), 1.0));
                    if p.skeleton.len() >= 2 {
                        wanted.push((Key::Skeleton, p.skeleton.to_string(), 0.8));
                    }
                    wanted.extend(affixes(p).into_iter().map(|k| (Key::Affix, k, 0.5)));
                }
            }
        }
        if let Some(d) = &query.document {
            wanted.push((Key::Document, d.as_str().to_owned(), 20.0));
            wanted.push((Key::Folded, ocr_fold(d.as_str()), 10.0));
        }
        let mut seen = HashSet::default();
        let keys: Vec<(&[u32], f32)> = wanted
            .iter()
            .filter(|(kind, k, _)| seen.insert((*kind, k.as_str())))
            .filter_map(|(kind, k, w)| self.postings(*kind).get(k.as_str()).map(|list| (list.as_slice(), *w)))
            .collect();
        (analyzed, accumulate(keys))
    }

    /// The best matches among the admitted candidates.
    fn rank(
        &self,
        query: &Query,
        analyzed: Option<&(Analyzed, Analyzed)>,
        candidates: &mut [(f32, u32)],
        admit: impl Fn(&Entry) -> bool,
    ) -> Vec<Match> {
        let by_evidence = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        // The best MAX_CANDIDATES *admitted* candidates by evidence: the same
        // set as filtering everything first, found by checking admission in
        // evidence order only as far as needed.
        let mut visible = Vec::with_capacity(MAX_CANDIDATES);
        let mut window = MAX_CANDIDATES * 4;
        loop {
            let all = window >= candidates.len();
            if !all {
                candidates.select_nth_unstable_by(window, by_evidence);
            }
            let n = window.min(candidates.len());
            let head = &mut candidates[..n];
            head.sort_unstable_by(by_evidence);
            visible.clear();
            visible.extend(
                head.iter().filter(|(_, slot)| self.admits(*slot, &query.kinds, &admit)).take(MAX_CANDIDATES).copied(),
            );
            if visible.len() == MAX_CANDIDATES || all {
                break;
            }
            window *= 4;
        }
        let mut ranked: Vec<(f64, &Entry)> = visible
            .iter()
            .filter_map(|(_, slot)| self.slots.get(*slot as usize)?.as_ref())
            .filter_map(|e| score(e, query, analyzed, false).map(|m| (m.score, e)))
            .filter(|(s, _)| *s >= MIN_SCORE)
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        ranked.truncate(query.limit.max(1));
        // Explanations only for what is returned.
        ranked.into_iter().filter_map(|(_, e)| score(e, query, analyzed, true)).collect()
    }

    fn postings(&self, key: Key) -> &HashMap<Box<str>, Postings> {
        match key {
            Key::Joined => &self.joined,
            Key::Part => &self.parts,
            Key::Skeleton => &self.skeletons,
            Key::Affix => &self.affixes,
            Key::Document => &self.documents,
            Key::Folded => &self.folded,
        }
    }

    fn admits(&self, slot: u32, kinds: &[Kind], admit: &impl Fn(&Entry) -> bool) -> bool {
        let Some(Some(e)) = self.slots.get(slot as usize) else { return false };
        (kinds.is_empty() || kinds.contains(&e.kind)) && admit(e)
    }
}

/// Sums each slot's evidence over the query's keys, rarest first. Short
/// lists are walked and propose candidates; long lists only add to the
/// candidates found so far, by binary search (postings are sorted, since
/// slots only grow). When every list is long, the shortest is walked.
fn accumulate(mut keys: Vec<(&[u32], f32)>) -> Vec<(f32, u32)> {
    keys.sort_by_key(|(list, _)| list.len());
    let weight = |list: &[u32], w: f32| w / (1.0 + (list.len() as f32).ln());
    let walks = |i: usize, list: &[u32]| i == 0 || list.len() <= LONG_LIST;
    // The walked lists, merged: posting lists are sorted, so a k-way merge
    // sums each slot's evidence without hashing. Equal slots come out in
    // key order, so the sums are the same floats as adding key by key.
    let walked: Vec<(&[u32], f32)> =
        keys.iter().enumerate().filter(|(i, (l, _))| walks(*i, l)).map(|(_, (l, w))| (*l, weight(l, *w))).collect();
    let mut next: BinaryHeap<Reverse<(u32, usize)>> =
        walked.iter().enumerate().filter_map(|(k, (l, _))| l.first().map(|s| Reverse((*s, k)))).collect();
    let mut at = vec![0usize; walked.len()];
    let mut evidence: Vec<(u32, f32)> = Vec::with_capacity(walked.iter().map(|(l, _)| l.len()).sum());
    while let Some(Reverse((slot, k))) = next.pop() {
        let w = walked[k].1;
        match evidence.last_mut() {
            Some((s, e)) if *s == slot => *e += w,
            _ => evidence.push((slot, w)),
        }
        at[k] += 1;
        if let Some(s) = walked[k].0.get(at[k]) {
            next.push(Reverse((*s, k)));
        }
    }
    // Long lists only add to the candidates found so far.
    for (list, w) in keys.iter().enumerate().filter(|(i, (l, _))| !walks(*i, l)).map(|(_, key)| key) {
        let w = weight(list, *w);
        for (slot, e) in evidence.iter_mut() {
            if list.binary_search(slot).is_ok() {
                *e += w;
            }
        }
    }
    evidence.into_iter().map(|(slot, e)| (e, slot)).collect()
}

/// Prefix and suffix keys of a word part of five letters or more.
fn affixes(p: &name::Part) -> Vec<String> {
    let t = &p.text;
    if p.kind != PartKind::Word || t.len() < 5 || !t.is_ascii() {
        return vec![];
    }
    vec![format!("^{}", &t[..4]), format!("${}", &t[t.len() - 4..])]
}

/// The skeleton of a name's word parts joined in order; `None` when too
/// short to be telling.
fn joined_key(n: &Analyzed) -> Option<String> {
    let joined: String = n.parts.iter().filter(|p| p.kind == PartKind::Word).map(|p| &*p.text).collect();
    let key = name::skeleton(&joined);
    (key.len() >= 5).then_some(key)
}

fn entry(r: &Record) -> Entry {
    let kind = r.data.kind();
    let analyze = |names: &[tocsin_core::record::Name], k| {
        names.iter().map(|n| (name::analyze(&n.full, k), n.name_type)).collect()
    };
    let (names, birth_dates, nationalities, sex, documents) = match &r.data.body {
        RecordBody::Person(p) => (
            analyze(&p.names, NameKind::Person),
            p.birth_dates.clone(),
            p.nationalities.clone(),
            p.sex,
            p.documents.iter().map(|d| (d.number.clone(), d.country)).collect(),
        ),
        RecordBody::Organization(o) => {
            (analyze(&o.names, NameKind::Organization), vec![], o.countries.clone(), None, vec![])
        }
        RecordBody::TravelDocument(t) => (vec![], vec![], vec![], None, vec![(t.number.clone(), Some(t.country))]),
    };
    Entry {
        id: r.id,
        owner: r.owner,
        access: r.data.access.clone(),
        kind,
        names,
        birth_dates,
        nationalities,
        sex,
        documents,
    }
}

/// The features of a score, kept only when an explanation is wanted: the
/// arithmetic is the same either way, the strings are not built for the
/// candidates that are ranked and dropped.
struct Features {
    explain: bool,
    list: Vec<Feature>,
}

impl Features {
    fn add(&mut self, feature: &'static str, contribution: f64, detail: impl FnOnce() -> String) {
        if self.explain {
            self.list.push(Feature { feature, contribution, detail: detail() });
        }
    }
}

/// Scores one entry; `None` when nothing in the query bears on it. Without
/// `explain` the explanation is left empty: same score, less work.
fn score(e: &Entry, q: &Query, analyzed: Option<&(Analyzed, Analyzed)>, explain: bool) -> Option<Match> {
    let mut features = Features { explain, list: Vec::new() };
    let mut name_evidence = None;
    let mut name_score = 0.0;
    if let Some((person, org)) = analyzed {
        let query_side = if e.kind == Kind::Person { person } else { org };
        let best = e
            .names
            .iter()
            .map(|(n, t)| (name::compare_with(query_side, n, explain), n, *t))
            // Weak aliases (nicknames, short forms) count only when exact.
            .filter(|(m, _, t)| *t != NameType::WeakAlias || m.score >= 0.999)
            .max_by(|a, b| a.0.score.total_cmp(&b.0.score));
        if let Some((m, n, t)) = best {
            name_score = m.score;
            features.add("name", m.score, || format!("`{}` ~ `{}` ({})", query_side.original, n.original, m.method));
            if explain {
                name_evidence = Some(NameEvidence {
                    query: query_side.original.clone(),
                    record: n.original.clone(),
                    record_name_type: t,
                    detail: m,
                });
            }
        }
    }
    let mut total = name_score;
    if let Some((s, detail)) = q.document.as_ref().and_then(|d| document_score(e, d, q.document_country)) {
        let gain = if name_score > 0.0 { (s - name_score).max(0.0) + 0.05 * s } else { s };
        total = (name_score + gain).min(1.0);
        features.add("document", gain, || detail.to_string());
    }
    if total <= 0.0 {
        return None;
    }
    if let (Some(qd), false) = (q.birth_date, e.birth_dates.is_empty()) {
        let (c, why, rd) = e
            .birth_dates
            .iter()
            .map(|rd| {
                let (c, why) = date_evidence(qd, *rd);
                (c, why, rd)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        total += c;
        features.add("birth_date", c, || format!("{why} ({qd} vs {rd})"));
    }
    if let (Some(qn), false) = (q.nationality, e.nationalities.is_empty()) {
        let among = e.nationalities.contains(&qn);
        let c = if among { 0.02 } else { -0.1 };
        total += c;
        features.add("nationality", c, || match among {
            true => format!("{qn} is among the record's countries"),
            false => format!("{qn} is not among the record's countries ({})", list(&e.nationalities)),
        });
    }
    // Sex counts only against, and only when both sides know it.
    let known = |s: Option<Sex>| s.filter(|s| *s != Sex::Unknown);
    if let (Some(qs), Some(rs)) = (known(q.sex), known(e.sex))
        && qs != rs
    {
        total -= 0.15;
        features.add("sex", -0.15, || format!("the record says {rs:?}, the query {qs:?}").to_lowercase());
    }
    Some(Match {
        id: e.id,
        score: total.clamp(0.0, 1.0),
        explanation: Explanation { name: name_evidence, features: features.list },
    })
}

fn list(codes: &[CountryCode]) -> String {
    codes.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", ")
}

/// Why a document matched, written out only for an explanation.
struct DocumentMatch<'a> {
    query: &'a DocumentNumber,
    record: &'a DocumentNumber,
    how: &'static str,
    /// The record's issuing country when it is not the query's.
    other_country: Option<(CountryCode, CountryCode)>,
}

impl std::fmt::Display for DocumentMatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "document {} ~ {}: {}", self.query, self.record, self.how)?;
        match self.other_country {
            Some((query, record)) => write!(f, ", but issued by {record}, not {query}"),
            None => Ok(()),
        }
    }
}

fn document_score<'a>(
    e: &'a Entry,
    q: &'a DocumentNumber,
    country: Option<CountryCode>,
) -> Option<(f64, DocumentMatch<'a>)> {
    e.documents
        .iter()
        .filter_map(|(d, c)| {
            let (base, how): (f64, &str) = if d == q {
                (0.97, "same number")
            } else if same_folded(d.as_str(), q.as_str()) {
                (0.85, "same number up to OCR-confusable characters")
            } else {
                return None;
            };
            let other_country = match (country, c) {
                (Some(a), Some(b)) if a != *b => Some((a, *b)),
                _ => None,
            };
            let factor = if other_country.is_some() { 0.6 } else { 1.0 };
            Some((base * factor, DocumentMatch { query: q, record: d, how, other_country }))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// How a query birth date bears on a record's, compared at the precision
/// both have: agreement adds a little, near misses (one year, day and month
/// swapped) cost a little, a contradiction costs more.
fn date_evidence(q: PartialDate, r: PartialDate) -> (f64, &'static str) {
    let precision = q.precision().min(r.precision());
    match (q.year() - r.year()).abs() {
        0 => {}
        1 => return (-0.05, "birth years one apart"),
        _ => return (-0.15, "birth dates contradict"),
    }
    match precision {
        Precision::Year => (0.03, "same birth year"),
        Precision::Month if q.month() == r.month() => (0.04, "same birth month"),
        Precision::Day if q.month() == r.month() && q.day() == r.day() => (0.05, "same birth date"),
        Precision::Day if q.month() == r.day() && q.day() == r.month() => (-0.03, "day and month swapped"),
        Precision::Day if q.month() == r.month() => (-0.05, "same year and month, another day"),
        _ => (-0.08, "same year, another month"),
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use tocsin_core::record::{RecordData, RecordInput};

    /// Evidence summed key by key in a hash map: what `accumulate` must
    /// give, to the bit.
    fn accumulate_by_hashing(mut keys: Vec<(&[u32], f32)>) -> Vec<(f32, u32)> {
        keys.sort_by_key(|(list, _)| list.len());
        let mut evidence: HashMap<u32, f32> = HashMap::default();
        for (i, (list, weight)) in keys.iter().enumerate() {
            let w = weight / (1.0 + (list.len() as f32).ln());
            if i == 0 || list.len() <= LONG_LIST {
                list.iter().for_each(|slot| *evidence.entry(*slot).or_default() += w);
            } else {
                evidence.iter_mut().filter(|(slot, _)| list.binary_search(slot).is_ok()).for_each(|(_, e)| *e += w);
            }
        }
        let mut out: Vec<(f32, u32)> = evidence.into_iter().map(|(slot, e)| (e, slot)).collect();
        out.sort_by_key(|(_, slot)| *slot);
        out
    }

    proptest::proptest! {
        #[test]
        fn merged_evidence_is_the_same_as_hashed_evidence(
            lists in proptest::collection::vec(
                (proptest::collection::btree_set(0u32..5_000, 0..2_500), 0.1f32..20.0),
                0..8,
            ),
        ) {
            let lists: Vec<(Vec<u32>, f32)> = lists.into_iter().map(|(s, w)| (s.into_iter().collect(), w)).collect();
            let keys: Vec<(&[u32], f32)> = lists.iter().map(|(l, w)| (l.as_slice(), *w)).collect();
            let merged = accumulate(keys.clone());
            let hashed = accumulate_by_hashing(keys);
            proptest::prop_assert_eq!(merged.len(), hashed.len());
            for ((a, sa), (b, sb)) in merged.iter().zip(&hashed) {
                proptest::prop_assert_eq!(sa, sb);
                proptest::prop_assert_eq!(a.to_bits(), b.to_bits(), "slot {}", sa);
            }
        }
    }

    #[test]
    fn postings_stay_sorted_without_repeats_and_inline_while_single() {
        let mut p = Postings::One(3);
        p.push(3);
        assert_eq!(p, Postings::One(3), "a slot posted twice is kept once");
        p.push(7);
        p.push(7);
        p.push(9);
        assert_eq!(p.as_slice(), &[3, 7, 9]);
    }

    fn record(owner: &str, json: &str) -> Record {
        let input: RecordInput = serde_json::from_str(json).expect("json");
        let data: RecordData = input.validate(OffsetDateTime::now_utc().date()).expect("valid");
        let now = OffsetDateTime::now_utc();
        Record {
            id: RecordId::generate(),
            owner: AgencyCode::parse(owner).expect("owner"),
            version: 1,
            state: RecordState::Active,
            created_at: now,
            updated_at: now,
            data,
        }
    }

    fn person(owner: &str, names: &str, extra: &str, access: &str) -> Record {
        record(
            owner,
            &format!(
                r#"{{"kind": "person", "names": {names}, {extra} "handling": {{"code": "arrest"}}, "access": {access}}}"#
            ),
        )
    }

    fn agency(s: &str) -> AgencyCode {
        AgencyCode::parse(s).expect("agency")
    }

    fn q(name: &str) -> Query {
        Query { name: Some(name.to_owned()), limit: 10, ..Query::default() }
    }

    fn sample() -> (Index, Record, Record) {
        let mut idx = Index::new();
        let ivan = person(
            "FRA",
            r#"[{"full": "Ivan Petrovich SIDOROV"}, {"full": "Иван Петрович Сидоров", "type": "original_script"}, {"full": "Vanya", "type": "weak_alias"}]"#,
            r#""birth_dates": ["1970-05-01"], "nationalities": ["RUS"], "sex": "male", "documents": [{"number": "720000123", "country": "RUS"}],"#,
            r#"{"mode": "all"}"#,
        );
        let hidden = person("FRA", r#"[{"full": "Ivan SIDOROV"}]"#, "", r#"{"mode": "except", "countries": ["ITA"]}"#);
        idx.upsert(&ivan);
        idx.upsert(&hidden);
        for i in 0..50 {
            idx.upsert(&person("DEU", &format!(r#"[{{"full": "Person Number{i} Other"}}]"#), "", r#"{"mode": "all"}"#));
        }
        (idx, ivan, hidden)
    }

    #[test]
    fn finds_across_scripts_and_explains() {
        let (idx, ivan, _) = sample();
        let m = idx.search(&agency("DEU"), &q("Иван Петрович Сидоров"));
        assert_eq!(m.first().map(|m| m.id), Some(ivan.id), "{m:?}");
        let e = &m[0].explanation;
        assert!(e.name.as_ref().is_some_and(|n| !n.detail.pairs.is_empty()));
        assert_eq!(e.features[0].feature, "name");
    }

    #[test]
    fn birth_date_and_nationality_qualify_the_name() {
        let (idx, ivan, _) = sample();
        let score = |q: Query| {
            idx.search(&agency("DEU"), &q).into_iter().find(|m| m.id == ivan.id).map(|m| m.score).unwrap_or(0.0)
        };
        let base = score(q("Ivan Sidorov"));
        let agree = score(Query {
            birth_date: PartialDate::parse("1970").ok(),
            nationality: CountryCode::parse("RUS").ok(),
            ..q("Ivan Sidorov")
        });
        let contradict = score(Query {
            birth_date: PartialDate::parse("1985-01-01").ok(),
            nationality: CountryCode::parse("FRA").ok(),
            ..q("Ivan Sidorov")
        });
        let swapped = score(Query { birth_date: PartialDate::parse("1970-01-05").ok(), ..q("Ivan Sidorov") });
        assert!(agree > base && base > swapped && swapped > contradict, "{agree} {base} {swapped} {contradict}");
        let same_sex = score(Query { sex: Some(Sex::Male), ..q("Ivan Sidorov") });
        let other_sex = score(Query { sex: Some(Sex::Female), ..q("Ivan Sidorov") });
        assert!(same_sex == base && other_sex < base, "{same_sex} {other_sex} {base}");
    }

    #[test]
    fn documents_match_exactly_and_through_ocr_confusions() {
        let (idx, ivan, _) = sample();
        let by_doc = |n: &str| Query { document: DocumentNumber::parse(n).ok(), limit: 10, ..Query::default() };
        let exact = idx.search(&agency("DEU"), &by_doc("720 000 123"));
        assert_eq!(exact.first().map(|m| (m.id, m.score >= 0.95)), Some((ivan.id, true)));
        let ocr = idx.search(&agency("DEU"), &by_doc("72OOOOI23"));
        assert_eq!(ocr.first().map(|m| m.id), Some(ivan.id));
        assert!(ocr[0].score < exact[0].score);
        assert!(idx.search(&agency("DEU"), &by_doc("720000124")).is_empty());
    }

    #[test]
    fn weak_aliases_match_only_exactly() {
        let (idx, ivan, _) = sample();
        assert!(idx.search(&agency("DEU"), &q("Vanya")).iter().any(|m| m.id == ivan.id));
        let near = idx.search(&agency("DEU"), &q("Vania"));
        assert!(near.iter().filter(|m| m.id == ivan.id).all(|m| m.score < crate::name::THRESHOLD), "{near:?}");
    }

    #[test]
    fn hidden_records_change_nothing_the_viewer_sees() {
        let (idx, _, hidden) = sample();
        let ita = idx.search(&agency("ITA"), &q("Ivan Sidorov"));
        assert!(!ita.iter().any(|m| m.id == hidden.id));
        // The same index without the hidden record gives ITA the same answer.
        let (mut idx2, _, _) = sample();
        idx2.remove(&hidden.id);
        let ita2 = idx2.search(&agency("ITA"), &q("Ivan Sidorov"));
        let view = |m: &[Match]| m.iter().map(|m| (m.score, m.explanation.clone())).collect::<Vec<_>>();
        assert_eq!(view(&ita), view(&ita2));
        assert!(idx.search(&agency("DEU"), &q("Ivan Sidorov")).iter().any(|m| m.id == hidden.id));

        // The silent-hit search finds the hidden record apart, and leaves the
        // viewer's answer as it was.
        let (shown, silent) = idx.search_with_hidden(&agency("ITA"), &q("Ivan Sidorov"));
        assert_eq!(view(&shown), view(&ita));
        assert_eq!(silent.iter().map(|m| m.id).collect::<Vec<_>>(), vec![hidden.id]);
    }

    #[test]
    fn archived_records_leave_the_index() {
        let (mut idx, ivan, _) = sample();
        let archived = Record { state: RecordState::Archived, ..ivan.clone() };
        idx.upsert(&archived);
        assert!(!idx.search(&agency("DEU"), &q("Ivan Petrovich Sidorov")).iter().any(|m| m.id == ivan.id));
    }

    #[test]
    fn a_subject_is_the_same_however_its_name_is_written_and_differs_by_birth_date() {
        let subject =
            |name: &str, birth: &str| Query { birth_date: PartialDate::parse(birth).ok(), ..q(name) }.subject();
        assert_eq!(subject("Иван Сидоров", "1970"), subject("SIDOROV, Ivan", "1970"));
        assert_ne!(subject("Ivan Sidorov", "1970"), subject("Ivan Sidorov", "1971"));
        assert_ne!(subject("Ivan Sidorov", "1970"), subject("Ivan Sidorova", "1970"));
    }

    proptest::proptest! {
        #[test]
        fn a_subject_ignores_case_part_order_and_punctuation(
            parts in proptest::collection::vec("[a-z]{1,12}", 1..5),
            rotate in 0usize..5,
        ) {
            let plain = parts.join(" ");
            let mut moved = parts.clone();
            moved.rotate_left(rotate % parts.len());
            let shouted = moved.iter().map(|p| p.to_uppercase()).collect::<Vec<_>>().join(", ");
            proptest::prop_assert_eq!(q(&plain).subject(), q(&shouted).subject());
        }
    }
}
