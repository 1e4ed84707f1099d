import Simulator

/// Where the CLI gets its site simulation from.
///
/// COORDINATOR PLUG POINT: the real site simulation (`SiteSimulation(spec:seed:start:)`, branch sim-models) is not
/// in this build yet, so `make` returns nil and `harvestry sim run` / `harvestry bench sim` stop with a message.
/// When sim-models is merged, replace the body with
/// `SiteSimulation(spec: spec, seed: seed, start: start)`.
enum SimSiteFactory {
    static func make(spec: SiteSpec, seed: UInt64, start: SimInstant) -> (any SiteSimulating)? {
        nil
    }

    static let missingMessage =
        "the site simulation (SiteSimulation, branch sim-models) is not part of this build yet: see SimSiteFactory"
}
