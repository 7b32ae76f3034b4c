//! Enrolment, search, export: the service over the galleries and the
//! store's biometric handle.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tocsin_bio::finger::Print;
use tocsin_bio::{Decision, Format, Image, ImageKind, Thresholds, an2k, face, fmr};
use tocsin_core::access::may_see;
use tocsin_core::auth::Permission;
use tocsin_core::record::{
    AccessRule, Attachment, Biometric, FaceTemplate, FingerTemplate, Record, RecordBody, RecordId,
};
use tocsin_store::{Actor, Candidate, Enrolment, Store, StoreError};

use crate::gallery::{Galleries, Side};
use crate::{AbisError, FaceModel, Options};

/// Most finger views in one enrolment or probe.
const MAX_VIEWS: usize = 20;
/// Most minutiae in one view (the ISO/ANSI records' count is one byte).
const MAX_MINUTIAE: usize = 255;
/// Most candidates a search lists.
pub const MAX_LIMIT: usize = 100;

/// The service. Its galleries follow the store from [`Abis::start`] on.
pub struct Abis {
    store: Arc<Store>,
    options: Options,
    galleries: Arc<RwLock<Galleries>>,
    /// Biometric records written, waiting for the galleries' write lock:
    /// a writer never waits for a search to end.
    pending: Arc<Mutex<Vec<Record>>>,
}

/// Applies the records waiting, if the galleries are free (a search in
/// progress leaves them for the next writer or search).
fn drain(galleries: &RwLock<Galleries>, pending: &Mutex<Vec<Record>>) {
    if let Ok(mut g) = galleries.try_write() {
        let waiting = std::mem::take(&mut *pending.lock().unwrap_or_else(PoisonError::into_inner));
        waiting.iter().for_each(|r| g.upsert(r));
    }
}

impl std::fmt::Debug for Abis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Abis").field("options", &self.options).finish_non_exhaustive()
    }
}

/// A template given as JSON for enrolment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    /// The person record (of the caller's agency) it describes.
    pub subject: RecordId,
    /// A face template.
    pub face: Option<FaceTemplate>,
    /// Finger views.
    pub fingers: Option<Vec<FingerTemplate>>,
    /// Who may see it; the subject's rule when absent.
    pub access: Option<AccessRule>,
}

/// What a search compares: a face template or finger views.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// A face template.
    pub face: Option<FaceTemplate>,
    /// Finger views.
    pub fingers: Option<Vec<FingerTemplate>>,
}

/// One candidate as the searcher is shown it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shown {
    /// The biometric record.
    pub record: RecordId,
    /// The person record it describes.
    pub subject: RecordId,
    /// Its owner.
    pub owner: String,
    /// The exact score.
    pub score: f64,
    /// Place in the list, from 1.
    pub rank: u32,
    /// How it matched.
    pub explanation: serde_json::Value,
    /// `pending` until an examiner decides.
    pub status: String,
}

/// A search's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The search, to decide its candidates by.
    pub search: String,
    /// `face` or `finger`.
    pub modality: String,
    /// The model compared under.
    pub model: String,
    /// What the best score says.
    pub decision: Decision,
    /// The thresholds it was decided by.
    pub thresholds: Thresholds,
    /// The candidates, best first (at or above the lower threshold).
    pub candidates: Vec<Shown>,
}

fn sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

impl Abis {
    /// The service, its galleries following the store: create it before
    /// the store builds its screening index (`Store::enable_screening`, or
    /// `join_cluster`), which hands it every record in the same pass.
    pub fn new(store: Arc<Store>, options: Options) -> Arc<Abis> {
        let galleries = Arc::new(RwLock::new(Galleries::new(options.clone())));
        let pending = Arc::new(Mutex::new(Vec::new()));
        let (g, p) = (galleries.clone(), pending.clone());
        store.biometrics().follow(move |r| {
            if matches!(r.data.body, RecordBody::Biometric(_)) {
                p.lock().unwrap_or_else(PoisonError::into_inner).push(r.clone());
                drain(&g, &p);
            }
        });
        Arc::new(Abis { store, options, galleries, pending })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Records held, and face templates per model.
    pub fn size(&self) -> (usize, Vec<(String, usize)>) {
        drain(&self.galleries, &self.pending);
        let g = self.galleries.read().unwrap_or_else(PoisonError::into_inner);
        (g.len(), g.faces())
    }

    fn model(&self, field: &str, f: &FaceTemplate) -> Result<&FaceModel, AbisError> {
        let key = format!("{}@{}", f.model, f.version);
        self.options.face_models.iter().find(|m| m.key() == key).ok_or_else(|| {
            let known: Vec<String> = self.options.face_models.iter().map(FaceModel::key).collect();
            AbisError::invalid(
                format!("{field}.model"),
                format!("{key} is not a model this server takes (--face-model; it takes: {})", known.join(", ")),
            )
        })
    }

    /// A face template checked against its model and normalized.
    fn face(&self, field: &str, f: FaceTemplate) -> Result<FaceTemplate, AbisError> {
        let model = self.model(field, &f)?;
        if f.vector.len() != model.dimension {
            return Err(AbisError::invalid(
                format!("{field}.vector"),
                format!("has {} values; {} makes {}", f.vector.len(), model.key(), model.dimension),
            ));
        }
        let vector = face::normalized(&f.vector)
            .ok_or_else(|| AbisError::invalid(format!("{field}.vector"), "must be finite and not all zero"))?;
        Ok(FaceTemplate { vector, ..f })
    }

    fn fingers(field: &str, views: Vec<FingerTemplate>) -> Result<Vec<FingerTemplate>, AbisError> {
        if views.len() > MAX_VIEWS {
            return Err(AbisError::invalid(field, format!("has {} views; at most {MAX_VIEWS}", views.len())));
        }
        for (i, v) in views.iter().enumerate() {
            let at = format!("{field}[{i}]");
            if v.position > 10 {
                return Err(AbisError::invalid(format!("{at}.position"), "a finger position is 0 to 10"));
            }
            if v.minutiae.len() > MAX_MINUTIAE {
                return Err(AbisError::invalid(format!("{at}.minutiae"), format!("at most {MAX_MINUTIAE}")));
            }
            if let Some(j) = v.minutiae.iter().position(|m| m.angle >= 360 || m.x > 100_000 || m.y > 100_000) {
                return Err(AbisError::invalid(
                    format!("{at}.minutiae[{j}]"),
                    "angle 0 to 359, x and y at most 100000 (10 µm units)",
                ));
            }
        }
        Ok(views)
    }

    /// Enrols a template given as JSON.
    pub async fn enrol(&self, actor: &Actor, input: EnrolInput) -> Result<Record, AbisError> {
        let face = input.face.map(|f| self.face("face", f)).transpose()?;
        let fingers = Abis::fingers("fingers", input.fingers.unwrap_or_default())?;
        if face.is_none() && fingers.is_empty() {
            return Err(AbisError::invalid("face", "a face template or finger views are needed"));
        }
        let biometric = Biometric { subject: input.subject, face, fingers, attachments: vec![] };
        let e = Enrolment { biometric, images: vec![], access: input.access };
        Ok(self.store.biometrics().enrol(actor, e).await?)
    }

    /// Enrols an ANSI/NIST-ITL transaction (its minutiae, and its face and
    /// finger images as attachments) or an ISO/ANSI minutiae record.
    pub async fn enrol_file(&self, actor: &Actor, subject: RecordId, bytes: &[u8]) -> Result<Record, AbisError> {
        let (fingers, images) = read_file(bytes)?;
        let fingers = Abis::fingers("body", fingers)?;
        if fingers.iter().all(|f| f.minutiae.is_empty()) && images.is_empty() {
            return Err(AbisError::invalid("body", "holds no minutiae and no face or finger image"));
        }
        let attachments = images
            .iter()
            .enumerate()
            .map(|(n, i)| Attachment {
                n: n as u32,
                kind: i.kind.as_str().to_owned(),
                position: i.position,
                format: i.format.clone(),
                bytes: i.data.len() as u64,
                sha256: sha256(&i.data),
            })
            .collect();
        let biometric = Biometric { subject, face: None, fingers, attachments };
        let e = Enrolment { biometric, images: images.into_iter().map(|i| i.data).collect(), access: None };
        Ok(self.store.biometrics().enrol(actor, e).await?)
    }

    /// A probe read from a file: the finger views of a transaction or a
    /// minutiae record.
    pub fn probe_from_file(bytes: &[u8]) -> Result<Probe, AbisError> {
        let (fingers, _) = read_file(bytes)?;
        Ok(Probe { face: None, fingers: Some(fingers) })
    }

    /// Searches the galleries: the candidates the searcher may see, ranked
    /// by exact score, with the decision; hidden templates at or above the
    /// candidate threshold become silent candidates for their owners. The
    /// search is audited with its data type and purpose, never the probe.
    pub async fn search(&self, actor: &Actor, probe: Probe, limit: usize) -> Result<Answer, AbisError> {
        if !actor.may(Permission::ReadRecords) {
            return Err(StoreError::Forbidden(format!("role {} may not search", actor.role)).into());
        }
        if actor.purpose.is_none() {
            return Err(AbisError::invalid("purpose", "a biometric search says why it is made"));
        }
        let limit = limit.clamp(1, MAX_LIMIT);
        let search = uuid::Uuid::now_v7().to_string();
        let (modality, model, thresholds, visible, hidden) = match (probe.face, probe.fingers) {
            (Some(f), None) => {
                let f = self.face("face", f)?;
                let model = self.model("face", &f)?;
                let (key, thresholds) = (model.key(), model.thresholds);
                let (visible, hidden) = self.face_search(actor, &key, f.vector, limit).await?;
                ("face", key, thresholds, visible, hidden)
            }
            (None, Some(views)) => {
                let views = Abis::fingers("fingers", views)?;
                if views.iter().all(|v| v.minutiae.len() < 3) {
                    return Err(AbisError::invalid("fingers", "at least one view with 3 minutiae or more"));
                }
                let (visible, hidden) = self.finger_search(actor, views, limit).await?;
                ("finger", "minutiae".to_owned(), self.options.finger, visible, hidden)
            }
            _ => return Err(AbisError::invalid("face", "give either a face template or finger views")),
        };
        let decision = thresholds.decide(visible.first().map(|(_, s, _)| *s));
        let time = time::OffsetDateTime::now_utc();
        let candidate = |(r, score, explanation): (Record, f32, serde_json::Value), rank: usize, shown: bool| {
            let RecordBody::Biometric(b) = &r.data.body else { return None };
            Some(Candidate {
                search: search.clone(),
                record: r.id,
                subject: b.subject,
                owner: r.owner,
                level: r.data.level,
                searcher: actor.agency,
                user: actor.user.clone(),
                purpose: actor.purpose.clone(),
                modality: modality.to_owned(),
                model: model.clone(),
                score: f64::from(score),
                rank: rank as u32 + 1,
                shown,
                explanation,
                status: "pending".to_owned(),
                time,
                decided_by: None,
                decided_at: None,
                hit: None,
            })
        };
        let shown: Vec<Candidate> = visible
            .into_iter()
            .filter(|(_, s, _)| *s >= thresholds.inconclusive)
            .take(limit)
            .enumerate()
            .filter_map(|(i, c)| candidate(c, i, true))
            .collect();
        let silent: Vec<Candidate> = hidden
            .into_iter()
            .filter(|(_, s, _)| *s >= thresholds.candidate)
            .enumerate()
            .filter_map(|(i, c)| candidate(c, i, false))
            .collect();
        let answer = Answer {
            search: search.clone(),
            modality: modality.to_owned(),
            model: model.clone(),
            decision,
            thresholds,
            candidates: shown
                .iter()
                .map(|c| Shown {
                    record: c.record,
                    subject: c.subject,
                    owner: c.owner.to_string(),
                    score: c.score,
                    rank: c.rank,
                    explanation: c.explanation.clone(),
                    status: c.status.clone(),
                })
                .collect(),
        };
        let mut all = shown;
        all.extend(silent);
        self.store.biometrics().record_search(actor, &search, modality, all).await?;
        Ok(answer)
    }

    /// Scored records of each side, best first, exact.
    async fn face_search(
        &self,
        actor: &Actor,
        key: &str,
        probe: Vec<f32>,
        limit: usize,
    ) -> Result<(Scored, Scored), AbisError> {
        drain(&self.galleries, &self.pending);
        let galleries = self.galleries.clone();
        let (viewer, model) = (actor.viewer(), key.to_owned());
        // The shortlist is wider than the list: f16 and graph scores are
        // within a thousandth of the exact ones, re-ranked below.
        let k = limit * 2 + 8;
        let (probe, visible, hidden) = tokio::task::spawn_blocking(move || {
            let g = galleries.read().unwrap_or_else(PoisonError::into_inner);
            let visible = g.face_shortlist(&model, &probe, k, &viewer, Side::Visible);
            let hidden = g.face_shortlist(&model, &probe, k, &viewer, Side::Hidden);
            (probe, visible, hidden)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("the face search stopped: {e}")))?;
        let exact = |records: Vec<Record>| -> Scored {
            let mut v: Scored = records
                .into_iter()
                .filter_map(|r| {
                    let RecordBody::Biometric(b) = &r.data.body else { return None };
                    let f = b.face.as_ref().filter(|f| format!("{}@{}", f.model, f.version) == key)?;
                    let score = face::cosine(&probe, &f.vector);
                    Some((r, score, serde_json::json!({ "model": key, "cosine": score })))
                })
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
            v
        };
        let (visible, hidden) = self.current(actor, &visible, &hidden).await?;
        Ok((exact(visible), exact(hidden)))
    }

    async fn finger_search(
        &self,
        actor: &Actor,
        views: Vec<FingerTemplate>,
        limit: usize,
    ) -> Result<(Scored, Scored), AbisError> {
        drain(&self.galleries, &self.pending);
        let galleries = self.galleries.clone();
        let viewer = actor.viewer();
        // Wider than the list: records the store no longer lists are dropped below.
        let k = limit * 2 + 8;
        let (visible, hidden) = tokio::task::spawn_blocking(move || {
            let prints: Vec<(u8, Print)> = views.iter().map(|v| (v.position, Print::new(&v.minutiae))).collect();
            let g = galleries.read().unwrap_or_else(PoisonError::into_inner);
            let visible = g.finger_search(&prints, k, &viewer, Side::Visible);
            let hidden = g.finger_search(&prints, k, &viewer, Side::Hidden);
            (visible, hidden)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("the fingerprint search stopped: {e}")))?;
        let ids = |v: &[(RecordId, f32, Vec<crate::gallery::FingerScore>)]| -> Vec<(RecordId, f32)> {
            v.iter().map(|(id, s, _)| (*id, *s)).collect()
        };
        let (shown, unseen) = self.current(actor, &ids(&visible), &ids(&hidden)).await?;
        let scored = |records: Vec<Record>, found: &[(RecordId, f32, Vec<crate::gallery::FingerScore>)]| -> Scored {
            let mut v: Scored = records
                .into_iter()
                .filter_map(|r| {
                    let (_, score, fingers) = found.iter().find(|(id, _, _)| *id == r.id)?;
                    Some((r, *score, serde_json::json!({ "model": "minutiae", "fingers": fingers })))
                })
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
            v
        };
        Ok((scored(shown, &visible), scored(unseen, &hidden)))
    }

    /// The shortlisted records as stored now, each still on its side of the
    /// access rule (the galleries may lag a change made on another node).
    async fn current(
        &self,
        actor: &Actor,
        visible: &[(RecordId, f32)],
        hidden: &[(RecordId, f32)],
    ) -> Result<(Vec<Record>, Vec<Record>), AbisError> {
        let ids: Vec<RecordId> = visible.iter().chain(hidden).map(|(id, _)| *id).collect();
        let records = self.store.biometrics().current(&ids).await?;
        let (mut shown, mut unseen) = (vec![], vec![]);
        for r in records {
            let sees = may_see(&actor.viewer(), &r);
            if sees && visible.iter().any(|(id, _)| *id == r.id) {
                shown.push(r);
            } else if !sees && hidden.iter().any(|(id, _)| *id == r.id) {
                unseen.push(r);
            }
        }
        Ok((shown, unseen))
    }

    /// A biometric record the actor may see, as an ANSI/NIST-ITL
    /// transaction: its finger views as Type-9 records (INCITS 378 fields)
    /// and its images as Type-10 and Type-14 records.
    pub async fn export_an2k(&self, actor: &Actor, id: RecordId) -> Result<Vec<u8>, AbisError> {
        let (record, b) = self.biometric(actor, id).await?;
        let mut images = vec![];
        for a in &b.attachments {
            let data = self.store.biometrics().attachment(actor, id, a.n).await?;
            let kind = if a.kind == "face" { ImageKind::Face } else { ImageKind::Finger };
            images.push(Image { kind, position: a.position, format: a.format.clone(), data });
        }
        let date = time::OffsetDateTime::now_utc().date();
        let header = vec![
            (4, "TOCSIN".to_owned()),
            (5, format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())),
            (7, actor.agency.to_string()),
            (8, record.owner.to_string()),
            (9, record.id.to_string()),
        ];
        Ok(an2k::write(header, &b.fingers, &images).to_bytes())
    }

    /// A biometric record's finger views as an ISO/IEC 19794-2:2005 or
    /// ANSI/INCITS 378-2004 record.
    pub async fn export_fmr(&self, actor: &Actor, id: RecordId, standard: fmr::Standard) -> Result<Vec<u8>, AbisError> {
        let (_, b) = self.biometric(actor, id).await?;
        if b.fingers.is_empty() {
            return Err(AbisError::invalid("record", "has no finger views"));
        }
        Ok(fmr::FmrRecord::from_fingers(standard, &b.fingers).to_bytes())
    }

    async fn biometric(&self, actor: &Actor, id: RecordId) -> Result<(Record, Biometric), AbisError> {
        let record = self.store.get_record(actor, id).await?;
        match &record.data.body {
            RecordBody::Biometric(b) => {
                let b = b.clone();
                Ok((record, b))
            }
            _ => Err(StoreError::NotFound(format!("biometric record {id}")).into()),
        }
    }
}

/// Records with their exact score and explanation, best first.
type Scored = Vec<(Record, f32, serde_json::Value)>;

/// The finger views and images of a transaction or minutiae record.
fn read_file(bytes: &[u8]) -> Result<(Vec<FingerTemplate>, Vec<Image>), AbisError> {
    let bad = |e: tocsin_bio::Error| AbisError::invalid(format!("body ({})", e.at), e.message);
    match tocsin_bio::identify(bytes) {
        Some(Format::An2k) => {
            let t = an2k::Transaction::parse(bytes).map_err(bad)?;
            Ok((t.fingers().map_err(bad)?, t.images()))
        }
        Some(Format::Fmr) => Ok((fmr::FmrRecord::parse(bytes).map_err(bad)?.fingers(), vec![])),
        _ => Err(AbisError::invalid(
            "body",
            "not an ANSI/NIST-ITL transaction (traditional encoding) or an ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004 minutiae record",
        )),
    }
}
