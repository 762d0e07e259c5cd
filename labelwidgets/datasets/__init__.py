"""Small real datasets that ship with the package, so the quickstart runs offline.

pandas loads inside each loader, so ``lw.datasets`` costs nothing until a dataset is read.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: The label set of ``goemotions()``: Ekman's six basic emotions plus neutral, in the dataset's own order
#: (ekman/labels.txt). Every ``gold`` answer lists its names in this order.
GOEMOTIONS_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")

#: The entity labels of ``wnut17()``, in the shared task's own order.
WNUT17_LABELS: tuple[str, ...] = ("person", "location", "group", "creative-work", "corporation", "product")


def sms_spam() -> pd.DataFrame:
    """500 SMS messages from the SMS Spam Collection (CC BY 4.0), columns ``id``, ``text``, ``gold``.

    ``gold`` is the collection's own label (ham or spam); the index is the message's line
    number in the original collection. Attribution: SMS_SPAM_LICENSE.txt beside this file.
    """
    import pandas as pd

    with resources.files(__package__).joinpath("sms_spam_500.tsv").open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(
            handle, sep="\t", keep_default_na=False, dtype={"id": "int64", "gold": "str", "text": "str"}
        )
    return frame.set_index("id")[["text", "gold"]]


def goemotions() -> pd.DataFrame:
    """600 Reddit comments from GoEmotions (Apache 2.0) with their emotions: a real multi-label dataset.

    Columns ``text`` and ``gold``, indexed by ``id`` (the Reddit comment id). ``gold`` holds a Python list of one
    or more names from ``GOEMOTIONS_LABELS`` (anger, disgust, fear, joy, neutral, sadness, surprise), in that
    order; 240 of the 600 comments (40%) have two or more. Names are masked as ``[NAME]``, religions as
    ``[RELIGION]``; the comments contain profanity. Citation and licence: GOEMOTIONS_LICENSE.txt beside this file.

    How the sample was drawn from the dev split's ``ekman/dev.tsv`` (5,426 comments, 480 with two or more labels):
    each comment's key is the SHA-256 hex digest of ``"goemotions-ekman-600:" + comment id``; the 240 comments with
    two or more labels and the 360 comments with one label that have the smallest keys are kept, in the order of the
    original file. Only the label ids were changed, to their names in label-set order; the texts are unchanged.
    """
    import pandas as pd

    with resources.files(__package__).joinpath("goemotions_ekman_600.tsv").open("r", encoding="utf-8") as handle:
        # keep_default_na=False: a comment reading "NA" or "null" is text, not a missing value
        frame = pd.read_csv(handle, sep="\t", keep_default_na=False, dtype="str")
    frame["gold"] = [names.split(",") for names in frame["labels"]]
    return frame.set_index("id")[["text", "gold"]]


def wnut17() -> pd.DataFrame:
    """400 noisy user texts from WNUT 2017 (CC BY 4.0) with their named entities: a real spans dataset.

    Columns ``text`` and ``gold``, indexed by ``id`` (the document's position in the dev split). ``gold`` holds a
    list of ``{"start", "end", "label", "text"}`` spans in text order, offsets in Unicode code points (Python's str
    indices), labels from ``WNUT17_LABELS``; 238 of the 400 texts have at least one entity (314 in all) and 20
    contain characters outside the Basic Multilingual Plane (emoji), where UTF-16 offsets would be off.

    The data set gives tokens, not the texts as posted: each text is its tokens joined by single spaces (so
    spacing around punctuation is not the original's), and the tags map onto it exactly. How the sample was drawn:
    WNUT17_LICENSE.txt beside this file.
    """
    import json

    import pandas as pd

    with resources.files(__package__).joinpath("wnut17_dev_400.tsv").open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(
            handle, sep="\t", keep_default_na=False, dtype={"id": "int64", "text": "str", "spans": "str"}
        )
    gold = [
        [{"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in json.loads(spans)]
        for text, spans in zip(frame["text"], frame["spans"], strict=True)
    ]
    frame["gold"] = pd.Series(gold, index=frame.index, dtype=object)
    return frame.set_index("id")[["text", "gold"]]
