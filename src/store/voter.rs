//! Who voted, kept only as much as one vote per member per answer needs: an HMAC-SHA256
//! of the Discord user id under a secret (`storage.voter_secret`), never the id. The
//! same member gets the same value in every process that shares the secret; without
//! the secret the value cannot be turned back into an id, nor checked against a guess.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

#[derive(Clone)]
pub struct Voter {
    secret: Secret,
}

impl Voter {
    pub fn new(secret: Secret) -> Voter {
        Voter { secret }
    }

    /// The stored stand-in for Discord user `user_id`: 64 hex digits.
    pub fn of(&self, user_id: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(b"attache voter:");
        mac.update(user_id.to_string().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret: 32 bytes from the operating system, as hex.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voter_is_stable_per_secret_and_never_the_id() {
        let a = Voter::new(Secret::new("one secret".into()));
        let b = Voter::new(Secret::new("another".into()));
        let id = 123_456_789_012_345_678u64;
        assert_eq!(a.of(id), a.of(id));
        assert_ne!(a.of(id), a.of(id + 1));
        assert_ne!(a.of(id), b.of(id));
        assert_eq!(a.of(id).len(), 64);
        assert!(!a.of(id).contains(&id.to_string()));
        assert_ne!(new_secret().unwrap(), new_secret().unwrap());
    }
}
