//! SQL for departments (承办单位): a hierarchy of up to four levels (city → district → street →
//! office) with a contact and a phone number, the directory dispatch and transfers use.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::Store;
use super::tickets::{RecordError, dept_id};
use crate::tickets::{Department, Directory};

/// The deepest level (office).
pub const MAX_LEVEL: i64 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDepartment {
    pub parent_id: Option<i64>,
    pub name: String,
    pub contact: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    /// 1 city, 2 district, 3 street, 4 office.
    pub level: i64,
    pub contact: String,
    pub phone: String,
    pub created_at_ms: i64,
}

/// A department with the ones under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentNode {
    #[serde(flatten)]
    pub department: DepartmentRow,
    pub children: Vec<DepartmentNode>,
}

const COLUMNS: &str = "id, parent_id, name, level, contact, phone, created_at";

fn department_row(r: &Row<'_>) -> rusqlite::Result<DepartmentRow> {
    Ok(DepartmentRow {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        name: r.get(2)?,
        level: r.get(3)?,
        contact: r.get(4)?,
        phone: r.get(5)?,
        created_at_ms: r.get(6)?,
    })
}

fn department_by_id(conn: &Connection, id: i64) -> Result<Option<DepartmentRow>, RecordError> {
    let sql = format!("SELECT {COLUMNS} FROM departments WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], department_row).optional()?)
}

/// Builds the forest from rows in any order; a row whose parent is missing becomes a root.
fn forest(rows: &[DepartmentRow]) -> Vec<DepartmentNode> {
    fn children_of(rows: &[DepartmentRow], parent: Option<i64>) -> Vec<DepartmentNode> {
        rows.iter()
            .filter(|r| r.parent_id == parent)
            .map(|r| DepartmentNode {
                department: r.clone(),
                children: children_of(rows, Some(r.id)),
            })
            .collect()
    }
    let orphans = rows
        .iter()
        .filter(|r| r.parent_id.is_some_and(|p| !rows.iter().any(|x| x.id == p)));
    let mut out = children_of(rows, None);
    for o in orphans {
        out.push(DepartmentNode {
            department: o.clone(),
            children: children_of(rows, Some(o.id)),
        });
    }
    out
}

impl Store {
    /// Adds a department under `parent_id` (or at the top). Its level is the parent's plus
    /// one; a fifth level is refused.
    pub fn add_department(
        &self,
        new: &NewDepartment,
        now_ms: i64,
    ) -> Result<DepartmentRow, RecordError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(RecordError::Invalid(
                "the department name is empty".to_owned(),
            ));
        }
        let conn = self.conn();
        let level = match new.parent_id {
            None => 1,
            Some(p) => {
                let parent = department_by_id(&conn, p)?.ok_or_else(|| {
                    RecordError::Invalid(format!("unknown parent department {p}"))
                })?;
                if parent.level >= MAX_LEVEL {
                    return Err(RecordError::Invalid(format!(
                        "department {p} is at level {MAX_LEVEL}; no level lies below it"
                    )));
                }
                parent.level + 1
            }
        };
        conn.execute(
            "INSERT INTO departments (parent_id, name, level, contact, phone, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![new.parent_id, name, level, new.contact, new.phone, now_ms],
        )?;
        let id = conn.last_insert_rowid();
        department_by_id(&conn, id)?.ok_or_else(|| RecordError::not_found("department", id))
    }

    pub fn department(&self, id: i64) -> Result<Option<DepartmentRow>, RecordError> {
        department_by_id(&self.conn(), id)
    }

    /// Every department, by level then name.
    pub fn departments(&self) -> Result<Vec<DepartmentRow>, RecordError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM departments ORDER BY level, name, id");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], department_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The hierarchy as a forest (several cities or top-level bureaus are fine).
    pub fn department_tree(&self) -> Result<Vec<DepartmentNode>, RecordError> {
        Ok(forest(&self.departments()?))
    }

    /// The departments as the ticket rules see them (escalation chains, visibility).
    pub fn department_directory(&self) -> Result<Directory, RecordError> {
        let depts = self.departments()?.into_iter().map(|d| Department {
            id: dept_id(d.id),
            name: d.name,
            parent: d.parent_id.map(dept_id),
            phone: (!d.phone.is_empty()).then_some(d.phone),
            contacts: Vec::new(),
        });
        Directory::new(depts).map_err(|e| RecordError::bad_value("department tree", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_parents_and_stop_at_four() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let add = |parent_id, name: &str| {
            store.add_department(
                &NewDepartment {
                    parent_id,
                    name: name.to_owned(),
                    contact: "王主任".to_owned(),
                    phone: "0571-1234".to_owned(),
                },
                1,
            )
        };
        let city = add(None, "市政府").unwrap();
        let district = add(Some(city.id), "东城区").unwrap();
        let street = add(Some(district.id), "东华街道").unwrap();
        let office = add(Some(street.id), "东华社区").unwrap();
        assert_eq!(
            [city.level, district.level, street.level, office.level],
            [1, 2, 3, 4]
        );
        assert!(matches!(
            add(Some(office.id), "太深"),
            Err(RecordError::Invalid(_))
        ));
        assert!(matches!(
            add(Some(999), "孤儿"),
            Err(RecordError::Invalid(_))
        ));
        assert!(matches!(add(None, "  "), Err(RecordError::Invalid(_))));
        let tree = store.department_tree().unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(
            tree[0].children[0].children[0].children[0].department.name,
            "东华社区"
        );
        let directory = store.department_directory().unwrap();
        assert_eq!(directory.len(), 4);
        assert_eq!(directory.ancestors(&dept_id(office.id)).len(), 3);
    }
}
