"""The data contract: one vocabulary of tables and columns, defined once.

Every other module refers to these names; a user's own headers are mapped onto
them by a YAML mapping (see :mod:`analysis.io.mapping`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column vocabulary -----------------------------------------------------------
CUSTOMER_ID = "customer_id"
ORDER_ID = "order_id"
ORDER_DATE = "order_date"
AMOUNT = "amount"
QUANTITY = "quantity"
PRODUCT = "product"
CATEGORY = "category"
CHANNEL = "channel"
CUSTOMER_TYPE = "customer_type"
SIGNUP_DATE = "signup_date"
START_DATE = "start_date"
END_DATE = "end_date"
RESPONSE_DATE = "response_date"
RESPONSE_ID = "response_id"
SCORE = "score"
CSAT = "csat"
COMMENT = "comment"
DATE = "date"
KIND = "kind"

CUSTOMER_TYPES = ("business", "individual")


@dataclass(frozen=True)
class TableSpec:
    """What the contract says about one table.

    Attributes
    ----------
    name : str
        Table name; also the file stem (``customers.csv``) or database table name.
    required : tuple of str
        Columns that must be present.
    optional : tuple of str
        Known optional columns. Any other column is kept as an attribute.
    dates : tuple of str
        Columns parsed as dates.
    numbers : tuple of str
        Columns parsed as numbers (currency symbols and full-width digits allowed).
    not_null : tuple of str
        Columns that must have a value in every row (else the row is quarantined).
    event_date : str or None
        The date that places a row in time; rows after the period end are excluded.
    key : tuple of str
        Columns that identify a row; rows sharing a key but differing elsewhere are
        conflicting duplicates and are quarantined.
    must_exist : bool
        Whether a source must provide this table.
    ranges : dict
        Closed numeric ranges ``{column: (low, high)}``; values outside are quarantined.
    choices : dict
        Allowed values ``{column: (value, ...)}`` after lower-casing; others quarantined.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    event_date: str | None = None
    key: tuple[str, ...] = ()
    must_exist: bool = False
    ranges: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


CUSTOMERS = TableSpec(
    name="customers",
    required=(CUSTOMER_ID,),
    optional=(
        "name",
        "phone",
        "email",
        CUSTOMER_TYPE,
        SIGNUP_DATE,
        "region",
        "city",
        "industry",
        CHANNEL,
        "account_owner",
    ),
    dates=(SIGNUP_DATE,),
    not_null=(CUSTOMER_ID,),
    event_date=SIGNUP_DATE,
    key=(CUSTOMER_ID,),
    must_exist=True,
    choices={CUSTOMER_TYPE: CUSTOMER_TYPES},
)

TRANSACTIONS = TableSpec(
    name="transactions",
    required=(CUSTOMER_ID, ORDER_DATE, AMOUNT),
    optional=(ORDER_ID, QUANTITY, PRODUCT, CATEGORY, CHANNEL),
    dates=(ORDER_DATE,),
    numbers=(AMOUNT, QUANTITY),
    not_null=(CUSTOMER_ID, ORDER_DATE, AMOUNT),
    event_date=ORDER_DATE,
    key=(ORDER_ID,),
    must_exist=True,
)

SUBSCRIPTIONS = TableSpec(
    name="subscriptions",
    required=(CUSTOMER_ID, START_DATE),
    optional=(END_DATE, "plan", "monthly_fee"),
    dates=(START_DATE, END_DATE),
    numbers=("monthly_fee",),
    not_null=(CUSTOMER_ID, START_DATE),
    event_date=START_DATE,
)

SURVEYS = TableSpec(
    name="surveys",
    required=(RESPONSE_DATE,),
    optional=(CUSTOMER_ID, SCORE, CSAT, COMMENT, RESPONSE_ID, CHANNEL),
    dates=(RESPONSE_DATE,),
    numbers=(SCORE, CSAT),
    not_null=(RESPONSE_DATE,),
    event_date=RESPONSE_DATE,
    key=(RESPONSE_ID,),
    ranges={SCORE: (0, 10), CSAT: (1, 5)},
)

INTERACTIONS = TableSpec(
    name="interactions",
    required=(CUSTOMER_ID, DATE, KIND),
    optional=("owner", "note"),
    dates=(DATE,),
    not_null=(CUSTOMER_ID, DATE, KIND),
    event_date=DATE,
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (CUSTOMERS, TRANSACTIONS, SUBSCRIPTIONS, SURVEYS, INTERACTIONS)
}
