import Foundation
import ParallelHTTP
import ParallelTestServer

extension Demo {
    /// The seed's aiohttp example: three slow GETs at once take as long as the slowest, not their sum;
    /// a URL that fails shows its error as text beside the others.
    ///
    /// Set `PAR_HTTP_URLS` (space- or comma-separated) to fetch those URLs instead of the local server's.
    static let http = Demo(name: "http", summary: "aiohttp: fetch several URLs at once with HTTPSession") {
        let custom = ProcessInfo.processInfo.environment["PAR_HTTP_URLS"].map { value in
            value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        } ?? []
        let server = custom.isEmpty ? try await TestServer.start() : nil
        let urls: [String]
        if let server {
            // Port 1 on loopback: nothing listens there, so it shows a failing URL's error.
            urls = ["/delay/1", "/delay/2", "/delay/1"].map { server.baseURL + $0 } + ["http://127.0.0.1:1/delay/1"]
        } else {
            urls = custom
        }
        let batch = try await fetchAll(urls)
        for (url, result) in zip(urls, batch.results) {
            switch result {
            case .success(let response):
                let text = (try? response.text()) ?? "<\(response.body.count) bytes>"
                print("\(url): \(response.status.code), \(text.count) characters")
            case .failure(let error):
                print("\(url): Error: \(error)")
            }
        }
        print("Completed in \(String(format: "%.2f", Double(batch.elapsed.components.seconds) + Double(batch.elapsed.components.attoseconds) / 1e18)) seconds")
        print("Received \(batch.results.count) responses (\(batch.responses.count) successful)")
        await server?.shutdown()
    }
}
