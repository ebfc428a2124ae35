"""Where opening a library goes: cProfile of ``Library(Settings(index_dir=INDEX))``, by cumulative time.

    .venv/bin/python benchmarks/profile_open.py /tmp/scale/idx-100k
"""

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402

if __name__ == "__main__":
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    Library(Settings(index_dir=Path(sys.argv[1])))
    profile.disable()
    print(f"opened in {time.perf_counter() - start:.2f} s")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
