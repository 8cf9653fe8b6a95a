"""Python peer of `par bench futures`: submit+result of N trivial tasks on ThreadPoolExecutor(4).

Usage: futures.py TASKS
Prints one JSON object: {"tasks_per_s": ..., "seconds": ..., "verified": 1 or 0}.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def identity(number):
    return number


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with ThreadPoolExecutor(max_workers=4) as executor:
        executor.submit(identity, 0).result()  # start a thread before timing, as the Swift side does
        start = time.perf_counter()
        futures = [executor.submit(identity, n) for n in range(tasks)]
        total = sum(future.result() for future in futures)
        seconds = time.perf_counter() - start
    verified = 1 if total == tasks * (tasks - 1) // 2 else 0
    print(json.dumps({"tasks_per_s": tasks / seconds, "seconds": seconds, "verified": verified}))


if __name__ == "__main__":
    main()
