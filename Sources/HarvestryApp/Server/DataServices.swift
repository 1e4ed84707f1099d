import Domain

/// What the data-backed services need: the repositories and the session-token signer.
public struct DataServices: Sendable {
    public var identity: any IdentityRepository
    public var spatial: any SpatialRepository
    public var signer: SessionTokenSigner
    public var tokenLifetime: Duration
    /// TelemetryService and its realtime hub; nil serves no telemetry.
    public var telemetry: TelemetryServices?
    /// IrrigationService's repository and run engine; nil serves no irrigation.
    public var irrigation: IrrigationServices?
    /// BatchService's repository; nil serves no batches.
    public var batches: (any BatchRepository)?

    public init(
        identity: any IdentityRepository,
        spatial: any SpatialRepository,
        signer: SessionTokenSigner,
        tokenLifetime: Duration = .seconds(12 * 3600),
        telemetry: TelemetryServices? = nil,
        irrigation: IrrigationServices? = nil,
        batches: (any BatchRepository)? = nil
    ) {
        self.identity = identity
        self.spatial = spatial
        self.signer = signer
        self.tokenLifetime = tokenLifetime
        self.telemetry = telemetry
        self.irrigation = irrigation
        self.batches = batches
    }
}
