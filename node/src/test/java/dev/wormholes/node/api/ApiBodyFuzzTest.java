package dev.wormholes.node.api;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.wormholes.node.fuzz.FuzzRuns;
import dev.wormholes.node.path.Path;
import dev.wormholes.node.path.Ping;
import dev.wormholes.node.socks.SocksCredentials;
import dev.wormholes.node.store.ServiceRecord;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fuzz: control API bodies. Any text given to {@code POST /v1/expose} or {@code /v1/unexpose}
 * ends in a result or an {@link ApiException} (a 4xx answer with one sentence), never another
 * exception; an accepted exposure is never both public and allow-listed.
 *
 * <p>Normal suite: seed inputs under {@code src/test/resources/dev/wormholes/node/api/ApiBodyFuzzTestInputs/}.
 * Long run: {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='dev.wormholes.**' ./mvnw -B -o -pl node test -Dtest=ApiBodyFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (node/README.md "Fuzzing").
 */
class ApiBodyFuzzTest {
  /** Accepts every exposure as given (the route's parsing is what is fuzzed). */
  private static final StreamControl STREAMS = new StreamControl() {
    @Override
    public ServiceRecord expose(ServiceRecord record) {
      if (record.everyone() && !record.allow().isEmpty()) {
        throw new AssertionError("public and allow-listed: " + record);
      }
      return record;
    }

    @Override
    public boolean unexpose(String service) {
      return service.equals("web");
    }

    @Override
    public List<ServiceRecord> services() {
      return List.of();
    }

    @Override
    public CompletableFuture<Ping.Result> ping(NodeId node, int count, boolean viaRelay) {
      return new CompletableFuture<>();
    }

    @Override
    public List<Path> paths() {
      return List.of();
    }

    @Override
    public InetSocketAddress socksAddress() {
      return null;
    }

    @Override
    public SocksCredentials socksCredentials() {
      return null;
    }
  };

  @FuzzTest(maxDuration = FuzzRuns.MAX_DURATION, maxExecutions = FuzzRuns.MAX_EXECUTIONS)
  void post(FuzzedDataProvider in) {
    String path = in.consumeBoolean() ? "/v1/expose" : "/v1/unexpose";
    String body = in.consumeRemainingAsString();
    try {
      ServiceRoutes.route(STREAMS, false, true, path, body).join();
    } catch (ApiException e) {
      if (e.status() < 400 || e.status() >= 500) {
        throw new AssertionError("not a client error: " + e.status() + " " + e.getMessage());
      }
    }
  }
}
