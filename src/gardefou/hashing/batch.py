"""Hash many files: folder expansion, a process pool, results in input order, failures inline."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from gardefou.hashing.core import PhotoHash, hash_photo
from gardefou.hashing.loading import DEFAULT_MAX_PIXELS

#: File name extensions picked up when a folder is expanded (files named explicitly are always
#: hashed, whatever their name).
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".gif", ".bmp", ".dib",
     ".tif", ".tiff", ".heic", ".heif", ".hif"}
)


@dataclass(frozen=True)
class HashFailure:
    """An input that could not be hashed, and why."""

    path: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        """`{"path", "error"}`."""
        return {"path": self.path, "error": self.error}


HashResult = PhotoHash | HashFailure


def iter_image_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Yield each path; a folder yields its image files recursively, sorted by path components.

    Inside folders only names ending in IMAGE_EXTENSIONS count (case-insensitive), and hidden
    entries (name starting with '.') are skipped. Paths that do not exist are yielded as given,
    so that hashing reports them as failures.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for raw in paths:
        path = os.fspath(raw)
        if not os.path.isdir(path):
            yield path
            continue
        found: list[tuple[tuple[str, ...], str]] = []
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel_root = os.path.relpath(root, path)
            parts = () if rel_root == "." else tuple(Path(rel_root).parts)
            for name in files:
                if name.startswith(".") or os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                    continue
                found.append((parts + (name,), os.path.join(root, name)))
        found.sort()
        for _, file_path in found:
            yield file_path


def hash_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    workers: int | None = None,
    dihedral: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Iterator[tuple[str, HashResult]]:
    """Hash files and folders (expanded by `iter_image_paths`), yielding (path, result) in order.

    `workers`: processes to use (default: all CPUs; 1 hashes in this process). Workers are
    forked on Linux (no `if __name__ == "__main__"` guard needed), started the platform's
    default way elsewhere. A file that cannot be hashed yields a HashFailure and the batch
    goes on; so does a decoder crash that kills a worker process.
    """
    job = partial(_hash_one, dihedral=dihedral, max_pixels=max_pixels)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, (list, tuple)) and len(paths) == 1 and not os.path.isdir(paths[0]):
        workers = 1  # one file: a process pool would only add start-up time
    items = iter_image_paths(paths)
    n = _cpu_count() if workers is None else max(1, int(workers))
    if n == 1:
        for path in items:
            yield path, job(path)
        return
    yield from _pooled(items, job, n)


def _hash_one(path: str, *, dihedral: bool, max_pixels: int) -> HashResult:
    """Hash one file; never raises (an error becomes a HashFailure)."""
    try:
        result = hash_photo(path, dihedral=dihedral, max_pixels=max_pixels)
    except FileNotFoundError:
        return HashFailure(path, "no such file or directory")
    except IsADirectoryError:
        return HashFailure(path, "is a directory")
    except PermissionError:
        return HashFailure(path, "permission denied")
    except MemoryError:
        return HashFailure(path, "out of memory while decoding")
    except OSError as exc:
        return HashFailure(path, f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - ImageError and anything a decoder may raise
        return HashFailure(path, str(exc) or type(exc).__name__)
    return PhotoHash(
        result.pdq, result.quality, result.md5, result.width, result.height, result.pdq_dihedral, path=path
    )


def _pooled(items: Iterator[str], job: Callable[[str], HashResult], workers: int) -> Iterator[tuple[str, HashResult]]:
    """Run `job` in a process pool with a bounded look-ahead window, yielding in input order."""
    window = workers * 4
    pending: deque[tuple[str, Future[HashResult]]] = deque()
    pool = _new_pool(workers)
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                path = next(items, None)
                if path is None:
                    exhausted = True
                    break
                pending.append((path, pool.submit(job, path)))
            if not pending:
                return
            path, future = pending.popleft()
            try:
                result = future.result()
            except BrokenProcessPool:
                result = None
            except Exception as exc:  # noqa: BLE001 - e.g. a result that failed to pickle
                result = HashFailure(path, f"internal error: {exc}")
            if result is not None:
                yield path, result
                continue
            # A worker died (for instance a decoder crashed). Re-run the unfinished items one
            # at a time in a fresh pool so that only the culprit is reported as failed.
            pool.shutdown(wait=False, cancel_futures=True)
            retry = [path] + [p for p, _ in pending]
            pending.clear()
            pool = _new_pool(workers)
            for p in retry:
                try:
                    result = pool.submit(job, p).result()
                except BrokenProcessPool:
                    result = HashFailure(p, "the image decoder crashed on this file")
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _new_pool(workers)
                yield p, result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
