"""assocdb in your own test suite: a live server with an admin client.

The pytest plugin (``assocdb.testing.pytest_plugin``, registered automatically when
assocdb is installed) gives you the fixtures; ``run_server`` is the same thing for any
other test runner::

    with run_server(workdir) as server:
        portal = server.create_portal()
        ...  # point your client at server.base_url with portal.token
"""

from __future__ import annotations

from assocdb.testing.server import AssocdbPortal, AssocdbServer, run_server
from assocdb.testing.webhooks import Answer, WebhookReceiver

__all__ = ["Answer", "AssocdbPortal", "AssocdbServer", "WebhookReceiver", "run_server"]
