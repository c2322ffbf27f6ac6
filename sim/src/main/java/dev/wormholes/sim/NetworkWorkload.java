package dev.wormholes.sim;

import dev.wormholes.networks.BoxKeys;
import dev.wormholes.networks.CatchUp;
import dev.wormholes.networks.Fragments;
import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.Member;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.RosterSync;
import dev.wormholes.networks.SealDrop;
import dev.wormholes.networks.SealKey;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Private networks among simulated nodes, run by the daemon's engines: every member node holds its
 * network's {@link Roster}, a {@link Keyring} (its epoch key, earlier ones kept retired), {@link
 * Fragments} and one {@link RosterSync} (when a change is pushed and to whom, gossip, catch-up
 * asks and their backoff, whom to answer: {@link CatchUp}). What a node does with an opened
 * datagram is what {@code node/networks/PrivateNetworks} does: a roster fragment is reassembled,
 * verified and adopted (a node that finds itself removed forgets the network's keys and keeps the
 * notice), a catch-up request answered as {@link CatchUp#answer} says (the cookie, or the roster
 * under the request's key), a challenge followed up if {@link RosterSync#followUp} says so. Every
 * datagram is sealed and opened for real, through the run's {@link NetworkModel} (latency, loss).
 *
 * <p>{@code network.count} networks of {@code network.members} nodes each (the first the admin; no
 * node in two networks), founded at the start with every member holding the roster. From {@code
 * network.start_s}, every {@code network.every_s}, the admin makes {@code network.changes}
 * changes, alternately adding a spare node (handed the roster out of band, as a join answer) and
 * removing the longest-standing other member (a new epoch); an admin that is away tries again a
 * second later.
 *
 * <p>The world, not a decision, is modelled here. A network's DHT is not run: a member's contacts
 * are the other members online that hold a roster listing it at the same epoch (a network has
 * fewer members than a bucket, so every member is in every routing table; packets under another
 * epoch's key are not taken). A node's seeds are the other members of its roster. A node the run's
 * churn took away neither polls nor answers, and what reaches it is lost; coming back (noticed at
 * its next 2 s wake) it restarts as the daemon does: a new keyring from its roster, a new {@link
 * RosterSync}.
 *
 * <p>Figures: for each change, every member of the new roster but the admin and the node added
 * holds it when its roster's sequence number reaches the change's; the time runs from the change
 * for members online then, and from the comeback for the others. Datagrams are counted by kind.
 * A removed member holding a key of an epoch from its removal on is counted (must be 0).
 */
final class NetworkWorkload {
  private static final int SUB_SHIFT = 28;
  private static final int VALUE_MASK = (1 << SUB_SHIFT) - 1;
  private static final int POLL = 0;
  private static final int MESSAGE = 1;
  private static final int CHANGE = 2;
  private static final long RETRY_MS = 1_000;

  /** One member node of one network. */
  private final class Node {
    final int index;
    final int net;
    final Identity identity;
    final byte[] box;
    Roster roster;
    Roster removedBy; // the roster with this node's removal, once it holds it
    Keyring<Integer> keyring;
    Fragments fragments;
    RosterSync sync;
    long armedAt = Long.MAX_VALUE;
    boolean wasOnline = true;
    long backAt = -1;

    Node(int index, int net, Identity identity) {
      this.index = index;
      this.net = net;
      this.identity = identity;
      this.box = BoxKeys.privateOf(identity);
    }

    void start(Roster r, long now) {
      roster = r;
      keyring = new Keyring<>(random.split(), wall(now), identity.id());
      fragments = new Fragments();
      byte[] secret = new byte[32];
      random.nextBytes(secret);
      sync = new RosterSync(identity.id(), secret);
      r.epochKey(identity.id(), box).ifPresent(k ->
          keyring.install(net, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH), wall(now)));
      for (Roster.EpochKey k : r.pastEpochKeys(identity.id(), box)) {
        keyring.keepRetired(net, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH));
      }
    }
  }

  /** A change made: its network, sequence number, time, removed node (-1: an add), node added (-1: a removal). */
  private record Change(int net, long seq, long at, int removed, int added, long epoch) {}

  /** Return the workload the scenario's {@code network.*} keys describe, among the {@code honest} nodes. */
  static NetworkWorkload of(Scenario sc, int[] honest) {
    return new NetworkWorkload(sc.integer("network.count"), sc.integer("network.members"), sc.integer("network.changes"),
        sc.lng("network.start_s") * 1000, sc.lng("network.every_s") * 1000, honest, sc.random(0x4E57L));
  }

  /** A datagram in flight. */
  private record Flight(int from, int to, byte[] bytes) {}

  private final int count;
  private final int size;
  private final int changes;
  private final long start;
  private final long every;
  private final SplittableRandom random;
  private final int[][] members; // by network: the founding members (admin first), then the spares
  private final Map<Integer, Node> nodes = new HashMap<>();
  private final Map<InetSocketAddress, Integer> byAddress = new HashMap<>();
  private final List<Change> made = new ArrayList<>();
  private final int[] changesDone;
  // Per change and member node: when it came to hold the change (ms after the change or comeback).
  private final List<Map<Integer, Long>> heldOnline = new ArrayList<>();
  private final List<Map<Integer, Long>> heldBack = new ArrayList<>();
  private final List<Map<Integer, Boolean>> onlineAtChange = new ArrayList<>();
  // Times to hold a change after coming back: the roster it took kept its epoch (gossip), or rolled it (catch-up).
  private final List<Long> backSameEpoch = new ArrayList<>();
  private final List<Long> backNewEpoch = new ArrayList<>();
  private final Map<Integer, Flight> flights = new HashMap<>();
  private int nextFlight;
  private boolean[] online;
  private NetworkModel model;
  private SplittableRandom netRandom;
  private NatLayer.Scheduler scheduler;
  private long wallBase;
  // Counters: datagrams by kind.
  private long pushes;
  private long gossip;
  private long asks;
  private long followUps;
  private long challenges;
  private long answers;
  private long bytes;
  private long lost;
  private long toAway;
  private long restarts;
  private long retries;
  private long removedNoticed;

  NetworkWorkload(int count, int size, int changes, long startMs, long everyMs, int[] honest, SplittableRandom random) {
    int spares = (changes + 1) / 2;
    if (size < 2 || size + spares > Roster.MAX_MEMBERS) throw new IllegalArgumentException("network.members must be 2..64, adds included");
    if (count * (size + spares) > honest.length) throw new IllegalArgumentException("network.count x members exceeds the honest nodes");
    if (count > VALUE_MASK) throw new IllegalArgumentException("too many networks");
    this.count = count;
    this.size = size;
    this.changes = changes;
    this.start = startMs;
    this.every = Math.max(1, everyMs);
    this.random = random;
    int[] order = honest.clone();
    for (int k = 0; k < order.length; k++) {
      int j = k + random.nextInt(order.length - k);
      int t = order[k]; order[k] = order[j]; order[j] = t;
    }
    members = new int[count][];
    for (int c = 0; c < count; c++) members[c] = Arrays.copyOfRange(order, c * (size + spares), (c + 1) * (size + spares));
    changesDone = new int[count];
  }

  /** Return whether node {@code i} is in a network (it then keeps its identity). */
  boolean member(int i) {
    for (int[] m : members) for (int x : m) if (x == i) return true;
    return false;
  }

  /** Found the networks with the run's identities; connect to its online flags, network model and event queue. */
  void attach(Identity[] identities, boolean[] onlineNodes, NetworkModel network, SplittableRandom networkRandom,
      long wallBaseMs, NatLayer.Scheduler s) {
    this.online = onlineNodes;
    this.model = network;
    this.netRandom = networkRandom;
    this.wallBase = wallBaseMs;
    this.scheduler = s;
    for (int c = 0; c < count; c++) {
      Identity admin = identities[members[c][0]];
      Roster.Founded f = Roster.create(admin, "net-" + c, random);
      Roster r = f.roster();
      for (int k = 1; k < size; k++) {
        r = valid(r.append(r.addMember(admin, Member.of(identities[members[c][k]]), f.epochKey(), random)));
      }
      for (int k = 0; k < members[c].length; k++) {
        int i = members[c][k];
        Node n = new Node(i, c, identities[i]);
        nodes.put(i, n);
        byAddress.put(address(i), i);
        if (k < size) n.start(r, 0);
      }
    }
  }

  private static Roster valid(RosterResult r) {
    if (r instanceof RosterResult.Valid v) return v.roster();
    throw new IllegalStateException("a change made here does not verify: " + r);
  }

  /** The node's address: a stand-in (10.x.y.z) the catch-up cookies bind; never resolved. */
  private static InetSocketAddress address(int i) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i}), 4000);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private long wall(long now) {
    return wallBase + now;
  }

  /** Schedule the changes and every member's first wake. */
  void schedule() {
    for (int c = 0; c < count; c++) {
      if (changes > 0) scheduler.at(start + c, CHANGE << SUB_SHIFT | c);
    }
    for (Node n : nodes.values()) if (n.roster != null) arm(n, 0);
  }

  /** Return when the last change is due. */
  long lastChangeAt() {
    return start + every * Math.max(0, changes - 1) + count;
  }

  void dispatch(int index, long now) {
    int v = index & VALUE_MASK;
    switch (index >>> SUB_SHIFT) {
      case POLL: poll(nodes.get(v), now); break;
      case MESSAGE: arrive(v, now); break;
      case CHANGE: change(v, now); break;
      default: throw new IllegalStateException("unknown network event " + index);
    }
  }

  // ---------------------------------------------------------------- changes

  private void change(int c, long now) {
    Node admin = nodes.get(members[c][0]);
    if (!online[admin.index] || admin.roster == null) {
      retries++;
      scheduler.at(now + RETRY_MS, CHANGE << SUB_SHIFT | c);
      return;
    }
    int k = changesDone[c];
    Roster before = admin.roster;
    Roster next;
    int removed = -1;
    int added = -1;
    if (k % 2 == 0) {
      added = members[c][size + k / 2];
      byte[] key = before.epochKey(admin.identity.id(), admin.box).orElseThrow().key();
      next = valid(before.append(before.addMember(admin.identity, Member.of(nodes.get(added).identity), key, random)));
    } else {
      removed = longestStanding(c, before);
      next = valid(before.append(before.removeMember(admin.identity, nodes.get(removed).identity.id(), random).change()));
    }
    changesDone[c]++;
    Change ch = new Change(c, next.seq(), now, removed, added, next.epoch());
    made.add(ch);
    heldOnline.add(new HashMap<>());
    heldBack.add(new HashMap<>());
    Map<Integer, Boolean> up = new HashMap<>();
    for (NodeId id : next.members().keySet()) {
      int i = indexOf(c, id);
      if (i != admin.index && i != added) up.put(i, online[i]);
    }
    onlineAtChange.add(up);
    // What PrivateNetworks.commit does: push round 0 under the key held now, then adopt.
    List<Integer> contacts = contacts(admin);
    List<byte[]> fragments = Fragments.split(Payloads.ROSTER, random.nextLong(), next.encode());
    for (RosterSync.Send s : admin.sync.committed(before, ids(contacts), now)) {
      if (s instanceof RosterSync.Send.Push p) {
        int to = indexOf(c, p.to());
        List<byte[]> ds = fragments.stream().map(f -> admin.keyring.seal(c, p.to(), f, wall(now))).toList();
        pushed.computeIfAbsent((long) admin.index << 32 | p.push(), x -> new HashMap<>()).put(to, ds);
        for (byte[] d : ds) send(admin.index, to, d, now);
        pushes += ds.size();
      }
    }
    adopt(admin, next, now);
    if (added >= 0) {
      Node joiner = nodes.get(added);
      if (online[added]) joiner.start(next, now); // the join answer, out of band
      else joiner.roster = next; // starts with it when it comes back
      joiner.wasOnline = online[added];
      arm(joiner, now);
    }
    if (changesDone[c] < changes) scheduler.at(ch.at() + every, CHANGE << SUB_SHIFT | c);
    arm(admin, now);
  }

  // A push's round 0 datagrams by admin node << 32 | push id and receiver, sent again at its later rounds (as the daemon does).
  private final Map<Long, Map<Integer, List<byte[]>>> pushed = new HashMap<>();

  private int longestStanding(int c, Roster r) {
    for (int k = 1; k < members[c].length; k++) {
      if (r.isMember(nodes.get(members[c][k]).identity.id())) return members[c][k];
    }
    throw new IllegalStateException("nobody to remove");
  }

  private int indexOf(int c, NodeId id) {
    for (int i : members[c]) if (nodes.get(i).identity.id().equals(id)) return i;
    throw new IllegalStateException("not a node of network " + c);
  }

  private List<NodeId> ids(List<Integer> nodeIndexes) {
    return nodeIndexes.stream().map(i -> nodes.get(i).identity.id()).toList();
  }

  // ---------------------------------------------------------------- the world: contacts, wakes, datagrams

  /** The other members online that list this node at its epoch (every member is in every routing table). */
  private List<Integer> contacts(Node n) {
    List<Integer> out = new ArrayList<>();
    if (n.roster == null) return out;
    Optional<Long> epoch = n.keyring.epoch(n.net);
    for (int i : members[n.net]) {
      Node m = nodes.get(i);
      if (i == n.index || !online[i] || m.roster == null || m.keyring == null) continue;
      if (n.roster.isMember(m.identity.id()) && m.roster.isMember(n.identity.id()) && m.keyring.epoch(n.net).equals(epoch)) {
        out.add(i);
      }
    }
    return out;
  }

  private void arm(Node n, long now) {
    long due = n.sync == null || !online[n.index] ? now + RosterSync.TICK_MS : Math.max(now + 1, n.sync.nextWake());
    if (due >= n.armedAt && n.armedAt > now) return;
    n.armedAt = due;
    scheduler.at(due, POLL << SUB_SHIFT | n.index);
  }

  private void poll(Node n, long now) {
    if (n.armedAt > now) return; // a later arm replaced this one
    n.armedAt = Long.MAX_VALUE;
    if (n.roster == null) return; // removed, or not joined yet
    if (!online[n.index]) {
      n.wasOnline = false;
      arm(n, now);
      return;
    }
    if (!n.wasOnline) { // a restarted daemon: a new keyring and sync from the kept roster
      n.wasOnline = true;
      n.backAt = now;
      restarts++;
      pushed.keySet().removeIf(k -> k >>> 32 == n.index); // its pushes in progress ended with it
      n.start(n.roster, now);
    }
    List<Integer> contacts = contacts(n);
    List<InetSocketAddress> seeds = new ArrayList<>();
    for (int i : members[n.net]) {
      if (i != n.index && n.roster.isMember(nodes.get(i).identity.id())) seeds.add(address(i));
    }
    List<byte[]> current = null;
    byte[] ask = null;
    for (RosterSync.Send s : n.sync.poll(n.roster, ids(contacts), seeds, now)) {
      if (s instanceof RosterSync.Send.Push p) {
        int to = indexOf(n.net, p.to());
        long key = (long) n.index << 32 | p.push();
        Map<Integer, List<byte[]>> sealed = pushed.getOrDefault(key, Map.of());
        for (byte[] d : sealed.getOrDefault(to, List.of())) {
          send(n.index, to, d, now);
          pushes++;
        }
        if (p.last() && pushed.containsKey(key)) {
          sealed.remove(to);
          if (sealed.isEmpty()) pushed.remove(key);
        }
      } else if (s instanceof RosterSync.Send.Gossip g) {
        if (current == null) current = Fragments.split(Payloads.ROSTER, random.nextLong(), n.roster.encode());
        for (byte[] f : current) {
          send(n.index, indexOf(n.net, g.to()), n.keyring.seal(n.net, g.to(), f, wall(now)), now);
          gossip++;
        }
      } else if (s instanceof RosterSync.Send.Ask a) {
        if (ask == null) ask = Payloads.of(Payloads.CATCHUP, CatchUp.request(n.identity, n.roster.id(), wall(now)));
        send(n.index, byAddress.get(a.to()), n.keyring.seal(n.net, null, ask, wall(now)), now);
        asks++;
      }
    }
    arm(n, now);
  }

  private void send(int from, int to, byte[] datagram, long now) {
    bytes += datagram.length;
    long at = model.arrival(from, to, datagram.length, now, netRandom);
    if (at < 0) {
      lost++;
      return;
    }
    int id = nextFlight;
    nextFlight = (nextFlight + 1) & VALUE_MASK;
    flights.put(id, new Flight(from, to, datagram));
    scheduler.at(at, MESSAGE << SUB_SHIFT | id);
  }

  /** A datagram arrives: opened and handled as {@code PrivateNetworks.onSealed} does. */
  private void arrive(int id, long now) {
    Flight f = flights.remove(id);
    Node n = nodes.get(f.to());
    if (!online[f.to()] || n.keyring == null || !n.wasOnline) {
      toAway++;
      return;
    }
    if (!(n.keyring.open(f.bytes(), wall(now)) instanceof Keyring.Opened.Ok<Integer> ok) || ok.plaintext().length == 0) {
      return;
    }
    byte[] p = ok.plaintext();
    if (!Payloads.taken(ok.standing(), p[0])) {
      n.keyring.count(SealDrop.STALE_EPOCH);
      return;
    }
    InetSocketAddress from = address(f.from());
    if (p[0] == Payloads.ROSTER) {
      n.fragments.add(from, p, now).ifPresent(whole -> {
        if (n.roster == null || !(Roster.decode(whole) instanceof RosterResult.Valid v)) return;
        if (n.roster.adopt(v.roster()) instanceof RosterResult.Valid newer) {
          adopt(n, newer.roster(), now);
        } else if (v.roster().seq() < n.roster.seq() && contacts(n).contains(f.from())) {
          n.sync.heardOlder(nodes.get(f.from()).identity.id()); // as PrivateNetworks.onRoster
        }
      });
    } else if (p[0] == Payloads.CATCHUP && n.roster != null) {
      CatchUp.Decision d = n.sync.catchUp().answer(n.roster, Arrays.copyOfRange(p, 1, p.length), from, wall(now));
      if (d instanceof CatchUp.Decision.Challenge c) {
        send(n.index, f.from(), n.keyring.sealWith(ok.keyId(), c.requester(), Payloads.of(Payloads.CATCHUP_COOKIE, c.cookie()), wall(now)), now);
        challenges++;
      } else if (d instanceof CatchUp.Decision.Answer a) {
        for (byte[] frag : Fragments.split(Payloads.ROSTER, random.nextLong(), n.roster.encode())) {
          send(n.index, f.from(), n.keyring.sealWith(ok.keyId(), a.requester(), frag, wall(now)), now);
          answers++;
        }
      }
    } else if (p[0] == Payloads.CATCHUP_COOKIE && n.roster != null && p.length == 1 + CatchUp.COOKIE_BYTES
        && n.sync.followUp(from)) {
      byte[] cookie = Arrays.copyOfRange(p, 1, p.length);
      byte[] request = Payloads.of(Payloads.CATCHUP, CatchUp.request(n.identity, n.roster.id(), cookie, wall(now)));
      send(n.index, f.from(), n.keyring.seal(n.net, nodes.get(f.from()).identity.id(), request, wall(now)), now);
      followUps++;
    }
    arm(n, now);
  }

  /** Take a newer roster (what {@code PrivateNetworks.adopt} does): keep it and its key, or leave if removed. */
  private void adopt(Node n, Roster next, long now) {
    boolean rolled = n.roster != null && n.roster.epoch() != next.epoch();
    if (!next.isMember(n.identity.id())) {
      n.keyring.remove(n.net);
      n.removedBy = next;
      n.roster = null;
      removedNoticed++;
    } else {
      next.epochKey(n.identity.id(), n.box).ifPresent(k ->
          n.keyring.install(n.net, k.epoch(), SealKey.of(k.key(), SealKey.Use.EPOCH), wall(now)));
      n.roster = next;
    }
    for (int k = 0; k < made.size(); k++) {
      Change ch = made.get(k);
      Boolean up = onlineAtChange.get(k).get(n.index);
      if (ch.net() != n.net || up == null || next.seq() < ch.seq()
          || heldOnline.get(k).containsKey(n.index) || heldBack.get(k).containsKey(n.index)) continue;
      if (up && n.backAt < ch.at()) heldOnline.get(k).putIfAbsent(n.index, now - ch.at());
      else {
        heldBack.get(k).put(n.index, now - Math.max(ch.at(), n.backAt));
        (rolled ? backNewEpoch : backSameEpoch).add(now - Math.max(ch.at(), n.backAt));
      }
    }
  }

  // ---------------------------------------------------------------- results

  /** Add this workload's counters to {@code c}; {@code end} is the run's end, {@code settleMs} how long a node must be up to count as settled. */
  void count(Simulation.Counters c, long end, long settleMs) {
    List<Long> online = new ArrayList<>();
    List<Long> back = new ArrayList<>();

    List<Long> allOnline = new ArrayList<>();
    long pairs = 0;
    long neverHeld = 0;
    for (int k = 0; k < made.size(); k++) {
      pairs += onlineAtChange.get(k).size();
      online.addAll(heldOnline.get(k).values());
      back.addAll(heldBack.get(k).values());
      boolean all = true;
      long last = 0;
      for (Map.Entry<Integer, Boolean> e : onlineAtChange.get(k).entrySet()) {
        if (!e.getValue()) continue;
        Long t = heldOnline.get(k).get(e.getKey());
        if (t == null) all = false;
        else last = Math.max(last, t);
      }
      if (all) allOnline.add(last);
      neverHeld += onlineAtChange.get(k).size() - heldOnline.get(k).size() - heldBack.get(k).size();
    }
    long behind = 0;
    long removedHoldingNew = 0;
    long removedWithNotice = 0;
    for (Node n : nodes.values()) {
      if (n.removedBy != null) removedWithNotice++;
      for (Change ch : made) {
        if (ch.removed() != n.index) continue;
        if (n.keyring != null && n.keyring.epoch(n.net).orElse(-1L) >= ch.epoch()) removedHoldingNew++;
        Node admin = nodes.get(members[n.net][0]);
        if (admin.roster != null && admin.roster.epochKey(n.identity.id(), n.box).isPresent()) removedHoldingNew++;
      }
      Roster latest = nodes.get(members[n.net][0]).roster;
      if (n.roster != null && latest != null && latest.isMember(n.identity.id()) && this.online[n.index]
          && n.wasOnline && n.backAt <= end - settleMs && n.roster.seq() < latest.seq()) {
        behind++;
      }
    }
    c.put("network.networks", count);
    c.put("network.changes", made.size());
    c.put("network.change_retries", retries);
    c.put("network.holders_due", pairs);
    c.put("network.held_online", online.size());
    c.put("network.held_after_back", back.size());
    c.put("network.never_held", neverHeld);
    put(c, "network.hold_ms", online);
    put(c, "network.all_online_hold_ms", allOnline);
    put(c, "network.catchup_back_ms", back);
    put(c, "network.catchup_back_same_epoch_ms", backSameEpoch);
    put(c, "network.catchup_back_new_epoch_ms", backNewEpoch);
    c.put("network.behind_settled_online", behind);
    c.put("network.removed_holding_later_epoch", removedHoldingNew);
    c.put("network.removed_with_notice", removedWithNotice);
    c.put("network.restarts", restarts);
    c.put("network.dgrams_push", pushes);
    c.put("network.dgrams_gossip", gossip);
    c.put("network.dgrams_ask", asks);
    c.put("network.dgrams_follow_up", followUps);
    c.put("network.dgrams_challenge", challenges);
    c.put("network.dgrams_answer", answers);
    long all = pushes + gossip + asks + followUps + challenges + answers;
    c.put("network.dgrams", all);
    c.put("network.bytes", bytes);
    c.put("network.dgrams_lost", lost);
    c.put("network.dgrams_to_away", toAway);
    c.put("network.dgrams_per_change_x100", made.isEmpty() ? 0 : 100 * all / made.size());
    c.put("network.push_dgrams_per_change_x100", made.isEmpty() ? 0 : 100 * pushes / made.size());
    c.put("network.catchup_dgrams_per_change_x100", made.isEmpty() ? 0 : 100 * (asks + followUps + challenges + answers) / made.size());
    long members = nodes.values().stream().filter(n -> n.roster != null).count();
    c.put("network.gossip_dgrams_per_member_hour_x100", members == 0 || end <= 0 ? 0 : 100 * gossip * 3_600_000L / (members * end));
    EnumMap<SealDrop, Long> drops = new EnumMap<>(SealDrop.class);
    EnumMap<CatchUp.Refusal, Long> refused = new EnumMap<>(CatchUp.Refusal.class);
    for (Node n : nodes.values()) {
      if (n.keyring != null) n.keyring.drops().forEach((d, v) -> drops.merge(d, v, Long::sum));
      if (n.sync != null) n.sync.catchUp().refused().forEach((d, v) -> refused.merge(d, v, Long::sum));
    }
    drops.forEach((d, v) -> c.put("network.drop." + d.name().toLowerCase(), v));
    refused.forEach((d, v) -> c.put("network.catchup_refused." + d.name().toLowerCase(), v));
  }

  private static void put(Simulation.Counters c, String name, List<Long> values) {
    long[] xs = values.stream().mapToLong(Long::longValue).sorted().toArray();
    c.put(name + "_p50", Measurements.percentile(xs, 50));
    c.put(name + "_p90", Measurements.percentile(xs, 90));
    c.put(name + "_p99", Measurements.percentile(xs, 99));
    c.put(name + "_max", xs.length == 0 ? -1 : xs[xs.length - 1]);
  }
}
