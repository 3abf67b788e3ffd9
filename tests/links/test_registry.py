"""Provider registry: shipped data, exact / subdomain / look-alike / clean matching, user merges."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from gardefou.links import (
    RegistryError,
    check_domain,
    extract_links,
    load_registry,
    merge_entries,
    parse_provider_document,
    shipped_entries,
    validate_entries,
)

BENIGN = """
google.com youtube.com facebook.com instagram.com x.com twitter.com tiktok.com snapchat.com reddit.com
pinterest.com linkedin.com tumblr.com discord.com telegram.org whatsapp.com threads.net wikipedia.org
github.com amazon.com ebay.com etsy.com netflix.com spotify.com twitch.tv vk.com weibo.com naver.com
bbc.co.uk cnn.com nytimes.com theguardian.com washingtonpost.com reuters.com apnews.com wired.com
404media.co bellingcat.com lemonde.fr elpais.com spiegel.de globo.com g1.globo.com nbcnews.com
foxnews.com aljazeera.com lefigaro.fr corriere.it repubblica.it zeit.de faz.net asahi.com nhk.or.jp
yonhapnews.co.kr indicator.media graphika.com remove.bg canva.com picsart.com photoroom.com adobe.com
lightroom.adobe.com pixlr.com fotor.com befunky.com photopea.com snapseed.com facetuneapp.com vsco.co
meitu.com remini.ai gimp.org pixelmator.com lunapic.com photoshop.com picmonkey.com clipdrop.co
runwayml.com midjourney.com openai.com stability.ai leonardo.ai krea.ai ideogram.ai deepai.org
artbreeder.com starryai.com hotpot.ai cleanup.pictures sephora.com nudestix.com nudeproject.com
nudiejeans.com nudeaudio.com stripe.com strava.com dressbarn.com address.com notify.com modify.com
candycrushsaga.com deepnote.com perkcoffee.com crushpixel.com clothing.com undertone.com
stopncii.org takeitdown.ncmec.org missingkids.org nudity.fandom.com
""".split()


def test_shipped_file_validates_against_schema_and_cites_sources():
    files = resources.files("gardefou.links")
    doc = yaml.safe_load(files.joinpath("providers.yaml").read_text("utf-8"))
    schema = json.loads(files.joinpath("providers.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    assert "public reporting" in doc["notice"] and "incomplete" in doc["notice"]
    assert len(doc["providers"]) >= 5
    for entry in doc["providers"]:
        assert entry["sources"], entry["name"]
        for src in entry["sources"]:
            assert src["title"] and src["publisher"] and src["date"]


def test_schema_rejects_bad_entries():
    with pytest.raises(RegistryError) as err:
        validate_entries([{"name": "X", "domains": ["not a domain"], "sources": [{"title": "t", "publisher": "p", "date": "2024"}]}])
    assert "domains/0" in str(err.value)
    with pytest.raises(RegistryError, match="sources"):
        validate_entries([{"name": "X", "domains": ["x-nudes.com"]}])
    with pytest.raises(RegistryError, match="brand_tokens"):
        validate_entries([{"name": "X", "brand_tokens": ["ai"], "sources": [{"title": "t", "publisher": "p", "date": "2024"}]}])


@pytest.mark.parametrize(
    "value, provider, match",
    [
        ("clothoff.io", "ClothOff", "exact"),
        ("www.clothoff.io", "ClothOff", "exact"),
        ("https://app.clothoff.io/r/ABC", "ClothOff", "exact"),
        ("clothoff[.]io", "ClothOff", "exact"),
        ("CLOTHOFF.IO", "ClothOff", "exact"),
        ("clothoff.net", "ClothOff", "lookalike"),  # brand on another TLD
        ("cl0thoff.com", "ClothOff", "lookalike"),  # leet
        ("clothof.com", "ClothOff", "lookalike"),  # typo: deletion
        ("clotohff.site", "ClothOff", "lookalike"),  # typo: swap
        ("xn--clthoff-bjg.io", "ClothOff", "lookalike"),  # IDN homograph (Cyrillic о)
        ("undressher-ai.net", "Undress", "lookalike"),  # brand + affix
        ("nudify-app.xyz", "Nudify", "lookalike"),
        ("best-nudiffy-online.com", "Nudify", "lookalike"),  # affix + typo
        ("crushai.app", "CrushAI", "lookalike"),
        ("deep-nude.org", "DeepNude", "lookalike"),
        ("undress.vercel.app", "Undress", "lookalike"),  # private suffix host
        ("example.com", None, "none"),
    ],
)
def test_check_domain(value, provider, match):
    result = check_domain(value)
    assert (result.provider, result.match) == (provider, match), result.to_dict()
    if match == "lookalike":
        assert 0.7 <= result.similarity <= 1.0 and result.brand
    if match == "exact":
        assert result.similarity == 1.0
    if match == "none":
        assert result.similarity is None


def test_lookalike_similarity_orders_closeness():
    close = check_domain("clothof.com").similarity
    far = check_domain("my-best-clothoff-mirror-site.com").similarity
    assert close > far


@pytest.mark.parametrize("domain", BENIGN)
def test_no_lookalike_on_benign_domains(domain):
    result = check_domain(domain)
    assert result.match == "none", result.to_dict()


def test_benign_list_is_big_enough():
    assert len(BENIGN) >= 100


@pytest.mark.parametrize("domain", ["ai.com", "app.com", "photo.app", "photoai.com", "aiphoto.app", "nude-makeup.com", "free-photo-editor.ai"])
def test_generic_words_alone_do_not_trigger(domain):
    assert check_domain(domain).match == "none"


def test_generic_name_of_a_user_entry_is_not_a_brand_token():
    reg = load_registry([{"name": "Photo", "domains": ["photo-x.com"], "sources": [{"title": "t", "publisher": "p", "date": "2025"}]}])
    assert "photo" not in reg.brand_tokens
    assert check_domain("photo-editor.com", registry=reg).match == "none"
    assert check_domain("photo-x.com", registry=reg).match == "exact"


def test_merge_entries_is_pure_and_unions_lists():
    base = [{"name": "ClothOff", "domains": ["clothoff.io"], "operator": None, "sources": [{"title": "a", "publisher": "b", "date": "2024"}]}]
    extra = [
        {"name": "clothoff", "domains": ["clothoff.net", "clothoff.io"], "operator": "Some Ltd", "sources": [{"title": "c", "publisher": "d", "date": "2025"}]},
        {"name": "Other", "domains": ["other.example"], "sources": [{"title": "e", "publisher": "f", "date": "2025"}]},
    ]
    base_copy = json.loads(json.dumps(base))
    merged = merge_entries(base, extra)
    assert base == base_copy
    assert [e["name"] for e in merged] == ["ClothOff", "Other"]
    assert merged[0]["domains"] == ["clothoff.io", "clothoff.net"]
    assert merged[0]["operator"] == "Some Ltd"
    assert len(merged[0]["sources"]) == 2


def test_user_added_providers_are_matched_exactly():
    extra = [{
        "name": "FreshNudes", "domains": ["freshnudes-generator.com"], "telegram_bots": ["@FreshNudesBot"],
        "app_ids": ["com.fresh.nudes"], "sources": [{"title": "moderator report", "publisher": "us", "date": "2026-11-01"}],
    }]
    reg = load_registry(extra)
    assert len(reg) == len(shipped_entries()) + 1
    assert check_domain("cdn.freshnudes-generator.com", registry=reg).match == "exact"
    links = extract_links("get it @FreshNudesBot or play.google.com/store/apps/details?id=com.fresh.nudes", registry=reg)
    assert [(l.kind, l.provider, l.match) for l in links] == [("telegram", "FreshNudes", "exact"), ("app_store", "FreshNudes", "exact")]
    # the default registry is untouched
    assert check_domain("freshnudes-generator.com").match == "none"


def test_extra_entries_are_validated():
    with pytest.raises(RegistryError):
        load_registry([{"name": "", "sources": []}])


def test_parse_provider_document_accepts_list_object_and_registry():
    entry = {"name": "A-Brand", "domains": ["WWW.A-Brand.example"], "sources": [{"title": "t", "publisher": "p", "date": "2025"}]}
    assert parse_provider_document(json.dumps([entry]))[0]["domains"] == ["a-brand.example"]
    assert parse_provider_document(yaml.safe_dump({"providers": [entry]}))[0]["name"] == "A-Brand"
    full = {"schema_version": 1, "registry_version": "2026.01.1", "providers": [entry]}
    assert len(parse_provider_document(yaml.safe_dump(full))) == 1
    with pytest.raises(RegistryError):
        parse_provider_document("just: [a, string")
    with pytest.raises(RegistryError):
        parse_provider_document("42")


def test_links_carry_provider_and_lookalike_is_not_confirmed():
    links = extract_links("real one clothoff.io, fake one clothoff-free.net")
    assert [(l.provider, l.match, l.confirmed_provider) for l in links] == [
        ("ClothOff", "exact", "ClothOff"),
        ("ClothOff", "lookalike", None),
    ]


def test_registry_lookup_by_alias():
    reg = load_registry()
    assert reg.get("crush ai")["operator"] == "Joy Timeline HK Limited"
    assert reg.get("nope") is None


@pytest.mark.parametrize("domain", ["brushair.com", "nudityfilm.com", "undertheredress.com", "deepnotes.io", "clothingoffers.com"])
def test_neighbouring_words_are_not_lookalikes(domain):
    result = check_domain(domain)
    assert result.match == "none", result.to_dict()
