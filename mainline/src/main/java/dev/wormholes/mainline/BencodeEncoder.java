package dev.wormholes.mainline;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes {@link Bencode} values in canonical form (BEP 3: dictionary keys sorted as raw bytes). */
final class BencodeEncoder {
  private BencodeEncoder() {}

  static void write(Bencode value, ByteArrayOutputStream out) {
    if (value instanceof Bencode.Int i) {
      ascii(out, "i" + i.value() + "e");
    } else if (value instanceof Bencode.Bytes b) {
      string(out, b.value());
    } else if (value instanceof Bencode.BList l) {
      out.write('l');
      for (Bencode item : l.items()) {
        write(item, out);
      }
      out.write('e');
    } else {
      out.write('d');
      for (Map.Entry<String, Bencode> e : ((Bencode.Dict) value).entries().entrySet()) {
        string(out, e.getKey().getBytes(StandardCharsets.ISO_8859_1));
        write(e.getValue(), out);
      }
      out.write('e');
    }
  }

  private static void string(ByteArrayOutputStream out, byte[] b) {
    ascii(out, b.length + ":");
    out.write(b, 0, b.length);
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(b, 0, b.length);
  }
}
