package dev.wormholes.networks;

import com.google.crypto.tink.aead.internal.InsecureNonceAesGcmJce;
import com.google.crypto.tink.subtle.AesGcmJce;
import dev.wormholes.proto.NodeId;
import java.util.Random;

/**
 * Cost of sealing and opening one datagram, all measured in one run: a DHT ping sealed, opened
 * and decoded against the same ping only decoded (the unsealed path); and at 1,200 bytes, against
 * a copy of the bytes. Compares the JDK's AES-GCM
 * (what {@link Keyring} uses, with its key id lookup and replay window) against Tink's AES-GCM
 * AEAD (random nonce) and Tink's AES-GCM with a caller's nonce. Not part of the test suite:
 *
 * <pre>
 * ./mvnw -q -B -o -pl networks test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.wormholes.networks.SealBenchmark [-Dexec.args="SIZE ITERATIONS"]
 * </pre>
 */
public final class SealBenchmark {
  private static final NodeId B = NodeId.ofWords(2, 2, 2, 2);

  private SealBenchmark() {}

  /** Run with optional datagram size (default 1200) and iterations per round (default 200,000). */
  public static void main(String[] args) throws Exception {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 1200;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    Random random = new Random(1);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    byte[] plain = new byte[size];
    random.nextBytes(plain);
    SealKey key = SealKey.of(secret, SealKey.Use.EPOCH);
    byte[] aes = key.aes().getEncoded();
    AesGcmJce tink = new AesGcmJce(aes);
    InsecureNonceAesGcmJce tinkNonce = new InsecureNonceAesGcmJce(aes);
    byte[] aad = new byte[Keyring.HEADER];
    byte[] ping = dev.wormholes.proto.PacketCodec.encode(dev.wormholes.proto.PacketCodec
        .request(0, 1, dev.wormholes.proto.Identity.generate(random).id())
        .setPing(dev.wormholes.proto.wire.Ping.getDefaultInstance()).build());

    for (int round = 0; round < 5; round++) { // the first rounds warm the JIT up
      Keyring<String> a = new Keyring<>(random, 0, NodeId.ofWords(1, 1, 1, 1));
      Keyring<String> b = new Keyring<>(random, 0, B);
      a.install("n", 1, key, 0);
      b.install("n", 1, key, 0);
      long sink = 0;
      long d0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += dev.wormholes.proto.PacketCodec.decode(ping, 0).hashCode();
      }
      long d1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Keyring.Opened<String> o = b.open(a.seal("n", B, ping, 1_000), i);
        sink += dev.wormholes.proto.PacketCodec.decode(((Keyring.Opened.Ok<String>) o).plaintext(), 0).hashCode();
      }
      long d2 = System.nanoTime();
      System.out.printf("round %d, a %d-byte DHT ping x %d: unsealed (decode) %.0f ns; sealed (seal, open, decode) "
          + "%.0f ns: %.1fx%n", round, ping.length, n, (d1 - d0) / (double) n, (d2 - d1) / (double) n,
          (d2 - d1) / (double) (d1 - d0));
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        byte[] copy = plain.clone();
        sink += copy[i % size];
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Keyring.Opened<String> o = b.open(a.seal("n", B, plain, 1_000), i);
        sink += o instanceof Keyring.Opened.Ok<String> ok ? ok.plaintext().length : 0;
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += tink.decrypt(tink.encrypt(plain, aad), aad).length;
      }
      long t3 = System.nanoTime();
      byte[] iv = new byte[12];
      for (int i = 0; i < n; i++) {
        iv[11] = (byte) i;
        iv[10] = (byte) (i >>> 8);
        iv[9] = (byte) (i >>> 16);
        sink += tinkNonce.decrypt(iv, tinkNonce.encrypt(iv, plain, aad), aad).length;
      }
      long t4 = System.nanoTime();
      javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
      for (int i = 0; i < n; i++) {
        iv[11] = (byte) i;
        iv[10] = (byte) (i >>> 8);
        iv[9] = (byte) (i >>> 16);
        iv[0]++; // a fresh nonce for every round's encryptions
        c.init(javax.crypto.Cipher.ENCRYPT_MODE, key.aes(), new javax.crypto.spec.GCMParameterSpec(128, iv));
        c.updateAAD(aad);
        byte[] sealed = c.doFinal(plain);
        c.init(javax.crypto.Cipher.DECRYPT_MODE, key.aes(), new javax.crypto.spec.GCMParameterSpec(128, iv));
        c.updateAAD(aad);
        sink += c.doFinal(sealed).length;
      }
      long t5 = System.nanoTime();
      double unsealed = (t1 - t0) / (double) n;
      double jdk = (t2 - t1) / (double) n;
      double tinkNs = (t3 - t2) / (double) n;
      double tinkNonceNs = (t4 - t3) / (double) n;
      double rawJdk = (t5 - t4) / (double) n;
      System.out.printf("round %d, %d-byte datagrams x %d, seal+open per datagram: unsealed copy %.0f ns; "
              + "Keyring (JDK AES-GCM) %.0f ns (%.1fx unsealed); Tink AEAD %.0f ns (%.2fx JDK); "
              + "Tink caller-nonce %.0f ns (%.2fx JDK); bare JDK Cipher %.0f ns (%.2fx JDK) [%d]%n",
          round, size, n, unsealed, jdk, jdk / unsealed, tinkNs, tinkNs / jdk, tinkNonceNs, tinkNonceNs / jdk, rawJdk, rawJdk / jdk, sink & 1);
    }
  }
}
