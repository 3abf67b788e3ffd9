"""gardefou.links never touches the network or writes caches, even on first use."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_extraction_works_with_sockets_disabled_and_no_cache_written(tmp_path):
    code = textwrap.dedent(
        """
        import socket
        def refuse(*a, **k):
            raise AssertionError("network access attempted")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from gardefou.links import extract_links, check_domain
        links = extract_links("see https://www.example.co.uk/a and undress[.]app")
        assert [l.domain for l in links] == ["example.co.uk", "undress.app"], links
        assert check_domain("clothoff.io").match == "exact"
        print("ok")
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "TLDEXTRACT_CACHE": str(tmp_path / "tld")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert list(tmp_path.iterdir()) == [], "a cache was written"
