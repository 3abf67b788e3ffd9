"""Each of the 17 languages: a positive and a hard negative taken from the held-out split
(data/text/heldout, written by other authors, never trained on) are classified right.

Generated from the held-out files; the hard negative is a news / policy / victim-support /
moderation / opinion / research text that names the undressing or nudity words.
"""

import pytest

from gardefou.text import classify

CASES = {
    "ar": {
        "positive": "ساعدوني أعري زميلتي بالشغل، عندي صورتها بالفستان من السفرة.",
        "hard_negative": "علّمت 14 تعليق فيها روابط لبوت تعرية، كلها من نفس نطاق IP.",
        "negative_kind": "moderation"
    },
    "de": {
        "positive": "80 € verbrannt beim Testen aller „Durchsicht\"-KIs. Ranking: Platz 3 HautPur, Platz 2 Enthüll, Platz 1 NudiPro 🏆",
        "hard_negative": "Die Regel gilt unabhängig von Sprache, Schreibweise oder ob sich der Dienst als „Outfit\"- oder „Röntgen\"-Tool ausgibt.",
        "negative_kind": "policy"
    },
    "en": {
        "positive": "Looking for someone who can nudіfy a pic of my manager from the company website. Discretion guaranteed.",
        "hard_negative": "Our crawl found that many undressing sites shared the same templates, suggesting a small number of operators behind dozens of brands.",
        "negative_kind": "research"
    },
    "es": {
        "positive": "Necesito la foto de mi casera sin ropa, larga historia, pásenme su tarifa por DM",
        "hard_negative": "El 71% de las publicaciones relacionadas con nudify en el foro contenían al menos un enlace acortado o de redirección.",
        "negative_kind": "research"
    },
    "fr": {
        "positive": "J'ai claqué 80 € à tester toutes les IA « à travers les vêtements ». Classement : 3e PeauNue, 2e Révèle, 1er NudiPro 🏆",
        "hard_negative": "Monter une boîte dont le business est d'humilier des femmes à leur insu : voilà ce qu'est l'industrie du nudify.",
        "negative_kind": "opinion"
    },
    "hi": {
        "positive": "AI skin restore: kapdon ke neeche chhupa hissa guess karke bana deta hai, kisi bhi insaan ki photo pe",
        "hard_negative": "Britain sarkar ne nudify tools banane aur dene ko gair-kanooni banane wala bill pesh kiya.",
        "negative_kind": "news"
    },
    "id": {
        "positive": "Fitur ganti baju renang → versi premium bisa sekalian hapus baju renangnya",
        "hard_negative": "Laporan #4821: postingan korban deepfake yang speak up, tanpa link. Tidak ada tindakan.",
        "negative_kind": "moderation"
    },
    "it": {
        "positive": "togliere vestito foto ia",
        "hard_negative": "Se il tuo datore di lavoro non interviene sui falsi nudi creati da un collega, puoi chiedere una consulenza legale per molestie sul lavoro.",
        "negative_kind": "victim_support"
    },
    "ja": {
        "positive": "無料体験できるAI脱衣サイト6選 — 料金プラン・解像度・待ち時間を表で比較",
        "hard_negative": "学内規程の改定により、学生による性的ディープフェイクの作成・拡散は懲戒処分の対象となった。",
        "negative_kind": "policy"
    },
    "ko": {
        "positive": "무료 체험 가능한 AI 탈의 사이트 6곳 – 요금제·해상도·대기시간 표로 정리",
        "hard_negative": "혼자 삭제 요청하기 막막하다면 1366이나 디성센터에 연락해 보세요. 대신 신고해 줍니다.",
        "negative_kind": "victim_support"
    },
    "nl": {
        "positive": "Het 'nachtzicht'-filter maakt kleding op foto's doorzichtig — probeer het op een vriendin",
        "hard_negative": "In New York loopt een rechtszaak tegen de makers van een app die reclame maakte met het 'uitkleden' van elke foto.",
        "negative_kind": "news"
    },
    "pl": {
        "positive": "Zmaż sukienkę, zostaw dziewczynę 😉 nowa gumka AI",
        "hard_negative": "Analitycy naliczyli ponad 200 domen-lustrzanek powiązanych z trzema markami serwisów do rozbierania.",
        "negative_kind": "research"
    },
    "pt": {
        "positive": "Preciso da foto da minha senhoria sem roupa, longa história, passa teu preço no privado",
        "hard_negative": "Mais de 20 funcionárias de uma empresa descobriram que um colega tinha passado as fotos do LinkedIn delas por um site de nudez.",
        "negative_kind": "news"
    },
    "ru": {
        "positive": "7 альтернатив DeepNude, которые ещё работают в 2025 году",
        "hard_negative": "Согласно опросу, 63% женщин не знают, как добиться удаления сгенерированных интимных изображений из поисковиков.",
        "negative_kind": "research"
    },
    "tr": {
        "positive": "2025'te hâlâ çalışan 7 DeepNude alternatifi",
        "hard_negative": "Analistler, üç soyma markasına bağlı 200'den fazla ayna alan adı tespit etti.",
        "negative_kind": "research"
    },
    "uk": {
        "positive": "Застосунок, що бачить більше: додай фото дівчини зі спортзалу — і вона без форми. 24 години безкоштовно.",
        "hard_negative": "Згідно з опитуванням, 63% жінок не знають, як видалити згенеровані інтимні зображення з пошуковиків.",
        "negative_kind": "research"
    },
    "zh": {
        "positive": "能免费试用的AI去衣网站6个，套餐/分辨率/等待时间一张表看懂",
        "hard_negative": "证据别删，记下对方账号、机器人名字和时间，对后续调查很有帮助。",
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
