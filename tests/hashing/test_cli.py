"""The `gardefou hash` command, run as a user would (subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gardefou.hashing import hash_photo

from .scenes import encode, scene

CMD = [sys.executable, "-m", "gardefou.cli", "hash"]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture()
def photos(tmp_path: Path, refdata: Path) -> Path:
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    shutil.copy(refdata / "bridge-mods" / "aaa-orig.jpg", root / "orig.jpg")
    shutil.copy(refdata / "bridge-mods" / "blur-a-lot.jpg", root / "sub" / "blur.jpg")
    (root / "sub" / "drawn.png").write_bytes(encode(scene(320, 240), "PNG"))
    return root


def test_jsonl_in_input_order_exit_0(photos):
    single = photos / "orig.jpg"
    out = run(str(photos / "sub"), str(single), "--workers", "2")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # piped: no progress bar, no noise
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(photos / "sub" / "blur.jpg"), str(photos / "sub" / "drawn.png"), str(single)]
    assert list(records[2]) == ["path", "pdq", "quality", "md5", "width", "height"]
    expected = hash_photo(single)
    assert records[2] == {"path": str(single), **expected.to_dict()}


def test_failures_are_reported_inline_and_exit_1(photos, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    out = run(str(photos / "orig.jpg"), str(tmp_path / "missing.png"), str(bad), str(photos / "sub" / "blur.jpg"), "--workers", "1")
    assert out.returncode == 1, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["path"] for r in records] == [
        str(photos / "orig.jpg"), str(tmp_path / "missing.png"), str(bad), str(photos / "sub" / "blur.jpg"),
    ]
    assert records[1] == {"path": str(tmp_path / "missing.png"), "error": "no such file or directory"}
    assert set(records[2]) == {"path", "error"} and "corrupt" in records[2]["error"]
    assert "pdq" in records[0] and "pdq" in records[3]


def test_csv_with_header_and_dihedral(photos, tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    out = run(str(photos / "orig.jpg"), str(tmp_path / "empty.png"), "--format", "csv", "--dihedral")
    assert out.returncode == 1, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.stdout.splitlines()[0] == "path,pdq,quality,md5,width,height,pdq_dihedral,error"
    expected = hash_photo(photos / "orig.jpg", dihedral=True)
    assert rows[0]["pdq"] == expected.pdq and rows[0]["quality"] == "100" and rows[0]["error"] == ""
    assert rows[0]["pdq_dihedral"].split(";") == list(expected.pdq_dihedral)
    assert rows[1]["error"] == "empty file (0 bytes)" and rows[1]["pdq"] == ""


def test_jsonl_dihedral_and_max_pixels(photos):
    out = run(str(photos / "orig.jpg"), str(photos / "sub" / "drawn.png"), "--dihedral", "--max-pixels", "100000")
    assert out.returncode == 1, out.stderr
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert "too many pixels" in first["error"]
    assert len(second["pdq_dihedral"]) == 8 and second["pdq_dihedral"][0] == second["pdq"]


def in_process_app():
    """The `hash` command alone in an app, for cheap in-process checks of usage errors."""
    import typer

    from gardefou.cli.hashing import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    register(app)
    return app


@pytest.mark.parametrize(
    "args",
    [[], ["--format", "xml", "x.jpg"], ["--workers", "0", "x.jpg"], ["--max-pixels", "-5", "x.jpg"], ["--nope", "x.jpg"]],
)
def test_usage_errors_exit_2(args):
    from typer.testing import CliRunner

    result = CliRunner().invoke(in_process_app(), ["hash", *args])
    assert result.exit_code == 2, result.output
    assert "Usage" in result.output and '"pdq"' not in result.output


def test_no_paths_is_a_usage_error_for_the_real_command():
    out = run()
    assert out.returncode == 2 and out.stdout == ""


def _run_with_tty_stderr(args: list[str], stdout) -> str:
    """Run with stderr on a pseudo-terminal; return what appeared on the terminal."""
    main, secondary = pty.openpty()
    stdout = secondary if stdout == "tty" else stdout
    proc = subprocess.Popen([*CMD, *args], stdout=stdout, stderr=secondary, env={**os.environ, "COLUMNS": "100"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(main)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_goes_to_a_terminal_never_into_piped_output(photos, tmp_path):
    # stdout to a file, stderr on a terminal: progress on the terminal, only JSON in the file.
    target = tmp_path / "out.jsonl"
    with target.open("w") as f:
        terminal = _run_with_tty_stderr([str(photos), "--workers", "1"], f)
    assert "hashing" in terminal and "3/3" in terminal
    lines = target.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["pdq"] for line in lines)
    # stdout piped: no progress even though stderr is a terminal.
    proc_out = tmp_path / "piped.jsonl"
    reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=proc_out.open("w"))
    terminal = _run_with_tty_stderr([str(photos), "--workers", "1"], reader.stdin)
    reader.stdin.close()
    reader.wait(timeout=30)
    assert terminal.strip() == ""
    assert proc_out.read_text().splitlines() == lines


def test_on_a_terminal_results_print_above_the_bar_unwrapped(photos):
    terminal = _run_with_tty_stderr([str(photos), "--workers", "1"], "tty")
    assert "hashing" in terminal
    records = [json.loads(line[line.index("{"):]) for line in terminal.replace("\r", "\n").splitlines() if '"pdq"' in line]
    assert [r["path"] for r in records] == [str(photos / "orig.jpg"), str(photos / "sub" / "blur.jpg"), str(photos / "sub" / "drawn.png")]


def test_file_names_that_are_not_utf8_do_not_break_the_output(photos, tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    name = os.fsdecode(b"\xff-caf\xc3\xa9.jpg")
    shutil.copy(photos / "orig.jpg", folder / name)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # strict UTF-8 stdout
    out = run(str(folder), env=env)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["path"] == str(folder / name) and os.path.exists(record["path"])
    out = run(str(folder), "--format", "csv", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith(str(folder) + os.sep + "\\xff-café.jpg,")


def test_a_folder_without_images_is_reported_on_stderr(tmp_path):
    from typer.testing import CliRunner

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no photos here")
    result = CliRunner().invoke(in_process_app(), ["hash", str(tmp_path / "empty")])
    assert result.exit_code == 0 and result.stdout == ""
    assert "no image files found" in result.stderr


def test_a_reader_that_stops_early_gives_no_traceback(refdata):
    proc = subprocess.Popen([*CMD, str(refdata), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=120)
    assert json.loads(first)["pdq"]
    assert proc.returncode == 1 and b"Traceback" not in err
