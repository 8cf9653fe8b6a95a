"""Python peer of `par bench payloads`: structs and bulk bytes through multiprocessing.Pool.

Usage: payloads.py <map_tasks> <bulk_mib> [all|map|bulk]
Prints one JSON object: struct_map_tasks_per_s, bulk_mb_per_s (MiB of input per second, there and
back, of one task whose input is pickled `bytes`), verified (1 when every result was right).

`map` times three maps (five in `all`) after an untimed one of the same size, and skips the
bulk task; `bulk` skips the map. `par bench` runs `bulk` once and `map` after each round of its
own three timed maps, so that both sides meet the same moments of a shared machine.
"""
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float
    z: float
    label: str


def point_sum(point):
    return point.x + point.y + point.z


def echo(value):
    return value


def main():
    map_tasks, bulk_mib = (int(arg) for arg in sys.argv[1:3])
    mode = sys.argv[3] if len(sys.argv) > 3 else "all"
    verified = True
    output = {}

    if mode in ("all", "map"):
        points = [Point(float(i), i * 0.5, -1.0, f"p{i % 100}") for i in range(map_tasks)]
        expected = [point_sum(p) for p in points]
        with multiprocessing.Pool(2) as pool:
            pool.map(point_sum, points if mode == "map" else points[:1000])  # warm up
            map_seconds = float("inf")
            for _ in range(5 if mode == "all" else 3):  # the machine may be shared: best of several
                start = time.perf_counter()
                results = pool.map(point_sum, points)
                map_seconds = min(map_seconds, time.perf_counter() - start)
                verified = verified and results == expected
        output["struct_map_tasks_per_s"] = map_tasks / map_seconds
        if mode == "map":
            print(json.dumps({**output, "verified": 1 if verified else 0}))
            return

    payload = os.urandom(bulk_mib << 20)
    with multiprocessing.Pool(1) as pool:
        pool.apply(echo, (payload,))  # warm up at full size, as the Swift side does
        bulk_seconds = float("inf")
        for _ in range(8):  # best of eight, as the Swift side
            start = time.perf_counter()
            back = pool.apply(echo, (payload,))
            bulk_seconds = min(bulk_seconds, time.perf_counter() - start)
            verified = verified and back == payload

    print(json.dumps({
        **output,
        "bulk_mb_per_s": bulk_mib / bulk_seconds,
        "verified": 1 if verified else 0,
    }))


if __name__ == "__main__":
    main()
