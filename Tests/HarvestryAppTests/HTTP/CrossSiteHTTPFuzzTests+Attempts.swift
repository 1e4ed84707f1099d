import Foundation

/// Every Identity and Spatial HTTP route but badge login, aimed at a target's resources.
extension DatabaseSuites.CrossSiteHTTPFuzzTests {
    struct Attempt: Sendable {
        enum Scope: Sendable {
            /// Names a site: aimed at sites the attacker lacks, which must be refused.
            case site
            /// Names an organization-wide resource (user, badge, session): aimed at another organization's.
            case organization
            /// Names nothing: must succeed and show nothing of the target's (another) organization.
            case filtered
        }

        typealias Request = (method: String, path: String, body: String?)

        /// The route's label (`POST /v1/{parent=sites/*}/rooms`), as the gateway's route table names it.
        var route: String
        var scope: Scope
        var request: @Sendable (Target) -> Request

        init(_ route: String, _ scope: Scope = .site, _ request: @escaping @Sendable (Target) -> Request) {
            self.route = route
            self.scope = scope
            self.request = request
        }
    }

    static func unique() -> String { UUID().uuidString.prefix(8).lowercased() }

    static let attempts: [Attempt] = spatialAttempts + equipmentAttempts + identityAttempts

    static let spatialAttempts: [Attempt] = [
        .init("GET /v1/{name=sites/*/rooms/*}") { ("GET", "/v1/\($0.resources.room)", nil) },
        .init("GET /v1/{parent=sites/*}/rooms") { ("GET", "/v1/\($0.resources.site)/rooms", nil) },
        .init("POST /v1/{parent=sites/*}/rooms") {
            ("POST", "/v1/\($0.resources.site)/rooms", #"{"code": "EVIL", "displayName": "Evil", "roomType": "veg"}"#)
        },
        .init("POST /{parent=sites/*}/rooms") {
            ("POST", "/\($0.resources.site)/rooms", #"{"code": "EVIL", "name": "Evil", "roomType": "Veg"}"#)
        },
        .init("PATCH /v1/{room.name=sites/*/rooms/*}") {
            ("PATCH", "/v1/\($0.resources.room)?updateMask=displayName", #"{"displayName": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/rooms/*}") { ("DELETE", "/v1/\($0.resources.room)", nil) },
        .init("GET /v1/{name=sites/*/zones/*}") { ("GET", "/v1/\($0.resources.zone)", nil) },
        .init("GET /v1/{parent=sites/*}/zones") { ("GET", "/v1/\($0.resources.site)/zones", nil) },
        .init("POST /v1/{parent=sites/*}/zones") {
            (
                "POST", "/v1/\($0.resources.site)/zones",
                #"{"code": "EVIL", "displayName": "Evil", "room": "\#($0.resources.room)"}"#
            )
        },
        .init("PATCH /v1/{zone.name=sites/*/zones/*}") {
            ("PATCH", "/v1/\($0.resources.zone)?updateMask=displayName", #"{"displayName": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/zones/*}") { ("DELETE", "/v1/\($0.resources.zone)", nil) },
        .init("GET /v1/{name=sites/*/racks/*}") { ("GET", "/v1/\($0.resources.rack)", nil) },
        .init("GET /v1/{parent=sites/*}/racks") { ("GET", "/v1/\($0.resources.site)/racks", nil) },
        .init("POST /v1/{parent=sites/*}/racks") {
            (
                "POST", "/v1/\($0.resources.site)/racks",
                #"{"code": "EVIL", "displayName": "Evil", "zone": "\#($0.resources.zone)"}"#
            )
        },
        .init("PATCH /v1/{rack.name=sites/*/racks/*}") {
            ("PATCH", "/v1/\($0.resources.rack)?updateMask=displayName", #"{"displayName": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/racks/*}") { ("DELETE", "/v1/\($0.resources.rack)", nil) },
        .init("GET /v1/{name=sites/*/bins/*}") { ("GET", "/v1/\($0.resources.bin)", nil) },
        .init("GET /v1/{parent=sites/*}/bins") { ("GET", "/v1/\($0.resources.site)/bins", nil) },
        .init("POST /v1/{parent=sites/*}/bins") {
            (
                "POST", "/v1/\($0.resources.site)/bins",
                #"{"code": "EVIL", "displayName": "Evil", "rack": "\#($0.resources.rack)"}"#
            )
        },
        .init("PATCH /v1/{bin.name=sites/*/bins/*}") {
            ("PATCH", "/v1/\($0.resources.bin)?updateMask=displayName", #"{"displayName": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/bins/*}") { ("DELETE", "/v1/\($0.resources.bin)", nil) },
        .init("GET /v1/{name=sites/*/locations/*}") { ("GET", "/v1/\($0.resources.location)", nil) },
        .init("GET /v1/{parent=sites/*}/locations") { ("GET", "/v1/\($0.resources.site)/locations", nil) },
        .init("POST /v1/{parent=sites/*}/locations") {
            (
                "POST", "/v1/\($0.resources.site)/locations",
                #"{"code": "EVIL", "displayName": "Evil", "locationType": "vault"}"#
            )
        },
        .init("PATCH /v1/{inventory_location.name=sites/*/locations/*}") {
            ("PATCH", "/v1/\($0.resources.location)?updateMask=displayName", #"{"displayName": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/locations/*}") { ("DELETE", "/v1/\($0.resources.location)", nil) },
        .init("GET /v1/{site=sites/*}:tree") { ("GET", "/v1/\($0.resources.site):tree", nil) },
    ]

    static let equipmentAttempts: [Attempt] = [
        .init("GET /v1/{name=sites/*/equipment/*}") { ("GET", "/v1/\($0.resources.sensor)", nil) },
        .init("GET /v1/{parent=sites/*}/equipment") { ("GET", "/v1/\($0.resources.site)/equipment", nil) },
        .init("POST /v1/{parent=sites/*}/equipment") {
            ("POST", "/v1/\($0.resources.site)/equipment", #"{"code": "EVIL", "type": "Temperature Sensor"}"#)
        },
        .init("POST /equipment") {
            (
                "POST", "/equipment",
                #"{"code": "EVIL", "type": "Temperature Sensor", "zoneId": "\#($0.resources.zoneID)", "#
                    + #""calibrationDueDate": "2030-12-31"}"#
            )
        },
        .init("PATCH /v1/{equipment.name=sites/*/equipment/*}") {
            ("PATCH", "/v1/\($0.resources.sensor)?updateMask=model", #"{"model": "Evil"}"#)
        },
        .init("DELETE /v1/{name=sites/*/equipment/*}") { ("DELETE", "/v1/\($0.resources.sensor)", nil) },
        .init("POST /v1/{parent=sites/*/equipment/*}/calibrations") {
            ("POST", "/v1/\($0.resources.sensor)/calibrations", #"{"date": "2026-01-01T00:00:00Z", "result": "FAIL"}"#)
        },
        .init("GET /v1/{parent=sites/*/equipment/*}/calibrations") {
            ("GET", "/v1/\($0.resources.sensor)/calibrations", nil)
        },
        .init("GET /equipment/{equipment_id}/calibrations") {
            ("GET", "/equipment/\($0.resources.sensorID)/calibrations", nil)
        },
        .init("POST /v1/{equipment=sites/*/equipment/*}:recordHeartbeat") {
            ("POST", "/v1/\($0.resources.sensor):recordHeartbeat", #"{"status": "OFFLINE"}"#)
        },
        .init("GET /v1/{name=sites/*/equipment/*/health}") { ("GET", "/v1/\($0.resources.sensor)/health", nil) },
        .init("POST /v1/{valve=sites/*/equipment/*}:mapToZone") {
            ("POST", "/v1/\($0.resources.valve):mapToZone", #"{"zone": "\#($0.resources.zone)"}"#)
        },
        .init("POST /v1/{valve=sites/*/equipment/*}:unmapFromZone") {
            ("POST", "/v1/\($0.resources.valve):unmapFromZone", #"{"zone": "\#($0.resources.zone)"}"#)
        },
        .init("GET /v1/{parent=sites/*}/valveZoneMappings") {
            ("GET", "/v1/\($0.resources.site)/valveZoneMappings", nil)
        },
    ]

    static let identityAttempts: [Attempt] = [
        .init("GET /v1/sessions", .filtered) { _ in ("GET", "/v1/sessions?showEnded=true", nil) },
        .init("GET /auth/sessions", .filtered) { _ in ("GET", "/auth/sessions", nil) },
        .init("POST /v1/{name=sessions/*}:end", .organization) {
            ("POST", "/v1/sessions/\($0.adminSession):end", "{}")
        },
        .init("POST /v1/auth:revokeBadge", .organization) {
            ("POST", "/v1/auth:revokeBadge", #"{"badgeId": "\#($0.adminBadge)"}"#)
        },
        .init("POST /auth/badge-revoke", .organization) {
            ("POST", "/auth/badge-revoke", #"{"badgeId": "\#($0.adminBadge)"}"#)
        },
        .init("POST /v1/users") {
            (
                "POST", "/v1/users?sites=\($0.resources.site)",
                #"{"displayName": "Evil", "email": "evil-\#(unique())@example.com"}"#
            )
        },
        .init("GET /v1/{name=users/*}", .organization) { ("GET", "/v1/\($0.resources.user)", nil) },
        .init("GET /v1/users") { ("GET", "/v1/users?site=\($0.resources.site)", nil) },
        .init("GET /v1/users", .filtered) { _ in ("GET", "/v1/users?pageSize=500", nil) },
        .init("POST /v1/{user=users/*}:assignSite") {
            ("POST", "/v1/\($0.resources.user):assignSite", #"{"site": "\#($0.resources.site)"}"#)
        },
        .init("POST /v1/{user=users/*}:unassignSite") {
            ("POST", "/v1/\($0.resources.user):unassignSite", #"{"site": "\#($0.resources.site)"}"#)
        },
        .init("POST /v1/{user=users/*}:assignRole", .organization) {
            ("POST", "/v1/\($0.resources.user):assignRole", #"{"role": "viewer"}"#)
        },
        .init("POST /v1/{user=users/*}:unassignRole", .organization) {
            ("POST", "/v1/\($0.resources.user):unassignRole", #"{"role": "admin"}"#)
        },
        .init("POST /v1/{parent=users/*}/badges", .organization) {
            ("POST", "/v1/\($0.resources.user)/badges", #"{"code": "EVIL-\#(unique())"}"#)
        },
    ]
}
