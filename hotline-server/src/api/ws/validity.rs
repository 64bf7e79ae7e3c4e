//! Whether an open session's token still holds. REST checks the token on every request; a
//! WebSocket lives for a shift, so it checks on every command and on a timer, and ends when
//! the token expired, was revoked, or the account was disabled.

use std::time::Duration;

use hotline_protocol::{ErrorBody, ErrorCode};
use tracing::warn;

use crate::api::ApiDeps;
use crate::auth::AuthError;

/// How often an idle session re-checks its token. A disabled account or a revoked token
/// ends its open sessions within this; each check is two indexed reads on SQLite, so even
/// 500 seats at this pace cost little.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(3);

/// The close code of a session the server ended because its token no longer holds (4000–4999
/// is the application's range).
pub(crate) const CLOSE_SESSION_ENDED: u16 = 4001;

/// `Err` with what to tell the workstation when `token` (of `user`) no longer holds. A command
/// (`touch`) counts as a use of the session and slides its expiry, a timer check does not.
/// A failing database is logged and let pass: one hiccup must not throw seats out.
pub(crate) async fn check(
    deps: &ApiDeps,
    user: &str,
    token: &str,
    touch: bool,
) -> Result<(), ErrorBody> {
    let auth = deps.auth.clone();
    let (user, token) = (user.to_owned(), token.to_owned());
    let verdict = tokio::task::spawn_blocking(move || {
        let now = jiff::Timestamp::now().as_millisecond();
        let result = if touch {
            auth.authenticate(&token, now)
        } else {
            auth.still_valid(&token, now)
        };
        match result {
            Ok(_) => Ok(()),
            Err(AuthError::Unauthorized) => {
                let disabled = auth
                    .store()
                    .user_by_name(&user)
                    .ok()
                    .flatten()
                    .is_none_or(|u| u.disabled);
                Err(ended(disabled))
            }
            Err(e) => {
                warn!(%user, error = %e, "session token not checked");
                Ok(())
            }
        }
    })
    .await;
    verdict.unwrap_or_else(|e| {
        warn!(error = %e, "session check task failed");
        Ok(())
    })
}

/// The error event (and close reason) of an ended session.
fn ended(disabled: bool) -> ErrorBody {
    let message = if disabled {
        "session ended: this account is disabled or removed; ask an administrator"
    } else {
        "session ended: the session expired or was revoked; log in again"
    };
    ErrorBody::new(ErrorCode::Unauthorized, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_fits_a_close_frame() {
        // A close frame's reason is at most 123 bytes.
        for disabled in [true, false] {
            let body = ended(disabled);
            assert!(body.message.len() <= 123, "{}", body.message);
            assert_eq!(body.code, ErrorCode::Unauthorized);
        }
    }
}
