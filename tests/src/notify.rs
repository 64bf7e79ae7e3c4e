//! Helpers for the notification tests: a clock the test moves, a small REST client, an SMS
//! gateway played by an axum server in the test (with failures on demand), Python's aiosmtpd
//! as a real SMTP server on loopback, Debian's dovecot as a real IMAP server, and a private CA
//! made with the openssl command for their TLS.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::TestServer;

/// A clock that stands still until the test moves it.
#[derive(Clone)]
pub struct MovableClock {
    base: jiff::Timestamp,
    offset_ms: Arc<AtomicI64>,
}

impl MovableClock {
    pub fn at(text: &str) -> Self {
        Self {
            base: text.parse().expect("timestamp"),
            offset_ms: Arc::default(),
        }
    }

    pub fn clock(&self) -> hotline_server::calls::Clock {
        let (base, offset) = (self.base, self.offset_ms.clone());
        Arc::new(move || {
            base.checked_add(jiff::SignedDuration::from_millis(
                offset.load(Ordering::Acquire),
            ))
            .expect("in range")
        })
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(i64::try_from(by.as_millis()).expect("ms"), Ordering::AcqRel);
    }
}

/// A logged-in REST user; logs in again when the session expired (tests move the clock).
pub struct Api {
    base: String,
    user: String,
    password: String,
    token: Mutex<String>,
    http: reqwest::Client,
}

impl Api {
    pub async fn login(server: &TestServer, user: &str, password: &str) -> Api {
        let api = Api {
            base: format!("http://{}/api/v1", server.running.api),
            user: user.to_owned(),
            password: password.to_owned(),
            token: Mutex::default(),
            http: reqwest::Client::new(),
        };
        api.relogin().await;
        api
    }

    async fn relogin(&self) {
        let reply: Value = self
            .http
            .post(format!("{}/login", self.base))
            .json(&json!({"user": self.user, "password": self.password}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login JSON");
        let token = reply["token"].as_str().expect("token");
        token.clone_into(&mut self.token.lock().expect("token"));
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        for _ in 0..2 {
            let token = self.token.lock().expect("token").clone();
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            if status == 401 {
                self.relogin().await;
                continue;
            }
            let text = resp.text().await.expect("body");
            return (status, serde_json::from_str(&text).unwrap_or(Value::Null));
        }
        panic!("{path}: still unauthorized after logging in again");
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    /// Files a ticket from `caller_number`; answers the ticket with its PIN.
    pub async fn file(&self, subject: &str, caller_number: &str) -> Value {
        let (status, t) = self
            .post(
                "/tickets",
                &json!({
                    "type": "complaint", "category": "market.services", "subject": subject,
                    "description": "商家拒不退款", "caller_number": caller_number,
                }),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        t
    }

    /// The ticket's notifications, waiting until `done` holds for them (10 s at most).
    pub async fn notifications_until(
        &self,
        ticket: i64,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let mut last = Vec::new();
        for _ in 0..200 {
            let (status, body) = self.get(&format!("/tickets/{ticket}/notifications")).await;
            assert_eq!(status, 200, "{body}");
            last = body["notifications"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if done(&last) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("notifications never got there: {last:#?}");
    }
}

/// One request the fake gateway received.
#[derive(Debug, Clone)]
pub struct GatewayHit {
    pub authorization: String,
    pub body: Value,
}

/// An SMS gateway on loopback: answers 503 to the first `failures` requests, then accepts
/// with `{"code": 0, "data": {"id": "gw-N"}}`.
#[derive(Clone, Default)]
pub struct FakeGateway {
    pub hits: Arc<Mutex<Vec<GatewayHit>>>,
    failures: Arc<AtomicI64>,
}

impl FakeGateway {
    pub async fn start(failures: i64) -> (FakeGateway, SocketAddr) {
        let gw = FakeGateway {
            hits: Arc::default(),
            failures: Arc::new(AtomicI64::new(failures)),
        };
        let app = Router::new()
            .route("/send", post(accept))
            .with_state(gw.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (gw, addr)
    }

    pub fn hits(&self) -> Vec<GatewayHit> {
        self.hits.lock().expect("hits").clone()
    }

    /// Makes the next `n` requests fail.
    pub fn fail_next(&self, n: i64) {
        self.failures.store(n, Ordering::Release);
    }
}

async fn accept(
    State(gw): State<FakeGateway>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let n = {
        let mut hits = gw.hits.lock().expect("hits");
        hits.push(GatewayHit {
            authorization,
            body,
        });
        hits.len()
    };
    if gw.failures.fetch_sub(1, Ordering::AcqRel) > 0 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"code": 503, "msg": "busy"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"code": 0, "data": {"id": format!("gw-{n}")}})),
    )
}

/// The first Python that has aiosmtpd (a pyenv shim may shadow the system one).
fn python_with_aiosmtpd() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        std::process::Command::new(py)
            .args(["-c", "import aiosmtpd"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A real SMTP server on loopback (aiosmtpd, `tests/data/smtp_sink.py`) that requires AUTH
/// with `user` / `password`, answers 451 to the first `failures` messages and prints each
/// accepted one as a JSON line. Fails clearly when aiosmtpd is not installed.
pub struct SmtpSink {
    pub port: u16,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    _child: tokio::process::Child,
}

impl SmtpSink {
    pub async fn start(user: &str, password: &str, failures: u32) -> SmtpSink {
        Self::start_with(user, password, failures, &[]).await
    }

    /// The same server speaking TLS with `ca`'s server certificate: `security` is
    /// `"starttls"` (STARTTLS required before AUTH and mail) or `"tls"` (TLS from the first
    /// byte).
    pub async fn start_secure(user: &str, password: &str, security: &str, ca: &TestCa) -> SmtpSink {
        let (cert, key) = (ca.cert.display().to_string(), ca.key.display().to_string());
        Self::start_with(user, password, 0, &[security, &cert, &key]).await
    }

    async fn start_with(user: &str, password: &str, failures: u32, tls: &[&str]) -> SmtpSink {
        use tokio::io::AsyncBufReadExt as _;
        let python = python_with_aiosmtpd().expect(
            "aiosmtpd is missing: apt-get install python3-aiosmtpd (or pip install aiosmtpd); \
             .ci/deps installs it",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/smtp_sink.py");
        let mut child = tokio::process::Command::new(python)
            .arg(script)
            .args([&port.to_string(), user, password, &failures.to_string()])
            .args(tls)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = tokio::time::timeout(Duration::from_secs(10), lines.recv()).await;
        assert!(
            matches!(ready, Ok(Some(ref l)) if l == "ready"),
            "the SMTP sink did not start: {ready:?}"
        );
        SmtpSink {
            port,
            lines,
            _child: child,
        }
    }

    /// The next message the server accepted (20 s at most).
    pub async fn next_message(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.recv())
            .await
            .expect("an e-mail arrives")
            .expect("the SMTP sink runs");
        serde_json::from_str(&line).expect("JSON line")
    }
}

/// Debian's dovecot serving one IMAP user from a maildir in a temporary folder, on a free
/// loopback port. Runs as root (CI and the developer machines are), with the mail owned by
/// `nobody`. Fails clearly when dovecot is not installed.
pub struct Dovecot {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<tokio::process::Child>,
}

impl Dovecot {
    pub async fn start(user: &str, password: &str) -> Dovecot {
        Self::start_with(user, password, None).await
    }

    /// The same server speaking IMAPS only (`ssl = required`, TLS from the first byte) with
    /// `ca`'s server certificate.
    pub async fn start_tls(user: &str, password: &str, ca: &TestCa) -> Dovecot {
        Self::start_with(user, password, Some(ca)).await
    }

    async fn start_with(user: &str, password: &str, tls: Option<&TestCa>) -> Dovecot {
        use std::os::unix::fs::PermissionsExt as _;
        let binary = "/usr/sbin/dovecot";
        assert!(
            std::path::Path::new(binary).exists(),
            "dovecot is missing: apt-get install dovecot-imapd (.ci/deps installs it)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        // Dovecot's own users (dovecot, dovenull, nobody) must reach their files.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        let maildir = root.join(format!("mail/{user}/Maildir"));
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
        }
        std::fs::write(root.join("passwd"), format!("{user}:{{PLAIN}}{password}\n"))
            .expect("passwd");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let r = root.display();
        // Plain IMAP on the port, or only IMAPS there.
        let (ssl, imap_port, imaps_port) = match tls {
            None => ("ssl = no".to_owned(), port, 0),
            Some(ca) => (
                format!(
                    "ssl = required\nssl_cert = <{}\nssl_key = <{}",
                    ca.cert.display(),
                    ca.key.display()
                ),
                0,
                port,
            ),
        };
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {r}/run\nstate_dir = {r}/state\n\
             log_path = /dev/stderr\n{ssl}\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain login\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid=65534 gid=65534 home={r}/mail/%u\n}}\n\
             mail_location = maildir:{r}/mail/%u/Maildir\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("conf");
        chown_nobody(&root.join("mail"));
        let child = tokio::process::Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dovecot runs");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Dovecot {
                    port,
                    dir,
                    child: Some(child),
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("dovecot did not listen on {port}");
    }

    /// Puts a message into the user's inbox, as a delivery agent would.
    pub fn deliver(&self, user: &str, name: &str, raw: &str) {
        let maildir = self.dir.path().join(format!("mail/{user}/Maildir"));
        let tmp = maildir.join("tmp").join(name);
        std::fs::write(&tmp, raw.replace('\n', "\r\n")).expect("message");
        chown_nobody(&tmp);
        std::fs::rename(&tmp, maildir.join("new").join(name)).expect("deliver");
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM to the master we started, so it stops its children too.
        if let Some(pid) = self
            .child
            .take()
            .as_ref()
            .and_then(tokio::process::Child::id)
        {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
    }
}

fn chown_nobody(path: &std::path::Path) {
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(path)
        .status()
        .expect("chown runs");
    assert!(
        status.success(),
        "chown {} (the tests run as root)",
        path.display()
    );
}

/// A private CA and a server certificate it signed for `127.0.0.1` and `localhost`, made
/// with the openssl command in a temporary folder: the servers present the certificate, the
/// client trusts the CA through `ca_file`.
pub struct TestCa {
    /// The CA's certificate (PEM): what `ca_file` names.
    pub ca: std::path::PathBuf,
    /// The server's certificate and key (PEM).
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCa {
    pub fn new() -> TestCa {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        // Dovecot reads the files as root, aiosmtpd as the test's user: both may.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let at = |f: &str| dir.path().join(f);
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl runs (apt-get install openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let mut ca_args = vec!["req", "-x509"];
        ca_args.extend(ec);
        ca_args.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Hotline Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&ca_args);
        let mut csr_args = vec!["req"];
        csr_args.extend(ec);
        csr_args.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        openssl(&csr_args);
        std::fs::write(
            at("server.ext"),
            "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n\
             keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .expect("extensions");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        for f in ["ca.pem", "server.pem", "server.key"] {
            std::fs::set_permissions(at(f), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        TestCa {
            ca: at("ca.pem"),
            cert: at("server.pem"),
            key: at("server.key"),
            _dir: dir,
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}
