"""Chinese and English names of every segmentation class, kept in one table.

Codes (``high``, ``champions``, ``important_value`` ...) are what the columns hold and
what tests and other analyses join on; labels are for people. Terms follow the
project glossary (``/work/shared/GLOSSARY.md``).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CLASS_LABELS", "ORDERS", "class_label", "label_series"]

#: ``{scheme: {code: (zh, en)}}``; the dict order is the display order.
CLASS_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "value_tier": {
        "high": ("高价值客户", "High value"),
        "mid": ("中等价值客户", "Mid value"),
        "low": ("低价值客户", "Low value"),
    },
    "abc_class": {
        "A": ("A类客户", "Class A"),
        "B": ("B类客户", "Class B"),
        "C": ("C类客户", "Class C"),
    },
    "key_account_tier": {
        "strategic": ("战略客户", "Strategic account"),
        "core": ("核心客户", "Core account"),
        "general": ("一般客户", "General account"),
    },
    "customer_type": {
        "business": ("企业客户", "Business"),
        "individual": ("个人客户", "Individual"),
    },
    "rfm_segment": {
        "champions": ("冠军客户", "Champions"),
        "loyal": ("忠实客户", "Loyal"),
        "potential_loyalist": ("潜力忠实客户", "Potential loyalist"),
        "new": ("新近客户", "New"),
        "promising": ("有潜力客户", "Promising"),
        "need_attention": ("需要关注客户", "Need attention"),
        "about_to_sleep": ("即将沉睡客户", "About to sleep"),
        "at_risk": ("有流失风险客户", "At risk"),
        "cant_lose": ("不能失去的客户", "Can't lose"),
        "hibernating": ("休眠客户", "Hibernating"),
        "lost": ("已流失客户", "Lost"),
        "none": ("未购买", "No purchase"),
    },
    "rfm_eight": {
        "important_value": ("重要价值客户", "Important value"),
        "important_develop": ("重要发展客户", "Important to develop"),
        "important_retain": ("重要保持客户", "Important to retain"),
        "important_winback": ("重要挽留客户", "Important to win back"),
        "general_value": ("一般价值客户", "General value"),
        "general_develop": ("一般发展客户", "General to develop"),
        "general_retain": ("一般保持客户", "General to retain"),
        "general_winback": ("一般挽留客户", "General to win back"),
        "none": ("未购买", "No purchase"),
    },
    "lifecycle": {
        "potential": ("潜在客户", "Potential"),
        "new": ("新客户", "New"),
        "active": ("活跃客户", "Active"),
        "loyal": ("忠诚客户", "Loyal"),
        "dormant": ("沉默客户", "Dormant"),
        "churned": ("流失客户", "Churned"),
    },
}

#: Display order of each scheme's codes.
ORDERS: dict[str, list[str]] = {k: list(v) for k, v in CLASS_LABELS.items()}

_WORDS: dict[str, tuple[str, str]] = {
    "customers": ("客户数", "Customers"),
    "customer_share": ("客户占比", "Share of customers"),
    "revenue": ("净销售额", "Net revenue"),
    "revenue_share": ("销售额占比", "Revenue share"),
    "mean_recency": ("平均最近购买天数", "Mean recency (days)"),
    "mean_orders": ("平均购买次数", "Mean orders"),
    "mean_monetary": ("平均消费金额", "Mean monetary"),
    "change": ("较上期变化", "Change vs last period"),
    "previous": ("上期", "Previous period"),
    "current": ("本期", "This period"),
    "segment": ("分类", "Segment"),
    "action": ("建议行动", "Recommended action"),
    "strategy": ("策略", "Strategy"),
    "cluster": ("聚类", "Cluster"),
    "rule": ("规则", "Rule"),
    "fidelity": ("规则准确率", "Rule fidelity"),
    "threshold": ("阈值", "Threshold"),
    "value": ("数值", "Value"),
    "source": ("依据", "Source"),
    "cumulative_customers": ("客户累计占比", "Cumulative share of customers"),
    "cumulative_revenue": ("销售额累计占比", "Cumulative share of revenue"),
    "recency_score": ("R 得分(近度)", "R score (recency)"),
    "fm_score": ("F 得分(频度)", "F score (frequency)"),
    "moved": ("迁移人数", "Customers moved"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "silhouette": ("轮廓系数", "Silhouette"),
    "inertia": ("组内平方和(肘部法)", "Inertia (elbow)"),
    "k": ("聚类数 k", "Clusters k"),
    "gone": ("本期不在名单", "Not in this period"),
    "arrived": ("上期不在名单", "Not in previous period"),
}


def class_label(scheme: str, code: object, lang: str = "zh") -> str:
    """The label of one class code (``class_label("rfm_eight", "important_value")``).

    Unknown schemes or codes come back as ``str(code)``; ``lang="both"`` gives ``中文 / English``.

    Examples
    --------
    >>> class_label("lifecycle", "dormant"), class_label("lifecycle", "dormant", "en")
    ('沉默客户', 'Dormant')
    """
    if scheme == "word":
        pair = _WORDS.get(str(code))
    else:
        pair = CLASS_LABELS.get(scheme, {}).get(str(code))
    if pair is None:
        return str(code)
    if lang == "both":
        return f"{pair[0]} / {pair[1]}"
    return pair[0] if lang == "zh" else pair[1]


def word(key: str, lang: str = "zh") -> str:
    """A table heading or axis word (``word("revenue_share", "en")``)."""
    return class_label("word", key, lang)


def label_series(codes: pd.Series, scheme: str, lang: str = "zh") -> pd.Series:
    """Map a column of codes to labels; missing codes stay missing."""
    table = {c: class_label(scheme, c, lang) for c in codes.dropna().unique()}
    return codes.map(table)
