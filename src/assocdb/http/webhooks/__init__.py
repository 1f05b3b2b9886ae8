"""HubSpot's webhooks v3 API (``/webhooks/v3/{appId}/…``), the admin listing of deliveries,
and the delivery worker (docs/webhooks.md)."""
