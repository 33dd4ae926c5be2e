"""How the real services put JSON on the wire, quirks included.

Rackspace Identity and Cloud Backup both escape every ``/`` inside JSON strings
(``"https:\\/\\/..."``, ``"\\/Date(1357817400000)\\/"``). Escaping after ``json.dumps`` is
safe because a ``/`` can only occur inside a JSON string, where ``\\/`` is a legal escape.
"""

from __future__ import annotations

import json
from datetime import datetime

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# A 200 body that no JSON parser accepts: truncated mid-object, as a cut connection would leave it.
BROKEN_JSON = b'[{"MachineAgentId": 1, "MachineName": "trunc'


def encode_json(payload: object) -> bytes:
    """Serialise like the real services: compact, non-ASCII escaped, slashes escaped."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def ms_date(moment: datetime) -> str:
    """A Microsoft JSON date (``/Date(ms)/``, UTC milliseconds) as the decoded string."""
    return f"/Date({round(moment.timestamp() * 1000)})/"


def iso_millis(moment: datetime) -> str:
    """Identity's expiry format: ISO 8601, milliseconds, ``Z`` for UTC (aware ``moment``)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
