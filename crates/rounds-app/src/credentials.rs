//! Where the session token lives: the OS keychain (the default), or — only when the user asks
//! for it on a machine without one — a file readable by its owner alone.
//!
//! The token never goes into the SQLite cache, a config file or a log line; [`Secret`] redacts
//! itself in `Debug` output.

use std::path::PathBuf;

/// A session token. Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStoreKind {
    Keychain,
    File,
}

impl std::str::FromStr for TokenStoreKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "keychain" => Ok(TokenStoreKind::Keychain),
            "file" => Ok(TokenStoreKind::File),
            other => Err(format!(
                "unknown token store `{other}`: use keychain or file"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "no OS keychain is available here ({0}); to keep the session token in a file readable only by you, sign in with --token-store file"
    )]
    NoKeychain(String),
    #[error("the keychain failed: {0}")]
    Keychain(String),
    #[error("the token file {path} failed: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The token store of one profile.
#[derive(Debug, Clone)]
pub enum TokenStore {
    /// The OS keychain, under the profile's own service name.
    Keychain { service: String },
    /// A 0600 file in the profile directory.
    File { path: PathBuf },
}

const ACCOUNT: &str = "session-token";

fn keychain_error(e: keyring::Error) -> CredentialError {
    match e {
        // The platform store could not be set up at all (on Linux: no D-Bus session, or no
        // Secret Service on it).
        keyring::Error::NoDefaultStore => {
            CredentialError::NoKeychain(match keyring::Entry::store_status() {
                Err(inner) => inner.to_string(),
                Ok(()) => "no credential store".into(),
            })
        }
        keyring::Error::NoStorageAccess(inner) => CredentialError::NoKeychain(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => CredentialError::NoKeychain(inner.to_string()),
        other => CredentialError::Keychain(other.to_string()),
    }
}

impl TokenStore {
    fn entry(service: &str) -> Result<keyring::Entry, CredentialError> {
        keyring::Entry::new(service, ACCOUNT).map_err(keychain_error)
    }

    /// Checks that the store can be used at all, without changing it.
    pub fn probe(&self) -> Result<(), CredentialError> {
        match self {
            TokenStore::Keychain { service } => match Self::entry(service)?.get_password() {
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keychain_error(e)),
            },
            TokenStore::File { .. } => Ok(()),
        }
    }

    pub fn save(&self, token: &Secret) -> Result<(), CredentialError> {
        match self {
            TokenStore::Keychain { service } => Self::entry(service)?
                .set_password(token.expose())
                .map_err(keychain_error),
            TokenStore::File { path } => {
                write_private(path, token.expose().as_bytes()).map_err(|source| {
                    CredentialError::File {
                        path: path.clone(),
                        source,
                    }
                })
            }
        }
    }

    pub fn load(&self) -> Result<Option<Secret>, CredentialError> {
        match self {
            TokenStore::Keychain { service } => match Self::entry(service)?.get_password() {
                Ok(t) => Ok(Some(Secret::new(t))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keychain_error(e)),
            },
            TokenStore::File { path } => match std::fs::read_to_string(path) {
                Ok(t) => Ok(Some(Secret::new(t.trim().to_owned()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(CredentialError::File {
                    path: path.clone(),
                    source,
                }),
            },
        }
    }

    pub fn clear(&self) -> Result<(), CredentialError> {
        match self {
            TokenStore::Keychain { service } => match Self::entry(service)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keychain_error(e)),
            },
            TokenStore::File { path } => match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(CredentialError::File {
                    path: path.clone(),
                    source,
                }),
            },
        }
    }
}

/// Writes `bytes` to `path`, creating it readable and writable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("tok-123456");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(s)).contains("tok-123456"));
    }

    #[test]
    fn a_file_store_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::File {
            path: dir.path().join("token"),
        };
        assert_eq!(store.load().unwrap(), None);
        store.save(&Secret::new("abc")).unwrap();
        assert_eq!(store.load().unwrap(), Some(Secret::new("abc")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.clear().unwrap();
    }
}
