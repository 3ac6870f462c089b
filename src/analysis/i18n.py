"""Report labels in Chinese and English, kept in one table."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "table": ("数据表", "Table"),
    "rows_in": ("读入行数", "Rows in"),
    "kept": ("保留", "Kept"),
    "duplicates_removed": ("重复(已去重)", "Duplicates removed"),
    "quarantined": ("隔离", "Quarantined"),
    "after_period": ("晚于报告期", "After period"),
    "balanced": ("行数平衡", "Rows balance"),
    "reason": ("原因", "Reason"),
    "rows": ("行数", "Rows"),
    "column": ("字段", "Column"),
    "missing": ("缺失", "Missing"),
    "missing_share": ("缺失比例", "Missing share"),
    "month": ("月份", "Month"),
    "date_min": ("最早日期", "First date"),
    "date_max": ("最晚日期", "Last date"),
    "orphan_rows": ("客户表外的行", "Rows of unknown customers"),
    "files": ("文件", "Files"),
    "encoding": ("编码", "Encoding"),
    "customers": ("客户", "customers"),
    "transactions": ("交易", "transactions"),
    "subscriptions": ("订阅合同", "subscriptions"),
    "surveys": ("满意度调查", "surveys"),
    "interactions": ("跟进记录", "interactions"),
    "rows_per_month": ("每月行数", "Rows per month"),
    "amount_per_month": ("每月净销售额", "Net sales per month"),
    "refund_share": ("退款占比", "Refund share"),
    # report pages (analysis.reporting.html)
    "page.period": ("报告期", "Period"),
    "page.data_window": ("数据区间", "Data window"),
    "page.contents": ("目录", "Contents"),
    "page.generated": ("生成时间", "Generated"),
    "page.pages": ("报告页面", "Report pages"),
    "page.seconds": ("秒", "s"),
    "page.missing": ("缺失", "missing"),
    "page.quality": ("数据质量", "Data quality"),
    "page.files": ("数据文件", "Data files"),
    "page.exports": ("导出表格", "Exported tables"),
    "page.quarantine": ("隔离记录", "Quarantined rows"),
    "page.all_reports": ("全部报告", "All reports"),
    "page.reports_title": ("月度报告", "Monthly reports"),
    "page.no_reports": ("暂无报告", "No reports yet"),
}


def label(key: str, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang`` ("zh" or "en"); unknown keys come back as given."""
    zh, en = LABELS.get(key, (key, key))
    return zh if lang == "zh" else en
