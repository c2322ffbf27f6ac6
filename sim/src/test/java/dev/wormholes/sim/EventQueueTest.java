package dev.wormholes.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/** {@link EventQueue} pops exactly what a reference {@link PriorityQueue} pops, FIFO among ties. */
class EventQueueTest {

  /** A reference event: time, then insertion order. */
  private record Ref(long time, long seq, long payload) {}

  private static final Comparator<Ref> ORDER =
      Comparator.comparingLong(Ref::time).thenComparingLong(Ref::seq);

  @Test
  void popOrderMatchesReferenceQueueOverRandomOperations() {
    // An op < 0 pops; an op >= 0 pushes at that time. Small times force many ties.
    qt().withExamples(300)
        .forAll(lists().of(integers().between(-8, 40)).ofSizeBetween(0, 2000))
        .checkAssert(EventQueueTest::replay);
  }

  @Test
  void largeRandomTimesMatchReference() {
    qt().withExamples(50)
        .forAll(lists().of(integers().between(-1_000_000, Integer.MAX_VALUE)).ofSizeBetween(0, 5000))
        .checkAssert(EventQueueTest::replay);
  }

  private static void replay(List<Integer> ops) {
    EventQueue q = new EventQueue(1); // tiny: exercises growth
    PriorityQueue<Ref> ref = new PriorityQueue<>(ORDER);
    long seq = 0;
    for (int op : ops) {
      if (op >= 0) {
        long payload = seq * 31 + op;
        q.push(op, payload);
        ref.add(new Ref(op, seq++, payload));
      } else if (!ref.isEmpty()) {
        popBoth(q, ref);
      }
      assertEquals(ref.size(), q.size());
    }
    while (!ref.isEmpty()) {
      popBoth(q, ref);
    }
    assertEquals(0, q.size());
  }

  private static void popBoth(EventQueue q, PriorityQueue<Ref> ref) {
    Ref want = ref.poll();
    assertEquals(want.time(), q.peekTime());
    assertEquals(want.payload(), q.pop());
    assertEquals(want.time(), q.lastTime());
  }

  @Test
  void emptyQueueRefusesToPop() {
    EventQueue q = new EventQueue(4);
    assertThrows(IllegalStateException.class, q::pop);
    assertThrows(IllegalStateException.class, q::peekTime);
  }
}
