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
