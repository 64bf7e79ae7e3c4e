//! SQL for the knowledge base (知识库): policies, regulations, FAQs and office guides with
//! reference answers. Every edit makes a new version; old versions stay readable.
//! Search uses the same trigram index and ranking as tickets (see [`super::tickets`]).

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::Store;
use super::tickets::{FtsPlan, RecordError, like_pattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeKind {
    /// 政策
    Policy,
    /// 法规
    Regulation,
    /// 常见问题
    Faq,
    /// 办事指南
    Guide,
}

impl KnowledgeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            KnowledgeKind::Policy => "policy",
            KnowledgeKind::Regulation => "regulation",
            KnowledgeKind::Faq => "faq",
            KnowledgeKind::Guide => "guide",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "policy" => Some(Self::Policy),
            "regulation" => Some(Self::Regulation),
            "faq" => Some(Self::Faq),
            "guide" => Some(Self::Guide),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKnowledge {
    pub kind: KnowledgeKind,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub reference_answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnowledgeRow {
    pub id: i64,
    pub kind: KnowledgeKind,
    pub title: String,
    pub body: String,
    pub reference_answer: String,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub updated_by: String,
}

/// A search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnowledgeHit {
    #[serde(flatten)]
    pub item: KnowledgeRow,
    /// Every term appears whole.
    pub exact: bool,
}

const COLUMNS: &str = "k.id, k.kind, k.title, k.body, k.reference_answer, k.version, \
                       k.created_at, k.updated_at, k.updated_by";

fn knowledge_row(r: &Row<'_>) -> rusqlite::Result<KnowledgeRow> {
    let kind: String = r.get(1)?;
    let kind = KnowledgeKind::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            Box::new(RecordError::bad_value("knowledge kind", kind)),
        )
    })?;
    Ok(KnowledgeRow {
        id: r.get(0)?,
        kind,
        title: r.get(2)?,
        body: r.get(3)?,
        reference_answer: r.get(4)?,
        version: r.get(5)?,
        created_at_ms: r.get(6)?,
        updated_at_ms: r.get(7)?,
        updated_by: r.get(8)?,
    })
}

pub(in crate::store) fn item_by_id(
    conn: &Connection,
    id: i64,
) -> Result<Option<KnowledgeRow>, RecordError> {
    let sql = format!("SELECT {COLUMNS} FROM knowledge_items k WHERE k.id = ?1");
    Ok(conn.query_row(&sql, [id], knowledge_row).optional()?)
}

fn keep_version(conn: &Connection, row: &KnowledgeRow) -> Result<(), RecordError> {
    conn.execute(
        "INSERT INTO knowledge_versions
             (item_id, version, kind, title, body, reference_answer, at, by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.id,
            row.version,
            row.kind.as_str(),
            row.title,
            row.body,
            row.reference_answer,
            row.updated_at_ms,
            row.updated_by,
        ],
    )?;
    Ok(())
}

fn check(new: &NewKnowledge) -> Result<(), RecordError> {
    if new.title.trim().is_empty() {
        return Err(RecordError::Invalid("the title is empty".to_owned()));
    }
    Ok(())
}

impl Store {
    /// Adds an item at version 1.
    pub fn add_knowledge(
        &self,
        new: &NewKnowledge,
        by: &str,
        now_ms: i64,
    ) -> Result<KnowledgeRow, RecordError> {
        check(new)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO knowledge_items
                 (kind, title, body, reference_answer, version, created_at, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6)",
            params![
                new.kind.as_str(),
                new.title.trim(),
                new.body,
                new.reference_answer,
                now_ms,
                by
            ],
        )?;
        let id = tx.last_insert_rowid();
        let row =
            item_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("knowledge item", id))?;
        keep_version(&tx, &row)?;
        tx.commit()?;
        Ok(row)
    }

    /// Replaces the item's text with a new version; the old one stays in the version list.
    pub fn update_knowledge(
        &self,
        id: i64,
        new: &NewKnowledge,
        by: &str,
        now_ms: i64,
    ) -> Result<KnowledgeRow, RecordError> {
        check(new)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE knowledge_items SET kind = ?1, title = ?2, body = ?3, reference_answer = ?4,
                 version = version + 1, updated_at = ?5, updated_by = ?6
             WHERE id = ?7",
            params![
                new.kind.as_str(),
                new.title.trim(),
                new.body,
                new.reference_answer,
                now_ms,
                by,
                id
            ],
        )?;
        if changed == 0 {
            return Err(RecordError::not_found("knowledge item", id));
        }
        let row =
            item_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("knowledge item", id))?;
        keep_version(&tx, &row)?;
        tx.commit()?;
        Ok(row)
    }

    pub fn knowledge(&self, id: i64) -> Result<Option<KnowledgeRow>, RecordError> {
        item_by_id(&self.conn(), id)
    }

    /// Every version of an item, oldest first.
    pub fn knowledge_versions(&self, id: i64) -> Result<Vec<KnowledgeRow>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT v.item_id, v.kind, v.title, v.body, v.reference_answer, v.version,
                    k.created_at, v.at, v.by
             FROM knowledge_versions v JOIN knowledge_items k ON k.id = v.item_id
             WHERE v.item_id = ?1 ORDER BY v.version",
        )?;
        let rows = stmt.query_map([id], knowledge_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Items matching `q` (all items without one), optionally of one kind; best first.
    pub fn search_knowledge(
        &self,
        q: &str,
        kind: Option<KnowledgeKind>,
        limit: usize,
    ) -> Result<Vec<KnowledgeHit>, RecordError> {
        let plan = FtsPlan::new(q);
        let mut args: Vec<String> = Vec::new();
        let mut arg = |v: String| {
            args.push(v);
            format!("?{}", args.len())
        };
        let mut from = "knowledge_items k".to_owned();
        let mut wheres = Vec::new();
        let mut rank = "2".to_owned();
        let mut order = "k.updated_at DESC, k.id DESC".to_owned();
        if let Some(plan) = &plan {
            if let Some(expr) = &plan.match_expr {
                "knowledge_fts JOIN knowledge_items k ON k.id = knowledge_fts.rowid"
                    .clone_into(&mut from);
                wheres.push(format!("knowledge_fts MATCH {}", arg(expr.clone())));
                order = format!("bm25(knowledge_fts, 10.0, 1.0, 1.0), {order}");
            }
            for term in &plan.short_terms {
                let p = arg(like_pattern(term));
                wheres.push(format!(
                    "(k.title LIKE {p} ESCAPE '\\' OR k.body LIKE {p} ESCAPE '\\' \
                     OR k.reference_answer LIKE {p} ESCAPE '\\')"
                ));
            }
            let mut in_title = Vec::new();
            let mut anywhere = Vec::new();
            for term in &plan.terms {
                let p = arg(term.clone());
                in_title.push(format!("instr(k.title, {p}) > 0"));
                anywhere.push(format!(
                    "instr(k.title || char(10) || k.body || char(10) || k.reference_answer, {p}) > 0"
                ));
            }
            rank = format!(
                "CASE WHEN {} THEN 0 WHEN {} THEN 1 ELSE 2 END",
                in_title.join(" AND "),
                anywhere.join(" AND ")
            );
            order = format!("rank_tier, {order}");
        }
        if let Some(kind) = kind {
            wheres.push(format!("k.kind = {}", arg(kind.as_str().to_owned())));
        }
        let where_sql = if wheres.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", wheres.join(" AND "))
        };
        let limit = limit.clamp(1, 500);
        let sql = format!(
            "SELECT {COLUMNS}, {rank} AS rank_tier FROM {from}{where_sql} ORDER BY {order} LIMIT {limit}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            let tier: i64 = r.get(9)?;
            Ok(KnowledgeHit {
                item: knowledge_row(r)?,
                exact: plan.is_some() && tier < 2,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: KnowledgeKind, title: &str, body: &str) -> NewKnowledge {
        NewKnowledge {
            kind,
            title: title.to_owned(),
            body: body.to_owned(),
            reference_answer: String::new(),
        }
    }

    #[test]
    fn versions_are_kept_and_search_finds_chinese_text() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).unwrap();
        let faq = store
            .add_knowledge(
                &item(KnowledgeKind::Faq, "居住证办理", "需要租房合同"),
                "admin",
                1,
            )
            .unwrap();
        store
            .add_knowledge(
                &item(
                    KnowledgeKind::Policy,
                    "消费者权益保护条例",
                    "经营者应当保障消费者的安全",
                ),
                "admin",
                2,
            )
            .unwrap();
        let updated = store
            .update_knowledge(
                faq.id,
                &item(KnowledgeKind::Faq, "居住证办理指南", "需要租房合同和身份证"),
                "supervisor1",
                3,
            )
            .unwrap();
        assert_eq!(updated.version, 2);
        let versions = store.knowledge_versions(faq.id).unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].title, "居住证办理");
        assert_eq!(versions[1].updated_by, "supervisor1");
        // The index follows the edit.
        assert_eq!(store.search_knowledge("身份证", None, 10).unwrap().len(), 1);
        assert!(store.search_knowledge("租房合同", None, 10).unwrap()[0].exact);
        let hits = store.search_knowledge("消费者", None, 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].exact);
        // Two characters: LIKE.
        assert_eq!(store.search_knowledge("居住", None, 10).unwrap().len(), 1);
        assert!(
            store
                .search_knowledge("居住", Some(KnowledgeKind::Policy), 10)
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.search_knowledge("", None, 10).unwrap().len(), 2);
        assert!(matches!(
            store.update_knowledge(999, &item(KnowledgeKind::Faq, "x", ""), "a", 4),
            Err(RecordError::NotFound { .. })
        ));
    }
}
