"""Survey comment analysis in Chinese and English.

One concept per module: ``language`` (CJK-share rule), ``pii`` (masking), ``tokens``
(jieba + domain dictionary + stopwordsiso + domain stop words; theme and content
terms), ``sentiment`` (character/word n-gram logistic regression, adapted to the
user's domain with survey scores), ``keywords`` (content words, two-word phrases,
weighted log-odds), ``themes`` (NMF per language), ``theme_quality`` (coherence,
coverage, redundancy, stability, distinctive terms) and ``drivers`` (score on themes).
Nothing is imported or loaded until used.
"""

from analysis.text.language import detect_language, detect_languages
from analysis.text.pii import mask_pii, mask_pii_series

__all__ = ["detect_language", "detect_languages", "mask_pii", "mask_pii_series"]
