"""Link extraction throughput on a generated, realistic mix of posts (one core).

Most posts carry no link; some carry ordinary links (news, video, shops); a minority is
undressing-service spam with disguised domains, referral codes, Telegram bots, e-mails,
app-store listings and shorteners. Domains are drawn from large generated pools so that the
per-host caches do not make the run look better than a real stream.

Prints posts/s, links/s, the ratio to the 20,000 posts/s goal, and the ratio to a naive
baseline (one simple URL regex, which finds far fewer links) measured in the same run.
"""

from __future__ import annotations

import random
import re
import time

GOAL_POSTS_PER_S = 20_000
N_POSTS = 30_000

_WORDS = {
    "en": "the a to and of my friend this is great I love new photo today look at what we did yesterday with it so cool "
          "check out weekend coffee game match team win lost rain sunny city trip family dinner movie song book".split(),
    "es": "el la de que y en un una para con no foto hoy amigo mira esto muy bueno fin semana ciudad viaje".split(),
    "pt": "o a de que e do da em um uma para com não foto hoje amigo olha isso muito bom cidade viagem".split(),
    "fr": "le la de et un une pour avec pas photo aujourd'hui ami regarde ceci très bien ville voyage".split(),
    "de": "der die das und ist nicht mit ein eine Foto heute Freund schau mal sehr gut Stadt Reise".split(),
}
_NOISE = ["e.g.", "i.e.", "3.5", "v2.1.0", "Mr. Smith", "10:30", "50%", "#tbt", "@alice", "...", "(lol)", "a.m."]
_BENIGN_LINKS = [
    "https://www.youtube.com/watch?v={id}", "https://www.bbc.co.uk/news/world-{n}", "nytimes.com/2025/05/{n}/tech.html",
    "https://en.wikipedia.org/wiki/Topic_{n}", "www.amazon.com/dp/B0{n}", "https://github.com/org/repo{n}/issues/{n}",
    "instagram.com/p/{id}/", "https://shop{n}.example.co.uk/sale?utm_source=newsletter",
]
_BRANDS = ["undress", "nudify", "clothoff", "deepnude", "crushai", "nudes", "xray", "photo", "magic", "studio", "girl"]
_AFFIXES = ["", "-ai", "ai", "-app", "pro", "-free", "online", "hub", "x", "24", "-now", "her"]
_TLDS = ["app", "ai", "io", "me", "xyz", "site", "online", "net", "com", "cc", "pro", "live"]
_DISGUISES = [
    "{d}", "{d}", "https://{d}/ref/{code}", "{d}/?ref={code}", "hxxps://{d}/?aff={code}",
    "{dd}", "{dw}", "{sp}", "{fw}",
]
_PITCH = [
    "remove clothes from any photo free 👉 {link}", "first photo free!!! {link} 🔞", "see anyone without clothes: {link}",
    "undress AI, results in seconds {link} use my code", "try it -> {link} (works on any girl)",
]


def _domain(rng: random.Random) -> str:
    return f"{rng.choice(_BRANDS)}{rng.choice(_AFFIXES)}{rng.randrange(1000) if rng.random() < .3 else ''}.{rng.choice(_TLDS)}"


def _spam_link(rng: random.Random) -> str:
    d = _domain(rng)
    name, tld = d.rsplit(".", 1)
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    form = rng.choice(_DISGUISES)
    return form.format(
        d=d, code=code, dd=f"{name}[.]{tld}", dw=f"{name} dot {tld}",
        sp=" ".join(f"{name}.{tld}") if len(name) < 12 else d,
        fw=f"{name}．{tld}",
    )


def _text(rng: random.Random, lang: str, n: int) -> str:
    words = _WORDS[lang]
    out = [rng.choice(words) for _ in range(n)]
    if rng.random() < 0.15:
        out.insert(rng.randrange(len(out) + 1), rng.choice(_NOISE))
    return " ".join(out) + rng.choice([".", "!", "?", "", " :)"])


def make_posts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    posts = []
    for _ in range(n):
        lang = rng.choice(list(_WORDS))
        body = _text(rng, lang, rng.randint(6, 45))
        r = rng.random()
        if r < 0.72:
            posts.append(body)  # no link
        elif r < 0.84:
            link = rng.choice(_BENIGN_LINKS).format(n=rng.randrange(10**6), id="".join(rng.choice("abcdefXYZ0189_-") for _ in range(11)))
            posts.append(f"{body} {link}")
        elif r < 0.94:
            posts.append(rng.choice(_PITCH).format(link=_spam_link(rng)) + (" " + body if rng.random() < .5 else ""))
        elif r < 0.97:
            bot = f"@{rng.choice(_BRANDS).capitalize()}{rng.choice(['Ai', 'X', 'Pro', ''])}{rng.choice(['Bot', '_bot'])}"
            posts.append(f"{body} telegram {bot} or t.me/{bot[1:]}?start=r{rng.randrange(10**5)}")
        else:
            extra = rng.choice([
                "mail me: promo{n}@{d}", "bit.ly/{c}", "https://apps.apple.com/us/app/editor/id{n}",
                "https://play.google.com/store/apps/details?id=com.{b}.app{n}",
            ]).format(n=rng.randrange(10**9), d=_domain(rng), c="".join(rng.choice("abcXYZ123") for _ in range(7)), b=rng.choice(_BRANDS))
            posts.append(f"{body} {extra}")
    return posts


_NAIVE = re.compile(r"https?://[^\s<>\"']+|www\.[^\s<>\"']+")


def _time(fn, posts: list[str]) -> tuple[float, int]:
    found = 0
    start = time.perf_counter()
    for p in posts:
        found += len(fn(p))
    return time.perf_counter() - start, found


def main() -> None:
    from gardefou.links import extract_links

    extract_links("warm-up: undress[.]app")  # registry load is a one-off, not per post
    warm = make_posts(2_000, seed=1)
    for p in warm:
        extract_links(p)
    posts = make_posts(N_POSTS)
    chars = sum(map(len, posts))

    naive_s, naive_found = _time(_NAIVE.findall, posts)
    ours_s, ours_found = _time(extract_links, posts)
    with_links = sum(1 for p in posts if extract_links(p))

    ours_rate = N_POSTS / ours_s
    naive_rate = N_POSTS / naive_s
    print(f"posts: {N_POSTS} ({chars / N_POSTS:.0f} chars avg), {with_links / N_POSTS:.0%} with at least one link")
    print(f"gardefou.links.extract_links: {ours_rate:,.0f} posts/s, {ours_found / ours_s:,.0f} links/s, {ours_found} links")
    print(f"naive URL regex baseline:     {naive_rate:,.0f} posts/s, {naive_found} links (no disguises, no domains, no bots)")
    print(f"ratio to goal ({GOAL_POSTS_PER_S:,} posts/s): {ours_rate / GOAL_POSTS_PER_S:.2f}x "
          f"[{'PASS' if ours_rate >= GOAL_POSTS_PER_S else 'FAIL'}]")
    print(f"ratio to naive baseline: {ours_rate / naive_rate:.3f}x speed, {ours_found / max(naive_found, 1):.1f}x links found")


if __name__ == "__main__":
    main()
