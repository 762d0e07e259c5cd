"""lw.datasets.goemotions(): the bundled multi-label sample, equal to the shared GoEmotions source where that is
present (CI's copy of shared/ may be absent: the bundled file is checked on its own then)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pandas as pd

import labelwidgets as lw

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "goemotions" / "ekman"
SAMPLE_KEY = "goemotions-ekman-600:"  # the sampling rule of the loader's docstring


def read_source() -> pd.DataFrame:
    """ekman/dev.tsv as published: text, label ids, comment id; no header, no quoting."""
    names = SOURCE.joinpath("labels.txt").read_text(encoding="utf-8").split()
    rows = []
    for line in SOURCE.joinpath("dev.tsv").read_text(encoding="utf-8").split("\n"):
        if line:
            text, ids, comment_id = line.split("\t")
            rows.append((comment_id, text, {names[int(i)] for i in ids.split(",")}))
    return pd.DataFrame(rows, columns=["id", "text", "labels"]).set_index("id")


def test_the_bundled_sample() -> None:
    frame = lw.datasets.goemotions()
    labels = lw.datasets.GOEMOTIONS_LABELS
    assert labels == ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
    assert frame.shape == (600, 2) and list(frame.columns) == ["text", "gold"]
    assert frame.index.name == "id" and frame.index.is_unique
    assert all(isinstance(text, str) and text.strip() for text in frame["text"])
    for answer in frame["gold"]:
        assert isinstance(answer, list) and answer  # every comment has at least one emotion (neutral counts)
        assert answer == [name for name in labels if name in answer]  # known names, label-set order, no repeats
    sizes = frame["gold"].map(len)
    assert (sizes >= 2).sum() == 240 and (sizes == 1).sum() == 360  # the 40% multi-label share it promises
    assert set().union(*frame["gold"]) == set(labels)

    notice = resources.files("labelwidgets.datasets").joinpath("GOEMOTIONS_LICENSE.txt").read_text(encoding="utf-8")
    for needed in ("Apache License, Version 2.0", "Demszky", "[NAME]", "[RELIGION]", "profanity"):
        assert needed in notice

    if SOURCE.exists():  # the shared copy: same texts and emotions, and the documented draw gives the same ids
        source = read_source()
        assert tuple(SOURCE.joinpath("labels.txt").read_text(encoding="utf-8").split()) == labels
        assert frame.index.isin(source.index).all()
        chosen = source.loc[frame.index]
        assert frame["text"].tolist() == chosen["text"].tolist()
        assert [set(answer) for answer in frame["gold"]] == chosen["labels"].tolist()
        multi = source["labels"].map(len) >= 2

        def first(ids: pd.Index, count: int) -> set[str]:
            return set(sorted(ids, key=lambda i: hashlib.sha256((SAMPLE_KEY + i).encode()).hexdigest())[:count])

        drawn = first(source.index[multi], 240) | first(source.index[~multi], 360)
        assert list(frame.index) == [i for i in source.index if i in drawn]  # the original file's order


def test_the_datasets_module_leaves_pandas_unloaded_until_a_dataset_is_read() -> None:
    code = "import sys, labelwidgets.datasets as d; d.GOEMOTIONS_LABELS; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
