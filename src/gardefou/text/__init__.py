"""gardefou.text: detector for undressing-service marketing and requests, in 17 languages.

    from gardefou.text import classify, classify_batch, normalize
    v = classify("n u d i f y any girl 👉 t.me/x_bot")   # TextVerdict(flagged, score, category, reasons, lang, normalized)
"""

from gardefou.text.api import MAX_CHARS, TextVerdict, classify, classify_batch
from gardefou.text.lang import LANGS, detect_lang
from gardefou.text.normalize import Normalized, normalize

__all__ = ["classify", "classify_batch", "TextVerdict", "normalize", "Normalized", "detect_lang", "LANGS", "MAX_CHARS"]
