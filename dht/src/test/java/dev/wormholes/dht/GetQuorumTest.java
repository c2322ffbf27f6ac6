package dev.wormholes.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.ValueValidator;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Packet;
import dev.wormholes.proto.wire.ValueResponse;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A GET of a mutable value ends once {@link DhtConfig#getQuorum()} holders on every disjoint
 * path, all in distinct prefixes, agree ({@link Query#mutableAgreed}): with fewer
 * requests than the whole lookup and the same value; old-seq holders on fewer than all paths, or in
 * too few prefixes, cannot end it, and any answer carrying another value (older, newer, forged)
 * makes the GET run its whole lookup. A path that met no holder settles once its closest answered
 * without the value from outside the holders, and a settled path waits while another is not. A
 * stalled path of a GET that may still end on agreement stays at alpha requests in flight.
 */
class GetQuorumTest {
  private static final long SEED = 1616L;

  @Test
  void aMutableGetEndsOnceQuorumHoldersAgreeAndALoneStaleHolderCannotEndIt() {
    int[] whole = gets(DhtConfig.builder().getQuorum(0).build());
    int[] quorum = gets(DhtConfig.defaults());
    int sentWhole = 0, sentQuorum = 0;
    for (int i = 0; i < whole.length; i++) {
      sentWhole += whole[i];
      sentQuorum += quorum[i];
    }
    assertTrue(sentQuorum < sentWhole, "requests of 6 GETs: quorum " + sentQuorum + ", whole lookup " + sentWhole);
  }

  // The requests each of 6 GETs of a presence record sends on a 30-node network built with
  // config, where one hostile node serves an older seq of the record, whatever it holds.
  private static int[] gets(DhtConfig config) {
    SimNet net = new SimNet(SEED);
    net.grow(30, config);
    SimNet.Node owner = net.nodes.get(5);
    long expires = SimNet.WALL_BASE + net.now + 3_600_000;
    StoredValue v = SimNet.presenceOf(owner, 3, expires);
    net.await(owner, owner.engine.publish(v, net.now), 30_000);
    SimNet.Node hostile = net.nodes.get(6);
    hostile.engine.store().put(owner.id(), SimNet.presenceOf(owner, 1, expires), SimNet.WALL_BASE + net.now);
    int[] sent = new int[6];
    long ended = 0;
    for (int i = 0; i < sent.length; i++) {
      SimNet.Node reader = net.nodes.get(20 + i);
      QueryResult.Found f = assertInstanceOf(QueryResult.Found.class, net.await(reader, reader.engine.get(owner.id(), net.now), 30_000));
      assertEquals(v, f.value(), "reader " + reader.index + " got the hostile holder's older seq");
      sent[i] = f.stats().messagesSent();
      ended += reader.engine.stats().getsEndedByQuorum();
    }
    assertEquals(config.getQuorum() > 0, ended > 0, "GETs ended by quorum: " + ended);
    return sent;
  }

  @Test
  void aStalledPathOfAGetThatMayEndOnAgreementStaysAtAlpha() throws Exception {
    // One path, 60 contacts: the GET asks alpha of its 20 closest; the first answer brings
    // nothing closer, so the path has stalled. Without a value yet, or for the whole lookup
    // (quorum 0), the path then asks all of its k closest not yet asked at once; a GET holding a
    // value that may end it on agreement asks one more (back to alpha in flight).
    for (int quorum : new int[] {0, 2}) {
      for (boolean withValue : new boolean[] {false, true}) {
        DhtConfig config = DhtConfig.builder().disjointPaths(1).valueDisjointPaths(1).getQuorum(quorum).build();
        Fixture f = new Fixture(SEED, 60, config);
        dev.wormholes.proto.Identity owner = f.newIdentity();
        StoredValue v = dev.wormholes.proto.DhtValues.presence(owner, dev.wormholes.proto.wire.Presence.newBuilder()
            .setSeq(1).setExpiresAtMs(SimNet.WALL_BASE + f.now + 3_600_000).build());
        f.engine.get(owner.id(), f.now);
        List<Transmit> first = f.drainTransmits();
        assertEquals(config.alpha(), first.size());
        Packet asked = Packet.parseFrom(first.get(0).payload());
        Contact peer = null;
        for (Contact c : f.contacts) {
          if (c.address().equals(first.get(0).to())) peer = c;
        }
        ValueResponse.Builder answer = ValueResponse.newBuilder();
        if (withValue) answer.setValue(v);
        Packet stalled = Wire.header(0, asked.getTxid(), ByteString.copyFrom(peer.id().toBytes()))
            .setValueResponse(answer).build();
        int more = f.deliver(peer.address(), stalled.toByteArray()).size();
        assertEquals(quorum > 0 && withValue ? 1 : config.k() - config.alpha(), more,
            "quorum " + quorum + ", value " + withValue);
      }
    }
  }

  @Test
  void agreementNeedsQHoldersOnEveryPathInDistinctPrefixesAndNoDisputingAnswer() {
    SimNet net = new SimNet(SEED);
    SimNet.Node owner = net.add(DhtConfig.defaults());
    long expires = SimNet.WALL_BASE + 3_600_000;
    StoredValue v1 = SimNet.presenceOf(owner, 1, expires);
    StoredValue v2 = SimNet.presenceOf(owner, 2, expires);
    Query q = new Query(1, Query.Kind.GET, owner.id(), false, 0);
    q.returned = new HashMap<>();
    ValueValidator validator = ValueValidator.standard();
    long wall = SimNet.WALL_BASE;

    // Old-seq holders: two on one path, then two on three of four paths, then one on the fourth,
    // then two on four paths but in seven /24s: no end.
    q.offerValue(holder("10.0.1.1"), 0, v1, 1, validator, wall);
    q.offerValue(holder("10.0.2.1"), 0, v1, 1, validator, wall);
    assertFalse(q.mutableAgreed(2, 4), "one path");
    for (int path = 1; path < 3; path++) {
      q.offerValue(holder("10.0." + (10 * path) + ".1"), path, v1, 1, validator, wall);
      q.offerValue(holder("10.0." + (10 * path + 1) + ".1"), path, v1, 1, validator, wall);
    }
    assertFalse(q.mutableAgreed(2, 4), "three of four paths");
    assertTrue(q.mutableAgreed(2, 3), "two holders on each of three paths, six prefixes");
    q.offerValue(holder("10.0.30.1"), 3, v1, 1, validator, wall);
    assertFalse(q.mutableAgreed(2, 4), "one holder on the fourth path");
    q.offerValue(holder("10.0.30.2"), 3, v1, 1, validator, wall);
    assertFalse(q.mutableAgreed(2, 4), "two on every path, seven prefixes");
    assertTrue(q.mutableAgreed(1, 4), "q = 1: one on every path, four prefixes");
    q.offerValue(holder("10.0.31.1"), 3, v1, 1, validator, wall);
    assertTrue(q.mutableAgreed(2, 4), "two on every path, eight prefixes");

    // The newest, two on every path: one /24, then eight; quorum 0 never ends.
    Query q2 = new Query(2, Query.Kind.GET, owner.id(), false, 0);
    q2.returned = new HashMap<>();
    for (int i = 0; i < 8; i++) q2.offerValue(holder("10.0.5." + (i + 1)), i % 4, v2, 1, validator, wall);
    assertFalse(q2.mutableAgreed(2, 4), "the newest on every path but from one /24");
    for (int i = 0; i < 8; i++) q2.offerValue(holder("10.0." + (6 + i) + ".1"), i % 4, v2, 1, validator, wall);
    assertTrue(q2.mutableAgreed(2, 4));
    assertFalse(q2.mutableAgreed(0, 4), "quorum 0: whole lookup");
    // One older answer disputes it: the whole lookup runs.
    q2.offerValue(holder("10.0.9.1"), 3, v1, 1, validator, wall);
    assertFalse(q2.mutableAgreed(2, 4), "an older seq answered");
    assertEquals(v2, q2.best);

    // A newer seq after old ones on every path wins and the GET runs its whole lookup.
    Query q4 = new Query(4, Query.Kind.GET, owner.id(), false, 0);
    q4.returned = new HashMap<>();
    q4.offerValue(holder("10.0.1.1"), 0, v1, 1, validator, wall);
    q4.offerValue(holder("10.0.2.1"), 1, v1, 1, validator, wall);
    q4.offerValue(holder("10.0.3.1"), 2, v2, 1, validator, wall);
    for (int i = 0; i < 8; i++) q4.offerValue(holder("10.1." + i + ".1"), i % 4, v2, 1, validator, wall);
    assertEquals(v2, q4.best);
    assertFalse(q4.mutableAgreed(2, 4), "a newer seq superseded an older one");

    // A forged or tampered answer disputes it too.
    Query q5 = new Query(5, Query.Kind.GET, owner.id(), false, 0);
    q5.returned = new HashMap<>();
    q5.offerValue(holder("10.0.1.1"), 0, StaleAndForgedRecordTest.tampered(v2), 1, validator, wall);
    for (int i = 0; i < 8; i++) q5.offerValue(holder("10.1." + i + ".1"), i % 4, v2, 1, validator, wall);
    assertFalse(q5.mutableAgreed(2, 4), "a tampered answer");

    // One path: every path counts, prefixes still must differ.
    Query q3 = new Query(3, Query.Kind.GET, owner.id(), false, 0);
    q3.returned = new HashMap<>();
    q3.offerValue(holder("10.0.1.1"), 0, v2, 1, validator, wall);
    assertFalse(q3.mutableAgreed(2, 1));
    q3.offerValue(holder("10.0.2.1"), 0, v2, 1, validator, wall);
    assertTrue(q3.mutableAgreed(2, 1));
  }

  @Test
  void aPathThatMeetsTheHoldersOnlyFromOutsideSettlesOnceItsClosestAnsweredWithout() {
    SimNet net = new SimNet(SEED);
    SimNet.Node owner = net.add(DhtConfig.defaults());
    StoredValue v = SimNet.presenceOf(owner, 2, SimNet.WALL_BASE + 3_600_000);
    ValueValidator validator = ValueValidator.standard();
    // Ids closer to the key the later the byte that differs: holders h31..h29 and h18, and x20,
    // x19 (then x10, x9) without the value, which are farther than every holder but h18.
    Contact h31 = near(owner, 31, "10.0.31.1");
    Contact h30 = near(owner, 30, "10.0.30.1");
    Contact h29 = near(owner, 29, "10.0.29.1");
    Contact h18 = near(owner, 18, "10.0.18.1");
    Contact x20 = near(owner, 20, "10.0.20.1");
    Contact x19 = near(owner, 19, "10.0.19.1");

    for (boolean farHolder : new boolean[] {false, true}) {
      Contact h4 = farHolder ? h18 : near(owner, 28, "10.0.28.1");
      Query q = new Query(1, Query.Kind.GET, owner.id(), false, 0);
      q.returned = new HashMap<>();
      // Two paths: h31 seeds path 0, x20 path 1.
      q.lookup = new ClosestLookup(owner.id(), NodeId.ofWords(9, 9, 9, 9), java.util.List.of(h31, x20), 20, 3, 2, true);
      while (q.lookup.next(0) != null) { }
      q.offerValue(h31, 0, v, 1, validator, SimNet.WALL_BASE);
      q.lookup.onSuccess(h31, java.util.List.of(h30, h29, h4));
      q.lookup.onSuccess(x20, java.util.List.of(h30, x19)); // h30 is path 0's: path 1 learns x19 only
      while (q.lookup.next(0) != null) { }
      for (Contact h : java.util.List.of(h30, h29, h4)) {
        q.offerValue(h, 0, v, 2, validator, SimNet.WALL_BASE);
        q.lookup.onSuccess(h, java.util.List.of());
      }
      assertFalse(q.mutableAgreed(2, 2), "path 1's second closest has not answered");
      assertTrue(q.pauses(0, 2, 2), "path 0 is settled and waits for path 1");
      assertFalse(q.pauses(1, 2, 2));
      q.lookup.onSuccess(x19, java.util.List.of(near(owner, 10, "10.0.10.1"), near(owner, 9, "10.0.9.1")));
      // Path 1 holds no holder; its two closest answered without the value, two farther ones are
      // still to ask. Outside the holders it is settled; with a holder (h18) farther than them,
      // they lack a value they should hold.
      assertEquals(!farHolder, q.mutableAgreed(2, 2), "far holder " + farHolder);
      assertFalse(q.lookup.isFinished(), "path 1 has not asked its k closest");
      assertEquals(farHolder, q.pauses(0, 2, 2), "path 0 waits only while path 1 is unsettled");
    }
  }

  // A contact whose id differs from the owner's in byte `at` only (the later, the closer).
  private static Contact near(SimNet.Node owner, int at, String ip) {
    byte[] id = owner.id().toBytes();
    id[at] ^= 1;
    try {
      return new Contact(NodeId.of(id), new InetSocketAddress(InetAddress.getByName(ip), 7447));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static int next;

  private static Contact holder(String ip) {
    try {
      return new Contact(dev.wormholes.proto.NodeId.ofWords(++next, 2, 3, 4),
          new InetSocketAddress(InetAddress.getByName(ip), 7447));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
