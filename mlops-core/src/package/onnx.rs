//! Signature inference from an ONNX model.
//!
//! ONNX files are protobuf `ModelProto` messages. Only the fields the
//! signature needs are declared here (prost skips the rest), rather than
//! depending on a full ONNX crate: the graph's inputs and outputs
//! (`ValueInfoProto`: name and tensor type) and its initializers' names
//! (older exporters list initializers among the inputs; they are weights,
//! not inputs). Each tensor becomes a column whose Arrow type is the
//! tensor's element type, with the tensor's shape kept in
//! [`ColumnSpec::shape`] (a fixed size, a named dynamic size, or unknown).

use std::path::Path;

use arrow::datatypes::DataType;
use prost::Message;

use super::signature::{ColumnSpec, Dim, Signature};
use crate::error::{Error, Result};

/// `onnx.ModelProto`, with only `graph` (7).
#[derive(Clone, PartialEq, Message)]
pub struct ModelProto {
    /// The graph.
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
}

/// `onnx.GraphProto`, with only `initializer` (5), `input` (11) and `output` (12).
#[derive(Clone, PartialEq, Message)]
pub struct GraphProto {
    /// Constant tensors (weights).
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    /// Graph inputs.
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    /// Graph outputs.
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// `onnx.TensorProto`, with only `name` (8).
#[derive(Clone, PartialEq, Message)]
pub struct TensorProto {
    /// The tensor's name.
    #[prost(string, tag = "8")]
    pub name: String,
}

/// `onnx.ValueInfoProto`: `name` (1) and `type` (2).
#[derive(Clone, PartialEq, Message)]
pub struct ValueInfoProto {
    /// The value's name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Its type.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

/// `onnx.TypeProto`, with only `tensor_type` (1).
#[derive(Clone, PartialEq, Message)]
pub struct TypeProto {
    /// A tensor's type (absent for sequences, maps, ...).
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TensorTypeProto>,
}

/// `onnx.TypeProto.Tensor`: `elem_type` (1) and `shape` (2).
#[derive(Clone, PartialEq, Message)]
pub struct TensorTypeProto {
    /// `onnx.TensorProto.DataType` of the elements.
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    /// The shape, if known.
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// `onnx.TensorShapeProto`: `dim` (1).
#[derive(Clone, PartialEq, Message)]
pub struct TensorShapeProto {
    /// Dimensions, outermost first.
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// `onnx.TensorShapeProto.Dimension`: `dim_value` (1) or `dim_param` (2).
#[derive(Clone, PartialEq, Message)]
pub struct Dimension {
    /// The size.
    #[prost(oneof = "DimValue", tags = "1, 2")]
    pub value: Option<DimValue>,
}

/// The size of a [`Dimension`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum DimValue {
    /// A fixed size.
    #[prost(int64, tag = "1")]
    DimValue(i64),
    /// A named dynamic size.
    #[prost(string, tag = "2")]
    DimParam(String),
}

/// The Arrow type of an ONNX `TensorProto.DataType`, if Arrow has one.
///
/// ```
/// use arrow::datatypes::DataType;
/// assert_eq!(mlops_core::package::onnx::arrow_type(1), Some(DataType::Float32));
/// assert_eq!(mlops_core::package::onnx::arrow_type(14), None); // complex64
/// ```
pub fn arrow_type(elem_type: i32) -> Option<DataType> {
    Some(match elem_type {
        1 => DataType::Float32,
        2 => DataType::UInt8,
        3 => DataType::Int8,
        4 => DataType::UInt16,
        5 => DataType::Int16,
        6 => DataType::Int32,
        7 => DataType::Int64,
        8 => DataType::Utf8,
        9 => DataType::Boolean,
        10 => DataType::Float16,
        11 => DataType::Float64,
        12 => DataType::UInt32,
        13 => DataType::UInt64,
        _ => return None,
    })
}

/// Infers a signature from the bytes of an ONNX model.
///
/// ```
/// use mlops_core::package::onnx::*;
/// use prost::Message;
/// let tensor = |name: &str, elem_type, dims: Vec<DimValue>| ValueInfoProto {
///     name: name.into(),
///     r#type: Some(TypeProto { tensor_type: Some(TensorTypeProto {
///         elem_type,
///         shape: Some(TensorShapeProto { dim: dims.into_iter().map(|d| Dimension { value: Some(d) }).collect() }),
///     }) }),
/// };
/// let model = ModelProto { graph: Some(GraphProto {
///     initializer: vec![],
///     input: vec![tensor("x", 1, vec![DimValue::DimParam("N".into()), DimValue::DimValue(4)])],
///     output: vec![tensor("label", 7, vec![DimValue::DimParam("N".into())])],
/// }) };
/// let sig = infer_signature(&model.encode_to_vec()).unwrap();
/// assert_eq!(sig.inputs[0].data_type, "Float32");
/// assert_eq!(sig.outputs[0].name, "label");
/// ```
pub fn infer_signature(bytes: &[u8]) -> Result<Signature> {
    let model = ModelProto::decode(bytes)
        .map_err(|e| Error::InvalidInput(format!("not an ONNX model: {e}")))?;
    let graph = model
        .graph
        .ok_or_else(|| Error::InvalidInput("ONNX model has no graph".into()))?;
    let weights: std::collections::BTreeSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs = graph
        .input
        .iter()
        .filter(|v| !weights.contains(v.name.as_str()))
        .map(column)
        .collect::<Result<_>>()?;
    let outputs = graph.output.iter().map(column).collect::<Result<_>>()?;
    Ok(Signature {
        inputs,
        outputs,
        input_example: None,
    })
}

/// [`infer_signature`] of the ONNX file at `path`.
pub fn infer_signature_file(path: impl AsRef<Path>) -> Result<Signature> {
    let path = path.as_ref();
    // A protobuf message, and so an ONNX file, holds at most 2 GiB.
    let bytes = crate::small_file::read(path, 2 << 30, "ONNX file")?;
    infer_signature(&bytes).map_err(|e| match e {
        Error::InvalidInput(m) => Error::InvalidInput(format!("{}: {m}", path.display())),
        e => e,
    })
}

fn column(v: &ValueInfoProto) -> Result<ColumnSpec> {
    let tensor = v
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "ONNX value {} is not a tensor (sequences and maps have no Arrow column type)",
                v.name
            ))
        })?;
    let t = arrow_type(tensor.elem_type).ok_or_else(|| {
        Error::Unsupported(format!(
            "ONNX value {}: element type {} has no Arrow equivalent",
            v.name, tensor.elem_type
        ))
    })?;
    let mut c = ColumnSpec::new(&v.name, &t, false);
    c.shape = tensor.shape.as_ref().map(|s| {
        s.dim
            .iter()
            .map(|d| match &d.value {
                Some(DimValue::DimValue(n)) => Dim::Fixed(*n),
                Some(DimValue::DimParam(p)) if !p.is_empty() => Dim::Named(p.clone()),
                _ => Dim::Unknown,
            })
            .collect()
    });
    Ok(c)
}
