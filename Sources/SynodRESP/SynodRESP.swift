/// SynodRESP: the Redis serialization protocol, as a pure library.
///
/// - `RESPRequestDecoder`: a streaming decoder of client requests (multibulk arrays of bulk
///   strings, and inline commands as redis-cli and telnet send them), with named limits, that
///   answers bad input with Redis's own protocol error texts.
/// - `RESPWriter`: replies in RESP2 or RESP3 (`HELLO 3`), choosing the RESP2 fallback of each
///   RESP3 type exactly as Redis does.
