package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.PakeRound1;
import dev.wormholes.people.wire.PakeRound2;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.agreement.jpake.JPAKEParticipant;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroups;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound1Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound2Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound3Payload;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * One side of a J-PAKE exchange over a code's password (Bouncy Castle's J-PAKE in the NIST 2048-bit
 * group with SHA-256), its rounds in wire form. Peer input never throws: a round that does not
 * parse or validate (wrong password, forged proof, oversized number) answers empty. Randomness is
 * handed in. Not thread-safe; one exchange per object.
 */
public final class CodePake {
  /** The inviter's participant id. */
  static final String INVITER = "wormholes-inviter";
  /** The acceptor's participant id. */
  static final String ACCEPTOR = "wormholes-acceptor";
  /** Most bytes of one number on the wire (a 2048-bit group element and a sign byte). */
  static final int MAX_NUMBER = 257;

  private static final byte[] DOMAIN = "wormholes-code-invite-v1".getBytes(StandardCharsets.US_ASCII);

  private final JPAKEParticipant me;
  private final String peerId;
  private BigInteger keying;

  /** Return the inviter's ({@code inviter}) or acceptor's side over {@code password}, drawing from {@code random}. */
  public CodePake(boolean inviter, String password, SecureRandom random) {
    this.me = new JPAKEParticipant(inviter ? INVITER : ACCEPTOR, password.toCharArray(),
        JPAKEPrimeOrderGroups.NIST_2048, new SHA256Digest(), random);
    this.peerId = inviter ? ACCEPTOR : INVITER;
  }

  /** Return this side's round 1. */
  public PakeRound1 round1() {
    JPAKERound1Payload p = me.createRound1PayloadToSend();
    return PakeRound1.newBuilder().setGx1(num(p.getGx1())).setGx2(num(p.getGx2()))
        .addAllProofX1(nums(p.getKnowledgeProofForX1())).addAllProofX2(nums(p.getKnowledgeProofForX2())).build();
  }

  /** Take the peer's round 1; return whether it validated. */
  public boolean takeRound1(PakeRound1 r) {
    Optional<BigInteger[]> p1 = numbers(r.getProofX1List());
    Optional<BigInteger[]> p2 = numbers(r.getProofX2List());
    Optional<BigInteger> gx1 = number(r.getGx1());
    Optional<BigInteger> gx2 = number(r.getGx2());
    if (p1.isEmpty() || p2.isEmpty() || gx1.isEmpty() || gx2.isEmpty()) {
      return false;
    }
    return run(() -> me.validateRound1PayloadReceived(new JPAKERound1Payload(peerId, gx1.get(), gx2.get(), p1.get(), p2.get())));
  }

  /** Return this side's round 2 (after {@link #takeRound1}, before {@link #takeRound2}). */
  public PakeRound2 round2() {
    JPAKERound2Payload p = me.createRound2PayloadToSend();
    return PakeRound2.newBuilder().setA(num(p.getA())).addAllProofX2S(nums(p.getKnowledgeProofForX2s())).build();
  }

  /** Take the peer's round 2 and derive the keying material; return whether it validated. */
  public boolean takeRound2(PakeRound2 r) {
    Optional<BigInteger[]> proof = numbers(r.getProofX2SList());
    Optional<BigInteger> a = number(r.getA());
    if (proof.isEmpty() || a.isEmpty()
        || !run(() -> me.validateRound2PayloadReceived(new JPAKERound2Payload(peerId, a.get(), proof.get())))) {
      return false;
    }
    keying = me.calculateKeyingMaterial();
    return true;
  }

  /** Return this side's key confirmation (after {@link #takeRound2}, before {@link #takeMac}). */
  public ByteString mac() {
    return num(me.createRound3PayloadToSend(keying).getMacTag());
  }

  /** Take the peer's key confirmation; return whether both sides used the same password. */
  public boolean takeMac(ByteString mac) {
    Optional<BigInteger> m = number(mac);
    return keying != null && m.isPresent()
        && run(() -> me.validateRound3PayloadReceived(new JPAKERound3Payload(peerId, m.get()), keying));
  }

  /** Return the 256-bit invite secret both sides derive (after {@link #takeRound2}). */
  public byte[] secret() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(DOMAIN);
      return d.digest(keying.toByteArray());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private interface Step {
    void run() throws CryptoException;
  }

  private static boolean run(Step s) {
    try {
      s.run();
      return true;
    } catch (CryptoException | RuntimeException e) {
      return false; // a wrong password, a forged proof, a number out of the group, a round out of order
    }
  }

  private static ByteString num(BigInteger v) {
    return ByteString.copyFrom(v.toByteArray());
  }

  private static List<ByteString> nums(BigInteger[] v) {
    return java.util.Arrays.stream(v).map(CodePake::num).toList();
  }

  private static Optional<BigInteger> number(ByteString b) {
    return b.isEmpty() || b.size() > MAX_NUMBER ? Optional.empty() : Optional.of(new BigInteger(b.toByteArray()));
  }

  private static Optional<BigInteger[]> numbers(List<ByteString> list) {
    if (list.size() != 2) {
      return Optional.empty();
    }
    Optional<BigInteger> a = number(list.get(0));
    Optional<BigInteger> b = number(list.get(1));
    return a.isPresent() && b.isPresent() ? Optional.of(new BigInteger[] {a.get(), b.get()}) : Optional.empty();
  }
}
