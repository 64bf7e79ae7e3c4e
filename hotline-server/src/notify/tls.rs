//! The CAs a mail server's certificate is checked against: the public web roots, or the PEM
//! file of a private CA (`[notify.smtp] ca_file`, `[notify.imap] ca_file`). Certificates are
//! always verified; a private mail server is trusted by naming its CA, never by looking away.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// The certificates in a PEM file; an error when it cannot be read or holds none.
pub fn ca_certs(ca_file: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| format!("ca_file {ca_file}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_file {ca_file}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("ca_file {ca_file}: no certificate in it"));
    }
    Ok(certs)
}

/// The roots: the file's CAs, or the public web roots when `ca_file` is `""`.
pub fn root_store(ca_file: &str) -> Result<RootCertStore, String> {
    if ca_file.is_empty() {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    }
    let mut roots = RootCertStore::empty();
    for cert in ca_certs(ca_file)? {
        roots
            .add(cert)
            .map_err(|e| format!("ca_file {ca_file}: {e}"))?;
    }
    Ok(roots)
}

/// A client connector that trusts `ca_file` (or the web roots).
pub fn connector(ca_file: &str) -> Result<tokio_rustls::TlsConnector, String> {
    // The provider is named: a process whose other crates bring in a second one (ring) has
    // no default, and the plain builder would panic.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(root_store(ca_file)?)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_ca_file_is_an_error_and_none_means_the_web_roots() {
        assert!(root_store("").is_ok_and(|r| !r.is_empty()));
        assert!(ca_certs("/nonexistent/ca.pem").is_err());
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = ca_certs(empty.to_str().unwrap()).unwrap_err();
        assert!(err.contains("no certificate"), "{err}");
    }

    #[test]
    fn a_pem_ca_is_read() {
        let ca = rcgen::generate_simple_self_signed(vec!["mail.example".to_owned()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, ca.cert.pem()).unwrap();
        let roots = root_store(file.to_str().unwrap()).unwrap();
        assert_eq!(roots.len(), 1);
    }
}
