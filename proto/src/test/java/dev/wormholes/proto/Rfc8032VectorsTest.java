package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 8032 section 7.1 Ed25519 test vectors against {@link Identity}: key derivation, signing with
 * an empty domain (pure Ed25519 of the message), verification, and rejection of tampered input.
 * The JDK's independent Ed25519 also verifies each vector, so a typo in a vector cannot pass.
 */
class Rfc8032VectorsTest {
  private static final byte[] NO_DOMAIN = new byte[0];
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  static Stream<Arguments> vectors() {
    return Stream.of(
        Arguments.of("TEST 1",
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Arguments.of("TEST 2",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        Arguments.of("TEST 3",
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        Arguments.of("TEST 1024",
            "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
            "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
            TEST_1024_MESSAGE,
            "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"),
        Arguments.of("TEST SHA(abc)",
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void identityMatchesVector(String name, String secret, String publicKey, String message, String signature) {
    Identity id = Identity.fromSeed(HEX.decode(secret));
    byte[] msg = HEX.decode(message);
    byte[] pk = HEX.decode(publicKey);
    byte[] sig = HEX.decode(signature);

    assertArrayEquals(pk, id.publicKey(), "public key");
    assertArrayEquals(sig, id.sign(NO_DOMAIN, msg), "signature");
    assertTrue(Identity.verify(pk, NO_DOMAIN, msg, sig), "verify");
    assertEquals(Identity.idOf(pk), id.id(), "node id is SHA-256 of the public key");
    assertArrayEquals(Identity.sha256(pk), id.id().toBytes());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void jdkAgreesWithVector(String name, String secret, String publicKey, String message, String signature)
      throws Exception {
    assertTrue(jdkVerify(HEX.decode(publicKey), HEX.decode(message), HEX.decode(signature)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void tamperedInputFails(String name, String secret, String publicKey, String message, String signature) {
    byte[] pk = HEX.decode(publicKey);
    byte[] msg = HEX.decode(message);
    byte[] sig = HEX.decode(signature);

    byte[] longerMsg = Arrays.copyOf(msg, msg.length + 1);
    assertFalse(Identity.verify(pk, NO_DOMAIN, longerMsg, sig), "message changed");
    for (int i : new int[] {0, 31, 32, 63}) {
      byte[] badSig = sig.clone();
      badSig[i] ^= 0x01;
      assertFalse(Identity.verify(pk, NO_DOMAIN, msg, badSig), "signature byte " + i + " flipped");
    }
    byte[] badPk = pk.clone();
    badPk[0] ^= 0x01;
    assertFalse(Identity.verify(badPk, NO_DOMAIN, msg, sig), "public key changed");
    assertFalse(Identity.verify(pk, "x".getBytes(StandardCharsets.US_ASCII), msg, sig), "domain prefix added");
    assertFalse(Identity.verify(Arrays.copyOf(pk, 31), NO_DOMAIN, msg, sig), "short key");
    assertFalse(Identity.verify(pk, NO_DOMAIN, msg, Arrays.copyOf(sig, 65)), "long signature");
  }

  @Test
  void shaAbcVectorSignsSha512OfAbc() throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-512").digest("abc".getBytes(StandardCharsets.US_ASCII));
    assertEquals(vectors().skip(4).findFirst().orElseThrow().get()[3], HEX.encode(digest));
  }

  @Test
  void test1024MessageIs1023Bytes() {
    assertEquals(1023, HEX.decode(TEST_1024_MESSAGE).length);
  }

  @Test
  void domainSeparatesSignatures() {
    Identity id = Identity.fromSeed(new byte[32]);
    byte[] msg = {1, 2, 3};
    byte[] sig = id.sign(DhtValues.PRESENCE_DOMAIN, msg);
    assertTrue(Identity.verify(id.publicKey(), DhtValues.PRESENCE_DOMAIN, msg, sig));
    assertFalse(Identity.verify(id.publicKey(), DhtValues.MUTABLE_DOMAIN, msg, sig));
    assertFalse(Identity.verify(id.publicKey(), NO_DOMAIN, msg, sig));
  }

  /** The eight points of small order (identity, order 2, 4 and 8), as 32-byte encodings. */
  static final String[] SMALL_ORDER_POINTS = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  };

  /** The small-order points and the non-canonical encodings of the identity (y = p + 1). */
  static final String[] SMALL_ORDER_AND_ALIASES = Stream.concat(
      Arrays.stream(SMALL_ORDER_POINTS),
      Stream.of("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
          "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")).toArray(String[]::new);

  /**
   * A small-order public key signs anything: with A of order 8 or less, {@code R = A', S = 0} for a
   * small-order R' meets the cofactorless equation for many messages. Each such key, with every
   * small-order R and S = 0, over several messages, must be refused.
   */
  @Test
  void smallOrderKeysAreRefused() {
    for (String key : SMALL_ORDER_POINTS) {
      for (String r : SMALL_ORDER_AND_ALIASES) {
        byte[] sig = new byte[64];
        System.arraycopy(HEX.decode(r), 0, sig, 0, 32);
        for (int m = 0; m < 8; m++) {
          assertFalse(Identity.verify(HEX.decode(key), NO_DOMAIN, new byte[] {(byte) m}, sig), key + " / " + r);
        }
      }
    }
  }

  /** Key encodings whose y is not reduced (y >= p), some of which are points mod p. */
  static final String[] NON_CANONICAL_KEYS = {
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1 (the identity)
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // same, sign bit set
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};

  /** A key encoding whose y is not reduced (y >= p) is refused, even where y mod p is a point. */
  @Test
  void nonCanonicalKeysAreRefused() {
    byte[] msg = {1};
    for (String key : NON_CANONICAL_KEYS) {
      byte[] sig = new byte[64];
      System.arraycopy(HEX.decode(key), 0, sig, 0, 32);
      assertFalse(Identity.verify(HEX.decode(key), NO_DOMAIN, msg, sig), key);
    }
  }

  /** S must be below the group order L: the same signature with S + L is refused (malleability). */
  @Test
  void nonCanonicalScalarIsRefused() {
    Identity id = Identity.fromSeed(HEX.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    byte[] msg = {7, 7, 7};
    byte[] sig = id.sign(NO_DOMAIN, msg);
    assertTrue(Identity.verify(id.publicKey(), NO_DOMAIN, msg, sig));
    BigInteger l = BigInteger.ONE.shiftLeft(252)
        .add(new BigInteger("27742317777372353535851937790883648493"));
    byte[] s = Arrays.copyOfRange(sig, 32, 64);
    BigInteger sPlusL = littleEndian(s).add(l);
    byte[] malleable = sig.clone();
    System.arraycopy(toLittleEndian(sPlusL), 0, malleable, 32, 32);
    assertFalse(Identity.verify(id.publicKey(), NO_DOMAIN, msg, malleable), "S + L");
    byte[] high = sig.clone();
    high[63] |= (byte) 0xe0;
    assertFalse(Identity.verify(id.publicKey(), NO_DOMAIN, msg, high), "top bits of S set");
  }

  private static BigInteger littleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] toLittleEndian(BigInteger v) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = v.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  /** Verify with the JDK's own Ed25519 (an implementation independent of Bouncy Castle). */
  static boolean jdkVerify(byte[] publicKey, byte[] message, byte[] signature) throws Exception {
    byte[] spki = HEX.decode("302a300506032b6570032100" + HEX.encode(publicKey));
    PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(key);
    s.update(message);
    return s.verify(signature);
  }

  private static final String TEST_1024_MESSAGE =
      "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c5"
      + "0544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0"
      + "810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82"
      + "d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9"
      + "a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c9"
      + "4fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5"
      + "d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88"
      + "425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
      + "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80"
      + "c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae078"
      + "4504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9"
      + "b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
      + "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc"
      + "82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986"
      + "780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109"
      + "c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d"
      + "97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989"
      + "f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7"
      + "f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a"
      + "64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0";
}
