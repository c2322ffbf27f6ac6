package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;

/** A request of ours waiting for its response (or, timed out, for a late one), keyed by txid in {@link Requests}. */
final class Outstanding {
  /** Why the request was sent, which decides what its response or timeout does. */
  enum Purpose {
    /** FIND_NODE or GET_VALUE of a query's lookup. */
    LOOKUP,
    /** PUT_VALUE of a query's store phase. */
    PUT,
    /** PING of a bootstrap seed whose id we do not know yet. */
    SEED_PING,
    /** PING of a bucket's least-recently-seen contact before a newcomer may replace it. */
    EVICTION_PING,
    /** PING of an unknown requester before it may enter the routing table. */
    PING_BACK,
    /** PUT of a GET's best value to one of the k closest that returned an older one or none. */
    REPAIR,
    /** PING of a routing-table contact carrying our new read-only mode (libp2p's identify push). */
    ANNOUNCE,
    /** PING of a held contact that sent a read_only request: removed only if it does not answer. */
    READ_ONLY_CHECK
  }

  final long txid;
  final InetSocketAddress to;
  /** The id that must answer, or null for a seed. */
  final NodeId expect;
  /** The contact queried, or null for a seed. */
  final Contact contact;
  final Purpose purpose;
  final Query query;
  final long deadline;
  /** When it was sent (for round-trip times). */
  long sentAt;
  /** Whether this is already the retry, with a token, of a truncated answer. */
  final boolean retried;
  /** How many times this request was sent before (seed pings are retried on timeout). */
  int attempt;
  /** The challenge this request carried (the answer must prove the key), or null. */
  com.google.protobuf.ByteString challenge;
  /** The contact's {@link RoutingTable#failures} when this was sent (-1: not in a bucket). */
  int failuresAtSend = -1;

  Outstanding(long txid, InetSocketAddress to, Contact contact, Purpose purpose, Query query, long deadline,
      boolean retried) {
    this.txid = txid;
    this.to = to;
    this.contact = contact;
    this.expect = contact == null ? null : contact.id();
    this.purpose = purpose;
    this.query = query;
    this.deadline = deadline;
    this.retried = retried;
  }
}
