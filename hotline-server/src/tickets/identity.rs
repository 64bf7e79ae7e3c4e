//! Who acts on a ticket: users, departments and the actor of a workflow step.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::kinds::Role;

/// A user's login name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

/// A department's code in the directory (e.g. `city.housing`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeptId(pub String);

impl UserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl DeptId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DeptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for UserId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<&str> for DeptId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The user performing a step. Department users carry their department; for the other roles it
/// is informational.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub department: Option<DeptId>,
}

impl Actor {
    /// A centre user (agent, supervisor, director, admin).
    pub fn centre(user: impl Into<String>, role: Role) -> Self {
        Self {
            user: UserId::new(user),
            role,
            department: None,
        }
    }

    /// A user of a handling department.
    pub fn department(user: impl Into<String>, department: impl Into<String>) -> Self {
        Self {
            user: UserId::new(user),
            role: Role::Department,
            department: Some(DeptId::new(department)),
        }
    }
}
