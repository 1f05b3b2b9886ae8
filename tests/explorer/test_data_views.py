"""The explorer's data views, in process: portals, records, a record's associations paged
as the API pages them, the graph's elements, and portal isolation; on every backend."""

from __future__ import annotations

import re

from assocdb.domain.objecttypes import resolve_object_type
from tests.conftest import hs, user
from tests.explorer.helpers import Explorer, next_link, row_ids, text


def _company_with_contacts(explorer: Explorer, contacts: int) -> tuple[int, list[int]]:
    api = explorer.api
    api.portal(7, "seven")
    company = api.run(
        api.services.objects.create_many,
        7,
        resolve_object_type("companies"),
        [{"name": "Acme", "domain": "acme.example"}],
    )[0].object_id
    ids = api.objects(7, "contacts", contacts)
    api.associate(7, "contacts", "companies", [(c, company, [hs(1)]) for c in ids])
    return company, ids


def test_portals_list_their_records_per_type(explorer: Explorer) -> None:
    api = explorer.api
    api.portal(7, "seven")
    api.portal(8, "eight")
    api.objects(7, "contacts", 3)
    api.objects(7, "deals", 2)
    api.token(7)
    page = text(explorer.get("/").text)
    assert "7 seven contacts 3 deals 2 off 1" in page
    assert "8 eight no records off 0" in page


def test_portal_page_shows_labels_and_the_budget(explorer: Explorer) -> None:
    api = explorer.api
    api.portal(7, "seven")
    api.label(7, "contacts", "companies", "billing", "Billing contact", "Billing company")
    page = text(explorer.get("/portals/7").text)
    assert "contacts companies USER_DEFINED 100 Billing contact 101" in page
    assert "companies contacts USER_DEFINED 101 Billing company 100" in page
    assert "Rate limiting is off for this portal" in page


def test_records_page_with_chosen_columns_and_keyset_paging(explorer: Explorer) -> None:
    api = explorer.api
    api.portal(7)
    contact = resolve_object_type("contacts")
    made = api.run(
        api.services.objects.create_many,
        7,
        contact,
        [{"firstname": f"P{i}", "email": f"p{i}@x.example", "city": "Oslo"} for i in range(12)],
    )
    ids = [o.object_id for o in made]
    first = explorer.get("/portals/7/objects/contacts?limit=10&col=email&col=city")
    assert first.status_code == 200
    assert row_ids(first.text) == ids[:10]
    assert re.search(r"<th scope=\"col\">email</th><th scope=\"col\">city</th>", first.text)
    assert "<td>p0@x.example</td><td>Oslo</td>" in first.text
    after = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert after is not None
    second = explorer.get(after.group(1).replace("&amp;", "&").removeprefix("/_assocdb/explorer"))
    assert row_ids(second.text) == ids[10:]
    assert 'rel="next"' not in second.text


def _search_ids(explorer: Explorer, token: str, body: dict[str, object]) -> tuple[list[int], str]:
    """Ids the search API returns for ``body``, and its ``paging.next.after``."""
    found = explorer.api.post("/crm/v3/objects/contacts/search", token, body)
    assert found.status_code == 200, found.text
    data = found.json()
    after = data.get("paging", {}).get("next", {}).get("after", "")
    return [int(r["id"]) for r in data["results"]], after


def _rows_and_next(explorer: Explorer, path: str) -> tuple[list[int], str | None]:
    page = explorer.get(path)
    assert page.status_code == 200, page.text
    link = re.search(r'href="([^"]+)" rel="next"', page.text)
    following = (
        link.group(1).replace("&amp;", "&").removeprefix("/_assocdb/explorer") if link else None
    )
    return row_ids(page.text), following


def test_find_box_returns_what_the_search_api_returns(explorer: Explorer) -> None:
    api = explorer.api
    api.portal(7)
    token = api.token(7)
    people = [
        {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@engine.example"},
        {"firstname": "Grace", "lastname": "Hopper", "email": "grace@navy.example"},
        {"firstname": "ADAM", "lastname": "Smith", "email": "adam@market.example"},
        {"firstname": "Alan", "lastname": "Turing", "city": "Ada"},  # city: not searchable
    ] + [{"firstname": f"Engineer{i}", "company": "Engine Works"} for i in range(12)]
    made = api.run(api.services.objects.create_many, 7, resolve_object_type("contacts"), people)
    ids = [o.object_id for o in made]

    # Free text is the search API's query: a prefix of a word of a searchable property.
    by_api, _ = _search_ids(explorer, token, {"query": "ada", "limit": 10})
    assert by_api == [ids[0], ids[2]]
    found, following = _rows_and_next(explorer, "/portals/7/objects/contacts?q=ada&limit=10")
    assert found == by_api
    assert following is None
    assert "2 contacts on this page matching “ada” (2 in all" in text(
        explorer.get("/portals/7/objects/contacts?q=ada").text
    )

    # Found only by full-text search: the two words are in two properties, so no
    # property value contains "ada lovelace" (the old substring scan found nothing).
    by_api, _ = _search_ids(explorer, token, {"query": "ada lovelace"})
    assert by_api == [ids[0]]
    found, _ = _rows_and_next(explorer, "/portals/7/objects/contacts?q=ada+lovelace")
    assert found == [ids[0]]

    # A record id is hs_object_id EQ.
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": str(ids[1])}]}
        ]
    }
    assert _search_ids(explorer, token, body)[0] == [ids[1]]
    found, _ = _rows_and_next(explorer, f"/portals/7/objects/contacts?q={ids[1]}")
    assert found == [ids[1]]

    # Paging follows the search API's own cursor, page for page, with the chosen columns.
    api_pages: list[list[int]] = []
    after = ""
    while True:
        page_ids, after = _search_ids(
            explorer, token, {"query": "engine", "limit": 10, **({"after": after} if after else {})}
        )
        api_pages.append(page_ids)
        if not after:
            break
    assert [i for page in api_pages for i in page] == [ids[0], *ids[4:]]
    path: str | None = "/portals/7/objects/contacts?q=engine&limit=10&col=company"
    view_pages = []
    while path:
        found, path = _rows_and_next(explorer, path)
        view_pages.append(found)
    assert view_pages == api_pages
    columns = explorer.get("/portals/7/objects/contacts?q=engine&limit=10&col=company")
    assert re.search(
        r'<thead><tr><th scope="col">Record</th><th scope="col">company</th></tr>', columns.text
    )
    assert "<td>Engine Works</td>" in columns.text

    # A tampered cursor is the search API's 400, as a page.
    bad = explorer.get("/portals/7/objects/contacts?q=engine&after=nope")
    assert bad.status_code == 400
    assert "Invalid &#39;after&#39; value" in bad.text or "Invalid 'after' value" in bad.text


def test_filters_and_sort_are_the_search_apis(explorer: Explorer) -> None:
    """Filter rows and the sort are one search API request: the view shows what the API
    returns for the same filters and sort, page after page; its 400 is shown on the page."""
    api = explorer.api
    api.portal(7)
    token = api.token(7)
    people = [
        {"firstname": f"N{i:02d}", "lifecyclestage": "lead" if i % 3 == 0 else "customer"}
        for i in range(14)
    ] + [{"firstname": "Nobody"}]
    made = api.run(api.services.objects.create_many, 7, resolve_object_type("contacts"), people)
    ids = [o.object_id for o in made]
    leads = [ids[i] for i in range(14) if i % 3 == 0]

    # One filter: only the matching rows, as the API returns them.
    path = "/portals/7/objects/contacts?fp=lifecyclestage&fo=EQ&fv=lead&limit=10"
    found, following = _rows_and_next(explorer, path)
    assert found == leads
    assert following is None
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}
        ],
        "limit": 10,
    }
    assert _search_ids(explorer, token, body)[0] == found
    page = text(explorer.get(path).text)
    assert "where lifecyclestage EQ “lead” (5 in all, found by the search API)" in page

    # Two filters AND-ed, a sort with its direction, paged with the API's own after.
    path = (
        "/portals/7/objects/contacts?fp=lifecyclestage&fo=NEQ&fv=lead"
        "&fp=firstname&fo=HAS_PROPERTY&fv=&sort=firstname&dir=desc&limit=10"
    )
    view_ids: list[int] = []
    next_path: str | None = path
    while next_path:
        rows, next_path = _rows_and_next(explorer, next_path)
        view_ids += rows
    customers = [ids[i] for i in range(14) if i % 3 != 0]
    assert view_ids == [ids[14], *customers[::-1]]  # "Nobody" > "N13" > ... > "N01"

    # The form keeps what was asked, and offers the remaining rows empty.
    form = explorer.get(path).text
    assert 'id="fp1" name="fp" list="property-names" value="lifecyclestage"' in form
    assert '<option value="NEQ" selected>' in form
    assert 'id="fp3" name="fp" list="property-names" value=""' in form
    assert '<option value="desc" selected>' in form
    assert '<option value="lifecyclestage">' in form  # the datalist of the type's properties

    # The search API's 400, beside the form (and as the page's status).
    bad = explorer.get("/portals/7/objects/contacts?fp=nope&fo=EQ&fv=1")
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert 'The search API refused this search: Property "nope" does not exist' in text(bad.text)
    unknown_op = explorer.get("/portals/7/objects/contacts?fp=email&fo=LIKE&fv=1")
    assert unknown_op.status_code == 400


def test_record_page_groups_associations_with_labels_and_primary(explorer: Explorer) -> None:
    api = explorer.api
    company, contacts = _company_with_contacts(explorer, 3)
    billing = api.label(7, "contacts", "companies", "billing", "Billing contact", "Billing co")
    other = api.objects(7, "companies", 1)[0]
    made = api.associate(7, "contacts", "companies", [(contacts[0], other, [user(billing[1])])])
    assert not [m for m in made if isinstance(m, Exception)]
    deal = api.objects(7, "deals", 1)[0]
    api.associate(7, "deals", "contacts", [(deal, contacts[0])])
    page = explorer.get(f"/portals/7/objects/contacts/{contacts[0]}")
    assert page.status_code == 200
    body = text(page.text)
    # One group per associated type, in type-id order, each with its count.
    assert re.findall(r"<h3 id=\"group-([0-9-]+)-title\">", page.text) == ["0-2", "0-3"]
    assert "Companies 2" in body
    assert "Deals 1" in body
    assert f"Acme {company} Primary" in body
    assert f"Record {deal} {deal} unlabeled" in body
    assert f"Record {other} {other} Billing contact" in body


def test_association_group_pages_as_the_api_does(explorer: Explorer) -> None:
    company, contacts = _company_with_contacts(explorer, 23)
    path = f"/portals/7/objects/companies/{company}/associations/contacts?limit=10"
    seen: list[int] = []
    ranges = []
    while path:
        page = explorer.get(path, headers={"HX-Request": "true"})
        assert page.status_code == 200
        seen += row_ids(page.text)
        ranges.append(re.search(r'class="muted range">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
        link = next_link(page.text, "Next contacts")
        path = link.removeprefix("/_assocdb/explorer") if link else ""
    assert seen == contacts
    assert ranges == ["1–10 of 23", "11–20 of 23", "21–23 of 23"]
    # A cursor is the API's: tampering with it is the API's 400, as a page.
    bad = explorer.get(f"/portals/7/objects/companies/{company}/associations/contacts?after=nope")
    assert bad.status_code == 400


def test_another_portals_record_is_not_found(explorer: Explorer) -> None:
    company, _ = _company_with_contacts(explorer, 2)
    explorer.api.portal(8)
    assert explorer.get(f"/portals/7/objects/companies/{company}").status_code == 200
    assert explorer.get(f"/portals/8/objects/companies/{company}").status_code == 404
    assert explorer.get(f"/portals/8/objects/companies/{company}/graph").status_code == 404
    assert explorer.get(f"/portals/8/graph.json?type=0-2&id={company}").status_code == 404
    group = explorer.get(f"/portals/8/objects/companies/{company}/associations/contacts")
    assert row_ids(group.text) == []
    assert explorer.get("/portals/9").status_code == 404


def test_graph_elements_are_capped_with_a_more_node(explorer: Explorer) -> None:
    company, contacts = _company_with_contacts(explorer, 14)
    data = explorer.get(f"/portals/7/graph.json?type=companies&id={company}").json()
    nodes = [e["data"] for e in data["elements"] if "source" not in e["data"]]
    edges = [e["data"] for e in data["elements"] if "source" in e["data"]]
    assert nodes[0] == {
        "id": f"0-2:{company}",
        "label": "Acme",
        "kind": "company",
        "type": "0-2",
        "objectId": str(company),
        "url": f"/_assocdb/explorer/portals/7/objects/0-2/{company}",
    }
    assert [n["objectId"] for n in nodes[1:13]] == [str(c) for c in contacts[:12]]
    more = nodes[13]
    assert more["kind"] == "more"
    assert more["label"] == "more contacts (14 in all)"
    assert edges[0] == {
        "id": "edge:" + "|".join(sorted((f"0-1:{contacts[0]}", f"0-2:{company}"))),
        "source": f"0-2:{company}",
        "target": f"0-1:{contacts[0]}",
        "label": "Primary",
        "primary": True,
    }
    rest = explorer.get(more["moreUrl"].removeprefix("/_assocdb/explorer")).json()
    rest_ids = [e["data"].get("objectId") for e in rest["elements"] if "source" not in e["data"]]
    assert rest_ids == [str(company), str(contacts[12]), str(contacts[13])]


def test_pages_report_their_server_time(explorer: Explorer) -> None:
    explorer.api.portal(7)
    response = explorer.get("/portals/7")
    assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["server-timing"])
