import Foundation

/// Certificates made with `openssl` for TLS tests: a CA, a server certificate for 127.0.0.1, and
/// client certificates.
struct TestCertificates {
    let folder: String

    @discardableResult
    static func openssl(_ arguments: [String], in folder: String) async throws -> String {
        try await offThePool { try opensslBlocking(arguments, in: folder) }
    }

    private static func opensslBlocking(_ arguments: [String], in folder: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw WaitTimeout(what: "openssl \(arguments.joined(separator: " ")): \(text)") }
        return text
    }

    /// A CA named `name` (files NAME.crt, NAME.key).
    func makeCA(_ name: String) async throws {
        try await TestCertificates.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                      "-keyout", "\(name).key", "-out", "\(name).crt", "-subj", "/CN=\(name)", "-days", "2"],
                                     in: folder)
    }

    /// A certificate `name` signed by CA `ca`, for a server on 127.0.0.1 or a client with `subject`.
    func issue(_ name: String, ca: String, subject: String, server: Bool) async throws {
        let extensions = server ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n"
        try extensions.write(toFile: "\(folder)/\(name).ext", atomically: true, encoding: .utf8)
        try await TestCertificates.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                      "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject], in: folder)
        try await TestCertificates.openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key",
                                      "-CAcreateserial", "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"], in: folder)
    }

    func path(_ file: String) -> String { "\(folder)/\(file)" }
}
