"""The domain: HubSpot's association semantics with no HTTP and no SQL."""
