"""Python peer of `par bench processes`: multiprocessing.Pool and ProcessPoolExecutor, side by side.

Usage: processes.py <map_tasks> <submit_tasks> <startup_repeats>
Prints one JSON object: startup_ms, map_tasks_per_s, submit_tasks_per_s.
"""
import json
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def identity(n):
    return n


def main():
    map_tasks, submit_tasks, repeats = (int(arg) for arg in sys.argv[1:4])

    startups = []
    for _ in range(repeats):
        start = time.perf_counter()
        pool = multiprocessing.Pool(2)
        assert pool.apply(identity, (1,)) == 1
        startups.append(time.perf_counter() - start)
        pool.close()
        pool.join()

    with multiprocessing.Pool(2) as pool:
        pool.map(identity, range(1000))  # warm up
        map_seconds = float("inf")
        for _ in range(3):  # best of three: the machine may be shared
            start = time.perf_counter()
            results = pool.map(identity, range(map_tasks))
            map_seconds = min(map_seconds, time.perf_counter() - start)
            assert results == list(range(map_tasks))

    with ProcessPoolExecutor(2) as executor:
        executor.submit(identity, 0).result()  # warm up
        submit_seconds = float("inf")
        for _ in range(3):  # best of three, as for map
            start = time.perf_counter()
            for i in range(submit_tasks):
                assert executor.submit(identity, i).result() == i
            submit_seconds = min(submit_seconds, time.perf_counter() - start)

    print(json.dumps({
        "startup_ms": statistics.median(startups) * 1000,
        "map_tasks_per_s": map_tasks / map_seconds,
        "submit_tasks_per_s": submit_tasks / submit_seconds,
    }))


if __name__ == "__main__":
    main()
