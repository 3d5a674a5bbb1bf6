//! The durable store of edits: an SQLite file (WAL, `synchronous=FULL`) holding every change to
//! a site, in order, with its author, time, comment and the whole record before and after.
//!
//! The store is the only thing a write changes on disk; the bundled `sites.csv` stays as
//! released, and start-up applies the changes to it in order (see [`crate::edit`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

/// The store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("edit store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("edit store {path}: change {seq} holds invalid JSON: {reason}")]
    Corrupt {
        path: PathBuf,
        seq: i64,
        reason: String,
    },
}

/// One committed change to a site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Position in the store, 1, 2, ...: the order changes are applied in.
    pub seq: i64,
    pub feature_id: String,
    /// The site's version after this change (1 for its first change).
    pub version: i64,
    /// The name of the token that wrote it.
    pub author: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub comment: Option<String>,
    /// The record before (`None` for a creation) and after (`None` for a retirement).
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    /// The fields whose text differs between the record before and after.
    pub fn fields_changed(&self) -> Vec<String> {
        let get = |v: &Option<Value>, k: &str| {
            v.as_ref()
                .and_then(|v| v.get(k))
                .filter(|v| !v.is_null())
                .cloned()
        };
        crate::load::SITE_COLUMNS
            .iter()
            .filter(|k| get(&self.before, k) != get(&self.after, k))
            .map(|k| k.to_string())
            .collect()
    }
}

/// A change to append (its number, version and time are given by the store).
#[derive(Debug, Clone)]
pub struct NewChange {
    pub feature_id: String,
    pub author: String,
    pub comment: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The SQLite store; one connection, used by one writer at a time.
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    feature_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    author TEXT NOT NULL,
    time TEXT NOT NULL,
    comment TEXT,
    before TEXT,
    after TEXT,
    UNIQUE (feature_id, version)
);
";

impl Store {
    /// Opens the store, creating the file and its table on first use.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        // WAL: readers never block the writer; FULL: a commit is on disk before it returns, so
        // nothing is acknowledged that a crash or power cut could lose.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every change after `since`, in order.
    pub fn changes_since(&self, since: i64) -> Result<Vec<Change>, StoreError> {
        self.query(
            "SELECT seq, feature_id, version, author, time, comment, before, after FROM changes WHERE seq > ?1 ORDER BY seq",
            params![since],
        )
    }

    /// The changes of one site, oldest first.
    pub fn history(&self, feature_id: &str) -> Result<Vec<Change>, StoreError> {
        self.query(
            "SELECT seq, feature_id, version, author, time, comment, before, after FROM changes WHERE feature_id = ?1 ORDER BY seq",
            params![feature_id],
        )
    }

    fn query(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Change>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, feature_id, version, author, time, comment, before, after) =
                row.map_err(|e| self.err(e))?;
            let parse = |t: Option<String>| -> Result<Option<Value>, StoreError> {
                t.map(|t| serde_json::from_str(&t))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        seq,
                        reason: e.to_string(),
                    })
            };
            out.push(Change {
                seq,
                feature_id,
                version,
                author,
                time,
                comment,
                before: parse(before)?,
                after: parse(after)?,
            });
        }
        Ok(out)
    }

    /// Appends a change in one transaction; when this returns `Ok` the change is on disk.
    pub fn append(&self, change: NewChange) -> Result<Change, StoreError> {
        let mut all = self.append_all(change, |_| Vec::new())?;
        Ok(all.remove(0))
    }

    /// Appends `first` and then the changes `follow` makes of its number, all in one
    /// transaction: when this returns `Ok` every one is on disk, otherwise none is. The
    /// follow-up changes are made once `first` has its number so that they can name it (a
    /// change made to keep links symmetric says which change it goes with).
    pub fn append_all(
        &self,
        first: NewChange,
        follow: impl FnOnce(i64) -> Vec<NewChange>,
    ) -> Result<Vec<Change>, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        // One time for the group: its changes are one edit.
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut out = vec![self.insert(&tx, first, &time)?];
        for change in follow(out[0].seq) {
            out.push(self.insert(&tx, change, &time)?);
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// Inserts one change in an open transaction; its version counts the rows inserted before
    /// it in the same transaction.
    fn insert(
        &self,
        tx: &rusqlite::Transaction<'_>,
        change: NewChange,
        time: &str,
    ) -> Result<Change, StoreError> {
        let last: Option<i64> = tx
            .query_row(
                "SELECT max(version) FROM changes WHERE feature_id = ?1",
                params![change.feature_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        let version = last.unwrap_or(0) + 1;
        let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
        tx.execute(
            "INSERT INTO changes (feature_id, version, author, time, comment, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                change.feature_id,
                version,
                change.author,
                time,
                change.comment,
                text(&change.before),
                text(&change.after)
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(Change {
            seq: tx.last_insert_rowid(),
            feature_id: change.feature_id,
            version,
            author: change.author,
            time: time.to_string(),
            comment: change.comment,
            before: change.before,
            after: change.after,
        })
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edits.sqlite");
        let store = Store::open(&path).unwrap();
        let a = store
            .append(NewChange {
                feature_id: "xj-a".into(),
                author: "ed".into(),
                comment: Some("new".into()),
                before: None,
                after: Some(serde_json::json!({"id": "xj-a"})),
            })
            .unwrap();
        let b = store
            .append(NewChange {
                feature_id: "xj-a".into(),
                author: "ed".into(),
                comment: None,
                before: a.after.clone(),
                after: None,
            })
            .unwrap();
        assert_eq!((a.seq, a.version, b.seq, b.version), (1, 1, 2, 2));
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.changes_since(0).unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(store.changes_since(1).unwrap(), vec![b]);
        assert_eq!(store.history("xj-b").unwrap(), vec![]);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_group_is_stored_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edits.sqlite");
        let store = Store::open(&path).unwrap();
        let change = |id: &str, comment: String| NewChange {
            feature_id: id.into(),
            author: "ed".into(),
            comment: Some(comment),
            before: None,
            after: Some(serde_json::json!({"id": id})),
        };
        let group = store
            .append_all(change("xj-a", "link".into()), |n| {
                vec![
                    change("xj-b", format!("with change {n}")),
                    change("xj-a", "again".into()),
                ]
            })
            .unwrap();
        let got: Vec<(i64, &str, i64)> = group
            .iter()
            .map(|c| (c.seq, c.feature_id.as_str(), c.version))
            .collect();
        assert_eq!(got, [(1, "xj-a", 1), (2, "xj-b", 1), (3, "xj-a", 2)]);
        assert_eq!(group[1].comment.as_deref(), Some("with change 1"));
        assert_eq!(store.changes_since(0).unwrap(), group);
        // A follow-up that cannot be stored (a trigger refuses it) takes the first change with
        // it.
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TRIGGER no_c BEFORE INSERT ON changes WHEN NEW.feature_id = 'xj-c' BEGIN SELECT RAISE(ABORT, 'refused'); END;")
            .unwrap();
        assert!(store
            .append_all(change("xj-d", "first".into()), |_| vec![change(
                "xj-c",
                "then".into()
            )])
            .is_err());
        assert_eq!(store.changes_since(0).unwrap(), group);
    }
}
