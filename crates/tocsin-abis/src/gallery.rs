//! The galleries: every active biometric record's face template in the
//! index of its model, and its finger views prepared for the matcher, each
//! with the parts of the record that decide who may see it.
//!
//! A search names the side of the access rule it wants: the templates the
//! searcher may see (its candidate list) or those it may not (silent
//! candidates for their owners). The rule is applied before a template is
//! scored, so a hidden template never takes a place in the searcher's
//! shortlist.

use std::collections::HashMap;

use tocsin_bio::face::{ExactScan, FaceIndex, Hnsw, HnswSettings, Slot};
use tocsin_bio::finger::{Print, compare};
use tocsin_core::AgencyCode;
use tocsin_core::access::{Viewer, may_see_parts};
use tocsin_core::level::Level;
use tocsin_core::record::{AccessRule, Record, RecordBody, RecordId, RecordState};

use crate::{IndexKind, Options};

/// Which side of the access rule a search scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What the searcher may see.
    Visible,
    /// What it may not.
    Hidden,
}

/// The owner, access rule and level a group of records shares.
type Class = (AgencyCode, AccessRule, Level);

struct Entry {
    id: RecordId,
    owner: AgencyCode,
    access: AccessRule,
    level: Level,
    face: Option<String>,
    fingers: Vec<(u8, Print)>,
}

/// One finger's comparison, for the explanation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FingerScore {
    /// The probe finger's position.
    pub position: u8,
    /// The score.
    pub score: f32,
    /// Minutiae paired.
    pub paired: usize,
}

/// The galleries of one node.
pub struct Galleries {
    options: Options,
    slots: HashMap<RecordId, Slot>,
    entries: Vec<Option<Entry>>,
    free: Vec<Slot>,
    /// Per model, an index per class (the owner and access rule its
    /// records share): a search opens only the classes on its side of the
    /// rule, so a template on the other side is never read, and an
    /// approximate graph is never walked through one.
    faces: HashMap<String, HashMap<Class, Box<dyn FaceIndex>>>,
    /// The latest version seen of every biometric record, held or not (an
    /// archived one's too), so that an older copy delivered late changes
    /// nothing.
    seen: HashMap<RecordId, u64>,
}

impl Galleries {
    /// Empty galleries for the configured models.
    pub fn new(options: Options) -> Galleries {
        Galleries {
            options,
            slots: HashMap::new(),
            entries: vec![],
            free: vec![],
            faces: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Face templates held per model.
    pub fn faces(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> =
            self.faces.iter().map(|(k, classes)| (k.clone(), classes.values().map(|i| i.len()).sum())).collect();
        v.sort();
        v
    }

    /// Adds, replaces or removes a biometric record (an archived one is
    /// removed); a version no newer than the latest seen is ignored, so a
    /// record delivered twice, or late, changes nothing.
    pub fn upsert(&mut self, r: &Record) {
        let RecordBody::Biometric(b) = &r.data.body else { return };
        if self.seen.get(&r.id).is_some_and(|v| *v >= r.version) {
            return;
        }
        self.seen.insert(r.id, r.version);
        if let Some(&slot) = self.slots.get(&r.id) {
            self.remove(slot);
        }
        if r.state != RecordState::Active {
            return;
        }
        let slot = self.free.pop().unwrap_or(self.entries.len() as Slot);
        let face = b.face.as_ref().and_then(|f| {
            let key = format!("{}@{}", f.model, f.version);
            let model = self.options.face_models.iter().find(|m| m.key() == key)?;
            let (dim, kind) = (model.dimension, self.options.index);
            let class = (r.owner, r.data.access.clone(), r.data.level);
            let index = self.faces.entry(key.clone()).or_default().entry(class).or_insert_with(|| match kind {
                IndexKind::Exact => Box::new(ExactScan::new(dim)),
                IndexKind::Hnsw => Box::new(Hnsw::new(dim, 10_000, HnswSettings::default())),
            });
            (f.vector.len() == dim).then(|| index.insert(slot, &f.vector)).map(|()| key)
        });
        let fingers = b.fingers.iter().map(|f| (f.position, Print::new(&f.minutiae))).collect();
        let entry =
            Entry { id: r.id, owner: r.owner, access: r.data.access.clone(), level: r.data.level, face, fingers };
        if slot as usize == self.entries.len() {
            self.entries.push(Some(entry));
        } else {
            self.entries[slot as usize] = Some(entry);
        }
        self.slots.insert(r.id, slot);
    }

    fn remove(&mut self, slot: Slot) {
        if let Some(e) = self.entries[slot as usize].take() {
            let class = (e.owner, e.access, e.level);
            if let Some(index) = e.face.and_then(|k| self.faces.get_mut(&k)).and_then(|c| c.get_mut(&class)) {
                index.remove(slot);
            }
            self.slots.remove(&e.id);
            self.free.push(slot);
        }
    }

    fn admits(&self, slot: Slot, viewer: &Viewer, side: Side) -> bool {
        self.entries.get(slot as usize).and_then(Option::as_ref).is_some_and(|e| {
            may_see_parts(viewer, &e.owner, RecordState::Active, &e.access, e.level) == (side == Side::Visible)
        })
    }

    /// Up to `k` records of `side` whose face template of `model` is
    /// nearest the probe, with the index's (approximate) score.
    pub fn face_shortlist(
        &self,
        model: &str,
        probe: &[f32],
        k: usize,
        viewer: &Viewer,
        side: Side,
    ) -> Vec<(RecordId, f32)> {
        let Some(classes) = self.faces.get(model) else { return vec![] };
        let mut found: Vec<(Slot, f32)> = classes
            .iter()
            .filter(|((owner, rule, level), _)| {
                may_see_parts(viewer, owner, RecordState::Active, rule, *level) == (side == Side::Visible)
            })
            .flat_map(|(_, index)| index.shortlist(probe, k, &|_| true))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(k);
        found.into_iter().filter_map(|(slot, score)| Some((self.entries[slot as usize].as_ref()?.id, score))).collect()
    }

    /// The `k` best records of `side` for the probe's finger views, each
    /// compared with the record's views of the same finger (position 0,
    /// unknown, with every view): a record's score is its best finger's.
    pub fn finger_search(
        &self,
        probe: &[(u8, Print)],
        k: usize,
        viewer: &Viewer,
        side: Side,
    ) -> Vec<(RecordId, f32, Vec<FingerScore>)> {
        let mut found: Vec<(RecordId, f32, Vec<FingerScore>)> = vec![];
        for (slot, entry) in self.entries.iter().enumerate() {
            let Some(e) = entry else { continue };
            if e.fingers.is_empty() || !self.admits(slot as Slot, viewer, side) {
                continue;
            }
            let scores: Vec<FingerScore> = probe
                .iter()
                .map(|(position, print)| {
                    let best = e
                        .fingers
                        .iter()
                        .filter(|(p, _)| *position == 0 || *p == 0 || p == position)
                        .map(|(_, g)| compare(print, g))
                        .max_by(|a, b| a.score.total_cmp(&b.score));
                    let best = best.unwrap_or(tocsin_bio::finger::Comparison { score: 0.0, paired: 0 });
                    FingerScore { position: *position, score: best.score, paired: best.paired }
                })
                .collect();
            let score = scores.iter().map(|s| s.score).fold(0.0, f32::max);
            if score > 0.0 {
                found.push((e.id, score, scores));
            }
        }
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(k);
        found
    }
}
