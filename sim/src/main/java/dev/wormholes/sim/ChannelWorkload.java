package dev.wormholes.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.people.channels.Channel;
import dev.wormholes.people.channels.Channels;
import dev.wormholes.people.channels.PostVerdict;
import dev.wormholes.people.channels.wire.PostBody;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Channels among simulated nodes, run by the daemon's channel engine: every member node holds one
 * {@link Channels} (the anti-entropy gossip, budgets and roster checks) and its {@link Channel}s
 * (signed per-author chains, epoch keys, the removal cut). {@code channel.count} channels of
 * {@code channel.members} honest nodes each (the first the owner); the other members join at the
 * start by the owner's one-time invite, handed over out of band (a perfect link). Each member
 * posts {@code channel.posts} times, evenly spread over {@code channel.window_s} from {@code
 * channel.start_s}; at {@code channel.remove_at_s} each owner removes its channel's last member
 * (a new epoch and the cut post), who keeps trying to post on its schedule. {@code
 * channel.joiners} more nodes join each channel during the window, evenly spread: the owner hands
 * a one-time invite over out of band and the joiner's request and the owner's answer cross the
 * network as any exchange (an away owner or joiner, or a lost exchange: the joiner tries again
 * {@link #JOIN_RETRY_MS} later); joiners read and do not post.
 *
 * <p>The world, not a decision, is modelled here: a sync the engine asks for is one exchange, as
 * the daemon's stream: one message and its answer one message back, each through the run's {@link
 * NetworkModel} (latency, loss), with an extra uniform delay of up to {@code channel.reorder_ms}
 * (so messages overtake each other) and a second copy with probability {@code channel.duplicate}.
 * The stream's transport sends a lost message again after a probe timeout ({@link #pto}, doubling),
 * for at most {@link Channels#EXCHANGE_TIMEOUT_MS}; the answer is handed to the asker's engine,
 * which keeps the exchange open until then (an exchange with a node that is away ends at the
 * engine's own bound, as the daemon's dial times out). Each member's clock is off the run's by a
 * fixed skew drawn uniformly within {@code channel.skew_s}; the engine only ever sees its own
 * clock. A node the run's churn took away neither polls, posts nor answers, and what reaches it is
 * lost.
 *
 * <p>Figures: a post is due at every member of its channel but its author and the removed member
 * (a removed member's posts only up to the cut); it is delivered when every one of them holds it
 * at the end, and its delivery time runs from the post to the last of them taking it. Posts a
 * member holds (or took after holding the cut) beyond the removed member's cut are counted as
 * wrongly accepted; so are duplicates, per-author order breaks, and posts of the new epoch the
 * removed member can read. A joiner holds the full history when it holds every post (due as
 * above) made in its channel before its first try to join; the time to it runs from that try.
 */
final class ChannelWorkload {
  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int POST = 0;
  private static final int POLL = 1;
  private static final int MESSAGE = 2;
  private static final int REMOVE = 3;
  private static final int JOIN = 4;
  /** How long a joiner whose join did not go through waits before it tries again. */
  private static final long JOIN_RETRY_MS = 10_000;
  /** How long an owner that is away waits before trying its removal again. */
  private static final long REMOVE_RETRY_MS = 1_000;

  /** One post made: where, by whom (node index), its seq, when, and who took it. */
  private static final class Made {
    final int channel;
    final int author;
    final long seq;
    final long at;
    final BitSet got = new BitSet();
    long lastAt = -1;
    boolean cut;

    Made(int channel, int author, long seq, long at) {
      this.channel = channel;
      this.author = author;
      this.seq = seq;
      this.at = at;
    }
  }

  /** A message in flight: sender and receiver node indexes, its bytes, whether an answer, copies still to arrive. */
  private static final class Flight {
    final int from;
    final int to;
    final byte[] bytes;
    final boolean answer;
    final long exchange; // the asker's exchange (Channels.Outgoing#exchange), for a request and its answer
    int copies;

    Flight(int from, int to, byte[] bytes, boolean answer, long exchange) {
      this.from = from;
      this.to = to;
      this.bytes = bytes;
      this.answer = answer;
      this.exchange = exchange;
    }
  }

  private final int[][] members;       // by channel: node indexes, the owner first
  private final int[][] joiners;       // by channel: node indexes that join during the window
  private final long[][] joinFrom;     // by channel and joiner: first try, -1 before it
  private final long[][] caughtUp;     // by channel and joiner: when it held the full history, -1 before
  private final Map<Integer, List<int[]>> joinerAt = new HashMap<>(); // node -> {channel, joiner} it joins
  private final int posts;
  private final long start;
  private final long window;
  private final long removeAt;
  private final double duplicate;
  private final long reorderMs;
  private final long skewMs;
  private final SplittableRandom random;
  private final Map<Integer, Channels> engines = new HashMap<>();
  private final Map<Integer, Long> skews = new HashMap<>();
  private final Map<Integer, Long> armedAt = new HashMap<>();
  private final Map<NodeId, Integer> nodeOf = new HashMap<>();
  private final NetworkId[] channelIds;
  private final int[] removed;          // by channel: the node removed, -1 until done
  private final long[] cutSeq;
  private final long[] removedEpoch;
  private final Map<ByteString, Made> made = new HashMap<>();
  private final List<Made> madeInOrder = new ArrayList<>();
  private final Map<Integer, Flight> flights = new HashMap<>();
  private final Set<Long> holdsCut = new HashSet<>(); // channel << 32 | node: took the cut post
  private int nextFlight;
  private NodeId[] ids;
  private boolean[] online;
  private NetworkModel net;
  private SplittableRandom netRandom;
  private NatLayer.Scheduler scheduler;
  private long wallBase;
  // Counters.
  private long postsSkippedAway;
  private long postsRefused;
  private long syncsSent;
  private long answersSent;
  private long copiesSent;
  private long messagesLost;
  private long retransmissions;
  private long joinsSent;
  private long messagesToAway;
  private long bytesSent;
  private long unanswered;
  private long acceptedAfterCut;

  /** Return the workload the scenario's {@code channel.*} keys describe, among the {@code honest} nodes. */
  static ChannelWorkload of(Scenario sc, int[] honest) {
    return new ChannelWorkload(sc.integer("channel.count"), sc.integer("channel.members"), sc.integer("channel.joiners"),
        sc.integer("channel.posts"), sc.lng("channel.start_s") * 1000, sc.lng("channel.window_s") * 1000,
        sc.lng("channel.remove_at_s") * 1000, sc.dbl("channel.duplicate"), sc.lng("channel.reorder_ms"),
        sc.lng("channel.skew_s") * 1000, honest, sc.random(0x4348L));
  }

  /**
   * Pick {@code count} channels of {@code size} members and {@code joining} joiners among {@code
   * honest}; each member posts {@code postsEach} times.
   */
  ChannelWorkload(int count, int size, int joining, int postsEach, long startMs, long windowMs, long removeAtMs,
      double duplicate, long reorderMs, long skewMs, int[] honest, SplittableRandom random) {
    if (size < 2 || size + joining > 64) throw new IllegalArgumentException("channel.members must be 2..64, joiners included");
    if (size + joining > honest.length) throw new IllegalArgumentException("channel.members exceeds the honest nodes");
    if (count > VALUE_MASK / Math.max(1, size * postsEach)) throw new IllegalArgumentException("too many channel posts");
    if (joining < 0 || count * joining > VALUE_MASK) throw new IllegalArgumentException("channel.joiners must be 0 or more");
    members = new int[count][];
    joiners = new int[count][];
    joinFrom = new long[count][joining];
    caughtUp = new long[count][joining];
    Map<Integer, Integer> held = new HashMap<>();
    for (int c = 0; c < count; c++) {
      int[] order = honest.clone();
      int taken = 0;
      for (int k = 0; k < order.length && taken < size + joining; k++) {
        int j = k + random.nextInt(order.length - k);
        int t = order[k]; order[k] = order[j]; order[j] = t;
        if (held.getOrDefault(order[k], 0) < Channels.MAX_CHANNELS) {
          held.merge(order[k], 1, Integer::sum);
          order[taken++] = order[k];
        }
      }
      if (taken < size + joining) throw new IllegalArgumentException("too many channels for the honest nodes");
      members[c] = Arrays.copyOf(order, size);
      joiners[c] = Arrays.copyOfRange(order, size, size + joining);
      Arrays.fill(joinFrom[c], -1);
      Arrays.fill(caughtUp[c], -1);
      for (int j = 0; j < joining; j++) joinerAt.computeIfAbsent(joiners[c][j], x -> new ArrayList<>()).add(new int[] {c, j});
    }
    this.posts = postsEach;
    this.start = startMs;
    this.window = Math.max(1, windowMs);
    this.removeAt = removeAtMs;
    this.duplicate = duplicate;
    this.reorderMs = reorderMs;
    this.skewMs = skewMs;
    this.random = random;
    channelIds = new NetworkId[count];
    removed = new int[count];
    Arrays.fill(removed, -1);
    cutSeq = new long[count];
    removedEpoch = new long[count];
  }

  /** Return whether node {@code i} is a member of any channel (it then keeps its identity). */
  boolean member(int i) {
    for (int[] m : members) for (int x : m) if (x == i) return true;
    for (int[] m : joiners) for (int x : m) if (x == i) return true;
    return false;
  }

  /**
   * Connect to the run's identities, online flags, network and event queue (Unix ms = {@code
   * wallBase} + now), make each member's engine and the channels, and join the members.
   */
  void attach(Identity[] identities, NodeId[] nodeIds, boolean[] onlineNodes, NetworkModel network,
      SplittableRandom networkRandom, long wallBaseMs, NatLayer.Scheduler s) {
    this.ids = nodeIds;
    this.online = onlineNodes;
    this.net = network;
    this.netRandom = networkRandom;
    this.wallBase = wallBaseMs;
    this.scheduler = s;
    for (int[][] group : new int[][][] {members, joiners}) for (int[] m : group) {
      for (int node : m) {
        if (engines.containsKey(node)) continue;
        engines.put(node, new Channels(identities[node], random.split()));
        skews.put(node, skewMs == 0 ? 0 : random.nextLong(-skewMs, skewMs + 1));
        nodeOf.put(ids[node], node);
      }
    }
    for (int c = 0; c < members.length; c++) {
      int owner = members[c][0];
      Channels o = engines.get(owner);
      channelIds[c] = o.create("channel-" + c, local(owner, 0)).orElseThrow().id();
      for (int k = 1; k < members[c].length; k++) {
        int node = members[c][k];
        InviteLink link = o.invite(channelIds[c], local(owner, 0) / 1000 + 3600, List.of()).orElseThrow();
        Channels.Outgoing request = engines.get(node).join(link);
        byte[] answer = o.handleRequest(ids[node], request.message(), local(owner, 0)).orElseThrow();
        if (engines.get(node).handleAnswer(ids[owner], request.exchange(), answer, local(node, 0)).isEmpty()) {
          throw new IllegalStateException("join refused: " + Channels.refusal(answer));
        }
      }
    }
    for (int node : engines.keySet()) drain(node, 0);
  }

  private long local(int node, long now) {
    return wallBase + now + skews.get(node);
  }

  /** Schedule every post, each engine's first poll and the removals. */
  void schedule() {
    for (int c = 0; c < members.length; c++) {
      int size = members[c].length;
      for (int k = 0; k < posts; k++) {
        for (int m = 0; m < size; m++) {
          int slot = k * size + m;
          long at = start + window * slot / (size * posts) + c; // channels a millisecond apart
          scheduler.at(at, POST << SUB_SHIFT | (c * size * posts + slot));
        }
      }
      if (removeAt >= 0) scheduler.at(removeAt, REMOVE << SUB_SHIFT | c);
      int joining = joiners[c].length;
      for (int j = 0; j < joining; j++) {
        scheduler.at(start + window * (2 * j + 1) / (2 * joining) + c, JOIN << SUB_SHIFT | (c * joining + j));
      }
    }
    for (int node : engines.keySet()) arm(node, 0);
  }

  /** Return when the last post is made. */
  long lastPostAt() {
    return Math.max(start + window, removeAt);
  }

  /** Handle one of this workload's events at {@code now}. */
  void dispatch(int index, long now) {
    int v = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case POST: post(v, now); break;
      case POLL: poll(v, now); break;
      case MESSAGE: arrive(v, now); break;
      case REMOVE: remove(v, now); break;
      case JOIN: join(v, now); break;
      default: throw new IllegalStateException("unknown channel event " + index);
    }
  }

  private void post(int v, long now) {
    int size = members[0].length;
    int c = v / (size * posts);
    int author = members[c][v % (size * posts) % size];
    if (!online[author]) {
      postsSkippedAway++;
      return;
    }
    Channel.Outcome<SignedPost> o = engines.get(author).post(channelIds[c], "post " + v, local(author, now));
    if (o instanceof Channel.Outcome.Done<SignedPost> d) {
      record(c, author, d.value(), now);
    } else {
      postsRefused++;
    }
    drain(author, now);
    arm(author, now);
  }

  private Made record(int c, int author, SignedPost p, long now) {
    Made m = new Made(c, author, body(p).getSeq(), now);
    made.put(p.getBody(), m);
    madeInOrder.add(m);
    return m;
  }

  private static PostBody body(SignedPost p) {
    try {
      return PostBody.parseFrom(p.getBody());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a post made here does not parse", e);
    }
  }

  /** The owner removes the channel's last member (again a second later if the owner is away). */
  private void remove(int c, long now) {
    int owner = members[c][0];
    if (!online[owner]) {
      scheduler.at(now + REMOVE_RETRY_MS, REMOVE << SUB_SHIFT | c);
      return;
    }
    int who = members[c][members[c].length - 1];
    Channel.Outcome<Channel.Removal> o = engines.get(owner).remove(channelIds[c], ids[who], local(owner, now));
    if (!(o instanceof Channel.Outcome.Done<Channel.Removal> d)) {
      throw new IllegalStateException("removal refused: " + o);
    }
    removed[c] = who;
    cutSeq[c] = body(d.value().cut()).getCutSeq();
    removedEpoch[c] = engines.get(owner).channel(channelIds[c]).roster().epoch();
    record(c, owner, d.value().cut(), now).cut = true;
    holdsCut.add((long) c << 32 | owner);
    drain(owner, now);
    arm(owner, now);
  }

  /** Joiner {@code v} (channel * joiners + j) tries to join, unless it is in: the request goes to the owner. */
  private void join(int v, long now) {
    int c = v / joiners[0].length;
    int j = v % joiners[0].length;
    int node = joiners[c][j];
    if (engines.get(node).channel(channelIds[c]) != null) return;
    if (joinFrom[c][j] < 0) joinFrom[c][j] = now;
    scheduler.at(now + JOIN_RETRY_MS, JOIN << SUB_SHIFT | v); // again, unless in by then
    int owner = members[c][0];
    if (!online[node] || !online[owner]) return;
    InviteLink link = engines.get(owner).invite(channelIds[c], local(owner, now) / 1000 + 3600, List.of()).orElseThrow();
    joinsSent++;
    Channels.Outgoing request = engines.get(node).join(link);
    transmit(node, owner, request.message(), false, request.exchange(), now);
  }

  // Whether a joiner holds the full history of its channel (every post due made before its first try).
  private void checkCaughtUp(int node, long now) {
    for (int[] cj : joinerAt.getOrDefault(node, List.of())) {
      int c = cj[0];
      int j = cj[1];
      if (caughtUp[c][j] >= 0 || joinFrom[c][j] < 0 || !holds(node, c, joinFrom[c][j])) continue;
      caughtUp[c][j] = now;
    }
  }

  // Whether `node` holds every post due in channel `c` made at or before `until`.
  private boolean holds(int node, int c, long until) {
    Channel held = engines.get(node).channel(channelIds[c]);
    if (held == null) return false;
    Map<NodeId, Long> heads = held.heads();
    for (Made m : madeInOrder) {
      if (m.channel != c || m.at > until || removed[c] >= 0 && m.author == removed[c] && m.seq > cutSeq[c]) continue;
      if (heads.getOrDefault(ids[m.author], 0L) < m.seq) return false;
    }
    return true;
  }

  /** A node's poll: send the syncs its engine finds due (only while it runs). */
  private void poll(int node, long now) {
    if (armedAt.getOrDefault(node, Long.MAX_VALUE) <= now) armedAt.remove(node);
    if (!online[node]) {
      arm(node, now + Channels.ROUND_MAX_MS);
      return;
    }
    for (Channels.Outgoing o : engines.get(node).pollSyncs(local(node, now))) {
      Integer to = nodeOf.get(o.peer());
      if (to == null) continue; // a member that is no simulated node: nobody answers
      syncsSent++;
      transmit(node, to, o.message(), false, o.exchange(), now);
    }
    drain(node, now);
    arm(node, now);
  }

  // Poll `node` when its engine next has something (in the run's time), unless a poll is armed earlier.
  private void arm(int node, long now) {
    long due = engines.get(node).pollTimeout();
    long at = due == Long.MAX_VALUE ? now + Channels.ROUND_MAX_MS : Math.max(now + 1, due - wallBase - skews.get(node));
    if (at >= armedAt.getOrDefault(node, Long.MAX_VALUE)) return;
    armedAt.put(node, at);
    scheduler.at(at, POLL << SUB_SHIFT | node);
  }

  private void transmit(int from, int to, byte[] bytes, boolean answer, long exchange, long now) {
    Flight f = new Flight(from, to, bytes, answer, exchange);
    int copies = duplicate > 0 && netRandom.nextDouble() < duplicate ? 2 : 1;
    int id = nextFlight;
    nextFlight = (nextFlight + 1) & VALUE_MASK;
    for (int k = 0; k < copies; k++) {
      copiesSent++;
      long at = now;
      long wait = pto(from, to);
      long arrival;
      while (true) {
        bytesSent += bytes.length;
        arrival = net.arrival(from, to, bytes.length, at, netRandom);
        if (arrival >= 0) break;
        messagesLost++;
        at += wait;
        wait *= 2;
        if (at - now > Channels.EXCHANGE_TIMEOUT_MS) break;
        retransmissions++;
      }
      if (arrival < 0) continue;
      if (reorderMs > 0) arrival += netRandom.nextLong(reorderMs + 1);
      f.copies++;
      scheduler.at(arrival, MESSAGE << SUB_SHIFT | id);
    }
    if (f.copies > 0) flights.put(id, f);
  }

  /**
   * The transport's probe timeout on the path {@code from} to {@code to} (RFC 9002, 6.2.1): smoothed
   * round trip + 4 x its variation + 25 ms of acknowledgement delay, for a round trip of twice the
   * one-way delay plus two uniform draws up to {@code channel.reorder_ms} (mean reorder, mean
   * deviation reorder / 3).
   */
  private long pto(int from, int to) {
    return net.delayMs(from, to) + net.delayMs(to, from) + reorderMs + 4 * reorderMs / 3 + 25;
  }

  /** A message copy arrives: the receiver's engine handles it (a request is answered back). */
  private void arrive(int id, long now) {
    Flight f = flights.get(id);
    if (--f.copies == 0) flights.remove(id);
    if (!online[f.to]) {
      messagesToAway++;
      return;
    }
    Channels e = engines.get(f.to);
    if (f.answer) {
      e.handleAnswer(ids[f.from], f.exchange, f.bytes, local(f.to, now));
    } else {
      var answer = e.handleRequest(ids[f.from], f.bytes, local(f.to, now));
      if (answer.isPresent()) {
        answersSent++;
        transmit(f.to, f.from, answer.get(), true, f.exchange, now);
      } else {
        unanswered++;
      }
    }
    drain(f.to, now);
    arm(f.to, now);
  }

  // Take the engine's saves: note which member took which post, and when (and whether a joiner caught up).
  private void drain(int node, long now) {
    if (joinerAt.containsKey(node)) checkCaughtUp(node, now);
    for (Channels.Save s : engines.get(node).pollSaves()) {
      if (!(s instanceof Channels.Save.Post p)) continue;
      Made m = made.get(p.post().getBody());
      if (m == null) throw new IllegalStateException("a post nobody made");
      int c = m.channel;
      if (removed[c] >= 0 && m.author == removed[c] && m.seq > cutSeq[c] && holdsCut.contains((long) c << 32 | node)) {
        acceptedAfterCut++;
      }
      if (m.cut) holdsCut.add((long) c << 32 | node);
      int pos = position(c, node);
      if (pos >= 0 && node != m.author && !m.got.get(pos)) {
        m.got.set(pos);
        m.lastAt = now;
      }
    }
  }

  private int position(int c, int node) {
    for (int k = 0; k < members[c].length; k++) if (members[c][k] == node) return k;
    return -1;
  }

  // ---------------------------------------------------------------- results

  /** Add this workload's deterministic counters to {@code c}. */
  void count(Simulation.Counters c) {
    // What every member holds at the end.
    List<Map<Integer, Map<NodeId, Long>>> heads = new ArrayList<>();
    long duplicates = 0;
    long orderBroken = 0;
    long unreadable = 0;
    long heldAfterCut = 0;
    long removedRead = 0;
    for (int ch = 0; ch < members.length; ch++) {
      Map<Integer, Map<NodeId, Long>> byNode = new HashMap<>();
      for (int node : members[ch]) {
        Channel held = engines.get(node).channel(channelIds[ch]);
        if (held == null) continue;
        byNode.put(node, held.heads());
        List<Channel.Entry> read = held.read();
        if (node == removed[ch]) {
          for (Channel.Entry e : read) if (e.epoch() >= removedEpoch[ch] && e.text().isPresent()) removedRead++;
          continue;
        }
        Set<String> seen = new HashSet<>();
        Map<NodeId, Long> last = new HashMap<>();
        for (Channel.Entry e : read) {
          if (!seen.add(e.author() + "/" + e.seq())) duplicates++;
          if (e.seq() != last.getOrDefault(e.author(), 0L) + 1) orderBroken++;
          last.put(e.author(), e.seq());
          if (e.text().isEmpty()) unreadable++;
        }
        if (removed[ch] >= 0) heldAfterCut += Math.max(0, held.heads().getOrDefault(ids[removed[ch]], 0L) - cutSeq[ch]);
      }
      heads.add(byNode);
    }
    long due = 0;
    long delivered = 0;
    long pairsDue = 0;
    long pairsHeld = 0;
    long missingOnline = 0;
    long afterCut = 0;
    long[] times = new long[madeInOrder.size()];
    int t = 0;
    for (Made m : madeInOrder) {
      int ch = m.channel;
      if (removed[ch] >= 0 && m.author == removed[ch] && m.seq > cutSeq[ch]) {
        afterCut++;
        continue;
      }
      due++;
      boolean all = true;
      for (int node : members[ch]) {
        if (node == m.author || node == removed[ch]) continue;
        pairsDue++;
        Map<NodeId, Long> h = heads.get(ch).get(node);
        if (h != null && h.getOrDefault(ids[m.author], 0L) >= m.seq) {
          pairsHeld++;
        } else {
          all = false;
          if (online[node]) missingOnline++;
        }
      }
      if (all) {
        delivered++;
        times[t++] = m.lastAt < 0 ? 0 : m.lastAt - m.at;
      }
    }
    times = Arrays.copyOf(times, t);
    Arrays.sort(times);
    long joinersIn = 0;
    long joinersBehind = 0;
    long[] caught = new long[joinFrom.length * (joiners.length == 0 ? 0 : joiners[0].length)];
    int u = 0;
    for (int ch = 0; ch < joiners.length; ch++) {
      for (int j = 0; j < joiners[ch].length; j++) {
        int node = joiners[ch][j];
        if (engines.get(node).channel(channelIds[ch]) != null) joinersIn++;
        if (caughtUp[ch][j] >= 0) caught[u++] = caughtUp[ch][j] - joinFrom[ch][j];
        if (online[node] && !holds(node, ch, Long.MAX_VALUE)) joinersBehind++;
      }
    }
    caught = Arrays.copyOf(caught, u);
    Arrays.sort(caught);
    c.put("channel.channels", members.length);
    c.put("channel.posts_made", madeInOrder.size());
    c.put("channel.posts_due", due);
    c.put("channel.posts_delivered_to_all", delivered);
    c.put("channel.deliveries_due", pairsDue);
    c.put("channel.deliveries_held", pairsHeld);
    c.put("channel.deliveries_missing_at_online", missingOnline);
    c.put("channel.delivery_ms_p50", Measurements.percentile(times, 50));
    c.put("channel.delivery_ms_p90", Measurements.percentile(times, 90));
    c.put("channel.delivery_ms_p99", Measurements.percentile(times, 99));
    c.put("channel.delivery_ms_max", t == 0 ? -1 : times[t - 1]);
    c.put("channel.joiners", Arrays.stream(joiners).mapToLong(x -> x.length).sum());
    c.put("channel.joiners_in", joinersIn);
    c.put("channel.joiners_caught_up", u);
    c.put("channel.joiners_behind_at_online", joinersBehind);
    c.put("channel.join_history_ms_p50", Measurements.percentile(caught, 50));
    c.put("channel.join_history_ms_p90", Measurements.percentile(caught, 90));
    c.put("channel.join_history_ms_max", u == 0 ? -1 : caught[u - 1]);
    c.put("channel.join_requests_sent", joinsSent);
    c.put("channel.posts_skipped_away", postsSkippedAway);
    c.put("channel.posts_refused", postsRefused);
    c.put("channel.posts_after_cut_made", afterCut);
    c.put("channel.accepted_after_cut", acceptedAfterCut + heldAfterCut);
    c.put("channel.removed_read_new_epoch", removedRead);
    c.put("channel.duplicates_held", duplicates);
    c.put("channel.order_broken", orderBroken);
    c.put("channel.unreadable_by_members", unreadable);
    c.put("channel.syncs_sent", syncsSent);
    c.put("channel.answers_sent", answersSent);
    c.put("channel.syncs_unanswered", unanswered);
    c.put("channel.copies_sent", copiesSent);
    c.put("channel.bytes_sent", bytesSent);
    c.put("channel.messages_lost", messagesLost);
    c.put("channel.retransmissions", retransmissions);
    c.put("channel.messages_to_away", messagesToAway);
    c.put("channel.gossip_per_post_x100", madeInOrder.isEmpty() ? 0 : 100 * (syncsSent + answersSent) / madeInOrder.size());
    for (Channels e : engines.values()) {
      e.drops().forEach((d, n) -> c.add("channel.drop." + d.name().toLowerCase(), n));
      for (Channel ch : e.channels()) {
        for (Map.Entry<PostVerdict, Long> d : ch.dropped().entrySet()) {
          c.add("channel.post_drop." + d.getKey().name().toLowerCase(), d.getValue());
        }
      }
    }
  }
}
