internal import CGRPC

/// Reference-counted start and stop of the gRPC C core library.
///
/// `grpc_init` and `grpc_shutdown` are themselves reference counted; this type pairs them per transport so the
/// library stays initialised exactly while some transport needs it.
enum CoreRuntime {
    static func retain() {
        grpc_init()
    }

    static func release() {
        grpc_shutdown()
    }
}
