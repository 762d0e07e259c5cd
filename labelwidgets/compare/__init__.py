"""`lw.compare`: which suggester agrees with people, with intervals and ties.

This package is also the function: ``lw.compare(df, suggesters=...)`` calls
`labelwidgets.compare.compare.compare`. Python sets ``labelwidgets.compare`` to this package as soon as any of its
modules is imported (``lw.Leaderboard`` does), shadowing a function of the same name, so the package answers the
call itself, and ``lw.compare`` works whatever was imported first.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

from labelwidgets.compare.compare import compare as _compare


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _compare(*args, **kwargs)


_package = sys.modules[__name__]
_package.__class__ = _CallablePackage
__signature__ = inspect.signature(_compare)
__doc__ = _compare.__doc__ or __doc__
