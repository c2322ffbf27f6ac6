package dev.wormholes.sim;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Heap measurements of the simulator's JVM: used heap after a full collection, and the peak since
 * the last reset (the sum of each heap pool's peak: an upper bound, since pools peak at different
 * moments).
 */
final class HeapMeter {
  /** Return the used heap in bytes after asking for a full collection. */
  long usedAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Reset the peak of every heap pool. */
  void resetPeak() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }
  }

  /** Return the sum of the heap pools' peak usage since the last reset, in bytes. */
  long peak() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
    }
    return sum;
  }
}
