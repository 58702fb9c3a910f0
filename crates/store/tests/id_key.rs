//! A store opened with another ID-number key than the one its data was written with refuses to
//! run: duplicate-identity and blacklist checks compare keyed hashes, so a new key would let a
//! blacklisted identity register again.

use clearcast_store::crypto::FieldCipher;
use clearcast_store::testing::TempDir;
use clearcast_store::{SqliteStore, StoreError};

#[tokio::test]
async fn a_sqlite_database_refuses_another_key() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path.join("db.sqlite");
    let first = SqliteStore::open(&path, FieldCipher::new(&[1u8; 32])).await.expect("first open");
    drop(first);
    assert!(SqliteStore::open(&path, FieldCipher::new(&[1u8; 32])).await.is_ok(), "the same key opens again");
    let other = SqliteStore::open(&path, FieldCipher::new(&[2u8; 32])).await;
    assert!(matches!(other, Err(StoreError::KeyMismatch)), "{:?}", other.err());
}

#[tokio::test]
async fn a_postgres_database_refuses_another_key() {
    let Some((_, url)) = clearcast_store::testing::fresh_postgres().await.expect("fresh postgres") else { return };
    let other = clearcast_store::PgStore::connect(&url, FieldCipher::new(&[9u8; 32])).await;
    assert!(matches!(other, Err(StoreError::KeyMismatch)), "{:?}", other.err());
}
