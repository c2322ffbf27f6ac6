package dev.wormholes.sim;

import dev.wormholes.people.Mailbox;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.WhisperIntake;
import dev.wormholes.people.WhisperOutbox;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Whispers between simulated nodes, decided by the daemon's engines: each sender's {@link
 * WhisperOutbox} (the first attempt at once, retries on its schedule, polled every second as
 * {@code node/whisper/Whispers} polls it) and each recipient's {@link WhisperIntake} (who may
 * whisper, duplicates acknowledged without storing). {@code whisper.pairs} disjoint pairs of honest
 * nodes (accepted contacts of each other); each sender queues {@code whisper.per_pair} whispers,
 * evenly spread over {@code whisper.window_s} from {@code whisper.start_s}.
 *
 * <p>The world, not a decision, is modelled here: one attempt is one QUIC stream, a request
 * datagram and its answer through the run's {@link NetworkModel} (latency, loss), retransmitted as
 * QUIC's loss recovery would (1 s, then doubling) until answered or the daemon's attempt timeout
 * ({@link #ATTEMPT_TIMEOUT_MS}); the recipient judges an attempt once and repeats that answer to
 * its copies. A node the run's churn has taken offline neither answers nor sends: its retry polls
 * wait until it is back, and an answer reaching it is lost. An attempt that got no answer by the
 * timeout is {@code FAILED}; the outbox says when to try again. Every whisper's delivery time runs
 * from its queueing to the sender hearing it was stored.
 *
 * <p>With {@code whisper.mailbox = 1} each recipient names one mailbox friend (the sender of the
 * next pair, a contact of both) that holds whispers with the daemon's {@link Mailbox}: after {@link
 * Mailbox#depositTo} says so (three failed attempts) the sender also deposits the whisper there (a
 * request and its answer, lost or not arriving as a whisper's), while retrying directly; each
 * recipient polls every second and visits its mailbox when {@link Mailbox.Visits} says (a
 * recipient back from being offline starts afresh, as a restarted daemon does), takes what it
 * fetched through its {@link WhisperIntake} as a direct whisper and acknowledges it. Time to the
 * recipient's inbox (first store, by either path) is measured for every run.
 */
final class WhisperWorkload {
  /** The daemon's bound on one attempt (dial and answer): {@code Whispers.ATTEMPT_TIMEOUT_MS}. */
  static final long ATTEMPT_TIMEOUT_MS = 20_000;
  /** How often a sender polls its outbox for due retries (the daemon's retry tick). */
  static final long TICK_MS = 1_000;
  /** QUIC's first retransmission of an unanswered packet; then twice as long each time. */
  private static final long RETRANSMIT_MS = 1_000;
  /** Bytes of one whisper on the wire (a short signed, sealed text) and of its one-byte answer. */
  private static final int REQUEST_BYTES = 400;
  private static final int ANSWER_BYTES = 60;
  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int QUEUE = 0;
  private static final int TICK = 1;
  private static final int SEND = 2;       // (re)send an attempt's request
  private static final int REQUEST = 3;    // a request copy reaches the recipient
  private static final int ANSWER = 4;     // an answer copy reaches the sender
  private static final int TIMEOUT = 5;
  private static final int DEPOSIT = 6;        // a deposit reaches the holder
  private static final int DEPOSITED = 7;      // its answer reaches the sender
  private static final int VISIT_TICK = 8;     // the recipient's mailbox poll
  private static final int FETCH = 9;          // a fetch reaches the holder
  private static final int FETCHED = 10;       // its answer reaches the recipient
  private static final int VISIT_TIMEOUT = 11;
  private static final int ACK = 12;           // an acknowledgement reaches the holder
  private static final int FETCH_ITEM_BYTES = 1300;

  private final int[] sender;
  private final int[] recipient;
  private final long start;
  private final long window;
  private final WhisperOutbox[] outboxes;
  private final WhisperIntake[] intakes;
  private final List<Set<String>> inboxes = new ArrayList<>();
  private final long[] queuedAt;
  private final long[] deliveredAt;
  private final boolean[] tickArmed;
  private final long[] inboxAt;
  // Mailboxes (null without): pair p's holder is the sender of pair p + 1.
  private final Mailbox[] mailboxes;
  private final Mailbox.Visits[] visits;
  private final boolean[] wasOnline;
  private final int[] failures;
  private final boolean[] deposited;
  private final List<int[]> deposits = new ArrayList<>();            // {whisper}
  private final List<long[]> fetches = new ArrayList<>();            // {pair, ended}
  private final List<List<Mailbox.Item>> fetched = new ArrayList<>();
  private final List<List<String>> acks = new ArrayList<>();         // {pair's acknowledged ids}, by fetch
  // Attempts, by index: {whisper, copies sent}, the recipient's verdict (null until judged), whether ended.
  private final List<int[]> attempts = new ArrayList<>();
  private final List<WhisperIntake.Verdict> verdicts = new ArrayList<>();
  private final List<Boolean> ended = new ArrayList<>();
  private NodeId[] ids;
  private boolean[] online;
  private NetworkModel net;
  private SplittableRandom netRandom;
  private NatLayer.Scheduler scheduler;
  private long wallBase;
  // Counters.
  private long requestsSent;
  private long requestsLost;
  private long answersLost;
  private long attemptsTimedOut;
  private long taken;
  private long held;
  private long refused;
  private long expired;
  private long depositsSent;
  private long depositsHeld;
  private long viaMailbox;
  private long visitsDone;
  private long visitsMissed;
  private long mailboxLost;

  /** Return the workload the scenario's {@code whisper.*} keys describe, among the {@code honest} nodes. */
  static WhisperWorkload of(Scenario sc, int[] honest) {
    return new WhisperWorkload(sc.integer("whisper.pairs"), sc.integer("whisper.per_pair"), sc.lng("whisper.start_s") * 1000,
        sc.lng("whisper.window_s") * 1000, sc.integer("whisper.mailbox") > 0, honest, sc.random(0x5748L));
  }

  /** Pick {@code pairs} disjoint pairs among {@code honest}; each sender queues {@code perPair} whispers. */
  WhisperWorkload(int pairs, int perPair, long startMs, long windowMs, int[] honest, SplittableRandom random) {
    this(pairs, perPair, startMs, windowMs, false, honest, random);
  }

  /** As above; {@code mailbox}: each recipient names a mailbox friend. */
  WhisperWorkload(int pairs, int perPair, long startMs, long windowMs, boolean mailbox, int[] honest,
      SplittableRandom random) {
    if (2L * pairs > honest.length) throw new IllegalArgumentException("whisper.pairs needs 2 honest nodes per pair");
    int[] order = honest.clone();
    for (int k = 0; k < 2 * pairs; k++) {
      int j = k + random.nextInt(order.length - k);
      int t = order[k]; order[k] = order[j]; order[j] = t;
    }
    sender = new int[pairs];
    recipient = new int[pairs];
    outboxes = new WhisperOutbox[pairs];
    intakes = new WhisperIntake[pairs];
    for (int p = 0; p < pairs; p++) {
      sender[p] = order[2 * p];
      recipient[p] = order[2 * p + 1];
      outboxes[p] = new WhisperOutbox();
      inboxes.add(new HashSet<>());
    }
    this.start = startMs;
    this.window = Math.max(1, windowMs);
    queuedAt = new long[pairs * perPair];
    deliveredAt = new long[pairs * perPair];
    Arrays.fill(queuedAt, -1);
    Arrays.fill(deliveredAt, -1);
    tickArmed = new boolean[pairs];
    inboxAt = new long[pairs * perPair];
    Arrays.fill(inboxAt, -1);
    mailboxes = mailbox ? new Mailbox[pairs] : null;
    visits = mailbox ? new Mailbox.Visits[pairs] : null;
    wasOnline = new boolean[pairs];
    failures = new int[pairs * perPair];
    deposited = new boolean[pairs * perPair];
    if (mailbox) {
      for (int p = 0; p < pairs; p++) {
        mailboxes[p] = new Mailbox();
        visits[p] = new Mailbox.Visits();
      }
    }
  }

  private int holder(int p) {
    return sender[(p + 1) % sender.length];
  }

  private PersonaId owner(int p) {
    return new PersonaId(ids[recipient[p]]);
  }

  /** Connect to the run's ids, online flags, network and event queue; Unix ms = {@code wallBase} + now. */
  void attach(NodeId[] nodeIds, boolean[] onlineNodes, NetworkModel network, SplittableRandom networkRandom,
      long wallBaseMs, NatLayer.Scheduler s) {
    this.ids = nodeIds;
    this.online = onlineNodes;
    this.net = network;
    this.netRandom = networkRandom;
    this.wallBase = wallBaseMs;
    this.scheduler = s;
    for (int p = 0; p < sender.length; p++) intakes[p] = new WhisperIntake(ids[recipient[p]]);
  }

  /** Schedule every whisper's queueing, evenly spaced over the window. */
  void schedule() {
    int all = queuedAt.length;
    for (int w = 0; w < all; w++) scheduler.at(start + window * w / all, QUEUE << SUB_SHIFT | w);
    if (mailboxes != null) {
      for (int p = 0; p < sender.length; p++) scheduler.at(start + TICK_MS * p / sender.length, VISIT_TICK << SUB_SHIFT | p);
    }
  }

  /** Return when the last whisper was queued. */
  long lastQueuedAt() {
    return start + window;
  }

  /** Handle one of this workload's events at {@code now}. */
  void dispatch(int index, long now) {
    int v = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case QUEUE: queue(v, now); break;
      case TICK: tick(v, now); break;
      case SEND: send(v, now); break;
      case REQUEST: request(v, now); break;
      case ANSWER: answer(v, now); break;
      case TIMEOUT: timeout(v, now); break;
      case DEPOSIT: depositArrives(v, now); break;
      case DEPOSITED: depositAnswered(v, now); break;
      case VISIT_TICK: visitTick(v, now); break;
      case FETCH: fetchArrives(v, now); break;
      case FETCHED: fetchAnswered(v, now); break;
      case VISIT_TIMEOUT: visitTimeout(v, now); break;
      case ACK: ackArrives(v, now); break;
      default: throw new IllegalStateException("unknown whisper event " + index);
    }
  }

  private static String id(int w) {
    return "w" + w;
  }

  private int pairOf(int w) {
    return w % sender.length;
  }

  /** The sender's user queues whisper {@code w}: the outbox tracks it, the first attempt starts at once if it is up. */
  private void queue(int w, long now) {
    int p = pairOf(w);
    queuedAt[w] = now;
    outboxes[p].add(id(w), wallBase + now, 0, wallBase + now);
    if (online[sender[p]] && outboxes[p].begin(id(w))) attempt(w, now);
    armTick(p, now);
  }

  private void armTick(int p, long now) {
    if (tickArmed[p] || outboxes[p].size() == 0) return;
    tickArmed[p] = true;
    scheduler.at(now + TICK_MS, TICK << SUB_SHIFT | p);
  }

  /** The sender's retry poll: start what its outbox finds due (only while the sender runs). */
  private void tick(int p, long now) {
    tickArmed[p] = false;
    if (online[sender[p]]) {
      for (String id : outboxes[p].pollDue(wallBase + now)) attempt(Integer.parseInt(id.substring(1)), now);
    }
    armTick(p, now);
  }

  private void attempt(int w, long now) {
    attempts.add(new int[] {w, 0});
    verdicts.add(null);
    ended.add(false);
    int a = attempts.size() - 1;
    send(a, now);
    scheduler.at(now + ATTEMPT_TIMEOUT_MS, TIMEOUT << SUB_SHIFT | a);
  }

  /** (Re)send attempt {@code a}'s request unless it ended; the next copy after twice the wait. */
  private void send(int a, long now) {
    if (ended.get(a)) return;
    int[] at = attempts.get(a);
    int p = pairOf(at[0]);
    if (online[sender[p]]) transmit(sender[p], recipient[p], REQUEST_BYTES, REQUEST << SUB_SHIFT | a, now);
    long wait = RETRANSMIT_MS << Math.min(at[1]++, 10);
    scheduler.at(now + wait, SEND << SUB_SHIFT | a);
  }

  private void transmit(int from, int to, int bytes, int event, long now) {
    if (event >>> SUB_SHIFT == REQUEST) requestsSent++;
    long arrival = net.arrival(from, to, bytes, now, netRandom);
    if (arrival < 0) {
      int kind = event >>> SUB_SHIFT;
      if (kind == REQUEST) requestsLost++; else if (kind == ANSWER) answersLost++; else mailboxLost++;
      return;
    }
    scheduler.at(arrival, event);
  }

  /** A request copy reaches the recipient: judged once per attempt (WhisperIntake), the answer sent back. */
  private void request(int a, long now) {
    int w = attempts.get(a)[0];
    int p = pairOf(w);
    int r = recipient[p];
    if (!online[r]) return;
    WhisperIntake.Verdict v = verdicts.get(a);
    if (v == null) {
      Set<String> inbox = inboxes.get(p);
      v = intakes[p].judge(ids[sender[p]], ids[sender[p]], ids[r], true, inbox.contains(id(w)), wallBase + now);
      if (v == WhisperIntake.Verdict.TAKE) {
        taken++;
        inbox.add(id(w));
        inboxAt[w] = now;
      }
      if (v == WhisperIntake.Verdict.HELD) held++;
      verdicts.set(a, v);
    }
    transmit(r, sender[p], ANSWER_BYTES, ANSWER << SUB_SHIFT | a, now);
  }

  /** An answer reaches the sender: the attempt ends and the outbox decides. */
  private void answer(int a, long now) {
    int w = attempts.get(a)[0];
    int p = pairOf(w);
    if (ended.get(a) || !online[sender[p]]) return;
    WhisperIntake.Verdict v = verdicts.get(a);
    end(a, w, WhisperOutbox.outcomeOf(v.answer()), now);
  }

  private void timeout(int a, long now) {
    if (ended.get(a)) return;
    attemptsTimedOut++;
    end(a, attempts.get(a)[0], WhisperOutbox.outcomeOf(null), now);
  }

  private void end(int a, int w, WhisperOutbox.Outcome outcome, long now) {
    ended.set(a, true);
    int p = pairOf(w);
    outboxes[p].handleOutcome(id(w), outcome, wallBase + now).ifPresent(next -> {
      switch (next) {
        case DELIVERED -> deliveredAt[w] = now;
        case REFUSED -> refused++;
        case EXPIRED -> expired++;
        case RETRY -> {
          armTick(p, now);
          failures[w]++;
          maybeDeposit(w, now);
        }
      }
    });
  }

  // ---------------------------------------------------------------- mailboxes

  /** After a failed attempt: deposit whisper {@code w} with the recipient's mailbox when {@link Mailbox#depositTo} says so. */
  private void maybeDeposit(int w, long now) {
    int p = pairOf(w);
    if (mailboxes == null || !online[sender[p]]) return;
    PersonaId mb = new PersonaId(ids[holder(p)]);
    if (Mailbox.depositTo(List.of(mb), deposited[w] ? java.util.Set.of(mb) : java.util.Set.of(), null, failures[w]).isEmpty()) return;
    deposits.add(new int[] {w});
    depositsSent++;
    transmit(sender[p], holder(p), REQUEST_BYTES, DEPOSIT << SUB_SHIFT | (deposits.size() - 1), now);
  }

  private void depositArrives(int d, long now) {
    int w = deposits.get(d)[0];
    int p = pairOf(w);
    if (!online[holder(p)]) return;
    Mailbox.Verdict v = mailboxes[p].deposit(owner(p), ids[sender[p]], true, true, id(w).getBytes(), wallBase + now);
    if (v == Mailbox.Verdict.HELD) depositsHeld++;
    if (v.held()) transmit(holder(p), sender[p], ANSWER_BYTES, DEPOSITED << SUB_SHIFT | d, now);
  }

  private void depositAnswered(int d, long now) {
    int w = deposits.get(d)[0];
    if (online[sender[pairOf(w)]]) deposited[w] = true;
  }

  /** The recipient's poll: a recipient back from being offline starts afresh; visit when Visits says. */
  private void visitTick(int p, long now) {
    scheduler.at(now + TICK_MS, VISIT_TICK << SUB_SHIFT | p);
    boolean up = online[recipient[p]];
    if (up && !wasOnline[p]) visits[p] = new Mailbox.Visits();
    wasOnline[p] = up;
    if (!up || !visits[p].begin(wallBase + now)) return;
    fetches.add(new long[] {p, 0});
    fetched.add(null);
    acks.add(null);
    int f = fetches.size() - 1;
    transmit(recipient[p], holder(p), ANSWER_BYTES, FETCH << SUB_SHIFT | f, now);
    scheduler.at(now + ATTEMPT_TIMEOUT_MS, VISIT_TIMEOUT << SUB_SHIFT | f);
  }

  private void fetchArrives(int f, long now) {
    int p = (int) fetches.get(f)[0];
    if (!online[holder(p)]) return;
    List<Mailbox.Item> items = mailboxes[p].fetch(owner(p), true, wallBase + now).orElseThrow();
    fetched.set(f, items);
    transmit(holder(p), recipient[p], ANSWER_BYTES + FETCH_ITEM_BYTES * items.size(), FETCHED << SUB_SHIFT | f, now);
  }

  /** The fetch answer reaches the recipient: each whisper judged as a direct one, the taken and held acknowledged. */
  private void fetchAnswered(int f, long now) {
    long[] fe = fetches.get(f);
    int p = (int) fe[0];
    int r = recipient[p];
    if (fe[1] != 0 || !online[r]) return;
    fe[1] = 1;
    List<String> ack = new ArrayList<>();
    for (Mailbox.Item i : fetched.get(f)) {
      int w = Integer.parseInt(new String(i.blob()).substring(1));
      Set<String> inbox = inboxes.get(p);
      WhisperIntake.Verdict v = intakes[p].judge(ids[sender[p]], ids[sender[p]], ids[r], true, inbox.contains(id(w)),
          wallBase + now);
      if (v == WhisperIntake.Verdict.TAKE) {
        taken++;
        viaMailbox++;
        inbox.add(id(w));
        inboxAt[w] = now;
      }
      if (v != WhisperIntake.Verdict.RATE_LIMITED) ack.add(i.id());
    }
    visitsDone++;
    visits[p].done(wallBase + now, true);
    if (!ack.isEmpty()) {
      acks.set(f, ack);
      transmit(r, holder(p), ANSWER_BYTES, ACK << SUB_SHIFT | f, now);
    }
  }

  private void visitTimeout(int f, long now) {
    long[] fe = fetches.get(f);
    if (fe[1] != 0) return;
    fe[1] = 1;
    visitsMissed++;
    visits[(int) fe[0]].done(wallBase + now, false);
  }

  private void ackArrives(int f, long now) {
    int p = (int) fetches.get(f)[0];
    if (online[holder(p)]) mailboxes[p].ack(owner(p), true, acks.get(f));
  }

  // ---------------------------------------------------------------- results

  /** Return how many whispers were queued. */
  int queued() {
    int c = 0;
    for (long t : queuedAt) if (t >= 0) c++;
    return c;
  }

  /** Return the delivery times (queueing to the sender hearing it stored) of the delivered whispers, sorted. */
  long[] deliveryTimes() {
    return sinceQueued(deliveredAt);
  }

  // The times from queueing to `at` of the whispers that have one, sorted.
  private long[] sinceQueued(long[] at) {
    long[] out = new long[at.length];
    int c = 0;
    for (int w = 0; w < at.length; w++) if (at[w] >= 0) out[c++] = at[w] - queuedAt[w];
    out = Arrays.copyOf(out, c);
    Arrays.sort(out);
    return out;
  }

  /** Return how many whispers the recipients hold in all (each one at most once). */
  long stored() {
    long c = 0;
    for (Set<String> s : inboxes) c += s.size();
    return c;
  }

  /** Add this workload's deterministic counters to {@code c}. */
  void count(Simulation.Counters c) {
    long[] t = deliveryTimes();
    c.put("whisper.queued", queued());
    c.put("whisper.delivered", t.length);
    c.put("whisper.stored", stored());
    c.put("whisper.taken", taken);
    c.put("whisper.attempts", attempts.size());
    c.put("whisper.attempts_timed_out", attemptsTimedOut);
    c.put("whisper.requests_sent", requestsSent);
    c.put("whisper.requests_lost", requestsLost);
    c.put("whisper.answers_lost", answersLost);
    c.put("whisper.held_acknowledged", held);
    c.put("whisper.refused", refused);
    c.put("whisper.expired", expired);
    long waiting = 0;
    for (WhisperOutbox o : outboxes) waiting += o.size();
    c.put("whisper.waiting_at_end", waiting);
    c.put("whisper.delivery_ms_p50", Measurements.percentile(t, 50));
    c.put("whisper.delivery_ms_p90", Measurements.percentile(t, 90));
    c.put("whisper.delivery_ms_p99", Measurements.percentile(t, 99));
    c.put("whisper.delivery_ms_max", t.length == 0 ? -1 : t[t.length - 1]);
    long[] in = sinceQueued(inboxAt);
    for (int q : new int[] {50, 90, 99}) c.put("whisper.inbox_ms_p" + q, Measurements.percentile(in, q));
    if (mailboxes != null) {
      c.put("whisper.mailbox_deposits", depositsSent);
      c.put("whisper.mailbox_deposits_held_already", depositsHeld);
      c.put("whisper.mailbox_taken", viaMailbox);
      c.put("whisper.mailbox_visits", visitsDone);
      c.put("whisper.mailbox_visits_missed", visitsMissed);
      c.put("whisper.mailbox_messages_lost", mailboxLost);
      long held = 0;
      for (Mailbox m : mailboxes) held += m.held();
      c.put("whisper.mailbox_held_at_end", held);
    }
  }
}
