//! Log-in on the WebSocket: with the password, or with the token of an earlier session
//! (`resume_token`, a workstation reconnecting).

use hotline_protocol::{ErrorBody, ErrorCode};

use crate::auth::{Auth, AuthError, Session};

/// What a workstation sent to log in.
pub(crate) struct Credentials {
    pub name: String,
    pub password: String,
    pub resume_token: Option<String>,
}

/// The refusal of a resume that the client answers with its password.
pub(crate) const RESUME_REFUSED: &str = "the session cannot be resumed (expired, revoked or \
     another user's); log in with the password";

/// Logs in, blocking (Argon2, SQLite): run it off the async workers. A resume token is tried
/// first; when it does not hold and a password came too, the password is tried; a refused
/// resume alone is [`RESUME_REFUSED`] and, unlike a wrong password, counts towards no limit.
pub(crate) fn log_in(
    auth: &Auth,
    c: &Credentials,
    address: std::net::IpAddr,
    client: &str,
    now_ms: i64,
) -> Result<Session, ErrorBody> {
    if let Some(token) = &c.resume_token {
        match auth.resume(&c.name, token, address, client, now_ms) {
            Ok(session) => return Ok(session),
            Err(AuthError::Unauthorized) if c.password.is_empty() => {
                tracing::info!(user = %c.name, %address, "resume refused");
                return Err(ErrorBody::new(ErrorCode::Unauthorized, RESUME_REFUSED));
            }
            Err(AuthError::Unauthorized) => {}
            Err(e) => return Err(refusal(&e)),
        }
    }
    auth.login(&c.name, &c.password, address, client, now_ms)
        .map_err(|e| refusal(&e))
}

fn refusal(e: &AuthError) -> ErrorBody {
    match e {
        AuthError::RateLimited { retry_after_secs } => ErrorBody::new(
            ErrorCode::RateLimited,
            format!("too many failed log-ins; try again in {retry_after_secs} s"),
        ),
        other => ErrorBody::new(ErrorCode::Unauthorized, other.to_string()),
    }
}
