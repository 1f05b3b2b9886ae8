from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Api
from tests.explorer.helpers import ADMIN, Explorer


@pytest.fixture
def explorer(make_api: Callable[..., Api]) -> Explorer:
    """An app with the admin API (and so the explorer), signed in."""
    session = Explorer(make_api(admin=True, admin_token=ADMIN))
    assert session.sign_in().status_code == 303
    return session
