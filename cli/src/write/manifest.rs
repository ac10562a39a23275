//! The manifest: which files seedwork generated, and what it wrote into them.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{checked_components, join, read_if_exists, WriteError};
use crate::files::{FileSet, Ownership};

/// Where the manifest lives, relative to the project root. The `.seedwork/` directory is
/// reserved: a rendered file may not be placed under it.
pub const MANIFEST_PATH: &str = ".seedwork/manifest.json";

/// The `generator` recorded in manifests written by this build, e.g. `seedwork 0.1.0`.
pub const GENERATOR: &str = concat!("seedwork ", env!("CARGO_PKG_VERSION"));

/// The record of every generated file and the SHA-256 of the contents seedwork wrote.
///
/// It is what lets seedwork tell a file a person edited (its hash on disk no longer matches)
/// from one it may overwrite, and which files a changed spec no longer produces. It is
/// deterministic (sorted keys, no timestamps, no absolute paths) so that it can be committed and
/// regenerating an unchanged spec leaves it byte for byte the same.
///
/// ```
/// use seedwork_cli::files::{FileSet, Ownership};
/// use seedwork_cli::write::Manifest;
///
/// let mut files = FileSet::default();
/// files.insert("src/generated/mod.rs", Ownership::Generated, "");
/// files.insert("src/main.rs", Ownership::User, "fn main() {}\n");
/// let manifest = Manifest::for_files(&files);
/// // User files are not recorded; the hash is the SHA-256 of the contents.
/// assert_eq!(manifest.len(), 1);
/// assert_eq!(
///     manifest.hash("src/generated/mod.rs"),
///     Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    generator: String,
    files: BTreeMap<String, String>,
}

/// The manifest as stored. Fields are declared in alphabetical order so the JSON keys are sorted.
#[derive(serde::Serialize, serde::Deserialize)]
struct ManifestFile {
    files: BTreeMap<String, String>,
    generator: String,
}

impl Manifest {
    /// The manifest a run of this seedwork writes for `files`: every generated file with the
    /// hash of its rendered contents.
    pub fn for_files(files: &FileSet) -> Self {
        Manifest {
            generator: GENERATOR.to_owned(),
            files: files
                .iter()
                .filter(|(_, file)| file.ownership == Ownership::Generated)
                .map(|(path, file)| (path.to_owned(), sha256_hex(file.contents.as_bytes())))
                .collect(),
        }
    }

    /// Loads the manifest of the project at `root`. A project without one (never generated)
    /// has an empty manifest; a manifest that cannot be parsed, or lists a path that would
    /// escape the root, is an error naming the file.
    pub fn load(root: &Path) -> Result<Self, WriteError> {
        let path = join(root, MANIFEST_PATH)?;
        match read_if_exists(&path)? {
            None => Ok(Manifest::default()),
            Some(bytes) => Self::parse(&bytes).map_err(|detail| WriteError::CorruptManifest {
                path: path.clone(),
                detail,
            }),
        }
    }

    fn parse(bytes: &[u8]) -> Result<Self, String> {
        let file: ManifestFile =
            serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
        for (path, hash) in &file.files {
            if let Err(error) = checked_components(path) {
                return Err(format!("it lists an invalid path: {error}"));
            }
            if path == MANIFEST_PATH || path.starts_with(".seedwork/") {
                return Err(format!(
                    "it lists `{path}`, inside seedwork's own directory"
                ));
            }
            let is_sha256 = hash.len() == 64
                && hash
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
            if !is_sha256 {
                return Err(format!(
                    "the hash of `{path}` is not a lowercase hex SHA-256: `{hash}`"
                ));
            }
        }
        Ok(Manifest {
            generator: file.generator,
            files: file.files,
        })
    }

    /// The manifest as written to disk: pretty-printed JSON with sorted keys and a trailing
    /// newline.
    pub fn render(&self) -> Vec<u8> {
        let file = ManifestFile {
            files: self.files.clone(),
            generator: self.generator.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file)
            .expect("a struct of strings and a map with string keys always serializes to JSON");
        bytes.push(b'\n');
        bytes
    }

    /// Which seedwork wrote this manifest (`seedwork 0.1.0`); empty for a project never
    /// generated.
    pub fn generator(&self) -> &str {
        &self.generator
    }

    /// The recorded hash (lowercase hex SHA-256) of the generated file at `path`, if seedwork
    /// generated it.
    pub fn hash(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Every recorded file with its hash, in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .map(|(path, hash)| (path.as_str(), hash.as_str()))
    }

    /// How many generated files are recorded.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no generated file is recorded (a project never generated).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The lowercase hex SHA-256 of `bytes`, as recorded in the manifest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sorted_pretty_json_with_trailing_newline() {
        let mut files = FileSet::default();
        files.insert("b.rs", Ownership::Generated, "b");
        files.insert("a.rs", Ownership::Generated, "a");
        let rendered = String::from_utf8(Manifest::for_files(&files).render()).unwrap();
        assert!(rendered.ends_with("}\n"));
        let a = rendered.find("\"a.rs\"").unwrap();
        let b = rendered.find("\"b.rs\"").unwrap();
        let files_key = rendered.find("\"files\"").unwrap();
        let generator_key = rendered.find("\"generator\"").unwrap();
        assert!(a < b && files_key < generator_key);
        assert_eq!(
            Manifest::parse(rendered.as_bytes()).unwrap(),
            Manifest::for_files(&files)
        );
    }

    #[test]
    fn refuses_manifest_paths_that_escape() {
        let json = br#"{"files": {"../../etc/passwd": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "generator": "x"}"#;
        let error = Manifest::parse(json).unwrap_err();
        assert!(error.contains("..") && error.contains("escape"), "{error}");
    }

    #[test]
    fn refuses_bad_hashes() {
        let json = br#"{"files": {"a.rs": "nope"}, "generator": "x"}"#;
        assert!(Manifest::parse(json).unwrap_err().contains("a.rs"));
    }
}
