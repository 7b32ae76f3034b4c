//! Screening: an in-memory index of records and the scoring of a query
//! against it, with an explanation for every match.
//!
//! Candidates come from inverted indexes (name parts, their consonant
//! skeletons, document numbers exact and OCR-folded). A search finds what
//! an index of only the records its agency may see would find: keys are
//! weighed, walked or only added by how many of *those* records they hold
//! (each long list counts its live records by owner and access rule), and
//! records the agency may not see are dropped *before* candidates are
//! ranked and capped, so hidden and archived records cannot change
//! anything the agency observes. Each remaining candidate is scored from
//! its best-matching name form, then qualified by birth date, nationality
//! and documents.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use hashbrown::HashTable;
use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHasher;
use serde::Serialize;
use tocsin_core::access::{Viewer, may_see_parts};
use tocsin_core::level::Level;
use tocsin_core::record::{AccessRule, Kind, NameType, Record, RecordBody, RecordId, RecordState, Sex};
use tocsin_core::{AgencyCode, CountryCode, DocumentNumber, PartialDate, Precision};

use crate::document::{ocr_fold, same_folded};
use crate::name::{self, Analyzed, NameKind, NameMatch, NameRef, Names, PartKind, PartRef};

/// How far candidate selection goes; [`LIMITS`] outside tests, which
/// shrink them to reach every path with a few records.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Posting lists longer than this (a common given name) only add
    /// evidence to candidates found through rarer keys; they are not walked.
    long_list: usize,
    /// Long lists are walked too, rarest first, until this many candidates
    /// have been proposed.
    min_proposed: usize,
    /// Candidates scored per query, at most (the best by index evidence).
    max_candidates: usize,
}

const LIMITS: Limits = Limits { long_list: 2_000, min_proposed: 1_000, max_candidates: 100 };

impl Default for Limits {
    fn default() -> Limits {
        LIMITS
    }
}

/// Index evidence is summed in fixed point, 1/65,536 of a unit: integer
/// sums do not depend on the order of their terms, so evidence is the same
/// whichever keys a list is merged with.
const EVIDENCE_UNIT: f32 = 65_536.0;
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

/// What the index keeps of a person or organization record.
struct Entry {
    id: RecordId,
    /// Index into [`Index::classes`].
    class: u32,
    kind: Kind,
    sex: Option<Sex>,
    names: Names,
    birth_dates: Box<[PartialDate]>,
    nationalities: Box<[CountryCode]>,
    documents: Box<[(Box<str>, Option<CountryCode>)]>,
}

/// What the index keeps of a travel document record: 32 bytes, its number
/// in [`Index::numbers`]. Ten million of them are the usual load of a
/// border system, so they get a form of their own.
struct TravelDocument {
    id: RecordId,
    class: u32,
    country: CountryCode,
    number_len: u8,
    live: bool,
    number: u32,
}

/// Slots at or above this are travel documents (`slot - TRAVEL` in
/// [`Index::travel`]); below, entries in [`Index::entries`]. Slots only grow
/// and are never reused, so posting lists stay sorted.
const TRAVEL: u32 = 1 << 31;

/// Which kind of key a name posting is for (hashed in with the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// The skeleton of a whole name with its parts joined, for parts split,
    /// joined or cut in the wrong place (`Lauren Tnkunda` ~ `Laurent Nkunda`).
    Joined,
    /// A part as written (latinized).
    Part,
    /// A part's consonant skeleton (Mohammed ~ Muhammad).
    Skeleton,
    /// The first and last four letters of a part (`^shch`, `$ukin`), so a
    /// typo in the rest of it still finds it.
    Affix,
}

/// The in-memory screening index.
///
/// Memory is what bounds how many records a node screens, so the index
/// keeps little: names packed ([`Names`]), owner, access rule and level
/// interned as classes, travel
/// documents in 32 bytes, and keys by their 64-bit hash rather than their
/// text (two keys sharing a hash only merge two posting lists: more
/// candidates, never a wrong score, since every candidate is scored from its
/// own data). Identifiers and document numbers are found through tables of
/// slots alone, compared with the slot's own data.
#[derive(Default)]
pub struct Index {
    entries: Vec<Option<Entry>>,
    travel: Vec<TravelDocument>,
    /// Travel document numbers, back to back.
    numbers: String,
    /// Access rules, interned.
    rules: Vec<AccessRule>,
    rule_ids: HashMap<AccessRule, u32>,
    /// Who may see a record depends on its owner, access rule and level
    /// alone: each distinct triple (owner, index into `rules`, level) is a
    /// class, interned.
    classes: Vec<(AgencyCode, u32, Level)>,
    class_ids: HashMap<(AgencyCode, u32, Level), u32>,
    /// The class of every entry slot, [`DEAD`] once removed: read, densely,
    /// to count the slots of a list that a search admits.
    entry_class: Vec<u32>,
    /// Which classes each viewer may see, worked out at its first search
    /// since a class was last added.
    seen_by: RwLock<HashMap<Viewer, Arc<[u32]>>>,
    limits: Limits,
    live: usize,
    /// Slots by record id (hashed); each compared with its slot's id.
    by_id: HashTable<u32>,
    /// Name keys (parts, skeletons, affixes, joined skeletons) by hash.
    keys: HashMap<u64, Postings>,
    /// Document numbers: (hash of the number, slot), and the same for the
    /// OCR-folded number.
    documents: HashTable<(u32, u32)>,
    folded: HashTable<(u32, u32)>,
}

/// The class of a removed entry's slot: no search admits it.
const DEAD: u32 = u32::MAX;

/// The slots a key is posted to, ascending. Most keys of a large index have
/// one: it is kept inline; the rest are boxed so a key costs 24 bytes. A
/// long list also keeps how many of its live slots each class holds, so a
/// search counts what it may see of it without walking it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Postings {
    One(u32),
    #[allow(clippy::box_collection, reason = "a boxed Vec keeps the enum, and so every key, at 16 bytes")]
    Many(Box<Vec<u32>>),
    Long(Box<LongList>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LongList {
    slots: Vec<u32>,
    /// Live slots by class.
    live: Vec<u32>,
}

impl LongList {
    /// A long list of `slots`, counting their live ones by class.
    fn new(slots: Vec<u32>, classes: &[u32]) -> LongList {
        let mut live = vec![];
        for class in slots.iter().map(|s| classes.get(*s as usize).copied().unwrap_or(DEAD)) {
            count(&mut live, class, true);
        }
        LongList { slots, live }
    }

    fn count(&mut self, class: u32, up: bool) {
        count(&mut self.live, class, up);
    }
}

/// Counts a slot of `class` in or out of `live` (by class); a dead slot
/// counts nowhere.
fn count(live: &mut Vec<u32>, class: u32, up: bool) {
    if class == DEAD {
        return;
    }
    let at = class as usize;
    if live.len() <= at {
        live.resize(at + 1, 0);
    }
    if let Some(n) = live.get_mut(at) {
        *n = if up { n.saturating_add(1) } else { n.saturating_sub(1) };
    }
}

impl Postings {
    fn as_slice(&self) -> &[u32] {
        match self {
            Postings::One(slot) => std::slice::from_ref(slot),
            Postings::Many(list) => list,
            Postings::Long(long) => &long.slots,
        }
    }

    /// Adds `slot`, which is never below the last one (slots only grow),
    /// of class `class`; `classes` gives every slot's class (this one's
    /// too) for when the list becomes longer than `long`.
    fn push(&mut self, slot: u32, class: u32, classes: &[u32], long: usize) {
        if self.as_slice().last() == Some(&slot) {
            return;
        }
        match self {
            Postings::One(last) => *self = Postings::Many(Box::new(vec![*last, slot])),
            Postings::Many(list) => list.push(slot),
            Postings::Long(list) => {
                list.slots.push(slot);
                list.count(class, true);
            }
        }
        if let Postings::Many(list) = self
            && list.len() > long
        {
            *self = Postings::Long(Box::new(LongList::new(std::mem::take(&mut **list), classes)));
        }
    }
}

fn hash64(value: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

fn key_hash(kind: Key, key: &str) -> u64 {
    hash64((kind, key))
}

/// A document number's 32-bit hash, as kept in the document tables.
fn number_hash(number: &str) -> u32 {
    let h = hash64(number);
    (h >> 32) as u32 ^ h as u32
}

/// The table hash of a kept 32-bit hash (spread over 64 bits: the table
/// takes its bucket from the low bits and a tag from the high ones).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A record as the index sees it: either kind of slot.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Entry(&'a Entry),
    Travel(&'a TravelDocument, &'a str),
}

impl<'a> Subject<'a> {
    fn id(&self) -> RecordId {
        match self {
            Subject::Entry(e) => e.id,
            Subject::Travel(t, _) => t.id,
        }
    }

    fn class(&self) -> u32 {
        match self {
            Subject::Entry(e) => e.class,
            Subject::Travel(t, _) => t.class,
        }
    }

    /// Reads a byte of each heap block scoring will read, and returns
    /// their sum (see [`Index::best`]).
    fn touch(&self) -> usize {
        match self {
            Subject::Entry(e) => {
                e.names.touch()
                    + e.birth_dates.first().map_or(0, |d| d.year().unsigned_abs() as usize)
                    + e.nationalities.first().map_or(0, |c| c.as_str().len())
            }
            Subject::Travel(t, _) => usize::from(t.number_len),
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Subject::Entry(e) => e.kind,
            Subject::Travel(..) => Kind::TravelDocument,
        }
    }

    fn documents(&self) -> impl Iterator<Item = (&'a str, Option<CountryCode>)> {
        let (many, one): (&'a [(Box<str>, Option<CountryCode>)], _) = match *self {
            Subject::Entry(e) => (&e.documents, None),
            Subject::Travel(t, number) => (&[], Some((number, Some(t.country)))),
        };
        many.iter().map(|(n, c)| (&**n, *c)).chain(one)
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    #[cfg(test)]
    fn with_limits(limits: Limits) -> Index {
        Index { limits, ..Index::default() }
    }

    /// Records currently indexed.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn subject(&self, slot: u32) -> Option<Subject<'_>> {
        if slot < TRAVEL {
            return self.entries.get(slot as usize)?.as_ref().map(Subject::Entry);
        }
        let t = self.travel.get((slot - TRAVEL) as usize).filter(|t| t.live)?;
        Some(Subject::Travel(t, self.number(t)))
    }

    fn number(&self, t: &TravelDocument) -> &str {
        let at = t.number as usize;
        self.numbers.get(at..at + usize::from(t.number_len)).unwrap_or_default()
    }

    fn slot_of(&self, id: &RecordId) -> Option<u32> {
        self.by_id.find(hash64(id), |&slot| self.subject(slot).is_some_and(|s| s.id() == *id)).copied()
    }

    /// The class of a record of `owner` under `access` at `level`; a rule
    /// is cloned only the first time it is seen.
    fn class(&mut self, owner: AgencyCode, access: &AccessRule, level: Level) -> u32 {
        let rule = match self.rule_ids.get(access) {
            Some(rule) => *rule,
            None => {
                let rule = self.rules.len() as u32;
                self.rules.push(access.clone());
                self.rule_ids.insert(access.clone(), rule);
                rule
            }
        };
        if let Some(id) = self.class_ids.get(&(owner, rule, level)) {
            return *id;
        }
        let id = self.classes.len() as u32;
        self.classes.push((owner, rule, level));
        self.class_ids.insert((owner, rule, level), id);
        match self.seen_by.get_mut() {
            Ok(seen_by) => seen_by.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
        id
    }

    /// The class of a slot of either kind; [`DEAD`] when not live.
    fn class_of(&self, slot: u32) -> u32 {
        let class = if slot < TRAVEL {
            self.entry_class.get(slot as usize).copied()
        } else {
            self.travel.get((slot - TRAVEL) as usize).filter(|t| t.live).map(|t| t.class)
        };
        class.unwrap_or(DEAD)
    }

    /// Adds or replaces a record; archived records are removed (they never match).
    pub fn upsert(&mut self, record: &Record) {
        self.remove(&record.id);
        if record.state != RecordState::Active {
            return;
        }
        // Biometric data has no name or number to screen (`tocsin-abis`
        // keeps its own galleries), and an asset is no subject of screening.
        if let RecordBody::Biometric(_) | RecordBody::Asset(_) = record.data.body {
            return;
        }
        let class = self.class(record.owner, &record.data.access, record.data.level);
        let slot = match &record.data.body {
            RecordBody::TravelDocument(t) => self.add_travel(record, class, t.number.as_str(), t.country),
            _ => self.add_entry(record, class),
        };
        let Some(slot) = slot else { return };
        let Index { by_id, entries, travel, .. } = self;
        let id_hash = |slot: &u32| {
            let id = match *slot {
                s if s < TRAVEL => entries.get(s as usize).and_then(Option::as_ref).map(|e| e.id),
                s => travel.get((s - TRAVEL) as usize).map(|t| t.id),
            };
            hash64(id.unwrap_or(record.id))
        };
        by_id.insert_unique(hash64(record.id), slot, id_hash);
        self.live += 1;
    }

    /// A travel document in its compact form; `None` (and the general
    /// form) when its number is too long for it or the index is full.
    fn add_travel(&mut self, record: &Record, class: u32, number: &str, country: CountryCode) -> Option<u32> {
        let slot = u32::try_from(self.travel.len()).ok().and_then(|i| i.checked_add(TRAVEL));
        let at = u32::try_from(self.numbers.len()).ok();
        let (Ok(number_len), Some(at), Some(slot)) = (u8::try_from(number.len()), at, slot) else {
            return self.add_entry(record, class);
        };
        if at.checked_add(u32::from(number_len)).is_none() {
            return self.add_entry(record, class);
        }
        self.numbers.push_str(number);
        self.travel.push(TravelDocument { id: record.id, class, country, number_len, live: true, number: at });
        self.post_document(number, slot);
        Some(slot)
    }

    fn add_entry(&mut self, record: &Record, class: u32) -> Option<u32> {
        let slot = u32::try_from(self.entries.len()).ok().filter(|s| *s < TRAVEL)?;
        let entry = entry(record, class);
        self.entry_class.push(class);
        let Index { keys, entry_class, limits, .. } = self;
        name_keys(&entry.names, |key| {
            keys.entry(key)
                .and_modify(|p| p.push(slot, class, entry_class, limits.long_list))
                .or_insert(Postings::One(slot));
        });
        for (d, _) in entry.documents.iter() {
            self.post_document(d, slot);
        }
        self.entries.push(Some(entry));
        Some(slot)
    }

    fn post_document(&mut self, number: &str, slot: u32) {
        let rehash = |(h, _): &(u32, u32)| spread(*h);
        let h = number_hash(number);
        self.documents.insert_unique(spread(h), (h, slot), rehash);
        let h = number_hash(&ocr_fold(number));
        self.folded.insert_unique(spread(h), (h, slot), rehash);
    }

    /// Removes a record, if indexed.
    pub fn remove(&mut self, id: &RecordId) {
        let Some(slot) = self.slot_of(id) else { return };
        let numbers: Vec<String> = match self.subject(slot) {
            Some(s) => s.documents().map(|(n, _)| n.to_owned()).collect(),
            None => vec![],
        };
        for number in numbers {
            for (table, h) in
                [(&mut self.documents, number_hash(&number)), (&mut self.folded, number_hash(&ocr_fold(&number)))]
            {
                while let Ok(found) = table.find_entry(spread(h), |(kept, s)| *kept == h && *s == slot) {
                    found.remove();
                }
            }
        }
        if let Ok(found) = self.by_id.find_entry(hash64(id), |s| *s == slot) {
            found.remove();
        }
        if slot < TRAVEL {
            // Its lists keep the slot (they only grow), but no longer count
            // it among their live slots.
            let class = self.class_of(slot);
            let mut posted = Vec::new();
            if let Some(Some(e)) = self.entries.get(slot as usize) {
                name_keys(&e.names, |key| posted.push(key));
            }
            posted.sort_unstable();
            posted.dedup();
            for key in posted {
                if let Some(Postings::Long(list)) = self.keys.get_mut(&key) {
                    list.count(class, false);
                }
            }
            if let Some(c) = self.entry_class.get_mut(slot as usize) {
                *c = DEAD;
            }
            if let Some(e) = self.entries.get_mut(slot as usize) {
                *e = None;
            }
        } else if let Some(t) = self.travel.get_mut((slot - TRAVEL) as usize) {
            t.live = false;
        }
        self.live = self.live.saturating_sub(1);
    }

    /// The slots holding a document numbered `number`, and those holding
    /// one equal to it up to OCR confusions; each ascending.
    ///
    /// Each table's probe is a chain of cache misses (its tags, then its
    /// bucket), and the two chains do not depend on each other: they are
    /// advanced in turn, so the processor waits on both at once rather than
    /// on one after the other.
    fn document_slots(&self, number: &str) -> [Vec<u32>; 2] {
        let hashes = [number_hash(number), number_hash(&ocr_fold(number))];
        let mut probes = [self.documents.iter_hash(spread(hashes[0])), self.folded.iter_hash(spread(hashes[1]))];
        let mut found: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        let mut open = [true, true];
        while open[0] || open[1] {
            for (i, probe) in probes.iter_mut().enumerate() {
                if !open[i] {
                    continue;
                }
                match probe.next() {
                    Some((kept, slot)) if *kept == hashes[i] => found[i].push(*slot),
                    Some(_) => {}
                    None => open[i] = false,
                }
            }
        }
        let [exact, folded] = &mut found;
        let holds = |slot: &u32, same: &dyn Fn(&str) -> bool| {
            self.subject(*slot).is_some_and(|s| s.documents().any(|(d, _)| same(d)))
        };
        exact.retain(|slot| holds(slot, &|d| d == number));
        folded.retain(|slot| holds(slot, &|d| same_folded(d, number)));
        for slots in &mut found {
            slots.sort_unstable();
            slots.dedup();
        }
        found
    }

    /// The best matches for `query` among the records `viewer` may see, best
    /// first (ties by id), at most `query.limit`, none below [`MIN_SCORE`].
    ///
    /// Found as if the index held only those records: which candidates
    /// are proposed, their evidence and how many are scored depend on how
    /// many records the viewer may see under each key, never on records
    /// hidden from it or archived.
    pub fn search(&self, viewer: &Viewer, query: &Query) -> Vec<Match> {
        let visible = self.visible_to(viewer);
        let analyzed = analyze(query);
        let mut candidates = self.candidates(query, analyzed.as_ref(), &visible, false);
        let [subjects, _] = self.select(query, &mut candidates, &visible, false);
        self.best(query, analyzed.as_ref(), &subjects, &mut NameScores::default())
    }

    /// [`Index::search`], and the same search among the records `viewer`
    /// may **not** see: what its query matched that only the records' owners
    /// may learn (silent hits). The second list is never shown to `viewer`
    /// and changes nothing in the first.
    ///
    /// Both sides come from one gathering of candidates, weighed by what
    /// the viewer may see under each key; a key under which it sees
    /// nothing (a rare name held only in records hidden from it) is
    /// gathered too, weighed by the records that hold it, and changes
    /// nothing on the viewer's side, where it proposes no candidate and
    /// counts toward nothing. The silent side is never shown to the
    /// viewer, and each of its matches is reported only to the owner of
    /// its record.
    pub fn search_with_hidden(&self, viewer: &Viewer, query: &Query) -> (Vec<Match>, Vec<Match>) {
        let visible = self.visible_to(viewer);
        let analyzed = analyze(query);
        let mut candidates = self.candidates(query, analyzed.as_ref(), &visible, true);
        let [shown, hidden] = self.select(query, &mut candidates, &visible, true);
        // Record name forms are compared once for both lists: a score
        // depends only on the two names, never on who may see the record.
        let mut seen_names = NameScores::default();
        let shown = self.best(query, analyzed.as_ref(), &shown, &mut seen_names);
        let hidden = self.best(query, analyzed.as_ref(), &hidden, &mut seen_names);
        (shown, hidden)
    }

    /// For each class, whether `viewer` may see its records: all ones
    /// if so, else zero (a mask, so that counting is a vector sum).
    fn visible_to(&self, viewer: &Viewer) -> Arc<[u32]> {
        if let Ok(seen_by) = self.seen_by.read()
            && let Some(visible) = seen_by.get(viewer)
        {
            return visible.clone();
        }
        let visible: Arc<[u32]> = self
            .classes
            .iter()
            .map(|(owner, rule, level)| {
                let access = self.rules.get(*rule as usize);
                if access.is_some_and(|a| may_see_parts(viewer, owner, RecordState::Active, a, *level)) {
                    !0
                } else {
                    0
                }
            })
            .collect();
        if let Ok(mut seen_by) = self.seen_by.write() {
            seen_by.insert(*viewer, visible.clone());
        }
        visible
    }

    /// How many live slots of a name key's list `admit` admits.
    fn admitted(&self, postings: &Postings, admit: &Admit) -> usize {
        match (postings, admit) {
            (Postings::Long(list), Admit::Live) => list.live.iter().map(|n| *n as usize).sum(),
            (Postings::Long(list), Admit::Classes(masks)) => {
                list.live.iter().zip(masks.iter()).map(|(n, mask)| u64::from(n & mask)).sum::<u64>() as usize
            }
            (short, _) => short
                .as_slice()
                .iter()
                .filter(|s| admit.admits(self.entry_class.get(**s as usize).copied().unwrap_or(DEAD)))
                .count(),
        }
    }

    /// Every candidate slot with its evidence, from the query's keys
    /// weighed by how many records of the `visible` classes each holds;
    /// with `silent`, also the keys that hold only records hidden from the
    /// viewer (see [`QueryKey::hidden_only`]).
    fn candidates<'i>(
        &'i self,
        query: &Query,
        analyzed: Option<&(Analyzed, Analyzed)>,
        visible: &[u32],
        silent: bool,
    ) -> Candidates<'i> {
        let long_list = self.limits.long_list;
        let admit = Admit::Classes(visible);
        // How many records a key holds for the search, and whether they
        // are all hidden from the viewer; `None` to leave the key out.
        let counted = |visible: usize, live: &dyn Fn() -> usize| match visible {
            0 if silent => Some(live()).filter(|n| *n > 0).map(|n| (n, true)),
            0 => None,
            n => Some((n, false)),
        };
        let admitted = |key: u64| {
            let postings = self.keys.get(&key)?;
            let (n, hidden_only) = counted(self.admitted(postings, &admit), &|| self.admitted(postings, &Admit::Live))?;
            Some((postings.as_slice(), n, hidden_only))
        };
        // Every key the query has, with its weight and posting list, each
        // looked up once: name parts, skeletons, affixes, the joined name.
        // A name has a few dozen keys at most: a list, not a hash set.
        let mut seen: Vec<u64> = Vec::with_capacity(64);
        let mut keys: Vec<QueryKey> = Vec::new();
        let mut want = |key: u64, weight: f32, list: Option<(&'i [u32], usize, bool)>| {
            if seen.contains(&key) {
                return;
            }
            seen.push(key);
            if let Some((list, admitted, hidden_only)) = list {
                keys.push(QueryKey { list, weight, admitted, hidden_only });
            }
        };
        if let Some((person, org)) = analyzed {
            for a in [person.name(), org.name()] {
                if let Some(k) = joined_key(&a) {
                    let key = key_hash(Key::Joined, &k);
                    want(key, 1.5, admitted(key));
                }
                for p in a.parts().filter(|p| matches!(p.kind, PartKind::Word | PartKind::Number)) {
                    let key = key_hash(Key::Part, p.text);
                    let exact = admitted(key);
                    want(key, 1.0, exact);
                    if p.skeleton.len() >= 2 {
                        let key = key_hash(Key::Skeleton, p.skeleton);
                        want(key, 0.8, admitted(key));
                    }
                    for s in name::other_skeletons(&p) {
                        let key = key_hash(Key::Skeleton, &s);
                        want(key, 0.8, admitted(key));
                    }
                    // Affixes find a word misspelt; a word already common as
                    // written gains little from them but long lists to walk.
                    let common = exact.is_some_and(|(_, n, hidden_only)| !hidden_only && n > long_list);
                    for k in affixes(&p) {
                        let key = key_hash(Key::Affix, k.as_str());
                        let list = admitted(key);
                        if !common || list.is_some_and(|(_, n, hidden_only)| hidden_only || n <= long_list) {
                            want(key, 0.5, list);
                        }
                    }
                }
            }
        }
        let Some([exact, folded]) = query.document.as_ref().map(|d| self.document_slots(d.as_str())) else {
            return accumulate(keys, self.limits);
        };
        // The document's lists are this call's own: no tail may point
        // into them.
        let count = |list: &[u32], admit: &Admit| list.iter().filter(|s| admit.admits(self.class_of(**s))).count();
        let mut with_documents = keys;
        for (list, weight) in [(exact.as_slice(), 20.0), (folded.as_slice(), 10.0)] {
            if let Some((admitted, hidden_only)) = counted(count(list, &admit), &|| count(list, &Admit::Live)) {
                with_documents.push(QueryKey { list, weight, admitted, hidden_only });
            }
        }
        accumulate(with_documents, self.limits).owned()
    }

    /// The best candidates by evidence, at most [`Limits::max_candidates`],
    /// of the kinds the query asks for, of the `visible` classes and, with
    /// `hidden`, the best of the others: the same sets as filtering
    /// everything first, found by checking in evidence order only as far
    /// as needed.
    fn select(
        &self,
        query: &Query,
        candidates: &mut Candidates,
        visible: &[u32],
        hidden: bool,
    ) -> [Vec<Subject<'_>>; 2] {
        let max = self.limits.max_candidates;
        let mut found: [Vec<Subject>; 2] = [Vec::new(), Vec::new()];
        if max == 0 {
            return found;
        }
        let admit = Admit::Classes(visible);
        in_rank_order(candidates, max * 4, |c| {
            let Some(s) = self.subject(c.slot()) else { return false };
            if !(query.kinds.is_empty() || query.kinds.contains(&s.kind())) {
                return false;
            }
            let side = usize::from(!admit.admits(s.class()));
            if side == 1 && !hidden {
                return false;
            }
            let list = &mut found[side];
            if list.len() < max {
                list.push(s);
            }
            found[0].len() == max && (!hidden || found[1].len() == max)
        });
        found
    }

    /// The best matches among `subjects`, best first, at most the query's
    /// limit, none below [`MIN_SCORE`]; explained.
    fn best<'a>(
        &self,
        query: &Query,
        analyzed: Option<&(Analyzed, Analyzed)>,
        subjects: &[Subject<'a>],
        seen_names: &mut NameScores<'a>,
    ) -> Vec<Match> {
        // Scoring reads each candidate's names, dates and countries, spread
        // over the heap. Touching them all first, in loads that do not wait
        // on one another, overlaps those cache misses instead of paying them
        // one after the other.
        std::hint::black_box(subjects.iter().map(Subject::touch).fold(0usize, usize::wrapping_add));
        let mut ranked: Vec<(f64, Subject)> = subjects
            .iter()
            .filter_map(|s| score(s, query, analyzed, Detail::Score(seen_names)).map(|m| (m.score, *s)))
            .filter(|(s, _)| *s >= MIN_SCORE)
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id().cmp(&b.1.id())));
        ranked.truncate(query.limit.max(1));
        // Explanations only for what is returned.
        ranked.into_iter().filter_map(|(_, s)| score(&s, query, analyzed, Detail::Explain)).collect()
    }
}

/// The records a search ranks among, by class.
enum Admit<'v> {
    /// The classes whose mask is not zero (those a viewer may see).
    Classes(&'v [u32]),
    /// Every live record.
    Live,
}

impl Admit<'_> {
    fn admits(&self, class: u32) -> bool {
        match self {
            Admit::Classes(masks) => masks.get(class as usize).is_some_and(|mask| *mask != 0),
            Admit::Live => class != DEAD,
        }
    }
}

/// The query's name analyzed as a person's and as an organization's.
fn analyze(query: &Query) -> QueryNames {
    query.name.as_deref().map(|n| (name::analyze(n, NameKind::Person), name::analyze(n, NameKind::Organization)))
}

/// One of the query's keys: its posting list, its weight, and how many of
/// the list's records the viewer may see (what weighs it and decides
/// whether it is walked; the list itself may hold others).
#[derive(Debug, Clone, Copy)]
struct QueryKey<'i> {
    list: &'i [u32],
    weight: f32,
    admitted: usize,
    /// The viewer may see none of the list's records: `admitted` counts
    /// the live ones, all hidden from it. Gathered only for the silent
    /// side, such a key is walked while short and counts toward nothing
    /// else, so the viewer's side is as without it.
    hidden_only: bool,
}

/// What [`accumulate`] proposes: candidates with their evidence, ascending
/// by slot, and maybe a tail.
struct Candidates<'i> {
    listed: Vec<Candidate>,
    tail: Option<Tail<'i>>,
}

/// The query's one long list when it was walked only to propose enough
/// candidates and no other long list adds to them: its slots that are not
/// `listed` are candidates too, each with the list's weight alone, so
/// they rank among themselves by slot, which is the list's own order. Kept
/// as the list instead of as thousands of candidates to select from.
struct Tail<'i> {
    slots: &'i [u32],
    weight: u32,
}

impl Candidates<'_> {
    /// The same candidates, the tail's listed too (ascending by slot).
    fn owned<'x>(self) -> Candidates<'x> {
        let Some(tail) = self.tail else { return Candidates { listed: self.listed, tail: None } };
        let mut all = Vec::with_capacity(self.listed.len() + tail.slots.len());
        let mut listed = self.listed.into_iter().peekable();
        for &slot in tail.slots {
            while let Some(c) = listed.next_if(|c| c.slot() < slot) {
                all.push(c);
            }
            match listed.next_if(|c| c.slot() == slot) {
                Some(c) => all.push(c),
                None => all.push(Candidate::new(tail.weight, slot)),
            }
        }
        all.extend(listed);
        Candidates { listed: all, tail: None }
    }
}

/// Calls `visit` with each candidate in ranking order (most evidence first,
/// then the lowest slot) until it returns true.
///
/// Ranking usually needs only the best few hundred, but a silent search can
/// need thousands before it has the best its searcher may not see: the
/// candidates are selected and sorted in windows, the first of `window`,
/// each next four times the last.
/// A tail's candidates all have its weight: the listed ones with more come
/// first, then those with as much and the tail's, by slot (no sorting),
/// then the rest.
fn in_rank_order(candidates: &mut Candidates, window: usize, mut visit: impl FnMut(Candidate) -> bool) {
    let Some(tail) = &candidates.tail else {
        by_windows(&mut candidates.listed, window, &mut visit);
        return;
    };
    let weight = Candidate::new(tail.weight, 0).0 >> 32;
    let listed: Vec<u32> = candidates.listed.iter().map(|c| c.slot()).collect();
    let (mut better, rest): (Vec<Candidate>, Vec<Candidate>) =
        candidates.listed.iter().partition(|c| c.0 >> 32 < weight);
    let (level, mut worse): (Vec<Candidate>, Vec<Candidate>) = rest.into_iter().partition(|c| c.0 >> 32 == weight);
    if by_windows(&mut better, window, &mut visit) {
        return;
    }
    // The tail's slots that are not listed, and the listed candidates of
    // the same evidence, merged by slot: both ascend.
    let mut at = 0;
    let mut unlisted = tail
        .slots
        .iter()
        .filter(|s| {
            at += listed.get(at..).unwrap_or_default().partition_point(|l| l < s);
            listed.get(at) != Some(s)
        })
        .map(|s| Candidate::new(tail.weight, *s))
        .peekable();
    let mut level = level.into_iter().peekable();
    loop {
        let next = match (level.peek(), unlisted.peek()) {
            (Some(a), Some(b)) if a <= b => level.next(),
            (Some(_), Some(_)) | (None, Some(_)) => unlisted.next(),
            (Some(_), None) => level.next(),
            (None, None) => break,
        };
        if next.is_some_and(&mut visit) {
            return;
        }
    }
    by_windows(&mut worse, window, &mut visit);
}

/// [`in_rank_order`] over candidates in any order: the best `window`
/// selected and sorted, then the best four times as many of the rest, and
/// so on. Whether `visit` stopped it.
fn by_windows(candidates: &mut [Candidate], window: usize, visit: &mut impl FnMut(Candidate) -> bool) -> bool {
    let (mut done, mut window) = (0, window.max(1));
    while done < candidates.len() {
        let end = window.min(candidates.len());
        if end < candidates.len() {
            candidates[done..].select_nth_unstable(end - done);
        }
        let chunk = &mut candidates[done..end];
        chunk.sort_unstable();
        if chunk.iter().any(|c| visit(*c)) {
            return true;
        }
        (done, window) = (end, window * 4);
    }
    false
}

/// Sums each slot's evidence over the query's keys, rarest first. Short
/// lists are walked and propose candidates; long lists only add evidence to
/// the candidates found so far. When every list is long, the shortest is
/// walked.
///
/// Rare, short and long are counted in the records the search admits
/// ([`QueryKey::admitted`]), so that what is proposed, and with what
/// evidence, is what an index of those records alone would give: slots
/// the search does not admit may be proposed too, but are never selected.
fn accumulate(keys: Vec<QueryKey<'_>>, limits: Limits) -> Candidates<'_> {
    // Each key's weight falls with its count (a rare key says more).
    let mut keys: Vec<(QueryKey, u32)> = keys
        .into_iter()
        .map(|k| (k, (k.weight / (1.0 + (k.admitted as f32).ln()) * EVIDENCE_UNIT).round() as u32))
        .collect();
    keys.sort_by_key(|(k, _)| k.admitted);
    // Lists are walked, rarest first, while short or while too few
    // candidates have been proposed: a rare key that proposes almost
    // nothing (a joined skeleton shared by chance) must not leave the
    // common names' lists only adding to its one candidate.
    // Keys the viewer sees nothing under are walked while short and count
    // toward nothing.
    let mut proposed = 0;
    let walked: Vec<bool> = keys
        .iter()
        .map(|(k, _)| {
            if k.hidden_only {
                return k.admitted <= limits.long_list;
            }
            let walk = k.admitted <= limits.long_list || proposed < limits.min_proposed;
            proposed += if walk { k.admitted } else { 0 };
            walk
        })
        .collect();
    // One long list walked, the last and only long one: it proposes as a
    // tail, and adds its weight to the others' candidates as a list that
    // is not walked does.
    let long = |k: &QueryKey| !k.hidden_only && k.admitted > limits.long_list;
    let last = keys.iter().rposition(|(k, _)| !k.hidden_only);
    let tail = last.filter(|&i| walked.get(i) == Some(&true) && keys.iter().filter(|(k, _)| long(k)).count() == 1);
    let tail =
        tail.and_then(|i| keys.get(i).filter(|(k, _)| long(k)).map(|(k, w)| (i, Tail { slots: k.list, weight: *w })));
    let walks = |i: usize| walked.get(i).copied().unwrap_or(false) && tail.as_ref().is_none_or(|(t, _)| *t != i);
    // The lists to walk and those that only add, each list once: the same
    // list under two keys (a word and its skeleton, when no other spelling
    // shares it) is merged once with both weights.
    let mut walk: Vec<(&[u32], u32)> = Vec::new();
    let mut add: Vec<(&[u32], u32)> = Vec::new();
    for (i, (k, w)) in keys.iter().enumerate() {
        let lists = if walks(i) { &mut walk } else { &mut add };
        match lists.iter_mut().find(|(l, _)| l.len() == k.list.len() && *l == k.list) {
            Some((_, sum)) => *sum = sum.saturating_add(*w),
            None => lists.push((k.list, *w)),
        }
    }
    // The walked lists, merged one after the other into the running sums:
    // posting lists are sorted, so each merge is one pass over both.
    let mut evidence: Vec<(u32, u32)> = Vec::new();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for &(list, w) in &walk {
        merged.clear();
        merged.reserve(evidence.len() + list.len());
        let (mut i, mut j) = (0, 0);
        while let (Some(&(sa, ea)), Some(&sb)) = (evidence.get(i), list.get(j)) {
            if sa == sb {
                merged.push((sa, ea.saturating_add(w)));
                (i, j) = (i + 1, j + 1);
            } else if sa < sb {
                merged.push((sa, ea));
                i += 1;
            } else {
                merged.push((sb, w));
                j += 1;
            }
        }
        merged.extend_from_slice(evidence.get(i..).unwrap_or_default());
        merged.extend(list.get(j..).unwrap_or_default().iter().map(|s| (*s, w)));
        std::mem::swap(&mut evidence, &mut merged);
    }
    // Long lists only add to the candidates found so far. Both are sorted:
    // a list about as dense as the candidates is merged with them (see
    // `shared_positions`); a sparser one is searched forward from where the
    // last candidate was found (a few steps over nearby memory, not a binary
    // search of the whole list per candidate).
    let mut shared = Vec::new();
    for &(list, w) in &add {
        if list.len() <= 8 * evidence.len() {
            shared_positions(&evidence, list, &mut shared);
            for &at in &shared {
                if let Some((_, e)) = evidence.get_mut(at as usize) {
                    *e = e.saturating_add(w);
                }
            }
            continue;
        }
        let mut from = 0;
        for (slot, e) in evidence.iter_mut() {
            from = gallop(list, from, *slot);
            if list.get(from) == Some(slot) {
                *e = e.saturating_add(w);
            }
        }
    }
    Candidates {
        listed: evidence.into_iter().map(|(slot, e)| Candidate::new(e, slot)).collect(),
        tail: tail.map(|(_, tail)| tail),
    }
}

/// A candidate slot and its evidence, packed so that ascending order is
/// the most evidence first, then the lowest slot: ranking sorts and selects
/// plain integers (evidence in [`EVIDENCE_UNIT`]s, inverted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate(u64);

impl Candidate {
    fn new(evidence: u32, slot: u32) -> Candidate {
        Candidate((u64::from(!evidence) << 32) | u64::from(slot))
    }

    fn slot(self) -> u32 {
        self.0 as u32
    }

    #[cfg(test)]
    fn evidence(self) -> u32 {
        !((self.0 >> 32) as u32)
    }
}

/// Into `out`, in no particular order, the positions in `evidence` (sorted
/// by slot) of the slots that the sorted `list` holds too.
///
/// A merge of two sorted lists waits at every step on the comparison
/// before (a load, a compare, an index update: several cycles each). The
/// slot range is cut in [`STREAMS`] pieces whose merges advance in turn in
/// one loop, so the processor overlaps their waits; and no step writes to
/// the evidence it will read next, which would chain the steps through
/// memory. Each step is free of branches on the data.
fn shared_positions(evidence: &[(u32, u32)], list: &[u32], out: &mut Vec<u32>) {
    out.clear();
    // Room for every step to write its position; only shared slots advance.
    out.resize(evidence.len().min(list.len()) + 1, 0);
    let mut n = 0;
    let mut step = |i: &mut usize, j: &mut usize, out: &mut [u32]| {
        let (a, b) = (evidence[*i].0, list[*j]);
        out[n] = *i as u32;
        n += usize::from(a == b);
        *i += usize::from(a <= b);
        *j += usize::from(b <= a);
    };
    // Stream k merges evidence[i[k]..ends[k]] with list[j[k]..until[k]].
    let cut = |k: usize| evidence.len() * k / STREAMS;
    let mut i: [usize; STREAMS] = std::array::from_fn(cut);
    let ends: [usize; STREAMS] = std::array::from_fn(|k| cut(k + 1));
    let first = |at: usize| evidence.get(at).map_or(list.len(), |(slot, _)| list.partition_point(|s| s < slot));
    let mut j: [usize; STREAMS] = std::array::from_fn(|k| first(i[k]));
    let until: [usize; STREAMS] = std::array::from_fn(|k| if k + 1 < STREAMS { first(ends[k]) } else { list.len() });
    'together: loop {
        for k in 0..STREAMS {
            if i[k] >= ends[k] || j[k] >= until[k] {
                break 'together;
            }
        }
        for k in 0..STREAMS {
            step(&mut i[k], &mut j[k], out);
        }
    }
    for k in 0..STREAMS {
        while i[k] < ends[k] && j[k] < until[k] {
            step(&mut i[k], &mut j[k], out);
        }
    }
    out.truncate(n);
}

/// Independent merges [`shared_positions`] interleaves.
const STREAMS: usize = 4;

/// The first position at or after `from` in the sorted `list` whose value is
/// not below `target` (`list.len()` if none): steps doubling from `from`,
/// then a binary search within the last step.
fn gallop(list: &[u32], from: usize, target: u32) -> usize {
    let rest = list.get(from..).unwrap_or_default();
    let mut step = 1;
    while step <= rest.len() && rest[step - 1] < target {
        step *= 2;
    }
    let lo = step / 2;
    let hi = step.min(rest.len());
    from + lo + rest[lo..hi].partition_point(|x| *x < target)
}

/// Prefix and suffix keys of a word part of four letters or more (a letter
/// added or dropped at one end of a short name still finds it): `^` and
/// its first four letters, `$` and its last four. Built on the stack: a
/// query looks up two per word.
fn affixes(p: &PartRef) -> impl Iterator<Item = AffixKey> {
    let t = p.text.as_bytes();
    let keys = (p.kind == PartKind::Word && t.len() >= 4 && p.text.is_ascii()).then(|| {
        let key = |mark: u8, four: &[u8]| {
            let mut k = [mark, 0, 0, 0, 0];
            k[1..].copy_from_slice(four);
            AffixKey(k)
        };
        [key(b'^', &t[..4]), key(b'$', &t[t.len() - 4..])]
    });
    keys.into_iter().flatten()
}

/// An affix key: a mark and four ASCII letters.
struct AffixKey([u8; 5]);

impl AffixKey {
    fn as_str(&self) -> &str {
        // Made of ASCII only (see `affixes`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Every name key an entry is posted under, by hash (some more than once):
/// its names joined, their parts, skeletons and affixes.
fn name_keys(names: &Names, mut key: impl FnMut(u64)) {
    for n in names.iter() {
        if let Some(joined) = joined_key(&n) {
            key(key_hash(Key::Joined, &joined));
        }
        for p in n.parts() {
            key(key_hash(Key::Part, p.text));
            if p.skeleton.len() >= 2 && p.kind == PartKind::Word {
                key(key_hash(Key::Skeleton, p.skeleton));
                for s in name::other_skeletons(&p) {
                    key(key_hash(Key::Skeleton, &s));
                }
            }
            for affix in affixes(&p) {
                key(key_hash(Key::Affix, affix.as_str()));
            }
        }
    }
}

/// The skeleton of a name's word parts joined in order; `None` when too
/// short to be telling.
fn joined_key(n: &NameRef) -> Option<String> {
    let joined: String = n.parts().filter(|p| p.kind == PartKind::Word).map(|p| p.text).collect();
    let key = name::skeleton(&joined);
    (key.len() >= 5).then_some(key)
}

fn entry(r: &Record, class: u32) -> Entry {
    let kind = r.data.kind();
    let names =
        |names: &[tocsin_core::record::Name], k| Names::analyze(names.iter().map(|n| (&*n.full, n.name_type)), k);
    let (names, birth_dates, nationalities, sex, documents): (_, &[PartialDate], &[CountryCode], _, _) =
        match &r.data.body {
            RecordBody::Person(p) => (
                names(&p.names, NameKind::Person),
                &p.birth_dates,
                &p.nationalities,
                p.sex,
                p.documents.iter().map(|d| (d.number.as_str().into(), d.country)).collect(),
            ),
            RecordBody::Organization(o) => (names(&o.names, NameKind::Organization), &[], &o.countries, None, vec![]),
            RecordBody::TravelDocument(t) => {
                (Names::default(), &[], &[], None, vec![(t.number.as_str().into(), Some(t.country))])
            }
            RecordBody::Biometric(_) | RecordBody::Asset(_) => (Names::default(), &[], &[], None, vec![]),
        };
    Entry {
        id: r.id,
        class,
        kind,
        sex,
        names,
        birth_dates: birth_dates.into(),
        nationalities: nationalities.into(),
        documents: documents.into_boxed_slice(),
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

/// Scores one record; `None` when nothing in the query bears on it. Without
/// `explain` the explanation is left empty: same score, less work.
/// Name scores of the record name forms a query has been compared with, by
/// the record's kind and the form as written: common names repeat across
/// records, and each distinct form is compared once per query.
type NameScores<'a> = HashMap<(Kind, &'a str), f64>;

/// What [`score`] works out besides the score.
enum Detail<'m, 'a> {
    /// The score alone, comparing each distinct name form once.
    Score(&'m mut NameScores<'a>),
    /// The score and its explanation.
    Explain,
}

fn score<'a>(
    s: &Subject<'a>,
    q: &Query,
    analyzed: Option<&(Analyzed, Analyzed)>,
    detail: Detail<'_, 'a>,
) -> Option<Match> {
    let explain = matches!(detail, Detail::Explain);
    let mut features = Features { explain, list: Vec::new() };
    let mut name_evidence = None;
    let mut name_score = 0.0;
    let entry = match s {
        Subject::Entry(e) => Some(*e),
        Subject::Travel(..) => None,
    };
    if let (Some((person, org)), Some(e)) = (analyzed, entry) {
        let query_side = if e.kind == Kind::Person { person.name() } else { org.name() };
        // Weak aliases (nicknames, short forms) count only when exact.
        let counts = |score: f64, n: &NameRef| n.name_type() != NameType::WeakAlias || score >= 0.999;
        // Two pipelines on purpose: one closure for both carried an
        // `Option<NameMatch>` through ranking's comparisons too, which
        // measured 2 to 4 % slower back to back.
        let best = match detail {
            // Ranking needs only the best score: no explanation is built,
            // and each distinct name form is compared once per query.
            Detail::Score(seen) => e
                .names
                .iter()
                .map(|n| {
                    let score = *seen
                        .entry((e.kind, n.original()))
                        .or_insert_with(|| name::compare_with(query_side, n, false).score);
                    (score, n, None)
                })
                .filter(|(score, n, _)| counts(*score, n))
                .max_by(|a, b| a.0.total_cmp(&b.0)),
            Detail::Explain => e
                .names
                .iter()
                .map(|n| {
                    let m = name::compare_with(query_side, n, true);
                    (m.score, n, Some(m))
                })
                .filter(|(score, n, _)| counts(*score, n))
                .max_by(|a, b| a.0.total_cmp(&b.0)),
        };
        if let Some((score, n, m)) = best {
            name_score = score;
            let method = m.as_ref().map_or("", |m| m.method);
            features.add("name", score, || format!("`{}` ~ `{}` ({method})", query_side.original(), n.original()));
            if let Some(m) = m {
                name_evidence = Some(NameEvidence {
                    query: query_side.original().to_owned(),
                    record: n.original().to_owned(),
                    record_name_type: n.name_type(),
                    detail: m,
                });
            }
        }
    }
    let mut total = name_score;
    if let Some((d, detail)) = q.document.as_ref().and_then(|d| document_score(s, d, q.document_country)) {
        let gain = if name_score > 0.0 { (d - name_score).max(0.0) + 0.05 * d } else { d };
        total = (name_score + gain).min(1.0);
        features.add("document", gain, || detail.to_string());
    }
    if total <= 0.0 {
        return None;
    }
    let (birth_dates, nationalities, sex): (&[PartialDate], &[CountryCode], _) = match entry {
        Some(e) => (&e.birth_dates, &e.nationalities, e.sex),
        None => (&[], &[], None),
    };
    if let (Some(qd), false) = (q.birth_date, birth_dates.is_empty()) {
        let (c, why, rd) = birth_dates
            .iter()
            .map(|rd| {
                let (c, why) = date_evidence(qd, *rd);
                (c, why, rd)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        total += c;
        features.add("birth_date", c, || format!("{why} ({qd} vs {rd})"));
    }
    if let (Some(qn), false) = (q.nationality, nationalities.is_empty()) {
        let among = nationalities.contains(&qn);
        let c = if among { 0.02 } else { -0.1 };
        total += c;
        features.add("nationality", c, || match among {
            true => format!("{qn} is among the record's countries"),
            false => format!("{qn} is not among the record's countries ({})", list(nationalities)),
        });
    }
    // Sex counts only against, and only when both sides know it.
    let known = |s: Option<Sex>| s.filter(|s| *s != Sex::Unknown);
    if let (Some(qs), Some(rs)) = (known(q.sex), known(sex))
        && qs != rs
    {
        total -= 0.15;
        features.add("sex", -0.15, || format!("the record says {rs:?}, the query {qs:?}").to_lowercase());
    }
    Some(Match {
        id: s.id(),
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
    record: &'a str,
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
    s: &Subject<'a>,
    q: &'a DocumentNumber,
    country: Option<CountryCode>,
) -> Option<(f64, DocumentMatch<'a>)> {
    s.documents()
        .filter_map(|(d, c)| {
            let (base, how): (f64, &str) = if d == q.as_str() {
                (0.97, "same number")
            } else if same_folded(d, q.as_str()) {
                (0.85, "same number up to OCR-confusable characters")
            } else {
                return None;
            };
            let other_country = match (country, c) {
                (Some(a), Some(b)) if a != b => Some((a, b)),
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
    use tocsin_core::access::may_see;
    use tocsin_core::fixtures::agency;

    use super::*;

    /// Evidence summed key by key in a hash map: what `accumulate` must
    /// give. Keys are weighed and walked by their admitted counts, each on
    /// its own (a list under two keys counts twice toward what is proposed).
    fn accumulate_by_hashing(keys: Vec<QueryKey>, limits: Limits) -> Vec<(u32, u32)> {
        let mut keys: Vec<(QueryKey, u32)> = keys
            .into_iter()
            .map(|k| (k, (k.weight / (1.0 + (k.admitted as f32).ln()) * EVIDENCE_UNIT).round() as u32))
            .collect();
        keys.sort_by_key(|(k, _)| k.admitted);
        let mut evidence: HashMap<u32, u32> = HashMap::default();
        let mut proposed = 0;
        for (k, w) in &keys {
            if k.hidden_only && k.admitted <= limits.long_list {
                k.list.iter().for_each(|slot| *evidence.entry(*slot).or_default() += w);
            } else if !k.hidden_only && (k.admitted <= limits.long_list || proposed < limits.min_proposed) {
                proposed += k.admitted;
                k.list.iter().for_each(|slot| *evidence.entry(*slot).or_default() += w);
            } else {
                evidence.iter_mut().filter(|(slot, _)| k.list.binary_search(slot).is_ok()).for_each(|(_, e)| *e += w);
            }
        }
        let mut out: Vec<(u32, u32)> = evidence.into_iter().map(|(slot, e)| (e, slot)).collect();
        out.sort_by_key(|(_, slot)| *slot);
        out
    }

    /// Keys over `lists`, each admitting `share` of its slots (at least one).
    fn query_keys(lists: &[(Vec<u32>, f32)], share: f32) -> Vec<QueryKey<'_>> {
        lists
            .iter()
            .filter(|(l, _)| !l.is_empty())
            .map(|(l, w)| QueryKey {
                list: l,
                weight: *w,
                admitted: ((l.len() as f32 * share) as usize).max(1),
                hidden_only: false,
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn merged_evidence_is_the_same_as_hashed_evidence(
            lists in proptest::collection::vec(
                (proptest::collection::btree_set(0u32..5_000, 0..2_500), 0.1f32..20.0),
                0..8,
            ),
            repeat in proptest::bool::ANY,
            share in 0.05f32..1.0,
            hidden_only in proptest::collection::vec(proptest::bool::ANY, 8),
        ) {
            let lists: Vec<(Vec<u32>, f32)> = lists.into_iter().map(|(s, w)| (s.into_iter().collect(), w)).collect();
            let mut keys = query_keys(&lists, share);
            keys.iter_mut().zip(hidden_only).for_each(|(k, hidden)| k.hidden_only = hidden);
            // A word and its skeleton often have the same list.
            if let Some(&first) = keys.first().filter(|_| repeat) {
                keys.push(QueryKey { weight: first.weight * 0.8, ..first });
            }
            let merged = accumulate(keys.clone(), LIMITS).owned().listed;
            let hashed = accumulate_by_hashing(keys, LIMITS);
            proptest::prop_assert_eq!(merged.len(), hashed.len());
            for (c, (e, slot)) in merged.iter().zip(&hashed) {
                proptest::prop_assert_eq!(c.slot(), *slot);
                proptest::prop_assert_eq!(c.evidence(), *e, "slot {}", slot);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn candidates_are_visited_in_ranking_order_until_told_to_stop(
            short in proptest::collection::vec(
                (proptest::collection::btree_set(0u32..6_000, 0..400), 0.1f32..20.0),
                0..3,
            ),
            long in proptest::collection::vec(
                (proptest::collection::btree_set(0u32..6_000, 2_001..3_000), 0.1f32..20.0),
                0..3,
            ),
            shared_weight in proptest::bool::ANY,
            stop_after in 0usize..4_000,
        ) {
            // Weights that tie across lists, and lists long enough to be a
            // tail, exercise the merge of equal evidence by slot.
            let lists: Vec<(Vec<u32>, f32)> = short
                .into_iter()
                .chain(long)
                .map(|(s, w)| (s.into_iter().collect(), if shared_weight { 1.0 } else { w }))
                .collect();
            let keys = query_keys(&lists, 1.0);
            let mut expected = accumulate(keys.clone(), LIMITS).owned().listed;
            expected.sort_unstable();
            let mut found = accumulate(keys, LIMITS);
            let mut visited = Vec::new();
            in_rank_order(&mut found, 400, |c| {
                visited.push(c);
                visited.len() > stop_after
            });
            expected.truncate(stop_after + 1);
            proptest::prop_assert_eq!(visited, expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn interleaved_merges_find_every_shared_slot_once(
            evidence in proptest::collection::btree_set(0u32..3_000, 0..600),
            list in proptest::collection::btree_set(0u32..3_000, 0..2_000),
        ) {
            let evidence: Vec<(u32, u32)> = evidence.into_iter().map(|s| (s, 1)).collect();
            let list: Vec<u32> = list.into_iter().collect();
            let mut found = Vec::new();
            shared_positions(&evidence, &list, &mut found);
            found.sort_unstable();
            let expected: Vec<u32> = (0u32..)
                .zip(&evidence)
                .filter(|(_, (slot, _))| list.binary_search(slot).is_ok())
                .map(|(at, _)| at)
                .collect();
            proptest::prop_assert_eq!(found, expected);
        }

        #[test]
        fn gallop_finds_what_a_binary_search_finds(
            list in proptest::collection::btree_set(0u32..1_000, 0..300),
            from in 0usize..310,
            target in 0u32..1_100,
        ) {
            let list: Vec<u32> = list.into_iter().collect();
            let from = from.min(list.len());
            let expected = from + list[from..].partition_point(|x| *x < target);
            proptest::prop_assert_eq!(gallop(&list, from, target), expected);
        }
    }

    #[test]
    fn a_long_list_walked_alone_proposes_as_a_tail_ranked_by_slot() {
        // A rare key and one common one: the common list is walked only to
        // propose enough, so its slots found nowhere else stay a tail.
        let rare: Vec<u32> = (0..50).map(|i| i * 37).collect();
        let common: Vec<u32> = (0..3_000).map(|i| i * 3).collect();
        let lists = [(rare, 4.0), (common, 1.0)];
        let keys = query_keys(&lists, 1.0);
        let mut found = accumulate(keys.clone(), LIMITS);
        let tail = found.tail.as_ref().map(|t| t.slots.len());
        assert_eq!(tail, Some(3_000));
        assert_eq!(found.listed.len(), 50, "only the rare key's slots are listed");
        let mut expected = accumulate(keys, LIMITS).owned().listed;
        assert_eq!(expected.len(), 50 + 3_000 - 17, "17 slots hold both keys");
        expected.sort_unstable();
        let mut visited = Vec::new();
        in_rank_order(&mut found, 400, |c| {
            visited.push(c);
            false
        });
        assert_eq!(visited, expected);
        // Those holding both keys first, then the rare key alone, then
        // the common one alone, by slot.
        assert_eq!(visited[0].slot(), 0);
        assert!(visited[17..50].iter().all(|c| c.slot() % 3 != 0));
        assert_eq!(visited[50].slot(), 3);
    }

    #[test]
    fn postings_stay_sorted_without_repeats_and_inline_while_single() {
        let classes = [0; 10];
        let mut p = Postings::One(3);
        p.push(3, 0, &classes, 100);
        assert_eq!(p, Postings::One(3), "a slot posted twice is kept once");
        p.push(7, 0, &classes, 100);
        p.push(7, 0, &classes, 100);
        p.push(9, 0, &classes, 100);
        assert_eq!(p.as_slice(), &[3, 7, 9]);
    }

    #[test]
    fn a_long_list_counts_its_live_slots_by_class() {
        // Slots 0 to 5 of classes 0, 1, 0, DEAD, 2, 1: the list becomes
        // long at its fourth slot and counts those already in it.
        let classes = [0, 1, 0, DEAD, 2, 1];
        let mut p = Postings::One(0);
        for slot in 1..6 {
            p.push(slot, classes[slot as usize], &classes, 3);
        }
        let Postings::Long(list) = &mut p else { panic!("not long: {p:?}") };
        assert_eq!(list.slots, [0, 1, 2, 3, 4, 5]);
        assert_eq!(list.live, [2, 2, 1]);
        list.count(1, false);
        list.count(DEAD, false);
        assert_eq!(list.live, [2, 1, 1]);
    }

    fn record(owner: &str, json: &str) -> Record {
        tocsin_core::fixtures::active(owner, tocsin_core::fixtures::data(json))
    }

    /// A passport reported stolen by ITA, that every agency may see.
    fn stolen(number: &str) -> Record {
        record(
            "ITA",
            &format!(
                r#"{{"kind": "travel_document", "number": "{number}", "country": "ITA", "doc_type": "passport", "status": "stolen", "handling": {{"code": "seize_document"}}, "access": {{"mode": "all"}}}}"#
            ),
        )
    }

    fn person(owner: &str, names: &str, extra: &str, access: &str) -> Record {
        record(
            owner,
            &format!(
                r#"{{"kind": "person", "names": {names}, {extra} "handling": {{"code": "arrest"}}, "access": {access}}}"#
            ),
        )
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
        let m = idx.search(&Viewer::agency(agency("DEU")), &q("Иван Петрович Сидоров"));
        assert_eq!(m.first().map(|m| m.id), Some(ivan.id), "{m:?}");
        let e = &m[0].explanation;
        assert!(e.name.as_ref().is_some_and(|n| !n.detail.pairs.is_empty()));
        assert_eq!(e.features[0].feature, "name");
    }

    #[test]
    fn records_sharing_a_name_are_each_scored_on_their_own_details() {
        // A query compares each distinct name form once; the rest of each
        // record (dates, sex, the kind of record) still counts per record.
        let mut idx = Index::new();
        let dated = |date: &str, sex: &str| {
            let extra = format!(r#""birth_dates": ["{date}"], "sex": "{sex}","#);
            person("FRA", r#"[{"full": "Wei ZHANG"}]"#, &extra, r#"{"mode": "all"}"#)
        };
        let (right, wrong_year, wrong_sex) =
            (dated("1980-02-03", "male"), dated("1951", "male"), dated("1980", "female"));
        let org = record(
            "FRA",
            r#"{"kind": "organization", "names": [{"full": "Wei ZHANG"}], "handling": {"code": "arrest"}, "access": {"mode": "all"}}"#,
        );
        for r in [&wrong_sex, &wrong_year, &right, &org] {
            idx.upsert(r);
        }
        let query = Query { birth_date: PartialDate::parse("1980-02-03").ok(), sex: Some(Sex::Male), ..q("Wei Zhang") };
        let m = idx.search(&Viewer::agency(agency("DEU")), &query);
        let score = |id: RecordId| m.iter().find(|m| m.id == id).map(|m| m.score);
        assert_eq!(m.first().map(|m| m.id), Some(right.id), "{m:?}");
        let (best, year, sex) = (score(right.id), score(wrong_year.id), score(wrong_sex.id));
        assert!(best > year && best > sex, "{best:?} {year:?} {sex:?}");
        // Each explanation names the record's own form and its own features.
        for found in &m {
            let features: Vec<&str> = found.explanation.features.iter().map(|f| f.feature).collect();
            assert_eq!(features.contains(&"birth_date"), found.id != org.id, "{features:?}");
        }
    }

    #[test]
    fn birth_date_and_nationality_qualify_the_name() {
        let (idx, ivan, _) = sample();
        let score = |q: Query| {
            idx.search(&Viewer::agency(agency("DEU")), &q)
                .into_iter()
                .find(|m| m.id == ivan.id)
                .map(|m| m.score)
                .unwrap_or(0.0)
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
        let exact = idx.search(&Viewer::agency(agency("DEU")), &by_doc("720 000 123"));
        assert_eq!(exact.first().map(|m| (m.id, m.score >= 0.95)), Some((ivan.id, true)));
        let ocr = idx.search(&Viewer::agency(agency("DEU")), &by_doc("72OOOOI23"));
        assert_eq!(ocr.first().map(|m| m.id), Some(ivan.id));
        assert!(ocr[0].score < exact[0].score);
        assert!(idx.search(&Viewer::agency(agency("DEU")), &by_doc("720000124")).is_empty());
    }

    #[test]
    fn every_record_holding_a_number_or_a_confusable_one_is_found_in_its_own_list() {
        let (mut idx, ivan, _) = sample();
        // Three records share the number; two differ from it by OCR
        // confusions only; one is another number altogether.
        let same: Vec<Record> = (0..3).map(|_| stolen("AB1234507")).collect();
        let confusable = [stolen("A81234507"), stolen("AB12345O7")];
        let other = stolen("AB1234508");
        for r in same.iter().chain(&confusable).chain([&other]) {
            idx.upsert(r);
        }
        let slots = |rs: &[&Record]| {
            let mut v: Vec<u32> = rs.iter().filter_map(|r| idx.slot_of(&r.id)).collect();
            v.sort_unstable();
            v
        };
        let [exact, folded] = idx.document_slots("AB1234507");
        assert_eq!(exact, slots(&same.iter().collect::<Vec<_>>()));
        assert_eq!(folded, slots(&same.iter().chain(&confusable).collect::<Vec<_>>()));
        assert!(idx.slot_of(&ivan.id).is_some_and(|s| !folded.contains(&s)));
        assert_eq!(idx.document_slots("ZZ0000000"), [Vec::<u32>::new(), Vec::new()]);
    }

    #[test]
    fn weak_aliases_match_only_exactly() {
        let (idx, ivan, _) = sample();
        assert!(idx.search(&Viewer::agency(agency("DEU")), &q("Vanya")).iter().any(|m| m.id == ivan.id));
        let near = idx.search(&Viewer::agency(agency("DEU")), &q("Vania"));
        assert!(near.iter().filter(|m| m.id == ivan.id).all(|m| m.score < crate::name::THRESHOLD), "{near:?}");
    }

    #[test]
    fn hidden_records_change_nothing_the_viewer_sees() {
        let (idx, _, hidden) = sample();
        let ita = idx.search(&Viewer::agency(agency("ITA")), &q("Ivan Sidorov"));
        assert!(!ita.iter().any(|m| m.id == hidden.id));
        // The same index without the hidden record gives ITA the same answer.
        let (mut idx2, _, _) = sample();
        idx2.remove(&hidden.id);
        let ita2 = idx2.search(&Viewer::agency(agency("ITA")), &q("Ivan Sidorov"));
        let view = |m: &[Match]| m.iter().map(|m| (m.score, m.explanation.clone())).collect::<Vec<_>>();
        assert_eq!(view(&ita), view(&ita2));
        assert!(idx.search(&Viewer::agency(agency("DEU")), &q("Ivan Sidorov")).iter().any(|m| m.id == hidden.id));

        // The silent-hit search finds the hidden record apart, and leaves the
        // viewer's answer as it was.
        let (shown, silent) = idx.search_with_hidden(&Viewer::agency(agency("ITA")), &q("Ivan Sidorov"));
        assert_eq!(view(&shown), view(&ita));
        assert_eq!(silent.iter().map(|m| m.id).collect::<Vec<_>>(), vec![hidden.id]);
    }

    #[test]
    fn the_silent_search_ranks_each_side_as_a_search_of_its_own() {
        // More same-named records than one selection window holds, most of
        // them hidden from ITA: the shown list is what an index of the
        // visible records alone gives, the silent one what ranking the
        // hidden records alone gives.
        let mut idx = Index::new();
        let mut visible_only = Index::new();
        let viewer = Viewer::agency(agency("ITA"));
        for i in 0..1_500 {
            let access = match i % 5 {
                0 => r#"{"mode": "all"}"#,
                1 | 2 => r#"{"mode": "except", "countries": ["ITA"]}"#,
                _ => r#"{"mode": "only", "countries": ["DEU"]}"#,
            };
            let name = format!(r#"[{{"full": "Ivan SIDOROV"}}, {{"full": "Ivan Sidorov{}"}}]"#, i % 7);
            let record = person("FRA", &name, "", access);
            idx.upsert(&record);
            if may_see(&viewer, &record) {
                visible_only.upsert(&record);
            }
        }
        let query = Query { limit: 20, ..q("Ivan Sidorov") };
        let (shown, hidden) = idx.search_with_hidden(&viewer, &query);
        // The hidden side alone: selected in evidence order from the same
        // candidates, past as many of the viewer's as it takes.
        let visible = idx.visible_to(&viewer);
        let analyzed = analyze(&query);
        let mut candidates = idx.candidates(&query, analyzed.as_ref(), &visible, true);
        let mut subjects = Vec::new();
        in_rank_order(&mut candidates, 1, |c| {
            if let Some(s) = idx.subject(c.slot()).filter(|s| visible[s.class() as usize] == 0) {
                subjects.push(s);
            }
            subjects.len() == LIMITS.max_candidates
        });
        let alone = idx.best(&query, analyzed.as_ref(), &subjects, &mut NameScores::default());
        let view = |m: &[Match]| m.iter().map(|m| (m.id, m.score, m.explanation.clone())).collect::<Vec<_>>();
        assert_eq!(view(&shown), view(&idx.search(&viewer, &query)));
        assert_eq!(view(&shown), view(&visible_only.search(&viewer, &query)));
        assert_eq!(view(&hidden), view(&alone));
        assert_eq!((shown.len(), hidden.len()), (20, 20));
    }

    #[test]
    fn a_name_the_viewer_sees_nothing_under_still_finds_hidden_records_silently() {
        // ITA sees six Ivan Petrov (so "ivan" is long for it) and two Pavel
        // Egorov, whose "$orov" proposes enough that "ivan" only adds. The
        // one Ivan Sidorof is hidden from ITA; of the query's keys only
        // "^sido" reaches it, and ITA sees nothing under that key.
        let limits = Limits { long_list: 4, min_proposed: 2, max_candidates: 3 };
        let mut idx = Index::with_limits(limits);
        let all = r#"{"mode": "all"}"#;
        for _ in 0..6 {
            idx.upsert(&person("FRA", r#"[{"full": "Ivan PETROV"}]"#, "", all));
        }
        for _ in 0..2 {
            idx.upsert(&person("FRA", r#"[{"full": "Pavel EGOROV"}]"#, "", all));
        }
        let hidden = person("FRA", r#"[{"full": "Ivan SIDOROF"}]"#, "", r#"{"mode": "except", "countries": ["ITA"]}"#);
        idx.upsert(&hidden);
        let (shown, silent) = idx.search_with_hidden(&Viewer::agency(agency("ITA")), &q("Ivan Sidorov"));
        assert!(!shown.iter().any(|m| m.id == hidden.id));
        assert_eq!(silent.iter().map(|m| m.id).collect::<Vec<_>>(), vec![hidden.id]);
        let view = |m: &[Match]| m.iter().map(|m| (m.id, m.score)).collect::<Vec<_>>();
        assert_eq!(view(&shown), view(&idx.search(&Viewer::agency(agency("ITA")), &q("Ivan Sidorov"))));
    }

    const WORDS: [&str; 12] = [
        "Ivan", "Ivanov", "Ivanova", "Sidorov", "Sidorova", "Mohammed", "Muhammad", "Ali", "Alia", "Hassan", "Hasan",
        "Petrov",
    ];
    const ACCESS: [&str; 4] = [
        r#"{"mode": "all"}"#,
        r#"{"mode": "only", "countries": ["DEU"]}"#,
        r#"{"mode": "except", "countries": ["ITA"]}"#,
        r#"{"mode": "only", "countries": ["FRA", "ITA"]}"#,
    ];
    const OWNERS: [&str; 3] = ["FRA", "DEU", "ITA"];
    /// Numbers equal up to OCR confusions (I and 1, O and 0).
    const NUMBERS: [&str; 3] = ["X1234567", "XI234567", "X1234O67"];

    /// Every agency of the drawn records and one with none, at every
    /// clearance.
    fn viewers() -> Vec<Viewer> {
        let agencies = ["FRA", "DEU", "ITA", "GBR"].map(agency);
        agencies.into_iter().flat_map(|a| Level::ALL.map(|c| Viewer::new(a, c))).collect()
    }

    /// A person named by drawn words, or a travel document when there are
    /// none, of a drawn owner and access rule.
    fn drawn(owner: usize, access: usize, words: &[usize], document: Option<usize>) -> Record {
        let (owner, access) = (OWNERS[owner % OWNERS.len()], ACCESS[access % ACCESS.len()]);
        let number = document.map(|d| NUMBERS[d % NUMBERS.len()]);
        if words.is_empty() {
            let number = number.unwrap_or(NUMBERS[0]);
            return record(
                owner,
                &format!(
                    r#"{{"kind": "travel_document", "number": "{number}", "country": "ITA", "doc_type": "passport", "status": "stolen", "handling": {{"code": "seize_document"}}, "access": {access}}}"#
                ),
            );
        }
        let name: Vec<&str> = words.iter().map(|w| WORDS[w % WORDS.len()]).collect();
        let documents = number.map(|n| format!(r#""documents": [{{"number": "{n}", "country": "ITA"}}],"#));
        person(owner, &format!(r#"[{{"full": "{}"}}]"#, name.join(" ")), &documents.unwrap_or_default(), access)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// What a search shows depends only on the records its viewer may
        /// see: the same as an index that never held the others, with
        /// limits small enough that long lists, tails, walked long lists,
        /// the affix rule and the candidate cap all come into play.
        #[test]
        fn a_search_shows_what_an_index_of_only_the_visible_records_shows(
            records in proptest::collection::vec(
                (0usize..3, 0usize..4, proptest::collection::vec(0usize..12, 0..4), proptest::option::of(0usize..3), 0usize..3),
                1..50,
            ),
            updated in proptest::collection::vec((0usize..50, 0usize..4), 0..6),
            archived in proptest::collection::vec(0usize..50, 0..6),
            query in proptest::collection::vec(0usize..12, 1..4),
            typo in proptest::bool::ANY,
            document in proptest::option::of(0usize..3),
            limits in (1usize..8, 0usize..12, 1usize..8),
            limit in 1usize..8,
        ) {
            let limits = Limits { long_list: limits.0, min_proposed: limits.1, max_candidates: limits.2 };
            let mut live: Vec<Record> =
                records.iter().map(|(o, a, words, d, level)| {
                    let mut r = drawn(*o, *a, words, *d);
                    r.data.level = Level::ALL[*level];
                    r
                }).collect();
            let mut idx = Index::with_limits(limits);
            live.iter().for_each(|r| idx.upsert(r));
            // Searched once before the changes below: what each viewer may
            // see is worked out again after a new owner and rule appear.
            for viewer in viewers() {
                idx.search(&viewer, &q(WORDS[0]));
            }
            // An update takes a new slot, under a new rule maybe; an
            // archived record leaves its old slot dead in the lists.
            for (at, access) in updated {
                if at < live.len() {
                    let mut r = live.remove(at);
                    r.data.access = drawn(0, access, &[], None).data.access;
                    idx.upsert(&r);
                    live.push(r);
                }
            }
            for at in archived {
                if at < live.len() {
                    idx.remove(&live.remove(at).id);
                }
            }
            let mut name: Vec<&str> = query.iter().map(|w| WORDS[w % WORDS.len()]).collect();
            let dropped;
            if typo && let Some(last) = name.last_mut() {
                dropped = &last[..last.len() - 1];
                *last = dropped;
            }
            let query = Query {
                name: Some(name.join(" ")),
                document: document.and_then(|d| DocumentNumber::parse(NUMBERS[d]).ok()),
                limit,
                ..Query::default()
            };
            let view = |m: &[Match]| m.iter().map(|m| (m.id, m.score, m.explanation.clone())).collect::<Vec<_>>();
            for viewer in viewers() {
                let mut alone = Index::with_limits(limits);
                live.iter().filter(|r| may_see(&viewer, r)).for_each(|r| alone.upsert(r));
                let shown = idx.search(&viewer, &query);
                proptest::prop_assert_eq!(view(&shown), view(&alone.search(&viewer, &query)), "viewer {:?}", viewer);
                let (with_hidden, hidden) = idx.search_with_hidden(&viewer, &query);
                proptest::prop_assert_eq!(view(&shown), view(&with_hidden));
                for m in &hidden {
                    let r = live.iter().find(|r| r.id == m.id);
                    proptest::prop_assert!(r.is_some_and(|r| !may_see(&viewer, r)));
                }
            }
        }
    }

    #[test]
    fn travel_documents_are_found_by_number_until_replaced_or_archived() {
        let (mut idx, ivan, _) = sample();
        let by_doc = |n: &str| Query { document: DocumentNumber::parse(n).ok(), limit: 10, ..Query::default() };
        let doc = stolen("YA1234567");
        let before = idx.len();
        idx.upsert(&doc);
        assert_eq!(idx.len(), before + 1);
        let found = idx.search(&Viewer::agency(agency("DEU")), &by_doc("YA 123 4567"));
        assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), vec![doc.id]);
        assert!(found[0].explanation.features[0].detail.contains("same number"), "{found:?}");
        let ocr = idx.search(&Viewer::agency(agency("DEU")), &by_doc("YA12345G7"));
        assert_eq!(ocr.first().map(|m| m.id), Some(doc.id));

        // An update replaces the number; the old one no longer finds it.
        let renumbered = Record { version: 2, ..stolen("YB7654321") };
        let renumbered = Record { id: doc.id, ..renumbered };
        idx.upsert(&renumbered);
        assert_eq!(idx.len(), before + 1);
        assert!(idx.search(&Viewer::agency(agency("DEU")), &by_doc("YA1234567")).is_empty());
        assert_eq!(
            idx.search(&Viewer::agency(agency("DEU")), &by_doc("YB7654321")).first().map(|m| m.id),
            Some(doc.id)
        );

        idx.upsert(&Record { state: RecordState::Archived, ..renumbered });
        assert_eq!(idx.len(), before);
        assert!(idx.search(&Viewer::agency(agency("DEU")), &by_doc("YB7654321")).is_empty());
        // The person's passport is still there.
        assert_eq!(
            idx.search(&Viewer::agency(agency("DEU")), &by_doc("720000123")).first().map(|m| m.id),
            Some(ivan.id)
        );
    }

    #[test]
    fn archived_records_leave_the_index() {
        let (mut idx, ivan, _) = sample();
        let archived = Record { state: RecordState::Archived, ..ivan.clone() };
        idx.upsert(&archived);
        assert!(
            !idx.search(&Viewer::agency(agency("DEU")), &q("Ivan Petrovich Sidorov")).iter().any(|m| m.id == ivan.id)
        );
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
