"""Survey page: NPS and CSAT with their uncertainty, what the comments say, whom to call back.

Sections: :func:`summary`, :func:`trend`, :func:`csat`, :func:`response_rate`,
:func:`by_group`, :func:`aspects` (praise and complaints per theme), :func:`sentiment`,
:func:`detractor_comments`, :func:`keywords`, :func:`themes`, :func:`drivers`,
:func:`followups`. Value tier, RFM segment and action come from the run's one classes
table (``ctx.classes``), never recomputed here. The comment pipeline
(:func:`analysis.text.pipeline.analyse_comments`: masking, language, sentiment, themes,
praise and complaints per theme) runs once per context and is shared by the comment
sections.

Every section returns codes and numbers or a :class:`~analysis.pages.base.Skipped`
whose note says what the surveys lack and what would enable the section. The
thresholds below are the data each analysis needs.
"""

# Besides ``__all__``, the result types and display thresholds stay importable from here,
# as they were from the single module (hence the noqa: they are re-exports, not unused).
from analysis.pages.survey._common import (  # noqa: F401
    DETRACTORS_SHOWN,
    FEW_RESPONSES,
    FOLLOWUPS_SHOWN,
    GROUP_MONTHS,
    MIN_DRIVER_MENTIONS,
    MIN_TERM_COUNT,
    MIN_THEME_COMMENTS,
    TABLE_MONTHS,
    TOP_DISTINCTIVE,
    TOP_TERMS,
    UNKNOWN,
    sentiment_model,
)
from analysis.pages.survey.aspects import Aspects, aspects  # noqa: F401
from analysis.pages.survey.comments import (  # noqa: F401
    DetractorComments,
    Keywords,
    Sentiment,
    detractor_comments,
    keywords,
    sentiment,
)
from analysis.pages.survey.customers import Followups, followups  # noqa: F401
from analysis.pages.survey.scores import (  # noqa: F401
    ByGroup,
    Csat,
    ResponseRate,
    Summary,
    Trend,
    by_group,
    csat,
    response_rate,
    summary,
    trend,
)
from analysis.pages.survey.topics import Drivers, Themes, drivers, themes  # noqa: F401

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "trend", "csat", "response_rate", "by_group", "aspects", "sentiment",
    "detractor_comments",
    "keywords", "themes", "drivers", "followups",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary",
    "trend",
    "csat",
    "response_rate",
    "by_group",
    "aspects",
    "sentiment",
    "detractor_comments",
    "keywords",
    "themes",
    "drivers",
    "followups",
    "MIN_THEME_COMMENTS",
    "MIN_DRIVER_MENTIONS",
    "FEW_RESPONSES",
]
