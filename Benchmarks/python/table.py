"""Python peer for `par bench table`: the seed's comparison table, measured.

Usage: table.py KIND APPROACH SIZE [PARTS]
  KIND=cpu: sum((i*i) % 1000003 for i in range(SIZE)), split into PARTS pieces
            APPROACH in sequential | threads | processes
  KIND=io:  PARTS sleeps of SIZE milliseconds
            APPROACH in sequential | threads | asyncio
Prints one JSON object: seconds (wall), cpu_seconds (this process and its reaped children),
peak_mib (memory the approach added: growth of this process's resident set, plus the largest
worker process if any), result.
"""
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import resource
import sys
import time

MODULUS = 1000003


def sum_squares(bounds):
    lo, hi = bounds
    return sum((i * i) % MODULUS for i in range(lo, hi))


def pieces(size, parts):
    step = -(-size // parts)
    return [(lo, min(size, lo + step)) for lo in range(0, size, step)]


def io_sleep(ms):
    time.sleep(ms / 1000)
    return 1


async def io_async(ms):
    await asyncio.sleep(ms / 1000)
    return 1


def cpu_seconds():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def resident_mib():
    # The current resident set (ru_maxrss is no use here: Linux carries it over from the process
    # that spawned this one).
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1048576.0


def children_peak_mib():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def main():
    kind, approach, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parts = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    cpu0 = cpu_seconds()
    rss0 = resident_mib()
    start = time.perf_counter()
    if kind == "cpu":
        work = pieces(size, parts)
        if approach == "sequential":
            result = sum(map(sum_squares, work))
        elif approach == "threads":
            with concurrent.futures.ThreadPoolExecutor(parts) as ex:
                result = sum(ex.map(sum_squares, work))
        elif approach == "processes":
            with multiprocessing.Pool(parts) as pool:
                result = sum(pool.map(sum_squares, work))
        else:
            raise SystemExit(f"unknown approach {approach}")
    elif kind == "io":
        if approach == "sequential":
            result = sum(io_sleep(size) for _ in range(parts))
        elif approach == "threads":
            with concurrent.futures.ThreadPoolExecutor(parts) as ex:
                result = sum(ex.map(io_sleep, [size] * parts))
        elif approach == "asyncio":
            async def run():
                return sum(await asyncio.gather(*(io_async(size) for _ in range(parts))))
            result = asyncio.run(run())
        else:
            raise SystemExit(f"unknown approach {approach}")
    else:
        raise SystemExit(f"unknown kind {kind}")
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu0,
        "peak_mib": max(0.0, resident_mib() - rss0) + (children_peak_mib() if approach == "processes" else 0.0),
        "result": float(result),
    }))


if __name__ == "__main__":
    main()
