"""What a server or worker process does to its garbage collector before it starts work."""

from __future__ import annotations

import json
import subprocess
import sys

from shared.runtime.app import YOUNG_GENERATION_THRESHOLD

# In a process of its own: the test process's collector stays as pytest left it.
PROBE = """
import gc, json
from shared.runtime.app import freeze_heap
before = gc.get_threshold()
freeze_heap()
after = gc.get_threshold()
frozen = gc.get_freeze_count()

class Node:
    pass

a, b = Node(), Node()
a.other, b.other = b, a  # a cycle only the collector frees
del a, b
print(json.dumps({"before": before, "after": after, "frozen": frozen, "collected": gc.collect()}))
"""


def test_freeze_heap_freezes_the_startup_heap_and_raises_only_the_young_threshold():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["frozen"] > 10_000  # modules, models and schemas are out of every later collection
    assert seen["after"] == [YOUNG_GENERATION_THRESHOLD, seen["before"][1], seen["before"][2]]
    assert seen["after"][0] > seen["before"][0]
    assert seen["collected"] >= 2  # cycles made after the freeze are still collected
