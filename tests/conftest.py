"""Settings of the whole suite.

Hubs started by the tests translate through an APy server of each test process's own
(`[translation.apertium] own_server`, started at the first translation and shared by every hub
of the process), as the demo does: the `apertium` command starts some ten processes per text.
The command's own path is tested by tests/hub/translate/test_apertium.py, which builds its
translators without this setting."""

from __future__ import annotations

import os

os.environ.setdefault("HUB_TRANSLATION__APERTIUM__OWN_SERVER", "true")
