#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads PEM files for the C core's TLS credentials.
enum PEMFile {
    static func read(_ path: String, role: String) throws(TransportSetupError) -> String {
        guard let file = fopen(path, "rb") else {
            throw TransportSetupError(
                code: .unreadableFile,
                message: "Cannot read the \(role) file '\(path)': \(String(cString: strerror(errno)))."
            )
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN ") else {
            throw TransportSetupError(code: .unreadableFile, message: "The \(role) file '\(path)' holds no PEM block.")
        }
        return text
    }
}
