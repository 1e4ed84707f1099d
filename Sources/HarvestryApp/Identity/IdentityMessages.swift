import API
import Domain
import Foundation
import SwiftProtobuf

/// Domain records as IdentityService messages.
extension Harvestry_Identity_V1_User {
    init(_ profile: UserProfile) {
        self.init()
        let user = profile.user
        self.name = ResourcePattern.user.format(user.id)
        self.id = user.id.lowercasedString
        self.displayName = user.displayName
        self.email = user.email
        switch user.status {
        case .invited: self.state = .invited
        case .active: self.state = .active
        case .disabled: self.state = .disabled
        }
        self.roles = profile.roles.map(\.rawValue).sorted()
        self.sites = profile.siteIDs.map { ResourcePattern.site.format($0) }.sorted()
        self.createTime = Google_Protobuf_Timestamp(date: user.createdAt)
    }
}

extension Harvestry_Identity_V1_Session {
    init(_ session: DeviceSession) {
        self.init()
        self.name = ResourcePattern.session.format(session.id)
        self.id = session.id.lowercasedString
        self.userID = session.userID.lowercasedString
        self.deviceID = session.deviceID
        self.startedAt = Google_Protobuf_Timestamp(date: session.startedAt)
        self.lastActivity = Google_Protobuf_Timestamp(date: session.lastActivityAt)
        if let ended = session.endedAt { self.endedAt = Google_Protobuf_Timestamp(date: ended) }
    }
}

extension Harvestry_Identity_V1_Badge {
    init(_ badge: Domain.Badge) {
        self.init()
        self.name = ResourcePattern.badge.format(badge.userID, badge.id)
        self.id = badge.id.lowercasedString
        self.codeHint = badge.codeHint
        self.revoked = badge.status == .revoked
        self.issueTime = Google_Protobuf_Timestamp(date: badge.issuedAt)
    }
}

extension UUID {
    /// The canonical lower-case text of resource names and JSON ids.
    var lowercasedString: String { self.uuidString.lowercased() }
}
