// Parallel does not rewrite what swift-async-algorithms already does well: `merge`, `zip`,
// `combineLatest`, `chain`, `chunks`, `debounce`, `throttle`, `AsyncChannel` and the rest. Importing
// Parallel makes them available too, next to the asyncio-style tools here.
@_exported import AsyncAlgorithms
