"""`gardefou bank ...` and `gardefou match` end to end, as a user runs them, on the reference photos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from dataclasses import dataclass
from typer.testing import CliRunner


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(data_dir: Path, *args: str, input: str | None = None, ok: tuple[int, ...] = (0,)) -> Result:
    """Run the real `gardefou` command in-process (fast); one test below runs it as a subprocess."""
    res = CliRunner().invoke(cli_app(), [*args, "--data-dir", str(data_dir)], input=input)
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    proc = Result(res.exit_code, res.stdout, res.stderr)
    assert proc.returncode in ok, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return proc


def cli_app():
    from gardefou.cli import _register, app

    if not app.registered_groups:
        _register()
    return app


def test_installed_command_runs_as_a_subprocess(data_dir, refdata):
    proc = subprocess.run([sys.executable, "-m", "gardefou.cli", "bank", "create", "x", "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == "x"


def lines(proc: Result) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture()
def orig_bank(data_dir: Path, refdata: Path) -> dict:
    run(data_dir, "bank", "create", "ncii", "--description", "reference originals")
    added = lines(run(data_dir, "bank", "add", "ncii", str(refdata / "bridge-mods" / "aaa-orig.jpg"),
                      str(refdata / "reg-test-input" / "labelme-subset")))
    assert len(added) == 8 and all("entry_id" in a for a in added)
    return {Path(a["path"]).name: a for a in added}


def test_every_bridge_mod_matches_the_original(data_dir, refdata, orig_bank):
    out = lines(run(data_dir, "match", str(refdata / "bridge-mods"), "--bank", "ncii"))
    assert len(out) == 12
    for record in out:
        best = record["matches"][0]
        assert best["entry_id"] == orig_bank["aaa-orig.jpg"]["entry_id"], record["path"]
        assert best["distance"] <= 31 and best["signal"] in ("pdq", "md5") and best["bank"] == "ncii"
        assert [m["distance"] for m in record["matches"]] == sorted(m["distance"] for m in record["matches"])
    exact = next(r for r in out if r["path"].endswith("aaa-orig.jpg"))
    assert exact["matches"][0]["distance"] == 0


def test_dihedral_variants_match_only_with_flag(data_dir, refdata, orig_bank):
    dih = refdata / "reg-test-input" / "dih"
    run(data_dir, "bank", "add", "ncii", str(dih / "bridge-1-original.jpg"))
    plain = lines(run(data_dir, "match", str(dih), "--bank", "ncii"))
    rotated = [r for r in plain if "rotate-90" in r["path"]][0]
    assert not any(m["metadata"]["source"] == "bridge-1-original.jpg" for m in rotated["matches"])
    out = lines(run(data_dir, "match", str(dih), "--bank", "ncii", "--dihedral"))
    assert len(out) == 8
    for record in out:
        sources = {m["metadata"]["source"]: m for m in record["matches"]}
        assert "bridge-1-original.jpg" in sources, record["path"]
        assert sources["bridge-1-original.jpg"]["distance"] <= 31 and "transform" in sources["bridge-1-original.jpg"]


def test_labelme_photos_do_not_match_each_other(data_dir, refdata, orig_bank):
    out = lines(run(data_dir, "match", str(refdata / "reg-test-input" / "labelme-subset")))
    for record in out:
        assert [m["metadata"]["source"] for m in record["matches"]] == [Path(record["path"]).name]


def test_removed_entry_never_matches_again(data_dir, refdata, orig_bank):
    orig = refdata / "bridge-mods" / "aaa-orig.jpg"
    entry_id = orig_bank["aaa-orig.jpg"]["entry_id"]
    removed = lines(run(data_dir, "bank", "remove", "ncii", str(entry_id), "424242", ok=(1,)))
    assert removed == [{"bank": "ncii", "removed": [entry_id], "not_found": [424242]}]
    out = lines(run(data_dir, "match", str(orig), str(refdata / "bridge-mods" / "blur-a-lot.jpg")))
    assert all(r["matches"] == [] for r in out)


def test_per_bank_threshold_and_override(data_dir, refdata):
    run(data_dir, "bank", "create", "strict", "--max-distance", "0")
    run(data_dir, "bank", "add", "strict", str(refdata / "bridge-mods" / "aaa-orig.jpg"))
    blur = str(refdata / "bridge-mods" / "sharpen-a-lot.jpg")  # distance 14
    assert lines(run(data_dir, "match", blur))[0]["matches"] == []
    assert lines(run(data_dir, "match", blur, "--max-distance", "31"))[0]["matches"][0]["bank"] == "strict"


def test_import_export_round_trip_and_hash_matching(data_dir, refdata, tmp_path):
    run(data_dir, "bank", "create", "hay")
    hay = refdata / "reg-test-input" / "haystack.txt"
    summary = lines(run(data_dir, "bank", "import", "hay", str(hay)))
    n_hay = sum(1 for line in hay.read_text().splitlines() if line.strip())
    assert summary == [{"bank": "hay", "imported": n_hay, "errors": 0}]
    exported = run(data_dir, "bank", "export", "hay", "--format", "csv").stdout
    csv_file = tmp_path / "hay.csv"
    csv_file.write_text(exported)
    run(data_dir, "bank", "create", "copy")
    assert lines(run(data_dir, "bank", "import", "copy", str(csv_file)))[0]["imported"] == n_hay
    a = {row.split(",")[1] for row in exported.splitlines()[1:]}
    b = {row.split(",")[1] for row in run(data_dir, "bank", "export", "copy").stdout.splitlines()[1:]}
    assert a == b and len(a) == len(set(hay.read_text().split()))
    jsonl = lines(run(data_dir, "bank", "export", "copy", "--format", "jsonl"))
    assert len(jsonl) == n_hay and set(jsonl[0]) >= {"entry_id", "pdq", "md5", "quality", "metadata"}
    # Needles against the haystack bank: same pair count as the reference matcher (250 at <= 31).
    needles = refdata / "reg-test-input" / "needles.txt"
    out = lines(run(data_dir, "match", "--hashes", str(needles), "--bank", "hay"))
    assert len(out) == sum(1 for line in needles.read_text().splitlines() if line.strip())
    assert sum(len(r["matches"]) for r in out) == 250


def test_bad_inputs_are_reported_and_the_batch_goes_on(data_dir, refdata, tmp_path):
    run(data_dir, "bank", "create", "b")
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = lines(run(data_dir, "bank", "add", "b", str(bad), str(refdata / "bridge-mods" / "aaa-orig.jpg"), ok=(1,)))
    assert "error" in out[0] and out[0]["path"].endswith("broken.jpg") and "entry_id" in out[1]
    imp = tmp_path / "list.txt"
    imp.write_text("deadbeef\n" + "a" * 64 + "\n")
    proc = run(data_dir, "bank", "import", "b", str(imp), ok=(1,))
    assert lines(proc) == [{"bank": "b", "imported": 1, "errors": 1}] and "line 1" in proc.stderr
    assert "not found" in run(data_dir, "bank", "add", "nope", str(bad), ok=(1,)).stderr
    run(data_dir, "match", ok=(2,))
    run(data_dir, "bank", "delete", "b")
    assert lines(run(data_dir, "bank", "list")) == []
