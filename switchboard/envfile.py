"""Update settings in a `.env` file in place, keeping every other line and comment."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+\-,]*$")


def quote(value: str) -> str:
    """The value as python-dotenv reads it back unchanged."""
    if _PLAIN.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def update_env_file(path: Path, values: dict[str, str]) -> None:
    """Set each KEY=value: replace its line where it exists, else append; atomic, private."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    out: list[str] = []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        name = match.group(1) if match else None
        if name in values:
            if name in pending:
                out.append(f"{name}={quote(pending.pop(name))}")
            continue  # a second assignment of the same name would override ours: drop it
        out.append(line)
    if pending:
        if out and out[-1].strip():
            out.append("")
        out.append("# Model endpoint (written by `switchboard model`)")
        out += [f"{name}={quote(value)}" for name, value in pending.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".env.", text=True)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(out) + "\n")
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600  # it holds a key
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
