"""Each of the 17 languages: a positive and a hard negative taken from the held-out split
(data/text/heldout, written by other authors, never trained on) are classified right.

Generated from the held-out files; the hard negative is a news / policy / victim-support /
moderation / opinion / research text that names the undressing or nudity words.
"""

import pytest

from gardefou.text import classify

CASES = {
    "ar": {
        "positive": "امسح الفستان وخلي البنت 😉 ممحاة AI جديدة",
        "hard_negative": "يقرفني إن زملاء بنتي يشوفون \"تعرية\" الصور مزحة عادية.",
        "negative_kind": "opinion"
    },
    "de": {
        "positive": "Brauche das Foto meiner Vermieterin ohne Klamotten, lange Geschichte, schreibt mir euren Preis per PN",
        "hard_negative": "Verkäufer dürfen keine Nacktbearbeitungen realer Personen anbieten, auch nicht auf Bestellung.",
        "negative_kind": "policy"
    },
    "en": {
        "positive": "Clothing? Optional. Our neural net strips any image in under 15s. Download StripLens from the link below.",
        "hard_negative": "Our crawl found that many undressing sites shared the same templates, suggesting a small number of operators behind dozens of brands.",
        "negative_kind": "research"
    },
    "es": {
        "positive": "Las webs de nudify más baratas comparadas: 0,10 € por foto vs 19 €/mes ilimitado",
        "hard_negative": "Más de 20 trabajadoras de una empresa descubrieron que un compañero había pasado sus fotos de LinkedIn por una web de desnudos.",
        "negative_kind": "news"
    },
    "fr": {
        "positive": "Effet tissu transparent pour toute photo de personne : la robe devient transparente avec un curseur.",
        "hard_negative": "Monter une boîte dont le business est d'humilier des femmes à leur insu : voilà ce qu'est l'industrie du nudify.",
        "negative_kind": "opinion"
    },
    "hi": {
        "positive": "हमारी लैब की TA की फोटो है, कोई AI से पूरे कपड़े हटाकर एक बना दे? पैसे भेज दूँगा",
        "hard_negative": "हमारे प्लेटफ़ॉर्म पर फोटो में लोगों के कपड़े हटाने या आर-पार दिखाने वाले फीचर के विज्ञापन की अनुमति नहीं है।",
        "negative_kind": "policy"
    },
    "id": {
        "positive": "Bot kena ban lagi wkwk, bot baru @Bugil_Bot4, saldo permata ketik /restore",
        "hard_negative": "Kalau capek ngurus takedown sendiri, hubungi lembaga pendamping. Mereka bisa bantu melaporkan.",
        "negative_kind": "victim_support"
    },
    "it": {
        "positive": "Mi togli il vestito alla damigella in verde in questa foto del matrimonio di mio cugino? 40 €",
        "hard_negative": "Se il tuo datore di lavoro non interviene sui falsi nudi creati da un collega, puoi chiedere una consulenza legale per molestie sul lavoro.",
        "negative_kind": "victim_support"
    },
    "ja": {
        "positive": "無料体験できるAI脱衣サイト6選 — 料金プラン・解像度・待ち時間を表で比較",
        "hard_negative": "通報#4821：ディープフェイク被害を告発する投稿でリンクなし。対応不要。",
        "negative_kind": "moderation"
    },
    "ko": {
        "positive": "무료 체험 가능한 AI 탈의 사이트 6곳 – 요금제·해상도·대기시간 표로 정리",
        "hard_negative": "증거는 지우지 말고 보관하세요. 가해자 계정명, 봇 이름, 날짜를 기록해 두면 수사에 도움이 됩니다.",
        "negative_kind": "victim_support"
    },
    "nl": {
        "positive": "Het 'nachtzicht'-filter maakt kleding op foto's doorzichtig — probeer het op een vriendin",
        "hard_negative": "In New York loopt een rechtszaak tegen de makers van een app die reclame maakte met het 'uitkleden' van elke foto.",
        "negative_kind": "news"
    },
    "pl": {
        "positive": "rozbierak ai online",
        "hard_negative": "Przed sądem w Nowym Jorku toczy się sprawa przeciwko twórcom aplikacji reklamującej „rozbieranie” dowolnych zdjęć.",
        "negative_kind": "news"
    },
    "pt": {
        "positive": "tirar vestido da foto ia",
        "hard_negative": "Mais de 20 funcionárias de uma empresa descobriram que um colega tinha passado as fotos do LinkedIn delas por um site de nudez.",
        "negative_kind": "news"
    },
    "ru": {
        "positive": "ЧАТ ДЛЯ ТЕХ, КТО ХОЧЕТ РАЗДЕТЬ ЛЮБУЮ 😈 кидаем фото, бот в закрепе",
        "hard_negative": "Согласно опросу, 63% женщин не знают, как добиться удаления сгенерированных интимных изображений из поисковиков.",
        "negative_kind": "research"
    },
    "tr": {
        "positive": "Kıyafetlerin içini gösteren en iyi uygulamalar: ücretsizden premiuma (49–599 TL)",
        "hard_negative": "Analistler, üç soyma markasına bağlı 200'den fazla ayna alan adı tespit etti.",
        "negative_kind": "research"
    },
    "uk": {
        "positive": "Роздягачі онлайн: порівняльна таблиця 2025 (ціна за фото, безкоштовні спроби, українська мова)",
        "hard_negative": "Аналітики нарахували понад 200 доменів-дзеркал, пов'язаних із трьома брендами сервісів для роздягання.",
        "negative_kind": "research"
    },
    "zh": {
        "positive": "我们实验室助教的照片，谁能AI全脱了给我做一张？钱我转你",
        "hard_negative": "一个人申请删除太累的话，可以找专业援助机构，他们能帮你代为举报。",
        "negative_kind": "victim_support"
    }
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_positive(lang):
    v = classify(CASES[lang]["positive"])
    assert v.flagged, (lang, v.score, v.reasons)


def test_language_detection_on_longer_texts():
    from gardefou.text import detect_lang

    ok = sum(detect_lang(CASES[lang]["hard_negative"]) == lang for lang in CASES)
    assert ok >= len(CASES) - 2


@pytest.mark.parametrize("lang", sorted(CASES))
def test_hard_negative(lang):
    v = classify(CASES[lang]["hard_negative"])
    assert not v.flagged, (lang, v.score, v.reasons)


def test_all_languages_covered():
    assert set(CASES) >= {"en", "fr", "es", "de", "it", "pt", "nl", "pl", "ru", "uk", "tr", "ar", "hi", "id", "ja", "ko", "zh"}
