"""Money: exact decimal yuan to the fen (分), and the one rounding rule every figure follows.

Amounts are ``Decimal`` yuan with at most two places and ten integer digits; floats never carry
money. Where a figure has to be rounded (a per-capita income, a share), it is rounded once, to
the fen, halves away from zero (四舍五入, as cadres round by hand).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator

from shared.domain.plausible import ascii_decimal

FEN = Decimal("0.01")
ROUNDING = ROUND_HALF_UP


def to_fen(amount: Decimal) -> Decimal:
    """``amount`` rounded to the fen, halves up; 1, 1.0 and 1.00 all become 1.00 and -0.00 becomes 0.00."""
    # Adding zero folds a negative zero into 0.00, so equal amounts also serialise alike.
    return amount.quantize(FEN, rounding=ROUNDING) + 0


Yuan = Annotated[ascii_decimal(ge=0, max_digits=12, decimal_places=2), AfterValidator(to_fen)]
"""An amount in yuan: at least 0, at most two decimal places and ten integer digits (exact, never rounded);
full-width digits are refused."""

SignedYuan = Annotated[ascii_decimal(max_digits=12, decimal_places=2), AfterValidator(to_fen)]
"""An amount in yuan that may be negative (a net income, a loss)."""
