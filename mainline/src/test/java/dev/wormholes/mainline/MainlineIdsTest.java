package dev.wormholes.mainline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** BEP 42's test vectors. */
class MainlineIdsTest {
  private static final Object[][] VECTORS = {
    {"124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
    {"21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
    {"65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
    {"84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
    {"43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
  };

  @Test
  void bep42Vectors() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    for (Object[] v : VECTORS) {
      byte[] ip = InetAddress.getByName((String) v[0]).getAddress();
      byte[] expected = MutableItemTest.hex((String) v[2]);
      assertTrue(MainlineIds.isBep42(expected, ip), (String) v[0]);
      byte[] made = MainlineIds.bep42(ip, (Integer) v[1] & 7, random);
      assertArrayEquals(java.util.Arrays.copyOf(expected, 2), java.util.Arrays.copyOf(made, 2));
      assertEquals(expected[2] & 0xf8, made[2] & 0xf8);
      assertEquals(expected[19] & 7, made[19] & 7);
      assertTrue(MainlineIds.isBep42(made, ip));
      assertFalse(MainlineIds.isBep42(made, new byte[] {1, 2, 3, 4}));
    }
  }

  @Test
  void onlyPublicIpv4AddressesBindIds() throws Exception {
    assertTrue(MainlineIds.bindsId(InetAddress.getByName("124.31.75.21")));
    for (String a : new String[] {"127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "100.64.0.1", "169.254.1.1", "::1"}) {
      assertFalse(MainlineIds.bindsId(InetAddress.getByName(a)), a);
    }
  }
}
