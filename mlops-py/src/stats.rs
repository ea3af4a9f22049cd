//! `mlops.stats` (native part): the two-sample statistics of
//! `mlops_core::drift`, on float64 Arrow arrays borrowed through the
//! PyCapsule interface (the Python layer turns numpy arrays and lists into
//! them; a float64 numpy array is wrapped, not copied).

use arrow::array::{make_array, Array, ArrayData, AsArray};
use arrow::datatypes::Float64Type;
use arrow_pyarrow::FromPyArrow;
use mlops_core::drift::{anderson, cvm, stats};
use pyo3::prelude::*;

use crate::error::{to_py, InvalidInputError};

/// A borrowed float64 Arrow array without nulls.
struct Floats(arrow::array::Float64Array);

impl Floats {
    fn new(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        let data = ArrayData::from_pyarrow_bound(obj)?;
        let arr = make_array(data);
        let Some(f) = arr.as_primitive_opt::<Float64Type>() else {
            return Err(InvalidInputError::new_err(format!(
                "{name}: expected float64 values, got {}",
                arr.data_type()
            )));
        };
        if f.null_count() > 0 {
            return Err(InvalidInputError::new_err(format!(
                "{name}: {} null values (drop them first)",
                f.null_count()
            )));
        }
        Ok(Self(f.clone()))
    }
    fn values(&self) -> &[f64] {
        self.0.values()
    }
}

type Pair = (f64, f64);

macro_rules! distance {
    ($name:ident, $core:path, $a:literal, $b:literal) => {
        #[pyfunction]
        fn $name(py: Python<'_>, u: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<f64> {
            let (u, v) = (Floats::new(u, $a)?, Floats::new(v, $b)?);
            py.detach(|| $core(u.values(), v.values())).map_err(to_py)
        }
    };
}

distance!(wasserstein_distance, stats::wasserstein_distance, "u", "v");
distance!(energy_distance, stats::energy_distance, "u", "v");
distance!(
    wasserstein_distance_norm,
    stats::wasserstein_distance_norm,
    "reference",
    "current"
);
distance!(jensenshannon, stats::jensen_shannon, "p", "q");
distance!(kl_divergence, stats::kl_divergence, "p", "q");
distance!(hellinger, stats::hellinger, "p", "q");
distance!(total_variation, stats::total_variation, "p", "q");
distance!(l_infinity, stats::l_infinity, "p", "q");
distance!(psi, stats::psi, "p", "q");

#[pyfunction]
fn cramervonmises_2samp(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
) -> PyResult<Pair> {
    let (x, y) = (Floats::new(x, "x")?, Floats::new(y, "y")?);
    let r = py
        .detach(|| cvm::cramervonmises_2samp(x.values(), y.values()))
        .map_err(to_py)?;
    Ok((r.statistic, r.p_value))
}

#[pyfunction]
fn anderson_ksamp(py: Python<'_>, samples: Vec<Bound<'_, PyAny>>) -> PyResult<Pair> {
    let arrays = samples
        .iter()
        .enumerate()
        .map(|(i, s)| Floats::new(s, &format!("sample {i}")))
        .collect::<PyResult<Vec<_>>>()?;
    let slices: Vec<&[f64]> = arrays.iter().map(Floats::values).collect();
    let r = py
        .detach(|| anderson::anderson_ksamp(&slices))
        .map_err(to_py)?;
    Ok((r.statistic, r.p_value))
}

#[pyfunction]
fn ks_2samp(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    method: Option<&str>,
    alternative: Option<&str>,
) -> PyResult<Pair> {
    use mlops_core::drift::ks::{ks_2samp_alternative, KsAlternative, KsMethod};
    let m = method
        .map_or(Ok(KsMethod::default()), str::parse)
        .map_err(to_py)?;
    let a = alternative
        .map_or(Ok(KsAlternative::default()), str::parse)
        .map_err(to_py)?;
    let (x, y) = (Floats::new(x, "x")?, Floats::new(y, "y")?);
    let r = py
        .detach(|| ks_2samp_alternative(x.values(), y.values(), m, a))
        .map_err(to_py)?;
    Ok((r.statistic, r.p_value))
}

#[pyfunction]
fn chi2_contingency(observed: Vec<Vec<f64>>) -> PyResult<(f64, f64, usize)> {
    let (r, dof) = stats::chi2_contingency(&observed).map_err(to_py)?;
    Ok((r.statistic, r.p_value, dof))
}

#[pyfunction]
fn proportions_ztest(x1: u64, n1: u64, x2: u64, n2: u64) -> PyResult<Pair> {
    let r = stats::proportions_ztest(x1, n1, x2, n2).map_err(to_py)?;
    Ok((r.statistic, r.p_value))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let s = PyModule::new(m.py(), "stats")?;
    s.add_function(wrap_pyfunction!(wasserstein_distance, &s)?)?;
    s.add_function(wrap_pyfunction!(energy_distance, &s)?)?;
    s.add_function(wrap_pyfunction!(wasserstein_distance_norm, &s)?)?;
    s.add_function(wrap_pyfunction!(jensenshannon, &s)?)?;
    s.add_function(wrap_pyfunction!(kl_divergence, &s)?)?;
    s.add_function(wrap_pyfunction!(hellinger, &s)?)?;
    s.add_function(wrap_pyfunction!(total_variation, &s)?)?;
    s.add_function(wrap_pyfunction!(l_infinity, &s)?)?;
    s.add_function(wrap_pyfunction!(psi, &s)?)?;
    s.add_function(wrap_pyfunction!(cramervonmises_2samp, &s)?)?;
    s.add_function(wrap_pyfunction!(ks_2samp, &s)?)?;
    s.add_function(wrap_pyfunction!(anderson_ksamp, &s)?)?;
    s.add_function(wrap_pyfunction!(chi2_contingency, &s)?)?;
    s.add_function(wrap_pyfunction!(proportions_ztest, &s)?)?;
    m.add_submodule(&s)?;
    Ok(())
}
