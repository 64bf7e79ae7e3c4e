//! What the REST tests share: the server in-process on 127.0.0.1:0 on a fixed clock over a
//! fresh SQLite file, users, and a few lines of HTTP/1.0 over a TCP stream (one request per
//! connection), so the tests need no HTTP client crate.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use hotline_protocol::Role;
use hotline_server::auth::{Actor, Auth, AuthPolicy, NewAccount};
use hotline_server::config::Config;
use hotline_server::{Running, ServerOptions, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct-horse-battery";

/// Monday 2026-11-23, 10:00 in Shanghai: a working day.
pub const MONDAY_10AM: &str = "2026-11-23T02:00:00Z";

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
}

/// A response: status, headers as sent, body (de-chunked).
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Status and JSON body (`Null` when empty, the text as a string when not JSON).
    pub fn pair(&self) -> (u16, Value) {
        let body = if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
        };
        (self.status, body)
    }
}

/// One request with a raw body.
pub async fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(req, "{name}: {value}\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    // A refused upload may close the connection before the body is read.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    // Header names are case-insensitive: kept lower-cased for `contains` checks.
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let rest = &raw[split + 4..];
    let chunked = head.contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Reply { status, head, body }
}

/// One JSON request, with a bearer token when given.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map(|t| format!("Bearer {t}")).unwrap_or_default();
    let mut headers = vec![("Content-Type", "application/json")];
    if token.is_some() {
        headers.push(("Authorization", auth.as_str()));
    }
    http_raw(addr, method, path, &headers, payload.as_bytes()).await
}

/// A logged-in user of the API.
pub struct Client {
    pub addr: SocketAddr,
    pub token: String,
}

impl Client {
    pub async fn login(addr: SocketAddr, user: &str) -> Client {
        let body = json!({ "user": user, "password": PASSWORD });
        let reply = http(addr, "POST", "/api/v1/login", None, Some(&body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        Client {
            addr,
            token: reply.json()["token"].as_str().expect("token").to_owned(),
        }
    }

    /// One JSON request with this user's token.
    pub async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        http(self.addr, method, path, Some(&self.token), body).await
    }

    pub async fn get_reply(&self, path: &str) -> Reply {
        self.request("GET", path, None).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.request("GET", path, None).await.pair()
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("POST", path, Some(body)).await.pair()
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("PUT", path, Some(body)).await.pair()
    }

    /// A GET that must answer 200; answers its JSON.
    pub async fn ok(&self, path: &str) -> Value {
        let reply = self.request("GET", path, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        reply.json()
    }

    /// A POST that must answer `status`; answers its JSON.
    pub async fn must_post(&self, path: &str, body: &Value, status: u16) -> Value {
        let reply = self.request("POST", path, Some(body)).await;
        assert_eq!(reply.status, status, "{path} {body}: {}", reply.text());
        reply.json()
    }

    /// A POST that must succeed (200 or 201); answers its JSON.
    pub async fn posted(&self, path: &str, body: &Value) -> Value {
        let reply = self.request("POST", path, Some(body)).await;
        assert!(
            reply.status == 200 || reply.status == 201,
            "{path} {body}: {}",
            reply.text()
        );
        reply.json()
    }

    /// A raw upload with a file name.
    pub async fn upload(&self, path: &str, content_type: &str, name: &str, body: &[u8]) -> Reply {
        let auth = format!("Bearer {}", self.token);
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", content_type),
            ("X-Filename", name),
        ];
        http_raw(self.addr, "POST", path, &headers, body).await
    }

    pub async fn download(&self, path: &str) -> Reply {
        let auth = format!("Bearer {}", self.token);
        http_raw(
            self.addr,
            "GET",
            path,
            &[("Authorization", auth.as_str())],
            &[],
        )
        .await
    }
}

pub fn add_user(auth: &Auth, name: &str, role: Role, department_id: Option<i64>) {
    add_named_user(auth, name, name, role, department_id);
}

/// A user whose display name differs from the log-in name (reports show display names).
pub fn add_named_user(
    auth: &Auth,
    name: &str,
    display: &str,
    role: Role,
    department_id: Option<i64>,
) {
    let account = NewAccount {
        name: name.to_owned(),
        role,
        password: PASSWORD.to_owned(),
        display_name: display.to_owned(),
        work_number: String::new(),
        department_id,
        skills: std::collections::BTreeMap::new(),
    };
    auth.add_user(&account, &Actor::cli(), 0).expect("add user");
}

/// The test's configuration: loopback on free ports, data in `dir`, the repository's assets.
pub fn config(dir: &Path) -> Config {
    let mut config = Config::default();
    config.server.sip_listen = "127.0.0.1:0".parse().expect("address");
    config.server.api_listen = "127.0.0.1:0".parse().expect("address");
    dir.clone_into(&mut config.server.data_dir);
    concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").clone_into(&mut config.server.assets_dir);
    config
}

/// The server with `config` on a clock stopped at `now` (RFC 3339), and its auth service.
pub async fn start_at(config: Config, now: &str) -> (Running, Auth) {
    let now: jiff::Timestamp = now.parse().expect("time");
    let options = ServerOptions {
        clock: Some(Arc::new(move || now)),
    };
    let running = start(config, options).await.expect("start");
    let auth = Auth::new(&running.db_path, AuthPolicy::default()).expect("auth");
    (running, auth)
}
