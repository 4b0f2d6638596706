"""Background work of households: the demo township's households in the embedded mode."""

from __future__ import annotations

from services.intake.households.demo import load_demo_data
from shared.runtime.tasks import demo_data

demo_data(load_demo_data)
