"""lw.datasets.wnut17(): the bundled spans sample, equal to the shared WNUT 2017 source where that is present (CI's
copy of shared/ may be absent: the bundled file is checked on its own then)."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import labelwidgets as lw

SOURCE = Path(__file__).resolve().parent / "data" / "wnut17" / "emerging.dev.conll"  # the shared copy
SAMPLE_KEY = "wnut17-dev-400:"  # the sampling rule of WNUT17_LICENSE.txt


def read_source() -> list[list[tuple[str, str]]]:
    """emerging.dev.conll as published: token TAB tag, a blank line between documents."""
    documents: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in SOURCE.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            if current:
                documents.append(current)
                current = []
            continue
        token, tag = line.split("\t")
        current.append((token, tag))
    if current:
        documents.append(current)
    return documents


def test_the_bundled_sample() -> None:
    frame = lw.datasets.wnut17()
    labels = lw.datasets.WNUT17_LABELS
    assert frame.shape == (400, 2) and list(frame.columns) == ["text", "gold"] and frame.index.is_unique
    for text, spans in zip(frame["text"], frame["gold"], strict=True):
        assert isinstance(text, str) and text.strip()
        assert [(s["start"], s["end"]) for s in spans] == sorted((s["start"], s["end"]) for s in spans)
        for span in spans:
            assert span["label"] in labels and 0 <= span["start"] < span["end"] <= len(text)
            assert text[span["start"] : span["end"]] == span["text"] == span["text"].strip()
    assert (frame["gold"].map(len) > 0).sum() == 238 and frame["gold"].map(len).sum() == 314
    assert sum(any(ord(c) > 0xFFFF for c in text) for text in frame["text"]) == 20
    notice = resources.files("labelwidgets.datasets").joinpath("WNUT17_LICENSE.txt").read_text(encoding="utf-8")
    for needed in ("CC BY 4.0", "Derczynski", "joined by single spaces", "code points"):
        assert needed in notice

    # the source: the documented draw gives the same documents, texts and entities
    documents = read_source()
    assert len(documents) == 1009
    drawn = sorted(range(len(documents)), key=lambda i: hashlib.sha256(f"{SAMPLE_KEY}{i}".encode()).hexdigest())
    assert list(frame.index) == sorted(drawn[:400])
    for doc_id, text, spans in zip(frame.index, frame["text"], frame["gold"], strict=True):
        tokens = documents[doc_id]
        assert text == " ".join(token for token, _ in tokens)
        # The entities' words in order, read straight from the BIO tags.
        entities: list[tuple[str, list[str]]] = []
        for token, tag in tokens:
            if tag.startswith("B-") or (tag.startswith("I-") and (not entities or entities[-1][0] != tag[2:])):
                entities.append((tag[2:], [token]))
            elif tag.startswith("I-"):
                entities[-1][1].append(token)
        assert [(s["label"], s["text"]) for s in spans] == [(label, " ".join(words)) for label, words in entities]
