import Foundation

/// The role catalogue (table `roles`). What a role may do is decided in code (ABAC), not stored.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case admin, manager, supervisor, `operator`, technician, compliance, viewer
}

public enum UserStatus: String, Sendable, Hashable, CaseIterable {
    /// Created by an invitation; may log in with a badge once one is issued.
    case invited
    case active
    /// May not log in; open sessions stop validating.
    case disabled
}

public struct User: Sendable, Hashable {
    public var id: UUID
    public var organizationID: UUID
    public var email: String
    public var displayName: String
    public var status: UserStatus
    public var createdAt: Date

    public init(id: UUID, organizationID: UUID, email: String, displayName: String, status: UserStatus, createdAt: Date)
    {
        self.id = id
        self.organizationID = organizationID
        self.email = email
        self.displayName = displayName
        self.status = status
        self.createdAt = createdAt
    }
}

/// A user with the roles and sites that make up their scope.
public struct UserProfile: Sendable, Hashable {
    public var user: User
    public var roles: [Role]
    public var siteIDs: [UUID]

    public init(user: User, roles: [Role], siteIDs: [UUID]) {
        self.user = user
        self.roles = roles
        self.siteIDs = siteIDs
    }
}

/// Input of `IdentityRepository.createUser`.
public struct NewUser: Sendable, Hashable {
    public var id: UUID?
    public var email: String
    public var displayName: String
    /// `.invited` for an invitation, `.active` to create the user ready to work.
    public var status: UserStatus

    public init(id: UUID? = nil, email: String, displayName: String, status: UserStatus = .invited) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.status = status
    }

    public func validate() throws {
        try Validate.email(self.email, field: "user.email")
        try Validate.text(self.displayName, field: "user.display_name")
        if self.status == .disabled { throw DomainError.invalid("user.status", "a new user cannot be disabled") }
    }
}

public enum BadgeStatus: String, Sendable, Hashable, CaseIterable {
    case active, revoked
}

/// A badge; its code is a credential and is never stored or returned, only its last four characters.
public struct Badge: Sendable, Hashable {
    public var id: UUID
    public var organizationID: UUID
    public var userID: UUID
    public var codeHint: String
    public var status: BadgeStatus
    public var issuedAt: Date
    public var revokedAt: Date?

    public init(
        id: UUID,
        organizationID: UUID,
        userID: UUID,
        codeHint: String,
        status: BadgeStatus,
        issuedAt: Date,
        revokedAt: Date?
    ) {
        self.id = id
        self.organizationID = organizationID
        self.userID = userID
        self.codeHint = codeHint
        self.status = status
        self.issuedAt = issuedAt
        self.revokedAt = revokedAt
    }

    /// Badge codes as scanned: 4-128 printable ASCII characters.
    public static func validate(code: String, field: String) throws {
        guard (4...128).contains(code.utf8.count), code.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw DomainError.invalid(field, "must be 4-128 printable ASCII characters without spaces")
        }
    }
}

public enum SessionEndReason: String, Sendable, Hashable, CaseIterable {
    case logout
    case badgeRevoked = "badge_revoked"
    case expired
    case revoked
}

public struct DeviceSession: Sendable, Hashable {
    public var id: UUID
    public var organizationID: UUID
    public var userID: UUID
    public var badgeID: UUID?
    public var deviceID: String
    public var startedAt: Date
    public var lastActivityAt: Date
    public var endedAt: Date?
    public var endReason: SessionEndReason?

    public init(
        id: UUID,
        organizationID: UUID,
        userID: UUID,
        badgeID: UUID?,
        deviceID: String,
        startedAt: Date,
        lastActivityAt: Date,
        endedAt: Date?,
        endReason: SessionEndReason?
    ) {
        self.id = id
        self.organizationID = organizationID
        self.userID = userID
        self.badgeID = badgeID
        self.deviceID = deviceID
        self.startedAt = startedAt
        self.lastActivityAt = lastActivityAt
        self.endedAt = endedAt
        self.endReason = endReason
    }

    /// Device ids as the client sends them: 1-128 printable ASCII characters.
    public static func validate(deviceID: String, field: String) throws {
        guard (1...128).contains(deviceID.utf8.count), deviceID.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else {
            throw DomainError.invalid(field, "must be 1-128 printable ASCII characters")
        }
    }
}

/// What a badge login returns: the new session, the user, their roles and sites (the seed's `POST /auth/badge-login`).
public struct BadgeLoginResult: Sendable, Hashable {
    public var session: DeviceSession
    public var profile: UserProfile

    public init(session: DeviceSession, profile: UserProfile) {
        self.session = session
        self.profile = profile
    }

    /// The principal the session grants.
    public var principal: Principal {
        Principal(
            sessionID: self.session.id,
            deviceID: self.session.deviceID,
            startedAt: self.session.startedAt,
            scope: AccessScope(
                organizationID: self.profile.user.organizationID,
                userID: self.profile.user.id,
                siteIDs: Set(self.profile.siteIDs),
                roles: Set(self.profile.roles.map(\.rawValue))
            )
        )
    }
}
