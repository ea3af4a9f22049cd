//! Data set versions written from a cluster: each worker writes its rows
//! as one Parquet part straight into the store's content
//! ([`Registry::write_dataset_part`], which returns a receipt); the driver
//! commits one version naming every part, with the merged profile
//! ([`Registry::commit_dataset_parts`]). A job that fails before the commit
//! leaves parts no version names (a collector's to remove) and no version.
//!
//! The version's content is the JSON list of its parts (format
//! [`PARTS_FORMAT`]); [`Registry::read_dataset`] reads the parts in order,
//! as one table, and [`Registry::dataset_parts`] lists them for engines
//! that read them in parallel.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use serde::{Deserialize, Serialize};

use super::{read_parquet, schema_list, spool};
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::registry::{DatasetInfo, Kind, Registry, Version};
use crate::store::Hash;

/// The `format` of a data set version made of parts.
pub const PARTS_FORMAT: &str = "parquet-parts";

/// One Parquet part of a data set version, as a worker wrote it: the
/// receipt it hands to whoever commits the version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetPart {
    /// The part's content (its chunk manifest's hash).
    pub content: Hash,
    /// Its size in bytes.
    pub size: u64,
    /// Its rows.
    pub rows: u64,
    /// Its columns, as `(name, Arrow type)`.
    pub schema: Vec<(String, String)>,
    /// The blob holding its profile (`Profile::to_bytes`).
    pub profile: Hash,
}

impl DatasetPart {
    /// The receipt as JSON bytes (what a worker sends back).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a part serializes")
    }

    /// Reads [`to_bytes`](Self::to_bytes); anything else is
    /// [`Error::InvalidInput`] naming the field.
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        serde_json::from_slice(b).map_err(|e| Error::InvalidInput(format!("dataset part: {e}")))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartsList {
    format: String,
    parts: Vec<DatasetPart>,
}

impl Registry {
    /// Writes Arrow data as one Parquet part of a future version of data
    /// set `name` (checked against the access policy first: a refused
    /// writer stores nothing), with its profile; returns the receipt to
    /// pass to [`commit_dataset_parts`](Self::commit_dataset_parts).
    pub fn write_dataset_part(
        &self,
        name: &str,
        data: impl RecordBatchReader,
    ) -> Result<DatasetPart> {
        self.authorize_add_version(Kind::Dataset, name)?;
        let spooled = spool(data)?;
        let profile = self.store().put_blob(&spooled.profile.to_bytes())?;
        let f = spooled.file.reopen()?;
        let (content, size) = self
            .store()
            .put_content(std::io::BufReader::with_capacity(1 << 20, f))?;
        Ok(DatasetPart {
            content,
            size,
            rows: spooled.rows,
            schema: schema_list(&spooled.schema),
            profile,
        })
    }

    /// Commits the next version of data set `name` from parts written by
    /// [`write_dataset_part`](Self::write_dataset_part), in the order given
    /// (a worker's partition order), with the merged profile. Every part
    /// is checked first — its content and profile present in this store,
    /// the sizes as recorded, the same columns and types as the first part
    /// — and anything amiss is an error naming the part (`parts[3]`), with
    /// no version written. Returns the version number.
    pub fn commit_dataset_parts(
        &self,
        name: &str,
        parts: &[DatasetPart],
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        self.authorize_add_version(Kind::Dataset, name)?;
        let first = parts.first().ok_or_else(|| {
            Error::InvalidInput("a data set version needs at least one part".into())
        })?;
        let mut profile: Option<Profile> = None;
        let mut rows = 0u64;
        for (i, p) in parts.iter().enumerate() {
            let at = |e: Error| match e {
                Error::NotFound(m) => Error::NotFound(format!("parts[{i}]: {m}")),
                Error::Integrity(m) => Error::Integrity(format!("parts[{i}]: {m}")),
                e => e,
            };
            if p.schema != first.schema {
                return Err(Error::SchemaMismatch(format!(
                    "parts[{i}] has columns {:?}, parts[0] {:?}",
                    p.schema, first.schema
                )));
            }
            let manifest = self.store().manifest(&p.content).map_err(at)?;
            if manifest.size != p.size {
                return Err(Error::Integrity(format!(
                    "parts[{i}]: the content holds {} bytes, the receipt says {}",
                    manifest.size, p.size
                )));
            }
            let part_profile =
                Profile::from_bytes(&self.store().get_blob(&p.profile).map_err(at)?).map_err(at)?;
            if part_profile.row_count() != p.rows {
                return Err(Error::Integrity(format!(
                    "parts[{i}]: its profile counts {} rows, the receipt {}",
                    part_profile.row_count(),
                    p.rows
                )));
            }
            rows += p.rows;
            profile = Some(match profile {
                None => part_profile,
                Some(m) => m.merge(&part_profile)?,
            });
        }
        let profile = profile.expect("at least one part");
        let info = DatasetInfo {
            format: PARTS_FORMAT.into(),
            rows,
            schema: first.schema.clone(),
            profile: self.store().put_blob(&profile.to_bytes())?,
        };
        let list = serde_json::to_vec(&PartsList {
            format: PARTS_FORMAT.into(),
            parts: parts.to_vec(),
        })
        .expect("a parts list serializes");
        self.add_version_from(
            Kind::Dataset,
            name,
            list.as_slice(),
            message,
            metadata,
            Some(info),
        )
    }

    /// The parts of a data set version (number, alias or `latest`), in
    /// order; a version committed whole is [`Error::InvalidInput`].
    pub fn dataset_parts(&self, name: &str, reference: &str) -> Result<Vec<DatasetPart>> {
        let a = self.asset(Kind::Dataset, name)?;
        let v = a.resolve(reference)?;
        match &v.dataset {
            Some(info) if info.format == PARTS_FORMAT => parts_of(self, v),
            _ => Err(Error::InvalidInput(format!(
                "dataset '{name}' version {} is not made of parts",
                v.version
            ))),
        }
    }

    /// One part's rows (as [`read_dataset`](Self::read_dataset) reads a
    /// version), for engines that read a version's parts in parallel.
    pub fn read_dataset_part(
        &self,
        part: &DatasetPart,
        columns: Option<&[&str]>,
    ) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let mut bytes = Vec::with_capacity(part.size as usize);
        self.store().get_content(&part.content, &mut bytes)?;
        read_parquet(bytes, columns, "part", 0, part.rows)
    }
}

impl Registry {
    /// Reads every part a version made of parts names, and its profile,
    /// each checked against its hash ([`Error::Integrity`] or
    /// [`Error::NotFound`] naming the part).
    pub(crate) fn verify_parts(&self, v: &Version) -> Result<()> {
        for (i, p) in parts_of(self, v)?.iter().enumerate() {
            let at = |e: Error| match e {
                Error::NotFound(m) => {
                    Error::NotFound(format!("version {} parts[{i}]: {m}", v.version))
                }
                Error::Integrity(m) => {
                    Error::Integrity(format!("version {} parts[{i}]: {m}", v.version))
                }
                e => e,
            };
            self.store()
                .get_content(&p.content, std::io::sink())
                .map_err(at)?;
            self.store().get_blob(&p.profile).map_err(at)?;
        }
        Ok(())
    }
}

pub(super) fn parts_of(r: &Registry, v: &Version) -> Result<Vec<DatasetPart>> {
    let mut list = Vec::with_capacity(v.size as usize);
    r.store().get_content(&v.content, &mut list)?;
    let list: PartsList = serde_json::from_slice(&list)
        .map_err(|e| Error::Integrity(format!("the parts list of version {}: {e}", v.version)))?;
    Ok(list.parts)
}

/// The rows of a version made of parts, the parts in order.
pub(super) fn read(
    r: &Registry,
    name: &str,
    v: &Version,
    info: &DatasetInfo,
    columns: Option<&[&str]>,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let parts = parts_of(r, v)?;
    let mut schema: Option<SchemaRef> = None;
    let mut batches = Vec::new();
    for p in &parts {
        let mut bytes = Vec::with_capacity(p.size as usize);
        r.store().get_content(&p.content, &mut bytes)?;
        let (s, b) = read_parquet(bytes, columns, name, v.version, p.rows)?;
        schema.get_or_insert(s);
        batches.extend(b);
    }
    let schema = schema.ok_or_else(|| {
        Error::Integrity(format!(
            "dataset '{name}' version {} names no part",
            v.version
        ))
    })?;
    debug_assert_eq!(info.format, PARTS_FORMAT);
    Ok((schema, batches))
}
