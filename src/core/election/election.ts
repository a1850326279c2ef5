// The lease-based master election as a pure state machine, in the manner of etcd's raft package:
// time arrives as `now` (monotonic ms on this node's clock), messages arrive through step(), and
// everything it wants done comes out of ready(): state to persist, then messages, then events.
//
// Safety (docs/election-safety.md): a voter promises one holder at a time, for leaseMs counted from
// when it received the request; the holder counts its lease from before it sent the request, and
// gives up maxDriftMs of it for clock-rate drift. So the master's lease always ends before any voter
// of its quorum could promise another node, and two quorums always share a voter.
//
// The voter set can change (autopilot.ts replaces dead voters), one voter at a time, through the
// master: a change takes effect once quorums of the old and new sets have persisted it, and no
// voter promises a new term to a candidate that knows an older configuration than its own, so
// quorums of successive sets always overlap (docs/election-safety.md, "Changing the voter set").
import type { ClaimView, ClusterClaim, Epoch, Millis, NodeId, Rng } from '../types.js'
import { nextVoterChange, VoterWatch } from './autopilot.js'
import { bootstrapStep, conflictingVoterSets, sortedUnique } from './bootstrap.js'
import { compareEntries, copyConfig, copyKnowledge, isBootstrapOnly, lastEntry } from './config.js'
import { FencingGuard, type FenceCheck } from './fencing.js'
import { validateElectionParams } from './params.js'
import { mayGrant, NO_PROMISE, type VoterPromise } from './promise.js'
import { LeaseRound } from './round.js'
import type {
  ConfigKnowledge, ElectionEvent, ElectionMessage, ElectionParams, ElectionStatus, KnownMaster, LeaseRequest,
  LeaseResponse, MasterAnnounce, MemberHealth, Outgoing, PersistedElectionState, Ready
} from './types.js'
import { VoterConfigs } from './voter-configs.js'

/** The order key of a request without configuration: the bootstrap set, nothing in flight. */
const BOOTSTRAP_ENTRY = { term: 0, version: 0 }

/** What this node is doing in the election; 'worker' in status() is a follower outside the voter set. */
type Activity = 'follower' | 'candidate' | 'master'

interface Announced {
  master: NodeId
  term: Epoch
  /** When we stop trusting it, on our clock (its remaining lease minus the drift margin). */
  expiresAt: Millis
}

export class Election {
  private readonly params: ElectionParams
  private now: Millis

  private readonly configs: VoterConfigs
  private proposal: NodeId[] | null = null
  private readonly reportedConflicts = new Set<string>()
  /** Latest inputs from membership: claims (is a member past bootstrap?) and health (autopilot). */
  private claims: ReadonlyMap<NodeId, ClaimView> = new Map()
  private members: ReadonlyMap<NodeId, MemberHealth> = new Map()
  private readonly watch = new VoterWatch()

  private highestTerm: Epoch
  private readonly guard: FencingGuard
  private promise: VoterPromise
  /** A restored voter grants nothing before this: it cannot know when its old promise runs out. */
  private quarantineUntil: Millis
  private announced: Announced | null = null

  private activity: Activity = 'follower'
  /** The term held as master, or campaigned for as candidate. */
  private term: Epoch = 0
  /** The term the master's next rounds ask for: above `term` while it moves to a newer epoch. */
  private roundTerm: Epoch = 0
  /** A voter refused our round's term for good (it promised that term elsewhere): move past it. */
  private termSpent = false
  private rounds: LeaseRound[] = []
  private leaseEnd: Millis = -Infinity
  private nextRoundAt: Millis = -Infinity
  private campaignAt: Millis | null = null
  /** Who handed over to the current campaign (TimeoutNow), and up to which term it released. */
  private releasedBy: { node: NodeId, term: Epoch } | null = null
  private lastTickAt: Millis
  /** Set by stepDown(): the node is leaving and must never campaign again. */
  private leaving = false
  private readonly lastGrantAt = new Map<NodeId, Millis>()
  /** Per voter, the highest term it has released (or handed over): its announces up to it are stale. */
  private readonly releasedTerms = new Map<NodeId, Epoch>()
  /** Everyone asked for a promise since we last resigned: they get our Release. */
  private readonly asked = new Set<NodeId>()
  private nextReqId = 1

  private messages: Outgoing[] = []
  private events: ElectionEvent[] = []
  private dirty = false

  constructor (
    private readonly self: NodeId,
    params: ElectionParams,
    private readonly rng: Rng,
    now: Millis,
    persisted?: PersistedElectionState
  ) {
    const check = validateElectionParams(params)
    if (!check.ok) throw new Error(`invalid election parameters: ${check.problems.join('; ')}`)
    this.params = { ...params }
    this.now = now
    this.lastTickAt = now
    this.configs = new VoterConfigs(e => { this.events.push(e) }, restoredConfig(persisted))
    if (persisted === undefined) {
      this.highestTerm = 0
      this.guard = new FencingGuard()
      this.promise = { ...NO_PROMISE }
      this.quarantineUntil = -Infinity
    } else {
      const masterEpoch = persisted.masterEpoch ?? 0
      this.highestTerm = Math.max(persisted.highestTerm, persisted.promisedTerm, masterEpoch)
      this.guard = new FencingGuard(masterEpoch, persisted.master ?? null)
      // The old promise may have been given just before the crash: it may run for a full lease.
      this.promise = persisted.holder === null
        ? { term: persisted.promisedTerm, holder: null, expiresAt: -Infinity }
        : { term: persisted.promisedTerm, holder: persisted.holder, expiresAt: now + params.leaseMs }
      this.quarantineUntil = now + params.leaseMs
    }
  }

  // ---- inputs -------------------------------------------------------------------------------

  tick (now: Millis): void {
    const t = this.advanceClock(now)
    this.onTick(t)
    this.lastTickAt = t
  }

  private onTick (t: Millis): void {
    if (this.activity === 'master') {
      if (t >= this.nextRoundAt) this.startRound(t)
      this.maybeChangeVoters(t)
    } else if (this.activity === 'candidate') {
      const round = this.rounds[0]
      if (round === undefined) return
      if (t >= round.startedAt + this.params.renewMs) {
        this.abandonCampaign(t, 'no quorum answered in time', round.waitHint())
        return
      }
      for (const v of round.takeDueAsks(t)) this.messages.push({ to: v, msg: round.request })
    } else {
      this.maybeCampaign(t)
    }
  }

  step (from: NodeId, msg: ElectionMessage, now: Millis): void {
    const t = this.advanceClock(now)
    if (from === this.self) return
    switch (msg.kind) {
      case 'lease-request': this.onRequest(from, msg, t); break
      case 'lease-response': this.onResponse(from, msg, t); break
      case 'release': this.onRelease(from, msg.term); break
      case 'timeout-now': this.onTimeoutNow(from, msg.term, t); break
      case 'master-announce': this.onAnnounce(from, msg, t); break
    }
  }

  /** Membership's view: drives bootstrap, and lets every node learn the terms others have seen. */
  observeClaims (claims: ReadonlyMap<NodeId, ClaimView>, aliveIds: readonly NodeId[], now: Millis): void {
    const t = this.advanceClock(now)
    this.claims = claims
    for (const id of aliveIds) {
      const claim = claims.get(id)
      if (id !== this.self && claim !== undefined) this.raiseHighestTerm(claim.epoch)
    }
    const view = { self: this.self, expect: this.params.expect, claims, alive: aliveIds }
    const k = this.configs.knowledge
    if (k !== null) {
      this.reportConflicts(conflictingVoterSets(view, k.committed.voters, k.committed.version))
      return
    }
    const outcome = bootstrapStep(view)
    if (outcome.kind === 'proposing') {
      this.proposal = outcome.proposal
      return
    }
    this.configs.agree(outcome.voters, outcome.version)
    this.proposal = null
    this.dirty = true
    this.events.push({ type: 'voters-agreed', voters: [...outcome.voters], via: outcome.via, alternatives: outcome.alternatives })
    // Joining a cluster that has already elected, as one of its voters, without our state: we may
    // be a voter whose disk was wiped, with a promise still running somewhere in the past.
    if (outcome.via === 'adopted' && outcome.voters.includes(this.self) && this.highestTerm > 0) {
      this.quarantineUntil = Math.max(this.quarantineUntil, t + this.params.leaseMs)
    }
  }

  /**
   * Membership's health of every member it knows (absent: never heard of). The master replaces a
   * voter dead for replaceDeadVoterAfterMs by the lowest-id worker alive for promoteAfterAliveMs.
   */
  observeMembers (members: ReadonlyMap<NodeId, MemberHealth>, now: Millis): void {
    const t = this.advanceClock(now)
    this.members = members
    const voters = this.configs.voters
    if (voters !== null) this.watch.observe(voters, this.self, members, t)
  }

  /** Graceful stop: stop acting as master now, release the voters and hand over to one of them. */
  stepDown (now: Millis): void {
    const t = this.advanceClock(now)
    if (this.leaving) return
    this.leaving = true
    this.campaignAt = null
    if (this.activity === 'master') {
      const target = this.handoffTarget(t)
      const term = this.roundTerm
      this.events.push({ type: 'stepped-down', term: this.term, handoffTo: target })
      this.resign()
      if (target !== null) this.messages.push({ to: target, msg: { kind: 'timeout-now', term } })
    } else if (this.activity === 'candidate') {
      this.events.push({ type: 'campaign-failed', term: this.term, reason: 'node is stopping', retryInMs: 0 })
      this.resign()
    }
  }

  /** Checks an order's epoch with the fencing guard; a refusal is also reported as a 'fenced' event. */
  admitOrder (epoch: Epoch, from: NodeId): FenceCheck {
    const before = [this.guard.highestEpoch, this.guard.masterOfHighest]
    const result = this.guard.admit(epoch, from)
    if (!result.ok) this.events.push({ type: 'fenced', epoch, from, reason: result.reason })
    if (before[0] !== this.guard.highestEpoch || before[1] !== this.guard.masterOfHighest) this.dirty = true
    return result
  }

  // ---- queries ------------------------------------------------------------------------------

  /** True only while this node's lease is valid on its own clock. */
  isMaster (now: Millis): boolean {
    return this.activity === 'master' && now < this.leaseEnd
  }

  /** The epoch to stamp on an order sent now, or null when this node must not give orders. */
  orderEpoch (now: Millis): Epoch | null {
    return this.isMaster(now) ? this.term : null
  }

  /** Highest term seen anywhere (campaigns included). */
  get highestSeenTerm (): Epoch {
    return this.highestTerm
  }

  /** Highest epoch known to be held by a master: what the fencing guard enforces. */
  get fencingEpoch (): Epoch {
    return this.guard.highestEpoch
  }

  /** What to put in our heartbeat, as of the last input. */
  claim (): ClusterClaim {
    const voters = this.configs.voters
    const version = this.configs.knowledge?.committed.version ?? 0
    return {
      voters: voters === null ? null : [...voters],
      proposal: this.proposal === null ? null : [...this.proposal],
      epoch: this.highestTerm,
      master: this.knownMaster(this.now)?.id ?? null,
      ...(version > 0 ? { configVersion: version } : {})
    }
  }

  /** The committed voters and the change in flight, as held (no copies, no clock): for gating every input. */
  voterSets (): { voters: readonly NodeId[] | null, pending: readonly NodeId[] | null, version: number } {
    return { voters: this.configs.voters, pending: this.configs.pending?.voters ?? null, version: this.configs.knowledge?.committed.version ?? 0 }
  }

  status (now: Millis): ElectionStatus {
    const holder = this.promise.holder
    const role = this.isMaster(now)
      ? 'master'
      : this.activity === 'candidate' ? 'candidate' : this.isVoter() ? 'voter' : 'worker'
    const voters = this.configs.voters
    const pending = this.configs.pending
    return {
      role,
      term: this.highestTerm,
      master: this.knownMaster(now),
      voters: voters === null ? null : [...voters],
      configVersion: this.configs.knowledge?.committed.version ?? 0,
      pendingConfig: pending === null ? null : { version: pending.version, voters: [...pending.voters] },
      proposal: this.proposal === null ? null : [...this.proposal],
      promisedTo: holder !== null && now < this.promise.expiresAt
        ? { holder, term: this.promise.term, remainingMs: this.promise.expiresAt - now }
        : null,
      quarantineRemainingMs: Math.max(0, this.quarantineUntil - now),
      fencingEpoch: this.guard.highestEpoch
    }
  }

  // ---- outputs ------------------------------------------------------------------------------

  /** Persist `persist` (if present) before sending `messages`; then report `events`. */
  ready (): Ready {
    const out: Ready = { messages: this.messages, events: this.events }
    if (this.dirty) out.persist = this.persisted()
    return out
  }

  /** Clears what ready() returned, once the adapter has acted on it. */
  advance (): void {
    this.messages = []
    this.events = []
    this.dirty = false
  }

  // ---- voter side ---------------------------------------------------------------------------

  private onRequest (from: NodeId, req: LeaseRequest, t: Millis): void {
    this.raiseHighestTerm(req.term)
    // Only the candidate asks for itself; anything else is a confused or forged sender.
    if (req.candidate !== from) return
    if (this.activity === 'candidate' && outranks(req.candidate, req.term, this.self, this.term)) this.yieldTo(req.candidate, t)
    this.messages.push({ to: from, msg: this.answer(req, t) })
  }

  /**
   * Applies the grant rule; the self-grant of our own rounds goes through here too. Besides the
   * promise rule: the candidate counts grants against the committed set its request carries, so
   * we must be in it (or in the change in flight, to acknowledge it), and a new promise goes only
   * to a candidate whose configuration is at least as up to date as ours (Raft's election rule).
   */
  private answer (req: LeaseRequest, t: Millis): LeaseResponse {
    const ours = this.configs.knowledge
    const theirs = req.config
    const theirLast = theirs === undefined ? BOOTSTRAP_ENTRY : lastEntry(theirs)
    const renewal = this.promise.term === req.term && this.promise.holder === req.candidate
    let granted = false
    if (ours !== null) {
      const counting = theirs?.committed.voters ?? (ours.committed.version === 0 ? ours.committed.voters : null)
      const member = counting !== null && counting.includes(req.candidate) &&
        (counting.includes(this.self) || theirs?.pending?.voters.includes(this.self) === true)
      const upToDate = renewal || compareEntries(theirLast, lastEntry(ours)) >= 0
      granted = member && upToDate && t >= this.quarantineUntil && mayGrant(this.promise, req.term, req.candidate, t)
    }
    if (granted) {
      // A renewal changes only the expiry, which is never persisted: no write for it.
      if (!renewal) this.dirty = true
      this.promise = { term: req.term, holder: req.candidate, expiresAt: t + this.params.leaseMs }
      // Granting a request acknowledges the change it carries: persisted with the promise.
      if (theirs !== undefined && this.configs.learn(theirs)) this.dirty = true
    }
    const promiseLeft = this.promise.holder === null ? 0 : this.promise.expiresAt - t
    const response: LeaseResponse = {
      kind: 'lease-response',
      term: req.term,
      reqId: req.reqId,
      granted,
      promisedTerm: this.promise.term,
      holder: this.promise.holder,
      remainingMs: Math.ceil(Math.max(0, promiseLeft, this.quarantineUntil - t))
    }
    const known = this.configs.knowledge
    if (known !== null && knowsMore(known, theirs)) response.config = copyKnowledge(known)
    return response
  }

  private onRelease (from: NodeId, term: Epoch): void {
    this.raiseHighestTerm(term)
    // The holder is no longer master at any term up to `term`, and will never be again.
    if (this.promise.holder === from && this.promise.term <= term) {
      this.promise = { term: this.promise.term, holder: null, expiresAt: -Infinity }
      this.dirty = true
    }
    if (this.announced !== null && this.announced.master === from && this.announced.term <= term) this.announced = null
    if (this.configs.voters?.includes(from) === true && term > (this.releasedTerms.get(from) ?? -1)) this.releasedTerms.set(from, term)
  }

  /** A master handing over, or a rival candidate yielding: campaign now, without back-off. */
  private onTimeoutNow (from: NodeId, term: Epoch, t: Millis): void {
    this.onRelease(from, term)
    if (!this.mayCampaign(t)) return
    // A candidate restarts at a new term: voters that refused it for the rival are free now, and
    // those that promised the rival our own term (a tie) can only grant a newer one.
    const restart = this.activity === 'candidate' && term >= this.term
    if (restart || (this.activity === 'follower' && t >= this.knownLeaseEnd())) this.campaign(t, { node: from, term })
  }

  private onAnnounce (from: NodeId, a: MasterAnnounce, t: Millis): void {
    this.raiseHighestTerm(a.term)
    if (a.master !== from) return
    // An older epoch than one we know of is a late message from a deposed master.
    if (this.guard.check(a.term, from).ok === false) return
    // The epoch existed: orders from older ones are stale from now on, whatever happened since.
    if (this.guard.observe(a.term, from)) this.dirty = true
    // Its committed voter set is committed, whatever became of the master since.
    if (a.config !== undefined && this.configs.learn({ committed: a.config, pending: null })) this.dirty = true
    // But an epoch its master has released is over, even if the announce overtook the release;
    // and any older master we knew of was deposed before it.
    if ((this.releasedTerms.get(from) ?? -1) >= a.term) {
      if (this.announced !== null && this.announced.term < a.term) this.announced = null
      return
    }
    if (this.activity === 'master') {
      // Another master at our epoch or above while our lease runs: only possible if our voter
      // sets differ (see bootstrap limits). Stepping aside is the safe choice.
      this.events.push({ type: 'lost-lease', term: this.term })
      this.resign()
    } else if (this.activity === 'candidate') {
      this.events.push({ type: 'campaign-failed', term: this.term, reason: `${from} announced itself master at term ${a.term}`, retryInMs: 0 })
      this.resign()
    }
    const before = this.announced
    this.announced = { master: from, term: a.term, expiresAt: t + a.leaseRemainingMs - this.params.maxDriftMs }
    this.campaignAt = null
    if (before === null || before.master !== from || before.term !== a.term) {
      this.events.push({ type: 'new-master', term: a.term, master: from })
    }
  }

  // ---- candidate and master side ------------------------------------------------------------

  private maybeCampaign (t: Millis): void {
    const leaseEnd = this.knownLeaseEnd()
    if (!this.mayCampaign(t) || t < leaseEnd) {
      this.campaignAt = null
      return
    }
    // The back-off counts from when the lease ran out, not from the tick that noticed it.
    if (this.campaignAt === null) this.campaignAt = (leaseEnd > this.lastTickAt ? leaseEnd : t) + this.backoff()
    if (t >= this.campaignAt) this.campaign(t, null)
  }

  /** `releasedBy`: the node whose TimeoutNow started this campaign, if any. */
  private campaign (t: Millis, releasedBy: { node: NodeId, term: Epoch } | null): void {
    const term = this.highestTerm + 1
    this.raiseHighestTerm(term)
    this.activity = 'candidate'
    this.term = term
    this.roundTerm = term
    this.termSpent = false
    this.rounds = []
    this.campaignAt = null
    this.releasedBy = releasedBy
    this.events.push({ type: 'campaign-started', term, immediate: releasedBy !== null })
    this.startRound(t)
  }

  /**
   * A round counts grants against the committed set and carries our whole configuration, so that
   * voters check we are up to date and acknowledge the change in flight; its new voters are asked
   * too, since the change needs their quorum as well.
   */
  private startRound (t: Millis): void {
    const k = this.configs.knowledge
    if (k === null) return
    if (this.activity === 'master' && (this.highestTerm > this.roundTerm || this.termSpent)) {
      // Someone campaigned at a newer term, or at ours: move past it, or voters that promised it refuse us.
      this.roundTerm = this.highestTerm + 1
      this.raiseHighestTerm(this.roundTerm)
      this.termSpent = false
    }
    const lifetime = this.params.leaseMs - this.params.maxDriftMs
    this.rounds = this.rounds.filter(r => r.startedAt + lifetime > t)
    const req: LeaseRequest = { kind: 'lease-request', term: this.roundTerm, candidate: this.self, reqId: this.nextReqId++ }
    if (!isBootstrapOnly(k)) req.config = copyKnowledge(k)
    const round = new LeaseRound(req, t, k.committed.voters, k.committed.version)
    this.rounds.push(round)
    this.nextRoundAt = t + this.params.renewMs
    for (const v of this.configs.everyone) {
      if (v === this.self) continue
      this.messages.push({ to: v, msg: req })
      this.asked.add(v)
    }
    this.onResponse(this.self, this.answer(req, t), t)
  }

  private onResponse (from: NodeId, resp: LeaseResponse, t: Millis): void {
    this.raiseHighestTerm(resp.promisedTerm)
    if (this.activity === 'follower') return
    const round = this.rounds.find(r => r.reqId === resp.reqId && r.term === resp.term)
    if (round === undefined) return
    // A candidate catches up with what a voter knows (so its next round is up to date); a master
    // does not take in changes from voters: it only finishes its own, or those it was elected with.
    if (resp.config !== undefined && this.activity === 'candidate' && this.configs.learn(resp.config)) {
      this.dirty = true
      if (!this.isVoter()) {
        this.abandonCampaign(t, `not a voter of voter set ${resp.config.committed.version}`, 0)
        return
      }
    }
    const released = this.releasedBy
    if (!resp.granted && released !== null && resp.holder === released.node && resp.promisedTerm <= released.term) {
      // The voter has not yet received the release that the node handing over to us sent it.
      round.askLater(from, t)
      return
    }
    // A voter whose promise to another node is about to run out is asked again then, within the
    // round: after a master's crash the voters' promises end within moments of each other.
    const askAgainAt = this.activity === 'candidate' && !resp.granted && resp.promisedTerm < round.term &&
      resp.remainingMs > 0 && t + resp.remainingMs < round.startedAt + this.params.renewMs
      ? t + resp.remainingMs + 1
      : null
    round.record(from, resp.granted, resp.remainingMs, askAgainAt)
    // A voter that promised this very term to another node (a rival campaign, then released) never
    // grants it to us: without a new epoch it is lost to the master, and to any change needing it.
    if (this.activity === 'master' && !resp.granted && resp.promisedTerm >= round.term && resp.holder !== this.self) this.termSpent = true
    if (resp.granted) {
      this.lastGrantAt.set(from, t)
      if (this.activity === 'master' && this.configs.recordAck(from, round.carries, round.term)) this.dirty = true
    }
    if (!round.counted && round.hasQuorum()) {
      this.onQuorum(round, t)
    } else if (this.activity === 'candidate') {
      const rival = resp.granted ? null : resp.holder
      if (rival !== null && rival !== this.self && resp.remainingMs > 0 && outranks(rival, resp.promisedTerm, this.self, this.term)) {
        this.yieldTo(rival, t)
      } else if (round.quorumOutOfReach()) {
        this.abandonCampaign(t, 'too many voters refused', round.waitHint())
      }
    }
  }

  /**
   * Two candidates that split the voters would both wait for their rounds to time out, and could
   * do so again and again. So the one that ranks lower gives up at once, releases its voters and
   * tells the other (TimeoutNow) to campaign again straight away: they are all free for it now.
   */
  private yieldTo (rival: NodeId, t: Millis): void {
    const term = this.roundTerm
    // Retry only if the rival has not won by the end of its round.
    this.abandonCampaign(t, `yielding to ${rival}`, this.params.renewMs)
    if (this.configs.voters?.includes(rival) === true) this.messages.push({ to: rival, msg: { kind: 'timeout-now', term } })
  }

  private onQuorum (round: LeaseRound, t: Millis): void {
    // The lease counts from before the requests left, minus the drift margin.
    const leaseEnd = round.startedAt + this.params.leaseMs - this.params.maxDriftMs
    round.counted = true
    // Older rounds can only give a shorter lease. This one stays: its late answers still tell us
    // who acknowledged our voter change, and who spent our term elsewhere.
    this.rounds = this.rounds.filter(r => r.startedAt >= round.startedAt)
    if (this.activity === 'candidate') {
      if (leaseEnd <= t) {
        this.abandonCampaign(t, 'the quorum answered too late for a valid lease', 0)
        return
      }
      this.activity = 'master'
      this.releasedBy = null
      this.term = round.term
      this.leaseEnd = leaseEnd
      this.nextRoundAt = round.startedAt + this.params.renewMs
      this.announced = null
      if (this.guard.observe(round.term, this.self)) this.dirty = true
      this.events.push({ type: 'elected', term: round.term, leaseRemainingMs: leaseEnd - t })
    } else {
      this.leaseEnd = Math.max(this.leaseEnd, leaseEnd)
      if (round.term > this.term) {
        this.events.push({ type: 'epoch-raised', from: this.term, to: round.term })
        this.term = round.term
        if (this.guard.observe(round.term, this.self)) this.dirty = true
      }
    }
    // A change we were elected with (or proposed at an older epoch) is ours to finish, at our term.
    if (this.configs.restamp(this.term)) this.dirty = true
    this.configs.renewedWith(round.configVersion)
    const announce: MasterAnnounce = { kind: 'master-announce', term: this.term, master: this.self, leaseRemainingMs: Math.floor(this.leaseEnd - t) }
    const k = this.configs.knowledge
    if (k !== null && !isBootstrapOnly(k)) announce.config = copyConfig(k.committed)
    this.messages.push({ to: 'all', msg: announce })
  }

  /** Master: the next step of replacing a dead voter, once the previous one is committed and in use. */
  private maybeChangeVoters (t: Millis): void {
    const voters = this.configs.voters
    if (!this.watch.anyDown || this.leaving || voters === null || !this.isMaster(t) || !this.configs.readyForChange) return
    const change = nextVoterChange({
      self: this.self,
      now: t,
      voters,
      expect: this.params.expect,
      replaceDeadVoterAfterMs: this.params.replaceDeadVoterAfterMs,
      promoteAfterAliveMs: this.params.promoteAfterAliveMs,
      members: this.members,
      downSince: id => this.watch.since(id, this.lastGrantAt.get(id)),
      bootstrapped: id => (this.claims.get(id)?.voters ?? null) !== null
    })
    if (change === null) return
    this.configs.propose(change, this.term)
    this.dirty = true
  }

  private abandonCampaign (t: Millis, reason: string, waitMs: Millis): void {
    const retryInMs = waitMs + this.backoff()
    this.events.push({ type: 'campaign-failed', term: this.term, reason, retryInMs })
    this.resign()
    this.campaignAt = t + retryInMs
  }

  /**
   * Stop being candidate or master: forget the rounds (late grants no longer count) and give the
   * voters their promises back, ours included, so that another node can be elected at once.
   */
  private resign (): void {
    const term = this.roundTerm
    this.activity = 'follower'
    this.rounds = []
    this.leaseEnd = -Infinity
    for (const v of this.asked) this.messages.push({ to: v, msg: { kind: 'release', term } })
    this.asked.clear()
    this.onRelease(this.self, term)
  }

  /** Lowest id among the other voters that granted us something within the last lease. */
  private handoffTarget (t: Millis): NodeId | null {
    // Only a voter that answered one of the last two renewal rounds: one that has just
    // restarted (quarantined, and reached through a fresh stream) would let the handover lapse.
    const recent = (this.configs.voters ?? []).filter(v => {
      const at = this.lastGrantAt.get(v)
      return v !== this.self && at !== undefined && t - at <= 2 * this.params.renewMs
    })
    return recent[0] ?? null
  }

  // ---- shared -------------------------------------------------------------------------------

  /** Every input passes through here: time never goes back, and an expired lease ends at once. */
  private advanceClock (now: Millis): Millis {
    const t = Math.max(now, this.now)
    this.now = t
    if (this.activity === 'master' && t >= this.leaseEnd) {
      this.events.push({ type: 'lost-lease', term: this.term })
      this.resign()
    }
    return t
  }

  private isVoter (): boolean {
    return this.configs.voters?.includes(this.self) === true
  }

  private mayCampaign (t: Millis): boolean {
    return this.isVoter() && !this.leaving && t >= this.quarantineUntil
  }

  /** Until when a lease (other than our own) may be running, as far as this node knows. */
  private knownLeaseEnd (): Millis {
    const p = this.promise
    const promised = p.holder !== null && p.holder !== this.self ? p.expiresAt : -Infinity
    return Math.max(promised, this.announced?.expiresAt ?? -Infinity)
  }

  private knownMaster (now: Millis): KnownMaster | null {
    if (this.isMaster(now)) return { id: this.self, epoch: this.term, leaseRemainingMs: this.leaseEnd - now }
    const a = this.announced
    if (a !== null && now < a.expiresAt) return { id: a.master, epoch: a.term, leaseRemainingMs: a.expiresAt - now }
    return null
  }

  private raiseHighestTerm (term: Epoch): void {
    if (term <= this.highestTerm) return
    this.events.push({ type: 'term-advanced', from: this.highestTerm, to: term })
    this.highestTerm = term
    this.dirty = true
  }

  private backoff (): Millis {
    return this.rng.next() * this.params.backoffMaxMs
  }

  private reportConflicts (conflicts: Array<{ reportedBy: NodeId, theirs: NodeId[] }>): void {
    const ours = this.configs.voters
    if (ours === null) return
    for (const c of conflicts) {
      const key = `${c.reportedBy} ${JSON.stringify(c.theirs)}`
      if (this.reportedConflicts.has(key)) continue
      this.reportedConflicts.add(key)
      this.events.push({ type: 'voters-conflict', ours: [...ours], theirs: c.theirs, reportedBy: c.reportedBy })
    }
  }

  private persisted (): PersistedElectionState {
    const k = this.configs.knowledge
    const state: PersistedElectionState = {
      promisedTerm: this.promise.term,
      holder: this.promise.holder,
      highestTerm: this.highestTerm,
      voters: k === null ? null : [...k.committed.voters],
      masterEpoch: this.guard.highestEpoch,
      master: this.guard.masterOfHighest
    }
    if (k === null || isBootstrapOnly(k)) return state
    return { ...state, configVersion: k.committed.version, configTerm: k.committed.term, pending: k.pending === null ? null : copyConfig(k.pending) }
  }
}

/** Campaign priority: the newer term wins; at equal terms the lower id does. */
function outranks (a: NodeId, aTerm: Epoch, b: NodeId, bTerm: Epoch): boolean {
  return aTerm > bTerm || (aTerm === bTerm && a < b)
}

/** Should a voter tell the requester its configuration: a later entry, or a commit it missed? */
function knowsMore (ours: ConfigKnowledge, theirs: ConfigKnowledge | undefined): boolean {
  const theirLast = theirs === undefined ? BOOTSTRAP_ENTRY : lastEntry(theirs)
  return compareEntries(lastEntry(ours), theirLast) > 0 || ours.committed.version > (theirs?.committed.version ?? 0)
}

function restoredConfig (persisted: PersistedElectionState | undefined): ConfigKnowledge | null {
  if (persisted === undefined || persisted.voters === null) return null
  return {
    committed: { version: persisted.configVersion ?? 0, term: persisted.configTerm ?? 0, voters: sortedUnique(persisted.voters) },
    pending: persisted.pending ?? null
  }
}
