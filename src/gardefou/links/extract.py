"""Link extraction: URLs, bare and disguised domains, Telegram, app stores, e-mails, shorteners.

Design for speed and safety on hostile input:
- A cheap hint search rejects the many posts that cannot contain a link before anything else.
- One scanner regex finds candidates. Every repetition in it is possessive or bounded and every
  branch can only start at a token boundary, so the engine never re-scans a run it failed on:
  the scan is linear in the text length (tests feed 1 MB of adversarial text).
- Candidates are validated in Python: labels folded (full-width, homoglyphs, zero-width),
  IDNA-encoded, and the top-level label must be in the public suffix list (offline snapshot).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from gardefou.links._hosts import (
    confusable_script_only,
    fold_label,
    is_ipv4,
    is_top_level,
    registrable,
    to_ascii_label,
)
from gardefou.links.model import Link
from gardefou.links.registry import Registry, _default_registry
from gardefou.links.shorteners import SHORTENERS

_LABEL_CHARS = r"\w\-\u00ad\u200b-\u200d\u2060\ufeff"
_LABEL = rf"[{_LABEL_CHARS}]++"
_DOT_WORDS = r"(?:dot|DOT|Dot|punto|PUNTO|ponto|point|punkt)"
_SEP_STRONG = rf"(?:\.|[．。｡]|[ ]?[\[\(\{{][ ]?(?:\.|{_DOT_WORDS})[ ]?[\]\)\}}][ ]?)"
_SEP_WEAK = r"(?:[ ]{1,2}(?:dot|DOT|Dot)[ ]{1,2}|[ ]\.[ ])"
_SEP = rf"(?:{_SEP_STRONG}|{_SEP_WEAK})"
_PATH = r"[^\s<>\"'`]*+"

_SCANNER = re.compile(
    # every branch starts at a token boundary: one cheap test rejects mid-word positions
    rf"(?<![{_LABEL_CHARS}])(?=[{_LABEL_CHARS}@])(?:"
    # scheme URLs, including defanged schemes (hxxps://, http[:]//, https[://])
    r"(?P<scheme>(?i:h[tx*]{2}ps?|ftp|tg|market)(?:://|\[:\]//|\(:\)//|\[://\]|\[:/\]/|：//|:/(?!/)))"
    rf"(?P<body>{_PATH})"
    # Telegram-style handles
    r"|(?P<handle>(?<![@.])@[^\W\d_][\w\u200b-\u200d]{3,40}+(?![\w@]|[.．][A-Za-z0-9]))"
    # letters spaced out: u n d r e s s . a p p
    r"|(?P<spaced>(?<![.．。])\w(?:[ ][\w.．。\-](?!\w)){4,}+)"
    # hosts, plain or disguised, with an optional port and path
    rf"|(?P<host>{_LABEL}(?:{_SEP}{_LABEL})++)"
    rf"(?P<rest>(?::[0-9]{{1,5}}(?![\w]))?+(?:[/?#]{_PATH})?+)"
    r")"
)
_SPACED_TAIL = re.compile(r" ?([A-Za-z]{2,24})(?![\w.])((?:[/?#][^\s<>\"'`]*+)?)")
_SPLIT = re.compile(rf"({_SEP})")
# Necessary condition for any candidate: a dot glued to a letter or digit, "@x", a scheme-like
# ":/", a bracketed dot or dot-word; the space-separated forms are checked with `in` (C speed).
# (written to start by consuming one of its first characters, so that `re` jumps between those
# instead of trying every position; the look-behinds then pick the branch)
_HINT = re.compile(r"[.．。｡@:：\[\(\{](?:(?<=[.．。｡])[^\W_]|(?<=@)\w|(?<=[:：])/|(?<=[\[\(]):"
                   r"|(?<=[\[\(\{]) ?(?:[.．]|dot|DOT|Dot|punto|PUNTO|ponto|point|punkt))")
_AT_WORD = re.compile(r" ?[\[\(\{](?:at|AT|At)[\]\)\}] ?$")
# Words that make a plain @handle a Telegram account: the app's name or "bot" in some languages.
_TG_WORDS = ("telegram", "телеграм", "bot", "бот", "بوت", "बॉट", "봇", "ボット", "机器人", "機器人")
_TG_SHORT = re.compile(r"(?<!\w)(?:tg|тг)(?!\w)")
_HANDLE_OK = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_APPLE_ID = re.compile(r"/id([0-9]{5,12})(?![0-9])")
_HUAWEI_ID = re.compile(r"/app/(C[0-9]{3,15})")

#: Default cap on links per text: keeps hostile input (a megabyte of "ab.cd ") fast.
MAX_LINKS = 1000
#: Candidates examined per text at most (a megabyte of "a@b." has 250,000 of them).
MAX_CANDIDATES = 10_000
_MAX_HOST = 253
_MAX_LABELS = 12
_TRAILING = ".,;:!?…'\"”’»)]}>。，！？；：、"

# A weak separator (" dot ", " . ") only joins a TLD that is common on the web, after a word
# that is not a stop word: "nudify dot me" is a domain, "the dot com era" is not.
_WEAK_TLDS = frozenset(
    """com net org io ai app me co xyz site online pro cc tv to info biz gg ly us uk de fr ru es it br
    in club top live fun life store shop vip art link tech cloud dev one win bot chat love sex xxx
    porn adult cam ws su nl pl jp kr cn tk ml ga cf gq id vn tr mx ca au ch be at se no dk fi cz""".split()
)
_WORD_TLDS = frozenset("in it to me us at be do go no so my by or am as on is tv".split())
_STOPWORDS = frozenset(
    """a an the this that these those there here it its is are was were be been am i you he she we
    they me my your his her our their them him us of in on at to for from by with and or but not no
    so if as than then too very can will just each every any all some one two three polka connect
    join big small little red blue green black white first last next end""".split()
)
# Top-level labels that are also common file extensions: `readme.md`, `setup.py`, `photo.zip`
# are files, not domains, unless written with a scheme, `www.` or a path.
_FILE_TLDS = frozenset("md py rs sh zip mov so ps java pl".split()) - {"pl"}

_REF_PARAMS = {
    **dict.fromkeys(
        "ref referral referrer refer ref_id refid ref_code refcode rcode r via fpr invite invite_code "
        "invitecode inviter promo promocode promo_code coupon".split(),
        "referral",
    ),
    **dict.fromkeys(
        "aff affid aff_id affiliate affiliate_id aff_sub partner partner_id subid sub_id sub1 clickid "
        "click_id".split(),
        "affiliate",
    ),
    **dict.fromkeys("start startapp startgroup".split(), "start"),
}
_REF_PATHS = {
    "r": "referral", "ref": "referral", "refer": "referral", "referral": "referral",
    "invite": "invite", "inv": "invite", "aff": "affiliate", "affiliate": "affiliate",
}
_TYPE_RANK = {"referral": 0, "affiliate": 1, "invite": 2, "start": 3, "campaign": 4}
_TELEGRAM_DOMAINS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_TELEGRAM_RESERVED = frozenset(
    "c addstickers addemoji addtheme share proxy socks iv setlanguage login confirmphone joinchat s".split()
)
_SCHEMES = {"http": "http", "https": "https", "ftp": "ftp"}


def fold_handle(written: str) -> tuple[str | None, list[str]]:
    """A Telegram username from a handle as written: usernames are ASCII, so look-alike letters,
    accents and zero-width characters are disguises. None when it cannot be a username."""
    if _HANDLE_OK.fullmatch(written):
        return written, []
    notes: list[str] = []
    stripped = written.translate(_ZERO_WIDTH)
    if stripped != written:
        notes.append("zero-width")
    plain = "".join(c for c in unicodedata.normalize("NFKD", stripped) if not unicodedata.combining(c))
    if plain != stripped:
        notes.append("homoglyph")
        stripped = plain
    folded, more = fold_label(stripped)
    notes.extend(sorted(more))
    # keep the writer's case where the letter was already ASCII
    out = []
    for orig, new in zip(stripped, folded) if len(folded) == len(stripped) else ():
        out.append(orig if orig.isascii() else (new.upper() if orig.isupper() else new))
    candidate = "".join(out) if out else folded
    if not _HANDLE_OK.fullmatch(candidate):
        return None, []
    return candidate, _dedupe(notes)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _trim(rest: str) -> str:
    """Drop trailing punctuation that belongs to the sentence, keeping balanced brackets."""
    while rest:
        c = rest[-1]
        if c not in _TRAILING:
            break
        if c == ")" and rest.count("(") >= rest.count(")"):
            break
        if c == "]" and rest.count("[") >= rest.count("]"):
            break
        rest = rest[:-1]
    return rest


def _split_run(run: str) -> list[tuple[str, int, int, str]]:
    """Labels of a host run as (label, start, end, separator before it)."""
    parts = _SPLIT.split(run)
    out: list[tuple[str, int, int, str]] = []
    pos = 0
    sep = ""
    for i, part in enumerate(parts):
        if i % 2:
            sep = part
        else:
            out.append((part, pos, pos + len(part), sep))
        pos += len(part)
    return out


def _sep_kind(sep: str) -> str:
    """'' (plain dot), 'fullwidth', 'defanged', 'dot-word' or 'weak' (' dot ' / ' . ')."""
    if sep == ".":
        return ""
    if sep in "．。｡":
        return "fullwidth"
    s = sep.strip()
    if s and s[0] in "[({":
        return "defanged" if "." in s or "．" in s else "dot-word"
    return "weak"


def _build_host(labels: list[str]) -> tuple[str | None, list[str]]:
    """Validated lower-case ASCII host from labels as written, and the obfuscations undone."""
    if not 2 <= len(labels) <= _MAX_LABELS:
        return None, []
    host, notes = _build_host_cached(tuple(labels))
    return host, list(notes)


@lru_cache(maxsize=65536)
def _build_host_cached(labels: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    host, notes = _build_host_uncached(list(labels))
    return host, tuple(notes)


def _build_host_uncached(labels: list[str]) -> tuple[str | None, list[str]]:
    last = labels[-1]
    if last.isascii() and not is_top_level(last.lower()) and not last.isdigit():
        return None, []  # the common case of "e.g", "file.txt", "v2.1": no TLD, nothing to fold
    notes: list[str] = []
    folded: list[str] = []
    for label in labels:
        f, n = fold_label(label)
        folded.append(f)
        notes.extend(sorted(n))
    if any(not f for f in folded):
        return None, []
    # A label written wholly in look-alike letters next to Latin labels (undress.арр) is a disguise.
    if any(f.isascii() for f in folded):
        for i, f in enumerate(folded):
            if not f.isascii() and confusable_script_only(f):
                mapped, _ = fold_label("a" + f)
                folded[i] = mapped[1:]
                notes.append("homoglyph")
    # u.n.d.r.e.s.s.app: single letters separated by dots
    if len(folded) >= 6 and all(len(f) == 1 for f in folded[:-1]):
        folded = ["".join(folded[:-1]), folded[-1]]
        notes.append("dotted")
    out: list[str] = []
    for f in folded:
        a = to_ascii_label(f)
        if a is None:
            return None, []
        out.append(a)
        if a.startswith("xn--") and f.isascii():
            notes.append("punycode")
    tld = out[-1]
    if tld.isdigit():
        host = ".".join(out)
        return (host, notes) if is_ipv4(host) else (None, [])
    if not is_top_level(tld):
        return None, []
    host = ".".join(out)
    if len(host) > _MAX_HOST:
        return None, []
    return host, _dedupe(notes)


def _referrals(host: str, domain: str | None, rest: str) -> dict | None:
    if not rest:
        return None
    try:
        parts = urlsplit("http://h" + rest if rest[0] in "/?#" else "http://h/" + rest)
    except ValueError:
        return None
    found: list[dict] = []
    query = parts.query
    if parts.fragment and "=" in parts.fragment:
        query = f"{query}&{parts.fragment}" if query else parts.fragment
    if query:
        for key, value in parse_qsl(query, keep_blank_values=False)[:50]:
            k = key.lower()
            kind = _REF_PARAMS.get(k) or ("campaign" if k.startswith("utm_") else None)
            if kind and value:
                found.append({"param": key, "code": value[:200], "type": kind})
    segs = [s for s in parts.path.split("/") if s]
    if segs and domain not in ("reddit.com", "redd.it"):
        for i, seg in enumerate(segs[:-1]):
            kind = _REF_PATHS.get(seg.lower())
            if kind:
                found.append({"param": f"/{seg}/", "code": segs[i + 1][:200], "type": kind})
                break
    if domain in ("discord.gg",) and segs:
        found.append({"param": "/", "code": segs[0][:200], "type": "invite"})
    elif domain == "discord.com" and len(segs) >= 2 and segs[0] == "invite":
        found.append({"param": "/invite/", "code": segs[1][:200], "type": "invite"})
    if not found:
        return None
    found.sort(key=lambda f: _TYPE_RANK[f["type"]])
    primary = dict(found[0])
    if len(found) > 1:
        primary["all"] = found
    return primary


def _telegram(host: str, rest: str) -> tuple[str | None, dict | None]:
    """(username, referral) of a t.me / telegram.me link."""
    parts = urlsplit("http://h" + rest) if rest.startswith(("/", "?", "#")) else urlsplit("http://h/")
    segs = [s for s in parts.path.split("/") if s]
    referral = None
    if segs and segs[0] == "s":
        segs = segs[1:]
    if segs and segs[0].startswith("+") and len(segs[0]) > 1:
        referral = {"param": "/+", "code": segs[0][1:][:200], "type": "invite"}
        return None, referral
    if len(segs) >= 2 and segs[0].lower() == "joinchat":
        return None, {"param": "/joinchat/", "code": segs[1][:200], "type": "invite"}
    target = None
    if segs and segs[0].lower() not in _TELEGRAM_RESERVED and _HANDLE_OK.fullmatch(segs[0]):
        target = segs[0]
    for key, value in parse_qsl(parts.query):
        kind = _REF_PARAMS.get(key.lower())
        if kind and value:
            referral = {"param": key, "code": value[:200], "type": kind}
            break
    return target, referral


class _Extractor:
    def __init__(self, text: str, registry: Registry, max_links: int = MAX_LINKS):
        self.text = text
        self.max_links = max_links
        self.registry = registry
        self.links: list[Link] = []
        self._tg_context: bool | None = None

    # ---------------------------------------------------------------- emit helpers
    def _match(self, kind: str, host: str | None, target: str | None) -> tuple[str | None, str, float | None]:
        reg = self.registry
        if kind == "telegram":
            if not target:
                return None, "none", None
            provider, match, sim, _, _ = reg.check_handle(target)
            return provider, match, sim
        if kind == "app_store" and target:
            name = reg.match_app(target)
            if name:
                return name, "exact", 1.0
        if not host:
            return None, "none", None
        provider, match, sim, _, _ = reg.check_host(host)
        return provider, match, sim

    def _web_link(self, start: int, end: int, host: str, rest: str, scheme: str | None,
                  notes: list[str], port: str = "") -> None:
        domain = host if is_ipv4(host) else registrable(host)[0]
        if domain is None:
            return
        path = rest
        url = f"{scheme or 'https'}://{host}{port}{path}"
        kind = "url" if scheme or path else "domain"
        target = None
        referral = None
        if domain in _TELEGRAM_DOMAINS:
            kind = "telegram"
            target, referral = _telegram(host, path)
        elif domain in ("apple.com",) and host in ("apps.apple.com", "itunes.apple.com"):
            m = _APPLE_ID.search(path)
            if m:
                kind, target = "app_store", f"id{m.group(1)}"
        elif host == "play.google.com" and path.startswith("/store/apps/details"):
            q = dict(parse_qsl(urlsplit("http://h" + path).query))
            if q.get("id"):
                kind, target = "app_store", q["id"]
        elif host == "appgallery.huawei.com":
            m = _HUAWEI_ID.search(path)
            if m:
                kind, target = "app_store", m.group(1)
        elif domain in SHORTENERS or host in SHORTENERS:
            kind = "shortener"
        if referral is None and kind not in ("shortener", "telegram"):
            referral = _referrals(host, domain, path)
        provider, match, sim = self._match(kind, host, target)
        self.links.append(Link(kind, self.text[start:end], (start, end), url, domain, referral,
                               provider, match, sim, _dedupe(notes), target))

    # ---------------------------------------------------------------- candidate kinds
    def scheme(self, m: re.Match) -> None:
        start = m.start()
        scheme_raw = m.group("scheme")
        body = _trim(m.group("body"))
        end = m.end("scheme") + len(body)
        notes: list[str] = []
        word = re.match(r"[A-Za-z*]+", scheme_raw).group(0).lower()
        if word in ("tg", "market"):
            self._special_scheme(word, start, end, body)
            return
        if word not in _SCHEMES:
            notes.append("hxxp")
            word = "https" if word.endswith("s") else "http"
        if "[" in scheme_raw or "(" in scheme_raw or "：" in scheme_raw:
            notes.append("defanged")
        cut = len(body)
        for i, c in enumerate(body):
            if c in "/?#\\":
                cut = i
                break
        hostport, rest = body[:cut], body[cut:].replace("\\", "/")
        if "@" in hostport:
            hostport = hostport.rsplit("@", 1)[1]
        port = ""
        colon = hostport.rfind(":")
        if colon > 0 and hostport[colon + 1:].isdigit():
            port, hostport = hostport[colon:], hostport[:colon]
        pieces = _split_run(hostport)
        labels = [p[0] for p in pieces]
        for p in pieces[1:]:
            k = _sep_kind(p[3])
            if k:
                notes.append("spaced" if k == "weak" else k)
        host, more = _build_host(labels)
        if host is None:
            return
        self._web_link(start, end, host, rest, word, notes + more, port)

    def _special_scheme(self, word: str, start: int, end: int, body: str) -> None:
        parts = urlsplit(f"{word}://{body}")
        q = dict(parse_qsl(parts.query))
        raw = self.text[start:end]
        if word == "tg":
            name = q.get("domain")
            if not name or not _HANDLE_OK.fullmatch(name):
                return
            referral = None
            for key in ("start", "startapp", "startgroup"):
                if q.get(key):
                    referral = {"param": key, "code": q[key][:200], "type": "start"}
                    break
            url = f"https://t.me/{name}" + (f"?{referral['param']}={referral['code']}" if referral else "")
            provider, match, sim = self._match("telegram", None, name)
            self.links.append(Link("telegram", raw, (start, end), url, "t.me", referral, provider, match, sim, [], name))
        else:
            app = q.get("id")
            if not app:
                return
            provider, match, sim = self._match("app_store", None, app)
            url = f"https://play.google.com/store/apps/details?id={app}"
            self.links.append(Link("app_store", raw, (start, end), url, "google.com", None, provider, match, sim, [], app))

    def handle(self, m: re.Match) -> None:
        written = m.group("handle")[1:]
        name, notes = fold_handle(written)
        if name is None:
            return
        if "bot" not in name.lower():
            if self._tg_context is None:
                low = self.text.lower()
                self._tg_context = any(w in low for w in _TG_WORDS) or (
                    ("tg" in low or "тг" in low) and _TG_SHORT.search(low) is not None)
            if not self._tg_context:
                return
        provider, match, sim = self._match("telegram", None, name)
        self.links.append(Link("telegram", m.group("handle"), m.span("handle"), f"https://t.me/{name}", "t.me",
                               None, provider, match, sim, notes, name))

    def spaced(self, m: re.Match) -> None:
        raw = m.group("spaced")
        if len(raw) > 2 * _MAX_HOST:
            return
        start = m.start("spaced")
        end = start + len(raw)
        squeezed = raw.replace(" ", "")
        path = ""
        if squeezed[-1] in ".．。":
            # "u n d r e s s - i n d . com/?ref=x": the TLD written as a normal word
            tail = _SPACED_TAIL.match(self.text, end)
            if tail is None:
                return
            squeezed += tail.group(1)
            path = _trim(tail.group(2))
            end = tail.start(2) + len(path)
        labels = re.split(r"[.．。]", squeezed)
        if len(labels) < 2 or len(labels[0]) < 2:
            return
        host, notes = _build_host(labels)
        if host is None:
            return
        self._web_link(start, end, host, path, None, ["spaced", *notes])

    def host(self, m: re.Match) -> None:
        text = self.text
        start, end = m.span("host")
        rest = m.group("rest")
        if end - start > 4 * _MAX_HOST:
            return
        if not rest and end < len(text) and text[end] in "@+%":
            j = end
            while j < len(text) and j - end < 64 and (text[j].isalnum() or text[j] in "._+%-"):
                j += 1
            if j < len(text) and text[j] == "@":
                return  # local part of an e-mail address
        pieces = _split_run(m.group("host"))
        # split into segments at weak separators, then re-join where a weak separator plausibly
        # stands for a dot (left word, right common TLD)
        segments: list[list[tuple[str, int, int, str]]] = [[pieces[0]]]
        for p in pieces[1:]:
            if _sep_kind(p[3]) == "weak":
                segments.append([p])
            else:
                segments[-1].append(p)
        groups: list[list[tuple[str, int, int, str]]] = []
        for seg in segments:
            if groups and len(seg) == 1 and self._weak_join_ok(groups[-1], seg[0]):
                groups[-1] = groups[-1] + seg
            else:
                groups.append(seg)
        email_local = None
        local_end = start - 1
        email_notes: list[str] = []
        if start > 0 and text[start - 1] == "@":
            email_local = self._local_part(start - 1)
        elif start > 3 and text[start - 1] in " ])}":
            at = _AT_WORD.search(text[max(0, start - 7):start])
            if at:
                at_pos = max(0, start - 7) + at.start()
                email_local = self._local_part(at_pos)  # None unless a local part ends right there
                local_end = at_pos
                email_notes = ["defanged"]
        for gi, group in enumerate(groups):
            if len(group) < 2:
                continue
            last = gi == len(groups) - 1
            g_start = start + group[0][1]
            g_end = start + group[-1][2]
            notes: list[str] = []
            for p in group[1:]:
                k = _sep_kind(p[3])
                if k:
                    notes.append("dot-word" if k == "weak" and "dot" in p[3].lower() else "spaced" if k == "weak" else k)
            host, more = _build_host([p[0] for p in group])
            if host is None:
                continue
            if "fullwidth" in notes and not group[-1][0].isascii() and host.rsplit(".", 1)[-1].startswith("xn--"):
                continue  # CJK sentence break ("…。手机"), not a disguised Latin domain
            notes.extend(more)
            path = _trim(rest) if last else ""
            if last:
                g_end = m.end("host") + len(path)
            if gi == 0 and email_local is not None and len(groups) == 1:
                self._email(email_local, local_end, g_end, host, email_notes + notes)
                continue
            if not path and not notes and (self._looks_like_file(group, host, g_start)
                                           or self._looks_like_sentence_break(group, host)):
                continue
            port = ""
            if path.startswith(":"):
                cut = 1
                while cut < len(path) and path[cut].isdigit():
                    cut += 1
                port, path = path[:cut], path[cut:]
            self._web_link(g_start, g_end, host, path, None, notes, port)

    def _weak_join_ok(self, left: list[tuple[str, int, int, str]], right: tuple[str, int, int, str]) -> bool:
        word = left[-1][0]
        tld = right[0].lower()
        if tld not in _WEAK_TLDS or not word.replace("-", "").isalnum() or word.isdigit():
            return False
        low = word.lower()
        if low in _STOPWORDS or len(low) < (4 if tld in _WORD_TLDS else 3):
            return False
        return True

    def _looks_like_file(self, group: list, host: str, g_start: int) -> bool:
        labels = host.split(".")
        if len(labels) == 2 and labels[1] in _FILE_TLDS and labels[0] != "www":
            return self.registry.exact_host(host) is None
        return False

    def _looks_like_sentence_break(self, group: list, host: str) -> bool:
        """"I was tired.So I left": a missing space before a capitalised word that is also a TLD."""
        if len(group) != 2:
            return False
        left, tld = group[0][0], group[1][0]
        return (len(tld) >= 2 and tld[0].isupper() and tld[1:].islower() and left.islower()
                and self.registry.exact_host(host) is None)

    def _local_part(self, at: int) -> int | None:
        """Start offset of the e-mail local part ending just before `at`, or None."""
        text = self.text
        i = at
        lo = max(0, at - 64)
        while i > lo and (text[i - 1].isalnum() or text[i - 1] in "._+-%"):
            i -= 1
        if i == at or text[i] == ".":
            return None
        if i > 0 and (text[i - 1].isalnum() or text[i - 1] in "@_"):
            return None
        return i

    def _email(self, start: int, local_end: int, end: int, host: str, notes: list[str]) -> None:
        domain = registrable(host)[0]
        if domain is None:
            return
        raw = self.text[start:end]
        local = self.text[start:local_end]
        address = f"{local}@{host}"
        provider, match, sim = self._match("email", host, address)
        self.links.append(Link("email", raw, (start, end), f"mailto:{address}", domain, None,
                               provider, match, sim, _dedupe(notes), address))

    def run(self) -> list[Link]:
        for count, m in enumerate(_SCANNER.finditer(self.text)):
            if count >= MAX_CANDIDATES:
                break
            if len(self.links) >= self.max_links:
                del self.links[self.max_links:]
                break
            if m.group("scheme") is not None:
                self.scheme(m)
            elif m.group("handle") is not None:
                self.handle(m)
            elif m.group("spaced") is not None:
                self.spaced(m)
            else:
                self.host(m)
        return self.links[: self.max_links]


def extract_links(text: str, registry: Registry | None = None, max_links: int = MAX_LINKS) -> list[Link]:
    """Every link in `text`, in order of position, with disguises undone and providers matched.

    `registry` defaults to the shipped registry; pass `load_registry(extra=...)` to include
    locally added providers. At most `max_links` links are returned (the first ones), which
    bounds the work on hostile input. Pure: no network, no files beyond the package data.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_links expects str, not {type(text).__name__}")
    if not has_link_hint(text):
        return []
    return _Extractor(text, registry or _default_registry(), max_links).run()


def has_link_hint(text: str) -> bool:
    """Cheap pre-check: False means `extract_links(text)` is certainly empty."""
    if not text:
        return False
    if _HINT.search(text) is not None:
        return True
    return (" dot " in text or " . " in text or " DOT " in text or " Dot " in text
            or "．" in text or "。" in text or "｡" in text)
