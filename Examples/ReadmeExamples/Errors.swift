import Parallel

/// README, "Errors and bad arguments".
@MainActor
func badArguments() {
    do { _ = try ProcessPool(workers: 0) }
    catch let error as InvalidArgumentError { print(error) }   // workers must be at least 1 (got 0)
    catch { print(error) }
}
