package dev.wormholes.node.networks;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.Member;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.proto.DecodeResult;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.PacketCodec;
import dev.wormholes.proto.wire.Packet;
import io.netty.channel.DefaultEventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A network's DHT amplifies nothing toward an address whose member is unknown (in process, no
 * socket: three {@link PrivateNetwork}s on one event loop, datagrams handed between them). Bob
 * joins through carol; every datagram bob sent her (his first ones are sealed for anyone, later
 * ones carry carol's token) is replayed to alice with a victim's address as its source, as a
 * captured datagram sealed for anyone can be within the clock window. Alice's answers to the
 * victim, sealed, are never more bytes than the replayed datagram: the DHT answers an address
 * without a valid token of its own (carol's is no good at alice) with at most the request's size,
 * and sealing adds the same {@link Keyring#OVERHEAD} to both.
 */
class NetworkDhtReplayTest {
  private static final InetSocketAddress ALICE_AT = new InetSocketAddress("127.0.31.1", 4001);
  private static final InetSocketAddress BOB_AT = new InetSocketAddress("127.0.31.2", 4002);
  private static final InetSocketAddress CAROL_AT = new InetSocketAddress("127.0.31.3", 4003);
  private static final InetSocketAddress VICTIM = new InetSocketAddress("127.0.31.66", 53);
  private final DefaultEventLoop loop = new DefaultEventLoop();

  private record Sent(InetSocketAddress from, InetSocketAddress to, byte[] payload) {}

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static Roster valid(RosterResult r) {
    return assertInstanceOf(RosterResult.Valid.class, r, () -> r.toString()).roster();
  }

  @Test
  void replayedDhtDatagramsFromAnUnknownAddressGetNoMoreBytesBack() throws Exception {
    Random random = new Random(31);
    Identity alice = Identity.generate(random);
    Identity bob = Identity.generate(random);
    Identity carol = Identity.generate(random);
    Roster.Founded f = Roster.create(alice, "friends", random);
    Roster r = f.roster();
    for (Identity m : new Identity[] {bob, carol}) {
      r = valid(r.append(r.addMember(alice, Member.of(m), f.epochKey(), random)));
    }
    Roster roster = r;
    loop.submit(() -> {
      List<Sent> wire = new ArrayList<>();
      PrivateNetwork a = new PrivateNetwork("friends", roster, alice, loop, List.of(),
          (to, p) -> wire.add(new Sent(ALICE_AT, to, p)));
      PrivateNetwork b = new PrivateNetwork("friends", roster, bob, loop, List.of(),
          (to, p) -> wire.add(new Sent(BOB_AT, to, p)));
      PrivateNetwork c = new PrivateNetwork("friends", roster, carol, loop, List.of(),
          (to, p) -> wire.add(new Sent(CAROL_AT, to, p)));
      Map<InetSocketAddress, PrivateNetwork> at = Map.of(BOB_AT, b, CAROL_AT, c);
      List<Sent> bobToCarol = new ArrayList<>();
      b.addSeeds(List.of(CAROL_AT), MonotonicClock.now());
      for (int round = 0; round < 20 && !wire.isEmpty(); round++) { // bob joins through carol
        List<Sent> now = new ArrayList<>(wire);
        wire.clear();
        for (Sent s : now) {
          if (s.from().equals(BOB_AT) && s.to().equals(CAROL_AT)) {
            bobToCarol.add(s);
          }
          PrivateNetwork to = at.get(s.to());
          if (to != null) {
            to.handleDatagram(s.from(), s.payload(), MonotonicClock.now());
          }
        }
      }
      assertTrue(bobToCarol.size() >= 2, "bob sent carol " + bobToCarol.size());
      long in = 0;
      long out = 0;
      int withToken = 0;
      for (Sent s : bobToCarol) {
        DecodeResult d = PacketCodec.decode(s.payload(), roster.id().wireId());
        Packet p = assertInstanceOf(DecodeResult.Ok.class, d, () -> d.toString()).packet();
        withToken += p.hasObserved() || p.getToken().isEmpty() ? 0 : 1; // a request (no observed address) with a token
        wire.clear();
        a.handleDatagram(VICTIM, s.payload(), MonotonicClock.now());
        int sealedIn = s.payload().length + Keyring.OVERHEAD;
        int sealedOut = wire.stream().filter(w -> w.to().equals(VICTIM))
            .mapToInt(w -> w.payload().length + Keyring.OVERHEAD).sum();
        assertTrue(sealedOut <= sealedIn, sealedOut + " bytes to the victim for " + sealedIn);
        in += sealedIn;
        out += sealedOut;
      }
      System.out.printf("network DHT replayed toward an unknown address: %d datagrams, %d bytes in, %d out (%.2fx)%n",
          bobToCarol.size(), in, out, (double) out / in);
      assertTrue(out > 0, "alice answered the replayed requests");
      assertTrue(withToken > 0, "a replayed request carried carol's token");
      a.close();
      b.close();
      c.close();
      return null;
    }).get();
  }
}
