package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import dev.wormholes.dht.Outstanding.Purpose;
import dev.wormholes.proto.KeyProofs;
import dev.wormholes.proto.engine.Transmit;
import dev.wormholes.proto.wire.Packet;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.random.RandomGenerator;

/**
 * The engine's way out: encodes its requests (txid, token or padding, key-proof challenge, {@code
 * read_only} flag), records each in {@link Requests}, and queues every datagram for {@link
 * DhtEngine#pollTransmit()}. Holds the tokens peers issued us by address and whether the engine is
 * read-only. Part of the pure engine: randomness is the engine's generator.
 */
final class Sender {
  private final DhtConfig config;
  private final RandomGenerator random;
  private final RoutingTable table;
  private final Requests requests;
  private final DhtStats stats;
  private final ByteString selfIdBytes;
  private final AddressTables.TokenCache tokenCache;
  private final ArrayDeque<Transmit> transmits = new ArrayDeque<>(4);
  private boolean readOnly;

  Sender(DhtConfig config, RandomGenerator random, RoutingTable table, Requests requests, DhtStats stats,
      ByteString selfIdBytes) {
    this.config = config;
    this.random = random;
    this.table = table;
    this.requests = requests;
    this.stats = stats;
    this.selfIdBytes = selfIdBytes;
    this.tokenCache = new AddressTables.TokenCache(config.tokenCacheSlots());
    this.readOnly = config.readOnly();
  }

  /**
   * Send a request with {@code body} to {@code to}, expecting {@code contact}'s id (null: any). The
   * token is {@code token}, else the one cached for {@code to}. Without one the request is padded
   * so that its answer is not cut by the responder's anti-amplification limit, but only for an
   * address that proved itself (a routing-table contact there): to an address we only heard of
   * from others, who may name a victim, we send a small request. A node outside the table that
   * could enter it (a seed, a lookup's contact, a requester pinged back) is asked to prove its key
   * with a challenge.
   */
  Outstanding request(InetSocketAddress to, Contact contact, Purpose purpose, Query q, Packet.Builder body,
      ByteString token, boolean retried, long now) {
    long txid = requests.newTxid(random);
    Contact held = contact == null ? null : table.find(contact.id());
    ByteString challenge = held == null
        && (contact == null || (table.couldAdmit(contact.id()) && !table.isReplacement(contact.id(), to))) ? challenge() : null;
    // Loopback cannot be spoofed from outside the machine: nodes on one host pad as usual.
    boolean proven = (held != null && held.address().equals(to)) || to.getAddress().isLoopbackAddress();
    byte[] bytes = Wire.encodeRequest(body, config, txid, selfIdBytes, token != null ? token : tokenCache.get(to, now),
        readOnly, challenge, proven);
    Outstanding o = new Outstanding(txid, to, contact, purpose, q, requests.deadlineFor(now), retried);
    o.challenge = challenge;
    o.sentAt = now;
    if (contact != null) o.failuresAtSend = table.failures(contact.id());
    requests.add(o);
    stats.requestsOut++;
    if (q != null) q.sent++;
    send(to, bytes);
    return o;
  }

  private ByteString challenge() {
    byte[] c = new byte[KeyProofs.CHALLENGE_BYTES];
    for (int i = 0; i < c.length; i += 8) {
      long r = random.nextLong();
      for (int j = 0; j < 8; j++) c[i + j] = (byte) (r >>> (8 * j));
    }
    return ByteString.copyFrom(c);
  }

  /** Queue {@code bytes} for {@code to}. */
  void send(InetSocketAddress to, byte[] bytes) {
    stats.datagramsOut++;
    stats.bytesOut += bytes.length;
    transmits.add(new Transmit(to, bytes));
  }

  /** Return the next datagram to send, or null when none. */
  Transmit poll() {
    return transmits.poll();
  }

  /** Remember {@code token}, issued us by {@code from} at {@code now}, for later requests there (empty: nothing). */
  void tokenFrom(InetSocketAddress from, ByteString token, long now) {
    if (!token.isEmpty()) tokenCache.put(from, token, now);
  }

  /** Return whether our requests say read-only. */
  boolean readOnly() {
    return readOnly;
  }

  /** Set whether our requests say read-only. */
  void readOnly(boolean on) {
    readOnly = on;
  }
}
