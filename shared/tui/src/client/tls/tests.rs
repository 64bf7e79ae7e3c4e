//! The CA file, and real `wss://` / `https://` connections to a local TLS server whose
//! certificate (for `localhost` only) a test CA signed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::*;
use crate::client::{Client, ClientError, RestClient, error_chain};

/// A test CA (its PEM) and a server certificate and key it signed for `localhost`.
struct TestPki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn test_pki() -> TestPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        cert: cert.der().clone(),
        key: rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    }
}

/// What the test server does with a connection once TLS is up.
#[derive(Clone, Copy)]
enum Serve {
    WebSocket,
    /// Answers one HTTP request with `200 ok`.
    Http,
}

/// A TLS server on 127.0.0.1 presenting `pki`'s certificate; returns its port.
async fn tls_server(pki: &TestPki, serve: Serve) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.cert.clone()], pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                match serve {
                    Serve::WebSocket => {
                        if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
                            use futures_util::StreamExt as _;
                            while ws.next().await.is_some() {}
                        }
                    }
                    Serve::Http => {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let _ = tls
                            .write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                            )
                            .await;
                        let _ = tls.shutdown().await;
                    }
                }
            });
        }
    });
    port
}

fn ca_file(dir: &Path, pem: &str) -> PathBuf {
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem).unwrap();
    path
}

#[test]
fn the_flag_beats_the_environment() {
    let flag = Path::new("/etc/hotline/ca.pem");
    assert_eq!(
        ca_path(Some(flag), Some("/other.pem".into())),
        Some(flag.to_owned())
    );
    assert_eq!(
        ca_path(None, Some("/other.pem".into())),
        Some(PathBuf::from("/other.pem"))
    );
    assert_eq!(ca_path(None, Some(OsString::new())), None);
    assert_eq!(ca_path(None, None), None);
}

#[test]
fn a_ca_file_may_hold_several_certificates_and_other_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (test_pki(), test_pki());
    let key_block = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let path = ca_file(dir.path(), &format!("{}{key_block}{}", a.ca_pem, b.ca_pem));
    let trust = Trust::from_pem_file(&path).unwrap();
    assert_eq!(trust.extra_cas().len(), 2);
    assert!(Trust::web().unwrap().extra_cas().is_empty());
}

#[test]
fn bad_ca_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let e = Trust::from_pem_file(&missing).unwrap_err();
    assert!(matches!(e, TlsError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("missing.pem"), "{e}");

    let path = ca_file(dir.path(), "just some text\n");
    let e = Trust::from_pem_file(&path).unwrap_err();
    assert!(matches!(e, TlsError::Empty { .. }), "{e:?}");
    assert!(e.to_string().contains("no certificate"), "{e}");

    let path = ca_file(
        dir.path(),
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    );
    let e = Trust::from_pem_file(&path).unwrap_err();
    assert!(matches!(e, TlsError::Pem { .. }), "{e:?}");

    // Valid PEM, but "hello" is no certificate.
    let path = ca_file(
        dir.path(),
        "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
    );
    let e = Trust::from_pem_file(&path).unwrap_err();
    assert!(matches!(e, TlsError::Anchor { index: 1, .. }), "{e:?}");
}

#[test]
fn handshake_errors_are_sorted_into_reasons() {
    let cert = |c| rustls::Error::InvalidCertificate(c);
    assert!(matches!(
        classify(cert(CertificateError::UnknownIssuer), "h"),
        TlsFailure::UnknownIssuer(_)
    ));
    let wrong = classify(cert(CertificateError::NotValidForName), "hotline.example");
    assert!(
        wrong.to_string().contains("not valid for hotline.example"),
        "{wrong}"
    );
    assert!(matches!(
        classify(cert(CertificateError::Expired), "h"),
        TlsFailure::Expired(_)
    ));
    assert!(matches!(
        classify(cert(CertificateError::BadSignature), "h"),
        TlsFailure::BadCertificate(_)
    ));
    assert!(matches!(
        classify(
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            "h"
        ),
        TlsFailure::NotTls(_)
    ));
}

#[tokio::test]
async fn wss_with_the_ca_connects_and_without_it_names_the_reason() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let with_ca = Trust::from_pem_file(&ca_file(dir.path(), &pki.ca_pem)).unwrap();
    let port = tls_server(&pki, Serve::WebSocket).await;
    let url = format!("wss://localhost:{port}/ws");

    let client = Client::connect_with(&url, &with_ca).await.unwrap();
    client.close().await;

    let Err(e) = Client::connect_with(&url, &Trust::web().unwrap()).await else {
        panic!("a certificate from an unknown CA was accepted");
    };
    assert!(
        matches!(
            &e,
            ClientError::Tls {
                source: TlsFailure::UnknownIssuer(_),
                ..
            }
        ),
        "{e:?}"
    );
    let text = error_chain(&e);
    assert!(text.contains("服务器证书不受信任"), "{text}");
    assert!(text.contains("not trusted"), "{text}");
    assert!(text.contains("--ca"), "{text}");

    // The certificate names localhost, not 127.0.0.1.
    let by_ip = format!("wss://127.0.0.1:{port}/ws");
    let Err(e) = Client::connect_with(&by_ip, &with_ca).await else {
        panic!("a certificate for another name was accepted");
    };
    let text = error_chain(&e);
    assert!(text.contains("not valid for 127.0.0.1"), "{text}");
    assert!(text.contains("不符"), "{text}");
}

#[tokio::test]
async fn rest_calls_trust_the_same_ca() {
    let pki = test_pki();
    let dir = tempfile::tempdir().unwrap();
    let with_ca = Trust::from_pem_file(&ca_file(dir.path(), &pki.ca_pem)).unwrap();
    let port = tls_server(&pki, Serve::Http).await;
    let url = format!("https://localhost:{port}/health");
    let timeout = Duration::from_secs(10);

    let http = RestClient::http_client_trusting(timeout, &with_ca).unwrap();
    let body = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, "ok");

    let http = RestClient::http_client_trusting(timeout, &Trust::web().unwrap()).unwrap();
    let e = http.get(&url).send().await.unwrap_err();
    assert!(
        error_chain(&e).contains("UnknownIssuer"),
        "{}",
        error_chain(&e)
    );
}
