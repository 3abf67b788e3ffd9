"""Hostile input stays fast: 1 MB of adversarial text per case, well under a second each."""

from __future__ import annotations

import random
import time

import pytest

from gardefou.links import extract_links

MB = 1_000_000


def _random_unicode(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(map(chr, rng.choices(range(0x20, 0x3000), k=MB)))


def _random_from(alphabet: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(alphabet, k=MB))


CASES = {
    "a-dot": lambda: "a." * (MB // 2),
    "a-space": lambda: "a " * (MB // 2),
    "letters": lambda: "a" * MB,
    "dots": lambda: "." * MB,
    "spaces": lambda: " " * MB,
    "hyphens": lambda: "a-" * (MB // 2),
    "dot-word": lambda: "a dot " * (MB // 6),
    "defanged": lambda: "a[.]" * (MB // 4),
    "spaced-dots": lambda: "a . " * (MB // 4),
    "at-signs": lambda: "@a" * (MB // 2),
    "schemes": lambda: "http://" * (MB // 7),
    "hxxp-hosts": lambda: "hxxps://a." * (MB // 10),
    "long-label-no-tld": lambda: ("x" * 60 + ".") * (MB // 61),
    "many-valid-domains": lambda: "ab.cd " * (MB // 6),
    "emails": lambda: "a@b." * (MB // 4),
    "brackets": lambda: "[(" * (MB // 2),
    "digits-dots": lambda: "1.2." * (MB // 4),
    "random-ascii-punct": lambda: _random_from("a.-@ [](){}:/x0", 1),
    "random-unicode": lambda: _random_unicode(2),
    "fullwidth": lambda: "ａ．" * (MB // 2),
    "binary": lambda: random.Random(3).randbytes(MB).decode("utf-8", errors="replace"),
}


@pytest.fixture(scope="module", autouse=True)
def _warm_registry():
    extract_links("warm up: example.com")  # the registry loads once per process; not per text


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_megabyte_of_adversarial_text_is_fast(name):
    text = CASES[name]()
    assert len(text) >= MB * 0.9
    start = time.perf_counter()
    links = extract_links(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"{name}: {elapsed:.3f}s"
    assert len(links) <= 1000
    for link in links[:50]:
        assert text[link.span[0]:link.span[1]] == link.raw


def test_many_valid_domains_are_capped_not_dropped():
    links = extract_links("ab.cd " * 5000)
    assert len(links) == 1000
    assert links[0].domain == "ab.cd"


def test_one_long_line_with_a_link_at_the_end():
    text = "x " * 400_000 + "undress[.]app"
    start = time.perf_counter()
    links = extract_links(text)
    assert time.perf_counter() - start < 0.5
    assert [l.domain for l in links] == ["undress.app"]
    assert links[0].span == (800_000, 800_013)
