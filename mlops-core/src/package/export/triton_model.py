"""Triton Python backend model, written by `mlops package export --target triton`.

It loads the mlops package copied beside it (`<version>/package/`, verified
file by file), checks every request against the package's signature and
answers with the signature's outputs. A request that fails the check gets a
Triton error listing every problem (JSON); the model is not called.

The Python environment of the backend needs the `mlops` package, pyarrow,
pandas and the model's framework (scikit-learn, xgboost, lightgbm, or what
the custom entry point imports).
"""

import json
import os

import numpy as np
import triton_python_backend_utils as pb_utils

import mlops
from mlops import serving


class TritonPythonModel:
    def initialize(self, args):
        path = os.path.join(args["model_repository"], args["model_version"], "package")
        self.package, self.model = serving.load(path)
        self.inputs = self.package.signature.inputs
        self.guard = mlops.Guard(self.package)

    def execute(self, requests):
        responses = []
        for request in requests:
            columns = {}
            for spec in self.inputs:
                tensor = pb_utils.get_input_tensor_by_name(request, spec["name"])
                if tensor is not None:
                    columns[spec["name"]] = tensor.as_numpy().reshape(-1)
            table, problems = serving.table_from_columns(columns, self.package.signature)
            table, more = serving.check(self.guard, table, decoded=problems)
            problems += more
            if problems:
                error = pb_utils.TritonError(json.dumps({"problems": problems}))
                responses.append(pb_utils.InferenceResponse(output_tensors=[], error=error))
                continue
            outputs = serving.predict(self.package, self.model, table)
            tensors = []
            for spec, column in zip(self.package.signature.outputs, outputs):
                values = column.to_numpy(zero_copy_only=False)
                if values.dtype == object:
                    values = np.array([str(v).encode() for v in values], dtype=object)
                tensors.append(pb_utils.Tensor(spec["name"], values.reshape(-1, 1)))
            responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
        return responses
