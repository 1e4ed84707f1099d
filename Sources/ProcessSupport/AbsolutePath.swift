import Foundation

/// `path` made absolute against the current directory (a server's data directory must not depend on where the
/// process later changes to).
public func absolutePath(_ path: String) -> String {
    path.hasPrefix("/")
        ? path : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).path
}
