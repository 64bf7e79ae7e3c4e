//! The work-order category tree (`assets/data/categories.toml`) flattened for a picker with
//! type-to-filter.

use hotline_tui::Lang;
use serde::Deserialize;

const CATEGORIES: &str = include_str!("../../../assets/data/categories.toml");

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    category: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    code: String,
    zh: String,
    en: String,
    #[serde(default)]
    children: Vec<Node>,
}

/// One category, in tree order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// 0 for a top-level category.
    pub depth: usize,
}

impl Category {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// Whether `filter` (any case) is part of the code or either label.
    pub fn matches(&self, filter: &str) -> bool {
        let f = filter.trim().to_lowercase();
        f.is_empty()
            || self.code.to_lowercase().contains(&f)
            || self.zh.contains(filter.trim())
            || self.en.to_lowercase().contains(&f)
    }
}

/// The embedded tree, flattened; an unreadable file gives no categories (the form then says
/// so when submitting) rather than stopping the workstation.
pub fn load() -> Vec<Category> {
    toml::from_str::<File>(CATEGORIES).map_or_else(|_| Vec::new(), |f| flatten(f.category))
}

fn flatten(nodes: Vec<Node>) -> Vec<Category> {
    fn walk(nodes: Vec<Node>, depth: usize, out: &mut Vec<Category>) {
        for n in nodes {
            out.push(Category {
                code: n.code,
                zh: n.zh,
                en: n.en,
                depth,
            });
            walk(n.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tree_loads_and_filters() {
        let all = load();
        assert!(all.len() > 15);
        assert!(all.iter().any(|c| c.depth == 1));
        let hits: Vec<_> = all.iter().filter(|c| c.matches("市政")).collect();
        assert!(!hits.is_empty());
        assert!(all.iter().filter(|c| c.matches("MUNICIPAL")).count() >= 1);
    }
}
