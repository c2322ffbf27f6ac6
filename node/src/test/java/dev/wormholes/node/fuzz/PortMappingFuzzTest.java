package dev.wormholes.node.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.nat.portmap.NatPmpCodec;
import dev.wormholes.nat.portmap.PcpCodec;
import dev.wormholes.nat.portmap.UpnpCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Fuzz: port-mapping replies from the gateway (NAT-PMP, PCP, UPnP SSDP, device description and SOAP
 * answers): any bytes decode to a mapping or a typed failure, never an exception.
 *
 * <p>{@code ./mvnw -pl node test -Dtest=PortMappingFuzzTest} (the normal suite) runs the seed
 * inputs under {@code src/test/resources/dev/wormholes/node/fuzz/PortMappingFuzzTestInputs/} and an
 * empty input (Jazzer's regression mode). The long run: {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node
 * test -Dtest=PortMappingFuzzTest -Dsurefire.failIfNoSpecifiedTests=false} (node/README.md "Fuzzing").
 */
class PortMappingFuzzTest {
  private static final InetAddress GATEWAY = InetAddress.getLoopbackAddress();
  private static final InetSocketAddress FROM = new InetSocketAddress(GATEWAY, NatPmpCodec.SERVER_PORT);

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void decode(FuzzedDataProvider in) {
    int which = in.consumeInt(0, 5);
    switch (which) {
      case 0 -> NatPmpCodec.decodeExternalAddressResponse(FROM, in.consumeRemainingAsBytes(), GATEWAY);
      case 1 -> NatPmpCodec.decodeMapUdpResponse(FROM, in.consumeRemainingAsBytes(), GATEWAY, 7447);
      case 2 -> PcpCodec.decodeMapResponse(FROM, in.consumeRemainingAsBytes(), GATEWAY, new byte[PcpCodec.NONCE_BYTES],
          7447);
      case 3 -> UpnpCodec.decodeSearchResponse(in.consumeRemainingAsBytes());
      case 4 -> UpnpCodec.decodeDescription("http://127.0.0.1:5000/desc.xml", in.consumeRemainingAsString());
      default -> UpnpCodec.decodeActionResponse("AddPortMapping", in.consumeInt(100, 599), in.consumeRemainingAsString());
    }
  }
}
