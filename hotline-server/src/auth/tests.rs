//! Auth scenarios on temporary databases, with a virtual clock (times are plain numbers).

use std::net::IpAddr;

use hotline_protocol::Role;

use super::*;
use crate::store::{AuditRow, Store};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn policy() -> AuthPolicy {
    AuthPolicy {
        password_cost: PasswordCost::MINIMAL,
        ..AuthPolicy::default()
    }
}

fn setup() -> (tempfile::TempDir, Auth) {
    let dir = tempfile::tempdir().unwrap();
    let auth = Auth::new(&dir.path().join("hotline.db"), policy()).unwrap();
    for (name, role) in [("agent1", Role::Agent), ("boss", Role::Supervisor)] {
        let account = NewAccount::new(name, role, &format!("{name}-password"));
        auth.add_user(&account, &Actor::cli(), 0).unwrap();
    }
    (dir, auth)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn audit(auth: &Auth) -> Vec<AuditRow> {
    auth.store().audit_between(0, i64::MAX).unwrap()
}

fn actions(auth: &Auth) -> Vec<String> {
    audit(auth).into_iter().map(|r| r.entry.action).collect()
}

#[test]
fn login_gives_a_token_that_authenticates() {
    let (_dir, auth) = setup();
    let s = auth
        .login(
            "Agent1",
            "agent1-password",
            ip("10.0.0.5"),
            "agent-tui 0.1",
            1000,
        )
        .unwrap();
    assert_eq!(s.user.name, "agent1");
    assert_eq!(s.user.role, Role::Agent);
    assert_eq!(s.token.len(), 64);
    assert_eq!(s.expires_at_ms, 1000 + 12 * HOUR);
    assert!(
        !format!("{s:?}").contains(&s.token),
        "the token must not be logged"
    );
    assert!(!format!("{s:?}").contains("argon2"), "nor the hash");

    let user = auth.authenticate(&s.token, 2000).unwrap();
    assert_eq!(user.id, s.user.id);
    // Only the hash is stored.
    let row = auth
        .store()
        .session_by_token_hash(&token_hash(&s.token))
        .unwrap()
        .unwrap();
    assert_eq!(row.client, "agent-tui 0.1");
    assert_eq!(row.address, "10.0.0.5");
    assert!(
        auth.store()
            .session_by_token_hash(&s.token)
            .unwrap()
            .is_none()
    );

    let last = audit(&auth).pop().unwrap().entry;
    assert_eq!(
        (last.user.as_str(), last.role, last.action.as_str()),
        ("agent1", Some(Role::Agent), action::LOGIN)
    );
    assert_eq!(last.address.as_deref(), Some("10.0.0.5"));
    assert_eq!(last.at_ms, 1000);
}

#[test]
fn wrong_password_and_unknown_user_are_the_same_error() {
    let (_dir, auth) = setup();
    let a = ip("10.0.0.5");
    let wrong = auth.login("agent1", "nope-nope", a, "t", 0).unwrap_err();
    let unknown = auth.login("ghost", "nope-nope", a, "t", 0).unwrap_err();
    assert!(matches!(wrong, AuthError::InvalidCredentials));
    assert!(matches!(unknown, AuthError::InvalidCredentials));
    assert_eq!(wrong.to_string(), unknown.to_string());
    // Also for absurd input.
    let huge = "x".repeat(MAX_PASSWORD_LEN + 1);
    assert!(matches!(
        auth.login("agent1", &huge, a, "t", 0),
        Err(AuthError::InvalidCredentials)
    ));
    // The audit log tells them apart for the administrator.
    let reasons: Vec<String> = audit(&auth)
        .into_iter()
        .filter(|r| r.entry.action == action::LOGIN_FAILED)
        .map(|r| r.entry.detail["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        ["wrong password", "unknown user", "wrong password"]
    );
}

#[test]
fn unknown_users_cost_a_hash_verification_too() {
    // An unknown name must not answer faster than a known one: both cost one Argon2 run.
    let dir = tempfile::tempdir().unwrap();
    let off = LimitRule {
        max_failures: 0,
        window_ms: 0,
    };
    let policy = AuthPolicy {
        user_limit: off,
        address_limit: off,
        ..AuthPolicy::default()
    };
    let auth = Auth::new(&dir.path().join("hotline.db"), policy).unwrap();
    let account = NewAccount::new("agent1", Role::Agent, "agent1-password");
    auth.add_user(&account, &Actor::cli(), 0).unwrap();
    let a = ip("10.0.0.5");
    let _ = auth.login("ghost", "x-password", a, "t", 0); // makes the dummy hash
    // One Argon2 run per attempt whether the user exists or not, at the policy's cost (the
    // dummy hash is made with it): counted on this thread, so other tests do not disturb it.
    let runs = |name: &str| {
        let before = crate::auth::password::runs_on_this_thread();
        let _ = auth.login(name, "x-password", a, "t", 0);
        crate::auth::password::runs_on_this_thread() - before
    };
    assert_eq!(runs("agent1"), 1);
    assert_eq!(runs("ghost"), 1);
}

#[test]
fn disabled_users_cannot_log_in_and_lose_their_sessions() {
    let (_dir, auth) = setup();
    let a = ip("10.0.0.5");
    let s = auth.login("agent1", "agent1-password", a, "t", 0).unwrap();
    let (_, revoked) = auth
        .set_disabled("agent1", true, &Actor::cli(), 10)
        .unwrap();
    assert_eq!(revoked, 1);
    assert!(matches!(
        auth.authenticate(&s.token, 20),
        Err(AuthError::Unauthorized)
    ));
    // The right password learns it is disabled; a wrong one learns nothing.
    assert!(matches!(
        auth.login("agent1", "agent1-password", a, "t", 30),
        Err(AuthError::Disabled)
    ));
    assert!(matches!(
        auth.login("agent1", "wrong-password", a, "t", 30),
        Err(AuthError::InvalidCredentials)
    ));
    auth.set_disabled("agent1", false, &Actor::cli(), 40)
        .unwrap();
    auth.login("agent1", "agent1-password", a, "t", 50).unwrap();

    // Disabling a user directly in the store also stops its sessions at once.
    let s = auth.login("boss", "boss-password", a, "t", 60).unwrap();
    auth.store().set_disabled("boss", true, 70).unwrap();
    assert!(matches!(
        auth.authenticate(&s.token, 80),
        Err(AuthError::Unauthorized)
    ));
}

#[test]
fn tokens_expire_slide_and_stop_at_the_maximum() {
    let (_dir, auth) = setup();
    let a = ip("10.0.0.5");
    let s = auth.login("agent1", "agent1-password", a, "t", 0).unwrap();
    assert!(auth.authenticate(&s.token, 12 * HOUR - 1).is_ok());
    // That use moved the expiry to 24 h - 1 ms.
    assert!(auth.authenticate(&s.token, 20 * HOUR).is_ok());
    // Capped at 24 h after log-in however active.
    assert!(auth.authenticate(&s.token, 24 * HOUR - 1).is_ok());
    assert!(matches!(
        auth.authenticate(&s.token, 24 * HOUR),
        Err(AuthError::Unauthorized)
    ));

    // Idle for 12 h: gone.
    let s = auth.login("agent1", "agent1-password", a, "t", 0).unwrap();
    assert!(matches!(
        auth.authenticate(&s.token, 12 * HOUR),
        Err(AuthError::Unauthorized)
    ));
    assert_eq!(auth.store().purge_expired_sessions(24 * HOUR).unwrap(), 2);

    for garbage in ["", "abc", &"0".repeat(64), &"€".repeat(64)] {
        assert!(matches!(
            auth.authenticate(garbage, 0),
            Err(AuthError::Unauthorized)
        ));
    }
}

#[test]
fn touching_is_throttled() {
    let (_dir, auth) = setup();
    let s = auth
        .login("agent1", "agent1-password", ip("10.0.0.5"), "t", 0)
        .unwrap();
    let row = |auth: &Auth| {
        auth.store()
            .session_by_token_hash(&token_hash(&s.token))
            .unwrap()
            .unwrap()
    };
    auth.authenticate(&s.token, 30_000).unwrap();
    assert_eq!(row(&auth).last_seen_at_ms, 0);
    auth.authenticate(&s.token, 60_000).unwrap();
    assert_eq!(row(&auth).last_seen_at_ms, 60_000);
    assert_eq!(row(&auth).expires_at_ms, 60_000 + 12 * HOUR);
}

#[test]
fn logout_revokes_and_is_audited_once() {
    let (_dir, auth) = setup();
    let s = auth
        .login("agent1", "agent1-password", ip("10.0.0.5"), "t", 0)
        .unwrap();
    let other = auth
        .login("agent1", "agent1-password", ip("10.0.0.6"), "t", 0)
        .unwrap();
    assert!(auth.logout(&s.token, 5).unwrap());
    assert!(!auth.logout(&s.token, 6).unwrap());
    assert!(!auth.logout("garbage", 6).unwrap());
    assert!(matches!(
        auth.authenticate(&s.token, 7),
        Err(AuthError::Unauthorized)
    ));
    // Other sessions of the user stay.
    assert!(auth.authenticate(&other.token, 7).is_ok());
    let logouts: Vec<AuditRow> = audit(&auth)
        .into_iter()
        .filter(|r| r.entry.action == action::LOGOUT)
        .collect();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].entry.address.as_deref(), Some("10.0.0.5"));
}

#[test]
fn password_changes_revoke_every_session() {
    let (_dir, auth) = setup();
    let a = ip("10.0.0.5");
    let s1 = auth.login("agent1", "agent1-password", a, "t", 0).unwrap();
    let s2 = auth.login("agent1", "agent1-password", a, "t", 0).unwrap();
    let boss = auth.login("boss", "boss-password", a, "t", 0).unwrap();

    assert!(matches!(
        auth.change_password("agent1", "wrong-old", "new-password-1", a, 10),
        Err(AuthError::InvalidCredentials)
    ));
    assert!(matches!(
        auth.change_password("agent1", "agent1-password", "short", a, 10),
        Err(AuthError::PasswordTooShort { min: 8 })
    ));
    auth.change_password("agent1", "agent1-password", "new-password-1", a, 20)
        .unwrap();
    for s in [&s1, &s2] {
        assert!(matches!(
            auth.authenticate(&s.token, 30),
            Err(AuthError::Unauthorized)
        ));
    }
    assert!(auth.authenticate(&boss.token, 30).is_ok());
    assert!(auth.login("agent1", "agent1-password", a, "t", 40).is_err());
    let s3 = auth.login("agent1", "new-password-1", a, "t", 40).unwrap();

    // An admin's reset, without the old password.
    assert_eq!(
        auth.set_password("agent1", "new-password-2", &Actor::cli(), 50)
            .unwrap(),
        1
    );
    assert!(matches!(
        auth.authenticate(&s3.token, 60),
        Err(AuthError::Unauthorized)
    ));
    auth.login("agent1", "new-password-2", a, "t", 70).unwrap();
    assert!(matches!(
        auth.set_password("ghost", "new-password-2", &Actor::cli(), 80),
        Err(AuthError::UnknownUser(_))
    ));

    let changes: Vec<(String, i64)> = audit(&auth)
        .into_iter()
        .filter(|r| r.entry.action == action::PASSWORD_CHANGE)
        .map(|r| {
            (
                r.entry.user,
                r.entry.detail["sessions_revoked"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(changes, [("agent1".to_owned(), 2), ("cli".to_owned(), 1)]);
    assert!(actions(&auth).contains(&action::PASSWORD_CHANGE_FAILED.to_owned()));
}

#[test]
fn failures_per_user_are_limited_and_recover_after_the_window() {
    let (_dir, auth) = setup();
    // Spread over addresses so only the per-user rule applies.
    for i in 0..5 {
        let addr = ip(&format!("10.0.0.{i}"));
        let err = auth
            .login("agent1", "wrong-password", addr, "t", i * MIN)
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
    }
    // Even the right password is refused now, from anywhere.
    let limited = auth.login("agent1", "agent1-password", ip("10.9.9.9"), "t", 5 * MIN);
    match limited {
        Err(AuthError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 600),
        other => panic!("{other:?}"),
    }
    // Other users are unaffected.
    auth.login("boss", "boss-password", ip("10.0.0.1"), "t", 5 * MIN)
        .unwrap();
    // The first failure leaves the 15-minute window: one more try, which succeeds and
    // clears the count.
    assert!(matches!(
        auth.login(
            "agent1",
            "agent1-password",
            ip("10.9.9.9"),
            "t",
            15 * MIN - 1
        ),
        Err(AuthError::RateLimited {
            retry_after_secs: 1
        })
    ));
    auth.login("agent1", "agent1-password", ip("10.9.9.9"), "t", 15 * MIN)
        .unwrap();
    for i in 0..4 {
        let _ = auth.login(
            "agent1",
            "wrong-password",
            ip("10.0.0.1"),
            "t",
            16 * MIN + i,
        );
    }
    auth.login("agent1", "agent1-password", ip("10.0.0.1"), "t", 17 * MIN)
        .unwrap();
    // Refusals while limited are not audited: 5 + 4 failures.
    let failures = actions(&auth)
        .iter()
        .filter(|a| *a == action::LOGIN_FAILED)
        .count();
    assert_eq!(failures, 9);
}

#[test]
fn failures_per_address_are_limited_across_names() {
    let (_dir, auth) = setup();
    let attacker = ip("203.0.113.7");
    for i in 0..20 {
        // Different made-up names each time: the per-user rule never triggers.
        let _ = auth.login(&format!("guess{i}"), "password1", attacker, "t", i * 1000);
    }
    let err = auth
        .login("agent1", "agent1-password", attacker, "t", 20_000)
        .unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::RateLimited {
                retry_after_secs: 880
            }
        ),
        "{err}"
    );
    // The user is not locked out from elsewhere.
    auth.login("agent1", "agent1-password", ip("10.0.0.1"), "t", 20_000)
        .unwrap();
    // After the window the address may try again.
    auth.login("agent1", "agent1-password", attacker, "t", 15 * MIN + 1000)
        .unwrap();
}

#[test]
fn the_audit_log_is_append_only() {
    let (dir, auth) = setup();
    let entry =
        crate::store::AuditEntry::new(5, "boss", Some(Role::Supervisor), action::MONITOR, "agent1")
            .with_detail(serde_json::json!({ "mode": "listen", "call": "c-1" }))
            .with_address(ip("10.0.0.2"));
    let id = auth.audit(&entry).unwrap();
    let rows = audit(&auth);
    let row = rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.entry, entry);
    assert_eq!(auth.store().audit_between(5, 6).unwrap().len(), 1);
    assert_eq!(auth.store().audit_between(6, 7).unwrap().len(), 0);

    let conn = rusqlite::Connection::open(dir.path().join("hotline.db")).unwrap();
    let update = conn.execute("UPDATE audit_log SET user = 'someone' WHERE id = ?1", [id]);
    let delete = conn.execute("DELETE FROM audit_log", []);
    for result in [update, delete] {
        let err = result.unwrap_err().to_string();
        assert!(err.contains("append-only"), "{err}");
    }
    assert_eq!(audit(&auth).len(), rows.len());
}

#[test]
fn demo_accounts_are_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let store = Store::open(&path).unwrap();
    let demo = ensure_demo_accounts(&store, 1000).unwrap().unwrap();
    let names: Vec<(&str, Role)> = demo.iter().map(|(n, r, _)| (n.as_str(), *r)).collect();
    assert_eq!(
        names,
        [
            ("agent1", Role::Agent),
            ("agent2", Role::Agent),
            ("supervisor1", Role::Supervisor),
            ("admin", Role::Admin)
        ]
    );
    assert!(demo.iter().all(|(_, _, p)| p.len() == DEMO_PASSWORD_LEN));
    assert_ne!(demo[0].2, demo[1].2);
    assert!(ensure_demo_accounts(&store, 2000).unwrap().is_none());
    assert_eq!(store.user_count().unwrap(), 4);

    let agent1 = store.user_by_name("agent1").unwrap().unwrap();
    assert_eq!(agent1.work_number, "1001");
    assert_eq!(agent1.skills.len(), 4);
    assert!(agent1.skills.values().all(|l| *l == 5));
    assert_eq!(
        store.user_by_name("agent2").unwrap().unwrap().work_number,
        "1002"
    );

    let auth = Auth::new(&path, policy()).unwrap();
    for (name, _, password) in &demo {
        auth.login(name, password, ip("127.0.0.1"), "t", 3000)
            .unwrap();
    }
    let adds = audit(&auth)
        .into_iter()
        .filter(|r| r.entry.action == action::USER_ADD);
    assert!(
        adds.map(|r| r.entry.user)
            .all(|u| u == action::SYSTEM_ACTOR)
    );

    let banner = format_demo_banner(&demo);
    assert_eq!(banner.lines().count(), 3 + 4);
    for (name, role, password) in &demo {
        let line = banner
            .lines()
            .find(|l| l.contains(password.as_str()))
            .unwrap();
        assert!(
            line.contains(name.as_str()) && line.contains(role.as_str()),
            "{line}"
        );
    }
    assert!(banner.contains("  supervisor1  supervisor  "), "{banner}");
}

#[test]
fn account_rules() {
    let (_dir, auth) = setup();
    let add = |name: &str| {
        auth.add_user(
            &NewAccount::new(name, Role::Agent, "long-enough"),
            &Actor::cli(),
            0,
        )
    };
    assert!(matches!(add("AGENT1"), Err(AuthError::DuplicateUser(_))));
    for bad in ["", "has space", "system", "CLI", &"a".repeat(65)] {
        assert!(
            matches!(add(bad), Err(AuthError::InvalidName { .. })),
            "{bad:?}"
        );
    }
    add("wang.wu@12345").unwrap();
    add("王五").unwrap();
    let mut account = NewAccount::new("a9", Role::Agent, "long-enough");
    account.skills.insert("general".into(), 0);
    assert!(matches!(
        auth.add_user(&account, &Actor::cli(), 0),
        Err(AuthError::InvalidSkill { .. })
    ));
}

#[test]
fn a_live_token_resumes_its_own_users_session_only() {
    let (_dir, auth) = setup();
    let office = ip("10.0.0.5");
    let s = auth
        .login("agent1", "agent1-password", office, "t", 1000)
        .unwrap();
    let boss = auth
        .login("boss", "boss-password", office, "t", 1000)
        .unwrap();
    let back = auth
        .resume("AGENT1", &s.token, office, "t", 2 * HOUR)
        .unwrap();
    assert_eq!(back.user.name, "agent1");
    assert_eq!(back.token, s.token);
    assert_eq!(back.expires_at_ms, 14 * HOUR, "a resume slides the expiry");
    let last = audit(&auth).pop().unwrap().entry;
    assert_eq!(last.action, "login");
    assert_eq!(last.detail["resume"], true);
    // Another user's token, garbage, a revoked token, a disabled user: all refused.
    for token in [boss.token.as_str(), "xyz", &"0".repeat(64)] {
        let err = auth
            .resume("agent1", token, office, "t", 2 * HOUR)
            .unwrap_err();
        assert!(matches!(err, AuthError::Unauthorized), "{err}");
    }
    assert!(auth.logout(&boss.token, 2 * HOUR).unwrap());
    assert!(
        auth.resume("boss", &boss.token, office, "t", 2 * HOUR)
            .is_err()
    );
    assert!(
        auth.resume("agent1", &s.token, office, "t", 15 * HOUR)
            .is_err(),
        "expired: 12 h idle after the resume at 2 h"
    );
    let s = auth
        .login("agent1", "agent1-password", office, "t", 15 * HOUR)
        .unwrap();
    assert!(auth.still_valid(&s.token, 15 * HOUR).is_ok());
    auth.set_disabled("agent1", true, &Actor::cli(), 15 * HOUR)
        .unwrap();
    assert!(
        auth.resume("agent1", &s.token, office, "t", 15 * HOUR)
            .is_err()
    );
    assert!(auth.still_valid(&s.token, 15 * HOUR).is_err());
}

#[test]
fn refused_resumes_are_no_failed_log_ins() {
    let (_dir, auth) = setup();
    let nat = ip("203.0.113.9");
    let stale = new_token();
    // Far more refused resumes than either limit allows failures, from one address.
    for i in 0..50 {
        assert!(matches!(
            auth.resume("agent1", &stale, nat, "t", i * 100),
            Err(AuthError::Unauthorized)
        ));
    }
    assert!(!actions(&auth).iter().any(|a| a == "login_failed"));
    auth.login("agent1", "agent1-password", nat, "t", 6000)
        .unwrap();
    auth.login("boss", "boss-password", nat, "t", 6000).unwrap();
}
