"""Hash-list formats: plain hex lines, CSV with metadata, JSON Lines; errors name the line."""

from __future__ import annotations

import io

from gardefou.exchange import read_hash_list, write_hash_list
from gardefou.store import EntryInfo

PDQ = "d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"
MD5 = "0123456789abcdef0123456789abcdef"


def parse(text: str):
    return list(read_hash_list(io.StringIO(text)))


def test_plain_lines_guess_pdq_or_md5_and_skip_comments():
    rows = parse(f"# header\n{PDQ}\n\n{MD5.upper()}\n{PDQ},100,file.jpg\nnot-a-hash\n")
    assert [(r.entry.pdq, r.entry.md5) if r.entry else r.error for r in rows] == [
        (PDQ, None), (None, MD5), (PDQ, None), "line 6: pdq must be 64 hexadecimal characters, got 'not-a-hash'"]


def test_csv_keeps_metadata_columns():
    rows = parse(f"pdq,md5,quality,case_ref,source\n{PDQ},{MD5},90,C-1,helpline\n{PDQ},,bad,C-2,x\n")
    assert rows[0].entry.quality == 90 and rows[0].entry.metadata == {"case_ref": "C-1", "source": "helpline"}
    assert rows[1].error == "line 3: quality must be an integer, got 'bad'"


def test_jsonl_with_metadata_object_and_bad_lines():
    rows = parse('{"pdq": "%s", "metadata": {"a": 1}, "note": "n"}\n[1]\n{broken\n' % PDQ)
    assert rows[0].entry.metadata == {"a": 1, "note": "n"}
    assert rows[1].error == "line 2: expected a JSON object" and rows[2].error.startswith("line 3: invalid JSON")


def test_csv_and_jsonl_round_trip():
    entries = [EntryInfo(1, "b", PDQ, MD5, 88, {"case_ref": "C-1"}), EntryInfo(2, "b", None, MD5, None, {})]
    for fmt in ("csv", "jsonl"):
        out = io.StringIO()
        assert write_hash_list(entries, out, fmt) == 2
        back = parse(out.getvalue())
        assert [(r.entry.pdq, r.entry.md5, r.entry.quality, r.entry.metadata) for r in back] == [
            (PDQ, MD5, 88, {"case_ref": "C-1"}), (None, MD5, None, {})]
