//! The users file of `serve --sasl-users`, and the credentials derived from it.
//!
//! Format: one `username:password` per line; the password is everything after the first
//! `:` (it may hold `:` and spaces; a trailing `\r` is dropped); blank lines and lines
//! starting with `#` are ignored. A username may not be empty or contain `:`.
//!
//! ```text
//! # minikafka users
//! alice:alice-secret
//! bob:correct horse battery staple
//! ```
//!
//! Plain passwords rather than pre-salted SCRAM credentials, because one file serves PLAIN
//! (which needs to check the password itself) and both SCRAM mechanisms, and because Kafka
//! takes them that way too (`kafka-configs --add-config 'SCRAM-SHA-256=[password=...]'`
//! salts them on the broker). At load, each password is salted (a random salt per user and
//! mechanism, 4096 iterations, Kafka's minimum) into SCRAM's stored and server keys, and
//! kept for PLAIN only as its SHA-256 digest. Protect the file as you would a password.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::scram::ScramCredential;
use super::Mechanism;

/// What the server knows of one user.
#[derive(Clone)]
pub struct UserCredentials {
    /// SHA-256 of the password, for PLAIN (compared in constant time).
    pub(crate) password_sha256: [u8; 32],
    /// SCRAM-SHA-256's salted credential.
    pub(crate) scram_sha256: ScramCredential,
    /// SCRAM-SHA-512's salted credential.
    pub(crate) scram_sha512: ScramCredential,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserCredentials { .. }")
    }
}

/// Every user the server accepts.
#[derive(Clone, Default)]
pub struct Credentials {
    users: HashMap<String, UserCredentials>,
    /// Keys the salt shown for a user that does not exist, so that it is as stable across
    /// attempts as a real user's.
    decoy_key: [u8; 32],
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials {{ {} users }}", self.users.len())
    }
}

impl Credentials {
    /// Parse a users file (see the module documentation), salting each password with 16
    /// bytes of `random`. Errors name the line.
    pub fn parse(text: &str, random: &dyn Fn(&mut [u8])) -> Result<Credentials, String> {
        let mut credentials = Self::parse_with(text, |m, password| {
            let mut salt = [0u8; 16];
            random(&mut salt);
            ScramCredential::derive(m, password, &salt, 4096)
        })?;
        random(&mut credentials.decoy_key);
        Ok(credentials)
    }

    /// The salt SCRAM shows for `user` when there is no such user: an HMAC of the name,
    /// the same at every attempt, as a real user's is.
    pub(crate) fn decoy_salt(&self, user: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.decoy_key)
            .expect("HMAC takes keys of any length");
        mac.update(user.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// Parse, deriving SCRAM credentials with `derive` (tests fix the salt).
    pub(crate) fn parse_with(
        text: &str,
        mut derive: impl FnMut(Mechanism, &str) -> ScramCredential,
    ) -> Result<Credentials, String> {
        let mut credentials = Credentials::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((user, password)) = trimmed.split_once(':') else {
                return Err(format!(
                    "line {number}: expected username:password (no ':' found)"
                ));
            };
            let user = user.trim_end();
            if user.is_empty() {
                return Err(format!("line {number}: empty username"));
            }
            if password.is_empty() {
                return Err(format!("line {number}: empty password for user {user:?}"));
            }
            if credentials.users.contains_key(user) {
                return Err(format!("line {number}: user {user:?} is listed twice"));
            }
            let entry = UserCredentials {
                password_sha256: Sha256::digest(password.as_bytes()).into(),
                scram_sha256: derive(Mechanism::ScramSha256, password),
                scram_sha512: derive(Mechanism::ScramSha512, password),
            };
            credentials.users.insert(user.to_string(), entry);
        }
        if credentials.users.is_empty() {
            return Err("no users in the file (one username:password per line)".into());
        }
        Ok(credentials)
    }

    /// The user named `name`.
    pub fn user(&self, name: &str) -> Option<&UserCredentials> {
        self.users.get(name)
    }

    /// How many users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are none (never, for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

impl UserCredentials {
    /// The SCRAM credential for `mechanism` (`None` for PLAIN).
    pub(crate) fn scram(&self, mechanism: Mechanism) -> Option<&ScramCredential> {
        match mechanism {
            Mechanism::Plain => None,
            Mechanism::ScramSha256 => Some(&self.scram_sha256),
            Mechanism::ScramSha512 => Some(&self.scram_sha512),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(text: &str) -> Result<Credentials, String> {
        Credentials::parse_with(text, |m, p| ScramCredential::derive(m, p, b"salt", 4096))
    }

    #[test]
    fn the_file_format() {
        let c = quick("# users\n\nalice:secret\r\nbob:a b:c \n  # indented comment\n").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            c.user("bob").unwrap().password_sha256,
            <[u8; 32]>::from(Sha256::digest(b"a b:c "))
        );
        assert_eq!(
            c.user("alice").unwrap().password_sha256,
            <[u8; 32]>::from(Sha256::digest(b"secret"))
        );
    }

    #[test]
    fn bad_files_say_which_line() {
        assert_eq!(
            quick("alice:x\nbob\n").unwrap_err(),
            "line 2: expected username:password (no ':' found)"
        );
        assert_eq!(quick(":x\n").unwrap_err(), "line 1: empty username");
        assert_eq!(
            quick("a:\n").unwrap_err(),
            "line 1: empty password for user \"a\""
        );
        assert_eq!(
            quick("a:1\na:2\n").unwrap_err(),
            "line 2: user \"a\" is listed twice"
        );
        assert!(quick("# nobody\n").unwrap_err().starts_with("no users"));
    }
}
