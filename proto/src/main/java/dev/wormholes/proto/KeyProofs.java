package dev.wormholes.proto;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.KeyProof;
import java.nio.ByteBuffer;

/**
 * Proof that a node holds the Ed25519 key its node id is the hash of (the {@code challenge} /
 * {@code proof} fields of {@code Packet}), and the S/Kademlia static crypto puzzle on node ids. A
 * routing table admits an id only with a proof over a challenge it chose, so ids cost a key pair
 * each, and with a work factor a key pair costs about {@code 2^bits} SHA-256 hashes.
 */
public final class KeyProofs {
  /** Bytes of a challenge. */
  public static final int CHALLENGE_BYTES = 16;
  /** Signature domain of a proof. */
  static final byte[] DOMAIN = "wormholes/dht-proof/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private KeyProofs() {}

  /**
   * Return {@code self}'s proof for {@code challenge} from {@code requester} on network {@code
   * networkId}.
   */
  public static KeyProof prove(Identity self, long networkId, ByteString challenge, NodeId requester) {
    return KeyProof.newBuilder()
        .setPublicKey(ByteString.copyFrom(self.publicKey()))
        .setSignature(ByteString.copyFrom(self.sign(DOMAIN, message(networkId, challenge, requester))))
        .build();
  }

  /**
   * Return whether {@code proof} shows that the sender of id {@code claimed} holds its key: the key
   * hashes to the id and signs {@code challenge} from {@code requester} on {@code networkId}. Never
   * throws.
   */
  public static boolean verify(KeyProof proof, NodeId claimed, long networkId, ByteString challenge, NodeId requester) {
    if (proof == null || challenge.size() != CHALLENGE_BYTES) return false;
    byte[] key = proof.getPublicKey().toByteArray();
    if (key.length != Identity.PUBLIC_KEY_BYTES || !Identity.idOf(key).equals(claimed)) return false;
    return Identity.verify(key, DOMAIN, message(networkId, challenge, requester), proof.getSignature().toByteArray());
  }

  private static byte[] message(long networkId, ByteString challenge, NodeId requester) {
    return ByteBuffer.allocate(8 + challenge.size() + NodeId.BYTES)
        .putLong(networkId).put(challenge.toByteArray()).put(requester.toBytes()).array();
  }

  /**
   * Return the work of {@code id} (S/Kademlia's static puzzle): the number of leading zero bits of
   * SHA-256(id). Finding a key whose id has {@code b} bits of work takes about {@code 2^b} key
   * generations.
   */
  public static int work(NodeId id) {
    byte[] h = Identity.sha256(id.toBytes());
    int bits = 0;
    for (byte b : h) {
      if (b != 0) return bits + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
      bits += 8;
    }
    return bits;
  }

  /** Return whether {@code id} meets a network's work factor of {@code bits} (0: every id does). */
  public static boolean meetsWork(NodeId id, int bits) {
    return bits <= 0 || work(id) >= bits;
  }

  /**
   * Return a new identity whose id meets {@code bits} of work, drawing key pairs from {@code
   * random} until one does: about {@code 2^bits} key generations ({@code IdWorkBenchmark} measures
   * them). {@code tries[0]}, when given, is increased by the key pairs drawn.
   */
  public static Identity grind(java.util.random.RandomGenerator random, int bits, long[] tries) {
    while (true) {
      Identity id = Identity.generate(random);
      if (tries != null) tries[0]++;
      if (meetsWork(id.id(), bits)) return id;
    }
  }
}
