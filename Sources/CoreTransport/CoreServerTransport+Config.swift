internal import CGRPC

extension CoreServerTransport {
    /// Server transport settings. Defaults suit a service on a trusted network; set `tls` anywhere else.
    public struct Config: Sendable, Hashable {
        /// Largest request message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.
        public var maxReceiveMessageBytes: Int
        /// Largest response message sent; larger ones fail the call with RESOURCE_EXHAUSTED.
        public var maxSendMessageBytes: Int
        /// Most concurrent streams per HTTP/2 connection.
        public var maxConcurrentStreams: Int?
        /// Server-initiated keepalive pings; nil leaves the core's defaults (every two hours).
        public var keepalive: Keepalive?
        /// Compression applied to responses when the client accepts it.
        public var compression: MessageCompression
        /// TLS from PEM files; nil serves plaintext.
        public var tls: TLSFiles?
        /// How long running calls may go on after a graceful shutdown begins before they are cancelled.
        public var shutdownGracePeriod: Duration
        /// Completion queues, each polled by one dedicated thread.
        public var completionQueues: Int
        /// Calls requested ahead from the core per completion queue, so bursts of new calls do not wait.
        public var acceptBacklog: Int

        public init(
            maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
            maxSendMessageBytes: Int = 4 * 1024 * 1024,
            maxConcurrentStreams: Int? = nil,
            keepalive: Keepalive? = nil,
            compression: MessageCompression = .none,
            tls: TLSFiles? = nil,
            shutdownGracePeriod: Duration = .seconds(10),
            completionQueues: Int = 1,
            acceptBacklog: Int = 64
        ) {
            self.maxReceiveMessageBytes = maxReceiveMessageBytes
            self.maxSendMessageBytes = maxSendMessageBytes
            self.maxConcurrentStreams = maxConcurrentStreams
            self.keepalive = keepalive
            self.compression = compression
            self.tls = tls
            self.shutdownGracePeriod = shutdownGracePeriod
            self.completionQueues = completionQueues
            self.acceptBacklog = acceptBacklog
        }

        func validate() throws(TransportSetupError) {
            func require(_ condition: Bool, _ message: String) throws(TransportSetupError) {
                if !condition { throw TransportSetupError(code: .invalidConfiguration, message: message) }
            }
            try require(self.maxReceiveMessageBytes > 0, "maxReceiveMessageBytes must be positive")
            try require(self.maxSendMessageBytes > 0, "maxSendMessageBytes must be positive")
            try require((self.maxConcurrentStreams ?? 1) > 0, "maxConcurrentStreams must be positive")
            try require((1...64).contains(self.completionQueues), "completionQueues must be between 1 and 64")
            try require((1...10_000).contains(self.acceptBacklog), "acceptBacklog must be between 1 and 10000")
            try require(self.shutdownGracePeriod >= .zero, "shutdownGracePeriod must not be negative")
            if let tls = self.tls {
                try require(
                    tls.certificateChainPath != nil && tls.privateKeyPath != nil,
                    "TLS needs both a certificate chain and a private key"
                )
                try require(
                    !tls.requireClientCertificate || tls.trustRootsPath != nil,
                    "requiring client certificates needs trust roots to verify them"
                )
            }
        }

        var channelArguments: ChannelArguments {
            var args = ChannelArguments()
            args.setMessageLimits(receive: self.maxReceiveMessageBytes, send: self.maxSendMessageBytes)
            if let streams = self.maxConcurrentStreams { args.set("grpc.max_concurrent_streams", streams) }
            if let keepalive = self.keepalive {
                args.setKeepalive(keepalive)
                // Clients may ping as often as we do without being told off with GOAWAY.
                args.set("grpc.http2.min_ping_interval_without_data_ms", keepalive.interval.milliseconds)
            }
            args.set("grpc.default_compression_algorithm", self.compression.algorithm)
            // A second server on the same port must fail loudly, not silently share the traffic.
            args.set("grpc.so_reuseport", 0)
            return args
        }

        /// Server credentials for the C core; the caller releases them.
        func credentials() throws(TransportSetupError) -> OpaquePointer {
            guard let tls = self.tls, let chainPath = tls.certificateChainPath, let keyPath = tls.privateKeyPath else {
                return grpc_insecure_server_credentials_create()
            }
            let chain = try PEMFile.read(chainPath, role: "certificate chain")
            let key = try PEMFile.read(keyPath, role: "private key")
            let roots = try tls.trustRootsPath.map { path throws(TransportSetupError) in
                try PEMFile.read(path, role: "trust roots")
            }
            let request =
                tls.requireClientCertificate
                ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            return key.withCString { key in
                chain.withCString { chain in
                    var pair = grpc_ssl_pem_key_cert_pair(private_key: key, cert_chain: chain)
                    if let roots {
                        return roots.withCString { grpc_ssl_server_credentials_create_ex($0, &pair, 1, request, nil) }
                    }
                    return grpc_ssl_server_credentials_create_ex(nil, &pair, 1, request, nil)
                }
            }
        }
    }
}
