// A program built from README.md's examples, as a user writes one: a `@main` type whose `main()` is
// main-actor isolated. CI builds it with warnings as errors, so an example that does not compile in
// a user's program fails CI. `ReadmeExamples --run` runs them all (on this machine only: the HTTP
// examples use the embedded test server on 127.0.0.1); without `--run` it does nothing.
import Parallel

@main
@MainActor
struct ReadmeExamples {
    static func main() async throws {
        await ProcessWorker.serveIfRequested(TaskRegistry([Square.self, SumOfSquares.self, Hang.self, GiveUp.self, SumShared.self]))
        guard CommandLine.arguments.contains("--run") else { return }

        try await processMap()
        try await processRun()
        try await processSharedArray()
        try await processTimeout()
        try await processCrashReport()
        try await processSubmitAndStream()
        try await processProgress()
        try await parallelProcess()
        try await processPoolService()
        try await processPoolLogger()
        try await processPoolObserved()
        badArguments()

        try futures()
        try futuresMapAndWait()
        try await futuresFromAsyncCode()

        try threads()
        try threadSynchronisation()
        try blockingQueue()
        try await queueBetweenThreadsAndTasks()
        try threadLocalAndTimer()

        try await gatherTuple()
        try await timeoutAndConcurrentMap()
        try await queueAndSemaphore()
        try await generator()
        try await oneThreadLoop()
        try await retryWithBackoff()

        try await fetchAllExample()
        try await sessionExample()
        try await streamExample()
        try await observabilityExample()
        try await borrowedClientExample()

        print("in an actor:", try await ReadmeActor().runAll(), "examples")
        print("caller isolation:", try await CallerIsolation.runAll(), "checks")
        print("caller isolation in an actor:", try await CallerIsolationActor().runAll(), "checks")
    }
}
