//! Encryption of personal identifiers at rest (DESIGN §9).
//!
//! ID numbers are sealed with XChaCha20-Poly1305 under a 256-bit key from configuration, with a
//! fresh random nonce per value. Equality lookups (duplicate registration, blacklist) use a keyed
//! blind index, HMAC-SHA-256 under a key derived from the same secret, so SQL never sees the
//! plain number and the index cannot be reversed without the key.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// The key material for sealing and indexing identifiers.
#[derive(Clone)]
pub struct FieldCipher {
    aead: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(<redacted>)")
    }
}

impl FieldCipher {
    /// A cipher from a 32-byte secret.
    pub fn new(secret: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(b"clearcast blind index v1");
        h.update(secret);
        Self { aead: XChaCha20Poly1305::new(secret.into()), index_key: h.finalize().into() }
    }

    /// A fresh random secret, base64-encoded (for `clearcast` to write on first start).
    pub fn generate_secret() -> String {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        B64.encode(k)
    }

    /// Parses a base64-encoded 32-byte secret.
    pub fn from_base64(s: &str) -> Result<Self, String> {
        let bytes = B64.decode(s.trim()).map_err(|e| format!("key is not base64: {e}"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "key must be 32 bytes".to_string())?;
        Ok(Self::new(&key))
    }

    /// Seals a value: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, plain: &str) -> Result<String, StoreError> {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(&XNonce::from(nonce), plain.as_bytes())
            .map_err(|_| StoreError::corrupt("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend(ct);
        Ok(B64.encode(out))
    }

    /// Opens a sealed value; a wrong key or tampered value is `Corrupt`.
    pub fn open(&self, sealed: &str) -> Result<String, StoreError> {
        let bytes = B64.decode(sealed).map_err(StoreError::corrupt)?;
        if bytes.len() < 24 {
            return Err(StoreError::corrupt("sealed value too short"));
        }
        let (nonce, ct) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| StoreError::corrupt("bad nonce"))?;
        let plain = self
            .aead
            .decrypt(&XNonce::from(nonce), ct)
            .map_err(|_| StoreError::corrupt("cannot decrypt an identifier: wrong CLEARCAST_ID_KEY?"))?;
        String::from_utf8(plain).map_err(StoreError::corrupt)
    }

    /// The blind index of a value.
    pub fn index(&self, value: &str) -> String {
        // HMAC accepts keys of any length; a 32-byte key cannot be refused.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_detects_tampering() {
        let c = FieldCipher::new(&[7u8; 32]);
        let sealed = c.seal("11010519491231002X").unwrap();
        assert!(!sealed.contains("19491231"));
        assert_ne!(sealed, c.seal("11010519491231002X").unwrap(), "nonces are fresh");
        assert_eq!(c.open(&sealed).unwrap(), "11010519491231002X");
        let other = FieldCipher::new(&[8u8; 32]);
        assert!(matches!(other.open(&sealed), Err(StoreError::Corrupt(_))));
        assert_eq!(c.index("a"), c.index("a"));
        assert_ne!(c.index("a"), other.index("a"));
    }
}
