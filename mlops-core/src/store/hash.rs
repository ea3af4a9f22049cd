//! [`Hash`]: a BLAKE3 hash as the store names things by it, 64 lower-case
//! hex digits, checked wherever one is read.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A BLAKE3 hash, as 64 lower-case hex digits: the name of a blob and the
/// link from an event to the one before. Serialised as that string (the
/// bytes of stored events do not depend on this type), and checked when
/// parsed or deserialised.
///
/// ```
/// use mlops_core::store::Hash;
/// let h = Hash::of(b"abc");
/// assert_eq!(h.len(), 64);
/// assert_eq!(h.to_string().parse::<Hash>().unwrap(), h);
/// assert!("ABC".parse::<Hash>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, std::hash::Hash)]
pub struct Hash(String);

impl Hash {
    /// The BLAKE3 hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self::from(blake3::hash(bytes))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is 64 lower-case hex digits.
    pub fn is_valid(s: &str) -> bool {
        s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    /// `s` as a hash, or an [`Error::InvalidInput`] naming `field`.
    pub fn parse_field(s: &str, field: &str) -> Result<Self> {
        if Self::is_valid(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(Error::InvalidInput(format!(
                "{field} '{s}' is not a BLAKE3 hash (64 lower-case hex digits)"
            )))
        }
    }
}

impl From<blake3::Hash> for Hash {
    fn from(h: blake3::Hash) -> Self {
        Self(h.to_hex().to_string())
    }
}

impl From<Hash> for String {
    fn from(h: Hash) -> Self {
        h.0
    }
}

/// Parses 64 lower-case hex digits; anything else is an
/// [`Error::InvalidInput`].
impl std::str::FromStr for Hash {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse_field(s, "hash")
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Hash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Hash {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Hash {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Hash {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        if Hash::is_valid(&s) {
            Ok(Hash(s.into_owned()))
        } else {
            Err(serde::de::Error::custom(format!(
                "'{s}' is not a BLAKE3 hash (64 lower-case hex digits)"
            )))
        }
    }
}

/// A hash that may be absent, written as `""` when it is: an event's `prev`
/// (a log's first event follows none) and an empty head's hash.
pub(crate) mod or_empty {
    use super::*;

    /// Writes `None` as `""`.
    pub fn serialize<S: Serializer>(
        h: &Option<Hash>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(h.as_ref().map_or("", Hash::as_str))
    }

    /// Reads `""` as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<Hash>, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        if s.is_empty() {
            return Ok(None);
        }
        if Hash::is_valid(&s) {
            Ok(Some(Hash(s.into_owned())))
        } else {
            Err(serde::de::Error::custom(format!(
                "'{s}' is not a BLAKE3 hash (64 lower-case hex digits)"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_64_lower_case_hex_digits_both_ways() {
        let h = Hash::of(b"abc");
        assert_eq!(h.as_str(), blake3::hash(b"abc").to_hex().as_str());
        assert_eq!(serde_json::to_string(&h).unwrap(), format!("\"{h}\""));
        assert_eq!(
            serde_json::from_str::<Hash>(&format!("\"{h}\"")).unwrap(),
            h
        );
        for bad in [
            String::new(),
            h.to_uppercase(),
            h[..63].to_string(),
            format!("{h}0"),
        ] {
            assert!(
                serde_json::from_str::<Hash>(&format!("\"{bad}\"")).is_err(),
                "{bad}"
            );
            let e = bad.parse::<Hash>().unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput(m) if m.starts_with("hash '")),
                "{e}"
            );
        }
        let e = Hash::parse_field("xyz", "content").unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput(m) if m.starts_with("content 'xyz'")),
            "{e}"
        );
    }

    #[test]
    fn an_absent_hash_is_written_empty() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct E {
            #[serde(with = "or_empty")]
            prev: Option<Hash>,
        }
        let none = E { prev: None };
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"prev":""}"#);
        assert_eq!(serde_json::from_str::<E>(r#"{"prev":""}"#).unwrap(), none);
        assert!(serde_json::from_str::<E>(r#"{"prev":"12"}"#).is_err());
    }
}
