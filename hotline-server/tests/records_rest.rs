//! The records an agent's screen needs, through REST v1 against a real SQLite file: the
//! screen-pop of a number (caller record, location, tickets open first), related-ticket
//! candidates with their reasons while a ticket is entered, and the daily digest as JSON and
//! text. The server runs in-process on 127.0.0.1:0 on a fixed clock.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use hotline_protocol::Role;
use hotline_server::auth::{Actor, Auth, AuthPolicy, NewAccount};
use hotline_server::config::Config;
use hotline_server::{ServerOptions, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PASSWORD: &str = "correct-horse-battery";

fn enc(s: &str) -> String {
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

/// One HTTP/1.0 request (no chunking) with a raw body; answers the status and the body.
async fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
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
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, raw[split + 4..].to_vec())
}

/// One JSON request; answers the status and the body text.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map(|t| format!("Bearer {t}")).unwrap_or_default();
    let mut headers = vec![("Content-Type", "application/json")];
    if token.is_some() {
        headers.push(("Authorization", auth.as_str()));
    }
    let (status, body) = http_raw(addr, method, path, &headers, payload.as_bytes()).await;
    (status, String::from_utf8(body).expect("utf-8"))
}

struct Client {
    addr: SocketAddr,
    token: String,
}

impl Client {
    async fn login(addr: SocketAddr, user: &str) -> Client {
        let body = json!({ "user": user, "password": PASSWORD });
        let (status, reply) = http(addr, "POST", "/api/v1/login", None, Some(&body)).await;
        assert_eq!(status, 200, "{reply}");
        let reply: Value = serde_json::from_str(&reply).expect("json");
        Client {
            addr,
            token: reply["token"].as_str().expect("token").to_owned(),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (status, body) = http(self.addr, "GET", path, Some(&self.token), None).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    async fn upload(&self, path: &str, name: &str, body: &[u8]) -> (u16, Value) {
        let auth = format!("Bearer {}", self.token);
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "image/jpeg"),
            ("X-Filename", name),
        ];
        let (status, reply) = http_raw(self.addr, "POST", path, &headers, body).await;
        let reply = serde_json::from_slice(&reply).unwrap_or(Value::Null);
        (status, reply)
    }

    async fn download(&self, path: &str) -> (u16, Vec<u8>) {
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

    async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, reply) = http(self.addr, "PUT", path, Some(&self.token), Some(body)).await;
        (
            status,
            serde_json::from_str(&reply).unwrap_or(Value::String(reply)),
        )
    }

    async fn post(&self, path: &str, body: &Value) -> Value {
        let (status, reply) = http(self.addr, "POST", path, Some(&self.token), Some(body)).await;
        assert_eq!(status, 201, "{path}: {reply}");
        serde_json::from_str(&reply).expect("json")
    }
}

fn add_user(auth: &Auth, name: &str, role: Role) {
    let account = NewAccount {
        name: name.to_owned(),
        role,
        password: PASSWORD.to_owned(),
        display_name: name.to_owned(),
        work_number: String::new(),
        department_id: None,
        skills: std::collections::BTreeMap::new(),
    };
    auth.add_user(&account, &Actor::cli(), 0).expect("add user");
}

fn ticket(subject: &str, number: &str, address: &str, urgency: &str, region: &str) -> Value {
    json!({
        "type": "complaint",
        "category": "urban_construction",
        "urgency": urgency,
        "subject": subject,
        "address": address,
        "region": region,
        "caller_number": number,
    })
}

/// The server on a fresh SQLite file in `dir`, on a fixed clock (Monday 2026-11-23, 10:00 in
/// Shanghai).
async fn start_server(dir: &std::path::Path) -> hotline_server::Running {
    let mut config = Config::default();
    config.server.sip_listen = "127.0.0.1:0".parse().expect("address");
    config.server.api_listen = "127.0.0.1:0".parse().expect("address");
    dir.clone_into(&mut config.server.data_dir);
    concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").clone_into(&mut config.server.assets_dir);
    // Monday 2026-11-23, 10:00 in Shanghai.
    let now: jiff::Timestamp = "2026-11-23T02:00:00Z".parse().expect("time");
    let options = ServerOptions {
        clock: Some(Arc::new(move || now)),
    };
    start(config, options).await.expect("start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_pop_related_tickets_and_the_daily_digest() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_server(dir.path()).await;
    let auth = Auth::new(&running.db_path, AuthPolicy::default()).expect("auth");
    add_user(&auth, "desk7", Role::Agent);
    add_user(&auth, "leader7", Role::Director);
    let agent = Client::login(running.api, "desk7").await;

    let caller = json!({
        "name": "王女士",
        "numbers": ["13912345678"],
        "category": "vip",
        "custom": { "tags": "老年人，独居" },
    });
    agent.post("/api/v1/callers", &caller).await;
    let noise = agent
        .post(
            "/api/v1/tickets",
            &ticket(
                "小区夜间施工噪音扰民",
                "13912345678",
                "幸福路12号3栋",
                "urgent",
                "东城区",
            ),
        )
        .await;
    let lamp = agent
        .post(
            "/api/v1/tickets",
            &ticket("路灯不亮", "13700000001", "和平路1号", "normal", "西城区"),
        )
        .await;

    // Screen-pop of the number: record, location, tags, the ticket.
    let (status, pop) = agent.get("/api/v1/screen-pop?number=13912345678").await;
    assert_eq!(status, 200, "{pop}");
    assert_eq!(pop["caller"]["name"], "王女士");
    assert_eq!(pop["caller"]["category"], "vip");
    assert_eq!(pop["caller"]["tags"], json!(["老年人", "独居"]));
    assert_eq!(
        pop["caller"]["location"],
        json!({"province": "江苏", "city": "南京"})
    );
    assert_eq!(pop["tickets"][0]["number"], noise["number"]);
    assert_eq!(pop["tickets"][0]["open"], true);
    let (_, unknown) = agent
        .get("/api/v1/screen-pop?number=%2B86%2025%208400%201234")
        .await;
    assert_eq!(unknown["caller"]["name"], Value::Null);
    assert_eq!(unknown["caller"]["location"]["city"], "南京");

    // Related candidates while a new ticket is typed: same caller, the building, similar text.
    let path = format!(
        "/api/v1/tickets/related?caller={}&address={}&text={}",
        enc("+86 139 1234 5678"),
        enc("幸福路12号"),
        enc("夜间施工噪音")
    );
    let (status, related) = agent.get(&path).await;
    assert_eq!(status, 200, "{related}");
    let first = &related["candidates"][0];
    assert_eq!(first["number"], noise["number"], "{related}");
    let kinds: Vec<&str> = first["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        ["same_caller", "nearby_address", "similar_text"],
        "{related}"
    );
    assert!(
        related["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .all(|c| c["number"] != lamp["number"]),
        "{related}"
    );
    let (status, _) = agent.get("/api/v1/tickets/related").await;
    assert_eq!(status, 400);

    // The daily digest: the urgent ticket is important; counts by category and region.
    let director = Client::login(running.api, "leader7").await;
    let (status, digest) = director.get("/api/v1/digest?date=2026-11-23").await;
    assert_eq!(status, 200, "{digest}");
    assert_eq!(digest["total"], 2);
    assert_eq!(digest["important"][0]["number"], noise["number"]);
    assert_eq!(digest["by_category"][0]["count"], 2);
    assert_eq!(digest["by_region"].as_array().map(Vec::len), Some(2));
    let (status, text) = director
        .get("/api/v1/digest?date=2026-11-23&format=text")
        .await;
    assert_eq!(status, 200);
    let text = text.as_str().expect("plain text");
    assert!(text.starts_with("每日要情 2026-11-23"), "{text}");
    assert!(text.contains("小区夜间施工噪音扰民"), "{text}");
    let (status, _) = agent.get("/api/v1/digest?date=2026-11-23").await;
    assert_eq!(status, 403, "agents do not read the leaders' digest");
    let (status, _) = director.get("/api/v1/digest?date=23.11.2026").await;
    assert_eq!(status, 400);

    // Attachments: stored under the data directory with a safe name, listed, downloaded.
    let id = noise["id"].as_i64().expect("id");
    let path = format!("/api/v1/tickets/{id}/attachments");
    let photo = b"\xff\xd8\xff\xe0 not really a jpeg";
    let (status, added) = agent
        .upload(&path, &enc("../../现场 照片.jpg"), photo)
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["file_name"], "现场 照片.jpg");
    assert_eq!(added["size"], photo.len());
    let (status, listed) = agent.get(&path).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["count"], 1);
    let attachment = listed["attachments"][0]["id"]
        .as_i64()
        .expect("attachment id");
    let (_, shown) = agent.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(
        shown["attachments"][0]["file_name"], "现场 照片.jpg",
        "{shown}"
    );
    let (status, bytes) = agent.download(&format!("{path}/{attachment}")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, photo);
    let stored: Vec<_> = std::fs::read_dir(dir.path().join("attachments").join(id.to_string()))
        .expect("attachment folder")
        .collect();
    assert_eq!(stored.len(), 1, "the file stays inside the ticket's folder");
    let (status, _) = agent
        .upload(&path, "x.bin", &vec![0u8; 10 * 1024 * 1024 + 1])
        .await;
    assert_eq!(status, 413, "over the size limit");
    let (status, _) = agent
        .upload("/api/v1/tickets/9999/attachments", "a.txt", b"a")
        .await;
    assert_eq!(status, 404);

    // The printable dispatch letter.
    let (status, letter) = agent.get(&format!("/api/v1/tickets/{id}/letter")).await;
    assert_eq!(status, 200);
    let letter = letter.as_str().expect("plain text");
    assert!(letter.starts_with("12345 热线 转办单"), "{letter}");
    assert!(letter.contains(&format!(
        "工单编号：{}",
        noise["number"].as_str().unwrap_or("")
    )));
    assert!(letter.contains("类别：城乡建设"), "{letter}");
    assert!(letter.contains("紧急程度：紧急"), "{letter}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_record_is_edited_and_keeps_what_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_server(dir.path()).await;
    let auth = Auth::new(&running.db_path, AuthPolicy::default()).expect("auth");
    add_user(&auth, "desk8", Role::Agent);
    add_user(&auth, "leader8", Role::Director);
    let agent = Client::login(running.api, "desk8").await;
    let a = agent
        .post(
            "/api/v1/callers",
            &json!({"name": "王女士", "numbers": ["13911110001"], "address": "幸福路12号",
                    "custom": {"tags": "老年人"}}),
        )
        .await;
    agent
        .post(
            "/api/v1/callers",
            &json!({"name": "李先生", "numbers": ["13911110002"]}),
        )
        .await;
    let path = format!("/api/v1/callers/{}", a["id"]);

    let (status, row) = agent
        .put(
            &path,
            &json!({"name": "王芳", "numbers": ["13911110001", "02558001234"]}),
        )
        .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["name"], "王芳");
    assert_eq!(row["numbers"], json!(["02558001234", "13911110001"]));
    assert_eq!(row["address"], "幸福路12号", "left out, kept");
    assert_eq!(row["custom"]["tags"], "老年人", "left out, kept");

    // Another caller's number: refused, nothing changes.
    let (status, err) = agent.put(&path, &json!({"numbers": ["13911110002"]})).await;
    assert_eq!(status, 409, "{err}");
    let (_, now) = agent.get(&path).await;
    assert_eq!(now["numbers"], json!(["02558001234", "13911110001"]));
    let (status, _) = agent.put(&path, &json!({"name": "  "})).await;
    assert_eq!(status, 400);
    let (status, _) = agent
        .put("/api/v1/callers/99999", &json!({"name": "x"}))
        .await;
    assert_eq!(status, 404);
    // The new number finds the record; a director may read callers but not edit them.
    let (_, pop) = agent.get("/api/v1/screen-pop?number=02558001234").await;
    assert_eq!(pop["caller"]["name"], "王芳", "{pop}");
    let director = Client::login(running.api, "leader8").await;
    let (status, _) = director.put(&path, &json!({"name": "改名"})).await;
    assert_eq!(status, 403);
}
