"""Extraction: every disguise, every link kind, referral codes, spans, and false positives."""

from __future__ import annotations

import pytest

from gardefou.links import KINDS, Link, extract_links, has_link_hint


def one(text: str) -> Link:
    links = extract_links(text)
    assert len(links) == 1, [l.to_dict() for l in links]
    link = links[0]
    assert text[link.span[0]:link.span[1]] == link.raw
    return link


@pytest.mark.parametrize(
    "text, raw, domain, obfuscation",
    [
        ("go to undress[.]app now", "undress[.]app", "undress.app", ["defanged"]),
        ("go to undress(.)app now", "undress(.)app", "undress.app", ["defanged"]),
        ("go to undress{.}app now", "undress{.}app", "undress.app", ["defanged"]),
        ("go to undress [.] app now", "undress [.] app", "undress.app", ["defanged"]),
        ("go to undress[dot]app now", "undress[dot]app", "undress.app", ["dot-word"]),
        ("go to undress (dot) app now", "undress (dot) app", "undress.app", ["dot-word"]),
        ("nudify dot me is the best", "nudify dot me", "nudify.me", ["dot-word"]),
        ("try NUDIFY DOT ME", "NUDIFY DOT ME", "nudify.me", ["dot-word"]),
        ("undress . app works", "undress . app", "undress.app", ["spaced"]),
        ("use u n d r e s s . a p p today", "u n d r e s s . a p p", "undress.app", ["spaced"]),
        ("use u.n.d.r.e.s.s.app today", "u.n.d.r.e.s.s.app", "undress.app", ["dotted"]),
        ("ｕｎｄｒｅｓｓ．ａｐｐ", "ｕｎｄｒｅｓｓ．ａｐｐ", "undress.app", ["fullwidth"]),
        ("see undress。app", "undress。app", "undress.app", ["fullwidth"]),
        ("see undress｡app", "undress｡app", "undress.app", ["fullwidth"]),
        ("see undrеss.app", "undrеss.app", "undress.app", ["homoglyph"]),  # Cyrillic е
        ("see undress.арр", "undress.арр", "undress.app", ["homoglyph"]),  # Cyrillic а, р
        ("see սndress.app", "սndress.app", "undress.app", ["homoglyph"]),  # Armenian ս
        ("see 𝐮𝐧𝐝𝐫𝐞𝐬𝐬.app", "𝐮𝐧𝐝𝐫𝐞𝐬𝐬.app", "undress.app", ["homoglyph"]),  # mathematical bold
        ("see und\u200bress.app", "und\u200bress.app", "undress.app", ["zero-width"]),
        ("see xn--ndress-9ua.app", "xn--ndress-9ua.app", "xn--ndress-9ua.app", ["punycode"]),
    ],
)
def test_disguised_domains(text, raw, domain, obfuscation):
    link = one(text)
    assert link.raw == raw
    assert link.domain == domain
    assert link.obfuscation == obfuscation
    assert link.url == f"https://{domain}"


@pytest.mark.parametrize(
    "text, url, obfuscation",
    [
        ("hxxps://undress.app/x", "https://undress.app/x", ["hxxp"]),
        ("hXXp://undress.app/x", "http://undress.app/x", ["hxxp"]),
        ("h**ps://undress.app/x", "https://undress.app/x", ["hxxp"]),
        ("https[:]//undress.app/x", "https://undress.app/x", ["defanged"]),
        ("https[://]undress.app/x", "https://undress.app/x", ["defanged"]),
        ("hxxps[:]//undress[.]app/x", "https://undress.app/x", ["hxxp", "defanged"]),
        ("https://undress.app:8443/x", "https://undress.app:8443/x", []),
        ("HTTPS://UNDRESS.APP/Path", "https://undress.app/Path", []),
    ],
)
def test_schemes(text, url, obfuscation):
    link = one(text)
    assert link.kind == "url"
    assert link.url == url
    assert link.raw == text
    assert link.obfuscation == obfuscation


def test_idn_domain_is_kept_as_punycode_without_obfuscation():
    link = one("сайт пример.рф тут")
    assert link.domain == "xn--e1afmkfd.xn--p1ai"
    assert link.obfuscation == []


def test_url_without_scheme_and_trailing_punctuation():
    link = one("Sign up at www.example.com/signup?plan=pro.")
    assert link.kind == "url"
    assert link.raw == "www.example.com/signup?plan=pro"
    assert link.url == "https://www.example.com/signup?plan=pro"
    assert link.domain == "example.com"


def test_parentheses_balanced_in_path():
    link = one("(see https://en.wikipedia.org/wiki/Foo_(bar))")
    assert link.raw == "https://en.wikipedia.org/wiki/Foo_(bar)"


def test_registrable_domain_uses_public_suffix_list():
    assert one("a.b.example.co.uk").domain == "example.co.uk"
    assert one("shop.undress.vercel.app").domain == "undress.vercel.app"  # private suffix
    assert one("http://192.168.1.20/admin").domain == "192.168.1.20"


def test_spans_and_order():
    text = "first clothoff.io then @FreeNudesBot and mail x@y-z.com last bit.ly/abc"
    links = extract_links(text)
    assert [l.kind for l in links] == ["domain", "telegram", "email", "shortener"]
    assert [l.span[0] for l in links] == sorted(l.span[0] for l in links)
    for l in links:
        assert text[l.span[0]:l.span[1]] == l.raw
        assert l.kind in KINDS


def test_telegram_links_and_handles():
    link = one("join t.me/UndressMeBot?start=ref_123")
    assert (link.kind, link.target, link.domain) == ("telegram", "UndressMeBot", "t.me")
    assert link.referral == {"param": "start", "code": "ref_123", "type": "start"}
    assert link.is_bot
    assert one("https://telegram.me/somechannel").target == "somechannel"
    assert one("https://t.me/s/somechannel").target == "somechannel"
    inv = one("https://t.me/+AbCdEf123")
    assert inv.target is None and inv.referral == {"param": "/+", "code": "AbCdEf123", "type": "invite"}
    assert one("https://t.me/joinchat/XyZ").referral["type"] == "invite"
    bot = one("message @Nudes_Maker_Bot for a free try")
    assert (bot.kind, bot.target, bot.url) == ("telegram", "Nudes_Maker_Bot", "https://t.me/Nudes_Maker_Bot")
    deep = one("tg://resolve?domain=SomeBot&start=abc")
    assert deep.target == "SomeBot" and deep.referral["code"] == "abc"


def test_plain_mentions_need_telegram_context():
    assert extract_links("thanks @johnsmith for the photo") == []
    link = one("on telegram: @johnsmith")
    assert link.target == "johnsmith"


def test_handles_are_not_emails_and_emails_are_not_handles():
    link = one("write to promo.team+x@nudify-app.xyz today")
    assert link.kind == "email"
    assert link.raw == "promo.team+x@nudify-app.xyz"
    assert link.target == "promo.team+x@nudify-app.xyz"
    assert link.url == "mailto:promo.team+x@nudify-app.xyz"
    assert link.domain == "nudify-app.xyz"


def test_app_store_links():
    apple = one("https://apps.apple.com/us/app/some-editor/id1234567890")
    assert (apple.kind, apple.target, apple.domain) == ("app_store", "id1234567890", "apple.com")
    play = one("play.google.com/store/apps/details?id=com.example.editor&hl=en")
    assert (play.kind, play.target) == ("app_store", "com.example.editor")
    market = one("market://details?id=com.example.editor")
    assert market.kind == "app_store" and market.url == "https://play.google.com/store/apps/details?id=com.example.editor"
    huawei = one("https://appgallery.huawei.com/app/C100123456")
    assert huawei.target == "C100123456"


@pytest.mark.parametrize("short", ["bit.ly/3xYz", "https://tinyurl.com/abc123", "t.co/AbC", "cutt.ly/q", "is.gd/x1"])
def test_shorteners_are_flagged(short):
    link = one(f"click {short} now")
    assert link.kind == "shortener"
    assert link.referral is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("undress.app/?ref=ABC", {"param": "ref", "code": "ABC", "type": "referral"}),
        ("undress.app/?aff=77", {"param": "aff", "code": "77", "type": "affiliate"}),
        ("undress.app/?affid=77", {"param": "affid", "code": "77", "type": "affiliate"}),
        ("undress.app/signup?via=jane", {"param": "via", "code": "jane", "type": "referral"}),
        ("undress.app/r/QWERTY", {"param": "/r/", "code": "QWERTY", "type": "referral"}),
        ("undress.app/ref/QWERTY", {"param": "/ref/", "code": "QWERTY", "type": "referral"}),
        ("undress.app/invite/K9", {"param": "/invite/", "code": "K9", "type": "invite"}),
        ("undress.app/?utm_campaign=spring", {"param": "utm_campaign", "code": "spring", "type": "campaign"}),
        ("discord.gg/abcDEF", {"param": "/", "code": "abcDEF", "type": "invite"}),
    ],
)
def test_referral_codes(text, expected):
    assert one(text).referral == expected


def test_several_codes_are_all_listed_and_referral_comes_first():
    ref = one("https://undress.app/?utm_source=x&utm_medium=y&ref=ABC").referral
    assert (ref["param"], ref["code"]) == ("ref", "ABC")
    assert [c["param"] for c in ref["all"]] == ["ref", "utm_source", "utm_medium"]


def test_reddit_subreddit_is_not_a_referral():
    assert one("https://www.reddit.com/r/technology/").referral is None


@pytest.mark.parametrize(
    "text",
    [
        "e.g. this.",
        "i.e. that one",
        "see file.txt and notes.docx",
        "version 1.2.3 and 10.0.19045",
        "Mr. Smith and Mrs. Jones met Dr. Who",
        "connect the dot me and you",
        "the dot com era was wild",
        "I love polka dot dresses",
        "it costs 3.50 dollars at 5 p.m.",
        "open readme.md and setup.py, then photo.zip",
        "Hello world.This is a typo",
        "wait... what?",
        "a b c d e f g",
        "email me @ home",
        "nudify dot nothing",
        "",
    ],
)
def test_ordinary_sentences_have_no_links(text):
    assert extract_links(text) == []


def test_fast_path_hint():
    assert not has_link_hint("just a normal sentence, nothing to see here. Really!")
    assert has_link_hint("undress dot app")
    assert has_link_hint("x@y.com")


def test_max_links_caps_output():
    text = " ".join(f"site{i}.com" for i in range(50))
    assert len(extract_links(text)) == 50
    assert len(extract_links(text, max_links=7)) == 7


def test_to_dict_is_json_ready():
    import json

    d = one("hxxps://undress[.]app/r/ABC").to_dict()
    assert json.loads(json.dumps(d)) == d
    assert set(d) == {"kind", "raw", "span", "url", "domain", "referral", "provider", "match", "similarity", "obfuscation", "target"}


def test_cjk_sentence_breaks_are_not_idn_domains():
    assert extract_links("我买了。手机！") == []
    assert [l.domain for l in extract_links("用这个 undress。app 吧")] == ["undress.app"]


def test_spaced_letters_do_not_swallow_the_next_word():
    links = extract_links("a b c d e undress.app")
    assert [l.raw for l in links] == ["undress.app"]


def test_markdown_link_and_angle_brackets():
    assert [l.raw for l in extract_links("[here](https://undress.app/r/X) <https://x.com/a>")] == [
        "https://undress.app/r/X", "https://x.com/a"]


@pytest.mark.parametrize(
    "text, raw, address",
    [
        ("mail john.doe [at] clothoff[.]io now", "john.doe [at] clothoff[.]io", "john.doe@clothoff.io"),
        ("mail john(at)undress.app", "john(at)undress.app", "john@undress.app"),
    ],
)
def test_defanged_emails(text, raw, address):
    link = one(text)
    assert (link.kind, link.raw, link.target) == ("email", raw, address)
    assert link.obfuscation[0] == "defanged"


def test_plain_word_at_is_not_an_email():
    link = one("meet me at example.com")
    assert link.kind == "domain"


@pytest.mark.parametrize(
    "text, target, obfuscation",
    [
        ("🔞 Bоt wiеdеr dа: @АusziеhBot – 1. Fоtо grаtis", "AusziehBot", ["homoglyph"]),  # Cyrillic А, е
        ("lе bоt еst dе rеtоur : @DеshаbilléBot", "DeshabilleBot", ["homoglyph"]),  # Cyrillic + accent
        ("new bot @Un\u200bdressMeBot", "UndressMeBot", ["zero-width"]),
        ("البوت الجديد: @Ta3reya_Bot_v3", "Ta3reya_Bot_v3", []),  # bot in the name, not at the end
    ],
)
def test_disguised_bot_handles(text, target, obfuscation):
    link = one(text)
    assert (link.kind, link.target, link.obfuscation) == ("telegram", target, obfuscation)
    assert link.url == f"https://t.me/{target}"


def test_non_latin_handles_are_not_usernames():
    assert extract_links("telegram: @مرحبا_بكم") == []


def test_spaced_domain_with_word_tld_and_path():
    link = one("link 👉 u n d r e s s - i n d . com/?ref=rahul (space hata dena)")
    assert (link.domain, link.referral["code"]) == ("undress-ind.com", "rahul")
    assert link.raw == "u n d r e s s - i n d . com/?ref=rahul"


def test_hyphenated_word_before_dot_word():
    assert one("try strip-me dot app").domain == "strip-me.app"


def test_non_text_input_is_rejected_clearly():
    with pytest.raises(TypeError, match="expects str"):
        extract_links(b"undress.app")


@pytest.mark.parametrize("text", ["I was tired.So I left", "we won.Today we party", "it was fine.No worries"])
def test_missing_space_after_period_is_not_a_domain(text):
    assert extract_links(text) == []


@pytest.mark.parametrize("text, domain", [("Undress.App", "undress.app"), ("NUDIFY.ONLINE", "nudify.online"), ("nudify.Online/x", "nudify.online")])
def test_capitalised_brand_domains_still_count(text, domain):
    assert one(text).domain == domain
