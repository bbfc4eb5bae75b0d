import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import SluiceKafka
import SluicePostgres

/// Checks the region a location claims with the provider, per kind (DESIGN.md §2):
///
/// - **s3**: GetBucketLocation (verified); a store that reports none (SeaweedFS, MinIO) falls
///   back to the bucket tag `residency` (attested), else declared.
/// - **kafka**: the cluster id the brokers report must equal `cluster.id` pinned in the location
///   (verified; another id is a mismatch); without a pin, a topic name containing the region is
///   an attestation, else declared.
/// - **postgres**: the database-level setting `sluice.region` (`ALTER DATABASE … SET sluice.region
///   = '…'`), read from `pg_db_role_setting` on a fresh connection: verified when the connecting
///   role cannot change it, attested when it can; unset is declared. A superuser can change it;
///   so can a member of the database owner on Postgres < 15, and on 15+ only when it was granted
///   `SET` on the parameter (15+ lets only superusers or such grantees set a custom parameter).
/// - **file**, **secret-store**, **audit**: declared.
///
/// A region the provider or label reports that differs from the claim is a mismatch (a failure,
/// never a lower level).
public struct LocationVerifier: Sendable {
    /// Brokers for Kafka locations without their own `bootstrap.servers`.
    public var defaultBootstrap: String
    public var timeout: Duration
    let logger: Logger

    public init(defaultBootstrap: String, timeout: Duration = .seconds(10), logger: Logger) {
        self.defaultBootstrap = defaultBootstrap
        self.timeout = timeout
        self.logger = logger
    }

    public func verify(_ location: Location) async -> LocationEvidence {
        guard let claimed = location.region else {
            return .unverifiable(
                location, method: "no region claimed",
                "locations.\(location.name).region is not set, so there is nothing to verify")
        }
        switch location.kind {
        case .s3: return await verifyS3(location, claimed: claimed)
        case .kafka: return await verifyKafka(location, claimed: claimed)
        case .postgres: return await verifyPostgres(location, claimed: claimed)
        case .file, .secretStore, .audit:
            return LocationEvidence(
                location: location, observedRegion: nil, level: .declared,
                method: "\(location.kind.rawValue) location: only the worker config says \(claimed)")
        }
    }

    // MARK: S3

    func verifyS3(_ location: Location, claimed: String) async -> LocationEvidence {
        let client: S3Client
        let bucket: String
        do {
            client = try location.s3Client(logger: logger)
            bucket = try location.require("bucket")
        } catch {
            return .unverifiable(location, method: "S3 GetBucketLocation", "\(error)")
        }
        let reported: String?
        do {
            reported = try await client.getBucketLocation(bucket: bucket)
        } catch {
            return .unverifiable(location, method: "S3 GetBucketLocation \(bucket)", "\(error)")
        }
        if let reported {
            let method = "S3 GetBucketLocation of bucket \(bucket) returned \(reported)"
            guard reported.lowercased() == claimed.lowercased() else {
                return .mismatch(location, observed: reported, method: method)
            }
            return LocationEvidence(location: location, observedRegion: reported, level: .verified, method: method)
        }
        let tags: [String: String]
        do {
            tags = try await client.getBucketTagging(bucket: bucket)
        } catch {
            return .unverifiable(
                location, method: "S3 GetBucketTagging \(bucket)", "GetBucketLocation reported no region and \(error)")
        }
        guard let tag = tags["residency"], !tag.isEmpty else {
            return LocationEvidence(
                location: location, observedRegion: nil, level: .declared,
                method: "S3 GetBucketLocation of bucket \(bucket) reported no region and the bucket has no residency tag: "
                    + "only the worker config says \(claimed)")
        }
        let method =
            "S3 GetBucketLocation of bucket \(bucket) reported no region; bucket tag residency=\(tag) set by the operator"
        guard region(tag, covers: claimed) else { return .mismatch(location, observed: tag, method: method) }
        return LocationEvidence(location: location, observedRegion: tag, level: .attested, method: method)
    }

    // MARK: Kafka

    func verifyKafka(_ location: Location, claimed: String) async -> LocationEvidence {
        let configuration = KafkaConfiguration(bootstrapServers: location["bootstrap.servers"] ?? defaultBootstrap)
        let clusterID: String
        do {
            let admin = try await KafkaAdmin(configuration: configuration, logger: logger, connectTimeout: timeout)
            clusterID = try await admin.clusterID(timeout: timeout)
        } catch {
            return .unverifiable(location, method: "Kafka DescribeCluster at \(configuration.bootstrapServers)", "\(error)")
        }
        if let pinned = location["cluster.id"] {
            guard clusterID == pinned else {
                return .mismatch(
                    location, observed: "cluster \(clusterID)",
                    method: "Kafka DescribeCluster returned cluster id \(clusterID), not the cluster id \(pinned) pinned to "
                        + "\(claimed) in locations.\(location.name).cluster.id")
            }
            return LocationEvidence(
                location: location, observedRegion: claimed, level: .verified,
                method: "Kafka DescribeCluster returned cluster id \(clusterID), pinned to \(claimed) in "
                    + "locations.\(location.name).cluster.id")
        }
        if let topic = location["topic"], topic.lowercased().contains(claimed.lowercased()) {
            return LocationEvidence(
                location: location, observedRegion: claimed, level: .attested,
                method: "Kafka cluster \(clusterID) has no pinned cluster id; the topic name \(topic) names \(claimed)")
        }
        return LocationEvidence(
            location: location, observedRegion: nil, level: .declared,
            method: "Kafka cluster \(clusterID) is not pinned (set locations.\(location.name).cluster.id): "
                + "only the worker config says \(claimed)")
    }

    // MARK: Postgres

    func verifyPostgres(_ location: Location, claimed: String) async -> LocationEvidence {
        let configuration: PostgresConfiguration
        do {
            configuration = try location.postgresConfiguration()
        } catch {
            return .unverifiable(location, method: "Postgres sluice.region", "\(error)")
        }
        var facts: PostgresRegionFacts
        do {
            let connection = try await PostgresConnection.connect(configuration, logger: logger)
            let rows = try await connection.query(
                """
                SELECT current_database() AS database, current_user AS role, r.rolsuper AS superuser,
                       pg_get_userbyid(d.datdba) AS owner, pg_has_role(current_user, d.datdba, 'MEMBER') AS owner_member,
                       (SELECT substr(c, length('sluice.region=') + 1) FROM pg_db_role_setting s, unnest(s.setconfig) c
                         WHERE s.setdatabase = d.oid AND s.setrole = 0 AND c LIKE 'sluice.region=%') AS database_region,
                       current_setting('sluice.region', true) AS session_region
                FROM pg_database d, pg_roles r WHERE d.datname = current_database() AND r.rolname = current_user
                """)
            facts = PostgresRegionFacts(
                database: rows.value(0, "database") ?? "?", role: rows.value(0, "role") ?? "?",
                superuser: rows.value(0, "superuser") == "t", owner: rows.value(0, "owner") ?? "?",
                ownerMember: rows.value(0, "owner_member") == "t",
                databaseRegion: rows.value(0, "database_region").flatMap { $0.isEmpty ? nil : $0 },
                sessionRegion: rows.value(0, "session_region").flatMap { $0.isEmpty ? nil : $0 },
                serverVersion: connection.serverVersion)
            if connection.serverVersion >= 150000 {
                facts.parameterPrivilege =
                    try await connection.query("SELECT has_parameter_privilege(current_user, 'sluice.region', 'SET') AS p")
                    .value(0, "p") == "t"
            }
        } catch {
            return .unverifiable(location, method: "Postgres sluice.region on \(configuration)", "\(error)")
        }
        return facts.evidence(for: location, claimed: claimed)
    }
}

/// What a Postgres connection reports about `sluice.region` and the connecting role: the decision
/// is a pure function of these facts.
public struct PostgresRegionFacts: Sendable, Hashable {
    public var database: String
    public var role: String
    public var superuser: Bool
    public var owner: String
    public var ownerMember: Bool
    /// `ALTER DATABASE … SET sluice.region` (database level, any role).
    public var databaseRegion: String?
    /// What the session sees (role-level settings, which a role can set for itself, override it).
    public var sessionRegion: String?
    /// `server_version_num`.
    public var serverVersion: Int
    /// Postgres 15+: the role holds `SET` on `sluice.region` (`GRANT SET ON PARAMETER`).
    public var parameterPrivilege: Bool

    public init(
        database: String, role: String, superuser: Bool, owner: String, ownerMember: Bool, databaseRegion: String?,
        sessionRegion: String?, serverVersion: Int = 150000, parameterPrivilege: Bool = false
    ) {
        self.database = database
        self.role = role
        self.superuser = superuser
        self.owner = owner
        self.ownerMember = ownerMember
        self.databaseRegion = databaseRegion
        self.sessionRegion = sessionRegion
        self.serverVersion = serverVersion
        self.parameterPrivilege = parameterPrivilege
    }

    public func evidence(for location: Location, claimed: String) -> LocationEvidence {
        guard let databaseRegion else {
            var method = "database \(database) has no sluice.region setting (ALTER DATABASE \(database) SET sluice.region = '…')"
            if let sessionRegion {
                method +=
                    "; the session sees sluice.region=\(sessionRegion) from a role-level setting, which the role can set itself"
            }
            return LocationEvidence(
                location: location, observedRegion: nil, level: .declared,
                method: method + ": only the worker config says \(claimed)")
        }
        var method = "Postgres database \(database) has sluice.region=\(databaseRegion) (ALTER DATABASE … SET)"
        guard databaseRegion.lowercased() == claimed.lowercased() else {
            return .mismatch(location, observed: databaseRegion, method: method)
        }
        if let sessionRegion, sessionRegion != databaseRegion {
            method += "; note: the session sees \(sessionRegion) from a role-level override"
        }
        if superuser {
            return LocationEvidence(
                location: location, observedRegion: databaseRegion, level: .attested,
                method: method + "; role \(role) is a superuser and could change it, so this is an attestation")
        }
        if ownerMember && (serverVersion < 150000 || parameterPrivilege) {
            let why =
                serverVersion < 150000
                ? "is (a member of) the database owner \(owner) on Postgres < 15"
                : "is (a member of) the database owner \(owner) and holds SET on sluice.region"
            return LocationEvidence(
                location: location, observedRegion: databaseRegion, level: .attested,
                method: method + "; role \(role) \(why), so it could change it: this is an attestation")
        }
        if ownerMember {
            return LocationEvidence(
                location: location, observedRegion: databaseRegion, level: .verified,
                method: method + "; role \(role) is (a member of) the database owner \(owner) but not a superuser and "
                    + "holds no SET on sluice.region, which Postgres 15+ requires to change it")
        }
        return LocationEvidence(
            location: location, observedRegion: databaseRegion, level: .verified,
            method: method + "; role \(role) is not a superuser nor a member of the owner \(owner), so it cannot change it")
    }
}
