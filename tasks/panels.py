"""Extension point of the data-point page. `tasks` draws the page but cannot import
the apps above it, so they register panels here (in their AppConfig.ready): each
provider returns the panels it has for a data point, already scoped to the user.

A panel is a template to include with its context, plus optional timeline highlights
(master-clock spans the timeline shades, e.g. where a finding is)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pods.models import Person
from tasks.models import DataPoint


@dataclass(frozen=True)
class Highlight:
    start_ms: float
    end_ms: float
    label: str
    severity: str = "warning"


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    highlights: tuple[Highlight, ...] = ()
    order: int = 100


PanelProvider = Callable[[Person, DataPoint], list[Panel]]
_providers: dict[str, PanelProvider] = {}


def register_datapoint_panels(name: str, provider: PanelProvider) -> None:
    """Register (or replace, by name) a provider of data-point panels."""
    _providers[name] = provider


def datapoint_panels(*, user: Person, datapoint: DataPoint) -> list[Panel]:
    panels = [panel for provider in _providers.values() for panel in provider(user, datapoint)]
    return sorted(panels, key=lambda panel: panel.order)
