//! An https server on loopback that follows a script, trusted through a test CA (made
//! with `rcgen`; TLS with `tokio-rustls`): answers that may change from one request to the
//! next, or a server that stalls or never stops sending. What the outbound guard and the
//! published keys are tested against. Behind the `https` feature.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate in PEM, to trust as an extra root.
    pub pem: String,
}

impl TestCa {
    /// A new CA named `name`.
    ///
    /// # Panics
    /// When a key or certificate cannot be made.
    #[must_use]
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.distinguished_name.push(DnType::CommonName, name);
        let pem = params.self_signed(&key).expect("CA certificate").pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// Writes the CA certificate to `ca.pem` in `dir`, and returns the file's path (for
    /// `OAUTH_APPS_OUTBOUND_CA_FILE`).
    ///
    /// # Panics
    /// When the file cannot be written.
    #[must_use]
    pub fn write_pem(&self, dir: &std::path::Path) -> String {
        let file = dir.join("ca.pem");
        std::fs::write(&file, &self.pem).expect("CA file written");
        file.to_string_lossy().into_owned()
    }

    /// Writes a server certificate this CA signs for `127.0.0.1` and its private key to
    /// `server.pem` and `server-key.pem` in `dir`, for a server of another language;
    /// returns both paths.
    ///
    /// # Panics
    /// When a key, certificate or file cannot be made.
    #[must_use]
    pub fn write_server_pem(&self, dir: &std::path::Path) -> (String, String) {
        let key = KeyPair::generate().expect("server key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "oauth-apps test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        let (cert_path, key_path) = (dir.join("server.pem"), dir.join("server-key.pem"));
        std::fs::write(&cert_path, cert.pem()).expect("certificate written");
        std::fs::write(&key_path, key.serialize_pem()).expect("key written");
        (
            cert_path.to_string_lossy().into_owned(),
            key_path.to_string_lossy().into_owned(),
        )
    }

    /// A TLS client certificate this CA signs for `CN=cn,O=Example`, with the dNSName
    /// SANs `dns_names`, valid from 1 January `from` to 1 January `to`: its PEM and DER.
    ///
    /// # Panics
    /// When a key or certificate cannot be made.
    #[must_use]
    pub fn client_certificate(
        &self,
        cn: &str,
        dns_names: &[&str],
        (from, to): (i32, i32),
    ) -> (String, Vec<u8>) {
        let key = KeyPair::generate().expect("client key");
        let params = client_params(cn, dns_names, (from, to));
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("client certificate");
        (cert.pem(), cert.der().to_vec())
    }

    /// A server TLS configuration whose certificate this CA signs for `127.0.0.1`.
    ///
    /// # Panics
    /// When a key or certificate cannot be made.
    #[must_use]
    pub fn server(&self) -> Arc<ServerConfig> {
        self.server_for(&["127.0.0.1"])
    }

    /// A server TLS configuration whose certificate this CA signs for `names` (host names
    /// or IP addresses).
    ///
    /// # Panics
    /// When a key or certificate cannot be made.
    #[must_use]
    pub fn server_for(&self, names: &[&str]) -> Arc<ServerConfig> {
        let key = KeyPair::generate().expect("server key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "oauth-apps test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], key)
                .expect("server config");
        Arc::new(config)
    }
}

fn client_params(cn: &str, dns_names: &[&str], (from, to): (i32, i32)) -> CertificateParams {
    let names: Vec<String> = dns_names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names).expect("client params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Example");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    params
}

/// A self-signed TLS client certificate for `CN=cn,O=Example` (RFC 8705 §2.2), valid from
/// 2020 to 2040: its PEM, its DER, and its P-256 public key as a JWK (`kid` `cn`) whose
/// `x5c` is the certificate, as a client registers it.
///
/// # Panics
/// When a key or certificate cannot be made.
#[must_use]
pub fn self_signed_client_certificate(cn: &str) -> (String, Vec<u8>, serde_json::Value) {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("client key");
    let cert = client_params(cn, &[], (2020, 2040))
        .self_signed(&key)
        .expect("client certificate");
    // An uncompressed P-256 point: 0x04, then x and y.
    let point = key.public_key_raw();
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "kid": cn, "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        "x5c": [STANDARD.encode(cert.der())],
    });
    (cert.pem(), cert.der().to_vec(), jwk)
}

/// What the server does with each connection.
#[derive(Clone)]
pub enum Script {
    /// Reads the request head; the n-th request gets the n-th answer, and every request
    /// after the last answer gets the last one again; then closes.
    Answers(Vec<Vec<u8>>),
    /// Reads the request head, writes these bytes and then neither writes nor closes.
    AnswerThenStall(Vec<u8>),
    /// Accepts the TCP connection and never starts TLS.
    StallBeforeHandshake,
    /// Reads the request head and sends a chunked body that never ends.
    EndlessChunks,
    /// Reads the request head and sends the answer its path has in the table (which the
    /// test may change meanwhile), or a 404; then closes.
    Routes(Routes),
}

/// Answers by request path (`/client.json`, with its query), shared with the test.
pub type Routes = Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>;

/// A running server on `127.0.0.1`.
pub struct Server {
    /// Its port.
    pub port: u16,
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Listens on a free loopback port and answers the n-th request with the n-th of
    /// `answers` (the last one again after them); the task ends with the test's runtime.
    ///
    /// # Panics
    /// Without answers, or when no port can be bound.
    pub async fn start(tls: Arc<ServerConfig>, answers: Vec<Vec<u8>>) -> Self {
        assert!(!answers.is_empty(), "at least one answer");
        Self::scripted(tls, Script::Answers(answers)).await
    }

    /// Listens on a free loopback port and follows `script` on every connection.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn scripted(tls: Arc<ServerConfig>, script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let acceptor = TlsAcceptor::from(tls);
        let (count, seen) = (Arc::clone(&connections), Arc::clone(&heads));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (acceptor, script, seen) =
                    (acceptor.clone(), script.clone(), Arc::clone(&seen));
                tokio::spawn(serve(acceptor, tcp, script, seen));
            }
        });
        Self {
            port,
            connections,
            heads,
        }
    }

    /// `https://127.0.0.1:{port}{path}`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        self.url_for("127.0.0.1", path)
    }

    /// `https://{host}:{port}{path}`.
    #[must_use]
    pub fn url_for(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.port)
    }

    /// How many TCP connections it accepted.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The request heads it read, in order.
    ///
    /// # Panics
    /// When a serving task panicked.
    #[must_use]
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }

    /// How many requests it read.
    ///
    /// # Panics
    /// When a serving task panicked.
    #[must_use]
    pub fn requests(&self) -> usize {
        self.heads.lock().expect("heads").len()
    }
}

/// One connection, as `script` says.
async fn serve(
    acceptor: TlsAcceptor,
    tcp: tokio::net::TcpStream,
    script: Script,
    seen: Arc<Mutex<Vec<String>>>,
) {
    if matches!(script, Script::StallBeforeHandshake) {
        let _held = tcp;
        std::future::pending::<()>().await;
        return;
    }
    let Ok(mut tls) = acceptor.accept(tcp).await else {
        return;
    };
    let Some(head) = read_head(&mut tls).await else {
        return;
    };
    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let n = {
        let mut seen = seen.lock().expect("heads");
        seen.push(head);
        seen.len() - 1
    };
    match script {
        Script::Answers(answers) => {
            if let Some(answer) = answers.get(n).or_else(|| answers.last()) {
                let _ = tls.write_all(answer).await;
            }
            let _ = tls.shutdown().await;
        }
        Script::AnswerThenStall(bytes) => {
            let _ = tls.write_all(&bytes).await;
            let _ = tls.flush().await;
            let _held = tls;
            std::future::pending::<()>().await;
        }
        Script::EndlessChunks => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         transfer-encoding: chunked\r\n\r\n";
            if tls.write_all(head).await.is_err() {
                return;
            }
            let mut chunk = b"400\r\n".to_vec();
            chunk.extend_from_slice(&[b'x'; 1024]);
            chunk.extend_from_slice(b"\r\n");
            while tls.write_all(&chunk).await.is_ok() {}
        }
        Script::Routes(routes) => {
            let found = routes.lock().expect("routes").get(&path).cloned();
            let answer = found.unwrap_or_else(|| answer("404 Not Found", &[], b""));
            let _ = tls.write_all(&answer).await;
            let _ = tls.shutdown().await;
        }
        Script::StallBeforeHandshake => {}
    }
}

async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// An HTTP/1.1 answer with a `content-length`, closing the connection.
#[must_use]
pub fn answer(status: &str, fields: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A chunked HTTP/1.1 answer of `body` in chunks of at most 100 bytes, without a length.
#[must_use]
pub fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
    for chunk in body.chunks(100) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}
