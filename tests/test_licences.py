"""gardefou is Apache-2.0: no package of the default install may be under the GPL or AGPL.

Walks the installed dependency closure of `gardefou` (with the extras it asks for, such as
`uvicorn[standard]`, and without its optional `dev` extra) and reads each package's declared
licence (License-Expression, License and the licence classifiers). LGPL packages are allowed
and named here, with the reason (they are used as libraries, unmodified, dynamically linked).
"""

from __future__ import annotations

import importlib.metadata as md
import re
from functools import lru_cache

import pytest
from packaging.requirements import Requirement

# package -> why its LGPL licence is compatible with shipping gardefou under Apache-2.0
LGPL_ALLOWED = {
    "pi-heif": "HEIC decoding through libheif (LGPL), dynamically linked, unmodified",
    "psycopg": "PostgreSQL driver (LGPL-3.0), used as a library, unmodified",
    "psycopg-binary": "psycopg's C speed-ups (LGPL-3.0), used as a library, unmodified",
}
_COPYLEFT = re.compile(r"\bA?GPL|GNU (?:Affero )?General Public", re.I)
_LESSER = re.compile(r"\bLGPL|Lesser|Library General Public", re.I)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def _closure(root: str = "gardefou") -> dict[str, md.Distribution]:
    found: dict[str, md.Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional or platform-only dependency that is not installed
        key = _key(dist.metadata["Name"])
        if key in found and not extras:
            continue
        found[key] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = extras or {""}
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in wanted):
                continue
            if key == "gardefou" and req.marker and "extra" in str(req.marker):
                continue  # gardefou's own extras (dev) are not the default install
            todo.append((req.name, frozenset(req.extras)))
    return found


def _declared_licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    parts = [meta.get("License-Expression") or "", (meta.get("License") or "")[:400]]
    parts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " | ".join(p for p in parts if p)


def test_the_closure_is_the_real_install():
    names = set(_closure())
    assert {"gardefou", "numpy", "scikit-learn", "fastapi", "pyahocorasick", "uvloop"} <= names
    assert "pytest" not in names and "faiss-cpu" not in names  # dev extra left out


@pytest.mark.parametrize("name", sorted(_closure()))
def test_no_gpl_in_the_default_install(name):
    dist = _closure()[name]
    licence = _declared_licence(dist)
    copyleft = _COPYLEFT.search(licence) is not None
    lesser = _LESSER.search(licence) is not None
    if lesser and not re.search(r"\bGPL-[23]|GNU General Public", _LESSER.sub("", licence)):
        assert name in LGPL_ALLOWED, f"{name} is LGPL ({licence}); review it and add it to LGPL_ALLOWED with the reason"
        return
    assert not copyleft, f"{name} declares a GPL/AGPL licence: {licence}"
