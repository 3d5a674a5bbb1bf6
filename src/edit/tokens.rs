//! Bearer tokens of the editors: a file of `NAME ROLE SHA256-HEX` lines (`#` comments), the
//! tokens themselves never stored; compared in constant time.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;
use subtle::ConstantTimeEq;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Write the sites.
    Editor,
    /// Write the sites and reload the data.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

/// The token file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("token file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("token file {path} line {line}: {reason}")]
    Line {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("token name {0:?}: expected letters, digits, '-', '_' or '.', at most 64")]
    Name(String),
    #[error("cannot make a random token: {0}")]
    Random(String),
}

/// One accepted token.
#[derive(Clone)]
struct Entry {
    name: String,
    role: Role,
    sha256: [u8; 32],
}

/// The accepted tokens.
#[derive(Clone, Default)]
pub struct Tokens {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} entries)", self.entries.len())
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Tokens {
    /// Reads a token file.
    pub fn read(path: &Path) -> Result<Tokens, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut tokens = Tokens::default();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let bad = |reason: &str| TokenError::Line {
                path: path.to_path_buf(),
                line: line_no,
                reason: reason.to_string(),
            };
            let parts: Vec<&str> = content.split_whitespace().collect();
            let [name, role, hash] = parts[..] else {
                return Err(bad("expected NAME ROLE SHA256-HEX"));
            };
            if !valid_name(name) {
                return Err(bad("NAME: letters, digits, '-', '_' or '.'"));
            }
            let role = Role::parse(role).ok_or_else(|| bad("ROLE: editor or admin"))?;
            let sha256: [u8; 32] = hex::decode(hash)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("SHA256-HEX: 64 hexadecimal digits"))?;
            tokens.entries.push(Entry {
                name: name.to_string(),
                role,
                sha256,
            });
        }
        Ok(tokens)
    }

    /// A token given outside the file (`--admin-token`), with its name and role.
    pub fn add(&mut self, name: &str, role: Role, token: &str) {
        self.entries.push(Entry {
            name: name.to_string(),
            role,
            sha256: sha2::Sha256::digest(token.as_bytes()).into(),
        });
    }

    /// Whether any token has this role or a higher one.
    pub fn has_role(&self, role: Role) -> bool {
        self.entries.iter().any(|e| e.role >= role)
    }

    /// The name and role of a presented token. Every entry is compared, each in constant
    /// time, so the time taken says nothing about which entry (if any) matched.
    pub fn check(&self, token: &str) -> Option<(String, Role)> {
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for e in &self.entries {
            if bool::from(e.sha256.ct_eq(&digest)) && found.is_none() {
                found = Some((e.name.clone(), e.role));
            }
        }
        found
    }

    /// Makes a new random token for `name`, appends its line to the file (created if absent)
    /// and returns the token, which is shown once and stored nowhere.
    pub fn create(path: &Path, name: &str, role: Role) -> Result<String, TokenError> {
        if !valid_name(name) {
            return Err(TokenError::Name(name.to_string()));
        }
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
        let token = hex::encode(bytes);
        let line = format!(
            "{name} {} {}\n",
            role.as_str(),
            hex::encode(sha2::Sha256::digest(token.as_bytes()))
        );
        let io = |source| TokenError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        f.write_all(line.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_tokens_are_accepted_with_their_role() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# editors\n").unwrap();
        let a = Tokens::create(&path, "alice", Role::Editor).unwrap();
        let b = Tokens::create(&path, "bob", Role::Admin).unwrap();
        let t = Tokens::read(&path).unwrap();
        assert_eq!(t.check(&a), Some(("alice".into(), Role::Editor)));
        assert_eq!(t.check(&b), Some(("bob".into(), Role::Admin)));
        assert_eq!(t.check("nope"), None);
        assert!(t.has_role(Role::Admin));
        std::fs::write(&path, "carol writer abc\n").unwrap();
        let e = Tokens::read(&path).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
