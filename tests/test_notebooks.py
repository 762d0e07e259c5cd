"""The notebooks under nbval, each run on a fresh copy so that labels a person made in notebooks/ never matter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: notebooks/*.ipynb, then the teaching gallery (notebooks/teaching/*.ipynb), each named relative to notebooks/
NAMES = [
    *sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")),
    *sorted(f"teaching/{p.name}" for p in NOTEBOOKS.glob("teaching/*.ipynb")),
]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_match_under_nbval(name: str, tmp_path: Path) -> None:
    copy = tmp_path / Path(name).name  # every notebook runs from a fresh folder of its own, whatever its subfolder
    shutil.copy(NOTEBOOKS / name, copy)
    if (NOTEBOOKS / "data").is_dir():
        shutil.copytree(NOTEBOOKS / "data", tmp_path / "data")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LABELWIDGETS_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q", str(copy)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"nbval failed for {name}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert " passed" in result.stdout and "failed" not in result.stdout
