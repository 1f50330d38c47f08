"""Fixtures every figure test shares: pyplot on the Agg backend (figures closed after each test) and the twin's
vetting inputs (built once per test module)."""

from __future__ import annotations

import pytest
from plot_inputs import twin_data


@pytest.fixture(scope="module")
def twin():
    return twin_data()


@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")
