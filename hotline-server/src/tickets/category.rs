//! The category tree (`assets/data/categories.toml`): what a ticket is about, with bilingual
//! labels and an optional time limit in working days that children inherit.
//!
//! A child's code extends its parent's (`environment.noise` under `environment`), so a filter on
//! a whole branch is a prefix match.

use serde::Deserialize;

use super::error::RulesError;

const FILE: &str = "categories.toml";
/// Top level, second level, third level.
const MAX_DEPTH: usize = 3;

/// One category and its children.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Time limit in working days; `None` inherits the parent's.
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub children: Vec<Category>,
}

/// The whole tree, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTree {
    roots: Vec<Category>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    category: Vec<Category>,
}

impl CategoryTree {
    /// Parses and validates: codes unique and non-empty, a child's code starting with its
    /// parent's code and a dot, labels present, days at least 1, at most three levels.
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let file: File = toml::from_str(text).map_err(|e| RulesError::Parse {
            file: FILE,
            message: e.message().to_owned(),
        })?;
        let tree = Self {
            roots: file.category,
        };
        let mut seen = std::collections::BTreeSet::new();
        for root in &tree.roots {
            validate(root, None, 1, &mut seen)?;
        }
        Ok(tree)
    }

    pub fn roots(&self) -> &[Category] {
        &self.roots
    }

    /// Every category, depth first.
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        let mut stack: Vec<&Category> = self.roots.iter().rev().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.children.iter().rev());
            Some(next)
        })
    }

    pub fn find(&self, code: &str) -> Option<&Category> {
        self.path(code).last().copied()
    }

    /// From the top-level category down to `code`; empty when unknown.
    pub fn path(&self, code: &str) -> Vec<&Category> {
        let mut path = Vec::new();
        let mut level = &self.roots;
        while let Some(c) = level
            .iter()
            .find(|c| code == c.code || is_below(code, &c.code))
        {
            path.push(c);
            if c.code == code {
                return path;
            }
            level = &c.children;
        }
        Vec::new()
    }

    /// The category's time limit in working days, or its nearest ancestor's.
    pub fn days(&self, code: &str) -> Option<u32> {
        self.path(code).iter().rev().find_map(|c| c.days)
    }
}

fn is_below(code: &str, ancestor: &str) -> bool {
    code.strip_prefix(ancestor)
        .is_some_and(|rest| rest.starts_with('.'))
}

fn validate<'a>(
    c: &'a Category,
    parent: Option<&str>,
    depth: usize,
    seen: &mut std::collections::BTreeSet<&'a str>,
) -> Result<(), RulesError> {
    let invalid = |problem: String| RulesError::Invalid {
        file: FILE,
        problem,
    };
    let code = c.code.as_str();
    if code.is_empty() || code.contains(char::is_whitespace) || code.ends_with('.') {
        return Err(invalid(format!(
            "category code \"{code}\" is not a valid code"
        )));
    }
    if !seen.insert(code) {
        return Err(invalid(format!("category {code} is listed twice")));
    }
    if let Some(p) = parent
        && !is_below(code, p)
    {
        return Err(invalid(format!("category {code} must start with \"{p}.\"")));
    }
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "category {code} is deeper than {MAX_DEPTH} levels"
        )));
    }
    if c.zh.trim().is_empty() || c.en.trim().is_empty() {
        return Err(invalid(format!(
            "category {code} needs both zh and en labels"
        )));
    }
    if c.days == Some(0) {
        return Err(invalid(format!("category {code}: days must be at least 1")));
    }
    for child in &c.children {
        validate(child, Some(code), depth + 1, seen)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLED: &str = include_str!("../../../assets/data/categories.toml");

    #[test]
    fn bundled_tree_is_valid_and_complete() {
        let tree = CategoryTree::parse(BUNDLED).unwrap();
        assert_eq!(tree.roots().len(), 15);
        for root in tree.roots() {
            assert!(root.days.is_some(), "{} has a default limit", root.code);
        }
        let zh: Vec<&str> = tree.roots().iter().map(|c| c.zh.as_str()).collect();
        for want in ["城乡建设", "环境保护", "水电气暖", "其他"] {
            assert!(zh.contains(&want), "{want}");
        }
        assert!(tree.iter().count() > 40);
        let noise = tree.find("environment.noise").unwrap();
        assert_eq!(noise.zh, "噪声污染");
        assert_eq!(tree.path("environment.noise").len(), 2);
        assert_eq!(tree.days("environment.noise"), tree.days("environment"));
        assert_eq!(tree.days("utilities.gas"), Some(1));
        assert!(tree.find("environment.nois").is_none());
        assert!(tree.find("nowhere").is_none());
        assert_eq!(tree.days("nowhere"), None);
    }

    #[test]
    fn invalid_trees_are_refused() {
        let dup = "[[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\n\
                   [[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\n";
        assert!(
            CategoryTree::parse(dup)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let prefix = "[[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\n\
                      [[category.children]]\ncode=\"b\"\nzh=\"乙\"\nen=\"B\"\n";
        assert!(
            CategoryTree::parse(prefix)
                .unwrap_err()
                .to_string()
                .contains("a.")
        );
        let zero = "[[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\ndays=0\n";
        assert!(CategoryTree::parse(zero).is_err());
        let unknown = "[[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\nlimit=3\n";
        assert!(CategoryTree::parse(unknown).is_err());
        let deep = "[[category]]\ncode=\"a\"\nzh=\"甲\"\nen=\"A\"\n\
                    [[category.children]]\ncode=\"a.b\"\nzh=\"乙\"\nen=\"B\"\n\
                    [[category.children.children]]\ncode=\"a.b.c\"\nzh=\"丙\"\nen=\"C\"\n\
                    [[category.children.children.children]]\ncode=\"a.b.c.d\"\nzh=\"丁\"\nen=\"D\"\n";
        assert!(
            CategoryTree::parse(deep)
                .unwrap_err()
                .to_string()
                .contains("deeper")
        );
    }
}
