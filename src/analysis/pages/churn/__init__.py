"""Churn page: who is likely to leave within the horizon, why, what they are worth.

Sections: :func:`summary`, :func:`survival_curves`, :func:`contract_retention`,
:func:`contract_model`,
:func:`noncontract_model`, :func:`at_risk`, :func:`backtest`, :func:`exports`. Each
returns codes and numbers (or :class:`~analysis.pages.Skipped` when the data cannot
support it); :func:`analysis.pages.show` turns them into words.

Shared work (the survival data, the fitted models, the early-warning list) is computed
once per context through ``ctx.memo``. Every class column (value tier, RFM class,
lifecycle, action) comes from the run's one classes table, ``ctx.classes``, so
``at_risk.csv`` and ``customers.csv`` agree on each customer.

Examples
--------
>>> from analysis.pages import open_context, show, churn  # doctest: +SKIP
>>> ctx = open_context(period="2026-10", data_path="data/sample")  # doctest: +SKIP
>>> churn.contract_model(ctx).hazard_ratios  # doctest: +SKIP
"""

from analysis.pages.base import Skipped

# Beyond __all__, the result classes, constants and shared fits stay reachable as
# ``churn.<name>`` (``churn._contract(ctx)``), as when the page was one module.
from analysis.pages.churn._common import (  # noqa: F401
    CLASS_SCHEMES,
    COLUMN_KINDS,
    CONTRACT,
    DURATION,
    EVENT,
    KM_GROUPS,
    KM_MIN_GROUP,
    LIST_ATTRIBUTES,
    LIST_CLASSES,
    MIN_BACKTEST_EVENTS,
    MIN_EVENTS,
    MIN_REPEAT_BUYERS,
    N_REASONS,
    NONCONTRACT,
    SHOWN_ROWS,
)
from analysis.pages.churn.backtesting import (  # noqa: F401
    Backtest,
    BacktestPart,
    backtest,
)
from analysis.pages.churn.curves import (  # noqa: F401
    KmPart,
    Summary,
    SurvivalCurves,
    summary,
    survival_curves,
)
from analysis.pages.churn.data import ChurnData, churn_data
from analysis.pages.churn.models import (  # noqa: F401
    ContractFit,
    ContractModel,
    NonContractFit,
    NonContractModel,
    _contract,
    _noncontract,
    contract_model,
    noncontract_model,
)
from analysis.pages.churn.outputs import (  # noqa: F401
    CUSTOMER_COLUMNS,
    Exports,
    customer_columns,
    exports,
)
from analysis.pages.churn.retention import (  # noqa: F401
    PROJECT_MONTHS,
    ContractRetention,
    contract_retention,
)
from analysis.pages.churn.risk_list import (  # noqa: F401
    AtRisk,
    _risk_list,
    at_risk,
)

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "survival_curves", "contract_retention", "contract_model", "noncontract_model",
    "at_risk", "backtest", "exports",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary",
    "survival_curves",
    "contract_retention",
    "contract_model",
    "noncontract_model",
    "at_risk",
    "backtest",
    "exports",
    "customer_columns",
    "MIN_EVENTS",
    "MIN_REPEAT_BUYERS",
    "ChurnData",
    "churn_data",
    "Skipped",
]
