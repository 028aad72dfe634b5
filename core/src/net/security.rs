//! How minikafka's own clients reach a broker: plaintext, TLS, SASL or both, from a Kafka
//! client properties file (`--command-config`, as Kafka's own tools take it). The CLI's
//! `produce`, `consume`, `topics`, `groups` and `offsets` use it through
//! [`client::connect_secure`](super::client::connect_secure), and so can anything else
//! that needs a connection to a real cluster.
//!
//! Properties read (Java's and librdkafka's names):
//!
//! | property | values |
//! |---|---|
//! | `security.protocol` | `PLAINTEXT` (default), `SSL`, `SASL_PLAINTEXT`, `SASL_SSL` |
//! | `sasl.mechanism` (or librdkafka's `sasl.mechanisms`) | `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` |
//! | `sasl.username`, `sasl.password` | the login (librdkafka's names) |
//! | `sasl.jaas.config` | Java's `... required username="..." password="...";`, instead of the two above |
//! | `ssl.ca.location` (or `ssl.truststore.location` with `ssl.truststore.type=PEM`) | PEM file of the CA(s) to trust; default: the system's |
//! | `ssl.endpoint.identification.algorithm` | `https` (default: the certificate must name the host) or empty / `none` |
//!
//! Any other property is reported back, to be warned about, and otherwise ignored.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::sasl::Mechanism;

/// Read and parse the server's users file (`serve --sasl-users`; format in
/// [`crate::sasl::users`]), salting the passwords with the OS CSPRNG.
pub fn load_users(path: &Path) -> Result<crate::sasl::Credentials, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the SASL users file {}: {e}", path.display()))?;
    crate::sasl::Credentials::parse(&text, &*super::os_random())
        .map_err(|e| format!("SASL users file {}: {e}", path.display()))
}

/// Kafka's security protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// Neither TLS nor SASL.
    Plaintext,
    /// TLS.
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// Kafka's name.
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    fn parse(value: &str) -> Result<SecurityProtocol, String> {
        match value.to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Ok(SecurityProtocol::Plaintext),
            "SSL" => Ok(SecurityProtocol::Ssl),
            "SASL_PLAINTEXT" => Ok(SecurityProtocol::SaslPlaintext),
            "SASL_SSL" => Ok(SecurityProtocol::SaslSsl),
            _ => Err(format!(
                "security.protocol={value}: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
            )),
        }
    }

    fn tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    fn sasl(self) -> bool {
        matches!(
            self,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }
}

/// A SASL login.
#[derive(Clone)]
pub struct SaslLogin {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// Who.
    pub username: String,
    /// The secret (never printed: `Debug` leaves it out).
    pub password: String,
}

impl std::fmt::Debug for SaslLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslLogin")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The TLS side, before it is turned into a rustls configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of the CAs to trust; `None`: the system's.
    pub ca: Option<PathBuf>,
    /// Whether the certificate must name the host connected to.
    pub verify_hostname: bool,
}

/// Everything a client needs to connect.
#[derive(Debug, Clone)]
pub struct ClientSecurity {
    /// Kafka's name for it.
    pub protocol: SecurityProtocol,
    /// TLS, when the protocol has it.
    pub tls: Option<TlsOptions>,
    /// SASL, when the protocol has it.
    pub sasl: Option<SaslLogin>,
    /// Properties that were not understood (to warn about).
    pub ignored: Vec<String>,
}

impl Default for ClientSecurity {
    fn default() -> Self {
        ClientSecurity {
            protocol: SecurityProtocol::Plaintext,
            tls: None,
            sasl: None,
            ignored: Vec::new(),
        }
    }
}

/// `key=value` (or `key: value`) lines; `#` and `!` start comments (Java properties, without
/// line continuations and escapes).
fn properties(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let at = line
            .find(['=', ':'])
            .ok_or_else(|| format!("line {}: expected key=value", index + 1))?;
        out.push((
            line[..at].trim().to_string(),
            line[at + 1..].trim().to_string(),
        ));
    }
    Ok(out)
}

/// `username="..."` in a JAAS line.
fn jaas_value(jaas: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=\"");
    let mut search = jaas;
    loop {
        let at = search.find(&pattern)?;
        // A whole word: `username=` must not match inside another key.
        let before = search[..at].chars().next_back();
        let rest = &search[at + pattern.len()..];
        if before.is_none_or(|c| c.is_whitespace() || c == ';') {
            return rest.find('"').map(|end| rest[..end].to_string());
        }
        search = rest;
    }
}

impl ClientSecurity {
    /// From the text of a properties file.
    pub fn from_properties(text: &str) -> Result<ClientSecurity, String> {
        let mut protocol = SecurityProtocol::Plaintext;
        let (mut mechanism, mut username, mut password) = (None, None, None);
        let (mut ca, mut truststore_type, mut verify_hostname) = (None, None, true);
        let mut ignored = Vec::new();
        for (key, value) in properties(text)? {
            match key.as_str() {
                "security.protocol" => protocol = SecurityProtocol::parse(&value)?,
                "sasl.mechanism" | "sasl.mechanisms" => {
                    mechanism = Some(Mechanism::from_name(&value).ok_or_else(|| {
                        format!(
                            "{key}={value}: minikafka speaks PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512"
                        )
                    })?)
                }
                "sasl.username" => username = Some(value),
                "sasl.password" => password = Some(value),
                "sasl.jaas.config" => {
                    username = jaas_value(&value, "username").or(username);
                    password = jaas_value(&value, "password").or(password);
                }
                "ssl.ca.location" | "ssl.truststore.location" => ca = Some(PathBuf::from(value)),
                "ssl.truststore.type" => truststore_type = Some(value),
                "ssl.endpoint.identification.algorithm" => {
                    verify_hostname = match value.to_ascii_lowercase().as_str() {
                        "https" => true,
                        "" | "none" => false,
                        _ => {
                            return Err(format!(
                                "ssl.endpoint.identification.algorithm={value}: expected https, none or nothing"
                            ))
                        }
                    }
                }
                _ => ignored.push(key),
            }
        }
        if let Some(kind) = truststore_type.filter(|t| !t.eq_ignore_ascii_case("PEM")) {
            return Err(format!(
                "ssl.truststore.type={kind}: only PEM files are read (convert with keytool/openssl)"
            ));
        }
        let sasl = match protocol.sasl() {
            false => None,
            true => {
                let mechanism = mechanism.ok_or(
                    "sasl.mechanism is required with SASL (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)",
                )?;
                let username = username
                    .ok_or("sasl.username (or username=\"...\" in sasl.jaas.config) is required")?;
                let password = password
                    .ok_or("sasl.password (or password=\"...\" in sasl.jaas.config) is required")?;
                Some(SaslLogin {
                    mechanism,
                    username,
                    password,
                })
            }
        };
        let tls = protocol.tls().then_some(TlsOptions {
            ca,
            verify_hostname,
        });
        Ok(ClientSecurity {
            protocol,
            tls,
            sasl,
            ignored,
        })
    }

    /// From a properties file.
    pub fn load(path: &Path) -> Result<ClientSecurity, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        ClientSecurity::from_properties(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The rustls configuration, when TLS is on (reads the CA file).
    pub fn tls_config(&self) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
        self.tls
            .as_ref()
            .map(|tls| super::tls::client_config(tls.ca.as_deref(), tls.verify_hostname))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sasl_ssl_properties_file() {
        let s = ClientSecurity::from_properties(
            "# minikafka\nsecurity.protocol=sasl_ssl\nsasl.mechanism = SCRAM-SHA-512\n\
             sasl.username=alice\nsasl.password=p=a:ss\nssl.ca.location=/tmp/ca.pem\n\
             ssl.endpoint.identification.algorithm=\nclient.id=x\n",
        )
        .unwrap();
        assert_eq!(s.protocol, SecurityProtocol::SaslSsl);
        let login = s.sasl.unwrap();
        assert_eq!(login.mechanism, Mechanism::ScramSha512);
        assert_eq!(
            (login.username.as_str(), login.password.as_str()),
            ("alice", "p=a:ss")
        );
        assert_eq!(
            s.tls,
            Some(TlsOptions {
                ca: Some("/tmp/ca.pem".into()),
                verify_hostname: false
            })
        );
        assert_eq!(s.ignored, vec!["client.id".to_string()]);
        assert!(!format!("{login:?}").contains("p=a:ss"), "Debug hides it");
    }

    #[test]
    fn java_jaas_and_errors() {
        let s = ClientSecurity::from_properties(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"bob\" password=\"b s\";\n",
        )
        .unwrap();
        let login = s.sasl.unwrap();
        assert_eq!(
            (login.username.as_str(), login.password.as_str()),
            ("bob", "b s")
        );
        assert!(s.tls.is_none());
        let err = |t: &str| ClientSecurity::from_properties(t).unwrap_err();
        assert!(
            err("security.protocol=SASL_SSL\nsasl.username=a\nsasl.password=b\n")
                .contains("sasl.mechanism is required")
        );
        assert!(err("security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n").contains("GSSAPI"));
        assert!(err("security.protocol=TLS\n").contains("expected PLAINTEXT"));
        assert!(err("security.protocol=SSL\nssl.truststore.type=JKS\n").contains("only PEM"));
        assert!(err("security.protocol\n").contains("line 1"));
        assert_eq!(
            ClientSecurity::from_properties("").unwrap().protocol,
            SecurityProtocol::Plaintext
        );
    }
}
