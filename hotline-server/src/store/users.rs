//! SQL for user accounts: names, roles, skills, password hashes, the disabled flag.
//!
//! Names compare case-insensitively (`COLLATE NOCASE`). Users are never deleted: a departed
//! agent is disabled, so the audit log and old tickets keep pointing at a real account.

use std::collections::BTreeMap;
use std::fmt;

use hotline_protocol::Role;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};
use thiserror::Error;

use super::{Store, StoreError};

/// An account to create. The password arrives already hashed (auth owns hashing).
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub display_name: String,
    /// 工号, announced to callers; "" for none.
    pub work_number: String,
    pub role: Role,
    pub department_id: Option<i64>,
    /// Skill name → level (1..=10, checked by the ACD).
    pub skills: BTreeMap<String, u8>,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at_ms: i64,
}

/// A row of `users`.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub work_number: String,
    pub role: Role,
    pub department_id: Option<i64>,
    pub skills: BTreeMap<String, u8>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

// Hand-written so that logs of a user never carry the password hash.
impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("work_number", &self.work_number)
            .field("skills", &self.skills)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for UserRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("work_number", &self.work_number)
            .field("skills", &self.skills)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Why [`Store::add_user`] failed.
#[derive(Debug, Error)]
pub enum AddUserError {
    #[error("user \"{0}\" already exists")]
    Duplicate(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The JSON spelling of a skill map; infallible, unlike `serde_json::to_string`.
pub(crate) fn skills_json(skills: &BTreeMap<String, u8>) -> String {
    let map = skills
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
        .collect();
    serde_json::Value::Object(map).to_string()
}

const COLUMNS: &str = "id, name, display_name, work_number, role, department_id, skills, \
                       password_hash, disabled, created_at, updated_at";

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    let bad = |idx: usize, what: &'static str, value: &str| {
        let err = StoreError::BadValue {
            what,
            value: value.to_owned(),
        };
        rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err))
    };
    let role: String = row.get(4)?;
    let role = Role::from_name(&role).ok_or_else(|| bad(4, "role", &role))?;
    let skills: String = row.get(6)?;
    let skills = serde_json::from_str(&skills).map_err(|_| bad(6, "skills", &skills))?;
    Ok(UserRow {
        id: row.get(0)?,
        name: row.get(1)?,
        display_name: row.get(2)?,
        work_number: row.get(3)?,
        role,
        department_id: row.get(5)?,
        skills,
        password_hash: row.get(7)?,
        disabled: row.get(8)?,
        created_at_ms: row.get(9)?,
        updated_at_ms: row.get(10)?,
    })
}

/// Unwraps the store error a row conversion carried through rusqlite.
pub(crate) fn conversion(err: rusqlite::Error) -> StoreError {
    match err {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => match inner.downcast() {
            Ok(store) => *store,
            Err(other) => StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                0,
                Type::Text,
                other,
            )),
        },
        other => StoreError::Sqlite(other),
    }
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

fn insert(conn: &Connection, user: &NewUser) -> Result<i64, AddUserError> {
    let result = conn
        .prepare_cached(
            "INSERT INTO users (name, display_name, work_number, role, department_id, skills,
                                password_hash, disabled, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                user.name,
                user.display_name,
                user.work_number,
                user.role.as_str(),
                user.department_id,
                skills_json(&user.skills),
                user.password_hash,
                user.created_at_ms,
            ])
        });
    match result {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(err) if is_unique_violation(&err) => Err(AddUserError::Duplicate(user.name.clone())),
        Err(err) => Err(StoreError::Sqlite(err).into()),
    }
}

fn select_one(
    conn: &Connection,
    filter: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {filter}");
    conn.prepare_cached(&sql)?
        .query_row([value], user_row)
        .optional()
        .map_err(conversion)
}

/// Runs an `UPDATE users … WHERE name = ?1` with the value in `?2`; false if no such user.
fn update_by_name(
    conn: &Connection,
    set: &str,
    name: &str,
    value: &dyn rusqlite::ToSql,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let sql = format!("UPDATE users SET {set} = ?2, updated_at = ?3 WHERE name = ?1");
    let changed = conn
        .prepare_cached(&sql)?
        .execute(params![name, value, now_ms])?;
    Ok(changed > 0)
}

impl Store {
    /// Creates an account. A name already taken (in any letter case) is
    /// [`AddUserError::Duplicate`].
    pub fn add_user(&self, user: &NewUser) -> Result<UserRow, AddUserError> {
        let conn = self.conn();
        let id = insert(&conn, user)?;
        select_one(&conn, "id = ?1", &id)?
            .ok_or_else(|| StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows).into())
    }

    /// The user with this name, in any letter case.
    pub fn user_by_name(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        select_one(&self.conn(), "name = ?1", &name)
    }

    pub fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        select_one(&self.conn(), "id = ?1", &id)
    }

    /// Every account, disabled ones included, by name.
    pub fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY name");
        let mut stmt = conn.prepare_cached(&sql)?;
        stmt.query_map([], user_row)
            .and_then(Iterator::collect)
            .map_err(conversion)
    }

    /// Disables or enables log-in; false if there is no such user. Existing sessions are the
    /// caller's business (authentication also refuses the sessions of a disabled user).
    pub fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        update_by_name(&self.conn(), "disabled", name, &disabled, now_ms)
    }

    /// Replaces the password hash; false if there is no such user.
    pub fn set_password_hash(
        &self,
        name: &str,
        hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        update_by_name(&self.conn(), "password_hash", name, &hash, now_ms)
    }

    /// Replaces the skill map; false if there is no such user.
    pub fn set_skills(
        &self,
        name: &str,
        skills: &BTreeMap<String, u8>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        update_by_name(&self.conn(), "skills", name, &skills_json(skills), now_ms)
    }

    pub fn user_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(name: &str, role: Role) -> NewUser {
        NewUser {
            name: name.to_owned(),
            display_name: "李四".to_owned(),
            work_number: "1003".to_owned(),
            role,
            department_id: None,
            skills: BTreeMap::from([("consult".to_owned(), 3)]),
            password_hash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned(),
            created_at_ms: 100,
        }
    }

    #[test]
    fn users_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hotline.db")).unwrap();
        assert_eq!(store.user_count().unwrap(), 0);
        let li4 = store.add_user(&new_user("li4", Role::Agent)).unwrap();
        assert_eq!(li4.display_name, "李四");
        assert_eq!(li4.skills["consult"], 3);
        assert!(!li4.disabled);
        assert_eq!((li4.created_at_ms, li4.updated_at_ms), (100, 100));
        assert!(!format!("{li4:?}").contains("argon2"));

        let dup = store.add_user(&new_user("LI4", Role::Admin)).unwrap_err();
        assert!(
            matches!(dup, AddUserError::Duplicate(ref n) if n == "LI4"),
            "{dup}"
        );
        assert_eq!(dup.to_string(), "user \"LI4\" already exists");

        store.add_user(&new_user("boss", Role::Supervisor)).unwrap();
        assert_eq!(store.user_by_name("Li4").unwrap().unwrap().id, li4.id);
        assert_eq!(store.user_by_id(li4.id).unwrap().unwrap().name, "li4");
        assert!(store.user_by_name("nobody").unwrap().is_none());
        let names: Vec<String> = store
            .list_users()
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["boss", "li4"]);

        assert!(store.set_disabled("li4", true, 200).unwrap());
        assert!(store.set_password_hash("LI4", "$other", 300).unwrap());
        let skills = BTreeMap::from([("complaint".to_owned(), 5), ("general".to_owned(), 2)]);
        assert!(store.set_skills("li4", &skills, 400).unwrap());
        let li4 = store.user_by_name("li4").unwrap().unwrap();
        assert!(li4.disabled);
        assert_eq!(li4.password_hash, "$other");
        assert_eq!(li4.skills, skills);
        assert_eq!(li4.updated_at_ms, 400);
        assert!(!store.set_disabled("nobody", true, 500).unwrap());
        assert_eq!(store.user_count().unwrap(), 2);
    }

    #[test]
    fn the_schema_checks_roles_and_skills() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hotline.db")).unwrap();
        let conn = store.conn();
        let insert = |role: &str, skills: &str| {
            conn.execute(
                "INSERT INTO users (name, role, skills, password_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'h', 0, 0)",
                params![format!("{role}{skills}"), role, skills],
            )
        };
        assert!(insert("root", "{}").is_err());
        assert!(insert("agent", "not json").is_err());
        insert("director", "{}").unwrap();
    }
}
