"""Hostile filters, gate rules and suites raise mlops.InvalidInputError with
their position instead of killing the interpreter. Inputs that once crashed
it (stack overflow: SIGSEGV) run in a child interpreter, so a regression
fails the test rather than the whole run."""

import subprocess
import sys
import textwrap

import pytest

import mlops


def run_isolated(code):
    """Runs `code` in a fresh interpreter; returns its stdout (it must exit 0)."""
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"child exited {p.returncode}: {p.stderr[-2000:]}"
    return p.stdout


def test_deep_search_filters_raise_invalid_input(tmp_path):
    out = run_isolated(f"""
        import mlops
        r = mlops.Registry({str(tmp_path / "store")!r})
        for q in ["(" * 10_000 + "kind = 'model'" + ")" * 10_000, "not " * 100_000 + "kind = 'model'"]:
            try:
                r.search(q)
                print("no error")
            except mlops.InvalidInputError as e:
                print("InvalidInputError:", str(e)[:200])
    """)
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert "nesting too deep at position 64" in lines[0], out
    assert "nesting too deep at position 256" in lines[1], out


def test_long_or_chains_search_without_recursion(tmp_path):
    out = run_isolated(f"""
        import mlops
        r = mlops.Registry({str(tmp_path / "store")!r})
        r.add("model", "m", b"x")
        q = " or ".join(f"version = {{i}}" for i in range(100_000, 0, -1))
        print(len(r.search(q)))
    """)
    assert out.strip() == "1"


def test_deep_gate_rules_raise_invalid_input():
    out = run_isolated("""
        import mlops
        for rule in ["(" * 100_000 + "auc" + ")" * 100_000 + " > 0", "-" * 100_000 + "auc > 0"]:
            try:
                mlops.gate({"auc": 0.9}, [rule])
                print("no error")
            except mlops.InvalidInputError as e:
                print("InvalidInputError:", str(e)[:300])
    """)
    lines = out.splitlines()
    assert len(lines) == 2 and all("nesting too deep at position 64" in line for line in lines), out


def test_non_finite_numbers_are_refused_with_their_position(tmp_path):
    r = mlops.Registry(str(tmp_path / "store"))
    with pytest.raises(mlops.InvalidInputError, match="position 14"):
        r.search("metrics.auc > 1e400")
    with pytest.raises(mlops.InvalidInputError, match="finite.*position 14"):
        r.search("metrics.auc > -inf")
    with pytest.raises(mlops.InvalidInputError, match="finite.*position 6"):
        mlops.gate({"auc": 0.9}, ["auc < 1e400"])


def test_errors_show_unicode_and_count_characters(tmp_path):
    r = mlops.Registry(str(tmp_path / "store"))
    with pytest.raises(mlops.InvalidInputError, match="unexpected character 'ü' at position 15"):
        r.search("kind = 'é' and ü = 1")
    with pytest.raises(mlops.InvalidInputError, match="unexpected character '≥' at position 4"):
        mlops.gate({"auc": 0.9}, ["auc ≥ 0.5"])


def test_deep_yaml_suites_raise_invalid_input():
    out = run_isolated("""
        import mlops
        try:
            mlops.Suite.from_yaml("checks: " + "[" * 100_000 + "]" * 100_000)
            print("no error")
        except mlops.InvalidInputError as e:
            print("InvalidInputError:", str(e)[:300])
    """)
    assert "nesting too deep at line 1 column 72" in out, out
