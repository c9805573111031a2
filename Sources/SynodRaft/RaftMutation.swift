/// Known bugs that can be planted in the protocol, so the simulator can prove it catches them.
///
/// Only the simulator sets `RaftConfiguration.plantedBug`; `synod server` never does. Each case
/// names the rule it breaks.
public enum RaftMutation: String, CaseIterable, Sendable {
    /// Commit an entry of an earlier term once a majority holds it (breaks Raft §5.4.2,
    /// the paper's figure 8).
    case commitEarlierTermByCount = "commit-old-term-by-count"
    /// Grant a vote to a second candidate in the same term (breaks election safety).
    case grantSecondVote = "grant-second-vote"
    /// Keep the read lease for three election timeouts instead of one minus the drift bound
    /// (breaks the lease rule: followers may elect a new leader while the lease holds).
    case leaseTooLong = "lease-too-long"
    /// Send, while the leader's own write is still being synced, a heartbeat whose commit index
    /// covers entries it has not made durable (breaks the rule that a follower applies only
    /// what a majority holds durably: a crash of the leader can lose such an entry).
    case heartbeatCommitPastDurable = "heartbeat-commit-past-durable"
    /// Take the log's last term from the entries in memory or the snapshot, forgetting the
    /// offloaded entries' terms when every entry is offloaded (breaks the up-to-date check of
    /// Raft §5.4.1: a voter believes its log older than it is and elects a candidate that
    /// lacks committed entries).
    case lastTermForgetsOffloaded = "last-term-forgets-offloaded"
    /// Hibernate the group while a follower still lacks entries (breaks the rule that a group
    /// hibernates only when every member holds the whole log: the follower never gets the
    /// rest, since a hibernating leader sends nothing).
    case hibernateWithFollowerBehind = "hibernate-with-follower-behind"
}
