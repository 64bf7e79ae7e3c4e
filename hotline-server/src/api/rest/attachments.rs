//! `/tickets/{id}/attachments`: files attached to a ticket (photos, scanned letters). The body
//! is the raw file; its name comes in `X-Filename` (percent-encoded UTF-8 allowed). Files are
//! stored under `<data_dir>/attachments/<ticket id>/` with a generated, path-safe name.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotline_protocol::Capability;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::session::Authed;
use super::tickets::visible;
use super::{ApiError, Id, now_ms, with_store};
use crate::api::ApiDeps;
use crate::store::NewAttachment;

/// The largest attachment accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The header naming the file.
pub const FILENAME_HEADER: &str = "x-filename";
const MAX_NAME_CHARS: usize = 100;

/// A file name safe to show and to use in a path: the last path component, control
/// characters, separators and shell-special characters replaced, no leading dots, at most
/// 100 characters. Chinese and other letters stay.
pub fn safe_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '_') {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Decodes `%XX` escapes as UTF-8; `None` for a bad escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(digest: &[u8]) -> String {
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| ApiError::internal(&e))?;
    }
    std::fs::write(path, bytes).map_err(|e| ApiError::internal(&e))
}

/// `POST /tickets/{id}/attachments`: `201` with the attachment.
pub async fn add(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the attachment is empty"));
    }
    let raw_name = headers
        .get(FILENAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("X-Filename header missing"))?;
    let name = percent_decode(raw_name)
        .ok_or_else(|| ApiError::bad_request("X-Filename is not valid percent-encoded UTF-8"))?;
    let file_name = safe_file_name(&name);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .unwrap_or("application/octet-stream")
        .to_owned();
    let actor = me.actor();
    let user = actor.user.as_str().to_owned();
    let now = now_ms(&deps);
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let row = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        let sha256 = hex(&Sha256::digest(&body));
        // Time and hash prefix keep two uploads of one name apart.
        let relative = PathBuf::from("attachments")
            .join(id.to_string())
            .join(format!("{now}-{}-{file_name}", &sha256[..12]));
        let full = data_dir.join(&relative);
        write_file(&full, &body)?;
        let new = NewAttachment {
            ticket_id: id,
            file_name,
            content_type,
            size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            sha256,
            path: relative.to_string_lossy().into_owned(),
            uploaded_at_ms: now,
            uploaded_by: user,
        };
        store.add_attachment(&new).map_err(|e| {
            // No row, no file: nothing half-written stays behind.
            let _ = std::fs::remove_file(&full);
            ApiError::from(e)
        })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!(row))))
}

/// `GET /tickets/{id}/attachments`
pub async fn list(
    State(deps): State<ApiDeps>,
    me: Authed,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let rows = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        Ok(store.attachments(id)?)
    })
    .await?;
    Ok(Json(json!({ "count": rows.len(), "attachments": rows })))
}

/// `GET /tickets/{id}/attachments/{attachment}`: the file itself.
pub async fn download(
    State(deps): State<ApiDeps>,
    me: Authed,
    UrlPath((id, attachment)): UrlPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    me.require(Capability::ViewTickets)?;
    me.own_department()?;
    let actor = me.actor();
    let data_dir = deps.ctx.config.server.data_dir.clone();
    let (row, bytes) = with_store(&deps, move |store| {
        visible(store, &actor, id)?;
        let row = store
            .attachment(id, attachment)?
            .ok_or_else(|| ApiError::not_found(format!("attachment {attachment} not found")))?;
        let bytes = std::fs::read(data_dir.join(&row.path)).map_err(|e| ApiError::internal(&e))?;
        Ok((row, bytes))
    })
    .await?;
    let disposition = format!(
        "attachment; filename=\"file\"; filename*=UTF-8''{}",
        encode(&row.file_name)
    );
    let headers = [
        (header::CONTENT_TYPE, row.content_type),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, bytes).into_response())
}

/// Percent-encodes all but the unreserved characters (RFC 5987 `filename*`).
fn encode(s: &str) -> String {
    s.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_path_safe() {
        assert_eq!(safe_file_name("现场照片.jpg"), "现场照片.jpg");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\Users\\x\\信访件 扫描.pdf"),
            "信访件 扫描.pdf"
        );
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("a;rm -rf *|b.txt"), "a_rm -rf __b.txt");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name("a\u{0}b\nc"), "a_b_c");
        assert_eq!(
            safe_file_name(&"长".repeat(300)).chars().count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn header_names_are_percent_decoded() {
        assert_eq!(
            percent_decode("%E7%8E%B0%E5%9C%BA.jpg").as_deref(),
            Some("现场.jpg")
        );
        assert_eq!(percent_decode("plain.txt").as_deref(), Some("plain.txt"));
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("cut%E7"), None);
        assert_eq!(encode("现 场"), "%E7%8E%B0%20%E5%9C%BA");
    }
}
