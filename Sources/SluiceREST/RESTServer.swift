import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle
import SluiceRuntime
import SluiceSupport

/// The worker's REST API (Kafka Connect's contract plus `/metrics`), as a `Service`.
///
/// Every request passes `RequestMiddleware` (authentication, roles, error bodies, request log)
/// and then one of the route groups: `ConnectorRoutes` (connector lifecycle) or `WorkerRoutes`
/// (server info, health, plugins, loggers, metrics). The OpenAPI description is `docs/openapi.json`.
public struct RESTServer: Service {
    let settings: RESTSettings
    let application: Application<RouterResponder<SluiceRequestContext>>

    /// - Parameters:
    ///   - onListening: called with the bound port once the server accepts connections.
    public init(
        settings: RESTSettings, herder: StandaloneHerder, kafkaClusterID: String, levels: LogLevels,
        metrics: PrometheusCollectorRegistry, readiness: AtomicFlag, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.settings = settings
        RESTLimits.maxBodyBytes = settings.maxRequestBytes
        let authenticator = try settings.credentialsFile.map { try Authenticator(file: $0) }
        let router = Router(context: SluiceRequestContext.self)
        router.add(middleware: RequestMiddleware(authenticator: authenticator, audit: herder.audit, logger: logger))
        ConnectorRoutes(herder: herder).register(on: router)
        ResidencyRoutes(herder: herder).register(on: router)
        AuditRoutes(audit: herder.audit).register(on: router)
        WorkerRoutes(herder: herder, kafkaClusterID: kafkaClusterID, levels: levels, metrics: metrics, readiness: readiness)
            .register(on: router)
        var server = HTTPServerBuilder.http1()
        if settings.tlsEnabled, let certificate = settings.tlsCertificateFile, let key = settings.tlsKeyFile {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                server = try .tls(
                    .http1(),
                    tlsConfiguration: TLSConfiguration.makeServerConfiguration(
                        certificateChain: chain, privateKey: .privateKey(privateKey)))
            } catch {
                throw RESTServerError(
                    message: "cannot load the REST TLS certificate/key (rest.tls.certificate.file, rest.tls.key.file): \(error)")
            }
        }
        application = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "Sluice/\(SluiceVersion.current)"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    public func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError {
            throw RESTServerError(
                message: "the REST API cannot listen on \(settings.scheme)://\(settings.host):\(settings.port) (listeners): "
                    + "\(error.description); another process may hold the port — change listeners or stop it")
        }
    }
}

/// The REST server could not start; the message names the setting to fix.
public struct RESTServerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
