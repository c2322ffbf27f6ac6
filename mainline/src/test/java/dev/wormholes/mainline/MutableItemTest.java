package dev.wormholes.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** BEP 44's test vectors, and signing with a Wormholes identity. */
class MutableItemTest {
  private static final byte[] PK = hex("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
  private static final byte[] V = "12:Hello World!".getBytes(StandardCharsets.US_ASCII);

  static byte[] hex(String s) {
    return BaseEncoding.base16().lowerCase().decode(s);
  }

  @Test
  void vector1MutableWithoutSalt() {
    assertEquals("3:seqi1e1:v12:Hello World!", new String(MutableItem.signedBuffer(new byte[0], 1, V), StandardCharsets.US_ASCII));
    assertArrayEquals(hex("4a533d47ec9c7d95b1ad75f576cffc641853b750"), MutableItem.target(PK, new byte[0]));
    MutableItem item = new MutableItem(PK, new byte[0], 1, V, hex("305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
        + "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01"));
    assertTrue(item.verify());
    assertFalse(new MutableItem(PK, new byte[0], 2, V, item.signature()).verify(), "seq is signed");
  }

  @Test
  void vector2MutableWithSalt() {
    byte[] salt = "foobar".getBytes(StandardCharsets.US_ASCII);
    assertEquals("4:salt6:foobar3:seqi1e1:v12:Hello World!", new String(MutableItem.signedBuffer(salt, 1, V), StandardCharsets.US_ASCII));
    assertArrayEquals(hex("411eba73b6f087ca51a3795d9c8c938d365e32c1"), MutableItem.target(PK, salt));
    MutableItem item = new MutableItem(PK, salt, 1, V, hex("6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d"
        + "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08"));
    assertTrue(item.verify());
    assertFalse(new MutableItem(PK, "foobaz".getBytes(StandardCharsets.US_ASCII), 1, V, item.signature()).verify(), "salt is signed");
  }

  @Test
  void identitySignsItemsOthersVerify() {
    Identity id = Identity.fromSeed(new byte[32]);
    byte[] v = Bencode.dict().put("a", "b").build().encode();
    MutableItem item = MutableItem.sign(id, "s".getBytes(StandardCharsets.US_ASCII), 5, v);
    assertTrue(item.verify());
    byte[] forged = item.signature();
    forged[3] ^= 1;
    assertFalse(new MutableItem(item.publicKey(), item.salt(), 5, v, forged).verify());
    byte[] big = Bencode.bytes(new byte[MutableItem.MAX_VALUE]).encode();
    assertFalse(MutableItem.sign(id, new byte[0], 1, big).verify(), "over 1000 bencoded bytes");
    assertFalse(MutableItem.sign(id, new byte[65], 1, v).verify(), "salt over 64 bytes");
    assertFalse(MutableItem.sign(id, new byte[0], 1, "d1:bi1e1:ai2ee".getBytes(StandardCharsets.US_ASCII)).verify(),
        "non-canonical value");
  }
}
