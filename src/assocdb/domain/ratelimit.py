"""Rate-limit policies: HubSpot's subscription tiers as presets.

HubSpot: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide

A policy is a number of requests per rolling 10-second window and per day. The figures are
those of the associations API's "Limits" (the guide above), the API this server implements:
Free/Starter 100 per 10 s, Professional/Enterprise 150 per 10 s and 500,000 per day. The
associations page gives no daily figure for Free/Starter, so theirs (250,000) comes from the
general usage guidelines.

Besides the tier names, ``"<per-10s>/<per-day>"`` (e.g. ``"5/1000"``) names a custom policy;
``"off"`` disables limiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assocdb.errors import ValidationError

__all__ = ["OFF", "TIERS", "RatePolicy", "parse_policy"]

OFF = "off"
WINDOW_MS = 10_000


@dataclass(frozen=True, slots=True)
class RatePolicy:
    name: str
    per_ten_seconds: int
    per_day: int


TIERS: dict[str, RatePolicy] = {
    "free": RatePolicy("free", 100, 250_000),
    "starter": RatePolicy("starter", 100, 250_000),
    "professional": RatePolicy("professional", 150, 500_000),
    "enterprise": RatePolicy("enterprise", 150, 500_000),
}

_CUSTOM = re.compile(r"(\d{1,9})/(\d{1,12})")


def parse_policy(text: str) -> RatePolicy | None:
    """A tier name, ``"<per-10s>/<per-day>"`` or ``"off"`` (None); anything else is a 400."""
    name = text.strip().lower()
    if name == OFF:
        return None
    if name in TIERS:
        return TIERS[name]
    match = _CUSTOM.fullmatch(name)
    if match and int(match[1]) > 0 and int(match[2]) > 0:
        return RatePolicy(name, int(match[1]), int(match[2]))
    raise ValidationError(
        f"Invalid rate limit {text!r}: use off, {', '.join(TIERS)}, or <per-10s>/<per-day>"
        " such as 100/250000."
    )
