/// What the server does with a request.
public enum ModbusDisposition: Hashable, Sendable {
    /// Answer from the datastore.
    case serve
    /// Answer with this exception.
    case exception(ModbusExceptionCode)
    /// Say nothing: the client times out.
    case noReply
    /// Answer with malformed bytes: a frame of the right length whose transaction id and byte count are wrong.
    case junkReply
}
