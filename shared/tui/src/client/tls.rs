//! Whom a workstation trusts on `wss://` and `https://`: the public web roots, plus the CA
//! certificates of a PEM file (`--ca FILE`, else `$HOTLINE_CA`), since a city hotline usually
//! runs its own CA. A failed handshake is told apart here so the log-in line can name the
//! reason.
//!
//! The trust is set once for the process at start-up ([`trust_ca`]): every connection a
//! workstation opens (session task, REST calls, headless agent) goes to the one server.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite;

/// The environment variable read when `--ca` is not given.
pub const CA_ENV: &str = "HOTLINE_CA";

/// A CA file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("CA file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("CA file {path}: not a PEM certificate file: {source}")]
    Pem {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("CA file {path}: no certificate in it (expected PEM \"BEGIN CERTIFICATE\" blocks)")]
    Empty { path: PathBuf },
    #[error("CA file {path}: certificate {index} cannot be trusted as a CA: {source}")]
    Anchor {
        path: PathBuf,
        /// 1-based, in file order.
        index: usize,
        source: rustls::Error,
    },
    #[error("TLS set-up: {0}")]
    Setup(#[source] rustls::Error),
}

/// Why a TLS handshake failed, in both interface languages (the session task does not know
/// the workstation's; the text goes to the log-in line as it is). The source is rustls's own
/// account.
#[derive(Debug, thiserror::Error)]
pub enum TlsFailure {
    #[error(
        "服务器证书不受信任 / the server's certificate is not trusted: no known CA signed it \
         (give the hotline's CA with --ca FILE)"
    )]
    UnknownIssuer(#[source] rustls::Error),
    #[error("服务器证书与地址 {host} 不符 / the server's certificate is not valid for {host}")]
    WrongName {
        host: String,
        #[source]
        source: rustls::Error,
    },
    #[error(
        "服务器证书已过期或尚未生效 / the server's certificate has expired or is not yet valid \
         (check the clocks)"
    )]
    Expired(#[source] rustls::Error),
    #[error("服务器证书无效 / the server's certificate is not acceptable")]
    BadCertificate(#[source] rustls::Error),
    #[error("服务器没有用 TLS 应答 / the server did not answer in TLS (is its API plain ws://?)")]
    NotTls(#[source] rustls::Error),
    #[error("TLS 握手失败 / the TLS handshake failed")]
    Handshake(#[source] rustls::Error),
}

/// The roots a workstation trusts: the web's and the CA file's.
#[derive(Debug, Clone)]
pub struct Trust {
    config: Arc<ClientConfig>,
    /// The CA file's certificates, for the REST client (which keeps its own web roots).
    extra: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// The public web roots only.
    pub fn web() -> Result<Trust, TlsError> {
        Trust::with_cas(Vec::new(), Path::new(""))
    }

    /// The web roots and every certificate of the PEM file at `path` (other PEM blocks, such
    /// as a key someone left in the file, are skipped).
    pub fn from_pem_file(path: &Path) -> Result<Trust, TlsError> {
        let pem = std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
        let cas = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsError::Pem {
                path: path.to_owned(),
                source,
            })?;
        if cas.is_empty() {
            return Err(TlsError::Empty {
                path: path.to_owned(),
            });
        }
        Trust::with_cas(cas, path)
    }

    fn with_cas(cas: Vec<CertificateDer<'static>>, path: &Path) -> Result<Trust, TlsError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for (i, ca) in cas.iter().enumerate() {
            roots.add(ca.clone()).map_err(|source| TlsError::Anchor {
                path: path.to_owned(),
                index: i + 1,
                source,
            })?;
        }
        // Named, not the process default: the server's aws-lc-rs may be linked beside it
        // (tests run both in one process), and then rustls cannot pick one by itself.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Setup)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Trust {
            config: Arc::new(config),
            extra: cas,
        })
    }

    /// The rustls configuration of the WebSocket connection.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.config)
    }

    /// The CA file's certificates (none: web roots only).
    pub fn extra_cas(&self) -> &[CertificateDer<'static>] {
        &self.extra
    }
}

static TRUST: RwLock<Option<Trust>> = RwLock::new(None);

/// Makes `trust` the one every later connection of this process uses.
pub fn install(trust: Trust) {
    *TRUST.write().unwrap_or_else(PoisonError::into_inner) = Some(trust);
}

/// The installed trust; the web roots when nothing was installed.
pub fn trust() -> Result<Trust, TlsError> {
    if let Some(t) = TRUST
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        return Ok(t.clone());
    }
    let web = Trust::web()?;
    install(web.clone());
    Ok(web)
}

/// The CA file to use: the flag's, else the environment's (an empty value is none).
pub fn ca_path(flag: Option<&Path>, env: Option<OsString>) -> Option<PathBuf> {
    flag.map(Path::to_owned)
        .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// Start-up: trusts the web roots and the CA file given by `--ca` (`flag`) or `$HOTLINE_CA`.
pub fn trust_ca(flag: Option<&Path>) -> Result<(), TlsError> {
    let trust = match ca_path(flag, std::env::var_os(CA_ENV)) {
        Some(path) => Trust::from_pem_file(&path)?,
        None => Trust::web()?,
    };
    install(trust);
    Ok(())
}

/// The TLS reason of a failed WebSocket connection to `host`, when TLS is what failed.
pub fn failure(e: &tungstenite::Error, host: &str) -> Option<TlsFailure> {
    let tungstenite::Error::Io(io) = e else {
        return None;
    };
    let rustls_error = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(classify(rustls_error.clone(), host))
}

/// Sorts a handshake error into the reasons a person can act on.
pub fn classify(e: rustls::Error, host: &str) -> TlsFailure {
    match &e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer(e),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::WrongName {
                    host: host.to_owned(),
                    source: e,
                }
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::Expired(e),
            _ => TlsFailure::BadCertificate(e),
        },
        rustls::Error::InvalidMessage(_) => TlsFailure::NotTls(e),
        _ => TlsFailure::Handshake(e),
    }
}

#[cfg(test)]
mod tests;
