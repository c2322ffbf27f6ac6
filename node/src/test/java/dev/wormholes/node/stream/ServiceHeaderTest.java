package dev.wormholes.node.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.wormholes.node.stream.ServiceHeader.Malformed;
import dev.wormholes.node.stream.ServiceHeader.Request;
import dev.wormholes.node.stream.ServiceHeader.Response;
import dev.wormholes.node.stream.ServiceHeader.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden bytes and hostile input for the stream-opening header. */
class ServiceHeaderTest {
  static {
    StreamTestSupport.quietLogs();
  }

  private static final ByteBufAllocator A = ByteBufAllocator.DEFAULT;

  private static ByteBuf hex(String h) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(h));
  }

  @Test
  void goldenRequestAndResponses() {
    assertEquals("0103776562", ByteBufUtil.hexDump(ServiceHeader.encodeRequest(A, "web")));
    assertEquals("0000", ByteBufUtil.hexDump(ServiceHeader.encodeResponse(A, Status.OK, "")));
    assertEquals("01026e6f",
        ByteBufUtil.hexDump(ServiceHeader.encodeResponse(A, Status.UNKNOWN_SERVICE, "no")));
    assertEquals(new Request("web"), ServiceHeader.parseRequest(hex("0103776562")));
    assertEquals(new Response(Status.NOT_ALLOWED, "no"),
        ServiceHeader.parseResponse(hex("02026e6f")));
    assertEquals(new Response(Status.OTHER, ""), ServiceHeader.parseResponse(hex("7700")));
  }

  @Test
  void partialInputConsumesNothing() {
    ByteBuf b = hex("01037765");
    assertNull(ServiceHeader.parseRequest(b));
    assertEquals(4, b.readableBytes());
    ByteBuf r = hex("02036e6f");
    assertNull(ServiceHeader.parseResponse(r));
    assertEquals(4, r.readableBytes());
  }

  @Test
  void badRequestsAreMalformedNotExceptions() {
    for (String h : List.of("0203776562", "0100", "0140", "0103574542", "0103615f62", "01022d61")) {
      assertInstanceOf(Malformed.class, ServiceHeader.parseRequest(hex(h)), h);
    }
  }

  @Test
  void onlyServiceNamesAreEncoded() {
    assertThrows(IllegalArgumentException.class, () -> ServiceHeader.encodeRequest(A, "a.b"));
  }

  @Test
  void randomBytesNeverThrow() {
    qt().withExamples(2000).forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 80))
        .checkAssert(bytes -> {
          byte[] b = new byte[bytes.size()];
          for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (int) bytes.get(i);
          }
          Object req = ServiceHeader.parseRequest(Unpooled.wrappedBuffer(b));
          assertTrue(req == null || req instanceof Request || req instanceof Malformed);
          ServiceHeader.parseResponse(Unpooled.wrappedBuffer(b));
        });
  }

  @Test
  void longReasonsAreCut() {
    ByteBuf r = ServiceHeader.encodeResponse(A, Status.UNAVAILABLE, "x".repeat(400));
    assertEquals(2 + 255, r.readableBytes());
    assertEquals("x".repeat(255), ServiceHeader.parseResponse(r).reason());
  }
}
