/// Splits an inline command into arguments with Redis's rules (`sdssplitargs`): arguments
/// are separated by spaces and tabs; `"..."` understands `\n \r \t \b \a \\ \" \xHH`; `'...'`
/// understands `\'`; a closing quote must be followed by a space or the end.
enum InlineSplitter {
    /// The arguments, or nil for unbalanced quotes.
    static func split(_ line: ArraySlice<UInt8>) -> [[UInt8]]? {
        var arguments: [[UInt8]] = []
        var index = line.startIndex
        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
        }
        while true {
            while index < line.endIndex && isSpace(line[index]) { index += 1 }
            guard index < line.endIndex else { return arguments }
            var current: [UInt8] = []
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                if inDoubleQuotes {
                    guard index < line.endIndex else { return nil }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\"), index + 3 < line.endIndex, line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        current.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < line.endIndex {
                        index += 1
                        switch line[index] {
                        case UInt8(ascii: "n"): current.append(0x0A)
                        case UInt8(ascii: "r"): current.append(0x0D)
                        case UInt8(ascii: "t"): current.append(0x09)
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        case let other: current.append(other)
                        }
                    } else if byte == UInt8(ascii: "\"") {
                        // The closing quote must be followed by a space or nothing.
                        if index + 1 < line.endIndex && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else if inSingleQuotes {
                    guard index < line.endIndex else { return nil }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < line.endIndex, line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        current.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < line.endIndex && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else if index >= line.endIndex || isSpace(line[index]) {
                    done = true
                } else if line[index] == UInt8(ascii: "\"") {
                    inDoubleQuotes = true
                } else if line[index] == UInt8(ascii: "'") {
                    inSingleQuotes = true
                } else {
                    current.append(line[index])
                }
                if index < line.endIndex { index += 1 }
            }
            arguments.append(current)
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
