"""Import litellm lazily, and without its ~10 s stall when there is no network.

litellm fetches a remote model price list at import time unless LITELLM_LOCAL_MODEL_COST_MAP
is set before the first import; offline, that fetch retries for about ten seconds. The
bundled price list is good enough for cost estimates, so it is used unless the user chose.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

from labelwidgets.errors import LabelwidgetsError
from labelwidgets.suggesters.check import install_hint

_import_lock = threading.Lock()


def get_litellm() -> ModuleType:
    with _import_lock:  # two suggester threads must not both run litellm's first import
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        try:
            import litellm
        except ImportError as error:
            raise LabelwidgetsError(f"LLM suggestions need litellm: {install_hint('llm')}.") from error
        # litellm prints "Give Feedback / Get Help" banners on every failed call otherwise.
        litellm.suppress_debug_info = True
        return litellm
