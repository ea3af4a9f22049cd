//! Engine work off the JavaScript thread: a [`Job`] runs a closure on the
//! libuv thread pool (a panic or core error becomes a coded error) and
//! resolves its Promise with the closure's value, or rejects it on the JS
//! thread (see `error::rejection`).

use napi::bindgen_prelude::*;
use napi::{Env, Task};

use crate::error::{coded, guard, rejection};

type JobFn<T> = Box<dyn FnOnce() -> mlops_core::Result<T> + Send>;

/// One engine call, run on the libuv thread pool.
pub struct Job<T: Send + 'static> {
    f: Option<JobFn<T>>,
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Job<T> {
    type Output = crate::error::Result<T>;
    type JsValue = T;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(match self.f.take() {
            Some(f) => guard(f),
            None => Err(coded("INTERNAL", "task ran twice")),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|e| rejection(&env, e))
    }
}

/// `f` as a Promise-returning task.
pub(crate) fn job<T: Send + 'static>(
    f: impl FnOnce() -> mlops_core::Result<T> + Send + 'static,
) -> AsyncTask<Job<T>>
where
    Job<T>: Task,
{
    AsyncTask::new(Job {
        f: Some(Box::new(f)),
    })
}
