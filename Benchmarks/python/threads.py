"""Python peer for `par bench threads`: queue.Queue put/get throughput between two threads.

Usage: threads.py ITEMS  -> prints {"queue_items_per_s": ..., "queue_sum_ok": 0 or 1}
"""
import json
import queue
import sys
import threading
import time


def main() -> None:
    items = int(sys.argv[1])
    q = queue.Queue(maxsize=1024)
    totals = []

    def consume() -> None:
        total = 0
        for _ in range(items):
            total += q.get()
        totals.append(total)

    start = time.perf_counter()
    consumer = threading.Thread(target=consume)
    consumer.start()
    for item in range(items):
        q.put(item)
    consumer.join()
    elapsed = time.perf_counter() - start
    ok = totals == [items * (items - 1) // 2]
    print(json.dumps({"queue_items_per_s": items / elapsed, "queue_sum_ok": 1.0 if ok else 0.0}))


if __name__ == "__main__":
    main()
