// HubSpot's Node client against assocdb: the properties API, then searchApi.doSearch with
// a filter, a sort and every page of `after`, as an incremental sync runs it.
const assert = require("node:assert/strict");
const { Client } = require("@hubspot/api-client");

const client = new Client({
  accessToken: process.env.ASSOCDB_TOKEN,
  basePath: process.env.ASSOCDB_URL,
  numberOfApiCallRetries: 0,
});

async function main() {
  const prop = await client.crm.properties.coreApi.create("contacts", {
    name: "sync_source",
    label: "Sync source",
    type: "enumeration",
    fieldType: "select",
    groupName: "contactinformation",
    options: [
      { label: "ERP", value: "erp", displayOrder: 0, hidden: false },
      { label: "Web", value: "web", displayOrder: 1, hidden: false },
    ],
  });
  assert.equal(prop.name, "sync_source");

  const inputs = Array.from({ length: 12 }, (_, i) => ({
    properties: {
      email: `node${i}@example.com`,
      firstname: `Node ${i}`,
      sync_source: i % 3 === 0 ? "web" : "erp",
    },
    associations: [],
  }));
  const created = await client.crm.contacts.batchApi.create({ inputs });
  assert.equal(created.results.length, 12);

  const seen = [];
  let after;
  let pages = 0;
  let total;
  do {
    const page = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: "sync_source", operator: "EQ", value: "erp" }] }],
      sorts: ["-hs_object_id"],
      properties: ["email", "sync_source"],
      limit: 3,
      after,
    });
    total = page.total;
    pages += 1;
    for (const record of page.results) {
      assert.equal(record.properties.sync_source, "erp");
      seen.push(record.id);
    }
    after = page.paging?.next?.after;
  } while (after);
  const sorted = [...seen].sort((a, b) => Number(b) - Number(a));
  assert.deepEqual(seen, sorted);

  let conflict = 0;
  try {
    await client.crm.contacts.basicApi.create({ properties: { email: "node1@example.com" } });
  } catch (err) {
    conflict = err.code;
  }
  console.log(JSON.stringify({ total, pages, found: seen.length, conflict }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
