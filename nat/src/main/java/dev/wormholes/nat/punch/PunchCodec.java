package dev.wormholes.nat.punch;

import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.Networks;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Encode and decode {@link PunchMessage}s.
 *
 * <p>Layout: {@code 0x0E 'W' 'H' 0x01} (first byte differs from a protobuf Packet's 0x0D and has
 * QUIC's 0x40 bit clear, so all three share one socket), a type byte, then the fields in record
 * order, big-endian. An address is family (4 or 6), the raw IP, a 16-bit port; a candidate is a
 * kind byte and an address; a hint is two behaviour bytes (unknown values decode as UNKNOWN).
 * Decoding never throws: anything malformed, truncated, over a limit or with trailing bytes is
 * {@link Optional#empty()}.
 */
public final class PunchCodec {
  private PunchCodec() {}

  /** The four-byte prefix. */
  public static final byte[] MAGIC = {0x0E, 'W', 'H', 0x01};
  /** Most candidates in one Connect or Accept. */
  public static final int MAX_CANDIDATES = 8;
  /** Smallest Observe datagram (its reply is never larger). */
  public static final int MIN_OBSERVE = 40;
  /**
   * Smallest Connect datagram: larger than the largest Accept (8 IPv6 candidates, cookie and an
   * observed address: 332 bytes) by three Probes (85 bytes each), so that the Accept and the blind
   * probes that a Connect makes a target send before the initiator's address is proven never
   * exceed it.
   */
  public static final int MIN_CONNECT = 600;
  /** Largest datagram decoded. */
  public static final int MAX_SIZE = 1200;
  /** Signature domains. */
  public static final byte[] REGISTER_DOMAIN = d("wormholes/punch/register/v1");
  /** Signature domain of Connect. */
  public static final byte[] CONNECT_DOMAIN = d("wormholes/punch/connect/v1");
  /** Signature domain of Accept. */
  public static final byte[] ACCEPT_DOMAIN = d("wormholes/punch/accept/v1");
  /** Signature domain of Probe. */
  public static final byte[] PROBE_DOMAIN = d("wormholes/punch/probe/v1");
  /** Signature domain of ProbeAck. */
  public static final byte[] ACK_DOMAIN = d("wormholes/punch/ack/v1");

  private static final int T_REGISTER = 1, T_REGISTERED = 2, T_CONNECT = 3, T_ACCEPT = 4,
      T_SYNC = 5, T_REFUSED = 6, T_PROBE = 7, T_ACK = 8, T_OBSERVE = 9, T_OBSERVED = 10,
      T_DIALBACK_REQUEST = 11, T_DIALBACK_ORDER = 12, T_DIALBACK = 13;

  private static byte[] d(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Return whether {@code b} starts with this codec's magic (cheap demultiplexing). */
  public static boolean isPunch(byte[] b) {
    return b.length >= 5 && b[0] == MAGIC[0] && b[1] == MAGIC[1] && b[2] == MAGIC[2] && b[3] == MAGIC[3];
  }

  // ---- signing helpers: the signed bytes are the encoded fields, so nothing is re-canonicalised

  /** Return the bytes a Register signature covers. */
  public static byte[] registerSigned(byte[] key, long seq) {
    return ByteBuffer.allocate(40).put(key).putLong(seq).array();
  }

  /** Return the bytes a Connect or Accept signature covers. */
  public static byte[] offerSigned(long session, byte[] key, byte[] otherId, NatHint hint, List<Candidate> cs) {
    ByteBuffer bb = ByteBuffer.allocate(MAX_SIZE);
    bb.putLong(session).put(key).put(otherId);
    putHint(bb, hint);
    putCandidates(bb, cs);
    return java.util.Arrays.copyOf(bb.array(), bb.position());
  }

  /** Return the bytes a Probe or ProbeAck signature covers. */
  public static byte[] nonceSigned(long session, long nonce) {
    return ByteBuffer.allocate(16).putLong(session).putLong(nonce).array();
  }

  /** Return a signed Connect. */
  public static PunchMessage.Connect connect(Identity self, long session, NodeId target, NatHint hint, List<Candidate> cs) {
    byte[] key = self.publicKey();
    byte[] sig = self.sign(CONNECT_DOMAIN, offerSigned(session, key, target.toBytes(), hint, cs));
    return new PunchMessage.Connect(session, key, target.toBytes(), hint, List.copyOf(cs), sig, null);
  }

  /** Return a signed Accept. */
  public static PunchMessage.Accept accept(Identity self, long session, NodeId initiator, NatHint hint,
      List<Candidate> cs, long cookie) {
    byte[] key = self.publicKey();
    byte[] sig = self.sign(ACCEPT_DOMAIN, offerSigned(session, key, initiator.toBytes(), hint, cs));
    return new PunchMessage.Accept(session, key, initiator.toBytes(), hint, List.copyOf(cs), sig, cookie, null);
  }

  /** Return whether a Connect's signature is its initiator key's. */
  public static boolean verify(PunchMessage.Connect c) {
    return Identity.verify(c.initiatorKey(), CONNECT_DOMAIN,
        offerSigned(c.session(), c.initiatorKey(), c.targetId(), c.hint(), c.candidates()), c.signature());
  }

  /** Return whether an Accept's signature is its responder key's. */
  public static boolean verify(PunchMessage.Accept a) {
    return Identity.verify(a.responderKey(), ACCEPT_DOMAIN,
        offerSigned(a.session(), a.responderKey(), a.initiatorId(), a.hint(), a.candidates()), a.signature());
  }

  // ---- encoding

  /** Return the datagram of {@code m}. */
  public static byte[] encode(PunchMessage m) {
    ByteBuffer bb = ByteBuffer.allocate(MAX_SIZE).put(MAGIC);
    if (m instanceof PunchMessage.Register r) {
      bb.put((byte) T_REGISTER).put(r.publicKey()).putLong(r.seq()).put(r.signature());
    } else if (m instanceof PunchMessage.Registered r) {
      putAddress(bb.put((byte) T_REGISTERED), r.observed());
    } else if (m instanceof PunchMessage.Connect c) {
      bb.put((byte) T_CONNECT).put(offerSigned(c.session(), c.initiatorKey(), c.targetId(), c.hint(), c.candidates()))
          .put(c.signature());
      putOptionalAddress(bb, c.observedByRendezvous());
      bb.put(new byte[Math.max(0, MIN_CONNECT - bb.position())]);
    } else if (m instanceof PunchMessage.Accept a) {
      bb.put((byte) T_ACCEPT).put(offerSigned(a.session(), a.responderKey(), a.initiatorId(), a.hint(), a.candidates()))
          .put(a.signature()).putLong(a.cookie());
      putOptionalAddress(bb, a.observedByRendezvous());
    } else if (m instanceof PunchMessage.Sync s) {
      bb.put((byte) T_SYNC).putLong(s.session()).put(s.targetId()).putLong(s.cookie());
    } else if (m instanceof PunchMessage.Refused r) {
      bb.put((byte) T_REFUSED).putLong(r.session()).put((byte) r.reason());
    } else if (m instanceof PunchMessage.Probe p) {
      bb.put((byte) T_PROBE).putLong(p.session()).putLong(p.nonce()).put(p.signature());
    } else if (m instanceof PunchMessage.ProbeAck a) {
      bb.put((byte) T_ACK).putLong(a.session()).putLong(a.echoedNonce()).put(a.signature());
    } else if (m instanceof PunchMessage.Observe o) {
      bb.put((byte) T_OBSERVE).putLong(o.txid());
      bb.put(new byte[MIN_OBSERVE - bb.position()]);
    } else if (m instanceof PunchMessage.Observed o) {
      putAddress(bb.put((byte) T_OBSERVED).putLong(o.txid()), o.observed());
    } else if (m instanceof PunchMessage.DialBackRequest r) {
      bb.put((byte) T_DIALBACK_REQUEST).putLong(r.nonce()).put((byte) (r.fromOtherHost() ? 1 : 0));
      putAddress(bb, r.target());
    } else if (m instanceof PunchMessage.DialBackOrder o) {
      putAddress(bb.put((byte) T_DIALBACK_ORDER).putLong(o.nonce()), o.target());
    } else if (m instanceof PunchMessage.DialBack b) {
      bb.put((byte) T_DIALBACK).putLong(b.nonce());
    }
    return java.util.Arrays.copyOf(bb.array(), bb.position());
  }

  private static void putHint(ByteBuffer bb, NatHint h) {
    bb.put((byte) h.mapping().ordinal()).put((byte) h.filtering().ordinal());
  }

  private static void putCandidates(ByteBuffer bb, List<Candidate> cs) {
    bb.put((byte) cs.size());
    for (Candidate c : cs) {
      putAddress(bb.put((byte) c.kind().ordinal()), c.endpoint());
    }
  }

  private static ByteBuffer putAddress(ByteBuffer bb, InetSocketAddress a) {
    byte[] ip = a.getAddress().getAddress();
    return bb.put((byte) (ip.length == 4 ? 4 : 6)).put(ip).putShort((short) a.getPort());
  }

  private static void putOptionalAddress(ByteBuffer bb, InetSocketAddress a) {
    bb.put((byte) (a == null ? 0 : 1));
    if (a != null) {
      putAddress(bb, a);
    }
  }

  // ---- decoding

  /** Return the message in {@code b}, or empty if it is not a well-formed one. */
  public static Optional<PunchMessage> decode(byte[] b) {
    if (b.length > MAX_SIZE || !isPunch(b)) {
      return Optional.empty();
    }
    ByteBuffer bb = ByteBuffer.wrap(b, 5, b.length - 5);
    try {
      PunchMessage m = body(b[4], bb, b.length);
      return m != null && !bb.hasRemaining() ? Optional.of(m) : Optional.empty();
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty(); // truncated or impossible field: a malformed datagram, nothing more
    }
  }

  private static PunchMessage body(byte type, ByteBuffer bb, int length) {
    switch (type) {
      case T_REGISTER: return new PunchMessage.Register(bytes(bb, 32), bb.getLong(), bytes(bb, 64));
      case T_REGISTERED: return new PunchMessage.Registered(address(bb));
      case T_CONNECT: {
        long s = bb.getLong();
        byte[] key = bytes(bb, 32);
        byte[] target = bytes(bb, 32);
        NatHint h = hint(bb);
        List<Candidate> cs = candidates(bb);
        if (length < MIN_CONNECT) {
          return null;
        }
        PunchMessage.Connect c = new PunchMessage.Connect(s, key, target, h, cs, bytes(bb, 64), optionalAddress(bb));
        while (bb.hasRemaining()) {
          if (bb.get() != 0) {
            return null; // padding is zeros
          }
        }
        return c;
      }
      case T_ACCEPT: {
        long s = bb.getLong();
        byte[] key = bytes(bb, 32);
        byte[] initiator = bytes(bb, 32);
        NatHint h = hint(bb);
        List<Candidate> cs = candidates(bb);
        return new PunchMessage.Accept(s, key, initiator, h, cs, bytes(bb, 64), bb.getLong(), optionalAddress(bb));
      }
      case T_SYNC: return new PunchMessage.Sync(bb.getLong(), bytes(bb, 32), bb.getLong());
      case T_REFUSED: return new PunchMessage.Refused(bb.getLong(), bb.get() & 0xFF);
      case T_PROBE: return new PunchMessage.Probe(bb.getLong(), bb.getLong(), bytes(bb, 64));
      case T_ACK: return new PunchMessage.ProbeAck(bb.getLong(), bb.getLong(), bytes(bb, 64));
      case T_OBSERVE: {
        if (length < MIN_OBSERVE) {
          return null;
        }
        long tx = bb.getLong();
        bb.position(bb.limit()); // padding
        return new PunchMessage.Observe(tx);
      }
      case T_OBSERVED: return new PunchMessage.Observed(bb.getLong(), address(bb));
      case T_DIALBACK_REQUEST: return new PunchMessage.DialBackRequest(bb.getLong(), bb.get() != 0, address(bb));
      case T_DIALBACK_ORDER: return new PunchMessage.DialBackOrder(bb.getLong(), address(bb));
      case T_DIALBACK: return new PunchMessage.DialBack(bb.getLong());
      default: return null;
    }
  }

  private static byte[] bytes(ByteBuffer bb, int n) {
    byte[] out = new byte[n];
    bb.get(out);
    return out;
  }

  private static NatHint hint(ByteBuffer bb) {
    return new NatHint(behaviour(bb.get()), behaviour(bb.get()));
  }

  private static NatBehaviour behaviour(byte b) {
    NatBehaviour[] all = NatBehaviour.values();
    return b >= 0 && b < all.length ? all[b] : NatBehaviour.UNKNOWN;
  }

  private static List<Candidate> candidates(ByteBuffer bb) {
    int n = bb.get() & 0xFF;
    if (n > MAX_CANDIDATES) {
      throw new IllegalArgumentException("too many candidates: " + n);
    }
    List<Candidate> cs = new ArrayList<>(n);
    Candidate.Kind[] kinds = Candidate.Kind.values();
    for (int i = 0; i < n; i++) {
      int k = bb.get() & 0xFF;
      if (k >= kinds.length) {
        throw new IllegalArgumentException("candidate kind " + k);
      }
      cs.add(new Candidate(kinds[k], address(bb)));
    }
    return List.copyOf(cs);
  }

  private static InetSocketAddress address(ByteBuffer bb) {
    int family = bb.get();
    if (family != 4 && family != 6) {
      throw new IllegalArgumentException("address family " + family);
    }
    byte[] ip = bytes(bb, family == 4 ? 4 : 16);
    return new InetSocketAddress(Networks.ofBytes(ip), Short.toUnsignedInt(bb.getShort()));
  }

  private static InetSocketAddress optionalAddress(ByteBuffer bb) {
    return bb.get() == 0 ? null : address(bb);
  }
}
