import SynodConsensus
import SynodCore
import SynodRaft

/// The nemesis: partitions of every Jepsen shape, crashes (with torn and lost unsynced
/// writes), clock jumps and membership changes, during the safety phase only.
extension Simulator {
    mutating func startNetworkFault() {
        guard !inLivenessPhase else { return }
        scheduleNext(.networkFault, meanMicroseconds: options.partitionIntervalMicroseconds)
        guard members.count >= 2 else { return }
        statistics.networkFaults += 1
        networkFaultGeneration += 1
        blockedLinks = []
        var shuffled = members
        for index in shuffled.indices.reversed() where index > 0 {
            shuffled.swapAt(index, random.nextIndex(below: index + 1))
        }
        let shape = random.nextIndex(below: 7)
        switch shape {
        case 0:  // isolate one node
            isolate([shuffled[0]], from: Array(shuffled.dropFirst()))
            record("fault: isolate \(shuffled[0])")
        case 1:  // isolate the leader (of the first group, when there are several)
            let leader = nodes.compactMap { $0.replica(0) }.first { $0.role == .leader }?.id ?? shuffled[0]
            isolate([leader], from: members.filter { $0 != leader })
            record("fault: isolate leader \(leader)")
        case 2:  // minority / majority
            let minority = Array(shuffled.prefix((members.count - 1) / 2 + (members.count == 2 ? 1 : 0)))
            isolate(minority, from: Array(shuffled.dropFirst(minority.count)))
            record("fault: split \(minority) from the rest")
        case 3:  // majorities ring: each node sees a majority, no two see the same one
            let quorum = members.count / 2 + 1
            let reach = (quorum - 1 + 1) / 2
            for (position, from) in shuffled.enumerated() {
                for (otherPosition, to) in shuffled.enumerated() where from != to {
                    let distance = abs(position - otherPosition)
                    if min(distance, members.count - distance) > reach { blockedLinks.insert(Link(from: from, to: to)) }
                }
            }
            record("fault: majorities ring \(shuffled)")
        case 4:  // bridge: two halves joined through one node
            let bridge = shuffled[0]
            let half = (shuffled.count - 1) / 2
            let left = Array(shuffled.dropFirst().prefix(half))
            let right = Array(shuffled.dropFirst(1 + half))
            isolate(left, from: right)
            record("fault: bridge \(bridge) between \(left) and \(right)")
        case 5:  // one-way: a node hears nobody but can still send
            let deaf = shuffled[0]
            for other in members where other != deaf { blockedLinks.insert(Link(from: other, to: deaf)) }
            record("fault: \(deaf) cannot receive")
        default:  // swizzle-clog: clog links one by one, then heal them in random order
            var links: [Link] = []
            for from in shuffled { for to in shuffled where from != to { links.append(Link(from: from, to: to)) } }
            let count = 1 + random.nextIndex(below: links.count)
            var time = now
            var clogged: [Link] = []
            for _ in 0..<count {
                let link = links.remove(at: random.nextIndex(below: links.count))
                time += draw(10_000...200_000)
                queue.schedule(.clog(link), at: time)
                clogged.append(link)
            }
            for index in clogged.indices.reversed() where index > 0 {
                clogged.swapAt(index, random.nextIndex(below: index + 1))
            }
            for link in clogged {
                time += draw(10_000...200_000)
                queue.schedule(.unclog(link), at: time)
            }
            record("fault: swizzle-clog \(count) links")
            return
        }
        queue.schedule(.healNetwork(generation: networkFaultGeneration), at: now + draw(100_000...3_000_000))
    }

    private mutating func isolate(_ group: [NodeID], from others: [NodeID]) {
        for left in group {
            for right in others {
                blockedLinks.insert(Link(from: left, to: right))
                blockedLinks.insert(Link(from: right, to: left))
            }
        }
    }

    mutating func crashNodes() {
        guard !inLivenessPhase else { return }
        scheduleNext(.crash, meanMicroseconds: options.crashIntervalMicroseconds)
        let up = nodes.indices.filter { nodes[$0].isUp }
        guard !up.isEmpty else { return }
        let victims: [Int]
        if random.nextBool(probability: options.crashAllProbability) {
            victims = up
        } else if random.nextBool(probability: options.crashLeaderProbability),
            let leader = up.first(where: { nodes[$0].replica(0)?.role == .leader })
        {
            victims = [leader]
        } else {
            victims = [up[random.nextIndex(below: up.count)]]
        }
        for position in victims {
            crash(position)
            queue.schedule(.restart(node: position), at: now + draw(options.restartDelayMicroseconds))
        }
    }

    /// Kills a node: a write in progress reaches the disk only in part (a torn tail), and
    /// everything not yet durable is lost.
    mutating func crash(_ position: Int) {
        statistics.crashes += 1
        crashDisk(position)
        nodes[position].crash()
        closeLanes(of: nodes[position].id)
        for shard in shards { checkers[shard].nodeCrashed(nodes[position].id) }
        record("n\(position + 1) crashes")
        fold(0xC7A5, UInt64(position))
    }

    /// A node's clock leaps forward: several ticks at once.
    mutating func clockJump() {
        guard !inLivenessPhase else { return }
        scheduleNext(.clockJump, meanMicroseconds: 2_000_000)
        let position = random.nextIndex(below: nodes.count)
        guard nodes[position].isUp else { return }
        let ticks = 1 + random.nextIndex(below: 2 * options.electionTimeoutTicks)
        record("n\(position + 1) clock jumps \(ticks) ticks")
        for shard in shards {
            nodes[position].shards[shard].runtime!.tick(ticks)
            afterInput(position, shard)
        }
    }

    /// Removes a random voter, or adds a brand-new node (ids are never reused) as a learner
    /// and later promotes it, through whichever node leads. Runs of one group only: the
    /// options turn membership changes off for more.
    mutating func changeMembership() {
        guard !inLivenessPhase else { return }
        precondition(options.shardCount == 1, "membership changes of many groups are not simulated")
        scheduleNext(.membershipChange, meanMicroseconds: options.membershipChangeIntervalMicroseconds)
        guard let leaderPosition = nodes.indices.first(where: { nodes[$0].replica(0)?.role == .leader }) else { return }
        let membership = nodes[leaderPosition].replica(0)!.membership
        let change: ConfigurationChange
        var joining: NodeID?
        if let learner = membership.learners.sorted().first {
            change = .addVoter(learner)
        } else if membership.voters.count >= 4 {
            let voters = membership.voters.sorted()
            change = .remove(voters[random.nextIndex(below: voters.count)])
        } else if nodes.count < 7 {
            joining = NodeID(UInt64(nodes.count) + 1)
            change = .addLearner(joining!)
        } else {
            return
        }
        do {
            try nodes[leaderPosition].shards[0].runtime!.proposeConfigurationChange(change)
        } catch {
            record("membership change \(change) refused: \(error)")
            return
        }
        if let joining { addNode(joining, state: .joining) }
        statistics.membershipChanges += 1
        record("n\(leaderPosition + 1) proposes \(change)")
        afterInput(leaderPosition, 0)
    }
}
