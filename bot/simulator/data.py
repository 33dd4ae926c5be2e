"""The simulated account's agents: a built-in demo set, a seeded generator, or a JSON file.

Every source yields the same thing, ``SeedAgent``: the agent in the wire (details) form
plus the simulator-only facts the wire never carries. In a file those facts are keys that
start with ``_`` (today only ``_powered_on``); they are stripped before anything is served.
Generated values (UUIDs, keys, dates) come from a ``random.Random(seed)`` and the start
time, so two simulators with the same seed serve the same account.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.simulator.wire import ms_date

REGIONS = ("DFW", "ORD", "IAD", "HKG", "SYD")
MAX_GENERATED_AGENTS = 100_000
POWERED_ON_KEY = "_powered_on"
AGENT_VERSION = "1.36.007802"


@dataclass(frozen=True)
class SeedAgent:
    """One agent as the simulator starts it. ``wire["Status"]`` is the status at start."""

    agent_id: int
    wire: dict[str, object]
    powered_on: bool = True


@dataclass(frozen=True)
class _Spec:
    """The facts that make an agent recognisable; the rest is generated."""

    agent_id: int
    name: str
    datacenter: str
    ip: str
    os: tuple[str, str]
    vault: str
    backup_age_hours: float | None
    agent_version: str = AGENT_VERSION
    disabled: bool = False
    encrypted: bool = False
    online: bool = False
    powered_on: bool = True
    exponent: int | str = 10001


_UBUNTU_22 = ("Ubuntu", "22.04")
_BUILTIN: tuple[_Spec, ...] = (
    _Spec(310201, "web1", "DFW", "203.0.113.10", _UBUNTU_22, "35.3 MB", 6, online=True),
    _Spec(310202, "web2", "DFW", "203.0.113.11", _UBUNTU_22, "34.9 MB", 7),
    _Spec(310205, "db1", "DFW", "203.0.113.20", ("Debian", "12"), "2 GB", 30, online=True),
    _Spec(
        310211,
        "app-win1",
        "DFW",
        "203.0.113.30",
        ("Windows Server 2019", ""),
        "1.4 GB",
        50,
        exponent="010001",
    ),
    _Spec(310214, "build-runner", "DFW", "203.0.113.40", _UBUNTU_22, "512 MB", 400, disabled=True),
    _Spec(310220, "staging-api", "DFW", "203.0.113.50", ("Ubuntu", "24.04"), "0 KB", None),
    _Spec(
        310223,
        "reporting-old",
        "DFW",
        "203.0.113.60",
        ("CentOS", "7"),
        "8.7 GB",
        900,
        agent_version="1.32.006903",
        powered_on=False,
    ),
    _Spec(
        310230, "files-encrypted", "DFW", "203.0.113.70", _UBUNTU_22, "118.2 GB", 20, encrypted=True
    ),
    _Spec(420117, "ord-web1", "ORD", "198.51.100.10", _UBUNTU_22, "35.1 MB", 5),
    _Spec(
        420118,
        "ord-db1",
        "ORD",
        "198.51.100.20",
        ("Red Hat Enterprise Linux", "9.3"),
        "5.6 GB",
        26,
    ),
    _Spec(530402, "iad-cache1", "IAD", "198.51.100.30", ("Debian", "11"), "210.4 MB", 12),
    _Spec(640018, "hkg-edge1", "HKG", "198.51.100.40", ("Ubuntu", "20.04"), "88 MB", 40),
    _Spec(750093, "syd-web1", "SYD", "198.51.100.50", ("Windows Server 2022", ""), "3.1 GB", 60),
)

_GENERATED_OS = (_UBUNTU_22, ("Ubuntu", "24.04"), ("Debian", "12"), ("Windows Server 2019", ""))
_REGION_WEIGHTS = (6, 1, 1, 1, 1)  # most agents in DFW, the default region
_DOC_NETWORKS = ("203.0.113", "198.51.100", "192.0.2")


def files_account(tenant_id: str) -> str:
    """The Cloud Files account that holds the backups, derived so it is stable per tenant."""
    return f"MossoCloudFS_{uuid.uuid5(uuid.NAMESPACE_URL, tenant_id)}"


def load_agents(
    *,
    tenant_id: str,
    now: datetime,
    seed: int,
    agents_file: Path | None = None,
    agents_count: int | None = None,
) -> list[SeedAgent]:
    """The agents to serve: from ``agents_file``, else ``agents_count`` generated, else built-in."""
    if agents_file is not None:
        return read_agents_file(agents_file)
    rng = random.Random(seed)
    specs = _BUILTIN if agents_count is None else _generated_specs(agents_count, rng)
    return [_seed_from_spec(spec, tenant_id, now, rng) for spec in specs]


def read_agents_file(path: Path) -> list[SeedAgent]:
    """Agents from a JSON list in the details form; field values are served verbatim."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON list of agent objects")
    seeds = [_seed_from_entry(entry, f"{path}[{index}]") for index, entry in enumerate(entries)]
    ids = [seed.agent_id for seed in seeds]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate MachineAgentId")
    return seeds


def _seed_from_entry(entry: object, where: str) -> SeedAgent:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object")
    agent_id = entry.get("MachineAgentId")
    if isinstance(agent_id, bool) or not isinstance(agent_id, int | str):
        raise ValueError(f"{where}: MachineAgentId must be an integer")
    if not isinstance(entry.get("Datacenter"), str):
        raise ValueError(f"{where}: Datacenter must be a string")
    powered_on = entry.get(POWERED_ON_KEY, True)
    if not isinstance(powered_on, bool):
        raise ValueError(f"{where}: {POWERED_ON_KEY} must be true or false")
    try:
        numeric_id = int(agent_id)
    except ValueError:
        raise ValueError(f"{where}: MachineAgentId must be an integer") from None
    wire = {key: value for key, value in entry.items() if not key.startswith("_")}
    return SeedAgent(agent_id=numeric_id, wire=wire, powered_on=powered_on)


def _generated_specs(count: int, rng: random.Random) -> list[_Spec]:
    if not 0 <= count <= MAX_GENERATED_AGENTS:
        raise ValueError(f"agents_count must be between 0 and {MAX_GENERATED_AGENTS}")
    ids = sorted(rng.sample(range(100_000, 1_000_000), count))
    regions = rng.choices(REGIONS, weights=_REGION_WEIGHTS, k=count)
    return [
        _Spec(
            agent_id=agent_id,
            name=f"agent-{index:05d}",
            datacenter=region,
            ip=f"{_DOC_NETWORKS[index // 254 % 3]}.{index % 254 + 1}",
            os=rng.choice(_GENERATED_OS),
            vault=f"{rng.uniform(0.1, 999.9):.1f} MB",
            backup_age_hours=None if rng.random() < 0.05 else rng.uniform(1, 240),
            disabled=rng.random() < 0.05,
            encrypted=rng.random() < 0.2,
            online=rng.random() < 0.1,
            powered_on=rng.random() >= 0.03,
        )
        for index, (agent_id, region) in enumerate(zip(ids, regions, strict=True), start=1)
    ]


def _seed_from_spec(spec: _Spec, tenant_id: str, now: datetime, rng: random.Random) -> SeedAgent:
    host_server_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    age = spec.backup_age_hours
    last_backup = None if age is None else ms_date(now - timedelta(hours=age))
    container = (
        f"https://storage101.{spec.datacenter.lower()}1.clouddrive.com/v1/"
        f"{files_account(tenant_id)}/CloudBackup_v2_0_{host_server_id}"
    )
    wire: dict[str, object] = {
        "AgentVersion": spec.agent_version,
        "Architecture": "64-bit",
        "BackupContainer": container,
        "BackupDatacenter": "None" if age is None else spec.datacenter,
        "BackupVaultSize": spec.vault,
        "CleanupAllowed": True,
        "Datacenter": spec.datacenter,
        "Flavor": "RaxCloudServer",
        "HostServerId": host_server_id,
        "IPAddress": spec.ip,
        "IsDisabled": spec.disabled,
        "IsEncrypted": spec.encrypted,
        "MachineAgentId": spec.agent_id,
        "MachineName": spec.name,
        "OperatingSystem": spec.os[0],
        "OperatingSystemVersion": spec.os[1],
        "PublicKey": {"ExponentHex": spec.exponent, "ModulusHex": f"{rng.getrandbits(1024):0256x}"},
        "Status": "Online" if spec.online and not spec.disabled and spec.powered_on else "Offline",
        "TimeOfLastSuccessfulBackup": last_backup,
        "UseFailoverUri": False,
        "UseServiceNet": True,
    }
    return SeedAgent(agent_id=spec.agent_id, wire=wire, powered_on=spec.powered_on)
