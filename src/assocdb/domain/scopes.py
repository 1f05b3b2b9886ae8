"""HubSpot's scope names, so that a misspelt scope is refused when a token is created.

HubSpot lists its scopes at
https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
(also https://developers.hubspot.com/docs/api/scopes). A token with a scope that HubSpot does
not have would be accepted and then get a 403 on every call, so ``token create`` checks names
against this catalogue and suggests the closest one. The CRM object scopes come from the
object type table (``objecttypes.py``) plus the ``crm.objects.*``/``crm.schemas.*`` names of
the other objects HubSpot documents; the rest are HubSpot's non-CRM scopes.
"""

from __future__ import annotations

import difflib

from assocdb.domain.objecttypes import STANDARD_TYPES
from assocdb.errors import ValidationError

__all__ = ["KNOWN_SCOPES", "check_scope_names"]

# Objects with crm.objects.<plural>.read/.write and crm.schemas.<plural>.read/.write scopes.
_CRM_OBJECTS = (
    "appointments",
    "calls",
    "carts",
    "commercepayments",
    "companies",
    "contacts",
    "courses",
    "custom",
    "deals",
    "emails",
    "feedback_submissions",
    "goals",
    "invoices",
    "leads",
    "line_items",
    "listings",
    "marketing_events",
    "meetings",
    "notes",
    "orders",
    "owners",
    "partner-clients",
    "partner-services",
    "products",
    "projects",
    "quotes",
    "services",
    "subscriptions",
    "tasks",
    "tickets",
    "users",
)

# Objects with sensitive / highly sensitive data scopes (…sensitive.read.v2 and so on).
_SENSITIVE = ("companies", "contacts", "custom", "deals")

_OTHER_SCOPES = (
    "account-info.security.read",
    "accounting",
    "actions",
    "analytics.behavioral_events.send",
    "automation",
    "automation.sequences.read",
    "behavioral_events.event_definitions.read_write",
    "business-intelligence",
    "business_units_view.read",
    "cms.domains.read",
    "cms.domains.write",
    "cms.functions.read",
    "cms.functions.write",
    "cms.knowledge_base.articles.publish",
    "cms.knowledge_base.articles.read",
    "cms.knowledge_base.articles.write",
    "cms.knowledge_base.settings.read",
    "cms.knowledge_base.settings.write",
    "cms.membership.access_groups.read",
    "cms.membership.access_groups.write",
    "cms.performance.read",
    "cms.source_code.read_write",
    "collector.graphql_query.execute",
    "collector.graphql_schema.read",
    "communication_preferences.read",
    "communication_preferences.read_write",
    "communication_preferences.statuses.batch.read",
    "communication_preferences.statuses.batch.write",
    "contacts",
    "content",
    "conversations.custom_channels.read",
    "conversations.custom_channels.write",
    "conversations.read",
    "conversations.visitor_identification.tokens.create",
    "conversations.write",
    "cpq.quotes.read",
    "cpq.quotes.write",
    "crm.dealsplits.read_write",
    "crm.export",
    "crm.import",
    "crm.lists.read",
    "crm.lists.write",
    "crm.pipelines.orders.read",
    "crm.pipelines.orders.write",
    "developers-read",
    "developers-write",
    "e-commerce",
    "files",
    "files.ui_hidden.read",
    "forms",
    "forms-uploaded-files",
    "hubdb",
    "integration-sync",
    "marketing-email",
    "marketing.campaigns.read",
    "marketing.campaigns.revenue.read",
    "marketing.campaigns.write",
    "media_bridge.read",
    "media_bridge.write",
    "oauth",
    "private-apps-read",
    "private-apps-write",
    "sales-email-read",
    "scheduler.meetings.meeting-link.read",
    "settings.billing.write",
    "settings.currencies.read",
    "settings.currencies.write",
    "settings.users.read",
    "settings.users.teams.read",
    "settings.users.teams.write",
    "settings.users.write",
    "social",
    "tax_rates.read",
    "tickets",
    "tickets.highly_sensitive.v2",
    "tickets.sensitive.v2",
    "timeline",
    "transactional-email",
)


def _catalogue() -> frozenset[str]:
    names: set[str] = set(_OTHER_SCOPES)
    for plural in _CRM_OBJECTS:
        for area in ("objects", "schemas"):
            names |= {f"crm.{area}.{plural}.read", f"crm.{area}.{plural}.write"}
    for plural in _SENSITIVE:
        for level in ("sensitive", "highly_sensitive"):
            names |= {f"crm.objects.{plural}.{level}.{op}.v2" for op in ("read", "write")}
    names |= {f"crm.objects.appointments.sensitive.{op}.v2" for op in ("read", "write")}
    for level in ("sensitive", "highly_sensitive"):  # projects and tickets: no .v2 suffix
        for plural in ("projects", "tickets"):
            names |= {f"crm.objects.{plural}.{level}.{op}" for op in ("read", "write")}
    # Every scope the server itself checks is a known name, whatever the lists above say.
    for object_type in STANDARD_TYPES:
        names |= set(object_type.read_scopes) | set(object_type.write_scopes)
    return frozenset(names)


KNOWN_SCOPES: frozenset[str] = _catalogue()


def check_scope_names(names: frozenset[str]) -> None:
    """``ValidationError`` naming the first unknown scope and the closest HubSpot name."""
    for name in sorted(names):
        if name in KNOWN_SCOPES:
            continue
        if name.lower() == "all" and len(names) > 1:
            raise ValidationError("'all' grants every scope and cannot be combined with others")
        if name.lower() == "all":
            raise ValidationError(f"unknown HubSpot scope {name!r}; did you mean 'all'?")
        close = difflib.get_close_matches(name.lower(), KNOWN_SCOPES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'assocdb token create --help')"
        raise ValidationError(f"unknown HubSpot scope {name!r}{hint}")
