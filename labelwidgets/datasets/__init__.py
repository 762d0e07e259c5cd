"""Small real datasets that ship with the package, so the quickstart runs offline."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def sms_spam() -> pd.DataFrame:
    """500 SMS messages from the SMS Spam Collection (CC BY 4.0), columns ``id``, ``text``, ``gold``.

    ``gold`` is the collection's own label (ham or spam); the index is the message's line
    number in the original collection. Attribution: SMS_SPAM_LICENSE.txt beside this file.
    """
    with resources.files(__package__).joinpath("sms_spam_500.tsv").open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(
            handle, sep="\t", keep_default_na=False, dtype={"id": "int64", "gold": "str", "text": "str"}
        )
    return frame.set_index("id")[["text", "gold"]]
