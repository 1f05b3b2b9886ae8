// HubSpot's official Node client (@hubspot/api-client) against a live assocdb server.
// Run by tests/node/test_node_client.py with ASSOCDB_URL and ASSOCDB_TOKEN set; prints
// one JSON summary line and exits non-zero on the first failed check. The generated
// client throws on any status its spec does not list, so every call here also checks
// that assocdb answers with the codes HubSpot documents.
"use strict";

const assert = require("node:assert/strict");
const hubspot = require("@hubspot/api-client");

const client = new hubspot.Client({
  accessToken: process.env.ASSOCDB_TOKEN,
  basePath: process.env.ASSOCDB_URL,
  numberOfApiCallRetries: 0,
});
const v4 = client.crm.associations.v4;

async function create(objectType, count) {
  const inputs = Array.from({ length: count }, (_, i) => ({
    // Contacts have no "name" on HubSpot: an unknown property is a 400.
    properties: { [objectType === "contacts" ? "firstname" : "name"]: `${objectType} ${i}` },
    associations: [],
  }));
  const created = await client.crm.objects.batchApi.create(objectType, { inputs });
  assert.equal(created.results.length, count);
  return created.results.map((o) => o.id);
}

async function readAll(fromType, toType, id) {
  const seen = [];
  let after;
  let pages = 0;
  for (;;) {
    const page = await v4.batchApi.getPage(fromType, toType, { inputs: [{ id, after }] });
    assert.equal(page.status, "COMPLETE");
    const [result] = page.results;
    assert.equal(String(result._from.id), id);
    for (const to of result.to) {
      seen.push([String(to.toObjectId), to.associationTypes.map((t) => t.typeId).sort((a, b) => a - b)]);
    }
    pages += 1;
    if (!result.paging) return { seen, pages };
    after = result.paging.next.after;
  }
}

async function main() {
  const contacts = await create("contacts", 7);
  const [company] = await create("companies", 1);

  await v4.basicApi.createDefault("contacts", contacts[0], "companies", company);
  const labelled = await v4.basicApi.create("contacts", contacts[1], "companies", company, [
    { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 1 },
  ]);
  assert.deepEqual(labelled.labels, ["Primary"]);
  const batch = await v4.batchApi.create("contacts", "companies", {
    inputs: contacts.slice(2).map((id) => ({
      _from: { id },
      to: { id: company },
      types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 279 }],
    })),
  });
  assert.equal(batch.results.length, 5);

  // The server pages batch reads 3 at a time: 7 contacts are 3 pages.
  const all = await readAll("companies", "contacts", company);
  assert.deepEqual(all.seen.map(([id]) => id), [...contacts].sort((a, b) => Number(a) - Number(b)));
  assert.equal(all.pages, 3);
  assert.deepEqual(Object.fromEntries(all.seen)[contacts[1]], [2, 280]);

  const listed = await v4.basicApi.getPage("contacts", contacts[1], "companies");
  assert.deepEqual(listed.results.map((r) => String(r.toObjectId)), [company]);

  await v4.batchApi.archive("companies", "contacts", {
    inputs: [{ _from: { id: company }, to: contacts.slice(0, 4).map((id) => ({ id })) }],
  });
  await v4.basicApi.archive("contacts", contacts[6], "companies", company);
  const left = await readAll("companies", "contacts", company);
  assert.deepEqual(left.seen.map(([id]) => id), contacts.slice(4, 6));

  // A record with nothing left: HubSpot's 207 with NO_ASSOCIATIONS_FOUND, not a throw.
  const gone = await v4.batchApi.getPage("contacts", "companies", { inputs: [{ id: contacts[0] }] });
  assert.equal(gone.results.length, 0);
  assert.equal(gone.errors[0].subCategory, "crm.associations.NO_ASSOCIATIONS_FOUND");

  // Errors arrive as the client's ApiException with HubSpot's body.
  const anonymous = new hubspot.Client({ accessToken: "pat-na1-wrong", basePath: process.env.ASSOCDB_URL });
  await assert.rejects(
    anonymous.crm.associations.v4.basicApi.getPage("contacts", contacts[0], "companies"),
    (err) => err.code === 401 && err.body.category === "INVALID_AUTHENTICATION",
  );

  console.log(JSON.stringify({ ok: true, pages: all.pages, remaining: left.seen.length }));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  if (err && err.body) console.error(JSON.stringify(err.body));
  process.exit(1);
});
