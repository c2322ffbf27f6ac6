package dev.wormholes.dht;

/**
 * What a query cost.
 *
 * @param hops longest chain of "contact learned from the response of" that reached the result (a
 *     contact from our own routing table is hop 1)
 * @param messagesSent requests sent by this query, retries included
 * @param responses responses received
 * @param timeouts requests that got no response in time
 * @param startedAt monotonic ms when the query started
 * @param finishedAt monotonic ms when it finished
 */
public record QueryStats(int hops, int messagesSent, int responses, int timeouts, long startedAt, long finishedAt) {
  /** Return {@code finishedAt - startedAt}. */
  public long durationMs() {
    return finishedAt - startedAt;
  }
}
