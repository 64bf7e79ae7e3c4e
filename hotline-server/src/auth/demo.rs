//! Demo accounts on first start, so a fresh install can be tried at once. Their passwords are
//! random and shown once; the admin changes or disables them with `hotline-server user`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hotline_protocol::Role;

use super::accounts::add_account;
use super::{Actor, AuthError, AuthPolicy, NewAccount, random_password};
use crate::store::Store;

/// Length of a demo password (≈ 70 bits).
pub const DEMO_PASSWORD_LEN: usize = 12;

/// `(name, role, password)` of a created demo account.
pub type DemoAccount = (String, Role, String);

/// The skills of the embedded IVR flows' queues.
const DEMO_SKILLS: [&str; 4] = ["general", "complaint", "consult", "report"];

/// Creates agent1, agent2, supervisor1 and admin with random passwords — only when there is
/// no user at all. Returns `(name, role, password)` for the caller to print once, or `None`
/// when accounts existed already.
pub fn ensure_demo_accounts(
    store: &Store,
    now_ms: i64,
) -> Result<Option<Vec<DemoAccount>>, AuthError> {
    if store.user_count()? > 0 {
        return Ok(None);
    }
    let skills: BTreeMap<String, u8> = DEMO_SKILLS.iter().map(|s| ((*s).to_owned(), 5)).collect();
    let demo = [
        ("agent1", Role::Agent, "Agent 1", "1001", skills.clone()),
        ("agent2", Role::Agent, "Agent 2", "1002", skills),
        (
            "supervisor1",
            Role::Supervisor,
            "Supervisor 1",
            "2001",
            BTreeMap::new(),
        ),
        ("admin", Role::Admin, "Administrator", "", BTreeMap::new()),
    ];
    let policy = AuthPolicy::default();
    let mut created = Vec::with_capacity(demo.len());
    for (name, role, display_name, work_number, skills) in demo {
        let password = random_password(DEMO_PASSWORD_LEN);
        let account = NewAccount {
            display_name: display_name.to_owned(),
            work_number: work_number.to_owned(),
            skills,
            ..NewAccount::new(name, role, &password)
        };
        add_account(store, &policy, &account, &Actor::system(), now_ms)?;
        created.push((name.to_owned(), role, password));
    }
    Ok(Some(created))
}

/// The text the server prints once after creating the demo accounts.
pub fn format_demo_banner(accounts: &[DemoAccount]) -> String {
    let width = accounts.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    let mut s = String::from(
        "Demo accounts created. Their passwords are shown only this once: note them, then\n\
         change them with `hotline-server user passwd NAME --password-stdin`\n\
         or disable them with `hotline-server user disable NAME`.\n",
    );
    for (name, role, password) in accounts {
        // Writing to a String cannot fail.
        let _ = writeln!(s, "  {name:<width$}  {:<10}  {password}", role.as_str());
    }
    s
}
