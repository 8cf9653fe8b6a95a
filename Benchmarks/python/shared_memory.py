"""Python peer of `par bench shared`: a multiprocessing.shared_memory.SharedMemory handed to a worker.

Usage: shared_memory.py <mib>
Prints one JSON object: handover_ms (median of 20 round trips of a task that attaches the block by
name and returns its size, touching none of it), sum_gib_per_s (a worker summing the block as
doubles), verified (1 when every result was right).
"""
import json
import multiprocessing
import statistics
import struct
import sys
import time
from multiprocessing import shared_memory


def attach(name):
    # A forked worker shares the parent's resource tracker, which the parent's unlink settles.
    block = shared_memory.SharedMemory(name=name)
    size = block.size
    block.close()
    return size


def total(name, count):
    block = shared_memory.SharedMemory(name=name)
    doubles = block.buf[: count * 8].cast("d")
    result = sum(doubles)
    doubles.release()
    block.close()
    return result


def main():
    mib = int(sys.argv[1])
    count = (mib << 20) // 8
    block = shared_memory.SharedMemory(create=True, size=count * 8)
    try:
        # 0, 1, …, 1023 repeated: an exact sum.
        pattern = struct.pack("1024d", *range(1024))
        block.buf[: count * 8] = pattern * (count // 1024)
        expected = (count // 1024) * sum(range(1024))
        verified = True
        with multiprocessing.Pool(1) as pool:
            pool.apply(attach, (block.name,))  # warm up
            times = []
            for _ in range(20):
                start = time.perf_counter()
                size = pool.apply(attach, (block.name,))
                times.append(time.perf_counter() - start)
                verified = verified and size >= count * 8
            start = time.perf_counter()
            result = pool.apply(total, (block.name, count))
            sum_seconds = time.perf_counter() - start
            verified = verified and result == expected
    finally:
        block.close()
        block.unlink()
    print(json.dumps({
        "handover_ms": statistics.median(times) * 1e3,
        "sum_gib_per_s": (count * 8 / (1 << 30)) / sum_seconds,
        "verified": 1 if verified else 0,
    }))


if __name__ == "__main__":
    main()
