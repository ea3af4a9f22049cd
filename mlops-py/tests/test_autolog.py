"""Autologging: scikit-learn's fit tracked by mlops.autolog, and the
XGBoost, LightGBM and Lightning callbacks; every value is checked against
what the framework itself reports."""

import json
import math
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_squared_error, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlops


@pytest.fixture
def reg(tmp_path, monkeypatch):
    """A folder store, no run of another test active, and autolog switched
    off again whatever the test did."""
    monkeypatch.setattr(mlops.runs, "_started", [])
    yield mlops.Registry(str(tmp_path / "store"))
    mlops.autolog(disable=True)


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(n_samples=300, n_features=6, random_state=0)


def param_text(v):
    """How a get_params() value reads back from the run (the engine's text)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # "nan", "inf": not a JSON number
    if isinstance(v, (int, float, str)):
        return v  # compared by value below
    if isinstance(v, list) and all(isinstance(x, (int, str)) for x in v):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def assert_params_equal(logged, params):
    assert set(logged) == set(params)
    for k, v in params.items():
        want = param_text(v)
        if isinstance(want, (int, float)) and not isinstance(want, bool):
            assert float(logged[k]) == want, k
        else:
            assert logged[k] == want, k


def only_run(reg, experiment):
    runs = reg.runs(experiment)
    assert len(runs) == 1, [r.id for r in runs]
    return runs[0]


def load_model(reg, name, tmp_path, version="latest"):
    pulled = reg.pull_package(name, version, str(tmp_path / f"pulled-{name}-{version}"))
    with open(pulled.path / "model.pkl", "rb") as f:
        return pulled, pickle.load(f)


def test_a_classifier_fit_is_a_run_with_params_training_metrics_and_the_model(reg, clf_data, tmp_path):
    x, y = clf_data
    mlops.autolog(store=reg, experiment="churn")
    model = LogisticRegression(C=0.5, max_iter=200)
    assert model.fit(x, y) is model

    info = only_run(reg, "churn")
    assert info.status == "finished"
    assert_params_equal(info.params, model.get_params())
    assert info.tags == {
        "estimator_name": "LogisticRegression",
        "estimator_class": "sklearn.linear_model._logistic.LogisticRegression",
    }
    last = {k: m["last"] for k, m in info.metrics.items()}
    assert set(last) == {
        "training_score",
        "training_accuracy_score",
        "training_precision_score",
        "training_recall_score",
        "training_f1_score",
        "training_log_loss",
        "training_roc_auc",
    }
    assert last["training_score"] == model.score(x, y)
    pred, proba = model.predict(x), model.predict_proba(x)
    assert last["training_accuracy_score"] == accuracy_score(y, pred)
    assert last["training_f1_score"] == f1_score(y, pred, average="weighted")
    assert last["training_log_loss"] == log_loss(y, proba)
    assert last["training_roc_auc"] == roc_auc_score(y, proba[:, 1])
    assert info.metrics["training_score"]["first_step"] == 0

    # The fitted model is the next version of model "churn", made by the run.
    assert info.outputs == [{"kind": "model", "name": "churn", "version": 1}]
    pulled, loaded = load_model(reg, "churn", tmp_path)
    m = pulled.manifest
    assert m["flavor"] == "sklearn" and m["lineage"]["run"] == info.id
    assert m["metrics"]["training_score"] == model.score(x, y)
    assert (loaded.predict(x) == model.predict(x)).all()
    assert (loaded.predict_proba(x) == model.predict_proba(x)).all()


def test_a_regressor_logs_mlflows_regression_metrics(reg, tmp_path):
    x, y = make_regression(n_samples=200, n_features=4, noise=5.0, random_state=1)
    mlops.autolog(store=reg, experiment="price", model_name="price-model")
    model = Ridge(alpha=0.3).fit(x, y)
    info = only_run(reg, "price")
    last = {k: m["last"] for k, m in info.metrics.items()}
    assert last["training_score"] == model.score(x, y)
    assert last["training_r2_score"] == model.score(x, y)
    mse = mean_squared_error(y, model.predict(x))
    assert last["training_mean_squared_error"] == mse
    assert last["training_root_mean_squared_error"] == math.sqrt(mse)
    assert "training_mean_absolute_error" in last
    _, loaded = load_model(reg, "price-model", tmp_path)
    assert (loaded.predict(x) == model.predict(x)).all()


def test_a_pipeline_and_a_grid_search_log_one_run_each_at_the_outer_level(reg, clf_data, tmp_path):
    x, y = clf_data
    mlops.autolog(store=reg, experiment="pipe")
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=2.0))
    pipe.fit(x, y)
    info = only_run(reg, "pipe")
    assert info.tags["estimator_name"] == "Pipeline"
    assert_params_equal(info.params, pipe.get_params(deep=True))
    assert info.params["logisticregression__C"] == "2.0"
    assert info.metrics["training_score"]["last"] == pipe.score(x, y)
    assert info.metrics["training_score"]["count"] == 1
    _, loaded = load_model(reg, "pipe", tmp_path)
    assert (loaded.predict(x) == pipe.predict(x)).all()

    mlops.autolog(store=reg, experiment="search")
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=3)
    search.fit(x, y)  # 9 fits of the folds and one refit inside: one run
    info = only_run(reg, "search")
    assert info.tags["estimator_name"] == "GridSearchCV"
    # The seed estimator's untuned params are not logged (deep=False), the best ones are.
    want = dict(search.get_params(deep=False), **{f"best_{k}": v for k, v in search.best_params_.items()})
    assert_params_equal(info.params, want)
    assert info.metrics["best_cv_score"]["last"] == search.best_score_
    assert info.metrics["training_score"]["last"] == search.score(x, y)
    _, loaded = load_model(reg, "search", tmp_path)
    assert (loaded.predict(x) == search.predict(x)).all()
    assert len(reg.runs()) == 2


def test_fits_inside_an_active_run_log_there_at_successive_steps(reg, clf_data):
    x, y = clf_data
    mlops.autolog(store=reg, log_models=False)
    with mlops.start_run("sweep", store=reg) as run:
        scores = [LogisticRegression(C=0.01).fit(x, y).score(x, y)]
        # Params are add-only: the second fit's different C is a warning, not an error.
        with pytest.warns(UserWarning, match="param 'C' not logged .*already '0.01'") as caught:
            scores.append(LogisticRegression(C=1.0).fit(x, y).score(x, y))
        assert caught[0].filename == __file__
        assert not run.ended
    assert len(reg.runs()) == 1
    info = run.info()
    assert info.status == "finished" and info.outputs == []
    h = run.history("training_score")
    assert h["step"].to_pylist() == [0, 1] and h["value"].to_pylist() == scores
    assert info.params["C"] == "0.01"


def test_disable_restores_the_original_methods(reg, clf_data):
    x, y = clf_data
    fit = LogisticRegression.__dict__["fit"]
    pipe_fit_transform = type(make_pipeline(StandardScaler())).__dict__["fit_transform"]
    mlops.autolog(store=reg)
    assert LogisticRegression.__dict__["fit"] is not fit
    mlops.autolog(store=reg)  # twice: patched once
    mlops.autolog(disable=True)
    assert LogisticRegression.__dict__["fit"] is fit
    assert type(make_pipeline(StandardScaler())).__dict__["fit_transform"] is pipe_fit_transform
    LogisticRegression().fit(x, y)
    assert reg.runs() == []


def test_a_failing_fit_propagates_and_its_run_ends_failed(reg):
    mlops.autolog(store=reg, experiment="bad")
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="class"):
        LogisticRegression().fit(x, np.zeros(10))  # one class only
    assert only_run(reg, "bad").status == "failed"


def test_a_failure_of_the_logging_is_a_warning_not_an_error(reg, clf_data):
    x, y = clf_data
    mlops.autolog(store=reg, experiment="odd")
    model = LogisticRegression()
    model.unpicklable = lambda: None  # the package cannot be written
    with pytest.warns(UserWarning, match="mlops.autolog: _log_after failed"):
        assert model.fit(x, y) is model
    info = only_run(reg, "odd")
    assert info.status == "finished" and info.outputs == []
    assert info.metrics["training_score"]["last"] == model.score(x, y)


def test_import_mlops_imports_no_framework():
    code = (
        "import sys, mlops, mlops.xgboost, mlops.lightgbm, mlops.lightning\n"
        "print(sorted(m for m in ('sklearn', 'xgboost', 'lightgbm', 'lightning', 'pytorch_lightning', 'torch')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    # A callback needs a run: the one given, else the active one.
    code = "import mlops.lightgbm\nmlops.lightgbm.callback()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1 and "ValueError: mlops.lightgbm.callback: no run given and no active run" in out.stderr


def test_the_xgboost_callback_logs_every_round_as_xgboost_reports_it(tmp_path):
    import xgboost as xgb

    import mlops.xgboost

    x, y = make_classification(n_samples=400, n_features=8, random_state=2)
    dtrain, dvalid = xgb.DMatrix(x[:300], label=y[:300]), xgb.DMatrix(x[300:], label=y[300:])
    evals_result = {}
    with mlops.start_run("xgb", store=str(tmp_path)) as run:
        xgb.train(
            {"objective": "binary:logistic", "eval_metric": ["logloss", "auc", "ndcg@3"], "max_depth": 3},
            dtrain,
            num_boost_round=25,
            evals=[(dtrain, "train"), (dvalid, "valid")],
            evals_result=evals_result,
            callbacks=[mlops.xgboost.callback(run)],
        )
    series = set(run.info().metrics)
    assert series == {f"{d}-{m}" for d in ("train", "valid") for m in ("logloss", "auc", "ndcg_at_3")}
    for data, metrics in evals_result.items():
        for metric, values in metrics.items():
            h = run.history(f"{data}-{metric.replace('@', '_at_')}")
            assert h["step"].to_pylist() == list(range(25))
            assert h["value"].to_pylist() == [float(v) for v in values]


def test_the_lightgbm_callback_logs_every_iteration_as_lightgbm_records_it(tmp_path):
    import lightgbm as lgb

    import mlops.lightgbm

    x, y = make_regression(n_samples=400, n_features=6, noise=3.0, random_state=3)
    train = lgb.Dataset(x[:300], label=y[:300])
    valid = lgb.Dataset(x[300:], label=y[300:], reference=train)
    recorded = {}
    with mlops.start_run("lgb", store=str(tmp_path)) as run:  # the active run: the callback's default
        lgb.train(
            {"objective": "regression", "metric": ["l2", "l1"], "verbose": -1, "num_leaves": 7},
            train,
            num_boost_round=30,
            valid_sets=[train, valid],
            valid_names=["training", "valid"],
            callbacks=[lgb.record_evaluation(recorded), mlops.lightgbm.callback()],
        )
    assert set(run.info().metrics) == {"training-l2", "training-l1", "valid-l2", "valid-l1"}
    for data, metrics in recorded.items():
        for metric, values in metrics.items():
            h = run.history(f"{data}-{metric}")
            assert h["step"].to_pylist() == list(range(30))
            assert h["value"].to_pylist() == list(values)


def test_a_callback_into_an_ended_run_warns_once_and_training_goes_on(tmp_path):
    import lightgbm as lgb

    import mlops.lightgbm

    x, y = make_regression(n_samples=100, n_features=3, random_state=4)
    run = mlops.start_run("ended", store=str(tmp_path))
    run.end("finished")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        booster = lgb.train(
            {"objective": "regression", "verbose": -1},
            lgb.Dataset(x, label=y),
            num_boost_round=5,
            valid_sets=[lgb.Dataset(x, label=y)],
            callbacks=[mlops.lightgbm.callback(run)],
        )
    assert booster.current_iteration() == 5
    mine = [w for w in caught if "mlops.lightgbm.callback" in str(w.message)]
    assert len(mine) == 1


def test_the_lightning_logger_writes_what_lightnings_csv_logger_writes(tmp_path, monkeypatch):
    # A real Trainer (Lightning 2.6, torch on the CPU) fits a tiny regression
    # for two epochs with this logger and Lightning's own CSVLogger side by
    # side: every metric point and the hyperparameters must be the same in
    # both records, and the run ends finished.
    import csv

    import lightning.pytorch as pl
    import torch

    import mlops.lightning

    monkeypatch.setattr(mlops.runs, "_started", [])
    torch.manual_seed(0)

    class Tiny(pl.LightningModule):
        def __init__(self, lr=0.05, layers=(4, 2), opt=None, fail_at=None):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch, i):
            if self.hparams.fail_at is not None and self.global_step == self.hparams.fail_at:
                raise RuntimeError("boom")
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    x = torch.randn(48, 3)
    data = torch.utils.data.TensorDataset(x, x @ torch.tensor([[1.0], [-2.0], [0.5]]))

    def fit(module, logger):
        csv_logger = pl.loggers.CSVLogger(tmp_path / "csv", name="tiny")
        trainer = pl.Trainer(
            max_epochs=2,
            logger=[logger, csv_logger],
            accelerator="cpu",
            log_every_n_steps=1,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=tmp_path,
        )
        trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=8))
        return csv_logger

    logger = mlops.lightning.Logger(experiment="tiny", store=str(tmp_path / "store"))
    assert isinstance(logger, pl.loggers.Logger) and type(logger).__module__ == "mlops.lightning"
    csv_logger = fit(Tiny(opt={"name": "sgd", "momentum": 0.9}), logger)
    run = logger.run
    assert logger.name == "tiny" and logger.version == run.id
    info = run.info()
    assert info.status == "finished"
    assert info.params == {
        "lr": "0.05",
        "layers": "[4,2]",  # JSON, as start_run(params=...) writes a list
        "opt.name": "sgd",
        "opt.momentum": "0.9",
        "fail_at": "null",
    }

    with open(os.path.join(csv_logger.log_dir, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    expected: dict = {}
    for row in rows:
        for key, value in row.items():
            if key != "step" and value != "":
                expected.setdefault(key, []).append((int(row["step"]), float(value)))
    assert set(expected) == {"train_loss_step", "train_loss_epoch", "epoch"}
    assert len(expected["train_loss_step"]) == 12  # 2 epochs x 6 batches, nothing dropped
    for key, points in expected.items():
        h = run.history(key)
        got = list(zip(h["step"].to_pylist(), h["value"].to_pylist()))
        assert [s for s, _ in got] == [s for s, _ in points], key
        # The CSV holds what str() of the float32 tensor printed; the run the exact value.
        assert [v for _, v in got] == pytest.approx([v for _, v in points], rel=1e-6), key

    # A fit that raises ends the logger's own run failed.
    failing = mlops.lightning.Logger(experiment="tiny", store=str(tmp_path / "store"))
    with pytest.raises(RuntimeError, match="boom"):
        fit(Tiny(fail_at=3), failing)
    assert failing.run.info().status == "failed"
    assert failing.run.history("train_loss_step")["step"].to_pylist() == [0, 1, 2]

    # A run given to the logger is written into and left open for its owner.
    with mlops.start_run("given", store=str(tmp_path / "store")) as given:
        fit(Tiny(), mlops.lightning.Logger(given))
        assert not given.ended
        assert given.history("train_loss_step")["step"].to_pylist() == list(range(12))
