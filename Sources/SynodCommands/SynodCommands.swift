/// SynodCommands: turns a client's request (a command name and arguments, as RESP delivers
/// them) into what Synod will do, with Redis's arity rules, option syntax and error texts.
///
/// Pure: parsing never looks at the data or the clock. Writes become `KeyValueCommand`s with
/// relative times kept relative (the state machine resolves them against the entry's time).
