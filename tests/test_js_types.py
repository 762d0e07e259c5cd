"""The front end is plain ES modules; TypeScript checks their JSDoc types (strict) without a build step."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js"


def test_front_end_type_checks_with_jsdoc(tmp_path: Path) -> None:
    npm = shutil.which("npm")
    assert npm, "npm (Node.js) is needed to type-check js/: apt-get install -y nodejs npm"
    install = subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(tmp_path), "typescript@5"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    files = sorted(str(p) for p in JS.rglob("*.js") if "tests" not in p.relative_to(JS).parts)  # with js/kinds/ …
    assert any("kinds" in f for f in files)
    check = subprocess.run(
        [str(tmp_path / "node_modules" / ".bin" / "tsc"), "--noEmit", "--allowJs", "--checkJs", "--strict",
         "--target", "es2022", "--lib", "es2022,dom", *files],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-4000:]
