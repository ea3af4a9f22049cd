//! Little-endian, length-prefixed byte encodings shared by the engine's
//! binary formats (profiles, partial states): a [`Writer`] appends, a
//! [`Reader`] takes back with bounds checked, every failure an
//! [`Error::Integrity`] that names the format (`"<what> bytes truncated at
//! offset 12 (wanted 8 more)"`).

use crate::error::{Error, Result};

/// Appends fixed-width numbers and length-prefixed bytes to a buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer(pub Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    pub(crate) fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub(crate) fn f64(&mut self, x: f64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub(crate) fn opt_bytes(&mut self, b: Option<Vec<u8>>) {
        match b {
            None => self.0.push(0),
            Some(b) => {
                self.0.push(1);
                self.bytes(&b);
            }
        }
    }
}

/// Reads back what a [`Writer`] wrote; `what` names the format in errors.
pub(crate) struct Reader<'a> {
    pub b: &'a [u8],
    pub pos: usize,
    pub what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(b: &'a [u8], pos: usize, what: &'static str) -> Self {
        Reader { b, pos, what }
    }
    /// An [`Error::Integrity`] about these bytes.
    pub(crate) fn bad(&self, msg: impl std::fmt::Display) -> Error {
        Error::Integrity(format!("{} bytes: {msg}", self.what))
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| {
                Error::Integrity(format!(
                    "{} bytes truncated at offset {} (wanted {n} more)",
                    self.what, self.pos
                ))
            })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| self.bad("length overflow"))?;
        self.take(n)
    }
    pub(crate) fn str(&mut self) -> Result<String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| self.bad("invalid UTF-8"))
    }
    pub(crate) fn opt_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.bytes()?)),
            t => Err(self.bad(format_args!("bad option tag {t}"))),
        }
    }
    /// A count read from the bytes, refused when it could not fit in what
    /// is left (each item takes at least `min_item` bytes): a damaged
    /// count must not reserve memory for billions of items.
    pub(crate) fn count(&mut self, min_item: usize) -> Result<usize> {
        let n = self.u64()?;
        let left = (self.b.len() - self.pos) / min_item.max(1);
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or_else(|| self.bad(format_args!("count {n} exceeds the bytes left")))
    }
    /// Errors unless every byte was read.
    pub(crate) fn end(&self) -> Result<()> {
        if self.pos != self.b.len() {
            return Err(self.bad(format_args!("{} trailing bytes", self.b.len() - self.pos)));
        }
        Ok(())
    }
}
