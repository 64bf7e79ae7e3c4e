//! Handling departments (承办单位) in a hierarchy of up to four levels: city → district →
//! street → office. The hierarchy gives the escalation chain; who may see a ticket follows the
//! dispatch.

use std::collections::BTreeMap;

use super::error::DepartmentError;
use super::identity::{Actor, DeptId};
use super::kinds::Role;
use super::state::TicketState;

/// City, district, street, office.
pub const MAX_DEPTH: usize = 4;

/// The level of a department, from its depth in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeptLevel {
    /// 市级
    City,
    /// 区级
    District,
    /// 街道 / 乡镇
    Street,
    /// 社区 / 科室
    Office,
}

impl DeptLevel {
    pub const fn zh(self) -> &'static str {
        match self {
            DeptLevel::City => "市级",
            DeptLevel::District => "区级",
            DeptLevel::Street => "街道",
            DeptLevel::Office => "社区/科室",
        }
    }

    pub const fn en(self) -> &'static str {
        match self {
            DeptLevel::City => "City",
            DeptLevel::District => "District",
            DeptLevel::Street => "Street",
            DeptLevel::Office => "Office",
        }
    }
}

/// A person to call at a department (the directory used for transfers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: DeptId,
    pub name: String,
    pub parent: Option<DeptId>,
    pub phone: Option<String>,
    pub contacts: Vec<Contact>,
}

impl Department {
    pub fn new(id: &str, name: &str, parent: Option<&str>) -> Self {
        Self {
            id: DeptId::new(id),
            name: name.to_owned(),
            parent: parent.map(DeptId::new),
            phone: None,
            contacts: Vec::new(),
        }
    }
}

/// A validated department tree (a forest: several cities or top-level bureaus are fine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    depts: BTreeMap<DeptId, Department>,
}

impl Directory {
    /// Checks ids are non-empty and unique, parents exist, there are no cycles and no
    /// department is deeper than [`MAX_DEPTH`].
    pub fn new(depts: impl IntoIterator<Item = Department>) -> Result<Self, DepartmentError> {
        let mut map = BTreeMap::new();
        for d in depts {
            if d.id.as_str().trim().is_empty() {
                return Err(DepartmentError::EmptyId);
            }
            if map.contains_key(&d.id) {
                return Err(DepartmentError::Duplicate(d.id));
            }
            map.insert(d.id.clone(), d);
        }
        for d in map.values() {
            if let Some(p) = &d.parent
                && !map.contains_key(p)
            {
                return Err(DepartmentError::UnknownParent {
                    child: d.id.clone(),
                    parent: p.clone(),
                });
            }
        }
        let dir = Self { depts: map };
        for id in dir.depts.keys() {
            // Walking up more steps than there are departments means a cycle.
            let mut depth = 1;
            let mut at = id;
            while let Some(parent) = dir.depts.get(at).and_then(|d| d.parent.as_ref()) {
                if parent == id || depth > dir.depts.len() {
                    return Err(DepartmentError::Cycle(id.clone()));
                }
                depth += 1;
                at = parent;
            }
            if depth > MAX_DEPTH {
                return Err(DepartmentError::TooDeep {
                    id: id.clone(),
                    depth,
                    max: MAX_DEPTH,
                });
            }
        }
        Ok(dir)
    }

    pub fn get(&self, id: &DeptId) -> Option<&Department> {
        self.depts.get(id)
    }

    pub fn contains(&self, id: &DeptId) -> bool {
        self.depts.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.depts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.depts.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Department> {
        self.depts.values()
    }

    /// Parent first, up to the top; empty for a top-level or unknown department.
    pub fn ancestors(&self, id: &DeptId) -> Vec<&DeptId> {
        let mut chain = Vec::new();
        let mut at = id;
        while let Some(parent) = self.depts.get(at).and_then(|d| d.parent.as_ref()) {
            // Validation rules out cycles; the bound keeps a bug from looping forever.
            if chain.len() >= MAX_DEPTH {
                break;
            }
            chain.push(parent);
            at = parent;
        }
        chain
    }

    pub fn level(&self, id: &DeptId) -> Option<DeptLevel> {
        if !self.contains(id) {
            return None;
        }
        Some(match self.ancestors(id).len() {
            0 => DeptLevel::City,
            1 => DeptLevel::District,
            2 => DeptLevel::Street,
            _ => DeptLevel::Office,
        })
    }

    pub fn children(&self, id: &DeptId) -> Vec<&Department> {
        self.depts
            .values()
            .filter(|d| d.parent.as_ref() == Some(id))
            .collect()
    }

    /// `id` is `ancestor` or below it.
    pub fn is_within(&self, id: &DeptId, ancestor: &DeptId) -> bool {
        id == ancestor || self.ancestors(id).contains(&ancestor)
    }
}

/// Centre users see every ticket. A department user sees the tickets dispatched to its
/// department (as lead or co-handler, including after they are closed or reopened) and those an
/// escalation brought to it; a returned ticket leaves the department that returned it.
pub fn can_see(actor: &Actor, ticket: &TicketState) -> bool {
    if actor.role != Role::Department {
        return true;
    }
    actor
        .department
        .as_ref()
        .is_some_and(|d| ticket.is_assigned_to(d) || ticket.escalated_to.contains(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Directory {
        Directory::new([
            Department::new("city", "市政府", None),
            Department::new("city.housing", "市住建局", Some("city")),
            Department::new("d1", "东城区", Some("city")),
            Department::new("d1.s1", "东华街道", Some("d1")),
            Department::new("d1.s1.c1", "东华社区", Some("d1.s1")),
        ])
        .unwrap()
    }

    #[test]
    fn levels_and_chains() {
        let dir = tree();
        let c1 = DeptId::from("d1.s1.c1");
        assert_eq!(dir.level(&c1), Some(DeptLevel::Office));
        assert_eq!(dir.level(&DeptId::from("city")), Some(DeptLevel::City));
        let chain: Vec<&str> = dir.ancestors(&c1).iter().map(|d| d.as_str()).collect();
        assert_eq!(chain, ["d1.s1", "d1", "city"]);
        assert!(dir.is_within(&c1, &DeptId::from("d1")));
        assert!(!dir.is_within(&c1, &DeptId::from("city.housing")));
        assert_eq!(dir.children(&DeptId::from("city")).len(), 2);
        assert_eq!(dir.level(&DeptId::from("nowhere")), None);
        assert!(dir.ancestors(&DeptId::from("nowhere")).is_empty());
    }

    #[test]
    fn invalid_trees_are_refused() {
        let too_deep = Directory::new([
            Department::new("a", "a", None),
            Department::new("b", "b", Some("a")),
            Department::new("c", "c", Some("b")),
            Department::new("d", "d", Some("c")),
            Department::new("e", "e", Some("d")),
        ]);
        assert!(matches!(
            too_deep,
            Err(DepartmentError::TooDeep { depth: 5, .. })
        ));
        let cycle = Directory::new([
            Department::new("a", "a", Some("c")),
            Department::new("b", "b", Some("a")),
            Department::new("c", "c", Some("b")),
        ]);
        assert!(matches!(cycle, Err(DepartmentError::Cycle(_))));
        let own = Directory::new([Department::new("a", "a", Some("a"))]);
        assert!(matches!(own, Err(DepartmentError::Cycle(_))));
        let orphan = Directory::new([Department::new("a", "a", Some("x"))]);
        assert!(matches!(orphan, Err(DepartmentError::UnknownParent { .. })));
        let dup = Directory::new([
            Department::new("a", "a", None),
            Department::new("a", "b", None),
        ]);
        assert!(matches!(dup, Err(DepartmentError::Duplicate(_))));
        assert!(matches!(
            Directory::new([Department::new(" ", "a", None)]),
            Err(DepartmentError::EmptyId)
        ));
    }
}
