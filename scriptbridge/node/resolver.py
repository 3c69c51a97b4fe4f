"""require() of pure-JavaScript packages: Node's CommonJS resolution, inside one directory.

Scripts may ``require`` packages a team installed with npm next to their scripts (lodash,
uuid, moment...). Bridged modules (bcrypt, crypto, ...) are found first, in JavaScript; what is
left comes here, through the runner's synchronous channel, and resolves as Node would:
relative paths against the requiring file, bare names in ``node_modules`` directories from the
requiring file up to the configured root; a file as given, then with ``.js`` and ``.json``; a
directory through its package.json ``main``, then ``index.js`` and ``index.json``.

Nothing outside the configured directory is ever read: a path (or a symbolic link) that leads
out of it resolves to nothing.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: The largest file require() will load.
MAX_MODULE_BYTES: Final = 8 * 1024 * 1024
_EXTENSIONS: Final = ("", ".js", ".json", ".cjs")


@dataclass(frozen=True)
class Resolved:
    """A module file: ``id`` is its path relative to the root ("lodash/lodash.js")."""

    id: str
    source: str

    @property
    def is_json(self) -> bool:
        return self.id.endswith(".json")


class Resolver:
    """Resolves and reads modules under ``root`` (a ``node_modules`` directory, or None)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None

    def resolve(self, spec: str, parent: str | None) -> Resolved | None:
        """The module ``spec`` required from module ``parent`` (an id, None for the script)."""
        if self.root is None or not spec or "\0" in spec:
            return None
        parent_dir = posixpath.dirname(parent) if parent else ""
        if spec.startswith(("./", "../")) or spec in (".", ".."):
            return self._file_or_directory(posixpath.normpath(posixpath.join(parent_dir, spec)))
        if spec.startswith("/"):
            return None  # absolute paths would leave the root
        for base in _node_modules_dirs(parent_dir):
            found = self._file_or_directory(posixpath.normpath(posixpath.join(base, spec)))
            if found is not None:
                return found
        return None

    def _file_or_directory(self, relative: str) -> Resolved | None:
        if relative.startswith("..") or relative.startswith("/"):
            return None
        return self._file(relative) or self._directory(relative)

    def _file(self, relative: str) -> Resolved | None:
        for extension in _EXTENSIONS:
            candidate = relative + extension if relative != "." else None
            if candidate is None:
                continue
            path = self._inside(candidate)
            if path is not None and path.is_file():
                return self._read(path)
        return None

    def _directory(self, relative: str) -> Resolved | None:
        manifest = self._inside(posixpath.join(relative, "package.json"))
        if manifest is not None and manifest.is_file():
            try:
                main = json.loads(manifest.read_text("utf-8")).get("main")
            except (OSError, ValueError, AttributeError):
                main = None
            if isinstance(main, str) and main:
                target = posixpath.normpath(posixpath.join(relative, main))
                found = self._file(target) or self._index(target)
                if found is not None:
                    return found
        return self._index(relative)

    def _index(self, relative: str) -> Resolved | None:
        for name in ("index.js", "index.json", "index.cjs"):
            path = self._inside(posixpath.join(relative, name))
            if path is not None and path.is_file():
                return self._read(path)
        return None

    def _inside(self, relative: str) -> Path | None:
        assert self.root is not None
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) else None

    def _read(self, path: Path) -> Resolved | None:
        assert self.root is not None
        try:
            if path.stat().st_size > MAX_MODULE_BYTES:
                return None
            source = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if source.startswith("#!"):  # a CLI entry point's shebang line, as Node allows
            source = "//" + source
        return Resolved(id=path.relative_to(self.root).as_posix(), source=source)


def _node_modules_dirs(parent_dir: str) -> list[str]:
    """The directories a bare name is looked up in, nearest first: each ``node_modules``
    between the requiring file and the root, then the root itself."""
    dirs = []
    parts = parent_dir.split("/") if parent_dir else []
    while parts:
        if parts[-1] != "node_modules":
            dirs.append(posixpath.join(*parts, "node_modules"))
        parts.pop()
    dirs.append("")
    return dirs
