//! The API over TLS: with a certificate and key configured, /health answers over HTTPS to a
//! client that trusts the certificate, and a plain-HTTP request gets no answer.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_over_https_and_not_over_plain_http() {
    let dir = tempfile::tempdir().expect("tmp");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert_path = dir.path().join("api.crt");
    let key_path = dir.path().join("api.key");
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write key");

    let mut config = hotline_server::config::load(None).expect("defaults");
    config.server.sip_listen = "127.0.0.1:0".parse().expect("addr");
    config.server.api_listen = "127.0.0.1:0".parse().expect("addr");
    config.server.data_dir = dir.path().join("data");
    config.server.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").into();
    config.server.tls_cert = cert_path.display().to_string();
    config.server.tls_key = key_path.display().to_string();
    let running = hotline_server::start(config, hotline_server::ServerOptions::default())
        .await
        .expect("start");

    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).expect("trust");
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let tls = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let tcp = tokio::net::TcpStream::connect(running.api)
        .await
        .expect("connect");
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut stream = connector.connect(name, tcp).await.expect("TLS handshake");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.expect("read");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"ok\""), "{reply}");

    let mut plain = tokio::net::TcpStream::connect(running.api)
        .await
        .expect("connect");
    plain
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut buf = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(3), plain.read(&mut buf))
        .await
        .unwrap_or(Ok(0))
        .unwrap_or(0);
    assert!(
        !String::from_utf8_lossy(&buf[..n]).contains("200 OK"),
        "plain HTTP must not be served"
    );
    running.shutdown().await;
}
