import Foundation

/// A throwaway CA, a server certificate for localhost/127.0.0.1 and a client certificate, made with openssl.
struct TestCertificates {
    let directory: URL
    var caPath: String { self.path("ca.pem") }
    var serverCertPath: String { self.path("server.pem") }
    var serverKeyPath: String { self.path("server.key") }
    var clientCertPath: String { self.path("client.pem") }
    var clientKeyPath: String { self.path("client.key") }

    private func path(_ name: String) -> String { self.directory.appendingPathComponent(name).path }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hv-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=harvestry-test-ca 2>/dev/null
            for who in server client; do
              openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=$who 2>/dev/null
              printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > $who.ext
              openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2 -extfile $who.ext 2>/dev/null
            done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl failed"])
        }
        return TestCertificates(directory: directory)
    }
}
