"""How one DataFrame is labeled: every option of a labeling session, defined once.

`lw.Labeler` documents them in its signature and hands them over as one `LabelingOptions`; the session reads them
from it. A test checks that the Labeler's keywords and these fields are the same names with the same defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labelwidgets.kinds import AnswerKind
    from labelwidgets.store.base import Store
    from labelwidgets.suggesters.base import Suggester


@dataclass(frozen=True)
class LabelingOptions:
    """The options of one labeling session (see `lw.Labeler` for what each means)."""

    labels: Iterable[str] | Mapping[str, str] | None = None
    text: str = "text"
    image: str | None = None
    kind: str | AnswerKind = "single"
    prompt: str | None = None
    outputs: Sequence[str] | None = None
    key: str | None = None
    store: str | os.PathLike[str] | Store | None = "labels.db"
    annotator: str | None = None
    suggester: Suggester | None = None
    show: Sequence[str] = ()
    columns: Mapping[str, str] | None = None
    guidelines: str | None = None
    order: str | Sequence[int] | None = None
    order_by: str | Sequence[str] | None = None
    seed: int = 0
    blind: float = 0.0
    prefetch: int = 8
    max_concurrency: int = 4
    suggestion_timeout: float = 60.0
    replace_results: bool = False
    hide: Sequence[str] = field(default=())

    def __post_init__(self) -> None:
        if isinstance(self.show, str):  # show="gold" means the column "gold", not the columns g, o, l, d
            object.__setattr__(self, "show", [self.show])

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def pick(cls, values: Mapping[str, Any]) -> LabelingOptions:
        """The options among ``values`` (a caller's keyword arguments): each option's name is written here once."""
        return cls(**{name: values[name] for name in cls.names() if name in values})
