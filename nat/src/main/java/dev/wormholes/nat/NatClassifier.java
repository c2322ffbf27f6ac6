package dev.wormholes.nat;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Classify the NAT in front of one local UDP socket in RFC 4787 terms, from peers alone.
 *
 * <p>Mapping (RFC 4787 4.1): feed {@link #handleMappingObservation} with what different peers saw
 * as our source. Same public port for peers at different IPs: endpoint-independent; a different
 * port per remote IP: address-dependent; a different port per remote port at one IP: address- and
 * port-dependent ("symmetric"). Port preservation comes from the same observations.
 *
 * <p>Filtering (RFC 4787 5), hairpinning (6): start a test with {@link #startTest}, which returns a
 * random nonce; the driver asks a peer to send it (dial-back, always to our own observed endpoint:
 * {@link DialBackRule}) and reports its arrival with {@link #handleTestArrived}. A test that has
 * not arrived by its deadline ({@link #pollTimeout()}, {@link #handleTimeout}) failed.
 *
 * <p>Mapping lifetime (RFC 4787 4.3): {@link #handleIdleResult} with the outcome of idle periods.
 *
 * <p>Memory is bounded: the last {@link #MAX_OBSERVATIONS} observations and at most {@link
 * #MAX_PENDING_TESTS} pending tests are kept.
 */
public final class NatClassifier {
  /** Observations remembered. */
  public static final int MAX_OBSERVATIONS = 32;
  /** Pending tests at once; more are refused. */
  public static final int MAX_PENDING_TESTS = 8;
  /** Mapping lifetime assumed until measured: Linux conntrack's unreplied UDP timeout. */
  public static final long DEFAULT_LIFETIME_MS = 30_000;

  /** What a test datagram measures. */
  public enum TestKind {
    /** Sent by a peer we never sent to, at another IP: arrival means endpoint-independent filtering. */
    OTHER_ADDRESS,
    /** Sent by a peer we did send to, from another port: arrival means address-dependent filtering. */
    SAME_ADDRESS_OTHER_PORT,
    /** Sent by ourselves to our own public endpoint: arrival means the NAT hairpins. */
    HAIRPIN
  }

  /**
   * A started test.
   *
   * @param nonce the random value the test datagram must carry
   * @param kind what it measures
   * @param deadline monotonic time after which it counts as failed
   */
  public record Test(long nonce, TestKind kind, long deadline) {}

  private record Observation(InetSocketAddress remote, InetSocketAddress observed) {}

  private final InetSocketAddress local;
  private final long testTimeoutMs;
  private final Deque<Observation> observations = new ArrayDeque<>();
  private final Map<Long, Test> pending = new LinkedHashMap<>();
  // Results per kind: null untested, TRUE arrived, FALSE timed out.
  private final Map<TestKind, Boolean> results = new java.util.EnumMap<>(TestKind.class);
  private long lifetimeLower;
  private long lifetimeUpper = Long.MAX_VALUE;

  /** Classify the mapping of the socket bound at {@code local} (a concrete interface address). */
  public NatClassifier(InetSocketAddress local, long testTimeoutMs) {
    this.local = local;
    this.testTimeoutMs = testTimeoutMs;
  }

  /** Record that the peer at {@code remote} saw our datagram coming from {@code observed}. */
  public void handleMappingObservation(InetSocketAddress remote, InetSocketAddress observed) {
    observations.removeIf(o -> o.remote().equals(remote));
    observations.addLast(new Observation(remote, observed));
    if (observations.size() > MAX_OBSERVATIONS) {
      observations.removeFirst();
    }
  }

  /** Start a test; return empty if too many are pending. */
  public java.util.Optional<Test> startTest(TestKind kind, RandomGenerator random, long now) {
    if (pending.size() >= MAX_PENDING_TESTS) {
      return java.util.Optional.empty();
    }
    Test t = new Test(random.nextLong(), kind, now + testTimeoutMs);
    pending.put(t.nonce(), t);
    return java.util.Optional.of(t);
  }

  /** Record that a test datagram carrying {@code nonce} arrived; unknown nonces are ignored. */
  public boolean handleTestArrived(long nonce, long now) {
    Test t = pending.remove(nonce);
    if (t == null || now > t.deadline()) {
      return false;
    }
    results.put(t.kind(), Boolean.TRUE);
    return true;
  }

  /** Fail every pending test whose deadline has passed. */
  public void handleTimeout(long now) {
    pending.values().removeIf(t -> {
      if (now < t.deadline()) {
        return false;
      }
      results.putIfAbsent(t.kind(), Boolean.FALSE);
      return true;
    });
  }

  /** Return the earliest pending deadline. */
  public OptionalLong pollTimeout() {
    return pending.values().stream().mapToLong(Test::deadline).min();
  }

  /** Record whether a mapping survived {@code idleMs} of silence (same observed port after it). */
  public void handleIdleResult(long idleMs, boolean survived) {
    if (survived) {
      lifetimeLower = Math.max(lifetimeLower, idleMs);
    } else {
      lifetimeUpper = Math.min(lifetimeUpper, idleMs);
    }
  }

  /** Return the mapping verdict from the observations so far. */
  public NatBehaviour mapping() {
    if (observations.isEmpty()) {
      return NatBehaviour.UNKNOWN;
    }
    if (observations.stream().allMatch(o -> o.observed().equals(local))) {
      return NatBehaviour.NONE;
    }
    boolean otherIpPair = false;
    boolean differsByIp = false;
    boolean differsByPort = false;
    Observation[] all = observations.toArray(new Observation[0]);
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        boolean sameIp = all[i].remote().getAddress().equals(all[j].remote().getAddress());
        boolean samePort = all[i].observed().equals(all[j].observed());
        otherIpPair |= !sameIp;
        differsByIp |= !sameIp && !samePort;
        differsByPort |= sameIp && !samePort;
      }
    }
    if (differsByPort) {
      return NatBehaviour.ADDRESS_AND_PORT_DEPENDENT;
    }
    if (differsByIp) {
      // Without a same-IP/other-port pair we cannot tell AD from APD; APD is the harder, safer guess.
      boolean testedSameIp = hasSameIpPair(all);
      return testedSameIp ? NatBehaviour.ADDRESS_DEPENDENT : NatBehaviour.ADDRESS_AND_PORT_DEPENDENT;
    }
    return otherIpPair ? NatBehaviour.ENDPOINT_INDEPENDENT : NatBehaviour.UNKNOWN;
  }

  private static boolean hasSameIpPair(Observation[] all) {
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        if (all[i].remote().getAddress().equals(all[j].remote().getAddress())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Return the filtering verdict from the dial-back tests so far. */
  public NatBehaviour filtering() {
    Boolean other = results.get(TestKind.OTHER_ADDRESS);
    Boolean samePortless = results.get(TestKind.SAME_ADDRESS_OTHER_PORT);
    if (Boolean.TRUE.equals(other)) {
      return NatBehaviour.ENDPOINT_INDEPENDENT;
    }
    if (other == null || samePortless == null) {
      return NatBehaviour.UNKNOWN;
    }
    return samePortless ? NatBehaviour.ADDRESS_DEPENDENT : NatBehaviour.ADDRESS_AND_PORT_DEPENDENT;
  }

  /** Return the mapping lifetime estimate in milliseconds. */
  public long mappingLifetimeMs() {
    long estimate = lifetimeLower > 0 ? lifetimeLower : DEFAULT_LIFETIME_MS;
    return estimate < lifetimeUpper ? estimate : Math.max(1, lifetimeUpper / 2);
  }

  /** Return how often to send a keepalive so the mapping never expires: half its lifetime. */
  public long keepaliveIntervalMs() {
    return Math.max(1_000, mappingLifetimeMs() / 2);
  }

  /** Return an immutable snapshot of everything known. */
  public NatReport report() {
    boolean preserving = !observations.isEmpty()
        && observations.stream().allMatch(o -> o.observed().getPort() == local.getPort());
    return new NatReport(mapping(), filtering(), preserving, results.get(TestKind.HAIRPIN),
        mappingLifetimeMs(), observations.size());
  }
}
