"""A damaged SQLite store says what happened and what to do, instead of "database disk image is malformed"."""

from __future__ import annotations

import os
import sqlite3

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import StoreError


def labeled_store(path, n: int = 400) -> None:
    df = pd.DataFrame({"text": [f"message {i} " + "words " * 40 for i in range(n)]})
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=path, annotator="ana")
    for i in range(n):
        labeler.label("ham" if i % 3 else "spam")
    labeler.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage(path) -> None:
    size = os.path.getsize(path)
    with open(path, "r+b") as f:  # a half-written file: the pages after the first few overwritten
        f.seek(4096 * 3)
        f.write(os.urandom(size - 4096 * 3))


def test_a_damaged_store_names_the_wal_and_how_to_rescue(tmp_path):
    path = tmp_path / "labels.db"
    labeled_store(path)
    damage(path)
    df = pd.DataFrame({"text": ["a", "b"]})
    with pytest.raises(StoreError) as info:
        lw.Labeler(df, labels=["ham", "spam"], store=path, annotator="ana")
    message = str(info.value)
    assert "is damaged" in message and "malformed" in message
    assert f"{path}-wal" in message and ".recover" in message and "Move them aside" in message
