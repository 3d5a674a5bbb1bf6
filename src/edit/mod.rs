//! Edits of the `sites` table: a written feature read and checked by the rules of `sites.csv`
//! ([`feature`]), the durable log of changes ([`crate::store`]), the bundled rows with the
//! changes applied in order ([`Edits`]), the bearer tokens of the editors ([`tokens`]), and the
//! other rows a write changes to keep `overlaps_with` symmetric ([`links`]).

pub mod feature;
pub mod links;
pub mod tokens;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::atlas::AtlasConfig;
use crate::load::{
    read_site_records, sites_from_records, validate_site, LoadError, Problem, Problems, Severity,
    SiteRecord,
};
use crate::store::{Change, Store, StoreError};

pub use feature::{
    check_record, feature_of_record, merge_patch, read_feature, record_from_feature, FieldError,
};
pub use tokens::{Role, TokenError, Tokens};

/// The edits could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// The current site records: the bundled rows with every change of the store applied.
#[derive(Debug, Clone, Default)]
pub struct EditState {
    /// In export order: the bundled file's rows, then sites created since.
    pub records: Vec<SiteRecord>,
    /// Each site's version: its last change's (0 for a bundled row never changed).
    pub versions: HashMap<String, i64>,
    /// Ids whose last change retired them.
    pub retired: HashSet<String>,
    /// Changes that could not be applied at start-up, each naming its change number.
    pub problems: Problems,
    /// The last change applied.
    pub last_seq: i64,
}

impl EditState {
    /// The index of the record with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.records.iter().position(|r| r.id() == id)
    }

    /// The ETag of a site's current version: its version and a digest of its text, so that a
    /// bundled row changed by a release also gets a new tag.
    pub fn etag(&self, id: &str) -> Option<String> {
        let r = &self.records[self.position(id)?];
        Some(etag_of(r, self.versions.get(id).copied().unwrap_or(0)))
    }

    /// Errors of the whole table (duplicate ids, one-sided `overlaps_with` links, ...), without
    /// line numbers, to compare before and after an edit.
    pub fn table_errors(records: &[SiteRecord]) -> Vec<String> {
        let mut problems = Problems::default();
        sites_from_records(records, &mut problems);
        let mut out: Vec<String> = problems
            .errors()
            .map(|p| {
                format!(
                    "{}: {} ({})",
                    p.column.as_deref().unwrap_or(""),
                    p.reason,
                    p.value.as_deref().unwrap_or("")
                )
            })
            .collect();
        out.sort();
        out
    }

    /// The records with each `(id, record)` write made in order (`None`: the site retired).
    pub fn with_writes(&self, writes: &[(String, Option<SiteRecord>)]) -> Vec<SiteRecord> {
        let mut next = self.records.clone();
        for (id, record) in writes {
            let pos = next.iter().position(|r| r.id() == id);
            match (pos, record) {
                (Some(i), Some(r)) => next[i] = r.clone(),
                (None, Some(r)) => next.push(r.clone()),
                (Some(i), None) => {
                    next.remove(i);
                }
                (None, None) => {}
            }
        }
        next
    }

    /// The errors of the table `next` that the current records do not have: a write may not
    /// add any, but need not mend those it found.
    pub fn new_errors(&self, next: &[SiteRecord]) -> Vec<String> {
        let old_errors = EditState::table_errors(&self.records);
        let mut new_errors = EditState::table_errors(next);
        for e in &old_errors {
            if let Some(k) = new_errors.iter().position(|n| n == e) {
                new_errors.remove(k);
            }
        }
        new_errors
    }

    /// Applies a committed change to the records.
    pub fn apply(&mut self, change: &Change, record: Option<SiteRecord>) {
        let pos = self.position(&change.feature_id);
        match (pos, record) {
            (Some(i), Some(r)) => self.records[i] = r,
            (None, Some(r)) => self.records.push(r),
            (Some(i), None) => {
                self.records.remove(i);
            }
            (None, None) => {}
        }
        if change.after.is_some() {
            self.retired.remove(&change.feature_id);
        } else {
            self.retired.insert(change.feature_id.clone());
        }
        self.versions
            .insert(change.feature_id.clone(), change.version);
        self.last_seq = change.seq;
    }
}

/// The ETag of a record at a version.
pub fn etag_of(record: &SiteRecord, version: i64) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for f in &record.fields {
        h.update(f.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    format!("\"{version}-{}\"", hex::encode(&digest[..6]))
}

/// The edits of a running server: the store and the current records, one writer at a time.
#[derive(Debug)]
pub struct Edits {
    pub store: Store,
    sites_csv: PathBuf,
    state: Mutex<EditState>,
    /// Each site's ETag and the retired ids, as of the snapshot being served: the read routes
    /// look here rather than wait for the edit lock during a write.
    published: std::sync::RwLock<Published>,
    /// The last change the served snapshot holds. Held for the whole of a rebuild, so rebuilds
    /// run one at a time and a writer that waited here finds its change already served when a
    /// rebuild started after its commit (one rebuild for the writes committed meanwhile).
    installed: Mutex<i64>,
}

/// What the read routes need of the edits.
#[derive(Debug, Default)]
struct Published {
    etags: HashMap<String, String>,
    retired: HashSet<String>,
}

impl Edits {
    /// Opens (or creates) the store and applies its changes to the bundled `sites.csv` of
    /// `data_dir`.
    pub fn open(store: &Path, data_dir: &Path) -> Result<Arc<Edits>, EditError> {
        let store = Store::open(store)?;
        let sites_csv = data_dir.join("sites.csv");
        let state = replay(&store, &sites_csv)?;
        let edits = Edits {
            store,
            sites_csv,
            state: Mutex::new(EditState::default()),
            published: Default::default(),
            installed: Mutex::new(state.last_seq),
        };
        edits.publish(&state);
        *edits.lock() = state;
        Ok(Arc::new(edits))
    }

    /// Makes the state's ETags and retired ids those the read routes see (call once its
    /// snapshot is being served).
    pub fn publish(&self, state: &EditState) {
        let etags = state
            .records
            .iter()
            .map(|r| {
                let id = r.id().to_string();
                let tag = etag_of(r, state.versions.get(&id).copied().unwrap_or(0));
                (id, tag)
            })
            .collect();
        let mut p = self.published.write().unwrap_or_else(|p| p.into_inner());
        *p = Published {
            etags,
            retired: state.retired.clone(),
        };
    }

    /// The ETag of a site as served.
    pub fn etag(&self, id: &str) -> Option<String> {
        let p = self.published.read().unwrap_or_else(|p| p.into_inner());
        p.etags.get(id).cloned()
    }

    /// Whether a site was retired (a GET answers 410).
    pub fn is_retired(&self, id: &str) -> bool {
        let p = self.published.read().unwrap_or_else(|p| p.into_inner());
        p.retired.contains(id)
    }

    /// The state, held for the whole of one write's check and commit (or a reload): writes
    /// are serialised here. Never wait for [`Edits::installed`] while holding it.
    pub fn lock(&self) -> MutexGuard<'_, EditState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last change of the served snapshot, held while a new snapshot is built and swapped
    /// in (take it before [`Edits::lock`], never after).
    pub fn installed(&self) -> MutexGuard<'_, i64> {
        self.installed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-reads the bundled file and the store (a reload after a release).
    pub fn reread(&self, state: &mut EditState) -> Result<(), EditError> {
        *state = replay(&self.store, &self.sites_csv)?;
        Ok(())
    }

    /// The configuration that builds the atlas from these records.
    pub fn config(state: &EditState, base: &AtlasConfig) -> AtlasConfig {
        let mut config = base.clone();
        config.sites = Some(Arc::new(state.records.clone()));
        config
    }
}

/// The bundled rows with the store's changes applied in order. A change is applied when the
/// site is as the change found it; when the site already is as the change left it (a release
/// took the change into `sites.csv`) it is passed over; otherwise (the bundled row changed, or
/// a release created the same id) it is reported with its number and not applied, as is a
/// change that no longer passes the rules of a site row.
pub fn replay(store: &Store, sites_csv: &Path) -> Result<EditState, EditError> {
    let mut state = EditState::default();
    let mut problems = Problems::default();
    state.records = read_site_records(sites_csv, &mut problems)?;
    let origin = |c: &Change| format!("{} change {}", store.path().display(), c.seq);
    for change in store.changes_since(0)? {
        let current = state
            .position(&change.feature_id)
            .map(|i| state.records[i].to_json());
        let report = |reason: String| Problem {
            severity: Severity::Error,
            file: store.path().display().to_string(),
            line: None,
            column: Some("change".into()),
            value: Some(change.seq.to_string()),
            reason: format!(
                "change {} to site {} (by {}, {}): {reason}; change not applied",
                change.seq, change.feature_id, change.author, change.time
            ),
        };
        if current == change.after {
            state
                .versions
                .insert(change.feature_id.clone(), change.version);
            state.last_seq = change.seq;
            continue;
        }
        if current != change.before {
            state.problems.push(report(if change.before.is_none() {
                "it creates a site whose id the bundled data now has".into()
            } else {
                "the site is no longer as the change found it (the bundled data changed)".into()
            }));
            continue;
        }
        let record = match &change.after {
            None => None,
            Some(v) => match SiteRecord::from_json(v, origin(&change)) {
                None => {
                    state
                        .problems
                        .push(report("its record is not an object of text fields".into()));
                    continue;
                }
                Some(r) => {
                    let (site, p) = validate_site(&r);
                    if site.is_none() {
                        let why: Vec<String> = p.errors().map(|e| e.to_string()).collect();
                        state.problems.push(report(format!(
                            "it no longer passes the rules of a site row: {}",
                            why.join("; ")
                        )));
                        continue;
                    }
                    Some(r)
                }
            },
        };
        state.apply(&change, record);
    }
    state.problems.0.splice(0..0, problems.0);
    Ok(state)
}

/// Writes site records as `sites.csv` (the bundled file's columns, quoting and CRLF line ends):
/// with no change applied it reproduces the bundled file byte for byte. Text is written as it
/// is, for the data file; the CSV export of the API neutralises formula-like cells instead.
pub fn write_sites_csv(records: &[SiteRecord], out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(crate::load::SITE_COLUMNS)?;
    for r in records {
        w.write_record(r.fields.iter().map(|f| f.as_deref().unwrap_or("")))?;
    }
    w.flush()?;
    Ok(())
}
