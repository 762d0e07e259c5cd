"""Durable decision stores: an append-only event log in SQLite (default) or any SQLAlchemy database."""

from labelwidgets.store.base import Store
from labelwidgets.store.memory import MemoryStore
from labelwidgets.store.open import open_store
from labelwidgets.store.sql import SQLStore

__all__ = ["MemoryStore", "SQLStore", "Store", "open_store"]
