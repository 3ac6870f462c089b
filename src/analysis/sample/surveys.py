"""Survey responses: NPS score from the latent satisfaction plus theme effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P
from analysis.sample.comments import compose_comment

SURVEY_CHANNELS = ("短信", "邮件", "电话", "微信")
_CHANNEL_PROBS = {"business": (0.10, 0.35, 0.35, 0.20), "individual": (0.30, 0.15, 0.10, 0.45)}
_N_THEMES_PROBS = (0.50, 0.35, 0.15)  # 1, 2 or 3 themes in a non-empty comment


def draw_response_days(
    traits: pd.DataFrame,
    first_day: np.ndarray,
    last_day: np.ndarray,
    subscribed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw how many responses each customer gives and on which days.

    Parameters
    ----------
    traits : pandas.DataFrame
        Customer traits (one row per customer).
    first_day, last_day : numpy.ndarray
        Per customer, the first and last day of activity (NaN if never active).
    subscribed : numpy.ndarray of bool
        Whether the customer has a subscription (contract customers are surveyed more).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    customer_idx, day : numpy.ndarray
        One entry per response.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["C000001"]})
    >>> idx, day = draw_response_days(t, np.array([0.0]), np.array([100.0]),
    ...                               np.array([True]), np.random.default_rng(0))
    >>> bool(((day >= 0) & (day <= 130)).all())
    True
    """
    active = ~np.isnan(first_day)
    rate = np.where(active, P.SURVEY_RATE_PURCHASER + P.SURVEY_RATE_SUBSCRIBER * subscribed, 0.0)
    counts = rng.poisson(rate)
    idx = np.repeat(np.arange(len(traits)), counts)
    lo = first_day[idx]
    hi = np.minimum(last_day[idx] + 30, P.WINDOW_DAYS)
    day = np.floor(lo + rng.random(idx.size) * (hi - lo + 1)).astype(int)
    return idx, np.minimum(day, P.WINDOW_DAYS)


def draw_themes(n: int, rng: np.random.Generator) -> list[list[str]]:
    """Draw the themes mentioned by each of ``n`` responses (empty list = no comment).

    Examples
    --------
    >>> len(draw_themes(5, np.random.default_rng(0)))
    5
    """
    names = list(P.THEMES)
    logw = np.log([float(P.THEMES[t]["weight"]) for t in names])
    empty = rng.random(n) < P.EMPTY_COMMENT_SHARE
    k = 1 + rng.choice(3, size=n, p=_N_THEMES_PROBS)
    keys = logw + rng.gumbel(size=(n, len(names)))  # Gumbel top-k = weighted, no replacement
    order = np.argsort(-keys, axis=1, kind="stable")
    return [
        [] if e else [names[j] for j in row[:kk]]
        for e, row, kk in zip(empty, order, k, strict=True)
    ]


def simulate_surveys(
    traits: pd.DataFrame,
    first_day: np.ndarray,
    last_day: np.ndarray,
    subscribed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate survey responses with scores, CSAT and comments.

    ``score = clip(round(SCORE_INTERCEPT + SCORE_SLOPE * latent + noise + sum(effects)), 0, 10)``
    where ``effects`` are the planted theme effects of the themes the comment mentions.

    Parameters
    ----------
    traits : pandas.DataFrame
        Customer traits (``customer_id``, ``customer_type``, ``satisfaction_latent``).
    first_day, last_day, subscribed : numpy.ndarray
        See :func:`draw_response_days`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    table : pandas.DataFrame
        The public ``surveys.csv``: ``response_id``, ``customer_id`` (empty when
        anonymous), ``response_date``, ``score``, ``csat``, ``comment``, ``channel``.
    planted : pandas.DataFrame
        Same rows with ``true_customer_id``, ``day``, ``language``, ``themes``
        (``;``-joined), ``pii_kind``, ``pii_value``, ``anonymous``.

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> rng = np.random.default_rng(0)
    >>> traits = draw_customers(rng, 100)
    >>> table, _ = simulate_surveys(traits, np.zeros(100), np.full(100, 300.0),
    ...                             np.zeros(100, bool), rng)
    >>> bool(table["score"].between(0, 10).all())
    True
    """
    idx, day = draw_response_days(traits, first_day, last_day, subscribed, rng)
    order = np.lexsort((idx, day))
    idx, day = idx[order], day[order]
    n = idx.size
    themes = draw_themes(n, rng)
    effect = np.array([sum(float(P.THEMES[t]["effect"]) for t in ts) for ts in themes])
    latent = traits["satisfaction_latent"].to_numpy()[idx]
    raw = P.SCORE_INTERCEPT + P.SCORE_SLOPE * latent + P.SCORE_NOISE_SD * rng.standard_normal(n)
    score = np.clip(np.round(raw + effect), 0, 10).astype(int)
    csat = np.clip(np.round(1 + 0.4 * score + 0.5 * rng.standard_normal(n)), 1, 5).astype(int)

    langs = np.array(list(P.LANGUAGE_SHARES))
    language = langs[rng.choice(len(langs), size=n, p=list(P.LANGUAGE_SHARES.values()))]
    pii_kinds = np.array(["phone", "email", "id_card"])
    has_pii = rng.random(n) < P.PII_SHARE
    pii_kind = pii_kinds[rng.choice(3, size=n, p=(0.45, 0.30, 0.25))]
    comments, kinds, values, languages = [], [], [], []
    for i in range(n):
        if not themes[i]:
            comments.append("")
            kinds.append("")
            values.append("")
            languages.append("")
            continue
        kind = str(pii_kind[i]) if has_pii[i] else None
        text, value = compose_comment(themes[i], int(score[i]), str(language[i]), rng, pii=kind)
        comments.append(text)
        kinds.append(kind or "")
        values.append(value or "")
        languages.append(str(language[i]))

    business = (traits["customer_type"] == "business").to_numpy()[idx]
    ch_b = rng.choice(4, size=n, p=_CHANNEL_PROBS["business"])
    ch_i = rng.choice(4, size=n, p=_CHANNEL_PROBS["individual"])
    channel = np.array(SURVEY_CHANNELS)[np.where(business, ch_b, ch_i)]
    anonymous = rng.random(n) < P.ANONYMOUS_SHARE
    true_id = traits["customer_id"].to_numpy()[idx]
    dates = (pd.Timestamp(P.START) + pd.to_timedelta(day, unit="D")).strftime("%Y-%m-%d")
    table = pd.DataFrame(
        {
            "response_id": [f"R{i:06d}" for i in range(1, n + 1)],
            "customer_id": np.where(anonymous, "", true_id),
            "response_date": dates,
            "score": score,
            "csat": csat,
            "comment": comments,
            "channel": channel,
        }
    )
    planted = pd.DataFrame(
        {
            "response_id": table["response_id"],
            "true_customer_id": true_id,
            "day": day,
            "score": score,
            "language": languages,
            "themes": [";".join(ts) for ts in themes],
            "theme_effect": effect,
            "pii_kind": kinds,
            "pii_value": values,
            "anonymous": anonymous,
        }
    )
    return table, planted
