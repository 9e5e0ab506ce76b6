"""One generated dataset per module: generation is pure and deterministic, so the
tests read the same records instead of building them again."""

import pytest

from demo.scenes.cast import PROJECTS_BY_KEY
from demo.scenes.dataset import build_dataset
from demo.scenes.ontologies import ONTOLOGIES

SEED, DATAPOINTS, CALIBRATION = 11, 300, 12


@pytest.fixture(scope="session")
def dataset() -> dict[str, list[dict]]:
    return build_dataset(seed=SEED, datapoints=DATAPOINTS, calibration=CALIBRATION)


@pytest.fixture(scope="session")
def records(dataset) -> list[tuple[str, dict]]:
    """(project key, record) for every data point, calibration rounds included."""
    return [(key, record) for key, found in dataset.items() for record in found]


@pytest.fixture(scope="session")
def everyday(dataset) -> dict[str, list[dict]]:
    """Per project, the data points outside the calibration rounds."""
    return {
        key: [record for record in found if not record["is_calibration"]]
        for key, found in dataset.items()
    }


@pytest.fixture(scope="session")
def clean(records) -> list[tuple[str, dict]]:
    return [(key, record) for key, record in records if not record["meta"]["injected"]]


def context(key: str) -> tuple[dict, dict]:
    """(ontology, rules) of a project."""
    return ONTOLOGIES[key], PROJECTS_BY_KEY[key].rules
