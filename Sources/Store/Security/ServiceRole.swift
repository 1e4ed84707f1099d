/// The database role the services run as (created by migration 0003): owns nothing, `NOBYPASSRLS`, only the grants
/// it needs. Connect as it directly (`EmbeddedPostgres.serviceConninfo`, or a URL with its user and password), or
/// log in as the owner and let the pool switch with `PostgresClient.Configuration(role: ServiceRole.name)`.
public enum ServiceRole {
    public static let name = "harvestry_service"
}
