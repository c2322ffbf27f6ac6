package dev.wormholes.people.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.people.channels.wire.ChannelMessage;
import dev.wormholes.people.channels.wire.Sync;
import dev.wormholes.people.channels.wire.PostBody;
import dev.wormholes.people.channels.wire.SignedPost;
import dev.wormholes.proto.NodeId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChannelTest {
  private final ChannelNet net = new ChannelNet(7);
  private final ChannelNet.Node owner = net.add(0);
  private final ChannelNet.Node bob = net.add(0);
  private final ChannelNet.Node carol = net.add(0);
  private final NetworkId id = owner.engine.create("team", net.now).orElseThrow().id();

  private Channel of(ChannelNet.Node n) {
    return n.engine.channel(id);
  }

  private SignedPost post(ChannelNet.Node n, String text) {
    Channel.Outcome<SignedPost> o = n.engine.post(id, text, net.local(n));
    net.drain(n);
    return ((Channel.Outcome.Done<SignedPost>) o).value();
  }

  private static List<String> texts(Channel c) {
    return c.read().stream().map(e -> e.text().orElse("?")).toList();
  }

  @Test
  void joinPostAndReadOnTheOtherSide() {
    assertEquals(id, net.join(owner, bob, id));
    post(owner, "hello");
    post(bob, "hi back");
    net.run(2_000, 100);
    assertEquals(List.of("hello", "hi back"), texts(of(bob)).stream().sorted().toList());
    assertEquals(2, of(owner).size());
    assertEquals(of(owner).heads(), of(bob).heads());
  }

  @Test
  void membersHoldingTheSameExchangeOnlyADigest() throws Exception {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    post(bob, "one");
    net.run(2 * Channels.ROUND_MAX_MS, 500); // first contacts and their retries are over
    net.sent.clear();
    net.run(2 * Channels.ROUND_MAX_MS, 500);
    assertFalse(net.sent.isEmpty(), "rounds go on");
    for (ChannelNet.Sent m : net.sent) {
      Sync s = ChannelMessage.parseFrom(m.bytes()).getSync();
      assertTrue(s.getRoster().isEmpty() && s.getHeadsCount() == 0 && s.getPostsCount() == 0 && !s.getFull(), s.toString());
      assertTrue(m.bytes().length < 64, m.bytes().length + " bytes");
    }
    // Two rounds of the longest interval: one member each per node and round, each answered once.
    assertTrue(net.sent.size() <= 3 * 2 * 2 + 3 * 2, net.sent.size() + " messages");
  }

  @Test
  void aPostGoesFromItsAuthorToEachMemberAndOnceMoreAroundTheRing() throws Exception {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    net.run(2 * Channels.ROUND_MAX_MS, 500);
    net.sent.clear();
    post(bob, "news");
    net.run(1_000, 100);
    List<ChannelNet.Sent> carrying = new java.util.ArrayList<>();
    for (ChannelNet.Sent m : net.sent) {
      if (ChannelMessage.parseFrom(m.bytes()).getSync().getPostsCount() > 0) {
        carrying.add(m);
      }
    }
    java.util.Set<List<NodeId>> pairs = carrying.stream().map(m -> List.of(m.from(), m.to()))
        .collect(java.util.stream.Collectors.toSet());
    assertEquals(java.util.Set.of(List.of(bob.id.id(), owner.id.id()), List.of(bob.id.id(), carol.id.id()),
        List.of(owner.id.id(), carol.id.id()), List.of(carol.id.id(), owner.id.id())), pairs,
        "the author to each member, and each member to the next one it was asked to relay to");
    assertEquals(4, carrying.size(), "nobody passes it on further");
    assertEquals(List.of("news"), texts(of(carol)));
    assertEquals(List.of("news"), texts(of(owner)));
  }

  @Test
  void aLostPushGoesAgainAfterTheMeasuredRoundTripNotTheLongRetry() throws Exception {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    net.run(2 * Channels.ROUND_MAX_MS, 50); // answers timed: round trips under 100 ms
    net.sent.clear();
    carol.down = true;
    post(bob, "news");
    net.run(100, 50); // the push to carol is lost
    carol.down = false;
    net.run(Channels.FIRST_RETRY_MIN_MS + 300, 50);
    assertEquals(List.of("news"), texts(of(carol)));
    long toOwner = net.sent.stream().filter(m -> {
      try {
        return m.to().equals(owner.id.id()) && ChannelMessage.parseFrom(m.bytes()).getSync().getPostsCount() > 0;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).count();
    assertEquals(1, toOwner, "the owner, answering in time, is not pushed to again");
  }

  @Test
  void noRetryWhileAnExchangeIsOpenAndThePushKeepsItsTries() throws Exception {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    net.run(2 * Channels.ROUND_MAX_MS, 50);
    post(bob, "news");
    long t = net.local(bob);
    int toCarol = 0;
    long toCarolExchange = 0;
    for (Channels.Outgoing o : bob.engine.pollSyncs(t)) {
      if (o.peer().equals(owner.id.id())) {
        byte[] answer = owner.engine.handleRequest(bob.id.id(), o.message(), net.local(owner)).orElseThrow();
        bob.engine.handleAnswer(owner.id.id(), o.exchange(), answer, t + 50);
      } else {
        toCarol += carries(o) ? 1 : 0;
        toCarolExchange = o.exchange();
      }
    }
    assertEquals(1, toCarol, "the push to carol went; its exchange stays open");
    long end = t + Channels.EXCHANGE_TIMEOUT_MS - 1_000;
    for (t += 100; t < end; t += 100) {
      for (Channels.Outgoing o : bob.engine.pollSyncs(t)) {
        assertFalse(o.peer().equals(carol.id.id()), "nothing to carol while its exchange is open");
      }
    }
    bob.engine.handleFailure(carol.id.id(), toCarolExchange);
    for (end = t + 4 * Channels.ROUND_MAX_MS; t < end; t += 100) {
      for (Channels.Outgoing o : bob.engine.pollSyncs(t)) {
        if (o.peer().equals(carol.id.id())) {
          toCarol += carries(o) ? 1 : 0;
          bob.engine.handleFailure(carol.id.id(), o.exchange());
        }
      }
    }
    assertEquals(1 + Channels.MAX_TRIES, toCarol, "the push went its full number of tries after the wait");
  }

  @Test
  void aLostPushOfANewPostIsRacedByTheRingMemberBeforeTheExchangeTimesOut() throws Exception {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    net.run(2 * Channels.ROUND_MAX_MS, 50);
    post(bob, "news");
    long t = net.local(bob);
    List<Channels.Outgoing> pushes = bob.engine.pollSyncs(t);
    assertEquals(2, pushes.size(), pushes.toString());
    Channels.Outgoing toOwner = pushes.stream().filter(o -> o.peer().equals(owner.id.id())).findFirst().orElseThrow();
    assertEquals(List.of(ByteString.copyFrom(carol.id.id().toBytes())),
        ChannelMessage.parseFrom(toOwner.message()).getSync().getRelayToList(), "the owner is asked to relay to carol");
    // The push to carol is lost (its exchange stays open at bob); the owner's arrives.
    owner.engine.handleRequest(bob.id.id(), toOwner.message(), net.local(owner)).orElseThrow();
    List<Channels.Outgoing> relayed = owner.engine.pollSyncs(net.local(owner) + 1);
    assertEquals(List.of(carol.id.id()), relayed.stream().map(Channels.Outgoing::peer).toList());
    assertTrue(carries(relayed.get(0)), "the owner pushes the post carol lacks");
    carol.engine.handleRequest(owner.id.id(), relayed.get(0).message(), net.local(carol) + 50).orElseThrow();
    assertEquals(List.of("news"), texts(of(carol)), "carol holds it long before bob's exchange times out");
    for (long u = t + 100; u < t + Channels.EXCHANGE_TIMEOUT_MS - 1_000; u += 100) {
      for (Channels.Outgoing o : bob.engine.pollSyncs(u)) {
        assertFalse(o.peer().equals(carol.id.id()), "nothing to carol while its exchange is open");
      }
    }
  }

  // Bob, settled in the channel with the owner alone, posts: return his push to the owner (its exchange open).
  private Channels.Outgoing bobsPushOfANewPost() {
    net.join(owner, bob, id);
    net.run(2 * Channels.ROUND_MAX_MS, 50);
    post(bob, "one");
    List<Channels.Outgoing> out = bob.engine.pollSyncs(net.local(bob));
    assertEquals(List.of(owner.id.id()), out.stream().map(Channels.Outgoing::peer).toList());
    return out.get(0);
  }

  @Test
  void aLateAnswerOrFailureOfAGivenUpExchangeLeavesTheNewerOneOpen() {
    Channels.Outgoing first = bobsPushOfANewPost();
    long t = net.local(bob);
    byte[] late = owner.engine.handleRequest(bob.id.id(), first.message(), t).orElseThrow();
    // Exchange 1 is given up unanswered; the push goes again in exchange 2.
    long u = t + Channels.EXCHANGE_TIMEOUT_MS;
    List<Channels.Outgoing> second = bob.engine.pollSyncs(u);
    assertEquals(List.of(owner.id.id()), second.stream().map(Channels.Outgoing::peer).toList());
    long one = first.exchange();
    long two = second.get(0).exchange();
    assertTrue(one != two, "each exchange has its own id");
    // Exchange 1's failure report and late answer arrive: exchange 2 stays open.
    bob.engine.handleFailure(owner.id.id(), one);
    assertEquals(1, bob.engine.openExchanges(), "a late failure report ends no newer exchange");
    assertTrue(bob.engine.handleAnswer(owner.id.id(), one, late, u + 10).isEmpty());
    assertEquals(1, bob.engine.openExchanges(), "a late answer ends no newer exchange");
    assertEquals(1L, bob.engine.drops().get(Channels.Drop.STALE));
    for (long v = u + 100; v < u + Channels.EXCHANGE_TIMEOUT_MS - 1_000; v += 100) {
      assertTrue(bob.engine.pollSyncs(v).isEmpty(), "nothing to the owner while exchange 2 is open");
    }
    // Exchange 2's own answer is taken: it shows the owner holds a post bob lacks, which follows.
    post(owner, "two");
    long w = u + Channels.EXCHANGE_TIMEOUT_MS - 1_000;
    byte[] answer = owner.engine.handleRequest(bob.id.id(), second.get(0).message(), w).orElseThrow();
    bob.engine.handleAnswer(owner.id.id(), two, answer, w + 10);
    assertEquals(0, bob.engine.openExchanges());
    assertEquals(1L, bob.engine.drops().get(Channels.Drop.STALE), "its own answer is not stale");
    List<Channels.Outgoing> next = bob.engine.pollSyncs(w + 10 + Channels.SOON_MS);
    assertEquals(List.of(owner.id.id()), next.stream().map(Channels.Outgoing::peer).toList());
    byte[] catchUp = owner.engine.handleRequest(bob.id.id(), next.get(0).message(), w + 300).orElseThrow();
    bob.engine.handleAnswer(owner.id.id(), next.get(0).exchange(), catchUp, w + 310);
    assertEquals(List.of("one", "two"), texts(of(bob)));
  }

  @Test
  void aJoinAnswerEndsNoExchangeWithTheInviter() {
    bobsPushOfANewPost();
    long t = net.local(bob);
    NetworkId other = owner.engine.create("other", t).orElseThrow().id();
    var link = owner.engine.invite(other, t / 1000 + 60, List.of()).orElseThrow();
    Channels.Outgoing join = bob.engine.join(link);
    assertEquals(0, join.exchange());
    byte[] answer = owner.engine.handleRequest(bob.id.id(), join.message(), t).orElseThrow();
    assertEquals(Optional.of(other), bob.engine.handleAnswer(owner.id.id(), join.exchange(), answer, t + 10));
    assertEquals(1, bob.engine.openExchanges(), "the push's exchange with the owner stays open");
  }

  private static boolean carries(Channels.Outgoing o) throws Exception {
    return ChannelMessage.parseFrom(o.message()).getSync().getPostsCount() > 0;
  }

  @Test
  void aUsedInviteIsRefusedToAnother() {
    var link = owner.engine.invite(id, net.now / 1000 + 60, List.of()).orElseThrow();
    byte[] first = owner.engine.handleRequest(bob.id.id(), bob.engine.join(link).message(), net.now).orElseThrow();
    assertTrue(Channels.refusal(first).isEmpty());
    byte[] second = owner.engine.handleRequest(carol.id.id(), carol.engine.join(link).message(), net.now).orElseThrow();
    assertEquals(Optional.of("replayed"), Channels.refusal(second));
    assertFalse(of(owner).roster().isMember(carol.id.id()));
  }

  @Test
  void forgedForkedGappedAndForeignPostsAreDroppedAndCounted() {
    net.join(owner, bob, id);
    SignedPost p1 = post(bob, "one");
    SignedPost p2 = post(bob, "two");
    Channel o = of(owner);
    assertEquals(PostVerdict.GAP, o.offer(p2));
    assertEquals(PostVerdict.ACCEPTED, o.offer(p1));
    assertEquals(PostVerdict.DUPLICATE, o.offer(p1));
    SignedPost forged = p2.toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();
    assertEquals(PostVerdict.BAD_SIGNATURE, o.offer(forged));
    assertEquals(PostVerdict.ACCEPTED, o.offer(p2));
    // Bob signs another post at seq 2: equivocation.
    Channel other = Channel.of(of(bob).roster(), bob.id.id(), dev.wormholes.networks.BoxKeys.privateOf(bob.id));
    other.offer(p1);
    SignedPost fork = ((Channel.Outcome.Done<SignedPost>) other.post(bob.id, "not two", 5, net.random)).value();
    assertEquals(PostVerdict.FORKED, o.offer(fork));
    assertEquals(PostVerdict.MALFORMED, o.offer(SignedPost.newBuilder().setBody(ByteString.copyFromUtf8("x")).build()));
    // Carol is not a member: her post for this channel is refused.
    Channel carols = Channel.of(of(owner).roster(), carol.id.id(), dev.wormholes.networks.BoxKeys.privateOf(carol.id));
    assertInstanceOf(Channel.Outcome.Refused.class, carols.post(carol.id, "let me in", 5, net.random));
    assertEquals(1L, o.dropped().get(PostVerdict.FORKED));
    assertEquals(1L, o.dropped().get(PostVerdict.GAP));
    assertEquals(1L, o.dropped().get(PostVerdict.BAD_SIGNATURE));
  }

  @Test
  void aRemovedMemberCanNeitherReadNorPost() {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    post(carol, "before");
    net.run(2_000, 100);
    Channel.Outcome<Channel.Removal> r = owner.engine.remove(id, carol.id.id(), net.now);
    net.drain(owner);
    assertInstanceOf(Channel.Outcome.Done.class, r);
    SignedPost secret = post(owner, "after carol left");
    SignedPost late = post(carol, "still here?");
    net.run(5_000, 100);
    assertEquals(List.of("before", "removed " + carol.id.id().shortString(), "after carol left"), texts(of(bob)));
    assertEquals(2L, of(bob).roster().epoch());
    // Carol, even with the new roster and every post, opens nothing of the new epoch.
    Channel c = of(carol);
    assertTrue(c.adopt(of(owner).roster()));
    assertFalse(c.member());
    Channel spy = Channel.of(of(owner).roster(), carol.id.id(), dev.wormholes.networks.BoxKeys.privateOf(carol.id));
    of(owner).missing(java.util.Map.of(), 100).forEach(spy::offer);
    assertEquals(Optional.empty(), spy.read().stream().filter(e -> e.epoch() == 2).findFirst().flatMap(Channel.Entry::text));
    assertTrue(spy.read().stream().anyMatch(e -> e.epoch() == 2));
    // Her post after the removal is refused by those who hold the cut.
    assertEquals(PostVerdict.CUT, of(bob).offer(late));
    assertEquals(PostVerdict.DUPLICATE, of(bob).offer(secret));
  }

  @Test
  void postsTakenBeforeTheCutArrivedAreDropped() {
    net.join(owner, bob, id);
    net.join(owner, carol, id);
    net.run(2_000, 100);
    Channel.Removal r = ((Channel.Outcome.Done<Channel.Removal>) owner.engine.remove(id, carol.id.id(), net.now)).value();
    SignedPost late = post(carol, "sneaked in");
    assertEquals(PostVerdict.ACCEPTED, of(bob).offer(late)); // Bob has not heard of the removal yet
    assertTrue(of(bob).adopt(of(owner).roster()));
    assertEquals(PostVerdict.ACCEPTED, of(bob).offer(r.cut()));
    assertTrue(of(bob).read().stream().noneMatch(e -> e.author().equals(carol.id.id())));
    assertEquals(1L, of(bob).dropped().get(PostVerdict.CUT));
  }

  @Test
  void aStrangersSyncIsDroppedUnanswered() {
    net.join(owner, bob, id);
    byte[] sync = bob.engine.pollSyncs(net.now + 1_000).get(0).message();
    assertTrue(owner.engine.handleRequest(carol.id.id(), sync, net.now).isEmpty());
    assertEquals(1L, owner.engine.drops().get(Channels.Drop.NOT_MEMBER));
    assertTrue(owner.engine.handleRequest(bob.id.id(), new byte[] {1, 2, 3}, net.now).isEmpty());
    assertEquals(1L, owner.engine.drops().get(Channels.Drop.MALFORMED));
  }

  @Test
  void aFloodingMemberIsHeldToItsBudget() {
    Channels strict = new Channels(owner.id, new java.util.Random(3), 40);
    NetworkId small = strict.create("small", net.now).orElseThrow().id();
    var link = strict.invite(small, net.now / 1000 + 60, List.of()).orElseThrow();
    bob.engine.handleAnswer(owner.id.id(), 0,
        strict.handleRequest(bob.id.id(), bob.engine.join(link).message(), net.now).orElseThrow(), net.now);
    for (int i = 0; i < 100; i++) {
      bob.engine.post(small, "spam " + i, net.now);
    }
    long t = net.now + 1_000;
    for (int round = 0; round < 4; round++) {
      for (Channels.Outgoing o : bob.engine.pollSyncs(t + round * Channels.SOON_MS)) {
        strict.handleRequest(bob.id.id(), o.message(), t).ifPresent(a -> bob.engine.handleAnswer(owner.id.id(), o.exchange(), a, t));
      }
    }
    assertEquals(40L, strict.channel(small).heads().get(bob.id.id()));
    assertTrue(strict.channel(small).dropped().getOrDefault(PostVerdict.OVER_BUDGET, 0L) > 0);
    long later = t + 10_000; // refilled at 20 a second, up to the burst again
    for (int round = 0; round < 4; round++) {
      for (Channels.Outgoing o : bob.engine.pollSyncs(later + round * Channels.SOON_MS)) {
        strict.handleRequest(bob.id.id(), o.message(), later)
            .ifPresent(a -> bob.engine.handleAnswer(owner.id.id(), o.exchange(), a, later));
      }
    }
    assertEquals(80L, strict.channel(small).heads().get(bob.id.id()));
  }

  @Test
  void aRestoredChannelHoldsWhatWasStored() {
    net.join(owner, bob, id);
    post(owner, "kept");
    post(owner, "kept too");
    net.run(1_000, 100);
    Channels again = new Channels(owner.id, new java.util.Random(1));
    owner.stored.stream().filter(s -> s instanceof Channels.Save.Record).map(s -> (Channels.Save.Record) s)
        .reduce((a, b) -> b).ifPresent(rec -> assertTrue(again.restore(rec.record(), net.now)));
    owner.stored.stream().filter(s -> s instanceof Channels.Save.Post).map(s -> (Channels.Save.Post) s)
        .forEach(p -> again.restorePost(p.channel(), p.post()));
    assertEquals(List.of("kept", "kept too"), texts(again.channel(id)));
    assertTrue(again.channel(id).roster().isMember(bob.id.id()));
    assertEquals(PostVerdict.MALFORMED, again.channel(id).offer(SignedPost.newBuilder()
        .setBody(PostBody.newBuilder().setSeq(1).build().toByteString()).build()));
    assertEquals(NodeId.BYTES, id.bytes().size());
  }
}
