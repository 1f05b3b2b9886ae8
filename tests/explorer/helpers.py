"""An explorer session for in-process tests: a test client signed in with the admin token,
and small readers of the HTML it gets back."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from tests.conftest import Api

ADMIN = "explorer-admin-token"
BASE = "/_assocdb/explorer"


@dataclass
class Explorer:
    api: Api

    def sign_in(self, token: str = ADMIN) -> Any:
        return self.api.client.post(f"{BASE}/signin", data={"token": token}, follow_redirects=False)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.api.client.get(BASE + path, follow_redirects=False, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.api.client.post(BASE + path, data=data, follow_redirects=False, **kwargs)


def text(page: str) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row_ids(page: str) -> list[int]:
    """Record ids in the order the rows show them (the ``mono`` id after each link)."""
    return [int(i) for i in re.findall(r'<span class="muted mono">(\d+)</span>', page)]


def next_link(page: str, word: str) -> str | None:
    """The ``hx-get`` URL of the button or link whose text starts with ``word``."""
    for url, label in re.findall(r'hx-get="([^"]+)"[^>]*>([^<]+)<', page):
        if label.strip().startswith(word):
            return html.unescape(url)
    return None
