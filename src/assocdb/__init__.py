"""assocdb: a self-hostable, HubSpot-compatible CRM associations server."""

__version__ = "0.1.0"
"""The one version: the package metadata (pyproject reads it), ``assocdb --version`` and the
OpenAPI document's ``info.version``. Bump it together with CHANGELOG.md."""
