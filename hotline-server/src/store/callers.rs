//! SQL for callers (来电人): profile, their numbers (one number belongs to one caller), and
//! search by name, number, ID number, area (address) and company.

use std::collections::BTreeMap;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::Store;
use super::tickets::{RecordError, like_pattern};

/// 居民, 企业, 重点关注 (VIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerCategory {
    #[default]
    Resident,
    Company,
    Vip,
}

impl CallerCategory {
    pub const fn as_str(self) -> &'static str {
        match self {
            CallerCategory::Resident => "resident",
            CallerCategory::Company => "company",
            CallerCategory::Vip => "vip",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "resident" => Some(Self::Resident),
            "company" => Some(Self::Company),
            "vip" => Some(Self::Vip),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCaller {
    pub name: String,
    pub numbers: Vec<String>,
    pub id_number: String,
    pub address: String,
    pub company: String,
    pub category: CallerCategory,
    /// Site-defined fields.
    pub custom: BTreeMap<String, serde_json::Value>,
}

/// An edit of a caller profile: fields left out keep their values; `numbers`, when given,
/// replaces the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallerUpdate {
    pub name: Option<String>,
    pub numbers: Option<Vec<String>>,
    pub id_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub category: Option<CallerCategory>,
    pub custom: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerRow {
    pub id: i64,
    pub name: String,
    pub numbers: Vec<String>,
    pub id_number: String,
    pub address: String,
    pub company: String,
    pub category: CallerCategory,
    pub custom: BTreeMap<String, serde_json::Value>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Search fields; each given one must match. `any` matches a name, number, ID number,
/// address or company containing it (a number or ID number also by prefix).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerQuery {
    pub any: Option<String>,
    pub name: Option<String>,
    pub number: Option<String>,
    pub id_number: Option<String>,
    /// Part of the address: a district, a street, a compound.
    pub area: Option<String>,
    pub company: Option<String>,
    pub limit: Option<usize>,
}

const COLUMNS: &str = "c.id, c.name, c.id_number, c.address, c.company, c.category, c.custom, c.created_at, c.updated_at";

fn caller_row(r: &Row<'_>) -> rusqlite::Result<CallerRow> {
    let bad = |idx: usize, what: &'static str, v: String| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            Box::new(RecordError::bad_value(what, v)),
        )
    };
    let category: String = r.get(5)?;
    let category =
        CallerCategory::parse(&category).ok_or_else(|| bad(5, "caller category", category))?;
    let custom: String = r.get(6)?;
    let custom =
        serde_json::from_str(&custom).map_err(|_| bad(6, "caller custom fields", custom))?;
    Ok(CallerRow {
        id: r.get(0)?,
        name: r.get(1)?,
        numbers: Vec::new(),
        id_number: r.get(2)?,
        address: r.get(3)?,
        company: r.get(4)?,
        category,
        custom,
        created_at_ms: r.get(7)?,
        updated_at_ms: r.get(8)?,
    })
}

fn with_numbers(conn: &Connection, mut row: CallerRow) -> Result<CallerRow, RecordError> {
    let mut stmt = conn
        .prepare_cached("SELECT number FROM caller_numbers WHERE caller_id = ?1 ORDER BY number")?;
    row.numbers = stmt
        .query_map([row.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(row)
}

fn caller_by_id(conn: &Connection, id: i64) -> Result<Option<CallerRow>, RecordError> {
    let sql = format!("SELECT {COLUMNS} FROM callers c WHERE c.id = ?1");
    match conn.query_row(&sql, [id], caller_row).optional()? {
        Some(row) => Ok(Some(with_numbers(conn, row)?)),
        None => Ok(None),
    }
}

/// Gives `numbers` to caller `id`; a number another caller has is a `Conflict`.
fn insert_numbers(conn: &Connection, id: i64, numbers: &[String]) -> Result<(), RecordError> {
    for number in numbers.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let inserted = conn.execute(
            "INSERT INTO caller_numbers (number, caller_id) VALUES (?1, ?2)",
            params![number, id],
        );
        match inserted {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                return Err(RecordError::Conflict(format!(
                    "number {number} already belongs to another caller"
                )));
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Adds a caller with their numbers in one transaction; a number another caller has is a
    /// `Conflict`.
    pub fn add_caller(&self, new: &NewCaller, now_ms: i64) -> Result<CallerRow, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let custom = serde_json::to_string(&new.custom).unwrap_or_else(|_| "{}".to_owned());
        tx.execute(
            "INSERT INTO callers (name, id_number, address, company, category, custom,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                new.name.trim(),
                new.id_number.trim(),
                new.address.trim(),
                new.company.trim(),
                new.category.as_str(),
                custom,
                now_ms,
            ],
        )?;
        let id = tx.last_insert_rowid();
        insert_numbers(&tx, id, &new.numbers)?;
        let row = caller_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("caller", id))?;
        tx.commit()?;
        Ok(row)
    }

    /// Applies `edit` to caller `id` in one transaction; a number another caller has is a
    /// `Conflict` and nothing changes.
    pub fn update_caller(
        &self,
        id: i64,
        edit: &CallerUpdate,
        now_ms: i64,
    ) -> Result<CallerRow, RecordError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let old = caller_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("caller", id))?;
        let pick = |new: &Option<String>, old: &str| {
            new.as_deref()
                .map_or_else(|| old.to_owned(), |v| v.trim().to_owned())
        };
        let custom = edit.custom.as_ref().unwrap_or(&old.custom);
        let custom = serde_json::to_string(custom).unwrap_or_else(|_| "{}".to_owned());
        tx.execute(
            "UPDATE callers SET name = ?2, id_number = ?3, address = ?4, company = ?5,
                 category = ?6, custom = ?7, updated_at = ?8
             WHERE id = ?1",
            params![
                id,
                pick(&edit.name, &old.name),
                pick(&edit.id_number, &old.id_number),
                pick(&edit.address, &old.address),
                pick(&edit.company, &old.company),
                edit.category.unwrap_or(old.category).as_str(),
                custom,
                now_ms,
            ],
        )?;
        if let Some(numbers) = &edit.numbers {
            tx.execute("DELETE FROM caller_numbers WHERE caller_id = ?1", [id])?;
            insert_numbers(&tx, id, numbers)?;
        }
        let row = caller_by_id(&tx, id)?.ok_or_else(|| RecordError::not_found("caller", id))?;
        tx.commit()?;
        Ok(row)
    }

    pub fn caller(&self, id: i64) -> Result<Option<CallerRow>, RecordError> {
        caller_by_id(&self.conn(), id)
    }

    /// The caller a number belongs to (screen pop).
    pub fn caller_by_number(&self, number: &str) -> Result<Option<CallerRow>, RecordError> {
        let conn = self.conn();
        let id: Option<i64> = conn
            .query_row(
                "SELECT caller_id FROM caller_numbers WHERE number = ?1",
                [number.trim()],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => caller_by_id(&conn, id),
            None => Ok(None),
        }
    }

    /// Callers matching every given field, most recently updated first.
    pub fn search_callers(&self, query: &CallerQuery) -> Result<Vec<CallerRow>, RecordError> {
        let mut args: Vec<String> = Vec::new();
        let mut wheres: Vec<String> = Vec::new();
        let mut arg = |v: String| {
            args.push(v);
            format!("?{}", args.len())
        };
        let number_match = |p: &str| {
            format!(
                "EXISTS (SELECT 1 FROM caller_numbers n WHERE n.caller_id = c.id AND n.number LIKE {p} ESCAPE '\\')"
            )
        };
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        if let Some(any) = given(&query.any) {
            let p = arg(like_pattern(&any));
            wheres.push(format!(
                "(c.name LIKE {p} ESCAPE '\\' OR c.id_number LIKE {p} ESCAPE '\\' \
                 OR c.address LIKE {p} ESCAPE '\\' OR c.company LIKE {p} ESCAPE '\\' OR {})",
                number_match(&p)
            ));
        }
        if let Some(name) = given(&query.name) {
            wheres.push(format!(
                "c.name LIKE {} ESCAPE '\\'",
                arg(like_pattern(&name))
            ));
        }
        if let Some(number) = given(&query.number) {
            wheres.push(number_match(&arg(like_pattern(&number))));
        }
        if let Some(id_number) = given(&query.id_number) {
            wheres.push(format!("c.id_number = {}", arg(id_number)));
        }
        if let Some(area) = given(&query.area) {
            wheres.push(format!(
                "c.address LIKE {} ESCAPE '\\'",
                arg(like_pattern(&area))
            ));
        }
        if let Some(company) = given(&query.company) {
            wheres.push(format!(
                "c.company LIKE {} ESCAPE '\\'",
                arg(like_pattern(&company))
            ));
        }
        let where_sql = if wheres.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", wheres.join(" AND "))
        };
        let limit = query.limit.unwrap_or(50).clamp(1, 500);
        let sql = format!(
            "SELECT {COLUMNS} FROM callers c{where_sql} ORDER BY c.updated_at DESC, c.id DESC LIMIT {limit}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows: Vec<CallerRow> = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), caller_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|r| with_numbers(&conn, r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_are_found_by_each_field_and_numbers_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let zhang = store
            .add_caller(
                &NewCaller {
                    name: "张三".to_owned(),
                    numbers: vec!["13800138000".to_owned(), "057188886666".to_owned()],
                    id_number: "330102199001011234".to_owned(),
                    address: "杭州市上城区湖滨街道平海路1号".to_owned(),
                    ..NewCaller::default()
                },
                1,
            )
            .unwrap();
        assert_eq!(zhang.numbers.len(), 2);
        let mut custom = BTreeMap::new();
        custom.insert("contact_person".to_owned(), serde_json::json!("李经理"));
        let firm = store
            .add_caller(
                &NewCaller {
                    name: "李四".to_owned(),
                    numbers: vec!["13900139000".to_owned()],
                    company: "西湖食品有限公司".to_owned(),
                    category: CallerCategory::Company,
                    custom,
                    ..NewCaller::default()
                },
                2,
            )
            .unwrap();
        let dup = NewCaller {
            name: "王五".to_owned(),
            numbers: vec!["13800138000".to_owned()],
            ..NewCaller::default()
        };
        assert!(matches!(
            store.add_caller(&dup, 3),
            Err(RecordError::Conflict(_))
        ));
        // Nothing half-written: the caller row went with the refused number.
        assert_eq!(
            store.search_callers(&CallerQuery::default()).unwrap().len(),
            2
        );

        let ids = |q: CallerQuery| -> Vec<i64> {
            store
                .search_callers(&q)
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect()
        };
        let any = |s: &str| CallerQuery {
            any: Some(s.to_owned()),
            ..CallerQuery::default()
        };
        assert_eq!(ids(any("张")), [zhang.id]);
        assert_eq!(ids(any("1380013")), [zhang.id]);
        assert_eq!(ids(any("西湖食品")), [firm.id]);
        assert_eq!(ids(any("上城区")), [zhang.id]);
        assert_eq!(
            ids(CallerQuery {
                id_number: Some("330102199001011234".to_owned()),
                ..CallerQuery::default()
            }),
            [zhang.id]
        );
        assert_eq!(
            ids(CallerQuery {
                area: Some("湖滨街道".to_owned()),
                name: Some("李".to_owned()),
                ..CallerQuery::default()
            }),
            Vec::<i64>::new()
        );
        let found = store.caller_by_number("13900139000").unwrap().unwrap();
        assert_eq!(found.category, CallerCategory::Company);
        assert_eq!(found.custom["contact_person"], "李经理");
        assert!(store.caller_by_number("110").unwrap().is_none());
    }
}
