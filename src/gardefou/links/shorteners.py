"""Common URL shorteners and redirect hosts: a link through one of them hides its destination.

Registrable domains (public suffix list). Compiled from the shorteners most seen in spam and
in undressing-service promotion; extend with care, since a shortener is flagged, not blocked.
"""

from __future__ import annotations

SHORTENERS = frozenset(
    """
    bit.ly bitly.com j.mp bit.do tinyurl.com tiny.cc tiny.one t.co goo.gl g.co ow.ly buff.ly is.gd
    v.gd rebrand.ly rb.gy cutt.ly shorturl.at shorturl.asia t.ly s.id x.gd u.to clck.ru vk.cc
    surl.li shrtco.de shorte.st adf.ly ouo.io ouo.press exe.io shrinkme.io gg.gg qrco.de lnkd.in
    bl.ink dub.sh dub.co short.gy soo.gd mcaf.ee db.tt ift.tt dlvr.it trib.al wp.me fb.me amzn.to
    amzn.eu urlz.fr tr.im cli.re 2.gy po.st tny.im zpr.io y2u.be shorturl.me bitly.ws kutt.it
    linkr.it href.li lnk.bio""".split()
)
