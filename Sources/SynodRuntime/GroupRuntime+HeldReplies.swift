/// Replies the state holds undoable until this node says whether they reached their clients
/// (`AppliedEntry.heldReplies`: a blocking pop's elements). The node of the request's session
/// decides: a reply whose client was still connected when it was answered is delivered; one
/// whose client had gone (its wait abandoned, or its connection closed before the answer) is
/// returned, and the state undoes it. The decisions go to the log in one settlement entry at a
/// time, sent again until it applies. A node that dies before it settles leaves the replies
/// to the state, which undoes them when it forgets the node's session.
extension GroupRuntime {
    /// The most replies one settlement entry carries.
    static var settlementBatchMax: Int { 4_096 }

    /// Requests of this node's session whose client went away before their reply.
    mutating func noteUnreached(_ requestID: UInt64) {
        unreachedRequests.insert(requestID)
    }

    /// Whether a held reply of another session (a client's own identity) has a client
    /// waiting for it here, looked at before it is answered; nil when it is not this node's
    /// to settle.
    func clientWaitsHere(for key: RequestKey) -> Bool? {
        guard key.session != session else { return nil }
        if let localID = localIDs[key], outstandingWrites[localID] != nil { return true }
        if let recipient = pendingWaits[key.requestID], recipient.isClient { return true }
        return nil
    }

    /// After an entry is applied and its answers given: records how each held reply went.
    mutating func noteHeldReplies(_ keys: [RequestKey], identityWaiting: [RequestKey: Bool]) {
        for key in keys {
            if key.session == session {
                unsettledReplies[key] = unreachedRequests.remove(key.requestID) == nil
            } else if let delivered = identityWaiting[key] {
                unsettledReplies[key] = delivered
            }
        }
    }

    /// Forgets the unreached mark of requests of this session that ended without a hold.
    mutating func forgetUnreached(_ requestIDs: some Sequence<UInt64>) {
        guard !unreachedRequests.isEmpty else { return }
        for requestID in requestIDs { unreachedRequests.remove(requestID) }
    }

    /// This node's settlement applied: the replies it carried are settled.
    mutating func settlementApplied(requestID: UInt64) {
        guard requestID == settlementInFlight?.localID, let settled = settlementInFlight?.keys else { return }
        for key in settled { unsettledReplies[key] = nil }
        settlementInFlight = nil
    }

    /// Proposes the settlement of the replies not settled yet, unless one is on its way.
    mutating func settleHeldReplies() {
        guard !unsettledReplies.isEmpty else { return }
        if let inFlight = settlementInFlight?.localID, outstandingWrites[inFlight] != nil { return }
        let keys = Array(unsettledReplies.keys.sorted().prefix(Self.settlementBatchMax))
        let delivered = keys.filter { unsettledReplies[$0]! }
        let returned = keys.filter { !unsettledReplies[$0]! }
        guard let command = State.settlement(delivered: delivered, returned: returned) else {
            unsettledReplies = [:]
            return
        }
        settlementInFlight = submit(command, origin: 0, recipient: .nobody, identity: nil).map { ($0, keys) }
    }

    /// A snapshot covered entries this node did not apply, so their held replies were not
    /// reported: those among the requests it answered from the snapshot (`answered`) and the
    /// requests of this session whose clients went away are settled as they went, once their
    /// waits have ended.
    mutating func settleRepliesAfterSnapshot(answered: [RequestKey]) {
        for key in answered where unsettledReplies[key] == nil && state.holdsReply(key) {
            unsettledReplies[key] = !(key.session == session && unreachedRequests.contains(key.requestID))
        }
        for requestID in unreachedRequests.sorted() where !state.standing(ofWait: requestID).isWaiting {
            unreachedRequests.remove(requestID)
            let key = RequestKey(session: session, requestID: requestID)
            if state.holdsReply(key) { unsettledReplies[key] = false }
        }
    }
}
