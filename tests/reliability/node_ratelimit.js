// HubSpot's Node client (@hubspot/api-client) against our 429s; run by test_rate_limits.py.
// argv: baseUrl, token of a portal over its 10-second budget, token of one over its daily budget.
// Prints one JSON line: what the client saw and how long each call took.
const hubspot = require("@hubspot/api-client");

async function timed(fn) {
  const started = Date.now();
  try {
    const result = await fn();
    return { ok: true, ms: Date.now() - started, n: (result.results || []).length };
  } catch (e) {
    return { ok: false, ms: Date.now() - started, code: e.code, body: e.body };
  }
}

(async () => {
  const [basePath, tenSecondlyToken, dailyToken] = process.argv.slice(2);
  const make = (accessToken) =>
    new hubspot.Client({ accessToken, basePath, numberOfApiCallRetries: 2 });
  const tenSecondly = make(tenSecondlyToken);
  const daily = make(dailyToken);
  const labels = (client) => () =>
    client.crm.associations.v4.schema.definitionsApi.getAll("companies", "contacts");
  const out = {};
  out.daily = await timed(labels(daily)); // DAILY: the client must give up at once
  out.tenSecondly = await timed(labels(tenSecondly)); // TEN_SECONDLY_ROLLING: waits 10 s, retries
  console.log(JSON.stringify(out));
})();
