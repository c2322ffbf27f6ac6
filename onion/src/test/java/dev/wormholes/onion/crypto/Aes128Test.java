package dev.wormholes.onion.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.onion.Hex;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Both routes of {@link Aes128} against FIPS 197 and the JDK: the round keys written into the
 * JDK's cipher equal the JDK's own key setup for both directions, and blocks and counter-mode
 * streams equal {@code Cipher}'s AES/ECB and AES/CTR under many keys, re-keyed in place.
 */
class Aes128Test {
  private static final byte[] FIPS_KEY = Hex.bytes("000102030405060708090a0b0c0d0e0f");
  private static final byte[] FIPS_PLAIN = Hex.bytes("00112233445566778899aabbccddeeff");
  private static final String FIPS_CIPHER = "69c4e0d86a7b0430d8cdb78070b4c55a";

  @Test
  void theDirectRouteIsOnWhenTheProviderPackageIsOpen() {
    assertTrue(Aes128.intrinsic(), "surefire runs with --add-opens java.base/com.sun.crypto.provider");
  }

  @Test
  void fips197AppendixC1OnBothRoutes() {
    for (boolean direct : new boolean[] {true, false}) {
      Aes128.Block enc = new Aes128.Block(false, direct);
      Aes128.Block dec = new Aes128.Block(true, direct);
      enc.setKey(FIPS_KEY, 0);
      dec.setKey(FIPS_KEY, 0);
      byte[] b = FIPS_PLAIN.clone();
      enc.apply(b, 0);
      assertEquals(FIPS_CIPHER, Hex.of(b));
      dec.apply(b, 0);
      assertArrayEquals(FIPS_PLAIN, b);
    }
  }

  @Test
  void roundKeysEqualTheJdksKeySetupInBothDirections() throws Throwable {
    Class<?> aesCrypt = Class.forName("com.sun.crypto.provider.AESCrypt");
    MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(aesCrypt, MethodHandles.lookup());
    var constructor = aesCrypt.getDeclaredConstructor();
    constructor.setAccessible(true);
    var init = aesCrypt.getDeclaredMethod("init", boolean.class, String.class, byte[].class);
    init.setAccessible(true);
    var k = lookup.findVarHandle(aesCrypt, "K", int[].class);
    SplittableRandom random = new SplittableRandom(197);
    int[] ours = new int[Aes128.KEY_WORDS];
    for (int i = 0; i < 2000; i++) {
      byte[] key = new byte[16];
      random.nextBytes(key);
      for (boolean decrypt : new boolean[] {false, true}) {
        Object jdk = constructor.newInstance();
        init.invoke(jdk, decrypt, "AES", key);
        if (decrypt) {
          Aes128.decryptionKeys(key, 0, ours);
        } else {
          Aes128.encryptionKeys(key, 0, ours);
        }
        assertArrayEquals((int[]) k.get(jdk), ours, "decrypt " + decrypt);
      }
    }
  }

  @Test
  void blocksAndCounterStreamsEqualTheJdkCipherUnderManyKeys() throws Exception {
    SplittableRandom random = new SplittableRandom(359);
    Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
    Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
    for (boolean direct : new boolean[] {true, false}) {
      Aes128.Block enc = new Aes128.Block(false, direct);
      Aes128.Block dec = new Aes128.Block(true, direct);
      Aes128.Ctr stream = new Aes128.Ctr(600, direct);
      for (int i = 0; i < 500; i++) {
        byte[] key = new byte[16];
        random.nextBytes(key);
        byte[] block = new byte[16];
        random.nextBytes(block);
        enc.setKey(key, 0);
        dec.setKey(key, 0);
        stream.setKey(key, 0);
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        byte[] expected = ecb.doFinal(block);
        byte[] b = block.clone();
        enc.apply(b, 0);
        assertArrayEquals(expected, b);
        dec.apply(b, 0);
        assertArrayEquals(block, b);

        byte[] counter = new byte[16];
        random.nextBytes(counter);
        int len = random.nextInt(1, 600);
        byte[] data = new byte[len + 7];
        random.nextBytes(data);
        ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counter));
        byte[] want = ctr.doFinal(data, 3, len);
        byte[] got = data.clone();
        stream.xor(counter, got, 3, len, got, 3);
        assertArrayEquals(want, Arrays.copyOfRange(got, 3, 3 + len));
      }
    }
  }
}
