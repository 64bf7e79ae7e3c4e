//! The ticket rules the API needs (deadline rules, category tree, holiday calendar), read once
//! from `assets/data` on first use.

use std::sync::{Arc, OnceLock};

use super::ApiError;
use crate::config::Config;
use crate::tickets::{CategoryTree, DeadlineRules, Deadlines, WorkCalendar};

#[derive(Default)]
pub struct Rules {
    // A broken rules file stays broken until restart: remember the message, not a retry.
    loaded: OnceLock<Result<Arc<Deadlines>, String>>,
}

impl Rules {
    pub fn deadlines(&self, config: &Config) -> Result<Arc<Deadlines>, ApiError> {
        self.loaded
            .get_or_init(|| load(config).map(Arc::new))
            .clone()
            .map_err(|e| ApiError::internal(&format!("ticket rules: {e}")))
    }
}

fn load(config: &Config) -> Result<Deadlines, String> {
    let assets =
        crate::server::find_assets(&config.server.assets_dir).map_err(|e| e.to_string())?;
    let read = |name: &str| {
        let path = assets.join("data").join(name);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let rules = DeadlineRules::parse(&read("deadlines.toml")?).map_err(|e| e.to_string())?;
    let categories = CategoryTree::parse(&read("categories.toml")?).map_err(|e| e.to_string())?;
    let calendar =
        WorkCalendar::from_holidays_toml(&read("holidays.toml")?).map_err(|e| e.to_string())?;
    Ok(Deadlines::new(
        rules,
        categories,
        calendar,
        config.server.tz(),
    ))
}
