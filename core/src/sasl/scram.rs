//! SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), server and client.
//!
//! ```text
//! client-first   n,,n=alice,r=<client nonce>
//! server-first   r=<client nonce><server nonce>,s=<salt, base64>,i=4096
//! client-final   c=biws,r=<both nonces>,p=<proof, base64>
//! server-final   v=<server signature, base64>
//! ```
//!
//! The server keeps, per user, the salt, the iteration count, `StoredKey = H(ClientKey)` and
//! `ServerKey`; the client proves it knows `ClientKey` (derived from the password) without
//! sending it, and the server proves it knows `ServerKey`. Channel binding is not supported
//! (neither does Kafka). Checks and messages follow Kafka's `ScramSaslServer`; a user the
//! server does not know goes through the same two steps as one with a wrong password and
//! gets the same answer.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{AuthFailure, Credentials, Mechanism, Step};

/// Kafka's minimum iteration count (and what minikafka uses).
pub const MIN_ITERATIONS: u32 = 4096;

/// What the server stores for one user and mechanism.
#[derive(Clone)]
pub struct ScramCredential {
    pub(crate) salt: Vec<u8>,
    pub(crate) iterations: u32,
    pub(crate) stored_key: Vec<u8>,
    pub(crate) server_key: Vec<u8>,
}

impl ScramCredential {
    /// Salt `password` (PBKDF2 with HMAC, `iterations` rounds) into the stored and server
    /// keys.
    pub fn derive(mechanism: Mechanism, password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = hi(mechanism, password.as_bytes(), salt, iterations);
        let client_key = hmac(mechanism, &salted, b"Client Key");
        ScramCredential {
            salt: salt.to_vec(),
            iterations,
            stored_key: hash(mechanism, &client_key),
            server_key: hmac(mechanism, &salted, b"Server Key"),
        }
    }
}

fn hmac(mechanism: Mechanism, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    match mechanism {
        Mechanism::ScramSha512 => run::<Hmac<Sha512>>(key, data),
        _ => run::<Hmac<Sha256>>(key, data),
    }
}

fn hash(mechanism: Mechanism, data: &[u8]) -> Vec<u8> {
    match mechanism {
        Mechanism::ScramSha512 => Sha512::digest(data).to_vec(),
        _ => Sha256::digest(data).to_vec(),
    }
}

/// RFC 5802's `Hi`: PBKDF2 with HMAC, one hash output long.
fn hi(mechanism: Mechanism, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    match mechanism {
        Mechanism::ScramSha512 => {
            let mut out = vec![0u8; 64];
            pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
            out
        }
        _ => {
            let mut out = vec![0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
            out
        }
    }
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// `saslname` of RFC 5802: `,` and `=` are written `=2C` and `=3D`.
fn encode_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

fn decode_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        match rest.get(at..at + 3) {
            Some("=2C") => out.push(','),
            Some("=3D") => out.push('='),
            _ => return None,
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Some(out)
}

/// A valid nonce: printable ASCII without `,`.
fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// The server side of one SCRAM exchange.
#[derive(Debug)]
pub struct ScramServer {
    mechanism: Mechanism,
    server_nonce: String,
    state: ServerState,
}

enum ServerState {
    ClientFirst,
    ClientFinal {
        user: String,
        /// `None` for a user the server does not know: the exchange goes on and fails at
        /// the proof, as for a wrong password.
        credential: Option<ScramCredential>,
        gs2_header: String,
        client_first_bare: String,
        server_first: String,
        nonce: String,
    },
    Over,
}

impl std::fmt::Debug for ServerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServerState::ClientFirst => "ClientFirst",
            ServerState::ClientFinal { .. } => "ClientFinal",
            ServerState::Over => "Over",
        })
    }
}

impl ScramServer {
    /// A new exchange; `server_nonce` must be fresh and unpredictable
    /// ([`nonce`](super::nonce)).
    pub fn new(mechanism: Mechanism, server_nonce: String) -> ScramServer {
        debug_assert!(valid_nonce(&server_nonce));
        ScramServer {
            mechanism,
            server_nonce,
            state: ServerState::ClientFirst,
        }
    }

    fn failed(&self, user: Option<&str>) -> Step {
        Step::Failed(AuthFailure::new(
            user,
            format!(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism {}",
                self.mechanism
            ),
        ))
    }

    /// Feed the client's next message.
    pub fn step(&mut self, credentials: &Credentials, token: &[u8]) -> Step {
        match std::mem::replace(&mut self.state, ServerState::Over) {
            ServerState::ClientFirst => self.client_first(credentials, token),
            ServerState::ClientFinal {
                user,
                credential,
                gs2_header,
                client_first_bare,
                server_first,
                nonce,
            } => {
                let Ok(message) = std::str::from_utf8(token) else {
                    return invalid(Some(&user), "the client's final message is not UTF-8");
                };
                let Some((without_proof, proof)) = message.rsplit_once(",p=") else {
                    return invalid(Some(&user), "the client's final message has no proof");
                };
                let mut attributes = without_proof.split(',');
                let binding = attributes.next().and_then(|a| a.strip_prefix("c="));
                if binding.and_then(|b| B64.decode(b).ok()).as_deref()
                    != Some(gs2_header.as_bytes())
                {
                    return invalid(
                        Some(&user),
                        "the channel binding does not match the client's first message",
                    );
                }
                // Kafka checks that the nonce *ends with* the one it sent, not that it is
                // equal: librdkafka writes the client nonce in front of the whole nonce
                // (`r=<client><client><server>`), and Kafka accepts that.
                let echoed = attributes.next().and_then(|a| a.strip_prefix("r="));
                if !echoed.is_some_and(|echoed| echoed.ends_with(nonce.as_str())) {
                    return invalid(
                        Some(&user),
                        "Invalid client nonce in the final client message.",
                    );
                }
                let Ok(proof) = B64.decode(proof) else {
                    return invalid(Some(&user), "the client proof is not base64");
                };
                let Some(credential) = credential else {
                    return self.failed(Some(&user));
                };
                let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
                let client_signature = hmac(
                    self.mechanism,
                    &credential.stored_key,
                    auth_message.as_bytes(),
                );
                if proof.len() != client_signature.len() {
                    return self.failed(Some(&user));
                }
                let client_key = xor(&proof, &client_signature);
                let computed = hash(self.mechanism, &client_key);
                if !bool::from(computed.ct_eq(&credential.stored_key)) {
                    return self.failed(Some(&user));
                }
                let server_signature = hmac(
                    self.mechanism,
                    &credential.server_key,
                    auth_message.as_bytes(),
                );
                Step::Done {
                    response: format!("v={}", B64.encode(server_signature)).into_bytes(),
                    user,
                }
            }
            ServerState::Over => invalid(None, "the SCRAM exchange is already over"),
        }
    }

    fn client_first(&mut self, credentials: &Credentials, token: &[u8]) -> Step {
        let Ok(message) = std::str::from_utf8(token) else {
            return invalid(None, "the client's first message is not UTF-8");
        };
        // gs2-header: channel-binding flag, authorization id.
        let mut parts = message.splitn(3, ',');
        let (Some(flag), Some(authzid), Some(bare)) = (parts.next(), parts.next(), parts.next())
        else {
            return invalid(None, "the client's first message is malformed");
        };
        if flag.starts_with("p=") {
            return invalid(None, "channel binding is not supported");
        }
        if flag != "n" && flag != "y" {
            return invalid(None, "the client's first message is malformed");
        }
        let gs2_header = format!("{flag},{authzid},");
        let mut attributes = bare.split(',');
        let name = attributes.next().and_then(|a| a.strip_prefix("n="));
        let client_nonce = attributes.next().and_then(|a| a.strip_prefix("r="));
        let (Some(name), Some(client_nonce)) = (name, client_nonce) else {
            return invalid(None, "the client's first message has no username or nonce");
        };
        let Some(user) = decode_name(name).filter(|u| !u.is_empty()) else {
            return invalid(None, "invalid username in the client's first message");
        };
        if !valid_nonce(client_nonce) {
            return invalid(Some(&user), "invalid client nonce");
        }
        for extension in attributes {
            if extension.starts_with("m=") {
                return invalid(Some(&user), "mandatory SCRAM extensions are not supported");
            }
            if extension == "tokenauth=true" {
                return invalid(Some(&user), "delegation tokens are not supported");
            }
        }
        if let Some(authzid) = authzid.strip_prefix("a=") {
            if decode_name(authzid).as_deref() != Some(user.as_str()) {
                return invalid(
                    Some(&user),
                    "Authentication failed: Client requested an authorization id that is different from username",
                );
            }
        } else if !authzid.is_empty() {
            return invalid(Some(&user), "the client's first message is malformed");
        }
        let credential = credentials
            .user(&user)
            .and_then(|u| u.scram(self.mechanism))
            .cloned();
        let (salt, iterations) = match &credential {
            Some(c) => (c.salt.clone(), c.iterations),
            None => (credentials.decoy_salt(&user), MIN_ITERATIONS),
        };
        let nonce = format!("{client_nonce}{}", self.server_nonce);
        let server_first = format!("r={nonce},s={},i={iterations}", B64.encode(salt));
        self.state = ServerState::ClientFinal {
            user,
            credential,
            gs2_header,
            client_first_bare: bare.to_string(),
            server_first: server_first.clone(),
            nonce,
        };
        Step::Continue(server_first.into_bytes())
    }
}

fn invalid(user: Option<&str>, message: &str) -> Step {
    Step::Failed(AuthFailure::new(user, message))
}

/// The client side of one SCRAM exchange.
pub struct ScramClient {
    mechanism: Mechanism,
    username: String,
    password: String,
    client_nonce: String,
    client_first_bare: String,
    server_signature: Option<Vec<u8>>,
}

impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// A new exchange as `username`; `client_nonce` must be fresh and unpredictable
    /// ([`nonce`](super::nonce)).
    pub fn new(mechanism: Mechanism, username: &str, password: &str, client_nonce: String) -> Self {
        let client_first_bare = format!("n={},r={client_nonce}", encode_name(username));
        ScramClient {
            mechanism,
            username: username.to_string(),
            password: password.to_string(),
            client_nonce,
            client_first_bare,
            server_signature: None,
        }
    }

    /// The first message.
    pub fn client_first(&self) -> Vec<u8> {
        format!("n,,{}", self.client_first_bare).into_bytes()
    }

    /// The server's challenge in, the proof out.
    pub fn client_final(&mut self, server_first: &[u8]) -> Result<Vec<u8>, String> {
        let message = std::str::from_utf8(server_first)
            .map_err(|_| "the server's SCRAM challenge is not UTF-8".to_string())?;
        if let Some(error) = message.strip_prefix("e=") {
            return Err(format!("the server refused: {error}"));
        }
        let mut attributes = message.split(',');
        let nonce = attributes.next().and_then(|a| a.strip_prefix("r="));
        let salt = attributes.next().and_then(|a| a.strip_prefix("s="));
        let iterations = attributes.next().and_then(|a| a.strip_prefix("i="));
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(format!(
                "malformed SCRAM challenge from the server: {message:?}"
            ));
        };
        if !nonce.starts_with(&self.client_nonce) || nonce.len() == self.client_nonce.len() {
            return Err("the server's SCRAM nonce does not extend the client's".into());
        }
        let salt = B64
            .decode(salt)
            .map_err(|_| "the server's SCRAM salt is not base64".to_string())?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| "the server's SCRAM iteration count is not a number".to_string())?;
        if !(MIN_ITERATIONS..=1_000_000).contains(&iterations) {
            return Err(format!(
                "the server asks for {iterations} SCRAM iterations (accepted: {MIN_ITERATIONS}..=1000000)"
            ));
        }
        let m = self.mechanism;
        let salted = hi(m, self.password.as_bytes(), &salt, iterations);
        let client_key = hmac(m, &salted, b"Client Key");
        let stored_key = hash(m, &client_key);
        let without_proof = format!("c={},r={nonce}", B64.encode("n,,"));
        let auth_message = format!("{},{message},{without_proof}", self.client_first_bare);
        let proof = xor(&client_key, &hmac(m, &stored_key, auth_message.as_bytes()));
        let server_key = hmac(m, &salted, b"Server Key");
        self.server_signature = Some(hmac(m, &server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)).into_bytes())
    }

    /// Check the server's signature: proof that the server knows the password too.
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<(), String> {
        let message = std::str::from_utf8(server_final)
            .map_err(|_| "the server's SCRAM answer is not UTF-8".to_string())?;
        if let Some(error) = message.strip_prefix("e=") {
            return Err(format!("the server refused: {error}"));
        }
        let expected = self
            .server_signature
            .as_ref()
            .ok_or_else(|| "the SCRAM exchange is not at its last step".to_string())?;
        let given = message
            .strip_prefix("v=")
            .and_then(|v| B64.decode(v).ok())
            .ok_or_else(|| format!("malformed SCRAM answer from the server: {message:?}"))?;
        if bool::from(given.ct_eq(expected)) {
            Ok(())
        } else {
            Err("the server's SCRAM signature is wrong: it does not know the password".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    /// RFC 7677's users: "user" with "pencil", salted with its salt.
    fn rfc_users() -> Credentials {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        Credentials::parse_with("user:pencil\n", |m, p| {
            ScramCredential::derive(m, p, &salt, 4096)
        })
        .unwrap()
    }

    fn done(step: Step) -> (Vec<u8>, String) {
        match step {
            Step::Done { response, user } => (response, user),
            other => panic!("not done: {other:?}"),
        }
    }

    fn cont(step: Step) -> Vec<u8> {
        match step {
            Step::Continue(challenge) => challenge,
            other => panic!("not a challenge: {other:?}"),
        }
    }

    fn failed(step: Step) -> AuthFailure {
        match step {
            Step::Failed(f) => f,
            other => panic!("accepted: {other:?}"),
        }
    }

    /// RFC 7677 section 3, byte for byte, through both sides.
    #[test]
    fn rfc7677_test_vector() {
        let users = rfc_users();
        let mut client = ScramClient::new(
            Mechanism::ScramSha256,
            "user",
            "pencil",
            CLIENT_NONCE.into(),
        );
        let mut server = ScramServer::new(Mechanism::ScramSha256, SERVER_NONCE.into());
        let first = client.client_first();
        assert_eq!(first, b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let challenge = cont(server.step(&users, &first));
        assert_eq!(
            String::from_utf8(challenge.clone()).unwrap(),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let last = client.client_final(&challenge).unwrap();
        assert_eq!(
            String::from_utf8(last.clone()).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        let (server_final, user) = done(server.step(&users, &last));
        assert_eq!(user, "user");
        assert_eq!(
            String::from_utf8(server_final.clone()).unwrap(),
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        client.verify_server_final(&server_final).unwrap();
        assert!(client
            .verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=")
            .is_err());
    }

    fn exchange(mechanism: Mechanism, user: &str, password: &str) -> Step {
        let users = Credentials::parse_with("alice:alice-secret\nb,o=b:x\n", |m, p| {
            ScramCredential::derive(m, p, b"some salt", 4096)
        })
        .unwrap();
        let mut client = ScramClient::new(mechanism, user, password, "clientnonce".into());
        let mut server = ScramServer::new(mechanism, "servernonce".into());
        let challenge = cont(server.step(&users, &client.client_first()));
        let step = server.step(&users, &client.client_final(&challenge).unwrap());
        if let Step::Done { response, .. } = &step {
            client.verify_server_final(response).unwrap();
        }
        step
    }

    #[test]
    fn sha512_and_escaped_names_go_through() {
        assert_eq!(
            done(exchange(Mechanism::ScramSha512, "alice", "alice-secret")).1,
            "alice"
        );
        assert_eq!(
            done(exchange(Mechanism::ScramSha256, "b,o=b", "x")).1,
            "b,o=b"
        );
    }

    #[test]
    fn a_wrong_password_or_user_is_refused_alike() {
        for mechanism in [Mechanism::ScramSha256, Mechanism::ScramSha512] {
            let wrong = failed(exchange(mechanism, "alice", "alice-secreT"));
            assert_eq!(wrong.user.as_deref(), Some("alice"));
            assert_eq!(
                wrong.message,
                format!("Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}")
            );
            let unknown = failed(exchange(mechanism, "mallory", "alice-secret"));
            assert_eq!(unknown.message, wrong.message);
        }
    }

    #[test]
    fn a_nonce_that_is_not_the_servers_is_refused() {
        let users = rfc_users();
        let mut server = ScramServer::new(Mechanism::ScramSha256, SERVER_NONCE.into());
        let mut client = ScramClient::new(
            Mechanism::ScramSha256,
            "user",
            "pencil",
            CLIENT_NONCE.into(),
        );
        let challenge = cont(server.step(&users, &client.client_first()));
        let last = String::from_utf8(client.client_final(&challenge).unwrap()).unwrap();
        // A replay with another server nonce (from an earlier exchange).
        let replayed = last.replace(SERVER_NONCE, "anothernonce");
        let refusal = failed(server.step(&users, replayed.as_bytes()));
        assert_eq!(
            refusal.message,
            "Invalid client nonce in the final client message."
        );
        // And the exchange is over: the right message no longer helps.
        assert!(matches!(
            server.step(&users, last.as_bytes()),
            Step::Failed(_)
        ));
    }

    /// A user that does not exist gets a challenge like a real one's, with a salt that is the
    /// same at every attempt (a fresh one each time would give it away).
    #[test]
    fn an_unknown_user_gets_a_stable_decoy_salt() {
        let users = rfc_users();
        let salt_of = |user: &str| {
            let mut server = ScramServer::new(Mechanism::ScramSha256, SERVER_NONCE.into());
            let first = format!("n,,n={user},r=abc");
            let challenge = String::from_utf8(cont(server.step(&users, first.as_bytes()))).unwrap();
            let salt = challenge
                .split(",s=")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            assert!(challenge.ends_with(",i=4096"));
            salt.to_string()
        };
        assert_eq!(salt_of("mallory"), salt_of("mallory"));
        assert_ne!(salt_of("mallory"), salt_of("eve"));
        assert_eq!(salt_of("user"), "W22ZaJ0SNY7soEsUEjb6gQ==");
    }

    /// librdkafka's client-final repeats the client nonce in front of the whole nonce;
    /// Kafka accepts it (its check is `endsWith`), so minikafka does too, proof included.
    #[test]
    fn librdkafkas_doubled_client_nonce_is_accepted() {
        let users = rfc_users();
        let mut server = ScramServer::new(Mechanism::ScramSha256, SERVER_NONCE.into());
        let first = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
        let challenge = String::from_utf8(cont(server.step(&users, first))).unwrap();
        // What librdkafka computes: its proof over the doubled nonce.
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let m = Mechanism::ScramSha256;
        let salted = hi(m, b"pencil", &salt, 4096);
        let client_key = hmac(m, &salted, b"Client Key");
        let without_proof = format!("c=biws,r={CLIENT_NONCE}{CLIENT_NONCE}{SERVER_NONCE}");
        let auth = format!("n=user,r={CLIENT_NONCE},{challenge},{without_proof}");
        let proof = xor(
            &client_key,
            &hmac(m, &hash(m, &client_key), auth.as_bytes()),
        );
        let last = format!("{without_proof},p={}", B64.encode(proof));
        assert_eq!(done(server.step(&users, last.as_bytes())).1, "user");
    }

    #[test]
    fn malformed_first_messages_are_refused() {
        let users = rfc_users();
        for bad in [
            &b"p=tls-unique,,n=user,r=abc"[..],
            b"n,,r=abc",
            b"n,,n=user",
            b"n,,n=us=er,r=abc",
            b"n,a=other,n=user,r=abc",
            b"n,,n=user,r=abc,m=x",
            b"\xff",
        ] {
            let mut server = ScramServer::new(Mechanism::ScramSha256, SERVER_NONCE.into());
            failed(server.step(&users, bad));
        }
    }

    #[test]
    fn the_client_checks_the_server() {
        let mut client = ScramClient::new(
            Mechanism::ScramSha256,
            "user",
            "pencil",
            CLIENT_NONCE.into(),
        );
        assert!(client
            .client_final(b"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap_err()
            .contains("nonce"));
        assert!(client
            .client_final(b"r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1")
            .unwrap_err()
            .contains("iterations"));
        assert!(client.verify_server_final(b"v=AAAA").is_err(), "too early");
    }
}
