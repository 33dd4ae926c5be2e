"""Reading the bot's ``/metrics`` the way Prometheus does: over HTTP, parsed by the library.

The exposition is parsed with ``prometheus_client.parser``, never with a regex of our own,
so what the tests check is what a Prometheus server would store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families

ALLOWED_LABELS = frozenset(
    {"kind", "name", "outcome", "pool", "operation", "status", "result", "method", "condition"}
)
"""Every label the bot may use (plus the histograms' ``le``): none names a user or a place."""


@dataclass(frozen=True)
class Scrape:
    text: str
    families: dict[str, str]
    """Family name -> type (counter, histogram, gauge)."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, metric: str, /, **labels: str) -> float:
        """The sum of the samples named ``metric`` whose labels include ``labels``."""
        wanted = set(labels.items())
        return sum(
            value
            for (sample, sample_labels), value in self.samples.items()
            if sample == metric and wanted <= sample_labels
        )

    def series(self, name: str) -> Iterator[dict[str, str]]:
        for sample, labels in self.samples:
            if sample == name:
                yield dict(labels)

    def has_sample_name(self, name: str) -> bool:
        """A name an expression may use: a family, or a family with its type's suffix."""
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
        for family, kind in self.families.items():
            if name == family or name in {family + s for s in suffixes.get(kind, ())}:
                return True
        return False


def parse(text: str) -> Scrape:
    families: dict[str, str] = {}
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(text, families, samples)


def scrape(base_url: str) -> Scrape:
    response = requests.get(base_url + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(response.text)


def delta(after: Scrape, before: Scrape, metric: str, /, **labels: str) -> float:
    return after.value(metric, **labels) - before.value(metric, **labels)


def assert_bounded_and_clean(found: Scrape, forbidden: list[str]) -> None:
    """Only the bot's own label names, and none of ``forbidden`` (ids, secrets) anywhere."""
    for (name, labels), _value in found.samples.items():
        if not name.startswith("backup_bot_"):
            continue
        names = {label for label, _ in labels} - {"le"}
        assert names <= ALLOWED_LABELS, f"{name} has unexpected labels {names - ALLOWED_LABELS}"
    for text in forbidden:
        if text:
            assert text not in found.text, f"the exposition shows {text[:6]}…"
