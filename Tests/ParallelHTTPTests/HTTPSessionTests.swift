import Testing
@testable import ParallelHTTP
import ParallelTestServer
