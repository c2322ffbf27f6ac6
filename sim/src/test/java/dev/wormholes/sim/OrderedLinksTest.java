package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Per-link order over a jittery network model: the bare model reorders datagrams sent 1 ms apart
 * on one link; through {@link OrderedLinks} each link's arrivals never go back, no arrival is
 * earlier than the model's, and a lost datagram stays lost.
 */
class OrderedLinksTest {
  private static NetworkModel model(double loss) {
    return new NetworkModel(3, new SplittableRandom(5), 20, 40, 30, loss, 0);
  }

  @Test
  void eachLinkDeliversInOrderAndNoEarlierThanTheModel() {
    NetworkModel bare = model(0);
    OrderedLinks ordered = new OrderedLinks(model(0), 3);
    SplittableRandom r1 = new SplittableRandom(9);
    SplittableRandom r2 = new SplittableRandom(9);
    long[] lastBare = new long[9];
    long[] lastOrdered = new long[9];
    int reorderedBare = 0;
    for (int k = 0; k < 600; k++) {
      int from = k % 3;
      int to = (k / 3) % 3;
      long plain = bare.arrival(from, to, 514, k, r1);
      long at = ordered.arrival(from, to, 514, k, r2);
      int link = from * 3 + to;
      if (plain < lastBare[link]) {
        reorderedBare++;
      }
      assertTrue(at >= lastOrdered[link], "link " + link + " went back at " + k);
      assertTrue(at >= plain, "earlier than the model");
      lastBare[link] = Math.max(lastBare[link], plain);
      lastOrdered[link] = at;
    }
    assertTrue(reorderedBare > 50, "the bare model reorders: " + reorderedBare);
  }

  @Test
  void aLostDatagramStaysLost() {
    OrderedLinks ordered = new OrderedLinks(model(1), 3);
    SplittableRandom r = new SplittableRandom(9);
    for (int k = 0; k < 10; k++) {
      assertEquals(-1, ordered.arrival(0, 1, 514, k, r));
    }
  }
}
