"""HubSpot's default properties of each object type: what a new portal starts with.

Not every default HubSpot ships (contacts alone have hundreds): the ones real integrations
read and write, with HubSpot's names, types, field types, groups and enumeration options
(https://knowledge.hubspot.com/properties/hubspots-default-contact-properties and the
company, deal and ticket pages beside it). A portal can add its own through the
properties API (docs/properties.md).

Enumerations whose options a portal edits elsewhere (pipelines and their stages, owners,
currencies, industries) are declared with ``open_options``: any value is accepted, as the
list HubSpot validates against is not ours to know here [inferred].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_GROUPS", "DefaultProperty", "default_properties"]


@dataclass(frozen=True, slots=True)
class DefaultProperty:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: tuple[tuple[str, str], ...] = ()
    """(value, label) pairs, in display order."""
    open_options: bool = False
    read_only: bool = False
    """Set by HubSpot, never by a client (ids, dates, counters)."""
    unique: bool = False


def _s(name: str, label: str, group: str, field_type: str = "text") -> DefaultProperty:
    return DefaultProperty(name, label, "string", field_type, group)


def _n(name: str, label: str, group: str, *, read_only: bool = False) -> DefaultProperty:
    return DefaultProperty(name, label, "number", "number", group, read_only=read_only)


def _dt(name: str, label: str, group: str, *, read_only: bool = False) -> DefaultProperty:
    return DefaultProperty(name, label, "datetime", "date", group, read_only=read_only)


def _d(name: str, label: str, group: str) -> DefaultProperty:
    return DefaultProperty(name, label, "date", "date", group)


def _e(
    name: str,
    label: str,
    group: str,
    options: Sequence[tuple[str, str]] = (),
    field_type: str = "select",
    *,
    open_options: bool = False,
) -> DefaultProperty:
    return DefaultProperty(
        name, label, "enumeration", field_type, group, tuple(options), open_options=open_options
    )


def _owner(group: str) -> DefaultProperty:
    return _e("hubspot_owner_id", "Owner", group, open_options=True)


_LIFECYCLE = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

_C = "contactinformation"
_CONTACTS = (
    DefaultProperty("email", "Email", "string", "text", _C, unique=True),
    _s("firstname", "First Name", _C),
    _s("lastname", "Last Name", _C),
    _s("salutation", "Salutation", _C),
    _s("phone", "Phone Number", _C, "phonenumber"),
    _s("mobilephone", "Mobile Phone Number", _C, "phonenumber"),
    _s("fax", "Fax Number", _C, "phonenumber"),
    _s("company", "Company Name", _C),
    _s("website", "Website URL", _C),
    _s("jobtitle", "Job Title", _C),
    _s("address", "Street Address", _C),
    _s("city", "City", _C),
    _s("state", "State/Region", _C),
    _s("zip", "Postal Code", _C),
    _s("country", "Country/Region", _C),
    _s("message", "Message", _C, "textarea"),
    _s("date_of_birth", "Date of birth", _C),
    _s("hs_additional_emails", "Additional email addresses", _C, "textarea"),
    _s("hs_email_domain", "Email Domain", _C),
    _e("lifecyclestage", "Lifecycle Stage", _C, _LIFECYCLE, "radio"),
    _e(
        "hs_lead_status",
        "Lead Status",
        _C,
        (
            ("NEW", "New"),
            ("OPEN", "Open"),
            ("IN_PROGRESS", "In Progress"),
            ("OPEN_DEAL", "Open Deal"),
            ("UNQUALIFIED", "Unqualified"),
            ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
            ("CONNECTED", "Connected"),
            ("BAD_TIMING", "Bad Timing"),
        ),
        "radio",
    ),
    _owner(_C),
    _n("associatedcompanyid", "Primary Associated Company ID", _C),
    _n("num_associated_deals", "Number of Associated Deals", "deal_information", read_only=True),
    _dt("notes_last_updated", "Last Activity Date", "sales_properties", read_only=True),
    _dt("closedate", "Close Date", "sales_properties"),
)

_CO = "companyinformation"
_COMPANIES = (
    _s("name", "Company name", _CO),
    _s("domain", "Company Domain Name", _CO),
    _s("website", "Website URL", _CO),
    _s("phone", "Phone Number", _CO, "phonenumber"),
    _s("address", "Street Address", _CO),
    _s("address2", "Street Address 2", _CO),
    _s("city", "City", _CO),
    _s("state", "State/Region", _CO),
    _s("zip", "Postal Code", _CO),
    _s("country", "Country/Region", _CO),
    _s("description", "Description", _CO, "textarea"),
    _e("industry", "Industry", _CO, open_options=True),
    _n("numberofemployees", "Number of Employees", _CO),
    _n("annualrevenue", "Annual Revenue", _CO),
    _e(
        "type",
        "Type",
        _CO,
        (
            ("PROSPECT", "Prospect"),
            ("PARTNER", "Partner"),
            ("RESELLER", "Reseller"),
            ("VENDOR", "Vendor"),
            ("OTHER", "Other"),
        ),
    ),
    _e("lifecyclestage", "Lifecycle Stage", _CO, _LIFECYCLE, "radio"),
    _owner(_CO),
    _n("num_associated_contacts", "Number of Associated Contacts", _CO, read_only=True),
    _n("num_associated_deals", "Number of Associated Deals", _CO, read_only=True),
    _dt("notes_last_updated", "Last Activity Date", _CO, read_only=True),
)

_DE = "dealinformation"
_DEALS = (
    _s("dealname", "Deal Name", _DE),
    _n("amount", "Amount", _DE),
    _dt("closedate", "Close Date", _DE),
    # Pipelines and stages are edited through the pipelines API; HubSpot's defaults are
    # the "default" sales pipeline and its stages [inferred: open to a portal's own].
    _e("pipeline", "Pipeline", _DE, (("default", "Sales Pipeline"),), open_options=True),
    _e(
        "dealstage",
        "Deal Stage",
        _DE,
        (
            ("appointmentscheduled", "Appointment Scheduled"),
            ("qualifiedtobuy", "Qualified To Buy"),
            ("presentationscheduled", "Presentation Scheduled"),
            ("decisionmakerboughtin", "Decision Maker Bought-In"),
            ("contractsent", "Contract Sent"),
            ("closedwon", "Closed Won"),
            ("closedlost", "Closed Lost"),
        ),
        "radio",
        open_options=True,
    ),
    _e(
        "dealtype",
        "Deal Type",
        _DE,
        (("newbusiness", "New Business"), ("existingbusiness", "Existing Business")),
        "radio",
    ),
    _e(
        "hs_priority",
        "Priority",
        _DE,
        (("low", "Low"), ("medium", "Medium"), ("high", "High")),
    ),
    _s("description", "Deal Description", _DE, "textarea"),
    _e("deal_currency_code", "Currency", _DE, open_options=True),
    _owner(_DE),
    _n("num_associated_contacts", "Number of Associated Contacts", _DE, read_only=True),
    _n("amount_in_home_currency", "Amount in company currency", _DE, read_only=True),
    _dt("notes_last_updated", "Last Activity Date", _DE, read_only=True),
)

_TI = "ticketinformation"
_TICKETS = (
    _s("subject", "Ticket name", _TI),
    _s("content", "Ticket description", _TI, "textarea"),
    _e("hs_pipeline", "Pipeline", _TI, (("0", "Support Pipeline"),), open_options=True),
    _e(
        "hs_pipeline_stage",
        "Ticket status",
        _TI,
        (("1", "New"), ("2", "Waiting on contact"), ("3", "Waiting on us"), ("4", "Closed")),
        open_options=True,
    ),
    _e(
        "hs_ticket_priority",
        "Priority",
        _TI,
        (("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent")),
    ),
    _e(
        "hs_ticket_category",
        "Category",
        _TI,
        (
            ("PRODUCT_ISSUE", "Product issue"),
            ("BILLING_ISSUE", "Billing issue"),
            ("FEATURE_REQUEST", "Feature request"),
            ("GENERAL_INQUIRY", "General inquiry"),
        ),
        "checkbox",
    ),
    _e(
        "source_type",
        "Source",
        _TI,
        (("CHAT", "Chat"), ("EMAIL", "Email"), ("FORM", "Form"), ("PHONE", "Phone")),
    ),
    _dt("closed_date", "Close date", _TI),
    _owner(_TI),
)

_PR = "productinformation"
_PRODUCTS = (
    _s("name", "Name", _PR),
    _s("description", "Description", _PR, "textarea"),
    _n("price", "Unit price", _PR),
    _s("hs_sku", "SKU", _PR),
    _n("hs_cost_of_goods_sold", "Unit cost", _PR),
    _s("hs_recurring_billing_period", "Term", _PR),
)

_LI = "lineiteminformation"
_LINE_ITEMS = (
    _s("name", "Name", _LI),
    _s("description", "Description", _LI, "textarea"),
    _n("quantity", "Quantity", _LI),
    _n("price", "Unit price", _LI),
    _n("amount", "Net price", _LI),
    _n("discount", "Unit discount", _LI),
    _n("hs_product_id", "Product ID", _LI),
    _s("hs_sku", "SKU", _LI),
)

_QU = "quoteinformation"
_QUOTES = (
    _s("hs_title", "Quote name", _QU),
    _d("hs_expiration_date", "Expiration date", _QU),
    _e("hs_status", "Quote approval status", _QU, open_options=True),
    _s("hs_language", "Language", _QU),
)

_EN = "engagement"


def _activity(*specific: DefaultProperty) -> tuple[DefaultProperty, ...]:
    return (_dt("hs_timestamp", "Activity date", _EN), _owner(_EN), *specific)


_NOTES = _activity(_s("hs_note_body", "Note body", _EN, "html"))
_CALLS = _activity(
    _s("hs_call_title", "Call Title", _EN),
    _s("hs_call_body", "Call notes", _EN, "html"),
    _n("hs_call_duration", "Call duration", _EN),
    _s("hs_call_status", "Call status", _EN),
    _s("hs_call_disposition", "Call outcome", _EN),
    _e(
        "hs_call_direction",
        "Call direction",
        _EN,
        (("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")),
    ),
)
_EMAILS = _activity(
    _s("hs_email_subject", "Subject", _EN),
    _s("hs_email_text", "Text", _EN, "textarea"),
    _s("hs_email_html", "Email body", _EN, "html"),
    _s("hs_email_status", "Email send status", _EN),
    _e(
        "hs_email_direction",
        "Email direction",
        _EN,
        (
            ("EMAIL", "Logged from CRM"),
            ("INCOMING_EMAIL", "Incoming email"),
            ("FORWARDED_EMAIL", "Forwarded email"),
        ),
    ),
)
_MEETINGS = _activity(
    _s("hs_meeting_title", "Meeting name", _EN),
    _s("hs_meeting_body", "Meeting description", _EN, "html"),
    _dt("hs_meeting_start_time", "Start time", _EN),
    _dt("hs_meeting_end_time", "End time", _EN),
    _s("hs_meeting_location", "Location", _EN),
    _s("hs_meeting_outcome", "Meeting outcome", _EN),
)
_TASKS = _activity(
    _s("hs_task_subject", "Task title", _EN),
    _s("hs_task_body", "Notes", _EN, "html"),
    _e(
        "hs_task_status",
        "Task status",
        _EN,
        (
            ("NOT_STARTED", "Not started"),
            ("IN_PROGRESS", "In progress"),
            ("WAITING", "Waiting"),
            ("COMPLETED", "Completed"),
            ("DEFERRED", "Deferred"),
        ),
    ),
    _e(
        "hs_task_priority",
        "Priority",
        _EN,
        (("NONE", "None"), ("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")),
    ),
    _e(
        "hs_task_type",
        "Task type",
        _EN,
        (("CALL", "Call"), ("EMAIL", "Email"), ("TODO", "To-do")),
    ),
)
_COMMUNICATIONS = _activity(
    _s("hs_communication_body", "Communication body", _EN, "html"),
    _e("hs_communication_channel_type", "Channel type", _EN, open_options=True),
    _s("hs_communication_logged_from", "Logged from", _EN),
)

_BY_TYPE: dict[str, tuple[DefaultProperty, ...]] = {
    "0-1": _CONTACTS,
    "0-2": _COMPANIES,
    "0-3": _DEALS,
    "0-5": _TICKETS,
    "0-7": _PRODUCTS,
    "0-8": _LINE_ITEMS,
    "0-14": _QUOTES,
    "0-18": _COMMUNICATIONS,
    "0-27": _TASKS,
    "0-46": _NOTES,
    "0-47": _MEETINGS,
    "0-48": _CALLS,
    "0-49": _EMAILS,
}

DEFAULT_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "0-1": (
        (_C, "Contact information"),
        ("deal_information", "Deal information"),
        ("sales_properties", "Sales properties"),
    ),
    "0-2": ((_CO, "Company information"),),
    "0-3": ((_DE, "Deal information"),),
    "0-5": ((_TI, "Ticket information"),),
    "0-7": ((_PR, "Product information"),),
    "0-8": ((_LI, "Line item information"),),
    "0-14": ((_QU, "Quote information"),),
}
"""(name, label) of each type's default property groups; activities use ``engagement``."""


def default_groups(type_id: str) -> tuple[tuple[str, str], ...]:
    return DEFAULT_GROUPS.get(type_id, ((_EN, "Engagement"),) if type_id in _BY_TYPE else ())


def default_properties(type_id: str, created: str, modified: str) -> tuple[DefaultProperty, ...]:
    """The type's defaults, with the computed properties every record has: its id and its
    create/modify dates (named per type: ``domain.objects.date_properties``)."""
    group = default_groups(type_id)[0][0] if default_groups(type_id) else "objectinformation"
    computed = (
        DefaultProperty("hs_object_id", "Record ID", "number", "number", group, read_only=True),
        _dt(created, "Create Date", group, read_only=True),
        _dt(modified, "Last Modified Date", group, read_only=True),
    )
    return (*_BY_TYPE.get(type_id, ()), *computed)
