/// SynodKeyValue: the replicated key-value state machine, pure and deterministic.
///
/// Every replica applies the same `KeyValueEntry` values in log order and ends in the same
/// state. Time enters only through the entries (the leader stamps each with its clock, and the
/// store's clock never goes back), so TTLs expire identically everywhere and on replay.
///
/// Applying is total: any entry, even one written by an older or buggier node, gives a
/// deterministic result (an error reply for a bad one) and never traps, and all arithmetic on
/// what an entry carries is checked; entry and snapshot bytes decode to a value or a typed
/// error.
