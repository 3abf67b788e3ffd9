"""CLI contract, through a subprocess: `gardefou links extract` and `gardefou providers ...`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from gardefou.cli import links as links_cli


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    links_cli.register(app)
    return app


APP = _app()


def cli(*args: str, stdin: bytes | None = None, data_dir=None):
    """The providers commands in-process (the store import makes each subprocess cost seconds)."""
    argv = [*args] + (["--data-dir", str(data_dir)] if data_dir is not None else [])
    result = CliRunner().invoke(APP, argv, input=stdin)
    return subprocess.CompletedProcess(argv, result.exit_code, result.stdout.encode(), result.stderr.encode())


def run(*args: str, stdin: bytes | None = None, data_dir=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "gardefou.cli", *args]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)


def lines(out: bytes) -> list[dict]:
    return [json.loads(l) for l in out.decode("utf-8").splitlines()]


def test_links_extract_plain_lines_in_order(tmp_path):
    text = b"visit undress[.]app/ref/A1\n\nno link here.\n\xff\xfe garbage then clothoff.io\n"
    out = run("links", "extract", stdin=text, data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    recs = lines(out.stdout)
    assert len(recs) == 4
    assert recs[0]["links"][0]["domain"] == "undress.app"
    assert recs[0]["links"][0]["referral"] == {"param": "/ref/", "code": "A1", "type": "referral"}
    assert recs[1] == {"links": []} and recs[2] == {"links": []}
    assert recs[3]["links"][0]["provider"] == "ClothOff"
    assert recs[3]["links"][0]["match"] == "exact"
    # offsets are in characters of the decoded line (invalid bytes become U+FFFD)
    assert recs[3]["links"][0]["span"] == [16, 27]
    assert not (tmp_path / "d").exists(), "extract must not create a store"


def test_links_extract_jsonl_with_ids_and_errors(tmp_path):
    data = b'{"id": "a", "text": "t.me/SomeBot?start=x1"}\nnot json\n{"id": 7}\n{"id": 8, "text": "nothing"}\n'
    f = tmp_path / "in.jsonl"
    f.write_bytes(data)
    out = run("links", "extract", str(f), "--jsonl")
    assert out.returncode == 0, out.stderr
    recs = lines(out.stdout)
    assert [r.get("id") for r in recs] == ["a", None, 7, 8]
    assert recs[0]["links"][0]["kind"] == "telegram" and recs[0]["links"][0]["referral"]["code"] == "x1"
    assert "error" in recs[1] and "links" not in recs[1]
    assert "error" in recs[2]
    assert recs[3] == {"id": 8, "links": []}


def test_links_extract_very_long_line():
    line = ("lorem ipsum " * 200_000 + "hxxps://nudify-app[.]xyz/?aff=9").encode()
    out = run("links", "extract", "-", stdin=line + b"\n")
    assert out.returncode == 0, out.stderr
    (rec,) = lines(out.stdout)
    (link,) = rec["links"]
    assert (link["domain"], link["match"], link["referral"]["code"]) == ("nudify-app.xyz", "lookalike", "9")


def test_links_extract_missing_file_fails_cleanly(tmp_path):
    out = run("links", "extract", str(tmp_path / "nope.txt"))
    assert out.returncode != 0
    assert b"cannot read" in out.stderr


def test_providers_check_list_show(tmp_path):
    out = cli("providers", "check", "clothoff[.]io", "undressher-ai.net", "canva.com", data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert [(r["provider"], r["match"]) for r in lines(out.stdout)] == [("ClothOff", "exact"), ("Undress", "lookalike"), (None, "none")]
    listed = lines(cli("providers", "list", data_dir=tmp_path / "d").stdout)
    assert {"ClothOff", "CrushAI"} <= {r["name"] for r in listed}
    assert all(r["origin"] == "shipped" for r in listed)
    shown = lines(cli("providers", "show", "crush ai", data_dir=tmp_path / "d").stdout)
    assert shown[0]["operator"] == "Joy Timeline HK Limited"
    missing = cli("providers", "show", "no such thing", data_dir=tmp_path / "d")
    assert missing.returncode == 1


def test_providers_add_import_merge_and_remove(tmp_path):
    d = tmp_path / "d"
    add = cli("providers", "add", "--name", "FreshNudes", "--domain", "https://www.FreshNudes-AI.com/x",
              "--bot", "FreshNudesBot", "--source", "moderator note", data_dir=d)
    assert add.returncode == 0, add.stderr
    (entry,) = lines(add.stdout)
    assert entry["domains"] == ["freshnudes-ai.com"] and entry["sources"][0]["title"] == "moderator note"
    checked = lines(cli("providers", "check", "cdn.freshnudes-ai.com", "@FreshNudesBot", data_dir=d).stdout)
    assert [(r["provider"], r["match"]) for r in checked] == [("FreshNudes", "exact"), ("FreshNudes", "exact")]
    # links extract picks local providers up too
    ext = lines(cli("links", "extract", stdin=b"see freshnudes-ai.com\n", data_dir=d).stdout)
    assert ext[0]["links"][0]["match"] == "exact"

    f = tmp_path / "more.yaml"
    f.write_text(
        "- name: ClothOff\n  domains: [clothoff.example-mirror.net]\n"
        "  sources: [{title: a report, publisher: someone, date: '2026-10'}]\n"
        "- name: FreshNudes\n  app_ids: [com.fresh.nudes]\n"
        "  sources: [{title: store listing, publisher: us, date: '2026-11'}]\n"
    )
    imp = cli("providers", "import", str(f), data_dir=d)
    assert imp.returncode == 0, imp.stderr
    assert lines(imp.stdout) == [{"imported": 2, "names": ["ClothOff", "FreshNudes"]}]
    listed = {r["name"]: r for r in lines(cli("providers", "list", data_dir=d).stdout)}
    assert listed["ClothOff"]["origin"] == "shipped+local"
    assert listed["ClothOff"]["domains"] == ["clothoff.io", "clothoff.example-mirror.net"]
    assert listed["FreshNudes"]["origin"] == "local"
    assert listed["FreshNudes"]["domains"] == ["freshnudes-ai.com"] and listed["FreshNudes"]["app_ids"] == ["com.fresh.nudes"]

    rm = cli("providers", "remove", "freshnudes", data_dir=d)
    assert rm.returncode == 0, rm.stderr
    assert cli("providers", "check", "freshnudes-ai.com", data_dir=d).stdout and \
        lines(cli("providers", "check", "freshnudes-ai.com", data_dir=d).stdout)[0]["match"] == "none"


@pytest.mark.parametrize(
    "content, message",
    [
        ("- name: X\n  domains: [not a domain]\n  sources: [{title: t, publisher: p, date: '2025'}]\n", b"domains/0"),
        ("- name: X\n  domains: [x-nudes.com]\n", b"sources"),
        ("{{{ not yaml", b"not valid YAML"),
    ],
)
def test_providers_import_rejects_invalid_files(tmp_path, content, message):
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    out = cli("providers", "import", str(f), data_dir=tmp_path / "d")
    assert out.returncode == 1
    assert message in out.stderr
    assert not (tmp_path / "d").exists()


def test_providers_add_needs_an_identifier(tmp_path):
    out = cli("providers", "add", "--name", "Empty", data_dir=tmp_path / "d")
    assert out.returncode == 1
    bad = cli("providers", "add", "--name", "Bad", "--domain", "no dots here", data_dir=tmp_path / "d")
    assert bad.returncode == 1 and b"not a valid domain" in bad.stderr


def test_providers_subprocess_smoke(tmp_path):
    out = run("providers", "check", "www.clothoff.io", data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert lines(out.stdout)[0]["match"] == "exact"
