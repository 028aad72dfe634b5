//! SASL authentication, sans-IO: the mechanisms as state machines driven by bytes in and
//! bytes out, for the server (`serve --sasl-users`) and for minikafka's own clients
//! (`--command-config`). The wire adapters (`wire/sasl_handshake.rs`,
//! `wire/sasl_authenticate.rs`) feed them the tokens of SaslAuthenticate requests; nothing
//! here reads a socket or a clock.
//!
//! - [`plain`]: PLAIN (RFC 4616): one message `authzid NUL username NUL password`.
//! - [`scram`]: SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677): a salted challenge,
//!   the password never crosses the wire.
//! - [`users`]: the users file of `serve --sasl-users` and the credentials derived from it.
//!
//! The cryptography is RustCrypto's (`hmac`, `sha2`, `pbkdf2`); secrets are compared in
//! constant time (`subtle`). Like the rest of the core this module draws no randomness of
//! its own: SCRAM nonces and salts come from a [`Random`] source the driver hands in (the
//! server and the CLI pass the operating system's CSPRNG, `net::os_random`; tests pass
//! fixed bytes).

pub mod plain;
pub mod scram;
pub mod users;

use std::fmt;
use std::sync::Arc;

pub use users::Credentials;

/// A SASL mechanism minikafka speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// PLAIN: the password in clear (only sensible under TLS).
    Plain,
    /// SCRAM-SHA-256.
    ScramSha256,
    /// SCRAM-SHA-512.
    ScramSha512,
}

impl Mechanism {
    /// Every mechanism, in the order `serve` lists them.
    pub const ALL: [Mechanism; 3] = [
        Mechanism::Plain,
        Mechanism::ScramSha256,
        Mechanism::ScramSha512,
    ];

    /// The name on the wire (SaslHandshake) and in client configs.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism named `name` (exactly, as Kafka compares them).
    pub fn from_name(name: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Parse a comma-separated list such as `PLAIN,SCRAM-SHA-256` (case-insensitive here,
    /// for the command line).
    pub fn parse_list(list: &str) -> Result<Vec<Mechanism>, String> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let m = Mechanism::from_name(&name.to_ascii_uppercase()).ok_or_else(|| {
                format!(
                    "unknown SASL mechanism {name:?} (known: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
                )
            })?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.is_empty() {
            return Err("no SASL mechanism given".into());
        }
        Ok(out)
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a server mechanism says after a client token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this challenge and wait for the client's next token.
    Continue(Vec<u8>),
    /// Authenticated as `user`; send `response` (SCRAM's server signature, empty for PLAIN).
    Done {
        /// The final token to send.
        response: Vec<u8>,
        /// Who the client is.
        user: String,
    },
    /// Refused.
    Failed(AuthFailure),
}

/// Why a login was refused: `message` goes to the client (SASL_AUTHENTICATION_FAILED) and
/// the log; `user` (when the client got as far as naming one) goes to the log. Neither
/// ever holds the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// The user the client claimed, if it named one.
    pub user: Option<String>,
    /// What to tell the client.
    pub message: String,
}

impl AuthFailure {
    fn new(user: Option<&str>, message: impl Into<String>) -> Self {
        AuthFailure {
            user: user.map(str::to_string),
            message: message.into(),
        }
    }
}

/// One server-side authentication in progress, for the mechanism the client chose in its
/// SaslHandshake.
#[derive(Debug)]
pub enum ServerSession {
    /// PLAIN: one token.
    Plain,
    /// SCRAM: two round trips.
    Scram(Box<scram::ScramServer>),
    /// Done or failed: any further token is refused.
    Over,
}

impl ServerSession {
    /// A session for `mechanism`; SCRAM's server nonce is drawn from `random`.
    pub fn new(mechanism: Mechanism, random: &dyn Fn(&mut [u8])) -> ServerSession {
        match mechanism {
            Mechanism::Plain => ServerSession::Plain,
            Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
                ServerSession::Scram(Box::new(scram::ScramServer::new(mechanism, nonce(random))))
            }
        }
    }

    /// Feed the client's next token.
    pub fn step(&mut self, credentials: &Credentials, token: &[u8]) -> Step {
        let step = match self {
            ServerSession::Plain => plain::verify(credentials, token),
            ServerSession::Scram(scram) => scram.step(credentials, token),
            ServerSession::Over => Step::Failed(AuthFailure::new(
                None,
                "Authentication failed: the exchange is already over",
            )),
        };
        if !matches!(step, Step::Continue(_)) {
            *self = ServerSession::Over;
        }
        step
    }
}

/// Where randomness comes from: fills the buffer with unpredictable bytes. The server and
/// the CLI use the operating system's CSPRNG (`net::os_random`).
pub type Random = Arc<dyn Fn(&mut [u8]) + Send + Sync>;

/// A SCRAM nonce: 24 bytes of `random`, base64 (printable, no comma).
pub fn nonce(random: &dyn Fn(&mut [u8])) -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    random(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
