//! TLS: rustls with its `ring` provider, chosen here explicitly (no process
//! default is relied on), HTTP/2 and HTTP/1.1 offered by ALPN. The
//! certificate and key are PEM files, read again on [`Tls::reload`] (the
//! binary calls it on SIGHUP): new connections get the new certificate,
//! open ones keep theirs. A certificate that does not match its key, that
//! has expired or is not valid yet, is refused with the file named, at
//! start and at reload alike (a refused reload keeps the certificate in
//! service).
//!
//! Mutual TLS (`client_ca`): every client must present a certificate that
//! authority issued; its subject's organization (O, else its common name)
//! is an agency code, and a request's token must be that agency's. The
//! token is still required: the certificate says which agency's network or
//! post the call comes from, the token which user and role make it, and
//! the audit log names that user; a token copied off the agency's machines
//! is useless without a certificate, and a certificate without a token.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

/// Why a certificate or key was refused.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM item.
    #[error("{0}: {1}")]
    File(PathBuf, String),
    /// The key is not the certificate's.
    #[error("{key}: this key does not match the certificate in {cert}")]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// Outside its validity.
    #[error("{0}: the certificate {1}")]
    Validity(PathBuf, String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's certificate and key files (and, for mutual TLS, the
/// clients' authority), and the configuration in service.
#[derive(Clone)]
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
    config: RustlsConfig,
}

/// What a connection's client certificate says (mutual TLS): each request
/// over TLS carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAgency {
    /// The client presented a certificate (always, under mutual TLS).
    pub certificate: bool,
    /// The agency it names, if it names a valid agency code.
    pub agency: Option<tocsin_core::AgencyCode>,
}

impl PeerAgency {
    /// Whether a token of `agency` may be used over this connection: no
    /// client certificate, or one that names that agency.
    pub fn admits(extensions: &axum::http::Extensions, agency: tocsin_core::AgencyCode) -> Result<(), String> {
        match extensions.get::<PeerAgency>() {
            Some(PeerAgency { certificate: true, agency: named }) if *named != Some(agency) => Err(match named {
                Some(named) => format!("the client certificate is {named}'s, the token {agency}'s"),
                None => "the client certificate names no agency (its subject's O or CN must be an agency code)".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("cert", &self.cert).field("key", &self.key).finish()
    }
}

impl Tls {
    /// Reads the certificate (its chain, leaf first) and its private key,
    /// and the clients' certificate authority for mutual TLS.
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Tls, TlsError> {
        let config = server_config(cert, key, client_ca, OffsetDateTime::now_utc())?;
        Ok(Tls {
            cert: cert.to_owned(),
            key: key.to_owned(),
            client_ca: client_ca.map(Path::to_owned),
            config: RustlsConfig::from_config(config),
        })
    }

    /// Reads the files again; on success new connections use them, on
    /// failure nothing changes.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = server_config(&self.cert, &self.key, self.client_ca.as_deref(), OffsetDateTime::now_utc())?;
        self.config.reload_from_config(config);
        Ok(())
    }

    pub(crate) fn rustls(&self) -> RustlsConfig {
        self.config.clone()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
    now: OffsetDateTime,
) -> Result<Arc<ServerConfig>, TlsError> {
    let bad = |path: &Path| {
        let path = path.to_owned();
        move |e: rustls_pki_types::pem::Error| TlsError::File(path.clone(), format!("not a PEM file: {e}"))
    };
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert).map_err(bad(cert))?.collect::<Result<_, _>>().map_err(bad(cert))?;
    let Some(leaf) = chain.first() else {
        return Err(TlsError::File(cert.to_owned(), "no CERTIFICATE in it".into()));
    };
    let secret = PrivateKeyDer::from_pem_file(key).map_err(bad(key))?;
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| TlsError::File(cert.to_owned(), format!("not an X.509 certificate: {e}")))?;
    let validity = parsed.validity();
    let (from, until) = (validity.not_before.to_datetime(), validity.not_after.to_datetime());
    if now > until {
        return Err(TlsError::Validity(cert.to_owned(), format!("expired on {until}")));
    }
    if now < from {
        return Err(TlsError::Validity(cert.to_owned(), format!("is not valid before {from}")));
    }
    let provider = provider();
    let signing = provider
        .key_provider
        .load_private_key(secret.clone_key())
        .map_err(|e| TlsError::File(key.to_owned(), format!("not a usable private key: {e}")))?;
    match CertifiedKey::new(chain.clone(), signing).keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(_) => return Err(TlsError::Mismatch { cert: cert.to_owned(), key: key.to_owned() }),
    }
    let builder = ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).map_err(bad(ca))? {
                roots
                    .add(c.map_err(bad(ca))?)
                    .map_err(|e| TlsError::File(ca.to_owned(), format!("not a CA certificate: {e}")))?;
            }
            if roots.is_empty() {
                return Err(TlsError::File(ca.to_owned(), "no CERTIFICATE in it".into()));
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::File(ca.to_owned(), format!("cannot verify clients with it: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, secret)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The agency a client certificate names: its subject's organization (O),
/// else its common name (CN), as an agency code.
pub(crate) fn agency_of(cert: &CertificateDer<'_>) -> Option<tocsin_core::AgencyCode> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    let subject = parsed.subject();
    let named = subject.iter_organization().next().or_else(|| subject.iter_common_name().next())?;
    tocsin_core::AgencyCode::parse(named.as_str().ok()?).ok()
}

/// Rustls's acceptor, which also hands each request of a connection the
/// agency its client certificate names ([`PeerAgency`]).
#[derive(Clone)]
pub(crate) struct PeerAcceptor(pub(crate) axum_server::tls_rustls::RustlsAcceptor);

impl<I, S> axum_server::accept::Accept<I, S> for PeerAcceptor
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = tokio_rustls::server::TlsStream<I>;
    type Service = axum::middleware::AddExtension<S, PeerAgency>;
    type Future = futures::future::BoxFuture<'static, std::io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let handshake = axum_server::accept::Accept::accept(&self.0, stream, service);
        Box::pin(async move {
            let (stream, service) = handshake.await?;
            let leaf = stream.get_ref().1.peer_certificates().and_then(|c| c.first());
            let peer = PeerAgency { certificate: leaf.is_some(), agency: leaf.and_then(agency_of) };
            Ok((stream, tower::Layer::layer(&axum::Extension(peer), service)))
        })
    }
}
