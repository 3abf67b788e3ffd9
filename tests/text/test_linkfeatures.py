"""The links adapter: uses gardefou.links when present, falls back to an internal detector."""

from gardefou.text import linkfeatures as lf


def test_reasons_from_links():
    flags, links = lf.link_features("20 free credits: undressapp.ai/?ref=mike22 or t.me/undress_her_bot, bit.ly/3xYz")
    assert flags.get("referral") and flags.get("telegram") and flags.get("any")
    reasons = " | ".join(lf.link_reasons(links))
    assert "referral code" in reasons and "Telegram" in reasons


def test_fallback_when_links_package_missing(monkeypatch):
    monkeypatch.setattr(lf, "_extract", None)
    flags, links = lf.link_features("join t.me/nudes_bot and get credits at nudify.app/?ref=ABC, short bit.ly/xyz")
    assert flags.get("telegram") and flags.get("referral") and flags.get("shortener")
    assert any(x["kind"] == "telegram" for x in links)


def test_fallback_when_links_package_raises(monkeypatch):
    def boom(text):
        raise RuntimeError("bug")

    monkeypatch.setattr(lf, "_extract", boom)
    monkeypatch.setattr(lf, "_has_hint", None)
    flags, _ = lf.link_features("visit nudify.app/?ref=ABC")
    assert flags.get("referral")


def test_no_link_no_work():
    assert lf.link_features("plain words only") == ({}, [])
