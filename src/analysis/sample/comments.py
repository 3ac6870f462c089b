"""Survey comments: 1–3 themed clauses whose tone follows the NPS score."""

from __future__ import annotations

import numpy as np

from analysis.sample.phrases import CLOSERS, JOINERS, OPENERS, PHRASES, PII_TEMPLATES

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"
_ID_AREAS = ("110101", "310104", "440305", "510107", "330106", "420102", "320102", "610113")
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com")


def choose_tone(score: int, rng: np.random.Generator) -> str:
    """Return the tone of one clause for a response with this NPS score.

    Detractors (0–6) write negative clauses, passives (7–8) neutral or mixed ones,
    promoters (9–10) positive ones, each with a little noise.

    Examples
    --------
    >>> choose_tone(10, np.random.default_rng(0)) in ("pos", "neu")
    True
    """
    u = rng.random()
    if score <= 6:
        return "neg" if u < 0.88 else "neu"
    if score <= 8:
        return "neu" if u < 0.5 else ("pos" if u < 0.75 else "neg")
    return "pos" if u < 0.9 else "neu"


def draw_phone(rng: np.random.Generator) -> str:
    """Return a Chinese mobile number such as ``13912345678``."""
    return f"1{rng.choice(['38', '39', '58', '86', '77', '99'])}{rng.integers(0, 10**8):08d}"


def draw_email(rng: np.random.Generator) -> str:
    """Return a plausible personal e-mail address."""
    user = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=rng.integers(4, 9)))
    return f"{user}{rng.integers(1, 1000)}@{rng.choice(_MAIL_DOMAINS)}"


def draw_id_card(rng: np.random.Generator) -> str:
    """Return an 18-character Chinese resident ID number with a valid check digit.

    Examples
    --------
    >>> len(draw_id_card(np.random.default_rng(0)))
    18
    """
    area = rng.choice(_ID_AREAS)
    birth = np.datetime64("1960-01-01") + rng.integers(0, 40 * 365)
    body = f"{area}{str(birth).replace('-', '')}{rng.integers(0, 1000):03d}"
    check = _ID_CHECK[int(np.dot(_ID_WEIGHTS, [int(c) for c in body])) % 11]
    return body + check


_PII_DRAWERS = {"phone": draw_phone, "email": draw_email, "id_card": draw_id_card}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def compose_comment(
    themes: list[str],
    score: int,
    language: str,
    rng: np.random.Generator,
    *,
    pii: str | None = None,
) -> tuple[str, str | None]:
    """Compose one survey comment.

    Parameters
    ----------
    themes : list of str
        Theme keys of :data:`analysis.sample.phrases.PHRASES`, one clause each.
    score : int
        The response's NPS score (0–10); sets the tone of each clause.
    language : {"zh", "en", "mixed"}
        ``mixed`` writes Chinese with one English clause.
    rng : numpy.random.Generator
        Source of randomness.
    pii : {"phone", "email", "id_card"}, optional
        Append a sentence disclosing this kind of personal data.

    Returns
    -------
    comment : str
        The text.
    pii_value : str or None
        The planted personal datum, if any.

    Examples
    --------
    >>> text, _ = compose_comment(["delivery"], 10, "zh", np.random.default_rng(0))
    >>> len(text) > 0
    True
    """
    base = "en" if language == "en" else "zh"
    tones = [choose_tone(score, rng) for _ in themes]
    langs = [base] * len(themes)
    if language == "mixed" and len(themes) > 1:
        langs[int(rng.integers(len(themes)))] = "en"
    clauses = [
        _pick(rng, PHRASES[t][tone][lg]) for t, tone, lg in zip(themes, tones, langs, strict=True)
    ]
    opener = _pick(rng, OPENERS[base])
    text = _capitalise(clauses[0]) if base == "en" and not opener.endswith(", ") else clauses[0]
    for clause in clauses[1:]:
        joiner = _pick(rng, JOINERS[base])
        text += joiner + (_capitalise(clause) if joiner == ". " else clause)
    overall = "neg" if score <= 6 else ("neu" if score <= 8 else "pos")
    text = opener + text
    text = text + ("." if base == "en" else "。")
    closer_lang = "en" if language == "mixed" and len(themes) == 1 else base
    closers = CLOSERS[overall][closer_lang]
    if closer_lang != base:
        closers = tuple(c for c in closers if c)
    closer = _pick(rng, closers)
    if closer:
        text += (" " if closer_lang == "en" else "") + closer
    value = None
    if pii is not None:
        value = _PII_DRAWERS[pii](rng)
        sentence = _pick(rng, PII_TEMPLATES[pii][base]).format(v=value)
        text += (" " + _capitalise(sentence) + ".") if base == "en" else sentence + "。"
    return text, value
