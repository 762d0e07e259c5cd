"""Turn what the user passed as ``store=`` into a store, with an error that says what to do."""

from __future__ import annotations

import os
from pathlib import Path

from labelwidgets.errors import StoreError
from labelwidgets.store.base import Store
from labelwidgets.store.enforced import EnforcedStore
from labelwidgets.store.memory import MemoryStore
from labelwidgets.store.sql import SQLStore


def open_store(store: str | os.PathLike[str] | Store | None) -> Store:
    """A path (SQLite file), an SQLAlchemy URL, a ready store object, or None for memory only."""
    if store is None:
        return MemoryStore()
    if hasattr(store, "append") and hasattr(store, "events"):
        return store  # type: ignore[return-value]
    if isinstance(store, str) and "://" in store:
        # described by its URL with the password masked; a created store opened by a member reads within its rules
        return EnforcedStore.adopt(SQLStore(store))
    if not isinstance(store, (str, os.PathLike)):
        raise StoreError(f"store must be a file path, an SQLAlchemy URL or None, not {type(store).__name__}.")
    path = Path(store).expanduser()
    if str(store).strip() == "":
        raise StoreError("store is an empty string; give a file path such as store='labels.db', or store=None.")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise StoreError(
            f"cannot create the store {str(path)!r}: the folder {str(folder)!r} does not exist. "
            f"Create it first (os.makedirs({str(folder)!r})) or choose another path."
        )
    if path.is_dir():
        raise StoreError(
            f"the store path {str(path)!r} is a folder; give a file name such as {str(path / 'labels.db')!r}."
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(
            f"cannot write the store {str(path)!r}: that location is read-only. "
            f"Choose a writable path, for example in your home folder."
        )
    return SQLStore(f"sqlite:///{path.resolve()}", description=str(store))
