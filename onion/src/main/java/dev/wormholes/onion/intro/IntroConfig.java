package dev.wormholes.onion.intro;

/**
 * The limits of {@link Introductions}.
 *
 * @param maxIntroCircuits services this node is an introduction point for at once
 * @param maxCookies rendezvous cookies this node holds at once
 * @param maxCookiesPerNeighbour of those, held for circuits that came from one neighbour
 * @param establishPerSecond ESTABLISH_INTRO signature checks per second (before any check)
 * @param establishBurst their burst
 * @param introducePerCircuitPerSecond INTRODUCE1 passed on to one service circuit per second
 * @param introducePerCircuitBurst its burst
 * @param introducePerSecond INTRODUCE1 passed on to all services per second
 * @param introduceBurst its burst
 * @param servicePerSecond INTRODUCE2 a service runs a handshake for per second
 * @param serviceBurst its burst
 * @param introLifetimeMs how long a service uses one intro point's keys; its replay cache
 *     remembers an introduction as long, and an INTRODUCE2 on older keys is refused
 * @param maxReplayEntries the replay cache's size; when full of live entries introductions are
 *     refused (never evicted: an evicted entry could be replayed)
 * @param maxPending introductions waiting for their rendezvous circuit at a service
 * @param rendezvousTimeoutMs how long one waits
 */
public record IntroConfig(int maxIntroCircuits, int maxCookies, int maxCookiesPerNeighbour, double establishPerSecond, double establishBurst,
    double introducePerCircuitPerSecond, double introducePerCircuitBurst, double introducePerSecond,
    double introduceBurst, double servicePerSecond, double serviceBurst, long introLifetimeMs,
    int maxReplayEntries, int maxPending, long rendezvousTimeoutMs) {

  /** Return the daemon's limits. */
  public static IntroConfig defaults() {
    return new IntroConfig(256, 1024, 64, 20, 50, 5, 25, 50, 200, 20, 40, 3_600_000, 50_000, 64, 30_000);
  }
}
