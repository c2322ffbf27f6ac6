package dev.wormholes.people.channels;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.networks.NetworkId;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Gossip among four members over a network that loses, delays (reorders) and duplicates
 * messages, each member's clock up to a day off: once the network heals, every remaining member
 * holds every post of every remaining member exactly once, each author's in seq order; the
 * removed member's posts after its removal are held by nobody, and nothing of the new epoch opens
 * for it.
 */
class ChannelGossipPropertiesTest {
  private static final long DAY_MS = 86_400_000L;

  @Test
  void nothingLostNothingDuplicatedOrderKeptRemovedShutOut() {
    qt().withExamples(6).withShrinkCycles(0)
        .forAll(longs().all(), integers().between(0, 40), integers().between(0, 30))
        .checkAssert((seed, lossPct, dupPct) -> {
          String at = "seed " + seed + " loss " + lossPct + "% dup " + dupPct + "%";
          ChannelNet net = new ChannelNet(seed);
          ChannelNet.Node owner = net.add(skew(net));
          List<ChannelNet.Node> others = List.of(net.add(skew(net)), net.add(skew(net)), net.add(skew(net)));
          NetworkId id = owner.engine.create("c", net.local(owner)).orElseThrow().id();
          others.forEach(n -> net.join(owner, n, id));
          ChannelNet.Node gone = others.get(2);
          net.loss = lossPct / 100.0;
          net.duplicate = dupPct / 100.0;
          net.maxDelayMs = 3_000;
          Map<NodeId, Integer> made = new HashMap<>();
          List<ChannelNet.Node> all = new ArrayList<>(others);
          all.add(owner);
          for (int step = 0; step < 30; step++) {
            ChannelNet.Node n = all.get(net.random.nextInt(all.size()));
            if (n.engine.post(id, "post " + step, net.local(n)) instanceof Channel.Outcome.Done<?>) {
              made.merge(n.id.id(), 1, Integer::sum);
            }
            net.drain(n);
            if (step == 15) {
              owner.engine.remove(id, gone.id.id(), net.local(owner));
              net.drain(owner);
            }
            net.run(1_000 + net.random.nextInt(4_000), 250);
          }
          long cut = owner.engine.channel(id).read().stream().filter(e -> e.cutMember().isPresent())
              .findFirst().orElseThrow().cutSeq();
          net.loss = 0;
          net.duplicate = 0;
          net.run(others.size() * Channels.ROUND_MAX_MS, 500); // members - 1 rounds: every pair meets
          for (ChannelNet.Node n : all) {
            if (n == gone) {
              continue;
            }
            Channel c = n.engine.channel(id);
            Set<String> seen = new HashSet<>();
            Map<NodeId, Long> last = new HashMap<>();
            for (Channel.Entry e : c.read()) {
              check(seen.add(e.author() + "/" + e.seq()), at + ": duplicate " + e.author() + "/" + e.seq());
              check(e.seq() == last.getOrDefault(e.author(), 0L) + 1, at + ": order broken for " + e.author());
              last.put(e.author(), e.seq());
              check(e.text().isPresent(), at + ": a member cannot read " + e.author() + "/" + e.seq());
            }
            for (ChannelNet.Node a : all) {
              long expected = a == gone ? cut : made.getOrDefault(a.id.id(), 0) + (a == owner ? 1 : 0);
              check(last.getOrDefault(a.id.id(), 0L) == expected,
                  at + ": " + n.id.id().shortString() + " holds " + last.get(a.id.id()) + " of "
                      + a.id.id().shortString() + ", expected " + expected);
            }
          }
          // The removed member, given the new roster and every post, opens nothing of the new epoch.
          Channel spy = gone.engine.channel(id);
          spy.adopt(owner.engine.channel(id).roster());
          owner.engine.channel(id).missing(Map.of(), Channel.MAX_POSTS).forEach(spy::offer);
          check(spy.read().stream().noneMatch(e -> e.epoch() >= 2 && e.text().isPresent()),
              at + ": the removed member read a post of the new epoch");
        });
  }

  private static long skew(ChannelNet net) {
    return (long) ((net.random.nextDouble() * 2 - 1) * DAY_MS);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
