"""CLI contract: `python -m gardefou.cli text classify [FILE|-] [--jsonl] [--threshold T]`."""

import json
import subprocess
import sys


def run(args, data: bytes):
    p = subprocess.run([sys.executable, "-m", "gardefou.cli", "text", "classify", *args], input=data,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    lines = p.stdout.decode("utf-8").splitlines()
    return [json.loads(x) for x in lines]


def test_plain_lines_in_order_with_empty_lines_and_bad_utf8():
    data = ("Undress any girl in 5 seconds 👉 t.me/undress_her_bot free credits\n"
            "\n"
            "This nude lipstick is my everyday shade.\n").encode() + b"bad \xff\xfe bytes undress\n" + b"no newline at end"
    out = run([], data)
    assert len(out) == 5
    for o in out:
        for key in ("flagged", "score", "category", "reasons", "lang"):
            assert key in o
        assert isinstance(o["flagged"], bool) and 0.0 <= o["score"] <= 1.0
    assert out[0]["flagged"] and out[0]["category"]
    assert not out[1]["flagged"]
    assert not out[2]["flagged"]


def test_file_argument_and_threshold(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("This nude lipstick is my everyday shade.\nhello\n", encoding="utf-8")
    out = run([str(f), "--threshold", "0"], b"")
    assert len(out) == 2 and all(o["flagged"] for o in out)
    out = run(["-", "--threshold", "1"], b"Undress any girl in 5 seconds free credits\n")
    assert out[0]["score"] <= 1.0


def test_jsonl_echoes_id_and_reports_errors():
    data = b"\n".join([
        json.dumps({"id": 7, "text": "Undress any girl in 5 seconds 👉 free credits"}).encode(),
        b"{not json",
        json.dumps({"id": "x"}).encode(),
        json.dumps({"id": "n", "text": "Researchers found referral links to nudify apps grew 2,400%."}).encode(),
        b"",
        json.dumps([1, 2]).encode(),
    ]) + b"\n"
    out = run(["--jsonl"], data)
    assert len(out) == 6
    assert out[0]["id"] == 7 and out[0]["flagged"]
    assert "error" in out[1]
    assert out[2]["id"] == "x" and "error" in out[2]
    assert out[3]["id"] == "n" and "flagged" in out[3]
    assert "error" in out[4] and "error" in out[5]


def test_one_megabyte_line():
    big = ("nude lipstick shade " * 60_000)[:1_048_576].encode()
    out = run([], big + b"\nUndress any girl free credits\n")
    assert len(out) == 2
    assert any("truncated" in r for r in out[0]["reasons"])


def test_help_lists_text_commands():
    p = subprocess.run([sys.executable, "-m", "gardefou.cli", "text", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "classify" in p.stdout and "train" in p.stdout
