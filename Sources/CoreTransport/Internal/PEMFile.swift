internal import CGRPC

/// Reads PEM files for the C core's TLS credentials.
enum PEMFile {
    static func read(_ path: String, role: String) throws(TransportSetupError) -> String {
        var length = 0
        var error: Int32 = 0
        guard let buffer = hv_read_file(path, &length, &error) else {
            throw TransportSetupError(
                code: .unreadableFile,
                message: "Cannot read the \(role) file '\(path)': \(String(cString: hv_strerror(error)))."
            )
        }
        defer { hv_free(buffer) }
        let text = String(decoding: UnsafeBufferPointer(start: buffer, count: length), as: UTF8.self)
        guard text.contains("-----BEGIN ") else {
            throw TransportSetupError(code: .unreadableFile, message: "The \(role) file '\(path)' holds no PEM block.")
        }
        return text
    }
}
