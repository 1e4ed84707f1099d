internal import CGRPC

extension CoreClientTransport {
    /// Client transport settings.
    public struct Config: Sendable, Hashable {
        /// Largest response message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.
        public var maxReceiveMessageBytes: Int
        /// Largest request message sent; larger ones fail the call with RESOURCE_EXHAUSTED.
        public var maxSendMessageBytes: Int
        /// Client keepalive pings; nil disables them.
        public var keepalive: Keepalive?
        /// Compression applied to requests.
        public var compression: MessageCompression
        /// TLS from PEM files: `trustRootsPath` verifies the server (nil: the system roots), and a certificate chain and
        /// key present a client certificate. Nil connects in plaintext.
        public var tls: TLSFiles?
        /// Host name to verify the server certificate against instead of the target's (tests, IP targets).
        public var serverHostnameOverride: String?
        /// Longest wait between reconnection attempts after the server became unreachable (the C core's default is
        /// 120 s); nil keeps the default. A client that must resume soon after an outage sets it lower.
        public var maximumReconnectBackoff: Duration?

        public init(
            maxReceiveMessageBytes: Int = 4 * 1024 * 1024,
            maxSendMessageBytes: Int = 4 * 1024 * 1024,
            keepalive: Keepalive? = nil,
            compression: MessageCompression = .none,
            tls: TLSFiles? = nil,
            serverHostnameOverride: String? = nil,
            maximumReconnectBackoff: Duration? = nil
        ) {
            self.maxReceiveMessageBytes = maxReceiveMessageBytes
            self.maxSendMessageBytes = maxSendMessageBytes
            self.keepalive = keepalive
            self.compression = compression
            self.tls = tls
            self.serverHostnameOverride = serverHostnameOverride
            self.maximumReconnectBackoff = maximumReconnectBackoff
        }

        var channelArguments: ChannelArguments {
            var args = ChannelArguments()
            args.setMessageLimits(receive: self.maxReceiveMessageBytes, send: self.maxSendMessageBytes)
            if let keepalive = self.keepalive {
                args.setKeepalive(keepalive)
                args.set("grpc.http2.max_pings_without_data", 0)
            }
            args.set("grpc.default_compression_algorithm", self.compression.algorithm)
            if let name = self.serverHostnameOverride {
                args.set("grpc.ssl_target_name_override", name)
            }
            if let maximum = self.maximumReconnectBackoff {
                let milliseconds = max(maximum.milliseconds, 100)
                args.set("grpc.max_reconnect_backoff_ms", milliseconds)
                args.set("grpc.initial_reconnect_backoff_ms", min(1000, milliseconds))
                args.set("grpc.min_reconnect_backoff_ms", min(1000, milliseconds))
            }
            // Each transport gets its own connection rather than sharing a global subchannel pool entry.
            args.set("grpc.use_local_subchannel_pool", 1)
            return args
        }

        /// Channel credentials for the C core; the caller releases them.
        func credentials() throws(TransportSetupError) -> OpaquePointer {
            guard let tls = self.tls else { return grpc_insecure_credentials_create() }
            guard (tls.certificateChainPath == nil) == (tls.privateKeyPath == nil) else {
                throw TransportSetupError(
                    code: .invalidConfiguration,
                    message: "A client certificate needs both a certificate chain and a private key."
                )
            }
            let roots = try tls.trustRootsPath.map { path throws(TransportSetupError) in
                try PEMFile.read(path, role: "trust roots")
            }
            let chain = try tls.certificateChainPath.map { path throws(TransportSetupError) in
                try PEMFile.read(path, role: "certificate chain")
            }
            let key = try tls.privateKeyPath.map { path throws(TransportSetupError) in
                try PEMFile.read(path, role: "private key")
            }
            return Self.withOptionalCString(roots) { roots in
                Self.withOptionalCString(chain) { chain in
                    Self.withOptionalCString(key) { key in
                        guard let chain, let key else { return grpc_ssl_credentials_create(roots, nil, nil, nil) }
                        var pair = grpc_ssl_pem_key_cert_pair(private_key: key, cert_chain: chain)
                        return grpc_ssl_credentials_create(roots, &pair, nil, nil)
                    }
                }
            }
        }

        private static func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
            guard let string else { return body(nil) }
            return string.withCString { body($0) }
        }
    }
}
