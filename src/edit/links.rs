//! `overlaps_with` kept symmetric on write. The rules of `sites.csv` want every link listed on
//! both rows (a one-sided link would make the deduplicated sums depend on which row is read),
//! and a write names one feature: without this, linking or unlinking two existing sites would
//! take two writes, and the first, leaving a one-sided link, would be refused. So a write that
//! changes a site's links also changes the back-links of the rows it gained or lost, and all of
//! those changes are committed together (see [`crate::server`]'s write routes).

use crate::load::SiteRecord;

const COLUMN: &str = "overlaps_with";

/// The ids a record's `overlaps_with` lists (none for `None`, a site that is not there).
pub fn linked(record: Option<&SiteRecord>) -> Vec<String> {
    record
        .and_then(|r| r.get(COLUMN))
        .map(|t| {
            t.split(" | ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The other rows to change with a write that takes site `id` from its version in `records`
/// (none: a creation) to `after` (`None`: a retirement): each row linked by one version and
/// not the other, with `id` added to or removed from its `overlaps_with` and the rest of the
/// row as it is, in the order of `records`. Only the links the write changes are touched, so a
/// write that leaves them alone changes no other row. Links to no row and to the site itself
/// are left to the table's rules to refuse.
pub fn back_links(records: &[SiteRecord], id: &str, after: Option<&SiteRecord>) -> Vec<SiteRecord> {
    let old = linked(records.iter().find(|r| r.id() == id));
    let new = linked(after);
    records
        .iter()
        .filter(|r| r.id() != id)
        .filter_map(|r| {
            let other = r.id().to_string();
            let gained = new.contains(&other) && !old.contains(&other);
            let lost = old.contains(&other) && !new.contains(&other);
            let mut list = linked(Some(r));
            let lists = list.iter().any(|x| x == id);
            if gained && !lists {
                list.push(id.to_string());
            } else if lost && lists {
                list.retain(|x| x != id);
            } else {
                return None;
            }
            let mut r = r.clone();
            r.set(COLUMN, (!list.is_empty()).then(|| list.join(" | ")));
            Some(r)
        })
        .collect()
}

/// The comment of a change made to keep links symmetric with change `seq` to `id`: the
/// writer's comment, if any, then why this row changed.
pub fn note(comment: Option<&str>, seq: i64, id: &str) -> String {
    let why = format!("overlaps_with kept symmetric with change {seq} to {id}");
    match comment {
        Some(c) => format!("{c} ({why})"),
        None => why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::EditState;
    use crate::load::{read_site_records, Problems};

    fn bundled() -> Vec<SiteRecord> {
        let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/sites.csv");
        read_site_records(&csv, &mut Problems::default()).unwrap()
    }

    fn get<'a>(records: &'a [SiteRecord], id: &str) -> &'a SiteRecord {
        records.iter().find(|r| r.id() == id).expect(id)
    }

    /// The records with `changed` put in place of the rows of the same id.
    fn with(records: &[SiteRecord], changed: &[SiteRecord]) -> Vec<SiteRecord> {
        let mut out = records.to_vec();
        for c in changed {
            let i = out.iter().position(|r| r.id() == c.id()).unwrap();
            out[i] = c.clone();
        }
        out
    }

    fn set_links(r: &SiteRecord, links: &[&str]) -> SiteRecord {
        let mut r = r.clone();
        r.set(COLUMN, (!links.is_empty()).then(|| links.join(" | ")));
        r
    }

    #[test]
    fn linking_two_bundled_sites_adds_the_back_link_and_leaves_the_table_valid() {
        let records = bundled();
        assert_eq!(EditState::table_errors(&records), Vec::<String>::new());
        let a = set_links(get(&records, "xj-xinxing-tianyu"), &["xj-xinxing-guoxin"]);
        let back = back_links(&records, "xj-xinxing-tianyu", Some(&a));
        assert_eq!(back.len(), 1);
        let b = &back[0];
        assert_eq!(b.id(), "xj-xinxing-guoxin");
        assert_eq!(linked(Some(b)), ["xj-xinxing-tianyu"]);
        // Only the link changed.
        let old = get(&records, "xj-xinxing-guoxin");
        let differ: Vec<&str> = crate::load::SITE_COLUMNS
            .iter()
            .zip(old.fields.iter().zip(&b.fields))
            .filter(|(_, (x, y))| x != y)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(differ, [COLUMN]);
        // Without the back-link the table is refused; with it, valid.
        assert!(!EditState::table_errors(&with(&records, std::slice::from_ref(&a))).is_empty());
        assert_eq!(
            EditState::table_errors(&with(&records, &[a, b.clone()])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_row_with_other_links_keeps_them() {
        let records = bundled();
        // A new site linked to xj-yiwu-acc, which lists three sites: the fourth is appended.
        let mut created = set_links(get(&records, "xj-xinxing-guoxin"), &["xj-yiwu-acc"]);
        created.set("id", Some("xj-created".into()));
        let back = back_links(&records, "xj-created", Some(&created));
        assert_eq!(back.len(), 1);
        assert_eq!(linked(back.first()).last().unwrap(), "xj-created");
        // The same for an existing site.
        let a = set_links(get(&records, "xj-xinxing-guoxin"), &["xj-yiwu-acc"]);
        let back = back_links(&records, a.id(), Some(&a));
        assert_eq!(
            linked(back.first()),
            [
                "xj-yiwu-cloud-silk-road",
                "xj-yiwu-huixin",
                "xj-yiwu-windey-2000p",
                "xj-xinxing-guoxin"
            ]
        );
        assert_eq!(
            EditState::table_errors(&with(&records, &[a, back[0].clone()])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unlinking_and_retiring_remove_the_back_links() {
        let records = bundled();
        // Unlinking gs-qingyang-cmcc from gs-qingyang-suihong leaves suihong with no link.
        let a = set_links(get(&records, "gs-qingyang-cmcc"), &[]);
        let back = back_links(&records, a.id(), Some(&a));
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].id(), "gs-qingyang-suihong");
        assert_eq!(back[0].get(COLUMN), None);
        // Retiring xj-yiwu-acc takes it out of its three partners' lists.
        let back = back_links(&records, "xj-yiwu-acc", None);
        let ids: Vec<&str> = back.iter().map(SiteRecord::id).collect();
        assert_eq!(
            ids,
            [
                "xj-yiwu-cloud-silk-road",
                "xj-yiwu-huixin",
                "xj-yiwu-windey-2000p"
            ]
        );
        assert!(back.iter().all(|r| r.get(COLUMN).is_none()));
        let mut next = with(&records, &back);
        next.retain(|r| r.id() != "xj-yiwu-acc");
        assert_eq!(EditState::table_errors(&next), Vec::<String>::new());
    }

    #[test]
    fn links_the_write_leaves_alone_and_bad_links_change_no_row() {
        let records = bundled();
        // Rewriting a linked site with the same links (another field changed) changes no row.
        let mut a = get(&records, "xj-yiwu-acc").clone();
        a.set("notes", Some("changed".into()));
        assert!(back_links(&records, a.id(), Some(&a)).is_empty());
        // A link to no row or to itself is left for the rules to refuse.
        let a = set_links(
            get(&records, "xj-xinxing-guoxin"),
            &["xj-no-such-site", "xj-xinxing-guoxin"],
        );
        assert!(back_links(&records, a.id(), Some(&a)).is_empty());
        let errors = EditState::table_errors(&with(&records, &[a]));
        assert!(
            errors.iter().any(|e| e.contains("no row has this id"))
                && errors.iter().any(|e| e.contains("cannot overlap itself")),
            "{errors:?}"
        );
    }

    #[test]
    fn the_note_names_the_change_and_keeps_the_comment() {
        assert_eq!(
            note(None, 7, "xj-a"),
            "overlaps_with kept symmetric with change 7 to xj-a"
        );
        assert_eq!(
            note(Some("same project"), 7, "xj-a"),
            "same project (overlaps_with kept symmetric with change 7 to xj-a)"
        );
    }
}
