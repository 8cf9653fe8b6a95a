"""Python peer of `par bench async`: asyncio.gather, Semaphore, Queue and an async generator.

Usage: asyncio_bench.py GATHER SEMAPHORE_OPS CONTENDED_TASKS CONTENDED_OPS QUEUE_ITEMS GENERATOR_ITEMS
Prints one JSON object of numbers (operations per second, best of three runs).
"""
import asyncio
import json
import sys
import time


async def suspend_once(i):
    await asyncio.sleep(0)
    return i


async def bench_gather(n):
    start = time.perf_counter()
    results = await asyncio.gather(*(suspend_once(i) for i in range(n)))
    elapsed = time.perf_counter() - start
    assert sum(results) == n * (n - 1) // 2
    return n / elapsed


async def bench_semaphore_uncontended(n):
    sem = asyncio.Semaphore(1)
    start = time.perf_counter()
    for _ in range(n):
        await sem.acquire()
        sem.release()
    return n / (time.perf_counter() - start)


async def bench_semaphore_contended(tasks, ops):
    sem = asyncio.Semaphore(4)
    inside = 0
    peak = 0

    async def worker():
        nonlocal inside, peak
        for _ in range(ops):
            async with sem:
                inside += 1
                peak = max(peak, inside)
                await asyncio.sleep(0)
                inside -= 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    elapsed = time.perf_counter() - start
    assert peak <= 4
    return tasks * ops / elapsed


async def bench_queue(n):
    queue = asyncio.Queue(maxsize=1000)

    async def producer():
        for i in range(n):
            await queue.put(i)

    async def consumer():
        total = 0
        for _ in range(n):
            total += await queue.get()
        return total

    start = time.perf_counter()
    _, total = await asyncio.gather(producer(), consumer())
    elapsed = time.perf_counter() - start
    assert total == n * (n - 1) // 2
    return n / elapsed


async def bench_queue_same_task(n):
    queue = asyncio.Queue(maxsize=1000)
    total = 0
    start = time.perf_counter()
    for batch in range(0, n, 1000):
        for i in range(batch, batch + 1000):
            await queue.put(i)
        for _ in range(1000):
            total += await queue.get()
    elapsed = time.perf_counter() - start
    assert total == n * (n - 1) // 2
    return n / elapsed


async def numbers(n):
    for i in range(n):
        yield i


async def bench_generator(n):
    start = time.perf_counter()
    total = 0
    async for value in numbers(n):
        total += value
    elapsed = time.perf_counter() - start
    assert total == n * (n - 1) // 2
    return n / elapsed


def best(make, runs=3):
    return max(asyncio.run(make()) for _ in range(runs))


def main():
    gather_n, sem_n, contended_tasks, contended_ops, queue_n, gen_n = (int(a) for a in sys.argv[1:7])
    print(json.dumps({
        "gather_ops_per_s": best(lambda: bench_gather(gather_n)),
        "semaphore_uncontended_ops_per_s": best(lambda: bench_semaphore_uncontended(sem_n)),
        "semaphore_contended_ops_per_s": best(lambda: bench_semaphore_contended(contended_tasks, contended_ops)),
        "queue_items_per_s": best(lambda: bench_queue(queue_n)),
        "queue_same_task_items_per_s": best(lambda: bench_queue_same_task(queue_n)),
        "generator_items_per_s": best(lambda: bench_generator(gen_n)),
    }))


if __name__ == "__main__":
    main()
