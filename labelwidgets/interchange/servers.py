"""`lw.export(..., format=...)` to a labeling server's files: Label Studio tasks, Argilla records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.interchange.given import Item, items_of
from labelwidgets.interchange.rows import Rows, rows_of, warn_if_empty


@dataclass(frozen=True)
class Server:
    """One server's files: the suffixes its file may have, what is written beside it, and the writer."""

    suffixes: tuple[str, ...]
    beside: Callable[[Path], Path]
    write: Callable[[Rows, list[Item], Path], None]


def _servers() -> dict[str, Server]:
    from labelwidgets.interchange import argilla, label_studio

    return {
        "label-studio": Server((".json",), label_studio.config_path, label_studio.write_tasks),
        "argilla": Server((".json", ".jsonl"), argilla.settings_path, argilla.write_records),
    }


def export_to_server(source: Any, target: Path, format: str, *, overwrite: bool, model_only: bool) -> Path:
    servers = _servers()
    server = servers.get(format)
    if server is None:
        raise InputError(
            f"format={format!r}: use one of {sorted(servers)}, or leave it out for a .jsonl, .parquet or .csv file."
        )
    if target.suffix.lower() not in server.suffixes:
        raise InputError(f"{target.name}: format={format!r} writes a {' or '.join(server.suffixes)} file.")
    existing = [str(t) for t in (target, server.beside(target)) if t.exists()]
    if existing and not overwrite:
        raise InputError(f"{existing} already exist(s): pass overwrite=True to replace, or choose another path.")
    rows = rows_of(source, model_only=model_only)
    rows.frame = warn_if_empty(rows, f"export to {target.name}")
    server.write(rows, items_of(rows), target)
    return target
