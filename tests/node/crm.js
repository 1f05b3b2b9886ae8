// HubSpot's official Node client (@hubspot/api-client) against a live assocdb server: v3
// associations, owners, pipelines, merge, GDPR delete, batch upsert and custom object
// schemas. Run by tests/node/test_node_crm.py
// with ASSOCDB_URL, ASSOCDB_TOKEN and ASSOCDB_OWNER (an owner's email) set; prints one JSON
// summary line. The generated client throws on any status its spec does not list, so each
// call also checks that assocdb answers with the codes HubSpot documents.
"use strict";

const assert = require("node:assert/strict");
const hubspot = require("@hubspot/api-client");

const client = new hubspot.Client({
  accessToken: process.env.ASSOCDB_TOKEN,
  basePath: process.env.ASSOCDB_URL,
  numberOfApiCallRetries: 0,
});

async function create(objectType, properties) {
  const made = await client.crm.objects.basicApi.create(objectType, { properties, associations: [] });
  return made.id;
}

async function v3Associations() {
  const contact = await create("contacts", { email: "v3@example.com" });
  const company = await create("companies", { name: "V3" });
  const batch = client.crm.associations.batchApi;
  const input = { _from: { id: contact }, to: { id: company }, type: "contact_to_company" };
  const created = await batch.create("contacts", "companies", { inputs: [input] });
  assert.equal(created.results[0].type, "contact_to_company");
  const read = await batch.read("companies", "contacts", { inputs: [{ id: company }] });
  const types = read.results[0].to.map((t) => t.type).sort();
  assert.deepEqual(types, ["company_to_contact", "company_to_contact_unlabeled"]);
  await batch.archive("contacts", "companies", { inputs: [input] });
  const definitions = await client.crm.associations.schema.typesApi.getAll("deals", "companies");
  assert.ok(definitions.results.some((d) => d.name === "deal_to_company"));
}

async function owners() {
  const page = await client.crm.owners.ownersApi.getPage(process.env.ASSOCDB_OWNER, undefined, 10);
  assert.equal(page.results.length, 1);
  const owner = await client.crm.owners.ownersApi.getById(Number(page.results[0].id));
  assert.equal(owner.email, process.env.ASSOCDB_OWNER);
  return owner.id;
}

async function pipelines(ownerId) {
  const api = client.crm.pipelines;
  const made = await api.pipelinesApi.create("deals", {
    label: "Node",
    displayOrder: 2,
    stages: [{ label: "Start", displayOrder: 0, metadata: { probability: "0.1" } }],
  });
  const stage = await api.pipelineStagesApi.create("deals", made.id, {
    label: "Done",
    displayOrder: 1,
    metadata: { probability: "1.0", isClosed: "true" },
  });
  await api.pipelineStagesApi.update("deals", made.id, stage.id, { label: "Won", metadata: {} });
  await api.pipelinesApi.update("deals", made.id, { label: "Node deals" });
  const all = await api.pipelinesApi.getAll("deals");
  assert.deepEqual(all.results.map((p) => p.id), ["default", made.id]);
  const deal = await create("deals", {
    dealname: "N",
    pipeline: made.id,
    dealstage: stage.id,
    hubspot_owner_id: ownerId,
  });
  await api.pipelineStagesApi.archive("deals", made.id, (await api.pipelineStagesApi.getAll("deals", made.id)).results[0].id);
  await api.pipelinesApi.archive("deals", made.id);
  return deal;
}

async function mergeAndPurge() {
  const contacts = client.crm.contacts.basicApi;
  const a = await create("contacts", { email: "a@example.com" });
  const b = await create("contacts", { email: "b@example.com", firstname: "B" });
  const merged = await contacts.merge({ primaryObjectId: a, objectIdToMerge: b });
  assert.equal(merged.id, a);
  assert.equal(merged.properties.firstname, "B");
  await contacts.purge({ objectId: a });
  await assert.rejects(contacts.getById(a), (err) => err.code === 404);
}

async function upsert() {
  const batch = client.crm.contacts.batchApi;
  const input = (firstname) => ({ idProperty: "email", id: "up@example.com", properties: { firstname } });
  const first = await batch.upsert({ inputs: [input("Up")] });
  assert.equal(first.results.length, 1);
  assert.equal(first.results[0]._new, true);
  const again = await batch.upsert({ inputs: [input("Again")] });
  assert.equal(again.results[0]._new, false);
  assert.equal(again.results[0].id, first.results[0].id);
  const read = await client.crm.contacts.basicApi.getById("up@example.com", ["firstname"], undefined, undefined, false, "email");
  assert.equal(read.properties.firstname, "Again");
}

async function schemas() {
  const core = client.crm.schemas.coreApi;
  const made = await core.create({
    name: "nodecars",
    labels: { singular: "Car", plural: "Cars" },
    primaryDisplayProperty: "model",
    requiredProperties: ["model"],
    searchableProperties: ["model"],
    properties: [{ name: "model", label: "Model", type: "string", fieldType: "text" }],
    associatedObjects: ["CONTACT"],
  });
  assert.match(made.objectTypeId, /^2-\d+$/);
  const read = await core.getById(made.objectTypeId);
  assert.equal(read.fullyQualifiedName, made.fullyQualifiedName);
  assert.ok((await core.getAll()).results.some((s) => s.objectTypeId === made.objectTypeId));
  const car = await create(made.objectTypeId, { model: "T" });
  const found = await client.crm.objects.basicApi.getById(made.objectTypeId, car, ["model"]);
  assert.equal(found.properties.model, "T");
}

(async () => {
  await v3Associations();
  await upsert();
  await schemas();
  const ownerId = await owners();
  const deal = await pipelines(ownerId);
  await mergeAndPurge();
  console.log(JSON.stringify({ ok: true, deal: Boolean(deal) }));
})().catch((err) => {
  console.error(err && err.body ? JSON.stringify(err.body) : err);
  process.exit(1);
});
