import Domain

/// What the data-backed services need: the repositories and the session-token signer.
public struct DataServices: Sendable {
    public var identity: any IdentityRepository
    public var spatial: any SpatialRepository
    public var signer: SessionTokenSigner
    public var tokenLifetime: Duration

    public init(
        identity: any IdentityRepository,
        spatial: any SpatialRepository,
        signer: SessionTokenSigner,
        tokenLifetime: Duration = .seconds(12 * 3600)
    ) {
        self.identity = identity
        self.spatial = spatial
        self.signer = signer
        self.tokenLifetime = tokenLifetime
    }
}
