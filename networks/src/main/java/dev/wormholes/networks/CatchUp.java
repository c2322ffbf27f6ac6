package dev.wormholes.networks;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A member that was away while the roster changed catches up: it may hold only an epoch key the
 * others replaced, so it cannot read the new roster they gossip, and they no longer take its
 * datagrams. While its network has no contact it asks its seeds for the roster ({@link #askDue}:
 * after {@link #ASK_FIRST_MS}, then backing off to {@link #ASK_MAX_MS}), sealed with the key it
 * holds; a member that still keeps that key (current, overlap or retired: {@link Keyring}) opens
 * the request and {@link #answer}s it with the current roster sealed under the same key, so the
 * asker can read it: the roster is signed, and its grants give a member that is still listed the
 * new epoch key (sealed to that member), and give a removed member the signed notice of its
 * removal and nothing else.
 *
 * <p>A request is {@code network id (32) | requester's Ed25519 key (32) | sent, Unix ms (8) |
 * signature (64)} over {@link #DOMAIN} and the first 72 bytes: the asker proves its key. It is
 * answered only if it is this network's, sent within {@link Keyring#MAX_SKEW_S} of now, by a node
 * that is or was a member ({@link Roster#wasMember}), at most once per {@link #ANSWER_EVERY_MS}
 * per requester and {@link #MAX_ANSWERS_PER_MINUTE} per network (an answer is a roster, larger than
 * the request: this bounds what a replayed request makes a member send). Refusals are typed and
 * counted. One per network; time is handed in (wall clock, ms).
 */
public final class CatchUp {
  /** Bytes of a request. */
  public static final int REQUEST_BYTES = NetworkId.BYTES + Identity.PUBLIC_KEY_BYTES + 8 + Identity.SIGNATURE_BYTES;
  /** How long a network may have no contact before its node asks. */
  public static final long ASK_FIRST_MS = 5_000;
  /** Longest wait between two asks. */
  public static final long ASK_MAX_MS = 300_000;
  /** Shortest time between two answers to one requester. */
  public static final long ANSWER_EVERY_MS = 30_000;
  /** Most answers in any minute. */
  public static final int MAX_ANSWERS_PER_MINUTE = 16;
  static final byte[] DOMAIN = "wormholes-network-catchup-v1".getBytes(StandardCharsets.US_ASCII);

  /** Why a request was not answered. */
  public enum Refusal {
    /** Not {@link #REQUEST_BYTES} long, or a bad key. */
    MALFORMED,
    /** For another network. */
    WRONG_NETWORK,
    /** Sent too far from now. */
    STALE_TIME,
    /** The requester never was a member. */
    NEVER_A_MEMBER,
    /** The signature does not verify. */
    BAD_SIGNATURE,
    /** This requester was answered less than {@link #ANSWER_EVERY_MS} ago. */
    TOO_SOON,
    /** {@link #MAX_ANSWERS_PER_MINUTE} answers in the last minute. */
    BUSY
  }

  /** What to do with a request. */
  public sealed interface Decision {
    /** Send the roster to the requester; {@code member}: it is still listed (else it was removed). */
    record Answer(NodeId requester, boolean member) implements Decision {}

    /** Ignore it (counted). */
    record Refused(Refusal refusal) implements Decision {}
  }

  private final Map<NodeId, Long> answered = new LinkedHashMap<>();
  private final ArrayDeque<Long> lastMinute = new ArrayDeque<>();
  private final EnumMap<Refusal, Long> refused = new EnumMap<>(Refusal.class);
  private long answers;
  private long quietSince = -1;
  private long nextAsk;
  private long backoff = ASK_FIRST_MS;

  /** Return {@code me}'s signed request for network {@code network}'s roster, sent at {@code now}. */
  public static byte[] request(Identity me, NetworkId network, long now) {
    ByteBuffer b = ByteBuffer.allocate(REQUEST_BYTES);
    b.put(network.bytes().toByteArray()).put(me.publicKey()).putLong(now);
    byte[] body = Arrays.copyOf(b.array(), REQUEST_BYTES - Identity.SIGNATURE_BYTES);
    b.put(me.sign(DOMAIN, body));
    return b.array();
  }

  /** Decide whether to answer {@code request} with {@code roster} at {@code now}. */
  public Decision answer(Roster roster, byte[] request, long now) {
    if (request.length != REQUEST_BYTES) {
      return refuse(Refusal.MALFORMED);
    }
    ByteBuffer b = ByteBuffer.wrap(request);
    byte[] network = new byte[NetworkId.BYTES];
    byte[] key = new byte[Identity.PUBLIC_KEY_BYTES];
    b.get(network).get(key);
    long sent = b.getLong();
    if (!roster.id().bytes().equals(ByteString.copyFrom(network))) {
      return refuse(Refusal.WRONG_NETWORK);
    }
    if (Math.abs(now - sent) > Keyring.MAX_SKEW_S * 1000) {
      return refuse(Refusal.STALE_TIME);
    }
    NodeId who = Identity.idOf(key);
    if (!roster.wasMember(who)) {
      return refuse(Refusal.NEVER_A_MEMBER);
    }
    byte[] body = Arrays.copyOf(request, REQUEST_BYTES - Identity.SIGNATURE_BYTES);
    byte[] sig = Arrays.copyOfRange(request, body.length, REQUEST_BYTES);
    if (!Identity.verify(key, DOMAIN, body, sig)) {
      return refuse(Refusal.BAD_SIGNATURE);
    }
    Long last = answered.get(who);
    if (last != null && now - last < ANSWER_EVERY_MS) {
      return refuse(Refusal.TOO_SOON);
    }
    while (!lastMinute.isEmpty() && now - lastMinute.peekFirst() >= 60_000) {
      lastMinute.removeFirst();
    }
    if (lastMinute.size() >= MAX_ANSWERS_PER_MINUTE) {
      return refuse(Refusal.BUSY);
    }
    lastMinute.addLast(now);
    answered.remove(who);
    answered.put(who, now);
    if (answered.size() > Roster.MAX_CHANGES) { // at most the members a roster ever had
      answered.remove(answered.keySet().iterator().next());
    }
    answers++;
    return new Decision.Answer(who, roster.isMember(who));
  }

  /**
   * Return whether this node should ask its seeds for the roster now: its network has had no
   * contact ({@code contacts} 0) for {@link #ASK_FIRST_MS}, and the last ask was a backoff ago
   * (doubling from {@link #ASK_FIRST_MS} to {@link #ASK_MAX_MS}; reset by a contact).
   */
  public boolean askDue(int contacts, long now) {
    if (contacts > 0) {
      quietSince = -1;
      backoff = ASK_FIRST_MS;
      return false;
    }
    if (quietSince < 0) {
      quietSince = now;
      nextAsk = now + ASK_FIRST_MS;
    }
    if (now < nextAsk) {
      return false;
    }
    nextAsk = now + backoff;
    backoff = Math.min(ASK_MAX_MS, backoff * 2);
    return true;
  }

  private Decision refuse(Refusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Decision.Refused(r);
  }

  /** Return the refusals so far by reason. */
  public Map<Refusal, Long> refused() {
    return new EnumMap<>(refused);
  }

  /** Return how many requests were answered. */
  public long answers() {
    return answers;
  }
}
