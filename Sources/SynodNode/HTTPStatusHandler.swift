import NIOCore
import NIOHTTP1
import Prometheus

/// The operator's HTTP endpoints: `/healthz` (the process answers), `/readyz` (it knows a
/// leader and can serve), `/metrics` (Prometheus text) and `/v1/status` (JSON). One request
/// per connection.
final class HTTPStatusHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let driver: NodeDriver
    let registry: PrometheusCollectorRegistry
    var path = ""
    var method = HTTPMethod.GET

    init(driver: NodeDriver, registry: PrometheusCollectorRegistry) {
        self.driver = driver
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = String(head.uri.prefix { $0 != "?" })
            method = head.method
        case .body:
            break
        case .end:
            route(context: context)
        }
    }

    func route(context: ChannelHandlerContext) {
        guard method == .GET || method == .HEAD else {
            return respond(.methodNotAllowed, "only GET\n", context: context)
        }
        switch path {
        case "/healthz":
            respond(.ok, "ok\n", context: context)
        case "/metrics":
            respond(.ok, registry.emitToString(), type: "text/plain; version=0.0.4", context: context)
        case "/readyz", "/v1/status":
            let driver = self.driver
            let isStatus = path == "/v1/status"
            let future = driver.loop.submit { () -> (HTTPResponseStatus, String) in
                if isStatus { return (.ok, StatusReport.json(driver)) }
                return StatusReport.notReadyReason(driver).map { (.serviceUnavailable, $0 + "\n") } ?? (.ok, "ready\n")
            }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let (status, body)):
                    handler.respond(status, body, type: isStatus ? "application/json" : "text/plain", context: context)
                case .failure(let error):
                    handler.respond(.serviceUnavailable, "\(error)\n", context: context)
                }
            }
        default:
            respond(.notFound, "not found; try /healthz, /readyz, /metrics or /v1/status\n", context: context)
        }
    }

    func respond(
        _ status: HTTPResponseStatus,
        _ body: String,
        type: String = "text/plain",
        context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        if method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
