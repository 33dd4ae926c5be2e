"""``python -m bench.soak``: SOAK_MINUTES (default 10), SOAK_SEED (printed; replays a run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.soak.checks import Report
from bench.soak.plan import plan_from_environment
from bench.soak.run import run_soak, write_json

RESULTS = Path(__file__).resolve().parents[1] / "soak-results.json"
"""Where the JSON goes; SOAK_RESULTS names another file (the short test's)."""

ROWS = (
    ("commands and clicks sent", "commands_sent"),
    ("acked (HTTP 200)", "acked"),
    ("acked within 3 s", "acked_within_3s"),
    ("not acked (bot down or stopping)", "not_acked_bot_down_or_stopping"),
    ("answered", "answered"),
    ("acked, answer lost to SIGKILL (not owed)", "acked_lost_to_sigkill"),
    ("ack p99 (s)", "ack_p99_s"),
    ("wake-ups asked", "wakeups_asked"),
    ("wake-ups owed a follow-up (acked)", "wakeups_owed"),
    ("follow-ups delivered exactly once", "followups_exactly_once"),
    ("follow-ups missing", "followups_missing"),
    ("duplicates", "followup_duplicates"),
    ("crash-edge duplicates (SIGKILL, at-least-once)", "followup_crash_edge_duplicates"),
    ("follow-ups delivered though not owed", "followups_delivered_not_owed"),
    ("incidents opened", "incidents_opened"),
    ("incidents posted once", "incidents_posted_once"),
    ("incidents posted twice", "incidents_posted_twice"),
    ("crash-edge incident reposts", "incident_crash_edge_reposts"),
    ("incidents resolved", "incidents_resolved"),
    ("bot starts (generations)", "generations"),
    ("SIGTERMs / SIGKILLs", None),
    ("peak / final RSS (MiB)", None),
    ("peak / final threads", None),
    ("messages recorded", "messages_recorded"),
    ("messages over a Block Kit limit", "messages_over_block_kit_limits"),
    ("messages with a secret", "messages_with_a_secret"),
    ("secret hits in the bot's logs", "log_secret_hits"),
)


def table(report: Report) -> str:
    f = report.figures
    lines = ["| invariant / figure | value |", "|---|---|"]
    for label, key in ROWS:
        if key is not None:
            value = f.get(key, "—")
        elif label.startswith("SIGTERMs"):
            value = f"{f.get('sigterms', 0)} / {f.get('sigkills', 0)}"
        elif "RSS" in label:
            value = f"{f.get('peak_rss_mib', 0)} / {f.get('final_rss_mib', 0)}"
        else:
            value = f"{f.get('peak_threads', 0)} / {f.get('final_threads', 0)}"
        lines.append(f"| {label} | {value} |")
    faults = ", ".join(f"{k} {v}" for k, v in sorted(f.get("faults", {}).items()))
    lines.append(f"| faults injected | {faults} |")
    return "\n".join(lines)


def main() -> int:
    plan = plan_from_environment()
    print(
        f"soak: seed {plan.seed} (SOAK_SEED={plan.seed} replays it), {plan.seconds / 60:g} minutes",
        flush=True,
    )
    results = Path(os.environ.get("SOAK_RESULTS", "").strip() or RESULTS)
    report = run_soak(plan, announce=lambda line: print(line, flush=True))
    write_json(report, results)
    print(table(report))
    print(f"soak: results in {results}")
    if report.broken:
        for invariant, examples in sorted(report.broken.items()):
            print(f"INVARIANT BROKEN: {invariant}")
            for example in examples:
                print(f"    {example}")
        return 1
    print("soak: every invariant held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
