"""Python peer for `par bench http`: the seed's aiohttp example and a throughput run, against the
server whose base URL is the first argument (the Swift bench starts it in-process).

Usage: http_bench.py BASE_URL REQUESTS CONNECTIONS [--throughput-only]
Prints one JSON object of numbers; {"aiohttp_missing": 1} when aiohttp is not installed. The
throughput run warms its connections up first (one request per connection), as the Swift side does;
--throughput-only skips the seed scenario (par bench runs this script once per round).
"""
import asyncio
import json
import sys
import time

try:
    import aiohttp
except ImportError:
    print(json.dumps({"aiohttp_missing": 1}))
    sys.exit(0)


async def fetch(session, url):
    try:
        async with session.get(url) as response:
            return await response.read()
    except Exception as error:  # the seed's pattern: an error becomes the result
        return error


async def seed(base):
    urls = [f"{base}/delay/1", f"{base}/delay/2", f"{base}/delay/1"]
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        results = await asyncio.gather(*[fetch(session, url) for url in urls])
        elapsed = time.perf_counter() - start
    ok = all(isinstance(result, bytes) for result in results)
    return elapsed, ok


async def throughput(base, requests, connections):
    url = f"{base}/bytes/64"
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*[fetch(session, url) for _ in range(connections)])  # warm up
        start = time.perf_counter()
        results = await asyncio.gather(*[fetch(session, url) for _ in range(requests)])
        elapsed = time.perf_counter() - start
    ok = all(isinstance(result, bytes) and len(result) == 64 for result in results)
    return requests / elapsed, ok


async def main():
    base, requests, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    values = {}
    if "--throughput-only" not in sys.argv[4:]:
        seed_seconds, seed_ok = await seed(base)
        values.update({"seed_s": seed_seconds, "seed_ok": 1 if seed_ok else 0})
    rps, rps_ok = await throughput(base, requests, connections)
    values.update({"requests_per_s": rps, "requests_ok": 1 if rps_ok else 0})
    print(json.dumps(values))


if __name__ == "__main__":
    asyncio.run(main())
