/// A page request (AIP-158): at most `size` items after the position `token` names (nil: from the start).
public struct PageRequest: Sendable, Hashable {
    public static let defaultSize = 50
    public static let maximumSize = 1000

    public var size: Int
    public var token: String?

    /// `size` 0 means the default; sizes above the maximum are clamped; a negative size is invalid.
    public init(size: Int = 0, token: String? = nil) throws {
        guard size >= 0 else { throw DomainError.invalid("page_size", "must not be negative") }
        if let token, token.isEmpty == false {
            guard token.utf8.count <= 200 else { throw DomainError.invalid("page_token", "is not a valid page token") }
            self.token = token
        } else {
            self.token = nil
        }
        self.size = size == 0 ? Self.defaultSize : min(size, Self.maximumSize)
    }

    /// The first page of the default size.
    public static var first: PageRequest { try! PageRequest() }
}

/// One page of results; `nextToken` is nil on the last page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextToken: String?

    public init(items: [Item], nextToken: String?) {
        self.items = items
        self.nextToken = nextToken
    }
}

extension Page: Equatable where Item: Equatable {}
