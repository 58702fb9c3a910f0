//! Configuration: where the data lives, which database, the ID-number key, the policy.
//!
//! Zero configuration works: data goes to `./clearcast-data/`, the database is the SQLite file
//! `clearcast.db` there, and the ID-number encryption key is generated on first start into
//! `id.key` there (mode 0600). On PostgreSQL with several nodes, give every node the same key with
//! `CLEARCAST_ID_KEY` (base64 of 32 bytes; `openssl rand -base64 32`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clearcast_domain::policy::Policy;
use clearcast_store::crypto::FieldCipher;
use clearcast_store::{redact_url, PgStore, SqliteStore, Store};

/// Where and how to store.
#[derive(clap::Args, Clone)]
pub struct StoreArgs {
    /// Directory for the SQLite file and the generated key.
    #[arg(long, env = "CLEARCAST_DATA_DIR", default_value = "./clearcast-data")]
    pub data_dir: PathBuf,
    /// `sqlite://FILE` or `postgres://…`; default: the SQLite file in the data directory.
    #[arg(long, env = "CLEARCAST_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Base64 of a 32-byte key encrypting ID numbers at rest; default: `DATA_DIR/id.key`.
    #[arg(long, env = "CLEARCAST_ID_KEY", hide_env_values = true)]
    pub id_key: Option<String>,
}

impl StoreArgs {
    fn cipher(&self) -> Result<FieldCipher> {
        if let Some(k) = &self.id_key {
            return FieldCipher::from_base64(k).map_err(|e| anyhow::anyhow!("CLEARCAST_ID_KEY: {e}"));
        }
        let path = self.data_dir.join("id.key");
        if !path.exists() {
            write_secret(&path, &FieldCipher::generate_secret())?;
            tracing::info!(path = %path.display(), "generated the ID-number encryption key; back it up");
        }
        let k = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        FieldCipher::from_base64(&k).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Opens the configured store, running migrations.
    pub async fn open(&self) -> Result<Arc<dyn Store>> {
        if !self.data_dir.exists() {
            std::fs::create_dir_all(&self.data_dir).with_context(|| format!("creating {}", self.data_dir.display()))?;
            // The database holds personal data: only the server's user may read it.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        let cipher = self.cipher()?;
        match self.database_url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                tracing::info!(url = %redact_url(url), "using PostgreSQL");
                let s =
                    PgStore::connect(url, cipher).await.map_err(|e| anyhow::anyhow!("{} ({})", e, redact_url(url)))?;
                Ok(Arc::new(s))
            }
            Some(url) if url.starts_with("sqlite:") => {
                tracing::info!(url, "using SQLite");
                Ok(Arc::new(SqliteStore::connect(url, cipher).await?))
            }
            Some(other) => anyhow::bail!("unsupported database URL scheme in {}", redact_url(other)),
            None => {
                let path = self.data_dir.join("clearcast.db");
                tracing::info!(path = %path.display(), "using SQLite");
                Ok(Arc::new(SqliteStore::open(&path, cipher).await?))
            }
        }
    }
}

fn write_secret(path: &Path, secret: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        f.write_all(secret.as_bytes())?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, secret)?;
    Ok(())
}

/// The policy from a file, or the embedded default.
pub fn load_policy(path: Option<&Path>) -> Result<Policy> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading policy {}", p.display()))?;
            Policy::parse(&text).with_context(|| format!("policy {}", p.display()))
        }
        None => Ok(Policy::default_policy()),
    }
}
