//! PLAIN (RFC 4616): the client sends `authzid NUL username NUL password` once.
//!
//! The checks and messages are Kafka's (`PlainSaslServer`): three fields; the authorization
//! id empty or equal to the username; a wrong user and a wrong password get the same
//! answer.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AuthFailure, Credentials, Step};

/// The client's one message.
pub fn client_message(username: &str, password: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(username.len() + password.len() + 2);
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    out
}

/// Check a client's message against `credentials`.
pub fn verify(credentials: &Credentials, token: &[u8]) -> Step {
    let fields: Vec<&[u8]> = token.split(|b| *b == 0).collect();
    let [authzid, user, password] = fields.as_slice() else {
        return Step::Failed(AuthFailure::new(
            None,
            format!(
                "Invalid SASL/PLAIN response: expected 3 tokens, got {}",
                fields.len()
            ),
        ));
    };
    let Ok(user) = std::str::from_utf8(user) else {
        return Step::Failed(AuthFailure::new(
            None,
            "Invalid SASL/PLAIN response: the username is not UTF-8",
        ));
    };
    if user.is_empty() {
        return Step::Failed(AuthFailure::new(
            None,
            "Authentication failed: username not specified",
        ));
    }
    if password.is_empty() {
        return Step::Failed(AuthFailure::new(
            Some(user),
            "Authentication failed: password not specified",
        ));
    }
    if !authzid.is_empty() && *authzid != user.as_bytes() {
        return Step::Failed(AuthFailure::new(
            Some(user),
            "Authentication failed: Client requested an authorization id that is different from username",
        ));
    }
    // Digests of equal length, compared in constant time: neither the password's length
    // nor how much of it matched shows in the timing.
    let given: [u8; 32] = Sha256::digest(password).into();
    let known = credentials.user(user).map(|u| u.password_sha256);
    let ok = match known {
        Some(known) => bool::from(known.ct_eq(&given)),
        None => {
            // The same work for an unknown user.
            let _ = [0u8; 32].ct_eq(&given);
            false
        }
    };
    if ok {
        Step::Done {
            response: Vec::new(),
            user: user.to_string(),
        }
    } else {
        Step::Failed(AuthFailure::new(
            Some(user),
            "Authentication failed: Invalid username or password",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::scram::ScramCredential;

    fn users() -> Credentials {
        Credentials::parse_with("alice:alice-secret\n", |m, p| {
            ScramCredential::derive(m, p, b"salt", 4096)
        })
        .unwrap()
    }

    #[test]
    fn plain_accepts_the_right_password() {
        assert_eq!(
            verify(&users(), &client_message("alice", "alice-secret")),
            Step::Done {
                response: vec![],
                user: "alice".into()
            }
        );
        assert_eq!(
            verify(&users(), b"alice\0alice\0alice-secret"),
            Step::Done {
                response: vec![],
                user: "alice".into()
            },
            "an authorization id equal to the username"
        );
    }

    #[test]
    fn plain_refuses_wrong_passwords_and_users_alike() {
        let refused = |token: &[u8]| match verify(&users(), token) {
            Step::Failed(f) => f,
            other => panic!("accepted: {other:?}"),
        };
        let wrong = refused(&client_message("alice", "alice-secreT"));
        assert_eq!(
            wrong.message,
            "Authentication failed: Invalid username or password"
        );
        assert_eq!(wrong.user.as_deref(), Some("alice"));
        let unknown = refused(&client_message("mallory", "alice-secret"));
        assert_eq!(unknown.message, wrong.message, "no hint that alice exists");
        assert!(refused(&client_message("alice", "alice-secret-longer"))
            .message
            .contains("Invalid username or password"));
        assert!(refused(b"bob\0alice\0alice-secret")
            .message
            .contains("authorization id"));
        assert!(refused(b"alice-secret")
            .message
            .contains("expected 3 tokens"));
        assert!(refused(&client_message("", "x"))
            .message
            .contains("username not specified"));
        assert!(refused(&client_message("alice", ""))
            .message
            .contains("password not specified"));
    }
}
