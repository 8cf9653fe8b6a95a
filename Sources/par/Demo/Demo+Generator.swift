import Parallel

extension Demo {
    /// The seed's async generator example: five values, 0.5 s apart, consumed with `for await`.
    static let generator = Demo(name: "generator", summary: "an async generator of five values, 0.5 s apart") {
        let values = AsyncGenerator<Int, any Error> { yield in
            for i in 0..<5 {
                try await Task.sleep(for: .milliseconds(500))
                try await yield(i)
            }
        }
        for try await value in values {
            print("Received value: \(value)")
        }
    }
}
