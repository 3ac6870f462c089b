"""Survey comment analysis in Chinese and English.

One concept per module: ``language`` (CJK-share rule), ``pii`` (masking), ``tokens``
(jieba + domain dictionary + stopwordsiso + domain stop words; theme and content
terms), ``sentiment`` (n-gram logistic regression in which negation reverses its
scope, plus a neutral model; fitted once and cached), ``aspects`` (praise and
complaints per theme from clause themes and sentiments), ``embed`` (multilingual-e5-small
embeddings, optional, for the sentiment benchmark), ``keywords`` (content words, two-word phrases,
weighted log-odds), ``themes`` (NMF per language), ``theme_quality`` (coherence,
coverage, redundancy, distinctive terms) and ``drivers`` (score on themes).
Nothing is imported or loaded until used.
"""

from analysis.text.language import detect_language, detect_languages
from analysis.text.pii import mask_pii, mask_pii_series

__all__ = ["detect_language", "detect_languages", "mask_pii", "mask_pii_series"]
