//! Which Arrow schemas a data set version can hold. Versions are stored as
//! Parquet; a column Parquet cannot hold, or would not give back as it was
//! committed, is refused before any byte is written.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowSchemaConverter;

use crate::error::{Error, Result};

/// Refuses a schema that cannot be committed as a data set version, naming
/// the column (with its path when nested):
/// - a NUL character in a column name ([`Error::InvalidInput`]): Parquet
///   readers cut names at NUL, so the column could not be read back;
/// - union columns ([`Error::Unsupported`]): Parquet has no union type;
/// - run-end-encoded columns ([`Error::Unsupported`]): Parquet stores their
///   values decoded, so the version would come back with another type
///   (cast the column to its value type first);
/// - any other type the Parquet schema conversion refuses (an empty struct,
///   a map with unsupported keys), as [`Error::Unsupported`].
pub(crate) fn check(schema: &Schema) -> Result<()> {
    for f in schema.fields() {
        walk(f.name(), f)?;
        let alone = Schema::new(vec![Arc::clone(f)]);
        ArrowSchemaConverter::new().convert(&alone).map_err(|e| {
            Error::Unsupported(format!(
                "column '{}' of type {} cannot be stored as Parquet: {e}",
                f.name(),
                f.data_type()
            ))
        })?;
    }
    Ok(())
}

/// Checks one field and its children; `path` names it from the top column.
fn walk(path: &str, f: &Field) -> Result<()> {
    if f.name().contains('\0') {
        return Err(Error::InvalidInput(format!(
            "column '{}': a column name may not contain a NUL character",
            path.escape_debug()
        )));
    }
    let unsupported = |why: &str| {
        Err(Error::Unsupported(format!(
            "column '{}' of type {}: {why}",
            path.escape_debug(),
            f.data_type()
        )))
    };
    let child = |c: &Field| walk(&format!("{path}.{}", c.name()), c);
    match f.data_type() {
        DataType::Union(..) => unsupported("a data set version cannot hold a union (Parquet has no union type)"),
        DataType::RunEndEncoded(..) => unsupported(
            "a data set version cannot hold run-end encoding (Parquet would give the values back decoded); cast the column to its value type",
        ),
        DataType::List(c)
        | DataType::LargeList(c)
        | DataType::FixedSizeList(c, _)
        | DataType::ListView(c)
        | DataType::LargeListView(c)
        | DataType::Map(c, _) => child(c),
        DataType::Struct(cs) => cs.iter().try_for_each(|c| child(c)),
        DataType::Dictionary(_, v) => walk(path, &f.clone().with_data_type(v.as_ref().clone())),
        _ => Ok(()),
    }
}
