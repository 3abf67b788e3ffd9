"""Batches: folder expansion, input order, failures inline, worker processes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gardefou.hashing import HashFailure, PhotoHash, hash_files, hash_photo, iter_image_paths
from gardefou.hashing.batch import _hash_one, _pooled

from .scenes import encode, scene


@pytest.fixture()
def tree(tmp_path: Path, refdata: Path) -> Path:
    """photos/{b.png, a.jpg, sub/c.webp, sub/deeper/d.gif, .hidden.jpg, notes.txt, A.JPG}"""
    root = tmp_path / "photos"
    (root / "sub" / "deeper").mkdir(parents=True)
    shutil.copy(refdata / "bridge-mods" / "aaa-orig.jpg", root / "a.jpg")
    (root / "b.png").write_bytes(encode(scene(300, 200, seed=1), "PNG"))
    (root / "sub" / "c.webp").write_bytes(encode(scene(300, 200, seed=2), "WEBP"))
    (root / "sub" / "deeper" / "d.gif").write_bytes(encode(scene(300, 200, seed=3), "GIF"))
    (root / "A.JPG").write_bytes(encode(scene(300, 200, seed=4), "JPEG"))
    (root / ".hidden.jpg").write_bytes(b"AppleDouble junk")
    (root / "notes.txt").write_text("not a photo")
    return root


def test_folders_expand_recursively_in_sorted_order(tree):
    found = [os.path.relpath(p, tree) for p in iter_image_paths([tree])]
    assert found == ["A.JPG", "a.jpg", "b.png", os.path.join("sub", "c.webp"), os.path.join("sub", "deeper", "d.gif")]


def test_explicit_paths_are_kept_whatever_they_are(tree):
    given = [tree / "notes.txt", tree / "missing.jpg", tree / "b.png"]
    assert list(iter_image_paths(given)) == [str(p) for p in given]


@pytest.mark.parametrize("workers", [1, 2])
def test_order_is_kept_and_failures_do_not_stop_the_batch(tree, workers):
    empty = tree / "empty.jpg"
    empty.write_bytes(b"")
    inputs = [tree / "sub", empty, tree / "missing.jpg", tree / "notes.txt", tree / "b.png", tree / "a.jpg"]
    results = list(hash_files(inputs, workers=workers))
    paths = [p for p, _ in results]
    assert paths == [
        str(tree / "sub" / "c.webp"), str(tree / "sub" / "deeper" / "d.gif"),
        str(empty), str(tree / "missing.jpg"), str(tree / "notes.txt"), str(tree / "b.png"), str(tree / "a.jpg"),
    ]
    kinds = [type(r) for _, r in results]
    assert kinds == [PhotoHash, PhotoHash, HashFailure, HashFailure, HashFailure, PhotoHash, PhotoHash]
    errors = {Path(p).name: r.error for p, r in results if isinstance(r, HashFailure)}
    assert errors["empty.jpg"] == "empty file (0 bytes)"
    assert errors["missing.jpg"] == "no such file or directory"
    assert errors["notes.txt"].startswith("not an image")
    for path, result in results:
        assert result.path == path
        if isinstance(result, PhotoHash):
            assert result == _with_path(hash_photo(path), path)
    assert results[-1][1].to_dict()["path"] == str(tree / "a.jpg")
    assert results[2][1].to_dict() == {"path": str(empty), "error": "empty file (0 bytes)"}


def test_workers_give_the_same_results_as_one_process(tree):
    inputs = [tree, tree / "a.jpg"]
    assert list(hash_files(inputs, workers=2, dihedral=True)) == list(hash_files(inputs, workers=1, dihedral=True))


def test_max_pixels_reaches_the_workers(tree):
    results = dict(hash_files([tree / "b.png", tree / "a.jpg"], workers=2, max_pixels=100_000))
    assert isinstance(results[str(tree / "b.png")], PhotoHash)  # 300 x 200
    assert "too many pixels" in results[str(tree / "a.jpg")].error  # 1600 x 1004


def _crash_on_marked(path: str) -> PhotoHash | HashFailure:
    """A job whose 'decoder' kills the worker process on files named crash*."""
    if Path(path).name.startswith("crash"):
        os._exit(3)
    return _hash_one(path, dihedral=False, max_pixels=10**8)


def test_a_crashing_worker_fails_only_its_own_file(tree):
    crash = tree / "crash.jpg"
    crash.write_bytes(b"whatever")
    inputs = [str(tree / "a.jpg"), str(tree / "b.png"), str(crash), str(tree / "A.JPG"), str(tree / "sub" / "c.webp")]
    results = list(_pooled(iter(inputs), _crash_on_marked, 2))
    assert [p for p, _ in results] == inputs
    assert [isinstance(r, HashFailure) for _, r in results] == [False, False, True, False, False]
    assert "crashed" in results[2][1].error


def _with_path(h: PhotoHash, path: str) -> PhotoHash:
    import dataclasses

    return dataclasses.replace(h, path=path)
