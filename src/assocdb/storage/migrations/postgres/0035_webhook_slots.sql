-- Webhooks (docs/webhooks.md, "Throttling"): maxConcurrentRequests across processes and
-- hosts. A request to an app's target URL is sent only while its sender holds one of the
-- app's slots 0 .. maxConcurrentRequests-1; a slot is held until lease_until_ms (longer
-- than the 5 s timeout), so a killed worker's slot comes back by itself.
CREATE TABLE webhook_slots (
    app_id         BIGINT NOT NULL,
    slot           INTEGER NOT NULL,
    owner          TEXT    NOT NULL,
    lease_until_ms BIGINT NOT NULL,
    PRIMARY KEY (app_id, slot)
);
