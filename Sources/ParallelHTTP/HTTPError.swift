import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOHTTPCompression
import NIOSSL

#if canImport(FoundationEssentials)
import struct FoundationEssentials.URL
#else
import struct Foundation.URL
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that can go wrong with an HTTP request, each case saying what happened.
///
/// aiohttp raises a family of exceptions (`InvalidURL`, `ClientConnectorDNSError`,
/// `ClientConnectorError`, `ServerTimeoutError`, `ClientSSLError`, `ClientResponseError`…); here one
/// `Sendable` enum you can `switch` over, thrown as a typed error by every ``HTTPSession`` call and
/// carried in each ``FetchAllResult`` slot. Its ``description`` says what to do about it.
///
/// ```swift
/// do {
///     _ = try await session.get("http://127.0.0.1:1/")
/// } catch .connectionRefused(let host, let port) {
///     print("nothing listens on \(host):\(port)")
/// } catch {
///     print(error)   // e.g. "timed out connecting to …: the server did not accept …"
/// }
/// ```
public enum HTTPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The URL could not be used: `url` as given, `reason` what is wrong with it.
    case badURL(String, reason: String)
    /// The host name did not resolve (aiohttp's `ClientConnectorDNSError`).
    case dnsFailure(host: String, detail: String)
    /// The host resolved, but nothing accepted a connection on that port.
    case connectionRefused(host: String, port: Int)
    /// The connection broke or could not be made for another reason (reset, closed mid-response…).
    case connectionFailed(String)
    /// One of the session's ``HTTPTimeouts`` expired; `url` is the request's.
    case timeout(HTTPTimeouts.Kind, url: String)
    /// The TLS handshake failed (bad or untrusted certificate, a peer that does not speak TLS…).
    case tls(String)
    /// The body is longer than the allowed `limit` in bytes.
    case bodyTooLarge(limit: Int)
    /// A compressed body inflates past ``HTTPSessionConfiguration/maxDecompressedSize`` (`limit`
    /// bytes): a decompression bomb, or a body larger than you allowed.
    case decompressedBodyTooLarge(limit: Int)
    /// The server answered with an error status and the session raises for status
    /// (aiohttp's `ClientResponseError` from `raise_for_status`).
    case status(code: Int, reason: String, url: String)
    /// More redirects than ``HTTPSessionConfiguration/maxRedirects`` (a redirect cycle ends here too).
    case tooManyRedirects(url: String, limit: Int)
    /// The body could not be read as text in the response's charset, or decoded as JSON.
    case undecodableBody(String)
    /// A request body could not be made, e.g. a value `JSONEncoder` rejects.
    case unencodableBody(String)
    /// The session was shut down before or while the request ran.
    case sessionShutDown
    /// The task running the request was cancelled.
    case cancelled

    /// What happened and what to do about it.
    public var description: String {
        switch self {
        case .badURL(let url, let reason):
            return "bad URL '\(url)': \(reason); give an absolute http:// or https:// URL with a host"
        case .dnsFailure(let host, let detail):
            return "could not resolve host '\(host)' (\(detail)); check the spelling and your DNS or network"
        case .connectionRefused(let host, let port):
            return "connection refused by \(host):\(port); is the server running and listening on that port?"
        case .connectionFailed(let detail):
            return "connection failed: \(detail); the server or network dropped it, retrying may help"
        case .timeout(let kind, let url):
            return "timed out (\(kind)) for \(url); the server is slow or unreachable, raise HTTPTimeouts.\(kind) if that is expected"
        case .tls(let detail):
            return "TLS handshake failed: \(detail); check the certificate, or that the server speaks https on that port"
        case .bodyTooLarge(let limit):
            return "the response body is larger than \(limit) bytes; raise maxBodySize or stream it with HTTPSession.stream"
        case .decompressedBodyTooLarge(let limit):
            return "the compressed response body inflates past \(limit) bytes (a decompression bomb?); raise maxDecompressedSize if you trust the server"
        case .status(let code, let reason, let url):
            return "HTTP \(code) \(reason) from \(url)"
        case .tooManyRedirects(let url, let limit):
            return "more than \(limit) redirects (or a redirect cycle) from \(url); raise maxRedirects or fix the URL"
        case .undecodableBody(let detail):
            return "could not decode the response body: \(detail)"
        case .unencodableBody(let detail):
            return "could not make the request body: \(detail); nothing was sent"
        case .sessionShutDown:
            return "the HTTP session was shut down; make requests inside withHTTPSession or before shutdown()"
        case .cancelled:
            return "the request was cancelled because its task was cancelled"
        }
    }
}

extension HTTPError {
    /// The case's name ("timeout", "connectionRefused", …): the `error` label of the failures metric.
    var kind: String {
        switch self {
        case .badURL: "badURL"
        case .dnsFailure: "dnsFailure"
        case .connectionRefused: "connectionRefused"
        case .connectionFailed: "connectionFailed"
        case .timeout: "timeout"
        case .tls: "tls"
        case .bodyTooLarge: "bodyTooLarge"
        case .decompressedBodyTooLarge: "decompressedBodyTooLarge"
        case .status: "status"
        case .tooManyRedirects: "tooManyRedirects"
        case .undecodableBody: "undecodableBody"
        case .unencodableBody: "unencodableBody"
        case .sessionShutDown: "sessionShutDown"
        case .cancelled: "cancelled"
        }
    }

    /// Maps an error thrown by AsyncHTTPClient or SwiftNIO for a request to `url` to the case that says
    /// what happened.
    static func mapping(_ error: any Error, url: String, decompressionLimit: Int = 0) -> HTTPError {
        switch error {
        case NIOHTTPDecompression.DecompressionError.limit:
            return .decompressedBodyTooLarge(limit: decompressionLimit)
        case let error as HTTPError:
            return error
        case is CancellationError:
            return .cancelled
        case let error as HTTPClientError:
            return mapping(error, url: url)
        case let error as NIOConnectionError:
            if let dnsError = error.dnsAError ?? error.dnsAAAAError {
                return .dnsFailure(host: error.host, detail: Self.dnsDetail(dnsError))
            }
            let refused = error.connectionErrors.contains { failure in
                (failure.error as? IOError)?.errnoCode == ECONNREFUSED
            }
            if refused { return .connectionRefused(host: error.host, port: error.port) }
            if error.connectionErrors.contains(where: { Self.isConnectTimeout($0.error) }) {
                return .timeout(.connect, url: url)
            }
            return .connectionFailed("\(error)")
        case let error as SocketAddressError.UnknownHost:
            return .dnsFailure(host: error.host, detail: error.errorDescription)
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            let target = URL(string: url)
            return .connectionRefused(
                host: target?.host ?? url,
                port: target?.port ?? (target?.scheme == "https" ? 443 : 80)
            )
        case let error as ChannelError where Self.isConnectTimeout(error):
            return .timeout(.connect, url: url)
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return .tls(tlsDetail(error))
        case let error as NIOTooManyBytesError:
            return .bodyTooLarge(limit: error.maxBytes ?? 0)
        default:
            return .connectionFailed("\(error)")
        }
    }

    private static func mapping(_ error: HTTPClientError, url: String) -> HTTPError {
        switch error {
        case .invalidURL: return .badURL(url, reason: "it is not a valid URL")
        case .emptyHost: return .badURL(url, reason: "it has no host")
        case .emptyScheme: return .badURL(url, reason: "it has no scheme")
        case .connectTimeout: return .timeout(.connect, url: url)
        case .readTimeout: return .timeout(.read, url: url)
        case .deadlineExceeded: return .timeout(.total, url: url)
        case .tlsHandshakeTimeout: return .tls("the TLS handshake with the server for \(url) timed out")
        case .alreadyShutdown: return .sessionShutDown
        case .cancelled: return .cancelled
        case .remoteConnectionClosed: return .connectionFailed("the server closed the connection before answering \(url)")
        default:
            if "\(error)".contains("unsupportedScheme") {
                return .badURL(url, reason: "its scheme is not http, https, unix or http+unix")
            }
            return .connectionFailed("\(error) for \(url)")
        }
    }

    private static func isConnectTimeout(_ error: any Error) -> Bool {
        if case ChannelError.connectTimeout = error { return true }
        return false
    }

    /// What went wrong in a TLS handshake, in words: BoringSSL's reason (`WRONG_VERSION_NUMBER`…) said
    /// plainly, without the error codes and source paths NIOSSL's description carries.
    static func tlsDetail(_ error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate is not for the host in the URL"
        }
        let text = "\(error)"
        let reasons = text.split(separator: "OPENSSL_internal:").dropFirst().map { part in
            String(part.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        }
        switch reasons.first {
        case "WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG":
            return "the server did not answer in TLS (is it plain http on that port?)"
        case "CERTIFICATE_VERIFY_FAILED":
            return "the server's certificate is not trusted (self-signed, expired or from an unknown authority)"
        case let reason?:
            return "the TLS library reports " + String(reason.lowercased().map { $0 == "_" ? " " : $0 })
        case nil:
            // No BoringSSL reason (e.g. an unclean shutdown): NIOSSL's case name, without any source path.
            return String(text.prefix { $0 != "(" && $0 != "/" }).trimmingWhitespace().description
        }
    }

    private static func dnsDetail(_ error: any Error) -> String {
        if let unknown = error as? SocketAddressError.UnknownHost { return unknown.errorDescription }
        return "\(error)"
    }
}

extension HTTPError {
    /// Whether a fresh attempt of an idempotent request may succeed: refused or broken connections and
    /// connect timeouts. DNS, TLS, URL and body errors would fail again the same way.
    var isRetryableTransportError: Bool {
        switch self {
        case .connectionRefused, .connectionFailed, .timeout(.connect, _): return true
        default: return false
        }
    }
}
