//! The records an agent's screen needs, through REST v1 against a real SQLite file: the
//! screen-pop of a number (caller record, location, tickets open first), related-ticket
//! candidates with their reasons while a ticket is entered, and the daily digest as JSON and
//! text. The server runs in-process on 127.0.0.1:0 on a fixed clock.

mod common;

use common::{Client, MONDAY_10AM, add_user, config, enc, start_at};
use hotline_protocol::Role;
use serde_json::{Value, json};

/// The shapes this test reads replies in.
impl Client {
    /// A POST that must create (201); answers its JSON.
    async fn created(&self, path: &str, body: &Value) -> Value {
        self.must_post(path, body, 201).await
    }

    async fn upload_jpeg(&self, path: &str, name: &str, body: &[u8]) -> (u16, Value) {
        self.upload(path, "image/jpeg", name, body).await.pair()
    }

    async fn fetch(&self, path: &str) -> (u16, Vec<u8>) {
        let reply = self.download(path).await;
        (reply.status, reply.body)
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_pop_related_tickets_and_the_daily_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (running, auth) = start_at(config(dir.path()), MONDAY_10AM).await;
    add_user(&auth, "desk7", Role::Agent, None);
    add_user(&auth, "leader7", Role::Director, None);
    let agent = Client::login(running.api, "desk7").await;

    let caller = json!({
        "name": "王女士",
        "numbers": ["13912345678"],
        "category": "vip",
        "custom": { "tags": "老年人，独居" },
    });
    agent.created("/api/v1/callers", &caller).await;
    let noise = agent
        .created(
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
        .created(
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
        .upload_jpeg(&path, &enc("../../现场 照片.jpg"), photo)
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
    let (status, bytes) = agent.fetch(&format!("{path}/{attachment}")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, photo);
    let stored: Vec<_> = std::fs::read_dir(dir.path().join("attachments").join(id.to_string()))
        .expect("attachment folder")
        .collect();
    assert_eq!(stored.len(), 1, "the file stays inside the ticket's folder");
    let (status, _) = agent
        .upload_jpeg(&path, "x.bin", &vec![0u8; 10 * 1024 * 1024 + 1])
        .await;
    assert_eq!(status, 413, "over the size limit");
    let (status, _) = agent
        .upload_jpeg("/api/v1/tickets/9999/attachments", "a.txt", b"a")
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
    let (running, auth) = start_at(config(dir.path()), MONDAY_10AM).await;
    add_user(&auth, "desk8", Role::Agent, None);
    add_user(&auth, "leader8", Role::Director, None);
    let agent = Client::login(running.api, "desk8").await;
    let a = agent
        .created(
            "/api/v1/callers",
            &json!({"name": "王女士", "numbers": ["13911110001"], "address": "幸福路12号",
                    "custom": {"tags": "老年人"}}),
        )
        .await;
    agent
        .created(
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
