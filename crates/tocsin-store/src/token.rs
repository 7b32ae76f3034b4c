//! API tokens: 256 random bits, shown once, stored as a SHA-256 digest.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// The prefix of every token, so a leaked one is easy to recognize.
const PREFIX: &str = "tcs_";

/// A freshly issued token. The secret is here only until it is shown.
#[derive(Debug)]
pub struct Token {
    /// The bearer secret: `tcs_` and 64 hex digits.
    pub secret: String,
    /// Its digest, as stored.
    pub hash: String,
}

impl Token {
    /// Draws a new token from the operating system's random source.
    pub fn generate() -> Result<Token, rand::rand_core::OsError> {
        let mut bytes = [0u8; 32];
        OsRng.try_fill_bytes(&mut bytes)?;
        let secret = format!("{PREFIX}{}", hex::encode(bytes));
        let hash = hash_token(&secret);
        Ok(Token { secret, hash })
    }
}

/// The digest under which a token is stored and looked up. Tokens carry 256
/// bits of entropy, so a plain SHA-256 suffices (no password hashing).
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_only_their_hash_matches() {
        let (a, b) = (Token::generate().expect("rng"), Token::generate().expect("rng"));
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), PREFIX.len() + 64);
        assert_eq!(hash_token(&a.secret), a.hash);
        assert_ne!(hash_token(&b.secret), a.hash);
    }
}
